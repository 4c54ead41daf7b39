//! `in_network` source: posts and reposts by the accounts the viewer follows.

use crate::error::Result;
use crate::model::{PostId, UserId};
use crate::stages::budget::{fair_quota, newest};
use crate::stages::{hours, Input, Source, Sourced, Stage, ViewerInput};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`InNetwork`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InNetworkParams {
    /// Only posts created within this many hours before `now` (default 48).
    pub max_age_hours: f64,
}

impl Default for InNetworkParams {
    fn default() -> Self {
        InNetworkParams { max_age_hours: 48.0 }
    }
}

/// Proposes every post (including reposts) by a followee created in
/// `(now − max_age_hours, now]`.
#[derive(Debug, Clone)]
pub struct InNetwork {
    params: InNetworkParams,
}

pub(crate) fn check_window(stage: &str, param: &str, value: f64) -> Result<()> {
    if !value.is_finite() || value <= 0.0 {
        return Err(Error::spec(stage, param, format!("must be a finite number of hours > 0, got {value}")));
    }
    Ok(())
}

impl InNetwork {
    /// Stage id.
    pub const ID: &'static str = "in_network";

    /// Checks the parameters.
    pub fn new(params: InNetworkParams) -> Result<Self> {
        check_window(Self::ID, "max_age_hours", params.max_age_hours)?;
        Ok(InNetwork { params })
    }

    fn from(&self, now: i64) -> i64 {
        crate::stages::window_start(now, self.params.max_age_hours)
    }
}

impl Stage for InNetwork {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::Follows, Input::PostMetadata]
    }
}

impl Source for InNetwork {
    fn collect(&self, input: &ViewerInput<'_>, out: &mut Vec<Sourced>) {
        let from = self.from(input.now);
        let windows: Vec<&[u32]> = input
            .state
            .followees_read(input.ds, input.viewer)
            .iter()
            .map(|&f| input.ds.posts_by_between(UserId(f), from, input.now))
            .collect();
        // Over the feed's budget, every followee contributes its newest posts, a fair share.
        let mut lengths: Vec<usize> = windows.iter().map(|w| w.len()).collect();
        let quota = fair_quota(&mut lengths, input.state.posts_allowance());
        let (mut read, mut truncated) = (0, false);
        for posts in windows {
            let kept = newest(posts, quota);
            read += kept.len();
            truncated |= kept.len() < posts.len();
            out.extend(kept.iter().map(|&p| Sourced { post: PostId(p), source: 0, proof: 0 }));
        }
        input.state.record_posts_read(read, truncated);
    }

    fn why(&self, input: &ViewerInput<'_>, sourced: &Sourced) -> String {
        let author = input.ds.user_name(input.ds.author(sourced.post));
        if input.ds.repost_of(sourced.post).is_some() {
            format!("reposted by @{author}, whom you follow")
        } else {
            format!("posted by @{author}, whom you follow")
        }
    }

    fn why_not(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        let author = input.ds.author(post);
        if author == input.viewer {
            "in_network: it is your own post".to_string()
        } else if !input.ds.graph().follows(input.viewer.0, author.0) {
            format!("in_network: you do not follow {}", input.handle(author))
        } else if input.ds.created_at(post) > input.now {
            "in_network: posted after the ranking time".to_string()
        } else if input.ds.created_at(post) > self.from(input.now) {
            "in_network: left out by this feed's work limits (see `limits`)".to_string()
        } else {
            format!(
                "in_network: posted {} ago, outside its {} window",
                hours(input.age_hours(post)),
                hours(self.params.max_age_hours)
            )
        }
    }
}
