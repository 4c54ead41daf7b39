//! Audit measurements (DESIGN §6): what a ranking does to reach and exposure across
//! communities, how two rankings differ, and whether a ranking keeps its promises.
//!
//! Every function here is deterministic: sums run in a fixed order (viewer order, then
//! feed order), random draws come from a seeded [`rand_chacha::ChaCha8Rng`], and ranking
//! goes through [`Pipeline::rank_all`](crate::Pipeline::rank_all), which owns
//! parallelism and returns feeds in input order. Results are `serde::Serialize`, so they
//! can be written as JSON or turned into data frames.
//!
//! # Impressions ([`impressions`])
//!
//! An [`ImpressionModel`] gives the attention `w(r)` of 1-based rank `r`: top-k
//! (`w = 1` for `r ≤ k`), logarithmic `1/log2(1 + r)` (the DCG discount) or rank-biased
//! `γ^(r−1)`.
//!
//! # Amplification ([`amplification`]; Huszár et al., "Algorithmic amplification of
//! politics on Twitter", PNAS 119(1), 2022)
//!
//! For a set of authors `T`, viewers `U` and a pipeline, `reach(T, U) = Σ_{v∈U} Σ_{i ∈
//! feed(v), author(i) ∈ T} w(rank(i))` (with the top-k model this counts impressions, not
//! distinct viewers). Amplification is `reach_treatment / reach_control − 1`, paired on
//! the same viewers. Group level: `T` = every author whose attribute (e.g. `viewpoint`)
//! is `g`. Individual level: `T` = one author; the group summary is the mean and median
//! of those ratios, which differs from the group-level ratio (large accounts dominate
//! the latter). Percentile bootstrap intervals resample viewers; a permutation test
//! compares two groups' mean individual amplification.
//!
//! # Exposure and diversity ([`exposure`], [`diversity`])
//!
//! Position-weighted exposure per author and its Gini coefficient
//! `G = Σ_i (2i − n − 1)·x_(i) / (n Σ x)`; group shares of exposure against group shares
//! of posts and their ratio (parity); the cross-cutting share of each feed (items by
//! authors whose attribute differs from the viewer's) with a distribution summary;
//! source diversity `H / ln n` (Shannon entropy of the feed's authors over the feed
//! length `n`); popularity bias (mean popularity of the feed over mean popularity of
//! what the viewer engaged with).
//!
//! # Pipeline diff ([`diff`], [`attribution`])
//!
//! Per viewer, Kendall's τ-b over the union of two feeds (an item missing from a feed is
//! placed, tied, after its end) and extrapolated rank-biased overlap `RBO_ext` (Webber,
//! Moffat and Zobel, "A similarity measure for indefinite rankings", ACM TOIS 28(4),
//! 2010, eq. 32). [`stage_attribution`] edits pipeline A one stage at a time towards B
//! and measures how much closer (in mean RBO) each edit brings A's feeds to B's.
//!
//! # Promises ([`neutrality`], [`profiling`], [`transparency`])
//!
//! * Neutrality (metamorphic): permute users' audit attributes; a pipeline none of whose
//!   stages declares reading [`Input::UserAttribute`](crate::stages::Input) must rank
//!   every feed identically, bit for bit.
//! * Non-profiling (EU Digital Services Act, Regulation 2022/2065, Art. 38): reassign
//!   viewers' engagement histories so that every post keeps the same engagements; a
//!   non-profiling feed must not change.
//! * Transparency (DSA Art. 27): a pipeline's main parameters, the inputs each stage
//!   declares, and each stage's measured importance (share of feed slots that change
//!   without it; share of log-score variance), with the presets a user can switch to.

pub mod amplification;
pub mod attribution;
pub mod diff;
pub mod diversity;
pub mod exposure;
pub mod impressions;
pub mod neutrality;
pub mod perturb;
pub mod profiling;
pub mod stats;
pub mod transparency;

pub use amplification::{
    amplification_gap_test, amplification_report, group_amplification, individual_amplification,
    individual_summary, AmplificationConfig, AmplificationReport, AuthorAmplification, GroupAmplification,
    IndividualSummary, PermutationTest,
};
pub use attribution::{stage_attribution, StageAttribution, StageEdit};
pub use diff::{diff_feeds, kendall_tau_b, rbo_ext, FeedDiff, ViewerDiff};
pub use diversity::{
    cross_cutting_summary, popularity_bias, source_diversity, PopularityBias, SourceDiversity,
};
pub use exposure::{
    author_exposure_gini, cross_cutting_shares, exposure_by_author, gini, group_shares, GroupShare,
};
pub use impressions::ImpressionModel;
pub use neutrality::{neutrality_check, NeutralityReport, StageInputs, Violation};
pub use perturb::{with_permuted_attrs, with_reassigned_histories};
pub use profiling::{non_profiling_check, NonProfilingReport};
pub use stats::{Bin, Distribution};
pub use transparency::{
    preset_description, transparency_report, PresetOption, StageReport, TransparencyReport,
};

use crate::engine::Feed;
use crate::error::Result;
use crate::model::{Dataset, UserId};
use crate::Error;

/// The group label of users without the attribute.
pub const NO_GROUP: &str = "(none)";

/// A user's value of `attr`, or [`NO_GROUP`].
pub(crate) fn group_of<'a>(ds: &'a Dataset, user: UserId, attr: &str) -> &'a str {
    ds.user_attr(user, attr).unwrap_or(NO_GROUP)
}

/// Checks that two lists of feeds are for the same viewers in the same order.
pub(crate) fn check_paired(ds: &Dataset, a: &[Feed], b: &[Feed], names: (&str, &str)) -> Result<()> {
    if a.len() != b.len() {
        return Err(Error::argument(
            names.1,
            format!(
                "`{}` has {} feeds but `{}` has {}; rank both pipelines for the same viewer list",
                names.0,
                a.len(),
                names.1,
                b.len()
            ),
        ));
    }
    if let Some(i) = a.iter().zip(b).position(|(x, y)| x.viewer != y.viewer) {
        let name = |u: UserId| {
            if u.index() < ds.user_count() {
                ds.user_name(u).to_string()
            } else {
                format!("#{}", u.0)
            }
        };
        return Err(Error::argument(
            names.1,
            format!(
                "feeds are not paired: position {i} is the feed of `{}` in `{}` but of `{}` in `{}`; \
                 rank both pipelines for the same viewer list, in the same order",
                name(a[i].viewer),
                names.0,
                name(b[i].viewer),
                names.1
            ),
        ));
    }
    Ok(())
}

/// Checks that every feed's viewer and posts exist in `ds`.
pub(crate) fn check_feeds(ds: &Dataset, feeds: &[Feed], name: &str) -> Result<()> {
    for feed in feeds {
        if feed.viewer.index() >= ds.user_count() {
            return Err(Error::argument(name, format!("viewer #{} is not in the dataset", feed.viewer.0)));
        }
        if let Some(item) = feed.items.iter().find(|i| i.post.index() >= ds.post_count()) {
            return Err(Error::argument(name, format!("post #{} is not in the dataset", item.post.0)));
        }
    }
    Ok(())
}
