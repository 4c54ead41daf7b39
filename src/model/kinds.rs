//! Small enumerations of the data model: dense ids, edge kinds, engagement kinds.

use serde::{Deserialize, Serialize};

/// Dense id of a user (index into the dataset's user columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub u32);

/// Dense id of a post (index into the dataset's post columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostId(pub u32);

impl UserId {
    /// The id as a `usize` index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl PostId {
    /// The id as a `usize` index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The kind of a social-graph edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// `src` follows `dst`: `dst`'s posts are in `src`'s network.
    Follow,
    /// `src` mutes `dst`: `dst`'s posts are hidden from `src`.
    Mute,
    /// `src` blocks `dst`: neither sees the other's posts.
    Block,
}

impl EdgeKind {
    /// All kinds, in index order.
    pub const ALL: [EdgeKind; 3] = [EdgeKind::Follow, EdgeKind::Mute, EdgeKind::Block];

    /// The name used in `graph.jsonl`.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Follow => "follow",
            EdgeKind::Mute => "mute",
            EdgeKind::Block => "block",
        }
    }
}

/// The kind of an engagement of a user with a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum EngagementKind {
    /// The post was shown to the user.
    Impression,
    /// The user opened the post.
    Click,
    /// The user liked the post.
    Like,
    /// The user disliked (down-voted) the post.
    Dislike,
    /// The user reposted the post.
    Repost,
    /// The user replied to the post.
    Reply,
    /// The user quoted the post.
    Quote,
    /// The user shared the post outside the platform.
    Share,
    /// The user opened the author's profile from the post.
    ProfileClick,
    /// The user said they are not interested in the post.
    NotInterested,
    /// The user reported the post.
    Report,
}

impl EngagementKind {
    /// Number of kinds.
    pub const COUNT: usize = 11;

    /// All kinds, in index order.
    pub const ALL: [EngagementKind; 11] = [
        EngagementKind::Impression,
        EngagementKind::Click,
        EngagementKind::Like,
        EngagementKind::Dislike,
        EngagementKind::Repost,
        EngagementKind::Reply,
        EngagementKind::Quote,
        EngagementKind::Share,
        EngagementKind::ProfileClick,
        EngagementKind::NotInterested,
        EngagementKind::Report,
    ];

    /// The name used in `engagements.jsonl`.
    pub fn as_str(self) -> &'static str {
        match self {
            EngagementKind::Impression => "impression",
            EngagementKind::Click => "click",
            EngagementKind::Like => "like",
            EngagementKind::Dislike => "dislike",
            EngagementKind::Repost => "repost",
            EngagementKind::Reply => "reply",
            EngagementKind::Quote => "quote",
            EngagementKind::Share => "share",
            EngagementKind::ProfileClick => "profile_click",
            EngagementKind::NotInterested => "not_interested",
            EngagementKind::Report => "report",
        }
    }

    /// Parses a kind name as written in `engagements.jsonl`.
    pub fn parse(s: &str) -> Option<EngagementKind> {
        EngagementKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind's index in [`EngagementKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// True for the kinds that count as social proof: like, repost, reply, quote.
    pub fn is_social_proof(self) -> bool {
        matches!(
            self,
            EngagementKind::Like | EngagementKind::Repost | EngagementKind::Reply | EngagementKind::Quote
        )
    }
}
