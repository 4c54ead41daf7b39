//! Ranking stages: one role per trait, one stage per file.
//!
//! A pipeline runs `sources → hydrate features → filters → scorers → rescorers → selector`
//! (DESIGN §3). Each stage has a stable [`Stage::id`] used in specs and explanations, its
//! parameters as canonical JSON ([`Stage::params`]), and declares what it reads
//! ([`Stage::reads`]) so an audit can list a pipeline's inputs. Stages never touch
//! threads: the engine owns parallelism and calls stages for one viewer at a time.

pub(crate) mod budget;
mod context;
mod features;

pub mod author_affinity;
pub mod author_diversity;
pub mod bridging;
pub mod bridging_posts;
pub mod filters;
pub mod heavy_ranker;
pub mod hn_gravity;
pub mod in_network;
pub mod label_downrank;
pub mod lemmy_hot;
pub mod out_of_network;
pub mod popular;
pub mod recency;
pub mod reddit_controversy;
pub mod reddit_hot;
pub mod reply;
pub mod social_proof;
pub mod top_k;
pub mod weighted_sum;

pub use context::{Sourced, ViewerInput, ViewerState};
pub(crate) use features::warm_caller_rows;
pub use features::{FeatureMatrix, STANDARD_FEATURES};

use crate::model::PostId;
use serde::{Deserialize, Serialize};

/// How much explanation to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExplainMode {
    /// Scores only (the fast path: no per-candidate allocation).
    #[default]
    Off,
    /// Terms, factors and rescores with sentences.
    Summary,
    /// Summary plus feature values and per-feature contributions.
    Full,
}

/// Something a stage reads: the inputs an audit lists for a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// A hydrated feature column (standard or caller-supplied).
    Feature(String),
    /// Whom the viewer follows.
    Follows,
    /// Whom the viewer mutes.
    Mutes,
    /// Blocks in either direction.
    Blocks,
    /// The viewer's muted words and hidden labels (their own settings).
    ViewerSettings,
    /// The viewer's own engagement history (profiling, in the sense of DSA Art. 38).
    ViewerHistory,
    /// Engagements of the accounts the viewer follows.
    FolloweeEngagements,
    /// Engagement counts of all users (popularity).
    Engagements,
    /// Post metadata: author, time, text, labels, reply/repost links.
    PostMetadata,
    /// An audit attribute of users (e.g. `viewpoint`); no built-in stage reads one.
    UserAttribute(String),
}

/// Who decided a filtering: the viewer's own choices, the author, the platform's
/// published policy, or the ranking algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecidedBy {
    /// The viewer's mutes, blocks, muted words or hidden labels.
    Viewer,
    /// The author (they block the viewer). Explanations never show it: the engine records
    /// a post across a block only as [`Outcome::unavailable`](crate::Outcome::unavailable),
    /// so a viewer is never told that someone blocks them.
    Author,
    /// The platform's policy labels.
    Platform,
    /// The algorithm (age, already seen, duplicates, own posts).
    Algorithm,
}

/// Whether a scorer's value is added (term) or multiplied (factor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// Added to the base score: `score = Σ terms × Π factors`.
    Term,
    /// Multiplies the sum of terms.
    Factor,
}

/// One feature's part in a stage's value (explanations, `full` mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureContribution {
    /// Feature name.
    pub feature: String,
    /// Its value for the post (0 when missing).
    pub value: f64,
    /// Weight applied, if the stage is a weighted combination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// The feature's contribution to the stage's value, if separable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contribution: Option<f64>,
    /// True when the post did not carry this caller-supplied feature (treated as 0).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
}

/// What a stage says about one candidate: a sentence and, in `full` mode, the features.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StageNote {
    /// A sentence for people.
    pub why: String,
    /// Per-feature details (`full` mode only).
    pub details: Vec<FeatureContribution>,
}

impl StageNote {
    /// A note with a sentence only.
    pub fn says(why: impl Into<String>) -> Self {
        StageNote { why: why.into(), details: Vec::new() }
    }
}

/// What every stage has: an id, canonical parameters and declared inputs.
pub trait Stage: Send + Sync {
    /// Stable id used in specs and explanations (e.g. `heavy_ranker`).
    fn id(&self) -> &'static str;
    /// Parameters with defaults filled, as they appear in the canonical spec.
    fn params(&self) -> serde_json::Value;
    /// What the stage reads.
    fn reads(&self) -> Vec<Input>;
    /// Work done once per dataset before any feed is ranked (e.g. fitting a model, cached
    /// in the dataset). The engine calls it at the start of every ranking call.
    fn prepare(&self, _ds: &crate::Dataset) -> crate::Result<()> {
        Ok(())
    }
}

/// Proposes candidate posts for a viewer.
pub trait Source: Stage {
    /// Appends candidates; `proof` in [`Sourced`] is stage-specific (e.g. followee count).
    fn collect(&self, input: &ViewerInput<'_>, out: &mut Vec<Sourced>);
    /// Why this source proposed `sourced` (a sentence that obeys the privacy rule).
    fn why(&self, input: &ViewerInput<'_>, sourced: &Sourced) -> String;
    /// Why this source did not propose `post`.
    fn why_not(&self, input: &ViewerInput<'_>, post: PostId) -> String;
}

/// Removes candidates.
pub trait Filter: Stage {
    /// `Some(who decided)` when `post` must be removed, `None` to keep it.
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy>;
    /// [`Filter::check`] of many candidates at once: `out[i] = self.check(input, posts[i])`.
    /// `posts` are in ascending [`PostId`] order, each once (a filter may merge them with a
    /// sorted list). The engine calls this once per filter and feed (per chunk of 1,024
    /// candidates when it filters in parallel) rather than `check` per candidate; an
    /// override may only be faster, never decide differently.
    fn check_sorted(&self, input: &ViewerInput<'_>, posts: &[PostId], out: &mut [Option<DecidedBy>]) {
        for (slot, &post) in out.iter_mut().zip(posts) {
            *slot = self.check(input, post);
        }
    }
    /// The sentence recorded for a removal (called only when explaining).
    fn reason(&self, input: &ViewerInput<'_>, post: PostId) -> String;
    /// False when the filter can remove nothing from this viewer's feed (e.g. the viewer
    /// mutes no one), so the engine need not ask it about each candidate. The default,
    /// true, is always correct.
    fn applies_to(&self, _input: &ViewerInput<'_>) -> bool {
        true
    }
    /// Labels whose posts this filter removes for every viewer by platform policy: the
    /// engine treats such posts as not available (see [`crate::Explanation`]). Default:
    /// none.
    fn policy_labels(&self) -> &[String] {
        &[]
    }
}

/// Scores every surviving candidate, as a term or a factor.
pub trait Scorer: Stage {
    /// Term or factor.
    fn combine(&self) -> Combine;
    /// Writes one value per row of `features` (row `i` is `posts[i]`) into `out`.
    fn score(&self, input: &ViewerInput<'_>, posts: &[PostId], features: &FeatureMatrix, out: &mut [f64]);
    /// Explains the value of row `row` (called only when explaining).
    fn explain(
        &self,
        input: &ViewerInput<'_>,
        post: PostId,
        features: &FeatureMatrix,
        row: usize,
        value: f64,
        mode: ExplainMode,
    ) -> StageNote;
}

/// Multiplies scores list-wise, given the current order.
pub trait Rescorer: Stage {
    /// For `ordered` (best first), writes a multiplier and a stage-specific note number
    /// (e.g. the author's 0-based post count) per position.
    fn rescore(&self, input: &ViewerInput<'_>, ordered: &[PostId], out: &mut [(f64, u32)]);
    /// The sentence for a multiplier at a position (called only when explaining).
    fn why(&self, input: &ViewerInput<'_>, post: PostId, multiplier: f64, note: u32) -> String;
    /// An upper bound of every multiplier, for a stage whose multipliers lie in
    /// `[0, bound]` and depend only on the posts above each position. The engine may then
    /// rank a feed without explanations from the top of the list alone (the result is the
    /// same as from the whole list). `None` (the default) promises nothing.
    fn max_multiplier(&self) -> Option<f64> {
        None
    }
}

/// Chooses the feed from the final order.
pub trait Selector: Stage {
    /// The number of items asked for.
    fn k(&self) -> usize;
    /// Positions (into `ordered`, ascending) of the selected items; `in_network[i]` tells
    /// whether `ordered[i]` comes from an account the viewer follows.
    /// `k` is the number asked for (the caller's override or [`Selector::k`]).
    fn select(&self, ordered: &[PostId], in_network: &[bool], k: usize, selected: &mut Vec<usize>);
    /// True when selecting from any first part of the order that yields `k` items gives
    /// the same positions as selecting from the whole order (a greedy walk from the top).
    /// Lets the engine order only the top of a feed when no explanation is asked for.
    fn selects_from_top(&self) -> bool {
        false
    }
}

/// The start of a window of `hours` ending at `now` (saturating, so no `now` overflows).
pub(crate) fn window_start(now: i64, hours: f64) -> i64 {
    now.saturating_sub((hours * 3600.0) as i64)
}

/// Formats a number of hours for sentences.
pub(crate) fn hours(h: f64) -> String {
    if h < 1.0 {
        format!("{:.0} minutes", h * 60.0)
    } else {
        format!("{h:.1} hours")
    }
}
