//! `recency` factor: `0.5^(age_hours / half_life_hours)`.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::{
    hours, Combine, ExplainMode, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput,
};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`Recency`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecencyParams {
    /// Hours after which the factor halves (default 24; must be > 0).
    pub half_life_hours: f64,
}

impl Default for RecencyParams {
    fn default() -> Self {
        RecencyParams { half_life_hours: 24.0 }
    }
}

/// Exponential time decay: a post loses half its score every `half_life_hours`.
#[derive(Debug, Clone)]
pub struct Recency {
    params: RecencyParams,
}

impl Recency {
    /// Stage id.
    pub const ID: &'static str = "recency";

    /// Checks the parameters.
    pub fn new(params: RecencyParams) -> Result<Self> {
        let h = params.half_life_hours;
        if !h.is_finite() || h <= 0.0 {
            return Err(Error::spec(
                Self::ID,
                "half_life_hours",
                format!("must be a finite number > 0, got {h}"),
            ));
        }
        Ok(Recency { params })
    }

    fn value(&self, age_hours: f64) -> f64 {
        0.5f64.powf(age_hours / self.params.half_life_hours)
    }
}

impl Stage for Recency {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::Feature("age_hours".into())]
    }
}

impl Scorer for Recency {
    fn combine(&self) -> Combine {
        Combine::Factor
    }

    fn score(&self, _: &ViewerInput<'_>, _: &[PostId], features: &FeatureMatrix, out: &mut [f64]) {
        for (slot, &age) in out.iter_mut().zip(features.column("age_hours")) {
            *slot = self.value(age);
        }
    }

    fn explain(
        &self,
        _: &ViewerInput<'_>,
        _: PostId,
        features: &FeatureMatrix,
        row: usize,
        value: f64,
        _: ExplainMode,
    ) -> StageNote {
        let age = features.get(row, "age_hours");
        StageNote::says(format!(
            "posted {} ago; the score halves every {}, leaving {:.3}",
            hours(age),
            hours(self.params.half_life_hours),
            value
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_every_half_life() {
        let r = Recency::new(RecencyParams { half_life_hours: 6.0 }).unwrap();
        assert_eq!(r.value(0.0), 1.0);
        assert_eq!(r.value(6.0), 0.5);
        assert_eq!(r.value(12.0), 0.25);
    }

    #[test]
    fn rejects_non_positive_half_life() {
        let e = Recency::new(RecencyParams { half_life_hours: 0.0 }).unwrap_err();
        assert!(e.to_string().contains("recency") && e.to_string().contains("half_life_hours"), "{e}");
    }
}
