//! `bridging_posts` source: the recent posts most endorsed across the viewpoint divide,
//! proposed to every viewer whatever their network — the out-of-network counterpart of the
//! `bridging` scorer (the same fitted model, cached in the dataset).

use crate::bridging::BridgingConfig;
use crate::error::Result;
use crate::model::PostId;
use crate::stages::in_network::check_window;
use crate::stages::{hours, Input, Source, Sourced, Stage, ViewerInput};
use crate::{Dataset, Error};
use serde::{Deserialize, Serialize};

/// Parameters of [`BridgingPosts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BridgingPostsParams {
    /// How many posts to propose (default 50, at least 1).
    pub n: usize,
    /// Only posts created within this many hours before `now` (default 48).
    pub max_age_hours: f64,
    /// Only posts with a bridging score at least this (default 0: endorsed more than not).
    pub min_score: f64,
    /// Raters needed for a bridging score (default 5; keep equal to the scorer's).
    pub min_raters: u32,
    /// Seed of the fit (default 0; keep equal to the scorer's so both share one fit).
    pub seed: u64,
}

impl Default for BridgingPostsParams {
    fn default() -> Self {
        BridgingPostsParams { n: 50, max_age_hours: 48.0, min_score: 0.0, min_raters: 5, seed: 0 }
    }
}

/// Proposes the `n` posts with the highest bridging score `i_p ≥ min_score` created in
/// `(now − max_age_hours, now]` (ties by external id), drawn from the two sides of the
/// inferred viewpoint axis in proportion to each side's share of rating users: a side's
/// quota is `round(n · share)` of its authors' best posts. The sides are the model's
/// (signs of the authors' `f_u`), never user attributes, so the source mirrors the town
/// square's own balance without reading anyone's declared viewpoint.
#[derive(Debug, Clone)]
pub struct BridgingPosts {
    params: BridgingPostsParams,
    config: BridgingConfig,
}

impl BridgingPosts {
    /// Stage id.
    pub const ID: &'static str = "bridging_posts";

    /// Checks the parameters.
    pub fn new(params: BridgingPostsParams) -> Result<Self> {
        if params.n == 0 {
            return Err(Error::spec(Self::ID, "n", "must be at least 1"));
        }
        check_window(Self::ID, "max_age_hours", params.max_age_hours)?;
        if !params.min_score.is_finite() {
            return Err(Error::spec(Self::ID, "min_score", "must be finite"));
        }
        if params.min_raters == 0 {
            return Err(Error::spec(Self::ID, "min_raters", "must be at least 1"));
        }
        let config =
            BridgingConfig { min_raters: params.min_raters, seed: params.seed, ..BridgingConfig::default() };
        Ok(BridgingPosts { params, config })
    }

    /// The proposed posts, best first (ties by external id), with their bridging scores.
    fn top(&self, input: &ViewerInput<'_>) -> Vec<(PostId, f64)> {
        let ds = input.ds;
        let (Ok(model), Ok(sides)) = (ds.bridging_model(&self.config), ds.bridging_ranking(&self.config))
        else {
            return Vec::new();
        };
        let from = crate::stages::window_start(input.now, self.params.max_age_hours);
        // `n` comes from the spec: nothing is reserved by it, and the rounded quota (which
        // can round above a huge `n`) is capped so the other side's quota cannot underflow.
        let negative_quota = ((self.params.n as f64 * sides[0].0).round() as usize).min(self.params.n);
        let mut picked: Vec<(PostId, f64)> = Vec::new();
        let (mut read, mut truncated) = (0usize, false);
        let allowance = input.state.posts_allowance();
        for ((_, ranking), quota) in sides.iter().zip([negative_quota, self.params.n - negative_quota]) {
            let mut taken = 0;
            for &p in ranking.iter() {
                if taken == quota {
                    break;
                }
                if read == allowance {
                    truncated = true;
                    break;
                }
                read += 1;
                let p = PostId(p);
                let score = model.post_intercept(p).unwrap_or(f64::NEG_INFINITY);
                if score < self.params.min_score {
                    break;
                }
                if from < ds.created_at(p) && ds.created_at(p) <= input.now {
                    picked.push((p, score));
                    taken += 1;
                }
            }
        }
        input.state.record_posts_read(read, truncated);
        picked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| ds.post_name(a.0).cmp(ds.post_name(b.0))));
        picked
    }
}

impl Stage for BridgingPosts {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::Engagements, Input::PostMetadata]
    }
    fn prepare(&self, ds: &Dataset) -> Result<()> {
        ds.bridging_ranking(&self.config).map(|_| ())
    }
}

impl Source for BridgingPosts {
    fn collect(&self, input: &ViewerInput<'_>, out: &mut Vec<Sourced>) {
        for (rank, (post, _)) in self.top(input).into_iter().enumerate() {
            out.push(Sourced { post, source: 0, proof: rank as u32 + 1 });
        }
    }

    fn why(&self, input: &ViewerInput<'_>, sourced: &Sourced) -> String {
        let score = input.ds.bridging_model(&self.config).ok().and_then(|m| m.post_intercept(sourced.post));
        format!(
            "#{} of the {} posts of the last {} most endorsed across the viewpoint divide (bridging score {:.3})",
            sourced.proof,
            self.params.n,
            hours(self.params.max_age_hours),
            score.unwrap_or(0.0)
        )
    }

    fn why_not(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        match input.ds.bridging_model(&self.config).ok().and_then(|m| m.post_intercept(post)) {
            None => {
                format!("bridging_posts: fewer than {} raters, so no bridging score", self.params.min_raters)
            }
            Some(score) => format!(
                "bridging_posts: bridging score {score:.3} is not among the {} best of the last {}",
                self.params.n,
                hours(self.params.max_age_hours)
            ),
        }
    }
}
