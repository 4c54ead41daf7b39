//! `author_affinity` factor: `1 + weight · a / (a + 1)`.
//!
//! `a` is the `author_affinity` feature: the viewer's own positive engagements (like,
//! repost, reply, quote, share, click, profile click) with the author's posts, each worth
//! `0.5^(age_hours / 168)` (a half-life of one week), computed once per feed by the engine.
//! `a / (a + 1)` saturates, so the boost lies in `[1, 1 + weight)`. This is profiling
//! based on the viewer's history (DSA Art. 38); `reads` says so. X's real-graph and
//! Bluesky's "following" affinities are models of the same idea; the formula is
//! glassfeed's own, chosen to be explainable.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::weighted_sum::sig;
use crate::stages::{
    Combine, ExplainMode, FeatureContribution, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput,
};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`AuthorAffinity`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthorAffinityParams {
    /// The largest possible boost above 1 (default 1.0; finite, ≥ 0).
    pub weight: f64,
}

impl Default for AuthorAffinityParams {
    fn default() -> Self {
        AuthorAffinityParams { weight: 1.0 }
    }
}

/// Boosts authors the viewer engaged with recently.
#[derive(Debug, Clone)]
pub struct AuthorAffinity {
    params: AuthorAffinityParams,
}

impl AuthorAffinity {
    /// Stage id.
    pub const ID: &'static str = "author_affinity";

    /// Checks the parameters.
    pub fn new(params: AuthorAffinityParams) -> Result<Self> {
        let w = params.weight;
        if !w.is_finite() || w < 0.0 {
            return Err(Error::spec(Self::ID, "weight", format!("must be a finite number ≥ 0, got {w}")));
        }
        Ok(AuthorAffinity { params })
    }

    fn value(&self, affinity: f64) -> f64 {
        1.0 + self.params.weight * affinity / (affinity + 1.0)
    }
}

impl Stage for AuthorAffinity {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::Feature("author_affinity".into()), Input::ViewerHistory]
    }
}

impl Scorer for AuthorAffinity {
    fn combine(&self) -> Combine {
        Combine::Factor
    }

    fn score(&self, _: &ViewerInput<'_>, _: &[PostId], features: &FeatureMatrix, out: &mut [f64]) {
        for (slot, &a) in out.iter_mut().zip(features.column("author_affinity")) {
            *slot = self.value(a);
        }
    }

    fn explain(
        &self,
        input: &ViewerInput<'_>,
        post: PostId,
        features: &FeatureMatrix,
        row: usize,
        value: f64,
        mode: ExplainMode,
    ) -> StageNote {
        let a = features.get(row, "author_affinity");
        let author = input.handle(input.ds.author(post));
        let why = if a > 0.0 {
            format!("you engaged with {author} recently (affinity {:.1}): ×{}", a, sig(value))
        } else {
            format!("no recent engagement with {author}: ×{}", sig(value))
        };
        let details = if mode == ExplainMode::Full {
            vec![FeatureContribution {
                feature: "author_affinity".into(),
                value: a,
                weight: Some(self.params.weight),
                contribution: None,
                missing: false,
            }]
        } else {
            Vec::new()
        };
        StageNote { why, details }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::reply::fixture;

    #[test]
    fn saturating_boost() {
        let s = AuthorAffinity::new(AuthorAffinityParams::default()).unwrap();
        assert_eq!(s.value(0.0), 1.0);
        assert_eq!(s.value(1.0), 1.5);
        assert_eq!(s.value(3.0), 1.75);
        let half = AuthorAffinity::new(AuthorAffinityParams { weight: 0.5 }).unwrap();
        // 1 + 0.5 · 4/5 = 1.4
        assert_eq!(half.value(4.0), 1.4);
        let off = AuthorAffinity::new(AuthorAffinityParams { weight: 0.0 }).unwrap();
        assert_eq!(off.value(10.0), 1.0);
    }

    #[test]
    fn rejects_negative_weight() {
        let e = AuthorAffinity::new(AuthorAffinityParams { weight: -0.1 }).unwrap_err();
        assert!(e.to_string().contains("author_affinity") && e.to_string().contains("`weight`"), "{e}");
    }

    #[test]
    fn explains_with_the_author_handle() {
        let s = AuthorAffinity::new(AuthorAffinityParams::default()).unwrap();
        // The viewer liked one of dana's posts exactly one half-life ago: affinity 0.5.
        let (values, notes) = fixture::run(&s, ExplainMode::Full);
        assert_eq!(values, vec![1.0 + 0.5 / 1.5, 1.0]);
        assert_eq!(notes[0].why, "you engaged with @dana recently (affinity 0.5): ×1.333");
        assert_eq!(notes[0].details[0].value, 0.5);
        assert_eq!(notes[1].why, "no recent engagement with @olaf: ×1");
    }
}
