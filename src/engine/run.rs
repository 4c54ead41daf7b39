//! One feed: sources → hydrate → filters → scorers → rescorers → selector, with reusable
//! buffers so that the hot path allocates per feed, never per candidate.

use crate::engine::explain::{Explanation, Outcome, SourceNote, StageValue};
use crate::engine::{Feed, FeedItem};
use crate::error::{ErrorKind, Result};
use crate::model::{Dataset, PostId, UserId};
use crate::pipeline::Pipeline;
use crate::stages::STANDARD_FEATURES;
use crate::stages::{
    Combine, DecidedBy, ExplainMode, FeatureMatrix, Filter, Input, Scorer, Source, Sourced, ViewerInput,
    ViewerState,
};
use std::cmp::Ordering;

/// What a pipeline needs computed per viewer, worked out once per pipeline.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// Feature columns to hydrate, in first-use order.
    pub features: Vec<String>,
    /// Social-proof window in hours, when a stage reads followee engagements.
    pub social_proof_hours: Option<f64>,
    pub seen: bool,
    pub muted_words: bool,
    pub affinity: bool,
    /// Index of the first `dedupe_reposts` filter, which sees the candidates the filters
    /// before it kept.
    pub dedupe_at: Option<usize>,
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
        plan
    }
}

/// Sorts survivor rows: score descending, then `created_at` descending, then external post
/// id ascending (byte order).
///
/// Rows are sorted by integer keys that order as the score and the time do; rows that tie
/// on both (rare) are then put in external-id order, so the result is the order the rule
/// defines, computed without reading the dataset per comparison.
fn sort(
    order: &mut [u32],
    keys: &mut Vec<(u64, u64, u32)>,
    scores: &[f64],
    created: &[i64],
    posts: &[PostId],
    ds: &Dataset,
) {
    keys.clear();
    keys.extend(
        order.iter().map(|&r| (descending_f64(scores[r as usize]), descending_i64(created[r as usize]), r)),
    );
    keys.sort_unstable();
    let mut i = 0;
    while i < keys.len() {
        let tied = keys[i..].iter().take_while(|k| k.0 == keys[i].0 && k.1 == keys[i].1).count();
        if tied > 1 {
            keys[i..i + tied].sort_unstable_by(|a, b| {
                let (a, b) = (posts[a.2 as usize], posts[b.2 as usize]);
                match ds.post_name(a).cmp(ds.post_name(b)) {
                    Ordering::Equal => a.cmp(&b),
                    other => other,
                }
            });
        }
        i += tied;
    }
    for (slot, key) in order.iter_mut().zip(keys.iter()) {
        *slot = key.2;
    }
}

/// A key whose unsigned order is the descending [`f64::total_cmp`] order.
fn descending_f64(x: f64) -> u64 {
    let bits = x.to_bits() as i64;
    let total = bits ^ ((((bits >> 63) as u64) >> 1) as i64); // as `total_cmp` orders, signed
    !((total as u64) ^ (1 << 63))
}

/// A key whose unsigned order is the descending order of `t`.
fn descending_i64(t: i64) -> u64 {
    !((t as u64) ^ (1 << 63))
}

/// Feeds with at least this many candidates are filtered in parallel (the engine's
/// choice; each candidate's outcome is computed independently, so the result is the same).
#[cfg(feature = "parallel")]
pub(crate) const PARALLEL_CANDIDATES: usize = 4096;

/// Runs filters `range` on the candidates not yet removed; the first filter that removes a
/// candidate records the removal.
fn apply_filters(
    pipeline: &Pipeline,
    input: &ViewerInput<'_>,
    sourced: &[Sourced],
    removed: &mut [Option<(u16, DecidedBy)>],
    range: std::ops::Range<usize>,
) {
    let one = |c: &Sourced, removal: &mut Option<(u16, DecidedBy)>| {
        if removal.is_none() {
            *removal = pipeline.filters[range.clone()]
                .iter()
                .zip(range.clone())
                .find_map(|(f, fi)| f.check(input, c.post).map(|by| (fi as u16, by)));
        }
    };
    #[cfg(feature = "parallel")]
    if sourced.len() >= PARALLEL_CANDIDATES {
        use rayon::prelude::*;
        sourced.par_iter().zip(removed.par_iter_mut()).with_min_len(1024).for_each(|(c, r)| one(c, r));
        return;
    }
    sourced.iter().zip(removed.iter_mut()).for_each(|(c, r)| one(c, r));
}

/// Per-thread buffers, reused from feed to feed.
#[derive(Default)]
pub(crate) struct Scratch {
    state: ViewerState,
    sourced: Vec<Sourced>,
    collected: Vec<Sourced>,
    /// Per sourced candidate: `None` = kept, else (filter index, decided by).
    removed: Vec<Option<(u16, DecidedBy)>>,
    /// Sourced index of each survivor.
    survivors: Vec<u32>,
    posts: Vec<PostId>,
    /// `created_at` of each survivor.
    created: Vec<i64>,
    features: FeatureMatrix,
    /// Scorer values, scorer-major: `values[s * n + row]`.
    values: Vec<f64>,
    scores: Vec<f64>,
    /// Survivor rows in ranked order.
    order: Vec<u32>,
    /// Sort keys of `order` (see [`sort`]).
    sort_keys: Vec<(u64, u64, u32)>,
    ordered_posts: Vec<PostId>,
    /// Rescorer outputs, rescorer-major, indexed by survivor row.
    rescores: Vec<(f64, u32)>,
    rescore_out: Vec<(f64, u32)>,
    in_network: Vec<bool>,
    selected: Vec<usize>,
}

fn non_finite(stage: &str, ds: &Dataset, post: PostId, value: f64) -> crate::Error {
    ErrorKind::NonFinite { stage: stage.to_string(), post: ds.post_name(post).to_string(), value }.into()
}

impl Scratch {
    fn prepare_state(&mut self, pipeline: &Pipeline, ds: &Dataset, viewer: UserId, now: i64) {
        let plan = &pipeline.plan;
        let state = &mut self.state;
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
        // A post proposed by several sources keeps the first source in spec order.
        self.sourced.sort_unstable_by_key(|c| u64::from(c.post.0) << 16 | u64::from(c.source));
        self.sourced.dedup_by_key(|c| c.post);
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
            let input = ViewerInput { ds, viewer, now, state: &self.state };
            apply_filters(pipeline, &input, &self.sourced, &mut self.removed, 0..split);
        }
        if pipeline.plan.dedupe_at.is_some() {
            let alive =
                self.sourced.iter().zip(&self.removed).filter(|(_, r)| r.is_none()).map(|(c, _)| c.post);
            self.state.compute_candidates(ds, alive);
        }
        let input = ViewerInput { ds, viewer, now, state: &self.state };
        apply_filters(pipeline, &input, &self.sourced, &mut self.removed, split..pipeline.filters.len());
        let input = ViewerInput { ds, viewer, now, state: &self.state };
        self.survivors.clear();
        self.posts.clear();
        self.created.clear();
        for (j, c) in self.sourced.iter().enumerate() {
            if self.removed[j].is_none() {
                self.survivors.push(j as u32);
                self.posts.push(c.post);
                self.created.push(ds.created_at(c.post));
            }
        }

        // Hydrate and score column-wise.
        let n = self.posts.len();
        if self.features.names() != pipeline.plan.features.as_slice() {
            self.features = FeatureMatrix::with_columns(pipeline.plan.features.clone());
        }
        self.features.hydrate(&input, &self.posts);
        self.values.clear();
        self.values.resize(pipeline.scorers.len() * n, 0.0);
        for (si, scorer) in pipeline.scorers.iter().enumerate() {
            let out = &mut self.values[si * n..(si + 1) * n];
            scorer.score(&input, &self.posts, &self.features, out);
            if let Some(row) = out.iter().position(|v| !v.is_finite()) {
                return Err(non_finite(scorer.id(), ds, self.posts[row], out[row]));
            }
        }
        let has_terms = pipeline.scorers.iter().any(|s| s.combine() == Combine::Term);
        self.scores.clear();
        for row in 0..n {
            let mut s = if has_terms { 0.0 } else { 1.0 };
            for (si, scorer) in pipeline.scorers.iter().enumerate() {
                if scorer.combine() == Combine::Term {
                    s += self.values[si * n + row];
                }
            }
            for (si, scorer) in pipeline.scorers.iter().enumerate() {
                if scorer.combine() == Combine::Factor {
                    s *= self.values[si * n + row];
                }
            }
            if !s.is_finite() {
                return Err(non_finite("pipeline", ds, self.posts[row], s));
            }
            self.scores.push(s);
        }

        // Rank, then rescore list-wise (each rescorer sees the current order).
        self.order.clear();
        self.order.extend(0..n as u32);
        sort(&mut self.order, &mut self.sort_keys, &self.scores, &self.created, &self.posts, ds);
        self.rescores.clear();
        self.rescores.resize(pipeline.rescorers.len() * n, (1.0, 0));
        for (ri, rescorer) in pipeline.rescorers.iter().enumerate() {
            self.ordered_posts.clear();
            self.ordered_posts.extend(self.order.iter().map(|&r| self.posts[r as usize]));
            self.rescore_out.clear();
            self.rescore_out.resize(n, (1.0, 0));
            rescorer.rescore(&input, &self.ordered_posts, &mut self.rescore_out);
            for (pos, &row) in self.order.iter().enumerate() {
                let (m, note) = self.rescore_out[pos];
                let row = row as usize;
                self.scores[row] *= m;
                if !self.scores[row].is_finite() {
                    return Err(non_finite(rescorer.id(), ds, self.posts[row], self.scores[row]));
                }
                self.rescores[ri * n + row] = (m, note);
            }
            sort(&mut self.order, &mut self.sort_keys, &self.scores, &self.created, &self.posts, ds);
        }

        // Select.
        self.ordered_posts.clear();
        self.ordered_posts.extend(self.order.iter().map(|&r| self.posts[r as usize]));
        self.in_network.clear();
        self.in_network.extend(self.ordered_posts.iter().map(|&p| input.follows_author(p)));
        pipeline.selector.select(&self.ordered_posts, &self.in_network, k, &mut self.selected);
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
        let explanations = match mode {
            ExplainMode::Off => Vec::new(),
            ExplainMode::Summary => self.explain(pipeline, &input, k, mode, None),
            ExplainMode::Full => {
                // Every standard and caller-supplied feature, not only those the scorers read.
                let mut names: Vec<String> = STANDARD_FEATURES.iter().map(|s| s.to_string()).collect();
                names.extend(ds.feature_names().map(str::to_string));
                let mut all = FeatureMatrix::with_columns(names);
                all.hydrate(&input, &self.posts);
                self.explain(pipeline, &input, k, mode, Some(&all))
            }
        };
        Ok(Feed {
            viewer,
            now,
            items,
            sourced: self.sourced.len(),
            filtered: self.sourced.len() - n,
            explanations,
        })
    }

    fn header(pipeline: &Pipeline, input: &ViewerInput<'_>, post: PostId) -> Explanation {
        Explanation {
            viewer: input.ds.user_name(input.viewer).to_string(),
            post: input.ds.post_name(post).to_string(),
            pipeline: pipeline.name().to_string(),
            fingerprint: pipeline.fingerprint().to_string(),
            source: None,
            features: Default::default(),
            terms: Vec::new(),
            factors: Vec::new(),
            rescores: Vec::new(),
            score: None,
            rank: None,
            outcome: Outcome::Selected,
        }
    }

    fn explain(
        &self,
        pipeline: &Pipeline,
        input: &ViewerInput<'_>,
        k: usize,
        mode: ExplainMode,
        all_features: Option<&FeatureMatrix>,
    ) -> Vec<Explanation> {
        let n = self.posts.len();
        let source_note = |c: &Sourced| {
            let source = &pipeline.sources[c.source as usize];
            Some(SourceNote { stage: source.id().to_string(), why: source.why(input, c) })
        };
        let mut feed_rank = vec![None; n];
        for (i, &pos) in self.selected.iter().enumerate() {
            feed_rank[self.order[pos] as usize] = Some(i as u32 + 1);
        }
        let mut out = Vec::with_capacity(self.sourced.len());
        let mut cut = Vec::new();
        // The feature columns by name, each name once (the last column of a repeated name,
        // as inserting them in column order would keep): maps are then built from sorted
        // entries in one pass.
        let by_name: Vec<usize> = all_features.map_or_else(Vec::new, |all| {
            let mut by_name: Vec<usize> = (0..all.names().len()).collect();
            by_name.sort_by(|&a, &b| all.names()[a].cmp(&all.names()[b]).then(b.cmp(&a)));
            by_name.dedup_by(|later, kept| all.names()[*later] == all.names()[*kept]);
            by_name
        });
        // Every record names its post: load the names' bytes in one pass whose cache misses
        // overlap, rather than one miss at a time between allocations below.
        let touched: u32 =
            self.posts.iter().map(|&p| u32::from(input.ds.post_name(p).bytes().next().unwrap_or(0))).sum();
        std::hint::black_box(touched);
        for (pos, &row) in self.order.iter().enumerate() {
            let row = row as usize;
            let post = self.posts[row];
            let mut e = Self::header(pipeline, input, post);
            e.source = source_note(&self.sourced[self.survivors[row] as usize]);
            if let Some(all) = all_features {
                e.features =
                    by_name.iter().map(|&j| (all.names()[j].clone(), all.data()[(row, j)])).collect();
            }
            for (si, scorer) in pipeline.scorers.iter().enumerate() {
                let value = self.values[si * n + row];
                let note = scorer.explain(input, post, &self.features, row, value, mode);
                let details = if mode == ExplainMode::Full { note.details } else { Vec::new() };
                let v = StageValue { stage: scorer.id().to_string(), value, why: note.why, details };
                match scorer.combine() {
                    Combine::Term => e.terms.push(v),
                    Combine::Factor => e.factors.push(v),
                }
            }
            for (ri, rescorer) in pipeline.rescorers.iter().enumerate() {
                let (value, note) = self.rescores[ri * n + row];
                let why = rescorer.why(input, post, value, note);
                e.rescores.push(StageValue {
                    stage: rescorer.id().to_string(),
                    value,
                    why,
                    details: Vec::new(),
                });
            }
            e.score = Some(self.scores[row]);
            match feed_rank[row] {
                Some(r) => {
                    e.rank = Some(r);
                    out.push(e);
                }
                None => {
                    e.rank = Some(pos as u32 + 1);
                    e.outcome = Outcome::Cut { rank: pos as u32 + 1, k: k as u32 };
                    cut.push(e);
                }
            }
        }
        out.append(&mut cut);
        for (j, c) in self.sourced.iter().enumerate() {
            if let Some((fi, decided_by)) = self.removed[j] {
                let filter = &pipeline.filters[fi as usize];
                let mut e = Self::header(pipeline, input, c.post);
                e.source = source_note(c);
                e.outcome = Outcome::Filtered {
                    stage: filter.id().to_string(),
                    reason: filter.reason(input, c.post),
                    decided_by,
                };
                out.push(e);
            }
        }
        out
    }

    /// The record of a post no source proposed (call after [`Scratch::run`] for the viewer).
    pub(crate) fn not_sourced(
        &self,
        pipeline: &Pipeline,
        ds: &Dataset,
        viewer: UserId,
        now: i64,
        post: PostId,
    ) -> Explanation {
        let input = ViewerInput { ds, viewer, now, state: &self.state };
        let why: Vec<String> = pipeline.sources.iter().map(|s| s.why_not(&input, post)).collect();
        let mut e = Self::header(pipeline, &input, post);
        e.outcome = Outcome::NotSourced { why: why.join("; ") };
        e
    }
}

#[cfg(test)]
mod tests {
    use super::{descending_f64, descending_i64};

    #[test]
    fn sort_keys_order_as_the_values_descending() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -2.5,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            5e-324,
            1.0,
            1.0 + f64::EPSILON,
            f64::MAX,
            f64::INFINITY,
        ];
        for a in xs {
            for b in xs {
                assert_eq!(descending_f64(a).cmp(&descending_f64(b)), b.total_cmp(&a), "{a} {b}");
            }
        }
        let ts = [i64::MIN, -1, 0, 1, 1_700_000_000, i64::MAX];
        for a in ts {
            for b in ts {
                assert_eq!(descending_i64(a).cmp(&descending_i64(b)), b.cmp(&a));
            }
        }
    }
}
