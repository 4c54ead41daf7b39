//! `reddit_controversy` term: `0` if `ups ≤ 0` or `downs ≤ 0`, else
//! `(ups + downs)^(min(ups, downs) / max(ups, downs))`.
//!
//! Origin: `controversy` in reddit's `r2/r2/lib/db/_sorts.pyx` (the open-source reddit):
//! many votes that are evenly split rank highest; a one-sided post ranks near 1. The
//! balance is `downs / ups` when `ups > downs`, else `ups / downs`, exactly as there.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::reddit_hot::check_votes;
use crate::stages::weighted_sum::sig;
use crate::stages::{
    Combine, ExplainMode, FeatureContribution, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput,
};
use serde::{Deserialize, Serialize};

/// Parameters of [`RedditControversy`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedditControversyParams {
    /// The feature counted as up-votes (default `likes`).
    pub ups: String,
    /// The feature counted as down-votes (default `dislikes`).
    pub downs: String,
}

impl Default for RedditControversyParams {
    fn default() -> Self {
        RedditControversyParams { ups: "likes".into(), downs: "dislikes".into() }
    }
}

/// reddit's controversy ranking: many, evenly split votes first.
#[derive(Debug, Clone)]
pub struct RedditControversy {
    params: RedditControversyParams,
}

impl RedditControversy {
    /// Stage id.
    pub const ID: &'static str = "reddit_controversy";

    /// Checks the parameters.
    pub fn new(params: RedditControversyParams) -> Result<Self> {
        check_votes(Self::ID, &params.ups, &params.downs)?;
        Ok(RedditControversy { params })
    }
}

/// reddit's `controversy(ups, downs)`.
pub fn controversy(ups: f64, downs: f64) -> f64 {
    if downs <= 0.0 || ups <= 0.0 {
        return 0.0;
    }
    let magnitude = ups + downs;
    let balance = if ups > downs { downs / ups } else { ups / downs };
    magnitude.powf(balance)
}

impl Stage for RedditControversy {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::Feature(self.params.ups.clone()), Input::Feature(self.params.downs.clone())]
    }
}

impl Scorer for RedditControversy {
    fn combine(&self) -> Combine {
        Combine::Term
    }

    fn score(&self, _: &ViewerInput<'_>, _: &[PostId], features: &FeatureMatrix, out: &mut [f64]) {
        let ups = features.column(&self.params.ups);
        let downs = features.column(&self.params.downs);
        for ((slot, &u), &d) in out.iter_mut().zip(ups).zip(downs) {
            *slot = controversy(u, d);
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
        let (up_name, down_name) = (&self.params.ups, &self.params.downs);
        let (u, d) = (features.get(row, up_name), features.get(row, down_name));
        let why = if u <= 0.0 || d <= 0.0 {
            format!(
                "{} {up_name} and {} {down_name}: not controversial (reddit needs votes both ways), 0",
                sig(u),
                sig(d)
            )
        } else {
            let (lo, hi) = if u > d { (d, u) } else { (u, d) };
            format!(
                "{} {up_name} and {} {down_name}: reddit controversy (votes)^(balance) = {}^({} / {}) = {}",
                sig(u),
                sig(d),
                sig(u + d),
                sig(lo),
                sig(hi),
                sig(value)
            )
        };
        let details = if mode == ExplainMode::Full {
            [(up_name, u), (down_name, d)]
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
    fn equals_reddits_controversy() {
        // Expected values from python3 with reddit's function:
        //   0 if downs <= 0 or ups <= 0 else
        //   (ups + downs) ** (float(downs) / ups if ups > downs else float(ups) / downs)
        assert_eq!(controversy(10.0, 0.0), 0.0);
        assert_eq!(controversy(0.0, 5.0), 0.0);
        assert_eq!(controversy(10.0, 10.0), 20.0);
        assert_eq!(controversy(1.0, 1.0), 2.0);
        assert_eq!(controversy(100.0, 25.0), 3.34370152488211);
        assert_eq!(controversy(3.0, 7.0), 2.6826957952797255);
        assert_eq!(controversy(1000.0, 999.0), 1983.864386968039);
    }

    #[test]
    fn rejects_empty_feature_names() {
        let e = RedditControversy::new(RedditControversyParams { ups: String::new(), ..Default::default() })
            .unwrap_err();
        assert!(e.to_string().contains("reddit_controversy") && e.to_string().contains("`ups`"), "{e}");
        let c = RedditControversy::new(RedditControversyParams::default()).unwrap();
        assert_eq!(c.params()["downs"], "dislikes");
    }
}
