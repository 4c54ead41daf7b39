//! The work budget of one feed under [`Limits`], and the fair-share rule that truncates
//! what a feed reads when the data would take it over the budget.

use crate::pipeline::Limits;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The work limits of one feed (see [`Limits`]) and counters of what was read.
#[derive(Debug)]
pub(crate) struct FeedBudget {
    pub(crate) max_followees: usize,
    pub(crate) max_engagements: usize,
    pub(crate) max_history: usize,
    pub(crate) max_posts: usize,
    /// Followee engagements read for social proof, and whether the budget cut some.
    pub(crate) engagements_read: usize,
    pub(crate) engagements_truncated: bool,
    /// The viewer's own engagements read (`seen`, affinity), and whether some were left.
    pub(crate) history_read: usize,
    pub(crate) history_truncated: bool,
    /// Posts the sources read (sources take `&ViewerState`, hence atomics; they run one
    /// after the other, so the counts are deterministic).
    pub(crate) posts_read: AtomicUsize,
    pub(crate) posts_truncated: AtomicBool,
}

impl Default for FeedBudget {
    fn default() -> Self {
        FeedBudget::new(&Limits::unbounded())
    }
}

impl Clone for FeedBudget {
    fn clone(&self) -> Self {
        FeedBudget {
            posts_read: AtomicUsize::new(self.posts_read.load(Ordering::Relaxed)),
            posts_truncated: AtomicBool::new(self.posts_truncated.load(Ordering::Relaxed)),
            ..*self
        }
    }
}

impl FeedBudget {
    pub(crate) fn new(limits: &Limits) -> Self {
        FeedBudget {
            max_followees: limits.max_followees_scanned,
            max_engagements: limits.max_engagements_scanned,
            max_history: limits.max_history_scanned,
            max_posts: limits.max_posts_scanned,
            engagements_read: 0,
            engagements_truncated: false,
            history_read: 0,
            history_truncated: false,
            posts_read: AtomicUsize::new(0),
            posts_truncated: AtomicBool::new(false),
        }
    }
}

/// What one feed read, as the engine reports it in [`FeedWork`](crate::FeedWork).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WorkRead {
    pub followees: usize,
    pub followees_truncated: bool,
    pub engagements: usize,
    pub engagements_truncated: bool,
    pub history: usize,
    pub history_truncated: bool,
    pub posts: usize,
    pub posts_truncated: bool,
}

/// The largest per-row quota `q` with `Σ min(len, q) ≤ budget` (`usize::MAX` when every
/// row fits whole): each row keeps up to `q` entries, rows shorter than `q` keep all.
pub(crate) fn fair_quota(lengths: &mut [usize], budget: usize) -> usize {
    if lengths.iter().try_fold(0usize, |sum, &l| sum.checked_add(l)).is_some_and(|total| total <= budget) {
        return usize::MAX;
    }
    lengths.sort_unstable();
    let mut remaining = budget;
    for (i, &len) in lengths.iter().enumerate() {
        let rows_left = lengths.len() - i;
        match len.checked_mul(rows_left) {
            Some(all) if all <= remaining => remaining -= len,
            _ => return remaining / rows_left,
        }
    }
    usize::MAX
}

/// The part of a time-sorted row a quota keeps: its newest `quota` entries.
pub(crate) fn newest<T>(row: &[T], quota: usize) -> &[T] {
    &row[row.len().saturating_sub(quota)..]
}

#[cfg(test)]
mod tests {
    use super::{fair_quota, newest};

    #[test]
    fn fair_quota_gives_every_row_an_equal_share_of_the_budget() {
        assert_eq!(fair_quota(&mut [3, 1, 2], 6), usize::MAX);
        assert_eq!(fair_quota(&mut [10, 1, 10], 11), 5);
        assert_eq!(fair_quota(&mut [10, 1, 10], 12), 5);
        assert_eq!(fair_quota(&mut [10, 1, 10], 13), 6);
        assert_eq!(fair_quota(&mut [5, 5, 5], 2), 0);
        assert_eq!(fair_quota(&mut [usize::MAX, usize::MAX], 7), 3);
        for budget in 0..40 {
            let lengths = [0, 3, 9, 1, 17, 4];
            let q = fair_quota(&mut lengths.clone(), budget);
            let total: usize = lengths.iter().map(|&l| l.min(q)).sum();
            assert!(total <= budget, "{budget}");
            let more: usize = lengths.iter().map(|&l| l.min(q.saturating_add(1))).sum();
            assert!(q == usize::MAX || more > budget, "{budget}: {q} is not the largest");
        }
        assert_eq!(newest(&[1, 2, 3], 2), &[2, 3]);
        assert_eq!(newest(&[1, 2, 3], usize::MAX), &[1, 2, 3]);
    }
}
