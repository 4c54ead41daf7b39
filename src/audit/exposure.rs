//! Exposure: per-author attention, its inequality, and group shares.
//!
//! * Exposure of author `a`: `E_a = Σ_feeds Σ_{items by a} w(rank)` with an
//!   [`ImpressionModel`] `w` (DESIGN §6 uses `1/log2(1 + rank)`).
//! * Gini coefficient over ascending values `x_(1) ≤ … ≤ x_(n)`:
//!   `G = Σ_i (2i − n − 1)·x_(i) / (n·Σ x)`: 0 when everyone gets the same, `(n − 1)/n`
//!   when one of `n` gets everything.
//! * Group shares: a group's share of all exposure against its share of all posts;
//!   parity = exposure share / post share (1 = exposure in proportion to output).
//! * Cross-cutting share of a feed: the share of its items whose author's attribute
//!   differs from the viewer's (summarised by
//!   [`cross_cutting_summary`](crate::audit::cross_cutting_summary)).

use crate::audit::{group_of, ImpressionModel};
use crate::engine::Feed;
use crate::model::{Dataset, UserId};
use serde::Serialize;
use std::collections::BTreeMap;

/// Position-weighted exposure of every user as an author, summed over feeds in order.
pub fn exposure_by_author(ds: &Dataset, feeds: &[Feed], model: ImpressionModel) -> Vec<f64> {
    let mut exposure = vec![0.0; ds.user_count()];
    for feed in feeds {
        for item in &feed.items {
            exposure[ds.author(item.post).index()] += model.weight(item.rank);
        }
    }
    exposure
}

/// Gini coefficient of non-negative values: 0 when equal, `(n − 1)/n` when one holds all.
/// Empty or all-zero input gives 0.
pub fn gini(values: &[f64]) -> f64 {
    let n = values.len();
    let total: f64 = values.iter().sum();
    if n == 0 || total <= 0.0 {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    // G = Σ (2i − n − 1) x_i / (n Σ x), i = 1..n over ascending values.
    let weighted: f64 =
        sorted.iter().enumerate().map(|(i, x)| (2.0 * (i as f64 + 1.0) - n as f64 - 1.0) * x).sum();
    weighted / (n as f64 * total)
}

/// Gini coefficient of exposure over every user who wrote at least one post (authors
/// never shown count as 0).
pub fn author_exposure_gini(ds: &Dataset, feeds: &[Feed], model: ImpressionModel) -> f64 {
    let exposure = exposure_by_author(ds, feeds, model);
    let authors: Vec<f64> = (0..ds.user_count() as u32)
        .filter(|&u| ds.posts_by(UserId(u)).len() > 0)
        .map(|u| exposure[u as usize])
        .collect();
    gini(&authors)
}

/// One group's share of exposure and of posts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupShare {
    /// Group (value of the attribute; `(none)` when missing).
    pub group: String,
    /// Share of all exposure going to the group's authors.
    pub exposure_share: f64,
    /// Share of all posts written by the group's authors.
    pub post_share: f64,
    /// `exposure_share / post_share` (1 = exposure in proportion to output).
    pub parity: f64,
}

/// Exposure and post shares by the authors' audit attribute `attr` (e.g. `viewpoint`),
/// sorted by group name.
pub fn group_shares(ds: &Dataset, feeds: &[Feed], model: ImpressionModel, attr: &str) -> Vec<GroupShare> {
    let exposure = exposure_by_author(ds, feeds, model);
    let mut groups: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for u in 0..ds.user_count() as u32 {
        let g = groups.entry(group_of(ds, UserId(u), attr)).or_default();
        g.0 += exposure[u as usize];
    }
    for p in 0..ds.post_count() as u32 {
        groups.entry(group_of(ds, ds.author(crate::PostId(p)), attr)).or_default().1 += 1.0;
    }
    let total_exposure: f64 = groups.values().map(|g| g.0).sum();
    let total_posts: f64 = groups.values().map(|g| g.1).sum();
    groups
        .into_iter()
        .map(|(group, (e, p))| {
            let exposure_share = if total_exposure > 0.0 { e / total_exposure } else { 0.0 };
            let post_share = if total_posts > 0.0 { p / total_posts } else { 0.0 };
            let parity = if post_share > 0.0 { exposure_share / post_share } else { 0.0 };
            GroupShare { group: group.to_string(), exposure_share, post_share, parity }
        })
        .collect()
}

/// Per feed, the share of its items whose author's `attr` differs from the viewer's
/// (`None` for an empty feed or a viewer without the attribute).
pub fn cross_cutting_shares(ds: &Dataset, feeds: &[Feed], attr: &str) -> Vec<Option<f64>> {
    feeds
        .iter()
        .map(|feed| {
            let mine = ds.user_attr(feed.viewer, attr)?;
            if feed.items.is_empty() {
                return None;
            }
            let other =
                feed.items.iter().filter(|i| ds.user_attr(ds.author(i.post), attr) != Some(mine)).count();
            Some(other as f64 / feed.items.len() as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::gini;

    #[test]
    fn gini_extremes() {
        assert_eq!(gini(&[1.0, 1.0, 1.0, 1.0]), 0.0);
        assert_eq!(gini(&[0.0, 0.0, 0.0, 5.0]), 0.75);
        assert_eq!(gini(&[]), 0.0);
        // Hand-computed: values 1, 2, 3 → (−2·1 + 0·2 + 2·3) / (3·6) = 4/18.
        assert!((gini(&[3.0, 1.0, 2.0]) - 4.0 / 18.0).abs() < 1e-15);
    }
}
