//! Neutrality check (metamorphic): does a pipeline depend on users' audit attributes
//! (e.g. `viewpoint`) without saying so?
//!
//! The dataset is rebuilt with every user's attributes moved to another user
//! ([`with_permuted_attrs`]: a seeded random cyclic shift of the attribute rows), and
//! every viewer's feed is ranked on both datasets with the same `now` (the original's
//! latest timestamp). Everything a stage can legitimately read — graph, posts,
//! engagements, settings — is unchanged, so a pipeline none of whose stages declares
//! reading [`Input::UserAttribute`] must produce the same feeds: the same posts at the
//! same ranks with bit-identical scores. Every feed that differs is reported as a
//! [`Violation`] (viewer, first differing rank, what was there before and after), with
//! every stage's declared inputs so a reader can see which stage should have declared
//! the attribute. A pipeline that declares an attribute reader is disclosed to depend on
//! it: its differences are still listed, but do not fail the check.

use crate::audit::perturb::with_permuted_attrs;
use crate::engine::{Feed, RankOptions};
use crate::error::Result;
use crate::model::{Dataset, UserId};
use crate::pipeline::Pipeline;
use crate::stages::Input;
use serde::Serialize;
use std::collections::BTreeSet;

/// The inputs one stage declares ([`Stage::reads`](crate::stages::Stage::reads)).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageInputs {
    /// Stage id.
    pub stage: String,
    /// What it declares reading.
    pub reads: Vec<Input>,
}

/// A feed that changed under a perturbation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// The viewer's external id.
    pub viewer: String,
    /// First 1-based rank at which the feeds differ (post, or score bits).
    pub first_differing_rank: u32,
    /// The post at that rank in the original feed (`None` past its end).
    pub original_post: Option<String>,
    /// The post at that rank in the perturbed feed.
    pub perturbed_post: Option<String>,
    /// The original score at that rank.
    pub original_score: Option<f64>,
    /// The perturbed score at that rank.
    pub perturbed_score: Option<f64>,
}

/// The result of [`neutrality_check`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeutralityReport {
    /// Pipeline name.
    pub pipeline: String,
    /// Pipeline fingerprint.
    pub fingerprint: String,
    /// Seed of the permutation.
    pub seed: u64,
    /// Attribute keys present in the dataset (all were permuted together).
    pub attributes: Vec<String>,
    /// Stages that declare reading a user attribute (`stage: key`).
    pub declared_attribute_readers: Vec<String>,
    /// Every stage's declared inputs, in pipeline order.
    pub stage_inputs: Vec<StageInputs>,
    /// Feeds compared.
    pub feeds_compared: usize,
    /// Every feed that differs.
    pub violations: Vec<Violation>,
    /// True when no feed differs, or when every difference is disclosed because some
    /// stage declares reading an attribute.
    pub passed: bool,
}

/// Every stage's declared inputs.
pub(crate) fn stage_inputs(pipeline: &Pipeline) -> Vec<StageInputs> {
    pipeline.inputs().into_iter().map(|(stage, reads)| StageInputs { stage, reads }).collect()
}

/// The first difference between two feeds of the same viewer, if any.
pub(crate) fn compare_feeds(ds: &Dataset, original: &Feed, perturbed: &Feed) -> Option<Violation> {
    let n = original.items.len().max(perturbed.items.len());
    let i = (0..n).find(|&i| match (original.items.get(i), perturbed.items.get(i)) {
        (Some(a), Some(b)) => a.post != b.post || a.rank != b.rank || a.score.to_bits() != b.score.to_bits(),
        _ => true,
    })?;
    let (a, b) = (original.items.get(i), perturbed.items.get(i));
    Some(Violation {
        viewer: ds.user_name(original.viewer).to_string(),
        first_differing_rank: i as u32 + 1,
        original_post: a.map(|x| ds.post_name(x.post).to_string()),
        perturbed_post: b.map(|x| ds.post_name(x.post).to_string()),
        original_score: a.map(|x| x.score),
        perturbed_score: b.map(|x| x.score),
    })
}

/// Ranks `viewers` on `ds` and on `perturbed` with the same options and lists every feed
/// that differs.
pub(crate) fn differences(
    ds: &Dataset,
    perturbed: &Dataset,
    pipeline: &Pipeline,
    viewers: &[UserId],
    options: &RankOptions,
) -> Result<Vec<Violation>> {
    let before = pipeline.rank_all(ds, viewers, options)?;
    let after = pipeline.rank_all(perturbed, viewers, options)?;
    Ok(before.iter().zip(&after).filter_map(|(a, b)| compare_feeds(ds, a, b)).collect())
}

/// Options of a metamorphic comparison: the pipeline's own `k`, no explanations, and
/// `now` fixed to the original dataset's latest timestamp.
pub(crate) fn fixed_options(ds: &Dataset) -> RankOptions {
    RankOptions { now: Some(ds.latest_timestamp()), ..RankOptions::default() }
}

/// Permutes every user's audit attributes (seeded) and checks that `pipeline` ranks each
/// of `viewers` identically (see the [module docs](self)).
///
/// ```
/// # use glassfeed::{synth, Pipeline, UserId, audit::neutrality_check};
/// let ds = synth::generate(&synth::SynthConfig::with_users(200))?;
/// let viewers: Vec<UserId> = (0..50).map(UserId).collect();
/// let report = neutrality_check(&ds, &Pipeline::preset("engagement")?, &viewers, 1)?;
/// assert!(report.passed && report.violations.is_empty());
/// # Ok::<(), glassfeed::Error>(())
/// ```
pub fn neutrality_check(
    ds: &Dataset,
    pipeline: &Pipeline,
    viewers: &[UserId],
    seed: u64,
) -> Result<NeutralityReport> {
    let permuted = with_permuted_attrs(ds, seed)?;
    let violations = differences(ds, &permuted, pipeline, viewers, &fixed_options(ds))?;
    let stage_inputs = stage_inputs(pipeline);
    let declared_attribute_readers: Vec<String> = stage_inputs
        .iter()
        .flat_map(|s| {
            s.reads.iter().filter_map(move |r| match r {
                Input::UserAttribute(key) => Some(format!("{}: {key}", s.stage)),
                _ => None,
            })
        })
        .collect();
    let attributes: BTreeSet<String> = (0..ds.user_count() as u32)
        .flat_map(|u| ds.user_attrs(UserId(u)).map(|(k, _)| k.to_string()).collect::<Vec<_>>())
        .collect();
    let passed = violations.is_empty() || !declared_attribute_readers.is_empty();
    Ok(NeutralityReport {
        pipeline: pipeline.name().to_string(),
        fingerprint: pipeline.fingerprint().to_string(),
        seed,
        attributes: attributes.into_iter().collect(),
        declared_attribute_readers,
        stage_inputs,
        feeds_compared: viewers.len(),
        violations,
        passed,
    })
}
