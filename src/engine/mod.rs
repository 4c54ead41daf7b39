//! The engine: runs a [`Pipeline`] for one viewer ([`Pipeline::rank`]) or many
//! ([`Pipeline::rank_all`], parallel over viewers, results in input order).
//!
//! Each feed is computed sequentially by one thread with reusable buffers, so results are
//! identical for any number of threads.

mod compare;
mod explain;
mod order;
mod privacy;
mod run;
mod work;

pub use compare::{Comparison, StageDelta};
pub use explain::{Explanation, Outcome, SourceNote, StageValue};

use crate::error::Result;
use crate::model::{Dataset, PostId, UserId};
use crate::pipeline::Pipeline;
use crate::stages::ExplainMode;
use crate::Error;
pub(crate) use run::Plan;
use run::Scratch;

/// Options of a ranking call.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RankOptions {
    /// Feed length; `None` uses the selector's `k`.
    pub k: Option<usize>,
    /// How much explanation to build.
    pub explain: ExplainMode,
    /// Ranking time; `None` uses the dataset's latest timestamp (never the wall clock).
    pub now: Option<i64>,
}

impl RankOptions {
    /// Options with explanations in `mode`.
    pub fn explained(mode: ExplainMode) -> Self {
        RankOptions { explain: mode, ..Default::default() }
    }
}

/// One item of a feed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeedItem {
    /// The post.
    pub post: PostId,
    /// 1-based position in the feed.
    pub rank: u32,
    /// Final score.
    pub score: f64,
    /// Index of the source stage that proposed it.
    pub source: u16,
}

/// A ranked feed, with explanations when asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// Whose feed.
    pub viewer: UserId,
    /// The ranking time used.
    pub now: i64,
    /// The feed, best first.
    pub items: Vec<FeedItem>,
    /// Number of candidates proposed by the sources (after de-duplication).
    pub sourced: usize,
    /// Number of candidates removed by filters.
    pub filtered: usize,
    /// One record per sourced candidate (selected, cut, filtered) unless explanations are
    /// off: selected in feed order, then cut in rank order, then filtered in post order.
    pub explanations: Vec<Explanation>,
    /// What ranking this feed read and computed, and which [`Limits`](crate::Limits)
    /// truncated it.
    pub work: FeedWork,
}

/// The work of one feed: what its sources read and how many candidates it ranked. Under
/// [`Limits`](crate::Limits) every count is bounded by the limit of the same name, so an
/// operator (or a test) can check that no spec makes a feed cost more.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FeedWork {
    /// Followees whose posts and engagements were read (≤ `max_followees_scanned`).
    pub followees_read: usize,
    /// Followee engagements read to count social proof (≤ `max_engagements_scanned`).
    pub engagements_read: usize,
    /// The viewer's own engagements read by `seen` / `author_affinity` (≤
    /// `max_history_scanned`).
    pub history_read: usize,
    /// Posts read by the sources (≤ `max_posts_scanned`).
    pub posts_read: usize,
    /// Distinct candidates the sources proposed, before the candidate limit.
    pub candidates_proposed: usize,
    /// Candidates ranked: filtered, then hydrated and scored if they survived (≤
    /// `max_candidates`).
    pub candidates: usize,
    /// Candidates whose features were hydrated and scored.
    pub hydrated: usize,
    /// One sentence per limit that truncated this feed (empty when none did); also in
    /// every explanation of the feed.
    pub limited: Vec<String>,
}

impl Pipeline {
    /// Runs every stage's once-per-dataset preparation (e.g. the bridging fit).
    fn prepare(&self, ds: &Dataset) -> Result<()> {
        self.sources.iter().try_for_each(|s| s.prepare(ds))?;
        self.filters.iter().try_for_each(|s| s.prepare(ds))?;
        self.scorers.iter().try_for_each(|s| s.prepare(ds))?;
        self.rescorers.iter().try_for_each(|s| s.prepare(ds))?;
        self.selector.prepare(ds)
    }

    fn check(&self, ds: &Dataset, viewer: UserId, options: &RankOptions) -> Result<(i64, usize)> {
        let checked = self.check_viewer(ds, viewer, options)?;
        self.prepare(ds)?;
        Ok(checked)
    }

    fn check_viewer(&self, ds: &Dataset, viewer: UserId, options: &RankOptions) -> Result<(i64, usize)> {
        if viewer.index() >= ds.user_count() {
            return Err(Error::argument("viewer", format!("dense id {} is out of range", viewer.0)));
        }
        let k = options.k.unwrap_or_else(|| self.selector.k());
        if k == 0 {
            return Err(Error::argument("k", "must be at least 1"));
        }
        self.limits.check_k(k)?;
        Ok((options.now.unwrap_or_else(|| ds.latest_timestamp()), k))
    }

    /// Ranks one viewer's feed.
    ///
    /// ```
    /// # use glassfeed::{synth, Pipeline, RankOptions};
    /// let ds = synth::generate(&synth::SynthConfig::with_users(300))?;
    /// let feed = Pipeline::preset("chronological")?.rank(&ds, glassfeed::UserId(0), &RankOptions::default())?;
    /// assert!(feed.items.windows(2).all(|w| w[0].score >= w[1].score));
    /// # Ok::<(), glassfeed::Error>(())
    /// ```
    pub fn rank(&self, ds: &Dataset, viewer: UserId, options: &RankOptions) -> Result<Feed> {
        let (now, k) = self.check(ds, viewer, options)?;
        Scratch::with(|scratch| scratch.run(self, ds, viewer, now, k, options.explain))
    }

    /// Ranks many viewers' feeds, in parallel over viewers when the `parallel` feature is
    /// on. Results are in the order of `viewers` and identical for any thread count.
    pub fn rank_all(&self, ds: &Dataset, viewers: &[UserId], options: &RankOptions) -> Result<Vec<Feed>> {
        let mut checked = Vec::with_capacity(viewers.len());
        for &v in viewers {
            checked.push(self.check_viewer(ds, v, options)?);
        }
        self.prepare(ds)?;
        let job = |(&viewer, &(now, k)): (&UserId, &(i64, usize))| {
            Scratch::with(|scratch| scratch.run(self, ds, viewer, now, k, options.explain))
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            viewers.par_iter().zip(checked.par_iter()).map(job).collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            viewers.iter().zip(checked.iter()).map(job).collect()
        }
    }

    /// The full story of any post in a viewer's feed: selected, cut, filtered (by which
    /// stage, decided by whom), or not sourced (and why each source passed it over).
    ///
    /// A post the viewer may not see (by an account blocked in either direction, or dropped
    /// by the platform's policy) gets only [`Outcome::unavailable`], whether or not a source
    /// proposed it (see [`Explanation`]'s privacy rule).
    pub fn why_not(
        &self,
        ds: &Dataset,
        viewer: UserId,
        post: PostId,
        options: &RankOptions,
    ) -> Result<Explanation> {
        if post.index() >= ds.post_count() {
            return Err(Error::argument("post", format!("dense id {} is out of range", post.0)));
        }
        let mode = if options.explain == ExplainMode::Off { ExplainMode::Summary } else { options.explain };
        let (now, k) = self.check(ds, viewer, options)?;
        Scratch::with(|scratch| {
            if let Some(e) = scratch.unavailable(self, ds, viewer, now, post) {
                return Ok(e);
            }
            let feed = scratch.run(self, ds, viewer, now, k, mode)?;
            let name = ds.post_name(post);
            if let Some(e) = feed.explanations.into_iter().find(|e| e.post == name) {
                return Ok(e);
            }
            Ok(scratch.not_sourced(self, ds, viewer, now, post))
        })
    }
}
