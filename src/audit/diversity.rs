//! What a viewer's feed is made of: cross-cutting exposure, source diversity and
//! popularity bias.
//!
//! * **Cross-cutting share** (per feed): items whose author's attribute differs from the
//!   viewer's, over the feed length ([`cross_cutting_shares`]); summarised over feeds by
//!   [`cross_cutting_summary`] (mean, quartiles, 10 bins over `[0, 1]`).
//! * **Source diversity** (per feed): the Shannon entropy of the feed's authors,
//!   `H = −Σ_a p_a ln p_a` with `p_a` = share of the feed's items by author `a`, divided
//!   by its maximum `ln n` for a feed of `n` items: 1 when every item has a different
//!   author, 0 when one author wrote them all. Undefined (`None`) for feeds of fewer than
//!   two items, where no diversity is possible.
//! * **Popularity bias** (per viewer): the mean popularity
//!   ([`Dataset::popularity`]: likes + reposts + replies + quotes + shares) of the feed's
//!   items over the mean popularity of the distinct posts the viewer engaged with
//!   positively (like, repost, reply, quote, share, click, profile click). Above 1 the
//!   feed is more mainstream than the viewer's own taste. Undefined for an empty feed or
//!   history, or a history of posts with no popularity at all.

use crate::audit::exposure::cross_cutting_shares;
use crate::audit::stats::{mean, Distribution};
use crate::engine::Feed;
use crate::model::{Dataset, EngagementKind, PostId};
use serde::Serialize;
use std::collections::BTreeMap;

/// Distribution of the cross-cutting share over feeds (10 bins over `[0, 1]`); feeds that
/// are empty or whose viewer lacks the attribute are counted as undefined.
pub fn cross_cutting_summary(ds: &Dataset, feeds: &[Feed], attr: &str) -> Distribution {
    Distribution::summarise(&cross_cutting_shares(ds, feeds, attr), 10, 0.0, 1.0)
}

/// Source diversity of each feed and its distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceDiversity {
    /// Per feed, in input order: `H / ln n` (`None` for fewer than two items).
    pub per_feed: Vec<Option<f64>>,
    /// Distribution over feeds (10 bins over `[0, 1]`).
    pub summary: Distribution,
}

/// Normalised author entropy of one feed: `H / ln n`, `None` for fewer than two items.
fn feed_entropy(ds: &Dataset, feed: &Feed) -> Option<f64> {
    let n = feed.items.len();
    if n < 2 {
        return None;
    }
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for item in &feed.items {
        *counts.entry(ds.author(item.post).0).or_default() += 1;
    }
    match counts.len() {
        1 => return Some(0.0),
        k if k == n => return Some(1.0),
        _ => {}
    }
    let h: f64 = counts
        .values()
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.ln()
        })
        .sum();
    Some((h / (n as f64).ln()).clamp(0.0, 1.0))
}

/// Source diversity (normalised author entropy) of every feed.
pub fn source_diversity(ds: &Dataset, feeds: &[Feed]) -> SourceDiversity {
    let per_feed: Vec<Option<f64>> = feeds.iter().map(|f| feed_entropy(ds, f)).collect();
    let summary = Distribution::summarise(&per_feed, 10, 0.0, 1.0);
    SourceDiversity { per_feed, summary }
}

/// Popularity bias per viewer and on average.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopularityBias {
    /// Per feed, in input order: mean feed popularity / mean history popularity.
    pub per_viewer: Vec<Option<f64>>,
    /// Mean of the defined per-viewer ratios.
    pub mean: Option<f64>,
    /// Number of viewers with a defined ratio.
    pub defined: usize,
}

fn is_positive(kind: EngagementKind) -> bool {
    use EngagementKind::*;
    matches!(kind, Like | Repost | Reply | Quote | Share | Click | ProfileClick)
}

fn viewer_bias(ds: &Dataset, feed: &Feed) -> Option<f64> {
    if feed.items.is_empty() {
        return None;
    }
    let shown: f64 = feed.items.iter().map(|i| ds.popularity(i.post) as f64).sum::<f64>();
    let shown = shown / feed.items.len() as f64;
    let mut history: Vec<u32> =
        ds.history(feed.viewer).filter(|e| is_positive(e.kind)).map(|e| e.post.0).collect();
    history.sort_unstable();
    history.dedup();
    if history.is_empty() {
        return None;
    }
    let liked: f64 = history.iter().map(|&p| ds.popularity(PostId(p)) as f64).sum::<f64>();
    let liked = liked / history.len() as f64;
    (liked > 0.0).then(|| shown / liked)
}

/// Popularity bias of every feed (see the [module docs](self)).
pub fn popularity_bias(ds: &Dataset, feeds: &[Feed]) -> PopularityBias {
    let per_viewer: Vec<Option<f64>> = feeds
        .iter()
        .map(|f| if f.viewer.index() < ds.user_count() { viewer_bias(ds, f) } else { None })
        .collect();
    let defined: Vec<f64> = per_viewer.iter().flatten().copied().collect();
    PopularityBias { mean: mean(&defined), defined: defined.len(), per_viewer }
}
