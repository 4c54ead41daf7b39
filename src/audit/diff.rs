//! How two pipelines' feeds differ, viewer by viewer.
//!
//! **Kendall's τ-b over the union.** Two feeds usually hold different posts, so both are
//! extended to the union of their items: an item missing from a feed is placed after that
//! feed's end, tied with the other missing items (position `len`). Over all pairs of the
//! union, with `C` concordant and `D` discordant pairs, `n0 = m(m−1)/2`, and `n1`, `n2`
//! the pairs tied in the first and second feed:
//!
//! ```text
//! τ_b = (C − D) / sqrt((n0 − n1)·(n0 − n2))
//! ```
//!
//! So an item dropped from the top of one feed counts as moved to its bottom. τ is 1 for
//! identical feeds (also for a single shared item), and undefined (`None`) when the
//! denominator is 0 (fewer than two items, or one feed empty).
//!
//! **Rank-biased overlap.** Webber, Moffat and Zobel, "A similarity measure for indefinite
//! rankings", ACM TOIS 28(4), 2010, eq. 32 (extrapolated, uneven lengths). With `S` the
//! shorter list (length `s`), `L` the longer (length `l`), `X_d` the overlap of the two
//! prefixes of depth `d` (for `d > s`, all of `S` against `L`'s prefix) and persistence
//! `p` (default 0.9; the expected depth a reader looks at is `1/(1−p)`):
//!
//! ```text
//! RBO_ext = (1−p)/p · ( Σ_{d=1..l} X_d/d · p^d + Σ_{d=s+1..l} X_s·(d−s)/(s·d) · p^d )
//!           + ( (X_l − X_s)/l + X_s/s ) · p^l
//! ```
//!
//! RBO is in `[0, 1]`, 1 for identical lists (returned exactly), 0 for disjoint ones or
//! when exactly one list is empty; two empty lists are identical.

use crate::audit::check_paired;
use crate::audit::stats::mean;
use crate::engine::Feed;
use crate::error::Result;
use crate::model::{Dataset, PostId};
use crate::Error;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

/// Kendall's τ-b between two rankings over the union of their items (see the
/// [module docs](self)).
pub fn kendall_tau_b<T: Copy + Eq + Hash>(a: &[T], b: &[T]) -> Option<f64> {
    if a == b {
        return Some(1.0);
    }
    let mut union: Vec<T> = a.to_vec();
    let in_a: HashMap<T, usize> = a.iter().enumerate().map(|(i, &x)| (x, i)).collect();
    let in_b: HashMap<T, usize> = b.iter().enumerate().map(|(i, &x)| (x, i)).collect();
    union.extend(b.iter().copied().filter(|x| !in_a.contains_key(x)));
    let pa: Vec<usize> = union.iter().map(|x| in_a.get(x).copied().unwrap_or(a.len())).collect();
    let pb: Vec<usize> = union.iter().map(|x| in_b.get(x).copied().unwrap_or(b.len())).collect();
    let m = union.len() as i64;
    let (mut c, mut d, mut ties_a, mut ties_b) = (0i64, 0i64, 0i64, 0i64);
    for i in 0..union.len() {
        for j in i + 1..union.len() {
            let x = pa[i].cmp(&pa[j]);
            let y = pb[i].cmp(&pb[j]);
            match (x.is_eq(), y.is_eq()) {
                (true, true) => {
                    ties_a += 1;
                    ties_b += 1;
                }
                (true, false) => ties_a += 1,
                (false, true) => ties_b += 1,
                (false, false) if x == y => c += 1,
                (false, false) => d += 1,
            }
        }
    }
    let n0 = m * (m - 1) / 2;
    let denominator = ((n0 - ties_a) as f64 * (n0 - ties_b) as f64).sqrt();
    (denominator > 0.0).then(|| ((c - d) as f64 / denominator).clamp(-1.0, 1.0))
}

/// Extrapolated rank-biased overlap of two rankings with persistence `p` in (0, 1)
/// (see the [module docs](self)).
pub fn rbo_ext<T: Copy + Eq + Hash>(a: &[T], b: &[T], p: f64) -> f64 {
    if a == b {
        return 1.0;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (s, l) = (short.len(), long.len());
    if s == 0 {
        return 0.0;
    }
    let (mut seen_s, mut seen_l) = (HashSet::with_capacity(s), HashSet::with_capacity(l));
    let (mut x, mut x_s) = (0usize, 0usize);
    let (mut sum, mut weight) = (0.0, 1.0);
    for d in 1..=l {
        if d <= s {
            let item = short[d - 1];
            if seen_l.contains(&item) {
                x += 1;
            }
            seen_s.insert(item);
        }
        let item = long[d - 1];
        if seen_s.contains(&item) {
            x += 1;
        }
        seen_l.insert(item);
        if d == s {
            x_s = x;
        }
        weight *= p;
        sum += x as f64 / d as f64 * weight;
        if d > s {
            sum += x_s as f64 * (d - s) as f64 / (s * d) as f64 * weight;
        }
    }
    let tail = ((x - x_s) as f64 / l as f64 + x_s as f64 / s as f64) * weight;
    ((1.0 - p) / p * sum + tail).clamp(0.0, 1.0)
}

/// How one viewer's two feeds differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewerDiff {
    /// The viewer's external id.
    pub viewer: String,
    /// Kendall's τ-b over the union (`None` when undefined).
    pub kendall_tau: Option<f64>,
    /// Extrapolated rank-biased overlap.
    pub rbo: f64,
    /// Posts in both feeds.
    pub overlap: usize,
    /// Length of the first feed.
    pub len_a: usize,
    /// Length of the second feed.
    pub len_b: usize,
}

/// How two lists of feeds (same viewers, same order) differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedDiff {
    /// The RBO persistence used.
    pub p: f64,
    /// One entry per viewer, in input order.
    pub per_viewer: Vec<ViewerDiff>,
    /// Mean of the defined τ values.
    pub mean_kendall_tau: Option<f64>,
    /// Mean RBO.
    pub mean_rbo: Option<f64>,
    /// Viewers whose two feeds list the same posts in the same order.
    pub identical: usize,
}

fn posts(feed: &Feed) -> Vec<PostId> {
    feed.items.iter().map(|i| i.post).collect()
}

/// Mean RBO between paired feed lists (used by the stage attribution).
pub(crate) fn mean_rbo(a: &[Feed], b: &[Feed], p: f64) -> Option<f64> {
    let values: Vec<f64> = a.iter().zip(b).map(|(x, y)| rbo_ext(&posts(x), &posts(y), p)).collect();
    mean(&values)
}

pub(crate) fn check_p(p: f64) -> Result<()> {
    if p > 0.0 && p < 1.0 {
        Ok(())
    } else {
        Err(Error::argument("p", format!("the RBO persistence must be in (0, 1), got {p}")))
    }
}

/// Per-viewer Kendall τ-b and RBO between `a` and `b`, feeds of the same viewers in the
/// same order (e.g. two pipelines' [`rank_all`](crate::Pipeline::rank_all) results).
pub fn diff_feeds(ds: &Dataset, a: &[Feed], b: &[Feed], p: f64) -> Result<FeedDiff> {
    check_p(p)?;
    crate::audit::check_feeds(ds, a, "a")?;
    crate::audit::check_feeds(ds, b, "b")?;
    check_paired(ds, a, b, ("a", "b"))?;
    let per_viewer: Vec<ViewerDiff> = a
        .iter()
        .zip(b)
        .map(|(x, y)| {
            let (px, py) = (posts(x), posts(y));
            let in_x: HashSet<PostId> = px.iter().copied().collect();
            ViewerDiff {
                viewer: ds.user_name(x.viewer).to_string(),
                kendall_tau: kendall_tau_b(&px, &py),
                rbo: rbo_ext(&px, &py, p),
                overlap: py.iter().filter(|q| in_x.contains(q)).count(),
                len_a: px.len(),
                len_b: py.len(),
            }
        })
        .collect();
    let taus: Vec<f64> = per_viewer.iter().filter_map(|v| v.kendall_tau).collect();
    let rbos: Vec<f64> = per_viewer.iter().map(|v| v.rbo).collect();
    let identical = a.iter().zip(b).filter(|(x, y)| posts(x) == posts(y)).count();
    Ok(FeedDiff { p, mean_kendall_tau: mean(&taus), mean_rbo: mean(&rbos), identical, per_viewer })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rbo_matches_the_even_length_formula() {
        // X = 1, 1, 3 at depths 1..3, p = 0.5: (1/1·0.5 + 1/2·0.25 + 3/3·0.125) + 1·0.125.
        assert_eq!(rbo_ext(&[1, 2, 3], &[1, 3, 2], 0.5), 0.875);
        assert_eq!(rbo_ext(&[1, 2], &[3, 4], 0.9), 0.0);
        assert_eq!(rbo_ext::<u32>(&[], &[], 0.9), 1.0);
        assert_eq!(rbo_ext(&[], &[1], 0.9), 0.0);
    }

    #[test]
    fn rbo_of_a_prefix_extrapolates_agreement() {
        // S = [1], L = [1, 2], p = 0.5: X_1 = 1, X_2 = 1, s = 1, l = 2.
        // (1−p)/p · (1·0.5 + 1/2·0.25 + 1·1/2·0.25) + (0/2 + 1/1)·0.25 = 0.75 + 0.25 = 1.
        assert_eq!(rbo_ext(&[1], &[1, 2], 0.5), 1.0);
    }

    #[test]
    fn tau_handles_missing_items_as_tied_at_the_end() {
        assert_eq!(kendall_tau_b(&[1, 2, 3], &[1, 3, 2]), Some(1.0 / 3.0));
        assert_eq!(kendall_tau_b(&[1, 2], &[2, 4]), Some(-1.0 / 3.0));
        assert_eq!(kendall_tau_b(&[1], &[2, 3]), Some(-2.0 / 6f64.sqrt()));
        assert_eq!(kendall_tau_b::<u32>(&[], &[1, 2]), None);
        assert_eq!(kendall_tau_b(&[7], &[7]), Some(1.0));
        assert_eq!(kendall_tau_b(&[3, 2, 1], &[1, 2, 3]), Some(-1.0));
    }
}
