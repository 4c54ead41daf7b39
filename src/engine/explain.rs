//! Explanation records (DESIGN §4): one per candidate, serde-serialisable, from which the
//! score can be recomputed bit for bit.
//!
//! What a record may say to its viewer is the privacy rule on [`Explanation`].

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

impl Outcome {
    /// The `stage` of [`Outcome::unavailable`].
    pub const UNAVAILABLE_STAGE: &'static str = "unavailable";
    /// The `reason` of [`Outcome::unavailable`].
    pub const UNAVAILABLE_REASON: &'static str = "this post is not available to you";

    /// The outcome of every post that is not available to the viewer (see the module
    /// docs): it says that much and nothing more.
    ///
    /// ```
    /// use glassfeed::Outcome;
    /// let json = serde_json::to_string(&Outcome::unavailable()).unwrap();
    /// assert_eq!(
    ///     json,
    ///     r#"{"filtered":{"stage":"unavailable","reason":"this post is not available to you","decided_by":"platform"}}"#
    /// );
    /// ```
    pub fn unavailable() -> Outcome {
        Outcome::Filtered {
            stage: Self::UNAVAILABLE_STAGE.to_string(),
            reason: Self::UNAVAILABLE_REASON.to_string(),
            decided_by: DecidedBy::Platform,
        }
    }

    /// True for [`Outcome::unavailable`].
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Outcome::Filtered { stage, .. } if stage == Self::UNAVAILABLE_STAGE)
    }
}

/// The story of one post in one viewer's feed.
///
/// # Privacy
///
/// An explanation is shown to its viewer `V`, so it tells `V` only what `V` may see. Every
/// field counts, not only the sentences (`why`, `reason`, `summary`): source notes,
/// feature names and values, per-feature details and outcomes alike.
///
/// * **Posts.** A post is *not available* to `V` when its author — or, for a repost, the
///   author of the original — blocks `V` or is blocked by `V`, or when one of the
///   pipeline's `policy_labels` filters drops it. The engine removes such a post from
///   every feed (even under a spec without a `blocked` filter), and every record of it —
///   in [`Pipeline::rank`](crate::Pipeline::rank), [`Pipeline::why_not`](crate::Pipeline::why_not)
///   and [`Pipeline::compare`](crate::Pipeline::compare) — is the same: viewer, post id,
///   pipeline, fingerprint and the outcome [`Outcome::unavailable`]
///   (`{"filtered": {"stage": "unavailable", "reason": "this post is not available to you",
///   "decided_by": "platform"}}`), with no source, features, terms, factors, score or rank.
///   The record does not say why, nor who decided: a block by the author, a block by `V` and
///   the platform's policy all read alike, so it never reveals that someone blocks `V`, nor
///   who wrote the post. `decided_by` is `platform` because the platform's rule (blocks
///   work both ways; policy labels apply to all) removes it. No other record names an
///   unavailable post (a repost of one is itself unavailable).
/// * **Accounts.** A record about an available post may name the post's author and, for
///   a repost, the original's author (`V` sees the post and its authors anyway: "you do not
///   follow @d", "2nd post by @d"). Any other account — the followees whose engagement is
///   social proof, say — is named only when `V` follows it. No record ever names an
///   account that blocks `V` or that `V` blocks; since such an account's posts are
///   unavailable, it cannot be an author named above, and social proof neither counts nor
///   names followees blocked in either direction.
/// * A reply to an unavailable post stays available (its own author is visible to `V`);
///   its record says it is a reply (`is_reply`) but never names the parent or its author.
///
/// `tests/privacy.rs` checks the rule over synthetic and arbitrary worlds, every preset and
/// every viewer.
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
