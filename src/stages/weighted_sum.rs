//! `weighted_sum` term: `Σ_f w_f · t_f(x_f)` over any named features, summed in the order
//! the spec lists them, where `t_f` is `identity`, `log1p` (`ln(1 + x)`) or `sqrt`.
//!
//! A transparent, hand-tuned linear ranker: the kind of scoring a platform publishes when it
//! publishes "a like is worth 1, a repost 2". Features are the standard ones (DESIGN §3) or
//! any caller-supplied post feature (0 when a post lacks it; `full` explanations flag that).
//! `log1p` or `sqrt` of a value below −1 or 0 is NaN, which the engine reports as a
//! non-finite value naming the stage and post.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::{
    Combine, ExplainMode, FeatureContribution, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput,
};
use crate::Error;
use serde::{Deserialize, Serialize};

/// How a feature's value is transformed before it is weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transform {
    /// `x` itself (the default).
    #[default]
    Identity,
    /// `ln(1 + x)`: damps large counts.
    Log1p,
    /// `√x`: damps large counts less than `log1p`.
    Sqrt,
}

impl Transform {
    /// Applies the transform.
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Transform::Identity => x,
            Transform::Log1p => x.ln_1p(),
            Transform::Sqrt => x.sqrt(),
        }
    }

    /// `name` with the transform written around it, for sentences.
    fn around(self, name: &str) -> String {
        match self {
            Transform::Identity => name.to_string(),
            Transform::Log1p => format!("ln(1 + {name})"),
            Transform::Sqrt => format!("√{name}"),
        }
    }
}

/// One weighted feature of [`WeightedSum`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedFeature {
    /// Feature name (standard or caller-supplied; must not be empty).
    pub feature: String,
    /// Weight (any finite number).
    pub weight: f64,
    /// Transform applied to the value before weighting (default `identity`).
    #[serde(default)]
    pub transform: Transform,
}

/// Parameters of [`WeightedSum`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeightedSumParams {
    /// The weighted features, summed in this order (default none: the term is 0).
    pub weights: Vec<WeightedFeature>,
}

/// A linear combination of (transformed) features.
#[derive(Debug, Clone)]
pub struct WeightedSum {
    params: WeightedSumParams,
}

impl WeightedSum {
    /// Stage id.
    pub const ID: &'static str = "weighted_sum";

    /// Checks the parameters: every feature name non-empty, every weight finite.
    pub fn new(params: WeightedSumParams) -> Result<Self> {
        for (i, wf) in params.weights.iter().enumerate() {
            if wf.feature.trim().is_empty() {
                return Err(Error::spec(Self::ID, &format!("weights[{i}].feature"), "must not be empty"));
            }
            if !wf.weight.is_finite() {
                return Err(Error::spec(
                    Self::ID,
                    &format!("weights[{i}].weight"),
                    format!("weight of `{}` must be finite, got {}", wf.feature, wf.weight),
                ));
            }
        }
        Ok(WeightedSum { params })
    }

    /// The sum for feature values given in list order (tests and explanations).
    #[cfg(test)]
    fn value(&self, xs: &[f64]) -> f64 {
        self.params.weights.iter().zip(xs).fold(0.0, |sum, (wf, &x)| sum + wf.weight * wf.transform.apply(x))
    }
}

impl Stage for WeightedSum {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        let mut reads: Vec<Input> = Vec::new();
        for wf in &self.params.weights {
            let input = Input::Feature(wf.feature.clone());
            if !reads.contains(&input) {
                reads.push(input);
            }
        }
        reads
    }
}

impl Scorer for WeightedSum {
    fn combine(&self) -> Combine {
        Combine::Term
    }

    fn score(&self, _: &ViewerInput<'_>, _: &[PostId], features: &FeatureMatrix, out: &mut [f64]) {
        // Column by column: each row still accumulates `0 + c_1 + c_2 + …` in list order.
        out.fill(0.0);
        for wf in &self.params.weights {
            for (slot, &x) in out.iter_mut().zip(features.column(&wf.feature)) {
                *slot += wf.weight * wf.transform.apply(x);
            }
        }
    }

    fn explain(
        &self,
        _input: &ViewerInput<'_>,
        _post: PostId,
        features: &FeatureMatrix,
        row: usize,
        value: f64,
        mode: ExplainMode,
    ) -> StageNote {
        const SHOWN: usize = 6;
        if self.params.weights.is_empty() {
            return StageNote::says("no features are weighted: the term is 0");
        }
        let mut parts = Vec::new();
        let mut missing: Vec<&str> = Vec::new();
        let mut details = Vec::new();
        for wf in &self.params.weights {
            let x = features.get(row, &wf.feature);
            let contribution = wf.weight * wf.transform.apply(x);
            let absent = features.is_missing(row, &wf.feature);
            if absent && !missing.contains(&wf.feature.as_str()) {
                missing.push(&wf.feature);
            }
            if parts.len() < SHOWN {
                parts.push(format!(
                    "{} × {}",
                    sig(wf.weight),
                    wf.transform.around(&format!("{} ({})", wf.feature, sig(x)))
                ));
            }
            if mode == ExplainMode::Full {
                details.push(FeatureContribution {
                    feature: wf.feature.clone(),
                    value: x,
                    weight: Some(wf.weight),
                    contribution: Some(contribution),
                    missing: absent,
                });
            }
        }
        let more = self.params.weights.len().saturating_sub(SHOWN);
        let mut why = format!("weighted sum: {}", parts.join(" + "));
        if more > 0 {
            why.push_str(&format!(" + {more} more"));
        }
        why.push_str(&format!(" = {}", sig(value)));
        if !missing.is_empty() {
            why.push_str(&format!("; not supplied for this post, counted as 0: {}", missing.join(", ")));
        }
        StageNote { why, details }
    }
}

/// A number with about 4 significant digits, for sentences (`12`, `0.05956`, `1.5e-5`).
pub(crate) fn sig(x: f64) -> String {
    let mut out = String::new();
    push_sig(&mut out, x);
    out
}

/// Appends [`sig`]`(x)` to `out` (formatted on the stack: no allocation of its own).
pub(crate) fn push_sig(out: &mut String, x: f64) {
    use std::fmt::Write;
    let mut buf = StackText::default();
    let a = x.abs();
    if x == 0.0 || !x.is_finite() {
        let _ = write!(buf, "{x}");
        out.push_str(buf.as_str());
        return;
    }
    if !(1e-4..1e7).contains(&a) {
        let _ = write!(buf, "{x:.3e}");
        out.push_str(buf.as_str());
        return;
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    let _ = write!(buf, "{x:.decimals$}");
    let s = buf.as_str();
    if s.contains('.') {
        out.push_str(s.trim_end_matches('0').trim_end_matches('.'));
    } else {
        out.push_str(s);
    }
}

/// A short text written on the stack (numbers for sentences); longer writes fail.
struct StackText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        StackText { bytes: [0; 64], len: 0 }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("only whole strs are written")
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wf(feature: &str, weight: f64, transform: Transform) -> WeightedFeature {
        WeightedFeature { feature: feature.into(), weight, transform }
    }

    #[test]
    fn sums_transformed_features_in_order() {
        let s = WeightedSum::new(WeightedSumParams {
            weights: vec![
                wf("likes", 0.5, Transform::Identity),
                wf("reposts", 2.0, Transform::Log1p),
                wf("replies", 3.0, Transform::Sqrt),
            ],
        })
        .unwrap();
        // 0.5·12 + 2·ln(1 + e − 1) + 3·√16 = 6 + 2 + 12 = 20
        assert_eq!(s.value(&[12.0, std::f64::consts::E - 1.0, 16.0]), 20.0);
        assert_eq!(s.value(&[0.0, 0.0, 0.0]), 0.0);
        assert!(s.value(&[0.0, 0.0, -1.0]).is_nan(), "√−1 is the engine's NonFinite error");
        let empty = WeightedSum::new(WeightedSumParams::default()).unwrap();
        assert_eq!(empty.value(&[]), 0.0);
    }

    #[test]
    fn parses_with_identity_default_and_dedupes_reads() {
        let p: WeightedSumParams = serde_json::from_str(
            r#"{"weights": [{"feature": "likes", "weight": 1}, {"feature": "likes", "weight": 1, "transform": "log1p"}]}"#,
        )
        .unwrap();
        assert_eq!(p.weights[0].transform, Transform::Identity);
        let s = WeightedSum::new(p).unwrap();
        assert_eq!(s.reads(), vec![Input::Feature("likes".into())]);
        assert_eq!(s.params()["weights"][0]["transform"], "identity");
        assert!(serde_json::from_str::<WeightedSumParams>(r#"{"weights": [], "extra": 1}"#).is_err());
        assert!(serde_json::from_str::<WeightedSumParams>(
            r#"{"weights": [{"feature": "likes", "weight": 1, "transform": "exp"}]}"#
        )
        .is_err());
    }

    #[test]
    fn rejects_bad_entries_naming_stage_and_parameter() {
        let e = WeightedSum::new(WeightedSumParams { weights: vec![wf("", 1.0, Transform::Identity)] })
            .unwrap_err();
        assert!(
            e.to_string().contains("weighted_sum") && e.to_string().contains("weights[0].feature"),
            "{e}"
        );
        let e = WeightedSum::new(WeightedSumParams {
            weights: vec![
                wf("likes", 1.0, Transform::Identity),
                wf("reposts", f64::INFINITY, Transform::Identity),
            ],
        })
        .unwrap_err();
        assert!(e.to_string().contains("weighted_sum") && e.to_string().contains("weights[1].weight"), "{e}");
    }

    #[test]
    fn formats_numbers_for_people() {
        assert_eq!(sig(12.0), "12");
        assert_eq!(sig(0.059559135), "0.05956");
        assert_eq!(sig(-1.5), "-1.5");
        assert_eq!(sig(12578.1554889), "12578");
        assert_eq!(sig(0.0), "0");
        assert_eq!(sig(6.755e-5), "6.755e-5");
    }

    #[test]
    fn explains_each_feature_and_flags_missing_ones() {
        let s = WeightedSum::new(WeightedSumParams {
            weights: vec![
                wf("likes", 0.5, Transform::Identity),
                wf("reposts", 2.0, Transform::Log1p),
                wf("p_fav", 10.0, Transform::Identity),
                wf("quality", 1.0, Transform::Sqrt),
            ],
        })
        .unwrap();
        // p1: 0.5·12 + 2·ln(1 + 0) + 10·0.2 + 1·√0 = 8; p2 has no likes and no p_fav.
        let (values, notes) = crate::stages::reply::fixture::run(&s, ExplainMode::Full);
        assert_eq!(values, vec![8.0, 0.0]);
        assert_eq!(
            notes[0].why,
            "weighted sum: 0.5 × likes (12) + 2 × ln(1 + reposts (0)) + 10 × p_fav (0.2) + 1 × √quality (0) = 8; \
             not supplied for this post, counted as 0: quality"
        );
        let d = &notes[0].details;
        assert_eq!(
            (d[0].value, d[0].weight, d[0].contribution, d[0].missing),
            (12.0, Some(0.5), Some(6.0), false)
        );
        assert!(d[3].missing && !d[2].missing);
        assert!(notes[1].why.ends_with("counted as 0: p_fav, quality"), "{}", notes[1].why);
    }
}
