//! Explanation records (DESIGN §4): one per candidate, serde-serialisable, from which the
//! score can be recomputed bit for bit.

use crate::stages::{DecidedBy, FeatureContribution};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which source proposed a candidate, and why (in words that obey the privacy rule).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceNote {
    /// Source stage id.
    pub stage: String,
    /// A sentence.
    pub why: String,
}

/// One term, factor or rescore in an explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageValue {
    /// Stage id.
    pub stage: String,
    /// The value the stage contributed.
    pub value: f64,
    /// A sentence.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
    /// Per-feature details (`full` mode).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FeatureContribution>,
}

/// What happened to a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// In the feed.
    Selected,
    /// Removed by a filter.
    Filtered {
        /// Filter stage id.
        stage: String,
        /// A sentence.
        reason: String,
        /// Who decided.
        decided_by: DecidedBy,
    },
    /// Scored, but ranked below the cut (or over a selector cap).
    Cut {
        /// Position in the full ranked list (1-based).
        rank: u32,
        /// The feed length asked for.
        k: u32,
    },
    /// No source proposed it.
    NotSourced {
        /// Why each source passed it over.
        why: String,
    },
}

/// The story of one post in one viewer's feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Viewer's external id.
    pub viewer: String,
    /// Post's external id.
    pub post: String,
    /// Pipeline name.
    pub pipeline: String,
    /// Pipeline fingerprint (`sha256:…`).
    pub fingerprint: String,
    /// The source that proposed the post (absent when not sourced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceNote>,
    /// Hydrated feature values (`full` mode).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub features: BTreeMap<String, f64>,
    /// Additive terms, in pipeline order.
    #[serde(default)]
    pub terms: Vec<StageValue>,
    /// Multiplicative factors, in pipeline order.
    #[serde(default)]
    pub factors: Vec<StageValue>,
    /// List-wise rescoring multipliers, in pipeline order.
    #[serde(default)]
    pub rescores: Vec<StageValue>,
    /// Final score (absent when filtered or not sourced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Position: in the feed when selected, in the full ranking when cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
    /// What happened.
    pub outcome: Outcome,
    /// The work limits that truncated this feed, one sentence each (see
    /// [`Limits`](crate::Limits)); absent when none did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<String>,
}

impl Explanation {
    /// Recomputes the score from the listed terms, factors and rescores in the documented
    /// order: `s = 0; s += term…` (or `s = 1` with no terms), then `s *= factor…`, then
    /// `s *= rescore…`. For a scored candidate this equals [`Explanation::score`] exactly.
    pub fn recompute_score(&self) -> f64 {
        let mut s = if self.terms.is_empty() { 1.0 } else { 0.0 };
        for t in &self.terms {
            s += t.value;
        }
        for f in &self.factors {
            s *= f.value;
        }
        for r in &self.rescores {
            s *= r.value;
        }
        s
    }

    /// True when the post is in the feed.
    pub fn is_selected(&self) -> bool {
        self.outcome == Outcome::Selected
    }

    /// A few sentences for people: where the post came from, what moved its score, and
    /// what happened to it.
    pub fn to_sentences(&self) -> String {
        let mut out = String::new();
        if let Some(src) = &self.source {
            out.push_str(&format!("Found by `{}`: {}.", src.stage, src.why));
        }
        for (kind, list) in
            [("adds", &self.terms), ("multiplies by", &self.factors), ("multiplies by", &self.rescores)]
        {
            for v in list {
                out.push_str(&format!(" `{}` {kind} {:.4}", v.stage, v.value));
                if !v.why.is_empty() {
                    out.push_str(&format!(" ({})", v.why));
                }
                out.push('.');
            }
        }
        match &self.outcome {
            Outcome::Selected => out.push_str(&format!(
                " Score {:.4}, rank {}.",
                self.score.unwrap_or(0.0),
                self.rank.unwrap_or(0)
            )),
            Outcome::Filtered { stage, reason, decided_by } => {
                out.push_str(&format!(" Removed by `{stage}` ({decided_by:?}): {reason}."))
            }
            Outcome::Cut { rank, k } => out.push_str(&format!(
                " Score {:.4} ranked {rank}, below the top {k}.",
                self.score.unwrap_or(0.0)
            )),
            Outcome::NotSourced { why } => out.push_str(&format!("Not proposed by any source: {why}.")),
        }
        out.trim_start().to_string()
    }
}
