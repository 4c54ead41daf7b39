//! `popular` source: the most engaged-with recent posts, for viewers who follow few accounts.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::in_network::check_window;
use crate::stages::{hours, Input, Source, Sourced, Stage, ViewerInput};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`Popular`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PopularParams {
    /// How many posts to propose (default 100, at least 1).
    pub n: usize,
    /// Only posts created within this many hours before `now` (default 48).
    pub max_age_hours: f64,
    /// Only for viewers who follow fewer than this many accounts (default 10; a large
    /// number gives everyone popular posts).
    pub max_followees: usize,
}

impl Default for PopularParams {
    fn default() -> Self {
        PopularParams { n: 100, max_age_hours: 48.0, max_followees: 10 }
    }
}

/// Proposes the `n` posts with the most engagements (likes + reposts + replies + quotes +
/// shares, over the whole dataset) created in the window, to viewers who follow fewer than
/// `max_followees` accounts. Ties by external post id.
#[derive(Debug, Clone)]
pub struct Popular {
    params: PopularParams,
}

impl Popular {
    /// Stage id.
    pub const ID: &'static str = "popular";

    /// Checks the parameters.
    pub fn new(params: PopularParams) -> Result<Self> {
        if params.n == 0 {
            return Err(Error::spec(Self::ID, "n", "must be at least 1"));
        }
        check_window(Self::ID, "max_age_hours", params.max_age_hours)?;
        Ok(Popular { params })
    }

    fn eligible(&self, input: &ViewerInput<'_>) -> bool {
        input.ds.graph().followees(input.viewer.0).len() < self.params.max_followees
    }

    /// Calls `found(rank, post)` for the top posts in the window, best first; returns how
    /// many posts of the global ranking it read, and whether the feed's budget stopped it
    /// before it found `n`.
    fn top(&self, input: &ViewerInput<'_>, mut found: impl FnMut(usize, PostId)) -> (usize, bool) {
        let ds = input.ds;
        let from = crate::stages::window_start(input.now, self.params.max_age_hours);
        let ranking = ds.posts_by_engagement();
        let allowance = input.state.posts_allowance();
        let (mut read, mut rank) = (0, 0);
        for &p in ranking {
            if rank == self.params.n {
                return (read, false);
            }
            if read == allowance {
                return (read, true);
            }
            read += 1;
            let p = PostId(p);
            if from < ds.created_at(p) && ds.created_at(p) <= input.now {
                found(rank, p);
                rank += 1;
            }
        }
        (read, false)
    }
}

impl Stage for Popular {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::Follows, Input::Engagements, Input::PostMetadata]
    }
}

impl Source for Popular {
    fn collect(&self, input: &ViewerInput<'_>, out: &mut Vec<Sourced>) {
        if !self.eligible(input) {
            return;
        }
        let (read, truncated) = self.top(input, |rank, post| {
            out.push(Sourced { post, source: 0, proof: rank as u32 + 1 });
        });
        input.state.record_posts_read(read, truncated);
    }

    fn why(&self, input: &ViewerInput<'_>, sourced: &Sourced) -> String {
        format!(
            "#{} of the {} most engaged-with posts of the last {} ({} engagements); suggested because you follow fewer than {} accounts",
            sourced.proof,
            self.params.n,
            hours(self.params.max_age_hours),
            input.ds.popularity(sourced.post),
            self.params.max_followees
        )
    }

    fn why_not(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        if !self.eligible(input) {
            return format!(
                "popular: only for viewers following fewer than {} accounts",
                self.params.max_followees
            );
        }
        format!(
            "popular: not among the {} most engaged-with posts of the last {} ({} engagements)",
            self.params.n,
            hours(self.params.max_age_hours),
            input.ds.popularity(post)
        )
    }
}
