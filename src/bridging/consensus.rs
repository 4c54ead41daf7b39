//! Group-informed consensus (Polis) over the viewpoint groups a [`BridgingModel`] infers.
//!
//! For a post and each group `g` of raters, `A_g` is the number of raters in `g` who rated
//! it at least 0.5 (agree) and `S_g` the number in `g` who rated it. The consensus is
//! `Π_g (A_g + 1) / (S_g + 2)`: the product of each group's Laplace-smoothed agreement,
//! high only when every group agrees (Small et al., "Polis: Scaling Deliberation by
//! Mapping High Dimensional Opinion Spaces", 2021; the Polis `group-aware-consensus`).

use super::ratings::{checked, ratings_from_dataset};
use super::{BridgingModel, Side};
use crate::model::{Dataset, UserId};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Most Lloyd iterations of the one-dimensional k-means.
const KMEANS_MAX_ITERATIONS: usize = 100;

/// How raters are grouped for [`group_consensus_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Grouping {
    /// Two groups by the sign of `f_u`: group 0 is [`Side::Negative`], group 1
    /// [`Side::Positive`].
    #[default]
    Sign,
    /// `k` groups by one-dimensional k-means on `f_u`, initialised deterministically at the
    /// quantiles `(2i + 1) / 2k` of the sorted factors; groups are numbered by ascending
    /// centre.
    KMeans {
        /// Number of groups (≥ 1).
        k: usize,
    },
}

/// The group of every user under `grouping`, by user index; `None` for users who rated
/// nothing.
///
/// Errors with [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) if
/// `k = 0`.
///
/// ```
/// use glassfeed::bridging::{user_groups, BridgingConfig, BridgingModel, Grouping};
/// let ratings = [(0, 0, 1.0), (1, 0, 0.0), (2, 0, 1.0)];
/// let model = BridgingModel::fit_ratings(4, 1, &ratings, &BridgingConfig::default())?;
/// let groups = user_groups(&model, Grouping::KMeans { k: 2 })?;
/// assert_eq!(groups[3], None); // user 3 rated nothing
/// # Ok::<(), glassfeed::Error>(())
/// ```
pub fn user_groups(model: &BridgingModel, grouping: Grouping) -> Result<Vec<Option<usize>>> {
    let factors: Vec<Option<f64>> =
        (0..model.user_count() as u32).map(|u| model.user_factor(UserId(u))).collect();
    match grouping {
        Grouping::Sign => {
            Ok(factors.iter().map(|f| f.map(|f| if Side::of(f) == Side::Negative { 0 } else { 1 })).collect())
        }
        Grouping::KMeans { k } => {
            if k == 0 {
                return Err(Error::argument("k", "k-means needs at least one group"));
            }
            let values: Vec<f64> = factors.iter().flatten().copied().collect();
            let centres = kmeans_1d(&values, k);
            Ok(factors.iter().map(|f| f.map(|f| nearest(&centres, f))).collect())
        }
    }
}

/// Group-informed consensus of every post over the sign groups of the model's raters,
/// using the dataset's ratings (see [`group_consensus_with`]). The result has one entry
/// per post of `ds`; ratings by users or of posts outside the model are ignored.
pub fn group_consensus(model: &BridgingModel, ds: &Dataset) -> Vec<Option<f64>> {
    let ratings: Vec<(u32, u32, f64)> = ratings_from_dataset(ds)
        .into_iter()
        .filter(|&(u, p, _)| (u as usize) < model.user_count() && (p as usize) < model.post_count())
        .collect();
    let mut out = group_consensus_with(model, &ratings, Grouping::Sign)
        .expect("dataset ratings are in range and in [0, 1]; sign grouping is valid");
    out.resize(ds.post_count(), None);
    out
}

/// Group-informed consensus `Π_g (A_g + 1) / (S_g + 2)` of every post of the model, from
/// `(user, post, value)` ratings (repeats averaged; a rating ≥ 0.5 is agreement).
///
/// The product runs over every non-empty group (a group that did not rate a post
/// contributes ½). Raters the model did not see are in no group and are ignored. Posts
/// with fewer than the model's `min_raters` grouped raters get `None`.
///
/// Errors with [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) if a
/// rating is out of range or not in `[0, 1]`, or the grouping is invalid.
///
/// ```
/// use glassfeed::bridging::{group_consensus_with, BridgingConfig, BridgingModel, Grouping};
/// let ratings = [(0, 0, 1.0), (1, 0, 1.0), (2, 0, 0.0)];
/// let cfg = BridgingConfig { min_raters: 1, ..Default::default() };
/// let model = BridgingModel::fit_ratings(3, 1, &ratings, &cfg)?;
/// let c = group_consensus_with(&model, &ratings, Grouping::KMeans { k: 1 })?;
/// assert_eq!(c, vec![Some((2.0 + 1.0) / (3.0 + 2.0))]); // one group: 2 of 3 agree
/// # Ok::<(), glassfeed::Error>(())
/// ```
pub fn group_consensus_with(
    model: &BridgingModel,
    ratings: &[(u32, u32, f64)],
    grouping: Grouping,
) -> Result<Vec<Option<f64>>> {
    let ratings = checked(model.user_count(), model.post_count(), ratings)?;
    let groups = user_groups(model, grouping)?;
    let group_count = groups.iter().flatten().map(|&g| g + 1).max().unwrap_or(0);
    let mut non_empty = vec![false; group_count];
    for &g in groups.iter().flatten() {
        non_empty[g] = true;
    }
    // Per post and group: (agree, rated).
    let mut tally = vec![(0u32, 0u32); model.post_count() * group_count];
    let mut raters = vec![0u32; model.post_count()];
    for &(u, p, v) in &ratings {
        if let Some(g) = groups[u as usize] {
            let cell = &mut tally[p as usize * group_count + g];
            cell.0 += u32::from(v >= 0.5);
            cell.1 += 1;
            raters[p as usize] += 1;
        }
    }
    Ok((0..model.post_count())
        .map(|p| {
            (raters[p] >= model.min_raters()).then(|| {
                let cells = &tally[p * group_count..(p + 1) * group_count];
                cells
                    .iter()
                    .zip(&non_empty)
                    .filter(|(_, &present)| present)
                    .map(|(&(a, s), _)| (f64::from(a) + 1.0) / (f64::from(s) + 2.0))
                    .product()
            })
        })
        .collect())
}

/// Centres of a one-dimensional k-means (Lloyd) on `values`, ascending. Initial centres
/// are the sorted values at quantiles `(2i + 1) / 2k`; ties go to the lower centre; an
/// empty group keeps its centre; sums run in sorted order, so the result depends only on
/// the multiset of values.
fn kmeans_1d(values: &[f64], k: usize) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return vec![0.0; k];
    }
    let mut centres: Vec<f64> = (0..k).map(|i| sorted[((2 * i + 1) * n / (2 * k)).min(n - 1)]).collect();
    let mut assignment = vec![usize::MAX; n];
    for _ in 0..KMEANS_MAX_ITERATIONS {
        let mut changed = false;
        for (a, &x) in assignment.iter_mut().zip(&sorted) {
            let g = nearest(&centres, x);
            changed |= *a != g;
            *a = g;
        }
        if !changed {
            break;
        }
        let mut sums = vec![(0.0, 0usize); k];
        for (&g, &x) in assignment.iter().zip(&sorted) {
            sums[g].0 += x;
            sums[g].1 += 1;
        }
        for (c, &(s, m)) in centres.iter_mut().zip(&sums) {
            if m > 0 {
                *c = s / m as f64;
            }
        }
    }
    centres.sort_by(f64::total_cmp);
    centres
}

/// Index of the centre nearest to `x` (the lowest index on a tie).
fn nearest(centres: &[f64], x: f64) -> usize {
    let mut best = 0;
    for (i, c) in centres.iter().enumerate() {
        if (x - c).abs() < (x - centres[best]).abs() {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmeans_finds_three_clusters() {
        let values = [-1.0, -1.1, -0.9, 0.0, 0.05, -0.05, 2.0, 2.2];
        let c = kmeans_1d(&values, 3);
        assert!((c[0] + 1.0).abs() < 1e-12 && c[1].abs() < 1e-12 && (c[2] - 2.1).abs() < 1e-12, "{c:?}");
        assert_eq!(nearest(&c, -0.8), 0);
        assert_eq!(nearest(&c, 1.5), 2);
    }

    #[test]
    fn kmeans_with_more_groups_than_values_is_defined() {
        let c = kmeans_1d(&[0.5, 0.5], 4);
        assert_eq!(c.len(), 4);
        assert!(kmeans_1d(&[], 2).iter().all(|&c| c == 0.0));
    }
}
