//! One feed: sources → hydrate → filters → scorers → rescorers → selector, with reusable
//! buffers so that the hot path allocates per feed, never per candidate.

use crate::engine::order::{SortBuffers, Top};
use crate::engine::privacy::Screen;

mod filtering;
mod ordering;
mod records;
use crate::engine::{work, Feed, FeedItem};
use crate::error::{ErrorKind, Result};
use crate::model::{Dataset, PostId, UserId};
use crate::pipeline::Pipeline;
use crate::stages::{warm_caller_rows, STANDARD_FEATURES};
use crate::stages::{
    Combine, DecidedBy, ExplainMode, FeatureMatrix, Filter, Input, Scorer, Source, Sourced, ViewerInput,
    ViewerState,
};
use filtering::{apply_filters, FilterBuffers};

/// What a pipeline needs computed per viewer, worked out once per pipeline.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// Feature columns to hydrate, in first-use order.
    pub features: Vec<String>,
    /// True when some of them are not standard features (the caller supplies them).
    pub caller_features: bool,
    /// Social-proof window in hours, when a stage reads followee engagements.
    pub social_proof_hours: Option<f64>,
    pub seen: bool,
    pub muted_words: bool,
    pub affinity: bool,
    /// Index of the first `dedupe_reposts` filter, which sees the candidates the filters
    /// before it kept.
    pub dedupe_at: Option<usize>,
    /// The labels the filters drop for everyone ([`Filter::policy_labels`]), sorted: the
    /// engine applies them first, with the block rule, to decide which posts are not
    /// available to the viewer.
    pub policy_labels: Vec<String>,
    /// Indices of the filters the screen makes redundant (`policy_labels`, `blocked`):
    /// skipped when filtering.
    pub screened_filters: Vec<usize>,
}

impl Plan {
    pub(crate) fn of(
        sources: &[Box<dyn Source>],
        filters: &[Box<dyn Filter>],
        scorers: &[Box<dyn Scorer>],
        social_proof_hours: Option<f64>,
    ) -> Plan {
        let mut plan = Plan::default();
        for s in scorers {
            for input in s.reads() {
                if let Input::Feature(name) = input {
                    if !plan.features.contains(&name) {
                        plan.features.push(name);
                    }
                }
            }
        }
        plan.caller_features = plan.features.iter().any(|f| !STANDARD_FEATURES.contains(&f.as_str()));
        let feature = |n: &str| plan.features.iter().any(|f| f == n);
        let sp_feature = feature("social_proof");
        plan.affinity = feature("author_affinity");
        let uses_sp_source = sources.iter().any(|s| s.id() == "social_proof");
        if uses_sp_source || sp_feature {
            plan.social_proof_hours = Some(social_proof_hours.unwrap_or(48.0));
        }
        plan.seen = filters.iter().any(|f| f.id() == "seen");
        plan.muted_words = filters.iter().any(|f| f.id() == "muted_words");
        plan.dedupe_at = filters.iter().position(|f| f.id() == "dedupe_reposts");
        plan.policy_labels = filters.iter().flat_map(|f| f.policy_labels().iter().cloned()).collect();
        plan.policy_labels.sort();
        plan.policy_labels.dedup();
        plan.screened_filters = filters
            .iter()
            .enumerate()
            .filter(|(_, f)| f.id() == "policy_labels" || f.id() == "blocked")
            .map(|(i, _)| i)
            .collect();
        plan
    }
}

/// Per-thread buffers, reused from feed to feed.
#[derive(Default)]
pub(crate) struct Scratch {
    state: ViewerState,
    sourced: Vec<Sourced>,
    collected: Vec<Sourced>,
    /// Indices of the filters that can remove anything from the current feed.
    active_filters: Vec<u16>,
    /// Per sourced candidate: `None` = kept, else (filter index, decided by).
    removed: Vec<Option<(u16, DecidedBy)>>,
    filter_buffers: FilterBuffers,
    /// Sourced index of each survivor.
    survivors: Vec<u32>,
    posts: Vec<PostId>,
    /// `created_at` of each sourced candidate.
    sourced_created: Vec<i64>,
    /// `created_at` of each survivor.
    created: Vec<i64>,
    features: FeatureMatrix,
    /// Scorer values, scorer-major: `values[s * n + row]`.
    values: Vec<f64>,
    scores: Vec<f64>,
    /// Survivor rows in ranked order.
    order: Vec<u32>,
    /// Buffers of [`sort`].
    sort_buffers: SortBuffers,
    /// The top of the order grown by [`Scratch::select_from_top`].
    top: Top,
    /// The top of the final order of the rows in `safe`.
    final_top: Top,
    /// The rows of the top that no row left out can overtake, then the top of their final
    /// order (as much of it as the selector needs).
    safe: Vec<u32>,
    ordered_posts: Vec<PostId>,
    /// Rescorer outputs, rescorer-major, indexed by survivor row.
    rescores: Vec<(f64, u32)>,
    rescore_out: Vec<(f64, u32)>,
    in_network: Vec<bool>,
    selected: Vec<usize>,
    /// Scores after rescoring the top of the list (see [`Scratch::select_from_top`]).
    final_scores: Vec<f64>,
    /// Distinct candidates proposed before the candidate limit.
    proposed: usize,
    /// Candidates the candidate limit dropped, sorted (empty unless it applied).
    dropped: Vec<u32>,
    /// Sentences naming the limits that truncated the current feed.
    limited: Vec<String>,
    /// Values read only to bring them into cache ([`warm_caller_rows`]).
    warmed: Vec<f64>,
}

fn non_finite(stage: &str, ds: &Dataset, post: PostId, value: f64) -> crate::Error {
    ErrorKind::NonFinite { stage: stage.to_string(), post: ds.post_name(post).to_string(), value }.into()
}

thread_local! {
    /// Each thread's buffers for single-feed calls ([`Scratch::with`]).
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

impl Scratch {
    /// Runs `f` with this thread's reusable buffers (fresh ones if they are in use, as
    /// when a stage ranks another feed while one is being ranked), so that ranking one feed
    /// after another allocates only what a larger feed needs.
    pub(crate) fn with<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => f(&mut scratch),
            Err(_) => f(&mut Scratch::default()),
        })
    }

    fn prepare_state(&mut self, pipeline: &Pipeline, ds: &Dataset, viewer: UserId, now: i64) {
        let plan = &pipeline.plan;
        let state = &mut self.state;
        state.start_feed(&pipeline.limits);
        state.compute_following(ds, viewer);
        if let Some(h) = plan.social_proof_hours {
            state.compute_social_proof(ds, viewer, now, h);
        }
        if plan.seen {
            state.compute_seen(ds, viewer, now);
        }
        if plan.muted_words {
            state.compute_muted_phrases(ds, viewer);
        }
        if plan.affinity {
            state.compute_affinity(ds, viewer, now);
        }
    }

    fn collect(&mut self, pipeline: &Pipeline, ds: &Dataset, viewer: UserId, now: i64) {
        self.sourced.clear();
        {
            let input = ViewerInput { ds, viewer, now, state: &self.state };
            for (i, source) in pipeline.sources.iter().enumerate() {
                self.collected.clear();
                source.collect(&input, &mut self.collected);
                self.sourced.extend(self.collected.iter().map(|c| Sourced { source: i as u16, ..*c }));
            }
        }
        // A post proposed by several sources keeps the first source in spec order: a
        // stable sort by post (a radix sort) keeps each post's proposals in source order;
        // keep the first of each post.
        radsort::sort_by_key(&mut self.sourced, |c| c.post.0);
        self.sourced.dedup_by_key(|c| c.post);
        self.proposed = self.sourced.len();
        work::cap_candidates(&mut self.sourced, &mut self.dropped, pipeline.limits.max_candidates, ds);
        // The first read of each candidate's metadata, in a loop of independent loads: on a
        // large dataset these are cache misses, which such a loop overlaps; the filters
        // after it then find the metadata in cache.
        self.sourced_created.clear();
        self.sourced_created.extend(self.sourced.iter().map(|c| ds.created_at(c.post)));
        // Likewise for the caller-supplied features that hydration will read.
        if pipeline.plan.caller_features {
            warm_caller_rows(ds, self.sourced.iter().map(|c| c.post), &mut self.warmed);
        }
    }

    /// Ranks one feed. `now` and `k` are already checked.
    pub(crate) fn run(
        &mut self,
        pipeline: &Pipeline,
        ds: &Dataset,
        viewer: UserId,
        now: i64,
        k: usize,
        mode: ExplainMode,
    ) -> Result<Feed> {
        self.prepare_state(pipeline, ds, viewer, now);
        self.collect(pipeline, ds, viewer, now);
        // Filters, in spec order. `dedupe_reposts` sees the candidates the filters before
        // it kept, so it never keeps a repost that an earlier filter removed.
        self.removed.clear();
        self.removed.resize(self.sourced.len(), None);
        let split = pipeline.plan.dedupe_at.unwrap_or(pipeline.filters.len());
        {
            // The filters that can remove anything from this feed, less those the screen
            // makes redundant, split where `dedupe_reposts` starts.
            let input = ViewerInput { ds, viewer, now, state: &self.state };
            let screened = &pipeline.plan.screened_filters;
            self.active_filters.clear();
            self.active_filters.extend(
                (0..pipeline.filters.len())
                    .filter(|fi| !screened.contains(fi) && pipeline.filters[*fi].applies_to(&input))
                    .map(|fi| fi as u16),
            );
            // Posts the viewer may not see go first, whatever the spec's filters.
            let screen = Screen::new(pipeline, ds, viewer);
            let before = self.active_filters.partition_point(|&fi| (fi as usize) < split);
            let active = &self.active_filters[..before];
            apply_filters(
                pipeline,
                &input,
                &self.sourced,
                &mut self.removed,
                active,
                Some(&screen),
                &mut self.filter_buffers,
            );
        }
        if pipeline.plan.dedupe_at.is_some() {
            let alive =
                self.sourced.iter().zip(&self.removed).filter(|(_, r)| r.is_none()).map(|(c, _)| c.post);
            self.state.compute_candidates(ds, alive);
        }
        let input = ViewerInput { ds, viewer, now, state: &self.state };
        let after = self.active_filters.partition_point(|&fi| (fi as usize) < split);
        apply_filters(
            pipeline,
            &input,
            &self.sourced,
            &mut self.removed,
            &self.active_filters[after..],
            None,
            &mut self.filter_buffers,
        );
        // The viewer's state is complete: lend it out while the rest of the buffers work.
        let state = std::mem::take(&mut self.state);
        let feed = self.score_and_select(pipeline, &ViewerInput { ds, viewer, now, state: &state }, k, mode);
        self.state = state;
        feed
    }

    /// Hydrates, scores, ranks and selects the survivors of the filters; explains them.
    fn score_and_select(
        &mut self,
        pipeline: &Pipeline,
        input: &ViewerInput<'_>,
        k: usize,
        mode: ExplainMode,
    ) -> Result<Feed> {
        let ds = input.ds;
        // Every candidate is written at the next free slot, which only a survivor takes
        // (no branch on the filters' outcome, which is hard to predict).
        let m = self.sourced.len();
        self.survivors.resize(m, 0);
        self.posts.resize(m, PostId(0));
        self.created.resize(m, 0);
        let mut n = 0;
        for (j, (c, removed)) in self.sourced.iter().zip(&self.removed).enumerate() {
            self.survivors[n] = j as u32;
            self.posts[n] = c.post;
            self.created[n] = self.sourced_created[j];
            n += removed.is_none() as usize;
        }
        self.survivors.truncate(n);
        self.posts.truncate(n);
        self.created.truncate(n);

        // Hydrate and score column-wise.
        let n = self.posts.len();
        if self.features.names() != pipeline.plan.features.as_slice() {
            self.features = FeatureMatrix::with_columns(pipeline.plan.features.clone());
        }
        if mode == ExplainMode::Off {
            self.features.hydrate_for_scoring(input, &self.posts);
        } else {
            self.features.hydrate(input, &self.posts);
        }
        self.values.clear();
        self.values.resize(pipeline.scorers.len() * n, 0.0);
        for (si, scorer) in pipeline.scorers.iter().enumerate() {
            let out = &mut self.values[si * n..(si + 1) * n];
            scorer.score(input, &self.posts, &self.features, out);
            if let Some(row) = out.iter().position(|v| !v.is_finite()) {
                return Err(non_finite(scorer.id(), ds, self.posts[row], out[row]));
            }
        }
        // Column by column, in the per-row order of the algebra: `0 + terms…` (or 1 when
        // there are none), then `× factors…`, each in spec order.
        let has_terms = pipeline.scorers.iter().any(|s| s.combine() == Combine::Term);
        self.scores.clear();
        self.scores.resize(n, if has_terms { 0.0 } else { 1.0 });
        let column = |si: usize| &self.values[si * n..(si + 1) * n];
        for (si, scorer) in pipeline.scorers.iter().enumerate() {
            if scorer.combine() == Combine::Term {
                self.scores.iter_mut().zip(column(si)).for_each(|(score, &v)| *score += v);
            }
        }
        for (si, scorer) in pipeline.scorers.iter().enumerate() {
            if scorer.combine() == Combine::Factor {
                self.scores.iter_mut().zip(column(si)).for_each(|(score, &v)| *score *= v);
            }
        }
        if let Some(row) = self.scores.iter().position(|s| !s.is_finite()) {
            return Err(non_finite("pipeline", ds, self.posts[row], self.scores[row]));
        }

        // Rank, then rescore list-wise (each rescorer sees the current order) and select;
        // without explanations, from the top of the list when the stages allow it.
        if !(mode == ExplainMode::Off && self.select_from_top(pipeline, input, k)?) {
            self.rank_whole_list(pipeline, input, k)?;
        }
        let items: Vec<FeedItem> = self
            .selected
            .iter()
            .enumerate()
            .map(|(i, &pos)| {
                let row = self.order[pos] as usize;
                let source = self.sourced[self.survivors[row] as usize].source;
                FeedItem { post: self.posts[row], rank: i as u32 + 1, score: self.scores[row], source }
            })
            .collect();
        let followees = ds.graph().followees(input.viewer.0).len();
        let read = input.state.work_read(followees);
        let counts = work::Counts { proposed: self.proposed, candidates: self.sourced.len(), hydrated: n };
        let work = work::feed_work(&pipeline.limits, followees, read, counts, !self.dropped.is_empty());
        let explanations = match mode {
            ExplainMode::Off => Vec::new(),
            ExplainMode::Summary => self.explain(pipeline, input, k, mode, None, &work.limited),
            ExplainMode::Full => {
                // Every standard and caller-supplied feature, not only those the scorers read.
                let mut names: Vec<String> = STANDARD_FEATURES.iter().map(|s| s.to_string()).collect();
                names.extend(ds.feature_names().map(str::to_string));
                let mut all = FeatureMatrix::with_columns(names);
                all.hydrate(input, &self.posts);
                self.explain(pipeline, input, k, mode, Some(&all), &work.limited)
            }
        };
        self.limited.clone_from(&work.limited);
        Ok(Feed {
            viewer: input.viewer,
            now: input.now,
            items,
            sourced: self.sourced.len(),
            filtered: self.sourced.len() - n,
            explanations,
            work,
        })
    }
}
