//! `lemmy_hot` term: Lemmy's `hot_rank`,
//! `log10(max(2, score + 2)) / (age_hours + 2)^1.8` when `0 < age_hours < 168`, else 0,
//! with `score = ups − downs` (defaults `likes − dislikes`).
//!
//! Origin: LemmyNet/lemmy's SQL function (migration `2023-10-23-184941_hot_rank_greatest_fix`,
//! kept as `r.hot_rank` in the replaceable schema since):
//!
//! ```sql
//! CASE WHEN (now() - published) > '0 days' AND (now() - published) < '7 days'
//!   THEN log(greatest(2, score + 2)) / power(((EXTRACT(EPOCH FROM (now() - published)) / 3600) + 2), 1.8)
//!   ELSE 0.0 END
//! ```
//!
//! The function computes in double precision, but Lemmy stores and sorts by the result in
//! `real` columns (`post_aggregates.hot_rank -> Float4` / `post.hot_rank -> Float4` in the
//! current schema), so the rank that orders a Lemmy feed is the single-precision value:
//! glassfeed computes in `f64` and rounds the quotient through `f32`, as Lemmy's storage
//! does. Lemmy evaluates `log` and `power` in PostgreSQL `numeric`; glassfeed uses `f64`,
//! which can differ in the last bits of the double before the `f32` rounding. Posts from the
//! future or older than a week get 0, as in Lemmy (so that a post dated in the future
//! cannot stay on top).

use crate::error::Result;
use crate::model::PostId;
use crate::stages::reddit_hot::check_votes;
use crate::stages::weighted_sum::sig;
use crate::stages::{
    hours, Combine, ExplainMode, FeatureContribution, FeatureMatrix, Input, Scorer, Stage, StageNote,
    ViewerInput,
};
use serde::{Deserialize, Serialize};

/// Lemmy's gravity (the exponent of the age denominator).
pub const GRAVITY: f64 = 1.8;
/// Lemmy's cut-off: posts this old or older (hours) rank 0.
pub const MAX_AGE_HOURS: f64 = 168.0;

/// Parameters of [`LemmyHot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LemmyHotParams {
    /// The feature counted as up-votes (default `likes`).
    pub ups: String,
    /// The feature counted as down-votes (default `dislikes`).
    pub downs: String,
}

impl Default for LemmyHotParams {
    fn default() -> Self {
        LemmyHotParams { ups: "likes".into(), downs: "dislikes".into() }
    }
}

/// Lemmy's hot ranking: log of the score, decayed by age, zero after a week.
#[derive(Debug, Clone)]
pub struct LemmyHot {
    params: LemmyHotParams,
}

impl LemmyHot {
    /// Stage id.
    pub const ID: &'static str = "lemmy_hot";

    /// Checks the parameters.
    pub fn new(params: LemmyHotParams) -> Result<Self> {
        check_votes(Self::ID, &params.ups, &params.downs)?;
        Ok(LemmyHot { params })
    }
}

/// Lemmy's `hot_rank(score, published)` for a post `age_hours` old.
pub fn hot_rank(score: f64, age_hours: f64) -> f64 {
    if age_hours > 0.0 && age_hours < MAX_AGE_HOURS {
        ((score + 2.0).max(2.0).log10() / (age_hours + 2.0).powf(GRAVITY)) as f32 as f64
    } else {
        0.0
    }
}

impl Stage for LemmyHot {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![
            Input::Feature(self.params.ups.clone()),
            Input::Feature(self.params.downs.clone()),
            Input::Feature("age_hours".into()),
        ]
    }
}

impl Scorer for LemmyHot {
    fn combine(&self) -> Combine {
        Combine::Term
    }

    fn score(&self, _: &ViewerInput<'_>, _: &[PostId], features: &FeatureMatrix, out: &mut [f64]) {
        let ups = features.column(&self.params.ups);
        let downs = features.column(&self.params.downs);
        let ages = features.column("age_hours");
        for (((slot, &u), &d), &age) in out.iter_mut().zip(ups).zip(downs).zip(ages) {
            *slot = hot_rank(u - d, age);
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
        let (u, d) = (features.get(row, &self.params.ups), features.get(row, &self.params.downs));
        let age = features.get(row, "age_hours");
        let score = u - d;
        let why = if age <= 0.0 {
            "posted at or after the ranking time: Lemmy's hot rank is 0 until a post has an age".to_string()
        } else if age >= MAX_AGE_HOURS {
            format!("posted {} ago: Lemmy's hot rank is 0 after 7 days", hours(age))
        } else {
            format!(
                "score {} ({} {} − {} {}), posted {} ago: Lemmy hot rank log10(max(2, {} + 2)) / ({} + 2)^1.8 = {}",
                sig(score),
                sig(u),
                self.params.ups,
                sig(d),
                self.params.downs,
                hours(age),
                sig(score),
                sig(age),
                sig(value)
            )
        };
        let details = if mode == ExplainMode::Full {
            [(&self.params.ups, u), (&self.params.downs, d), (&"age_hours".to_string(), age)]
                .into_iter()
                .map(|(name, value)| FeatureContribution {
                    feature: name.clone(),
                    value,
                    weight: None,
                    contribution: None,
                    missing: false,
                })
                .collect()
        } else {
            Vec::new()
        };
        StageNote { why, details }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The double-precision SQL expression, before Lemmy's `real` column rounds it.
    fn sql(score: f64, age: f64) -> f64 {
        if age > 0.0 && age < 168.0 {
            (score + 2.0).max(2.0).log10() / (age + 2.0).powf(1.8)
        } else {
            0.0
        }
    }

    #[test]
    fn equals_lemmys_hot_rank_in_single_precision() {
        // python3: struct.unpack('f', struct.pack('f', log10(max(2, s + 2)) / (age + 2) ** 1.8))
        assert_eq!(hot_rank(10.0, 3.0), 0.059559136629104614);
        assert_eq!(hot_rank(-5.0, 1.0), 0.04166693240404129, "negative scores floor at log10(2)");
        assert_eq!(hot_rank(0.0, 0.5), 0.057851918041706085);
        assert_eq!(hot_rank(7.0, 12.25), 0.007994513027369976);
        assert_eq!(hot_rank(1000.0, 167.99), 0.00029005794203840196);
        for (score, age) in [(10.0, 3.0), (-5.0, 1.0), (3.0, 100.0)] {
            let v = hot_rank(score, age);
            assert_eq!(v, sql(score, age) as f32 as f64);
            assert_ne!(v, sql(score, age), "rounded through single precision");
        }
    }

    #[test]
    fn cut_off_at_zero_and_a_week() {
        assert_eq!(hot_rank(100.0, 0.0), 0.0, "age 0 is not > 0");
        assert_eq!(hot_rank(100.0, -1.0), 0.0, "future posts rank 0");
        assert_eq!(hot_rank(100.0, 168.0), 0.0, "a week old is not < 7 days");
        assert_eq!(hot_rank(100.0, 1000.0), 0.0);
        // One second inside either end is ranked.
        assert!(hot_rank(100.0, 1.0 / 3600.0) > 0.0);
        assert_eq!(hot_rank(3.0, 604_799.0 / 3600.0), sql(3.0, 604_799.0 / 3600.0) as f32 as f64);
        assert!(hot_rank(3.0, 604_799.0 / 3600.0) > 0.0);
    }

    #[test]
    fn rejects_empty_feature_names() {
        let e = LemmyHot::new(LemmyHotParams { ups: String::new(), ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("lemmy_hot") && e.to_string().contains("`ups`"), "{e}");
        assert!(serde_json::from_str::<LemmyHotParams>(r#"{"gravity": 2}"#).is_err(), "gravity is fixed");
    }

    #[test]
    fn scores_and_explains_net_votes() {
        let l = LemmyHot::new(LemmyHotParams::default()).unwrap();
        let (values, notes) = crate::stages::reply::fixture::run(&l, ExplainMode::Summary);
        // python3: f32(log10(11) / 5 ** 1.8), f32(log10(2) / 32 ** 1.8), rounded through
        // struct.pack('f', …) as Lemmy's `real` column does.
        assert_eq!(values, vec![0.05747361481189728, 0.0005879492382518947]);
        assert_eq!(
            notes[0].why,
            "score 9 (12 likes − 3 dislikes), posted 3.0 hours ago: Lemmy hot rank \
             log10(max(2, 9 + 2)) / (3 + 2)^1.8 = 0.05747"
        );
    }
}
