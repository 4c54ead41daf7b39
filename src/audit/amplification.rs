//! Algorithmic amplification (Huszár, Ktena, O'Brien, Belli, Schlaikjer and Hardt,
//! "Algorithmic amplification of politics on Twitter", PNAS 119(1), 2022).
//!
//! For authors `T`, viewers `U` and an [`ImpressionModel`] `w`:
//!
//! ```text
//! reach(T, U, pipeline) = Σ_{v ∈ U} Σ_{item i ∈ feed(v), author(i) ∈ T} w(rank(i))
//! amplification(T)      = reach(T, U, treatment) / reach(T, U, control) − 1
//! ```
//!
//! Both feeds come from the same viewers in the same order (paired); feeds for different
//! viewers are rejected. With the top-k model, reach counts impressions (an author shown
//! twice to one viewer counts twice), not distinct viewers. Amplification is undefined
//! (`None`) when the control reach is 0; 0 means "as much reach as under the control".
//!
//! * **Group level**: `T` = every author whose attribute (e.g. `viewpoint`) is `g`.
//! * **Individual level**: `T` = one author, for every author with control reach > 0,
//!   summarised per group by the mean and median. Group-level amplification weighs
//!   authors by their control reach, so it generally differs from the mean of the
//!   individual ratios; both are reported, as in the paper.
//! * **Bootstrap intervals** resample viewers with replacement (`bootstrap` times,
//!   seeded ChaCha8) and recompute the group ratio on each resample; the interval is the
//!   percentile interval at `confidence` (0.95 → 2.5 % and 97.5 % quantiles).
//! * **Permutation test**: the difference between two groups' mean individual
//!   amplification, against `permutations` seeded random relabellings of the pooled
//!   authors; two-sided p-value `(1 + #{|d_perm| ≥ |d_obs|}) / (1 + permutations)`.

use crate::audit::stats::{mean, median, quantile};
use crate::audit::{check_feeds, check_paired, group_of, ImpressionModel};
use crate::engine::{Feed, RankOptions};
use crate::error::Result;
use crate::model::{Dataset, UserId};
use crate::pipeline::Pipeline;
use crate::Error;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Settings of the amplification measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmplificationConfig {
    /// Attention per rank (default logarithmic).
    pub model: ImpressionModel,
    /// The audit attribute that defines groups (default `viewpoint`).
    pub attr: String,
    /// Bootstrap resamples of viewers (default 1000; 0 = no intervals).
    pub bootstrap: usize,
    /// Seed of the bootstrap and permutation draws (default 0).
    pub seed: u64,
    /// Coverage of the bootstrap interval, in (0, 1) (default 0.95).
    pub confidence: f64,
    /// Relabellings in the permutation test (default 1000).
    pub permutations: usize,
}

impl Default for AmplificationConfig {
    fn default() -> Self {
        AmplificationConfig {
            model: ImpressionModel::Logarithmic,
            attr: "viewpoint".into(),
            bootstrap: 1000,
            seed: 0,
            confidence: 0.95,
            permutations: 1000,
        }
    }
}

impl AmplificationConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::argument("confidence", format!("must be in (0, 1), got {}", self.confidence)));
        }
        if self.attr.is_empty() {
            return Err(Error::argument("attr", "must name an audit attribute"));
        }
        Ok(())
    }
}

/// Amplification of one group of authors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupAmplification {
    /// The attribute value (`(none)` for authors without it).
    pub group: String,
    /// Reach under the treatment pipeline.
    pub reach_treatment: f64,
    /// Reach under the control pipeline.
    pub reach_control: f64,
    /// `reach_treatment / reach_control − 1` (`None` when the control reach is 0).
    pub amplification: Option<f64>,
    /// Lower end of the bootstrap interval.
    pub ci_low: Option<f64>,
    /// Upper end of the bootstrap interval.
    pub ci_high: Option<f64>,
    /// The group's authors shown in at least one feed of either pipeline.
    pub authors: usize,
}

/// Amplification of one author.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorAmplification {
    /// The author's external id.
    pub author: String,
    /// The author's group.
    pub group: String,
    /// Reach under the treatment pipeline.
    pub reach_treatment: f64,
    /// Reach under the control pipeline (> 0).
    pub reach_control: f64,
    /// `reach_treatment / reach_control − 1`.
    pub amplification: f64,
}

/// A group's distribution of individual amplification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndividualSummary {
    /// The group.
    pub group: String,
    /// Authors with control reach > 0.
    pub authors: usize,
    /// Mean individual amplification.
    pub mean: f64,
    /// Median individual amplification.
    pub median: f64,
}

/// A permutation test of the difference between two groups' mean individual
/// amplification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PermutationTest {
    /// The two groups, `[a, b]`.
    pub groups: [String; 2],
    /// `mean(a) − mean(b)`.
    pub difference: f64,
    /// Two-sided p-value `(1 + #{|d_perm| ≥ |d_obs|}) / (1 + permutations)`.
    pub p_value: f64,
    /// Number of relabellings.
    pub permutations: usize,
}

/// Everything about one treatment/control comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AmplificationReport {
    /// Treatment pipeline name.
    pub treatment: String,
    /// Treatment fingerprint.
    pub treatment_fingerprint: String,
    /// Control pipeline name.
    pub control: String,
    /// Control fingerprint.
    pub control_fingerprint: String,
    /// Number of paired viewers.
    pub viewers: usize,
    /// The settings used.
    pub config: AmplificationConfig,
    /// Group-level amplification, by group name.
    pub groups: Vec<GroupAmplification>,
    /// Individual amplification, by group then author id.
    pub authors: Vec<AuthorAmplification>,
    /// Per-group summary of `authors`.
    pub summaries: Vec<IndividualSummary>,
    /// Permutation test between the two groups, when there are exactly two.
    pub gap: Option<PermutationTest>,
}

/// Group index of every user, and the sorted group names.
fn groups(ds: &Dataset, attr: &str) -> (Vec<usize>, Vec<String>) {
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for u in 0..ds.user_count() as u32 {
        names.insert(group_of(ds, UserId(u), attr), 0);
    }
    for (i, v) in names.values_mut().enumerate() {
        *v = i;
    }
    let of = (0..ds.user_count() as u32).map(|u| names[group_of(ds, UserId(u), attr)]).collect();
    (of, names.keys().map(|s| s.to_string()).collect())
}

/// Per viewer (row) and group (column), the reach of a feed list; row-major.
fn reach_matrix(ds: &Dataset, feeds: &[Feed], model: ImpressionModel, of: &[usize], g: usize) -> Vec<f64> {
    let mut m = vec![0.0; feeds.len() * g];
    for (v, feed) in feeds.iter().enumerate() {
        for item in &feed.items {
            m[v * g + of[ds.author(item.post).index()]] += model.weight(item.rank);
        }
    }
    m
}

fn ratio(treatment: f64, control: f64) -> Option<f64> {
    (control > 0.0).then(|| treatment / control - 1.0)
}

/// Group-level amplification of `treatment` over `control` (feeds for the same viewers
/// in the same order), with bootstrap intervals. Sorted by group name.
pub fn group_amplification(
    ds: &Dataset,
    treatment: &[Feed],
    control: &[Feed],
    cfg: &AmplificationConfig,
) -> Result<Vec<GroupAmplification>> {
    cfg.validate()?;
    check_feeds(ds, treatment, "treatment")?;
    check_feeds(ds, control, "control")?;
    check_paired(ds, treatment, control, ("treatment", "control"))?;
    let (of, names) = groups(ds, &cfg.attr);
    let g = names.len();
    let (mt, mc) =
        (reach_matrix(ds, treatment, cfg.model, &of, g), reach_matrix(ds, control, cfg.model, &of, g));
    let n = treatment.len();
    let column_sum = |m: &[f64], j: usize| (0..n).map(|v| m[v * g + j]).sum::<f64>();

    // Bootstrap: one shared resample of viewers per round for every group.
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(cfg.bootstrap); g];
    if n > 0 && cfg.bootstrap > 0 {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let (mut st, mut sc) = (vec![0.0; g], vec![0.0; g]);
        for _ in 0..cfg.bootstrap {
            st.iter_mut().chain(sc.iter_mut()).for_each(|x| *x = 0.0);
            for _ in 0..n {
                let v = rng.random_range(0..n as u64) as usize;
                for j in 0..g {
                    st[j] += mt[v * g + j];
                    sc[j] += mc[v * g + j];
                }
            }
            for j in 0..g {
                if let Some(r) = ratio(st[j], sc[j]) {
                    samples[j].push(r);
                }
            }
        }
    }

    let mut shown = vec![false; ds.user_count()];
    for feed in treatment.iter().chain(control) {
        for item in &feed.items {
            shown[ds.author(item.post).index()] = true;
        }
    }
    let alpha = (1.0 - cfg.confidence) / 2.0;
    Ok(names
        .into_iter()
        .enumerate()
        .map(|(j, group)| {
            let (reach_treatment, reach_control) = (column_sum(&mt, j), column_sum(&mc, j));
            let s = &mut samples[j];
            s.sort_by(f64::total_cmp);
            GroupAmplification {
                group,
                reach_treatment,
                reach_control,
                amplification: ratio(reach_treatment, reach_control),
                ci_low: quantile(s, alpha),
                ci_high: quantile(s, 1.0 - alpha),
                authors: shown.iter().zip(&of).filter(|&(&s, &o)| s && o == j).count(),
            }
        })
        .collect())
}

fn author_reach(ds: &Dataset, feeds: &[Feed], model: ImpressionModel) -> Vec<f64> {
    let mut reach = vec![0.0; ds.user_count()];
    for feed in feeds {
        for item in &feed.items {
            reach[ds.author(item.post).index()] += model.weight(item.rank);
        }
    }
    reach
}

/// Individual amplification of every author with control reach > 0, sorted by group then
/// author id.
pub fn individual_amplification(
    ds: &Dataset,
    treatment: &[Feed],
    control: &[Feed],
    cfg: &AmplificationConfig,
) -> Result<Vec<AuthorAmplification>> {
    cfg.validate()?;
    check_feeds(ds, treatment, "treatment")?;
    check_feeds(ds, control, "control")?;
    check_paired(ds, treatment, control, ("treatment", "control"))?;
    let (rt, rc) = (author_reach(ds, treatment, cfg.model), author_reach(ds, control, cfg.model));
    let mut out: Vec<AuthorAmplification> = (0..ds.user_count())
        .filter(|&a| rc[a] > 0.0)
        .map(|a| {
            let user = UserId(a as u32);
            AuthorAmplification {
                author: ds.user_name(user).to_string(),
                group: group_of(ds, user, &cfg.attr).to_string(),
                reach_treatment: rt[a],
                reach_control: rc[a],
                amplification: rt[a] / rc[a] - 1.0,
            }
        })
        .collect();
    out.sort_by(|x, y| x.group.cmp(&y.group).then_with(|| x.author.cmp(&y.author)));
    Ok(out)
}

/// Per group (sorted by name), the mean and median of individual amplification.
pub fn individual_summary(authors: &[AuthorAmplification]) -> Vec<IndividualSummary> {
    let mut by_group: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for a in authors {
        by_group.entry(&a.group).or_default().push(a.amplification);
    }
    by_group
        .into_iter()
        .map(|(group, values)| IndividualSummary {
            group: group.to_string(),
            authors: values.len(),
            mean: mean(&values).unwrap_or(0.0),
            median: median(&values).unwrap_or(0.0),
        })
        .collect()
}

/// Permutation test of `mean(individual amplification of a) − mean(… of b)`, with
/// `cfg.permutations` relabellings seeded by `cfg.seed`.
pub fn amplification_gap_test(
    authors: &[AuthorAmplification],
    a: &str,
    b: &str,
    cfg: &AmplificationConfig,
) -> Result<PermutationTest> {
    let pick = |g: &str| authors.iter().filter(|x| x.group == g).map(|x| x.amplification).collect::<Vec<_>>();
    let (xa, xb) = (pick(a), pick(b));
    for (name, group, values) in [("a", a, &xa), ("b", b, &xb)] {
        if values.is_empty() {
            return Err(Error::argument(name, format!("group `{group}` has no author with control reach")));
        }
    }
    let na = xa.len();
    let diff = |pooled: &[f64]| mean(&pooled[..na]).unwrap_or(0.0) - mean(&pooled[na..]).unwrap_or(0.0);
    let mut pooled: Vec<f64> = xa.iter().chain(&xb).copied().collect();
    let observed = diff(&pooled);
    // Tolerate rounding: a relabelling equal to the observed split must count.
    let threshold = observed.abs() - 1e-12 * observed.abs().max(1.0);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x5045_524D);
    let mut extreme = 0usize;
    for _ in 0..cfg.permutations {
        for i in (1..pooled.len()).rev() {
            let j = rng.random_range(0..=i as u64) as usize;
            pooled.swap(i, j);
        }
        if diff(&pooled).abs() >= threshold {
            extreme += 1;
        }
    }
    Ok(PermutationTest {
        groups: [a.to_string(), b.to_string()],
        difference: observed,
        p_value: (1 + extreme) as f64 / (1 + cfg.permutations) as f64,
        permutations: cfg.permutations,
    })
}

/// Ranks `viewers` with both pipelines (in parallel, through
/// [`Pipeline::rank_all`]) and reports group and individual amplification, with the gap
/// test when there are exactly two groups with authors.
pub fn amplification_report(
    ds: &Dataset,
    treatment: &Pipeline,
    control: &Pipeline,
    viewers: &[UserId],
    options: &RankOptions,
    cfg: &AmplificationConfig,
) -> Result<AmplificationReport> {
    let options = RankOptions { explain: crate::ExplainMode::Off, ..*options };
    let t = treatment.rank_all(ds, viewers, &options)?;
    let c = control.rank_all(ds, viewers, &options)?;
    let groups = group_amplification(ds, &t, &c, cfg)?;
    let authors = individual_amplification(ds, &t, &c, cfg)?;
    let summaries = individual_summary(&authors);
    let gap = match summaries.as_slice() {
        [a, b] => Some(amplification_gap_test(&authors, &a.group, &b.group, cfg)?),
        _ => None,
    };
    Ok(AmplificationReport {
        treatment: treatment.name().to_string(),
        treatment_fingerprint: treatment.fingerprint().to_string(),
        control: control.name().to_string(),
        control_fingerprint: control.fingerprint().to_string(),
        viewers: viewers.len(),
        config: cfg.clone(),
        groups,
        authors,
        summaries,
        gap,
    })
}
