//! `hn_gravity` term: `max(points, 0)^exponent / (age_hours + 2)^gravity`.
//!
//! Hacker News' front-page "gravity" ranking, from `frontpage-rank` in `news.arc` (the Arc
//! 3.1 release): `gravity* = 1.8`, exponent `.8`, and `timebase* = 120` minutes, which is
//! the `+ 2` hours. There the numerator is `score − 1` (the submitter's own vote is not
//! counted); glassfeed's `likes` never include the author, so `points` plays that role.
//! HN's extra penalties (no URL, "lightweight" posts, flame-war detection) are not
//! reproduced. Posts dated after `now` count as age 0.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::weighted_sum::sig;
use crate::stages::{
    hours, Combine, ExplainMode, FeatureContribution, FeatureMatrix, Input, Scorer, Stage, StageNote,
    ViewerInput,
};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`HnGravity`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HnGravityParams {
    /// The feature counted as points (default `likes`).
    pub points: String,
    /// Exponent of the age denominator (default 1.8, HN's `gravity*`; finite, ≥ 0).
    pub gravity: f64,
    /// Exponent of the points (default 0.8, as in `news.arc`; finite, ≥ 0).
    pub exponent: f64,
}

impl Default for HnGravityParams {
    fn default() -> Self {
        HnGravityParams { points: "likes".into(), gravity: 1.8, exponent: 0.8 }
    }
}

/// Hacker News' gravity ranking: points damped by a power of the age.
#[derive(Debug, Clone)]
pub struct HnGravity {
    params: HnGravityParams,
}

impl HnGravity {
    /// Stage id.
    pub const ID: &'static str = "hn_gravity";

    /// Checks the parameters.
    pub fn new(params: HnGravityParams) -> Result<Self> {
        if params.points.trim().is_empty() {
            return Err(Error::spec(Self::ID, "points", "must name a feature"));
        }
        for (name, v) in [("gravity", params.gravity), ("exponent", params.exponent)] {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::spec(Self::ID, name, format!("must be a finite number ≥ 0, got {v}")));
            }
        }
        Ok(HnGravity { params })
    }

    fn value(&self, points: f64, age_hours: f64) -> f64 {
        points.max(0.0).powf(self.params.exponent) / (age_hours.max(0.0) + 2.0).powf(self.params.gravity)
    }
}

impl Stage for HnGravity {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        let mut reads = vec![Input::Feature(self.params.points.clone())];
        if self.params.points != "age_hours" {
            reads.push(Input::Feature("age_hours".into()));
        }
        reads
    }
}

impl Scorer for HnGravity {
    fn combine(&self) -> Combine {
        Combine::Term
    }

    fn score(&self, _: &ViewerInput<'_>, _: &[PostId], features: &FeatureMatrix, out: &mut [f64]) {
        let points = features.column(&self.params.points);
        let ages = features.column("age_hours");
        for ((slot, &p), &age) in out.iter_mut().zip(points).zip(ages) {
            *slot = self.value(p, age);
        }
    }

    fn explain(
        &self,
        _: &ViewerInput<'_>,
        _: PostId,
        features: &FeatureMatrix,
        row: usize,
        value: f64,
        mode: ExplainMode,
    ) -> StageNote {
        let name = &self.params.points;
        let p = features.get(row, name);
        let age = features.get(row, "age_hours");
        let (g, e) = (self.params.gravity, self.params.exponent);
        let why = format!(
            "{} {name}, posted {} ago: HN gravity gives {}^{} / ({} + 2)^{} = {}",
            sig(p),
            hours(age.max(0.0)),
            sig(p.max(0.0)),
            sig(e),
            sig(age.max(0.0)),
            sig(g),
            sig(value)
        );
        let details = if mode == ExplainMode::Full {
            vec![
                FeatureContribution {
                    feature: name.clone(),
                    value: p,
                    weight: None,
                    contribution: None,
                    missing: false,
                },
                FeatureContribution {
                    feature: "age_hours".into(),
                    value: age,
                    weight: None,
                    contribution: None,
                    missing: false,
                },
            ]
        } else {
            Vec::new()
        };
        StageNote { why, details }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hacker_news_gravity() {
        let h = HnGravity::new(HnGravityParams::default()).unwrap();
        // 12^0.8 / 5^1.8 (python3: 0.402901597192986)
        assert_eq!(h.value(12.0, 3.0), 12f64.powf(0.8) / 5f64.powf(1.8));
        assert_eq!(h.value(12.0, 3.0), 0.402901597192986);
        // 100^0.8 / 2^1.8 (python3: 11.43262629818316)
        assert_eq!(h.value(100.0, 0.0), 11.43262629818316);
        assert_eq!(h.value(0.0, 1.0), 0.0);
        assert_eq!(h.value(-4.0, 2.0), 0.0, "negative points count as 0");
        assert_eq!(h.value(12.0, -5.0), h.value(12.0, 0.0), "future posts count as age 0");
        // With gravity 2 and exponent 1: 8 / (6 + 2)^2 = 0.125
        let g = HnGravity::new(HnGravityParams { points: "reposts".into(), gravity: 2.0, exponent: 1.0 })
            .unwrap();
        assert_eq!(g.value(8.0, 6.0), 0.125);
        assert_eq!(g.reads(), vec![Input::Feature("reposts".into()), Input::Feature("age_hours".into())]);
    }

    #[test]
    fn rejects_bad_parameters_naming_them() {
        let e = HnGravity::new(HnGravityParams { gravity: -1.0, ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("hn_gravity") && e.to_string().contains("`gravity`"), "{e}");
        let e = HnGravity::new(HnGravityParams { exponent: f64::NAN, ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("`exponent`"), "{e}");
        let e = HnGravity::new(HnGravityParams { points: String::new(), ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("`points`"), "{e}");
    }

    #[test]
    fn defaults_fill_a_partial_spec() {
        let p: HnGravityParams = serde_json::from_str(r#"{"gravity": 1.5}"#).unwrap();
        assert_eq!(p, HnGravityParams { gravity: 1.5, ..Default::default() });
        assert!(serde_json::from_str::<HnGravityParams>(r#"{"timebase": 2}"#).is_err());
    }

    #[test]
    fn explains_points_and_age() {
        let h = HnGravity::new(HnGravityParams::default()).unwrap();
        let (values, notes) = crate::stages::reply::fixture::run(&h, ExplainMode::Summary);
        // python3: 12 ** 0.8 / 5 ** 1.8, 0 / 32 ** 1.8
        assert_eq!(values, vec![0.402901597192986, 0.0]);
        assert_eq!(
            notes[0].why,
            "12 likes, posted 3.0 hours ago: HN gravity gives 12^0.8 / (3 + 2)^1.8 = 0.4029"
        );
    }
}
