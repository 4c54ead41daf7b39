//! `bridging` scorer: rewards posts that people on both sides of the inferred viewpoint
//! axis endorse — the post intercept `i_p` of the Community Notes matrix factorisation
//! (see [`crate::bridging`] and ALGORITHM.md §9).
//!
//! As a term the value is `weight · i_p`; as a factor it is `exp(weight · i_p)`. A post with
//! fewer than `min_raters` raters has no bridging score: the term is 0 and the factor 1, and
//! the explanation says so. Viewpoints are inferred from ratings; user attributes are
//! never read.

use crate::bridging::{BridgingConfig, BridgingModel};
use crate::error::Result;
use crate::model::PostId;
use crate::stages::{
    Combine, ExplainMode, FeatureContribution, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput,
};
use crate::{Dataset, Error};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Whether the bridging score is added or multiplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BridgingMode {
    /// Add `weight · i_p`.
    Term,
    /// Multiply by `exp(weight · i_p)`.
    Factor,
}

/// Parameters of [`Bridging`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BridgingParams {
    /// `term` (default) or `factor`.
    pub mode: BridgingMode,
    /// Scale of `i_p` (default 1.0, finite).
    pub weight: f64,
    /// Posts with fewer raters get no bridging score (default 5, Community Notes'
    /// `minNumRatersPerNote`).
    pub min_raters: u32,
    /// Seed of the fit's initialisation (default 0).
    pub seed: u64,
}

impl Default for BridgingParams {
    fn default() -> Self {
        BridgingParams { mode: BridgingMode::Term, weight: 1.0, min_raters: 5, seed: 0 }
    }
}

/// The bridging scorer. The model is fitted once per dataset snapshot and cached in it.
#[derive(Debug, Clone)]
pub struct Bridging {
    params: BridgingParams,
    config: BridgingConfig,
}

impl Bridging {
    /// Stage id.
    pub const ID: &'static str = "bridging";

    /// Checks the parameters.
    pub fn new(params: BridgingParams) -> Result<Self> {
        if !params.weight.is_finite() {
            return Err(Error::spec(Self::ID, "weight", format!("must be finite, got {}", params.weight)));
        }
        if params.min_raters == 0 {
            return Err(Error::spec(Self::ID, "min_raters", "must be at least 1"));
        }
        let config =
            BridgingConfig { min_raters: params.min_raters, seed: params.seed, ..BridgingConfig::default() };
        Ok(Bridging { params, config })
    }

    fn model(&self, ds: &Dataset) -> Arc<BridgingModel> {
        ds.bridging_model(&self.config).expect("the engine prepares the model before scoring")
    }

    fn value(&self, intercept: Option<f64>) -> f64 {
        match (intercept, self.params.mode) {
            (Some(i), BridgingMode::Term) => self.params.weight * i,
            (Some(i), BridgingMode::Factor) => (self.params.weight * i).exp(),
            (None, BridgingMode::Term) => 0.0,
            (None, BridgingMode::Factor) => 1.0,
        }
    }
}

impl Stage for Bridging {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::Engagements]
    }
    fn prepare(&self, ds: &Dataset) -> Result<()> {
        ds.bridging_model(&self.config).map(|_| ())
    }
}

impl Scorer for Bridging {
    fn combine(&self) -> Combine {
        match self.params.mode {
            BridgingMode::Term => Combine::Term,
            BridgingMode::Factor => Combine::Factor,
        }
    }

    fn score(&self, input: &ViewerInput<'_>, posts: &[PostId], _: &FeatureMatrix, out: &mut [f64]) {
        let model = self.model(input.ds);
        for (slot, &p) in out.iter_mut().zip(posts) {
            *slot = self.value(model.post_intercept(p));
        }
    }

    fn explain(
        &self,
        input: &ViewerInput<'_>,
        post: PostId,
        _: &FeatureMatrix,
        _: usize,
        value: f64,
        mode: ExplainMode,
    ) -> StageNote {
        let model = self.model(input.ds);
        let (negative, positive) = model.raters(post);
        let Some(intercept) = model.post_intercept(post) else {
            return StageNote::says(format!(
                "rated by {} people, fewer than the {} needed for a bridging score",
                model.rater_count(post),
                self.params.min_raters
            ));
        };
        let factor = model.post_factor(post).unwrap_or(0.0);
        let verdict =
            if intercept > 0.0 { "endorsed across the divide" } else { "not endorsed across the divide" };
        let mut note = StageNote::says(format!(
            "{verdict}: bridging score {intercept:.3} (polarity {factor:.3}) from {negative} raters on one side of \
             the inferred viewpoint axis and {positive} on the other; {} {value:.4}",
            if self.params.mode == BridgingMode::Term { "adds" } else { "multiplies by" }
        ));
        if mode == ExplainMode::Full {
            let detail = |feature: &str, value: f64| FeatureContribution {
                feature: feature.to_string(),
                value,
                weight: None,
                contribution: None,
                missing: false,
            };
            note.details = vec![
                FeatureContribution { weight: Some(self.params.weight), ..detail("i_p", intercept) },
                detail("f_p", factor),
                detail("raters_negative_side", negative as f64),
                detail("raters_positive_side", positive as f64),
            ];
        }
        note
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_and_factor_values() {
        let t = Bridging::new(BridgingParams { weight: 2.0, ..Default::default() }).unwrap();
        assert_eq!(t.value(Some(0.25)), 0.5);
        assert_eq!(t.value(None), 0.0);
        let f = Bridging::new(BridgingParams { mode: BridgingMode::Factor, ..Default::default() }).unwrap();
        assert_eq!(f.value(Some(0.5)), 0.5f64.exp());
        assert_eq!(f.value(None), 1.0);
        let e = Bridging::new(BridgingParams { weight: f64::NAN, ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("bridging") && e.to_string().contains("weight"));
    }
}
