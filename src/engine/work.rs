//! The work limits of one feed as the engine applies them: the candidate limit, and the
//! [`FeedWork`] report with a sentence per limit that truncated the feed.

use crate::engine::FeedWork;
use crate::model::Dataset;
use crate::pipeline::Limits;
use crate::stages::budget::WorkRead;
use crate::stages::Sourced;

/// Keeps the newest `cap` candidates (by `created_at` descending, then external id
/// ascending), in post order, and lists the others in `dropped` (sorted).
pub(crate) fn cap_candidates(sourced: &mut Vec<Sourced>, dropped: &mut Vec<u32>, cap: usize, ds: &Dataset) {
    dropped.clear();
    if sourced.len() <= cap {
        return;
    }
    let newer = |a: &Sourced, b: &Sourced| {
        ds.created_at(b.post)
            .cmp(&ds.created_at(a.post))
            .then_with(|| ds.post_name(a.post).cmp(ds.post_name(b.post)))
    };
    sourced.select_nth_unstable_by(cap, newer);
    dropped.extend(sourced[cap..].iter().map(|c| c.post.0));
    dropped.sort_unstable();
    sourced.truncate(cap);
    sourced.sort_unstable_by_key(|c| c.post.0);
}

/// Candidate counts of one feed.
pub(crate) struct Counts {
    /// Distinct candidates the sources proposed.
    pub proposed: usize,
    /// Candidates ranked (after the candidate limit).
    pub candidates: usize,
    /// Survivors of the filters, hydrated and scored.
    pub hydrated: usize,
}

/// What the feed read, with a sentence per limit that truncated it (the viewer follows
/// `followees` accounts; `dropped` tells whether the candidate limit applied).
pub(crate) fn feed_work(
    limits: &Limits,
    followees: usize,
    read: WorkRead,
    counts: Counts,
    dropped: bool,
) -> FeedWork {
    let mut limited = Vec::new();
    if read.followees_truncated {
        limited.push(format!(
            "only the first {} of the {followees} accounts you follow were read (limit `max_followees_scanned`)",
            read.followees
        ));
    }
    if read.engagements_truncated {
        limited.push(format!(
            "social proof counted only the newest engagements of each account you follow, {} in all (limit `max_engagements_scanned` of {})",
            read.engagements, limits.max_engagements_scanned
        ));
    }
    if read.history_truncated {
        limited.push(format!(
            "only your {} most recent engagements were read (limit `max_history_scanned`)",
            read.history
        ));
    }
    if read.posts_truncated {
        limited.push(format!(
            "the sources read {} posts, the most allowed, newest first for each account (limit `max_posts_scanned` of {})",
            read.posts, limits.max_posts_scanned
        ));
    }
    if dropped {
        limited.push(format!(
            "the sources proposed {} posts; only the {} newest were ranked (limit `max_candidates`)",
            counts.proposed, counts.candidates
        ));
    }
    FeedWork {
        followees_read: read.followees,
        engagements_read: read.engagements,
        history_read: read.history,
        posts_read: read.posts,
        candidates_proposed: counts.proposed,
        candidates: counts.candidates,
        hydrated: counts.hydrated,
        limited,
    }
}
