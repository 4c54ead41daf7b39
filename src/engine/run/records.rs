//! The explanation records of one ranked feed: one per candidate (selected, cut or
//! filtered), and the records of posts no source proposed or the viewer may not see.

use super::Scratch;
use crate::engine::explain::{Explanation, Outcome, SourceNote, StageValue};
use crate::engine::privacy::Screen;
use crate::engine::privacy::UNAVAILABLE;
use crate::model::{Dataset, PostId, UserId};
use crate::pipeline::Pipeline;
use crate::stages::{Combine, ExplainMode, FeatureMatrix, Sourced, ViewerInput};

impl Scratch {
    pub(super) fn header(pipeline: &Pipeline, input: &ViewerInput<'_>, post: PostId) -> Explanation {
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
            limits: Vec::new(),
        }
    }

    pub(super) fn explain(
        &self,
        pipeline: &Pipeline,
        input: &ViewerInput<'_>,
        k: usize,
        mode: ExplainMode,
        all_features: Option<&FeatureMatrix>,
        limited: &[String],
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
                let mut e = Self::header(pipeline, input, c.post);
                if fi == UNAVAILABLE {
                    // Nothing about the post beyond its id: not its source, not its author.
                    e.outcome = Outcome::unavailable();
                    out.push(e);
                    continue;
                }
                let filter = &pipeline.filters[fi as usize];
                e.source = source_note(c);
                e.outcome = Outcome::Filtered {
                    stage: filter.id().to_string(),
                    reason: filter.reason(input, c.post),
                    decided_by,
                };
                out.push(e);
            }
        }
        if !limited.is_empty() {
            // Unavailable posts' records say nothing but that, whatever the feed's limits.
            out.iter_mut().filter(|e| !e.outcome.is_unavailable()).for_each(|e| e.limits = limited.to_vec());
        }
        out
    }

    /// The record of a post that is not available to the viewer, or `None` when it is
    /// available (see [`crate::engine::privacy`]).
    pub(crate) fn unavailable(
        &self,
        pipeline: &Pipeline,
        ds: &Dataset,
        viewer: UserId,
        now: i64,
        post: PostId,
    ) -> Option<Explanation> {
        let input = ViewerInput { ds, viewer, now, state: &self.state };
        if !Screen::new(pipeline, ds, viewer).is_unavailable(post) {
            return None;
        }
        let mut e = Self::header(pipeline, &input, post);
        e.outcome = Outcome::unavailable();
        Some(e)
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
        let why = if self.dropped.binary_search(&post.0).is_ok() {
            format!(
                "proposed, but not ranked: the sources proposed {} posts and only the {} newest were ranked (limit `max_candidates`)",
                self.proposed,
                self.sourced.len()
            )
        } else {
            pipeline.sources.iter().map(|s| s.why_not(&input, post)).collect::<Vec<_>>().join("; ")
        };
        let mut e = Self::header(pipeline, &input, post);
        e.outcome = Outcome::NotSourced { why };
        e.limits.clone_from(&self.limited);
        e
    }
}
