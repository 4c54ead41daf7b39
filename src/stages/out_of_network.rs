//! `out_of_network` factor: `factor` (default 0.75) when the viewer does not follow the
//! author (`in_network = 0`), else 1.
//!
//! Origin: X's home-mixer `RescoreOutOfNetwork` (`RescoringFactorProvider.scala`,
//! twitter/the-algorithm), which scales candidates not from followed accounts by
//! `OutOfNetworkScaleFactorParam` (0.75).

use crate::error::Result;
use crate::model::PostId;
use crate::stages::weighted_sum::push_sig;
use crate::stages::{
    Combine, ExplainMode, FeatureContribution, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput,
};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`OutOfNetwork`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutOfNetworkParams {
    /// Multiplier for posts by accounts the viewer does not follow (default 0.75; finite, > 0).
    pub factor: f64,
}

impl Default for OutOfNetworkParams {
    fn default() -> Self {
        OutOfNetworkParams { factor: 0.75 }
    }
}

/// Scales posts from outside the viewer's network.
#[derive(Debug, Clone)]
pub struct OutOfNetwork {
    params: OutOfNetworkParams,
}

impl OutOfNetwork {
    /// Stage id.
    pub const ID: &'static str = "out_of_network";

    /// Checks the parameters.
    pub fn new(params: OutOfNetworkParams) -> Result<Self> {
        let f = params.factor;
        if !f.is_finite() || f <= 0.0 {
            return Err(Error::spec(Self::ID, "factor", format!("must be a finite number > 0, got {f}")));
        }
        Ok(OutOfNetwork { params })
    }

    fn value(&self, in_network: f64) -> f64 {
        if in_network == 0.0 {
            self.params.factor
        } else {
            1.0
        }
    }
}

impl Stage for OutOfNetwork {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::Feature("in_network".into()), Input::Follows]
    }
}

impl Scorer for OutOfNetwork {
    fn combine(&self) -> Combine {
        Combine::Factor
    }

    fn score(&self, _: &ViewerInput<'_>, _: &[PostId], features: &FeatureMatrix, out: &mut [f64]) {
        for (slot, &n) in out.iter_mut().zip(features.column("in_network")) {
            *slot = self.value(n);
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
        let n = features.get(row, "in_network");
        let author = input.ds.user_name(input.ds.author(post));
        let why = if n == 0.0 {
            let mut why =
                format!("you do not follow @{author}: posts from outside your network are scaled by ");
            push_sig(&mut why, value);
            why
        } else {
            format!("you follow @{author}: no out-of-network discount")
        };
        let details = if mode == ExplainMode::Full {
            vec![FeatureContribution {
                feature: "in_network".into(),
                value: n,
                weight: None,
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
    fn scales_out_of_network_only() {
        let s = OutOfNetwork::new(OutOfNetworkParams::default()).unwrap();
        assert_eq!(s.value(0.0), 0.75);
        assert_eq!(s.value(1.0), 1.0);
        let (values, notes) = fixture::run(&s, ExplainMode::Full);
        assert_eq!(values, vec![1.0, 0.75]);
        assert_eq!(notes[0].why, "you follow @dana: no out-of-network discount");
        assert_eq!(
            notes[1].why,
            "you do not follow @olaf: posts from outside your network are scaled by 0.75"
        );
        assert_eq!(notes[1].details[0].feature, "in_network");
        assert_eq!(notes[1].details[0].value, 0.0);
    }

    #[test]
    fn rejects_factor_outside_open_interval() {
        for bad in [0.0, -0.5, f64::NAN, f64::INFINITY] {
            let e = OutOfNetwork::new(OutOfNetworkParams { factor: bad }).unwrap_err();
            assert!(e.to_string().contains("out_of_network") && e.to_string().contains("`factor`"), "{e}");
        }
        assert!(OutOfNetwork::new(OutOfNetworkParams { factor: 2.0 }).is_ok(), "boosts are allowed");
    }
}
