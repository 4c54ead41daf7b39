//! One record per line of the JSON Lines format (DESIGN §2), as plain serde structs.
//!
//! These are what [`DatasetBuilder`](crate::DatasetBuilder) takes and what
//! [`Dataset::write_jsonl_dir`](crate::Dataset::write_jsonl_dir) writes. Unknown fields are
//! ignored when reading.

use crate::model::kinds::{EdgeKind, EngagementKind};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// `null` reads as an empty list or map (pandas writes `null` for missing values).
fn null_as_empty<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A line of `users.jsonl`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserRecord {
    /// External id.
    pub id: String,
    /// Audit-only metadata such as `{"viewpoint": "left"}`; no built-in ranking stage reads it.
    #[serde(default, deserialize_with = "null_as_empty", skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, String>,
    /// Words whose posts the user does not want to see (case-insensitive, whole words).
    #[serde(default, deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub muted_words: Vec<String>,
    /// Post labels the user does not want to see.
    #[serde(default, deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub hidden_labels: Vec<String>,
}

/// A line of `graph.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeRecord {
    /// The user who follows, mutes or blocks.
    pub src: String,
    /// The user followed, muted or blocked.
    pub dst: String,
    /// `follow`, `mute` or `block`.
    pub kind: EdgeKind,
}

/// A line of `posts.jsonl`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PostRecord {
    /// External id.
    pub id: String,
    /// The author's user id.
    pub author: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The post's text, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The post this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// The post this one reposts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repost_of: Option<String>,
    /// Moderation labels such as `nsfw`.
    #[serde(default, deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Topics.
    #[serde(default, deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
    /// Caller-supplied numeric features, e.g. predictions `p_fav`, `p_reply`.
    #[serde(default, deserialize_with = "null_as_empty", skip_serializing_if = "BTreeMap::is_empty")]
    pub features: BTreeMap<String, f64>,
}

/// A line of `engagements.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngagementRecord {
    /// The engaging user.
    pub user: String,
    /// The post engaged with.
    pub post: String,
    /// What the user did.
    pub kind: EngagementKind,
    /// Unix seconds.
    pub at: i64,
    /// Explicit rating in `[0, 1]`, if any (used by bridging).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
}
