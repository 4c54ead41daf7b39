//! Filtering one feed: the privacy screen, then the pipeline's filters, each asked about
//! every candidate at once ([`Filter::check_sorted`]).
//!
//! [`Filter::check_sorted`]: crate::stages::Filter::check_sorted

use crate::engine::privacy::{Screen, UNAVAILABLE};
use crate::model::PostId;
use crate::pipeline::Pipeline;
use crate::stages::{DecidedBy, Sourced, ViewerInput};

/// Buffers of [`apply_filters`].
#[derive(Default)]
pub(super) struct FilterBuffers {
    /// The post of each sourced candidate.
    posts: Vec<PostId>,
    /// Removals before this round of filters (`removed` after the screen, before the
    /// filters).
    before: Vec<Option<(u16, DecidedBy)>>,
    /// One filter's outcome for each candidate.
    outcomes: Vec<Option<DecidedBy>>,
}

/// Runs the filters `active` (indices, in spec order), recording removals only for the
/// candidates not yet removed: the first filter that removes a candidate records the
/// removal. With a `screen`, the candidates that are not available to the viewer are
/// first marked [`UNAVAILABLE`].
///
/// Filter by filter over every candidate, last filter first, each removal overwriting the
/// later filters' (so the first one stays): a filter asked about a candidate that an
/// earlier filter removed only does work that is then discarded.
pub(super) fn apply_filters(
    pipeline: &Pipeline,
    input: &ViewerInput<'_>,
    sourced: &[Sourced],
    removed: &mut [Option<(u16, DecidedBy)>],
    active: &[u16],
    screen: Option<&Screen<'_>>,
    buffers: &mut FilterBuffers,
) {
    let FilterBuffers { posts, before, outcomes } = buffers;
    posts.clear();
    posts.extend(sourced.iter().map(|c| c.post));
    outcomes.clear();
    outcomes.resize(posts.len(), None);
    if let Some(screen) = screen {
        check_in_chunks(posts, outcomes, &|posts, out| {
            for (slot, &post) in out.iter_mut().zip(posts) {
                *slot = screen.is_unavailable(post).then_some(DecidedBy::Platform);
            }
        });
        for (r, o) in removed.iter_mut().zip(outcomes.iter()) {
            if let (None, Some(by)) = (*r, *o) {
                *r = Some((UNAVAILABLE, by));
            }
        }
    }
    before.clear();
    before.extend_from_slice(removed);
    for &fi in active.iter().rev() {
        let filter = &pipeline.filters[fi as usize];
        check_in_chunks(posts, outcomes, &|posts, out| filter.check_sorted(input, posts, out));
        for ((r, b), o) in removed.iter_mut().zip(before.iter()).zip(outcomes.iter()) {
            // A select rather than a branch: the outcomes are hard to predict.
            *r = match (*b, *o) {
                (None, Some(by)) => Some((fi, by)),
                _ => *r,
            };
        }
    }
}

/// Feeds with at least this many candidates are filtered in parallel (the engine's
/// choice; each candidate's outcome is computed independently, so the result is the same).
#[cfg(feature = "parallel")]
pub(crate) const PARALLEL_CANDIDATES: usize = 4096;

/// Decides some candidates: `out[i]` for `posts[i]`.
type CheckMany<'a> = dyn Fn(&[PostId], &mut [Option<DecidedBy>]) + Sync + 'a;

/// Calls `check` on `posts` and `out` whole, or on chunks of them in parallel when there
/// are many and the call does not already run on a rayon worker (as each feed of
/// `rank_all` does: its threads are busy with other feeds).
fn check_in_chunks(posts: &[PostId], out: &mut [Option<DecidedBy>], check: &CheckMany<'_>) {
    #[cfg(feature = "parallel")]
    if posts.len() >= PARALLEL_CANDIDATES && rayon::current_thread_index().is_none() {
        use rayon::prelude::*;
        posts.par_chunks(1024).zip(out.par_chunks_mut(1024)).for_each(|(p, o)| check(p, o));
        return;
    }
    check(posts, out)
}

#[cfg(test)]
mod tests {
    use crate::engine::run::Scratch;
    use crate::model::{PostId, UserId};
    use crate::pipeline::Pipeline;
    use crate::stages::ViewerInput;
    use crate::synth::{generate, SynthConfig};

    /// Every filter's `check_sorted` decides as `check` does, candidate by candidate, on
    /// feeds with mutes, muted words, hidden labels, history, blocks and reposts.
    #[test]
    fn check_sorted_decides_as_check() {
        let ds = generate(&SynthConfig { users: 400, seed: 9, ..SynthConfig::default() }).unwrap();
        let now = ds.latest_timestamp();
        let pipeline = Pipeline::preset("engagement").unwrap();
        let mut scratch = Scratch::default();
        let (mut checked, mut removed) = (0, 0);
        for viewer in (0..ds.user_count() as u32).map(UserId) {
            scratch.prepare_state(&pipeline, &ds, viewer, now);
            scratch.collect(&pipeline, &ds, viewer, now);
            let posts: Vec<PostId> = scratch.sourced.iter().map(|c| c.post).collect();
            scratch.state.compute_candidates(&ds, posts.iter().copied());
            let input = ViewerInput { ds: &ds, viewer, now, state: &scratch.state };
            for filter in &pipeline.filters {
                let mut out = vec![None; posts.len()];
                filter.check_sorted(&input, &posts, &mut out);
                for (&post, outcome) in posts.iter().zip(&out) {
                    assert_eq!(*outcome, filter.check(&input, post), "{} on {post:?}", filter.id());
                    removed += outcome.is_some() as usize;
                }
                checked += posts.len();
            }
        }
        assert!(removed > 0 && removed < checked, "{removed} of {checked}");
    }
}
