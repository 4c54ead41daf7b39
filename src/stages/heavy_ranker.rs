//! `heavy_ranker` term: X's published combination of engagement predictions.
//!
//! `S = Σ_i w_i · p_i`, summed in sorted feature-name order from 0, where `p_i` is a
//! caller-supplied prediction feature (e.g. `p_reply`; 0 when a post lacks it). Then
//!
//! * `S < 0`: `(S + N) / (P + N) · 0.001`, squeezing negative scores into `[0, 0.001)`;
//! * `S ≥ 0`: `S + 0.001`;
//! * all weights 0 (`P + N = 0`): `max(S, 0)`,
//!
//! with `P = Σ positive w_i` and `N = |Σ negative w_i|` (each summed in sorted name order).
//!
//! Origin: the default weights are those published in twitter/the-algorithm-ml
//! `projects/home/recap/README.md` (2023-04-05); the combination with its `0.001` epsilon
//! and negative-score normalisation is home-mixer's `RerankerUtil.aggregateWeightedScores`
//! (twitter/the-algorithm) with negative heads weighted like the others. X's real
//! predictions come from a neural network; here they are whatever the caller supplies.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::weighted_sum::{push_sig, sig};
use crate::stages::{
    Combine, ExplainMode, FeatureContribution, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput,
};
use crate::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Added to non-negative sums and scaling squeezed negative ones (home-mixer's `Epsilon`).
pub const EPSILON: f64 = 0.001;

/// The published default weights (the-algorithm-ml `projects/home/recap/README.md`, 2023-04-05).
pub const DEFAULT_WEIGHTS: [(&str, f64); 10] = [
    ("p_fav", 0.5),
    ("p_retweet", 1.0),
    ("p_reply", 13.5),
    ("p_good_profile_click", 12.0),
    ("p_video_playback50", 0.005),
    ("p_reply_engaged_by_author", 75.0),
    ("p_good_click", 11.0),
    ("p_good_click_v2", 10.0),
    ("p_negative_feedback_v2", -74.0),
    ("p_report", -369.0),
];

/// Parameters of [`HeavyRanker`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeavyRankerParams {
    /// Prediction feature → weight (default [`DEFAULT_WEIGHTS`]; names non-empty, weights
    /// finite). A spec that gives `weights` replaces the whole table.
    pub weights: BTreeMap<String, f64>,
}

impl Default for HeavyRankerParams {
    fn default() -> Self {
        HeavyRankerParams { weights: DEFAULT_WEIGHTS.iter().map(|&(f, w)| (f.to_string(), w)).collect() }
    }
}

/// X's heavy-ranker score from engagement predictions.
#[derive(Debug, Clone)]
pub struct HeavyRanker {
    params: HeavyRankerParams,
    /// `P`: the sum of the positive weights.
    positive: f64,
    /// `N`: the magnitude of the sum of the negative weights.
    negative: f64,
    /// The weights, `N` and `P + N` as sentences print them (formatted once).
    shown: Shown,
}

/// Numbers of a [`HeavyRanker`]'s sentences that do not depend on the post.
#[derive(Debug, Clone)]
struct Shown {
    weights: Vec<String>,
    negative: String,
    total: String,
}

impl HeavyRanker {
    /// Stage id.
    pub const ID: &'static str = "heavy_ranker";

    /// Checks the parameters.
    pub fn new(params: HeavyRankerParams) -> Result<Self> {
        for (feature, &w) in &params.weights {
            if feature.trim().is_empty() {
                return Err(Error::spec(Self::ID, "weights", "feature names must not be empty"));
            }
            if !w.is_finite() {
                return Err(Error::spec(
                    Self::ID,
                    "weights",
                    format!("weight of `{feature}` must be finite, got {w}"),
                ));
            }
        }
        let positive = params.weights.values().filter(|&&w| w > 0.0).sum::<f64>();
        let negative = params.weights.values().filter(|&&w| w < 0.0).sum::<f64>().abs();
        let shown = Shown {
            weights: params.weights.values().map(|&w| sig(w)).collect(),
            negative: sig(negative),
            total: sig(positive + negative),
        };
        Ok(HeavyRanker { params, positive, negative, shown })
    }

    /// The final score from the weighted sum `S`.
    fn finish(&self, s: f64) -> f64 {
        let total = self.positive + self.negative;
        if total == 0.0 {
            if s < 0.0 {
                0.0
            } else {
                s
            }
        } else if s < 0.0 {
            (s + self.negative) / total * EPSILON
        } else {
            s + EPSILON
        }
    }

    /// `S` for predictions by name (missing ones are 0), in sorted name order.
    #[cfg(test)]
    fn sum(&self, predictions: &[(&str, f64)]) -> f64 {
        let p = |f: &str| predictions.iter().find(|(n, _)| *n == f).map_or(0.0, |&(_, v)| v);
        self.params.weights.iter().fold(0.0, |s, (f, &w)| s + w * p(f))
    }
}

impl Stage for HeavyRanker {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        self.params.weights.keys().map(|f| Input::Feature(f.clone())).collect()
    }
}

impl Scorer for HeavyRanker {
    fn combine(&self) -> Combine {
        Combine::Term
    }

    fn score(&self, _: &ViewerInput<'_>, _: &[PostId], features: &FeatureMatrix, out: &mut [f64]) {
        // Column by column: each row still accumulates `0 + w_1 p_1 + w_2 p_2 + …` in name order.
        out.fill(0.0);
        for (feature, &w) in &self.params.weights {
            let column = features.column(feature);
            match column.as_slice() {
                Some(column) => out.iter_mut().zip(column).for_each(|(slot, &p)| *slot += w * p),
                None => out.iter_mut().zip(column).for_each(|(slot, &p)| *slot += w * p),
            }
        }
        for slot in out.iter_mut() {
            *slot = self.finish(*slot);
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
        let mut s = 0.0;
        // (contribution, feature, index of the weight, prediction)
        let weights = self.params.weights.len();
        let mut terms: Vec<(f64, &str, usize, f64)> = Vec::with_capacity(weights);
        let mut missing: Vec<&str> = Vec::new();
        let mut details = Vec::with_capacity(if mode == ExplainMode::Full { weights } else { 0 });
        for (i, (feature, &w)) in self.params.weights.iter().enumerate() {
            let p = features.get(row, feature);
            s += w * p;
            let absent = features.is_missing(row, feature);
            if absent {
                missing.push(feature);
            } else if w * p != 0.0 {
                terms.push((w * p, feature, i, p));
            }
            if mode == ExplainMode::Full {
                details.push(FeatureContribution {
                    feature: feature.clone(),
                    value: p,
                    weight: Some(w),
                    contribution: Some(w * p),
                    missing: absent,
                });
            }
        }
        // The largest contributions first (ties by name: deterministic).
        terms.sort_unstable_by(|a, b| b.0.abs().total_cmp(&a.0.abs()).then(a.1.cmp(b.1)));
        let mut why = String::with_capacity(160);
        if terms.is_empty() {
            why.push_str("no engagement predicted (S = ");
            push_sig(&mut why, s);
            why.push(')');
        } else {
            why.push_str("predicted engagement ");
            for (k, &(_, f, i, p)) in terms.iter().take(3).enumerate() {
                if k > 0 {
                    why.push_str(" + ");
                }
                why.push_str(&self.shown.weights[i]);
                why.push_str(" × ");
                why.push_str(f);
                why.push_str(" (");
                push_sig(&mut why, p);
                why.push(')');
            }
            if terms.len() > 3 {
                let _ = write!(why, " + {} smaller", terms.len() - 3);
            }
            why.push_str(" = ");
            push_sig(&mut why, s);
        }
        let total = self.positive + self.negative;
        if total == 0.0 {
            why.push_str(": all weights are 0, so the score is ");
            push_sig(&mut why, value);
        } else if s < 0.0 {
            why.push_str(
                ": negative feedback outweighs engagement, so the score is squeezed into [0, 0.001): (",
            );
            push_sig(&mut why, s);
            let _ = write!(why, " + {}) / {} × 0.001 = ", self.shown.negative, self.shown.total);
            push_sig(&mut why, value);
        } else {
            why.push_str(", plus 0.001: ");
            push_sig(&mut why, value);
        }
        if missing.len() == self.params.weights.len() && !missing.is_empty() {
            why.push_str("; no predictions supplied for this post (all counted as 0)");
        } else if !missing.is_empty() {
            why.push_str("; no prediction supplied for ");
            for (k, m) in missing.iter().enumerate() {
                if k > 0 {
                    why.push_str(", ");
                }
                why.push_str(m);
            }
            why.push_str(" (counted as 0)");
        }
        StageNote { why, details }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> HeavyRanker {
        HeavyRanker::new(HeavyRankerParams::default()).unwrap()
    }

    #[test]
    fn default_weights_are_the_published_ones() {
        let h = default();
        assert_eq!(h.params.weights.len(), 10);
        assert_eq!(h.params.weights["p_reply_engaged_by_author"], 75.0);
        assert_eq!(h.params.weights["p_report"], -369.0);
        // P = 0.5 + 1 + 13.5 + 12 + 0.005 + 75 + 11 + 10, N = |−74 − 369|
        assert_eq!(h.positive, 123.005);
        assert_eq!(h.negative, 443.0);
    }

    #[test]
    fn positive_sum_adds_epsilon() {
        let h = default();
        // Sorted order: p_fav 0.5·0.2, p_reply 13.5·0.1, p_retweet 1·0.05 (python3: 1.5000000000000002)
        let s = h.sum(&[("p_fav", 0.2), ("p_reply", 0.1), ("p_retweet", 0.05)]);
        assert_eq!(s, 0.5 * 0.2 + 13.5 * 0.1 + 1.0 * 0.05);
        assert_eq!(h.finish(s), 1.5010000000000001);
        // All missing: S = 0 → 0.001.
        assert_eq!(h.finish(h.sum(&[])), 0.001);
    }

    #[test]
    fn negative_sum_is_squeezed_below_epsilon() {
        let h = default();
        // S = 0.5·0.9 − 74·0.1 − 369·0.01 = −10.64
        let s = h.sum(&[("p_fav", 0.9), ("p_negative_feedback_v2", 0.1), ("p_report", 0.01)]);
        assert_eq!(s, -10.64);
        // (−10.64 + 443) / (123.005 + 443) · 0.001 (python3: 0.0007638801777369458)
        assert_eq!(h.finish(s), (s + 443.0) / 566.005 * 0.001);
        assert_eq!(h.finish(s), 0.0007638801777369458);
        // The most negative possible sum maps to 0.
        assert_eq!(h.finish(-443.0), 0.0);
    }

    #[test]
    fn all_zero_weights_clamp_at_zero() {
        let h = HeavyRanker::new(HeavyRankerParams { weights: [("p_fav".to_string(), 0.0)].into() }).unwrap();
        assert_eq!(h.finish(h.sum(&[("p_fav", 0.7)])), 0.0);
        let none = HeavyRanker::new(HeavyRankerParams { weights: BTreeMap::new() }).unwrap();
        assert_eq!(none.finish(0.0), 0.0);
        assert!(none.finish(f64::NAN).is_nan(), "NaN stays visible to the engine");
    }

    #[test]
    fn rejects_bad_weights_naming_stage_and_parameter() {
        let e = HeavyRanker::new(HeavyRankerParams { weights: [("p_fav".to_string(), f64::NAN)].into() })
            .unwrap_err();
        assert!(e.to_string().contains("heavy_ranker") && e.to_string().contains("weights"), "{e}");
        assert!(e.to_string().contains("p_fav"), "{e}");
        let e = HeavyRanker::new(HeavyRankerParams { weights: [(String::new(), 1.0)].into() }).unwrap_err();
        assert!(e.to_string().contains("`weights`"), "{e}");
    }

    #[test]
    fn params_round_trip() {
        let h = default();
        let back: HeavyRankerParams = serde_json::from_value(h.params()).unwrap();
        assert_eq!(back, HeavyRankerParams::default());
        assert_eq!(h.reads().len(), 10);
    }

    #[test]
    fn explains_missing_predictions() {
        let (values, notes) = crate::stages::reply::fixture::run(&default(), ExplainMode::Full);
        assert_eq!(values, vec![1.5010000000000001, 0.001]);
        assert_eq!(
            notes[0].why,
            "predicted engagement 13.5 × p_reply (0.1) + 0.5 × p_fav (0.2) + 1 × p_retweet (0.05) = 1.5, \
             plus 0.001: 1.501; no prediction supplied for p_good_click, p_good_click_v2, p_good_profile_click, \
             p_negative_feedback_v2, p_reply_engaged_by_author, p_report, p_video_playback50 (counted as 0)"
        );
        let missing: Vec<bool> = notes[0].details.iter().map(|d| d.missing).collect();
        assert_eq!(missing, [false, true, true, true, true, false, true, true, false, true]);
        assert_eq!(notes[0].details[5].contribution, Some(13.5 * 0.1));
        assert_eq!(
            notes[1].why,
            "no engagement predicted (S = 0), plus 0.001: 0.001; no predictions supplied for this post (all counted as 0)"
        );
    }
}
