//! `compare(viewer, a, b)`: which stages put one post above another, stage by stage.

use crate::engine::explain::{Explanation, Outcome, StageValue};
use crate::engine::RankOptions;
use crate::error::Result;
use crate::model::{Dataset, PostId, UserId};
use crate::pipeline::Pipeline;
use serde::{Deserialize, Serialize};

/// One stage's part in the gap between two posts' scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageDelta {
    /// Stage id.
    pub stage: String,
    /// `term`, `factor` or `rescore`.
    pub role: String,
    /// The stage's value for post `a`.
    pub a: f64,
    /// The stage's value for post `b`.
    pub b: f64,
    /// This stage's share of `ln(score_a / score_b)`, when both scores are positive. The
    /// shares add up to the log ratio: terms split the log ratio of the term sums in
    /// proportion to their differences; factors and rescores contribute `ln(a / b)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_share: Option<f64>,
}

/// Why one post ranks above another in a viewer's feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The first post's story.
    pub a: Explanation,
    /// The second post's story.
    pub b: Explanation,
    /// Stage-by-stage attribution of the score gap (both posts scored).
    pub stages: Vec<StageDelta>,
    /// A sentence.
    pub summary: String,
}

fn deltas(a: &[StageValue], b: &[StageValue], role: &str) -> Vec<StageDelta> {
    a.iter()
        .zip(b)
        .map(|(x, y)| StageDelta {
            stage: x.stage.clone(),
            role: role.into(),
            a: x.value,
            b: y.value,
            log_share: None,
        })
        .collect()
}

fn attribute(a: &Explanation, b: &Explanation) -> (Vec<StageDelta>, Option<f64>) {
    let mut terms = deltas(&a.terms, &b.terms, "term");
    let mut factors = deltas(&a.factors, &b.factors, "factor");
    factors.extend(deltas(&a.rescores, &b.rescores, "rescore"));
    let (sa, sb) = (a.score.unwrap_or(0.0), b.score.unwrap_or(0.0));
    let positive = sa > 0.0 && sb > 0.0 && factors.iter().all(|d| d.a > 0.0 && d.b > 0.0);
    if positive {
        let ta: f64 = if terms.is_empty() { 1.0 } else { terms.iter().map(|d| d.a).sum() };
        let tb: f64 = if terms.is_empty() { 1.0 } else { terms.iter().map(|d| d.b).sum() };
        let term_log = (ta / tb).ln();
        for d in &mut terms {
            d.log_share = Some(if ta == tb { 0.0 } else { term_log * (d.a - d.b) / (ta - tb) });
        }
        for d in &mut factors {
            d.log_share = Some((d.a / d.b).ln());
        }
    }
    terms.extend(factors);
    (terms, positive.then(|| (sa / sb).ln()))
}

fn status(e: &Explanation) -> String {
    match &e.outcome {
        Outcome::Selected => {
            format!("is at rank {} (score {:.4})", e.rank.unwrap_or(0), e.score.unwrap_or(0.0))
        }
        Outcome::Cut { rank, .. } => {
            format!("ranks {rank}, below the cut (score {:.4})", e.score.unwrap_or(0.0))
        }
        Outcome::Filtered { stage, reason, .. } => format!("was removed by `{stage}` ({reason})"),
        Outcome::NotSourced { .. } => "was not proposed by any source".to_string(),
    }
}

impl Pipeline {
    /// Compares two posts in a viewer's feed: each one's story and, when both were scored,
    /// how much each stage contributed to the gap.
    pub fn compare(
        &self,
        ds: &Dataset,
        viewer: UserId,
        a: PostId,
        b: PostId,
        options: &RankOptions,
    ) -> Result<Comparison> {
        let a = self.why_not(ds, viewer, a, options)?;
        let b = self.why_not(ds, viewer, b, options)?;
        let (stages, log_ratio) =
            if a.score.is_some() && b.score.is_some() { attribute(&a, &b) } else { (Vec::new(), None) };
        let mut summary = format!("{} {}; {} {}.", a.post, status(&a), b.post, status(&b));
        if let Some(total) = log_ratio {
            let top = stages
                .iter()
                .filter_map(|d| d.log_share.map(|s| (d, s)))
                .max_by(|x, y| x.1.abs().total_cmp(&y.1.abs()).then_with(|| y.0.stage.cmp(&x.0.stage)));
            if let Some((d, share)) = top {
                let (hi, lo) = if total >= 0.0 { (&a.post, &b.post) } else { (&b.post, &a.post) };
                summary.push_str(&format!(
                    " {hi} scores {:.2}× {lo}; the largest part comes from `{}` ({}).",
                    total.abs().exp(),
                    d.stage,
                    if (share >= 0.0) == (total >= 0.0) { "for it" } else { "against it" }
                ));
            }
        }
        Ok(Comparison { a, b, stages, summary })
    }
}
