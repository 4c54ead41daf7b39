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
//! It `RETURNS double precision` (older versions spell it `float`, which PostgreSQL reads as
//! `double precision`; the `hot_rank` columns are `Float8`), so the value is an `f64`, not
//! single precision. Lemmy evaluates the expression in PostgreSQL `numeric` and converts
//! the quotient to double; glassfeed evaluates it in `f64`, which can differ from Lemmy in
//! the last bits. Posts from the future or older than a week get 0, as in Lemmy (so that a
//! post dated in the future cannot stay on top).

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
        (score + 2.0).max(2.0).log10() / (age_hours + 2.0).powf(GRAVITY)
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

    #[test]
    fn equals_lemmys_hot_rank() {
        // Expected values from python3 (double precision, like Lemmy's `double precision` result):
        //   log10(max(2, score + 2)) / (age + 2) ** 1.8 if 0 < age < 168 else 0.0
        assert_eq!(hot_rank(10.0, 3.0), 0.059559135010583256);
        assert_eq!(hot_rank(10.0, 3.0), 12f64.log10() / 5f64.powf(1.8));
        assert_eq!(hot_rank(-5.0, 1.0), 0.04166693103899405, "negative scores floor at log10(2)");
        assert_eq!(hot_rank(0.0, 0.5), 0.05785191730453314);
        assert_eq!(hot_rank(7.0, 12.25), 0.007994512827833897);
        assert_eq!(hot_rank(1000.0, 167.99), 0.00029005795391396814);
    }

    #[test]
    fn cut_off_at_zero_and_a_week() {
        assert_eq!(hot_rank(100.0, 0.0), 0.0, "age 0 is not > 0");
        assert_eq!(hot_rank(100.0, -1.0), 0.0, "future posts rank 0");
        assert_eq!(hot_rank(100.0, 168.0), 0.0, "a week old is not < 7 days");
        assert_eq!(hot_rank(100.0, 1000.0), 0.0);
        // One second inside either end is ranked.
        assert!(hot_rank(100.0, 1.0 / 3600.0) > 0.0);
        assert_eq!(hot_rank(3.0, 604_799.0 / 3600.0), 5f64.log10() / (604_799.0f64 / 3600.0 + 2.0).powf(1.8));
        assert!(hot_rank(3.0, 604_799.0 / 3600.0) > 0.0);
    }

    #[test]
    fn result_is_double_precision() {
        // Lemmy returns `double precision`: no rounding through f32.
        let v = hot_rank(10.0, 3.0);
        assert_ne!(v, v as f32 as f64);
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
        // python3: log10(11) / 5 ** 1.8, log10(2) / 32 ** 1.8
        assert_eq!(values, vec![0.05747361507766172, 0.0005879492102812132]);
        assert_eq!(
            notes[0].why,
            "score 9 (12 likes − 3 dislikes), posted 3.0 hours ago: Lemmy hot rank \
             log10(max(2, 9 + 2)) / (3 + 2)^1.8 = 0.05747"
        );
    }
}
