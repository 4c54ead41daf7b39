//! Bridging: the Community Notes matrix factorisation (DESIGN §6).
//!
//! Explicit ratings are derived from engagements ([`rating_value`]): like, repost, quote
//! and share count as 1.0; dislike, not-interested and report as 0.0; an engagement's
//! own `rating` overrides its kind. Several ratings of one post by one user are averaged.
//! [`BridgingModel::fit`] then fits
//!
//! ```text
//! r̂(u, p) = μ + i_u + i_p + f_u·f_p
//! loss    = mean (r − r̂)² + 0.15·mean(i_u²) + 0.15·mean(i_p²)
//!           + 0.03·mean(f_u²) + 0.03·mean(f_p²) + 0.15·μ²
//! ```
//!
//! with full-batch Adam, starting from the leading singular vectors of the centred
//! ratings (a spectral start: from small random factors, Adam can settle in a local
//! minimum whose axis splits raters at random). The one-dimensional factor `f` absorbs the viewpoint axis that
//! best explains disagreement, so the post intercept `i_p` ([`BridgingModel::post_intercept`])
//! is the support a post gets *across* that axis: its bridging score. Viewpoints are
//! inferred from ratings (the sign of `f_u`, see [`Side`]), never read from user
//! attributes. [`group_consensus`] gives the Polis group-informed consensus over the same
//! inferred groups.
//!
//! Everything here is deterministic for a seed: ratings are sorted and averaged in a fixed
//! order, and every floating-point sum runs in a fixed order whatever the thread count.

mod consensus;
mod fit;
mod init;
mod model;
mod par;
mod ratings;

pub use consensus::{group_consensus, group_consensus_with, user_groups, Grouping};
pub use model::BridgingModel;
pub use ratings::{rating_value, ratings_from_dataset};

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Parameters of the bridging fit.
///
/// The regularisation constants are those of Community Notes'
/// `sourcecode/scoring/matrix_factorization/matrix_factorization.py`
/// (`l2_lambda = 0.03`, `l2_intercept_multiplier = 5`, so intercepts and the global
/// intercept get `0.03 × 5 = 0.15`; `convergence = 1e-7`), the model of Wojcik et al.,
/// "Birdwatch: Crowd Wisdom and Bridging Algorithms can Inform Understanding and Reduce
/// the Spread of Misinformation" (2022). Community Notes uses Adam with learning rate 1.0
/// on float32 from random factors and no iteration cap; glassfeed uses float64, a
/// spectral start, a smaller rate and a cap (see the field docs and ALGORITHM.md).
///
/// ```
/// let cfg: glassfeed::bridging::BridgingConfig = serde_json::from_str(r#"{"seed": 7}"#)?;
/// assert_eq!(cfg.lambda_intercept, 0.15);
/// assert_eq!(cfg.min_raters, 5);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BridgingConfig {
    /// Weight of `mean(i_u²)` and of `mean(i_p²)` (default 0.15: Community Notes
    /// `l2_lambda × l2_intercept_multiplier`).
    pub lambda_intercept: f64,
    /// Weight of `mean(f_u²)` and of `mean(f_p²)` (default 0.03: Community Notes `l2_lambda`).
    pub lambda_factor: f64,
    /// Weight of `μ²` (default 0.15: Community Notes regularises the global intercept like
    /// the other intercepts).
    pub lambda_mu: f64,
    /// Adam step size (default 0.05). Community Notes uses 1.0 (0.2 when warm-started)
    /// in float32. On the default synthetic town square (20,000 users, 300,000 ratings)
    /// 0.05 reached the lowest loss of 0.05, 0.2 and 1.0, and 1.0 did not converge within
    /// 2000 steps.
    pub learning_rate: f64,
    /// Most Adam steps taken (default 2000). The fit stops earlier once converged.
    pub max_iterations: u32,
    /// Converged when the loss changes by at most this much in each of 10 consecutive
    /// steps (default 1e-7: Community Notes `convergence`, which it applies to a single
    /// step).
    pub tolerance: f64,
    /// Posts with fewer distinct raters get no bridging score (default 5).
    pub min_raters: u32,
    /// Seed of the initialisation (ChaCha8): the start vector of the power iteration
    /// that finds the initial factor direction, or the N(0, 0.1²) factors if the ratings
    /// have no disagreement to explain. Default 0.
    pub seed: u64,
}

impl Default for BridgingConfig {
    fn default() -> Self {
        BridgingConfig {
            lambda_intercept: 0.15,
            lambda_factor: 0.03,
            lambda_mu: 0.15,
            learning_rate: 0.05,
            max_iterations: 2000,
            tolerance: 1e-7,
            min_raters: 5,
            seed: 0,
        }
    }
}

impl BridgingConfig {
    /// Checks every parameter: lambdas finite and ≥ 0, learning rate finite and > 0,
    /// tolerance finite and ≥ 0, at least one iteration and `min_raters ≥ 1`.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("lambda_intercept", self.lambda_intercept),
            ("lambda_factor", self.lambda_factor),
            ("lambda_mu", self.lambda_mu),
            ("tolerance", self.tolerance),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(Error::argument(name, format!("must be finite and ≥ 0, got {value}")));
            }
        }
        if !self.learning_rate.is_finite() || self.learning_rate <= 0.0 {
            return Err(Error::argument(
                "learning_rate",
                format!("must be finite and > 0, got {}", self.learning_rate),
            ));
        }
        if self.max_iterations == 0 {
            return Err(Error::argument("max_iterations", "must be at least 1"));
        }
        if self.min_raters == 0 {
            return Err(Error::argument("min_raters", "must be at least 1"));
        }
        Ok(())
    }
}

/// The side of the inferred viewpoint axis a user is on: the sign of their factor `f_u`.
///
/// After fitting, factors are flipped (both `f_u` and `f_p`, which leaves every prediction
/// unchanged) so that most rating users are on the [`Side::Negative`] side, as Community
/// Notes does for identification. A factor of exactly zero counts as positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// `f_u < 0`: the side of the majority of raters.
    Negative,
    /// `f_u ≥ 0`.
    Positive,
}

impl Side {
    /// The side of a factor value.
    pub fn of(factor: f64) -> Side {
        if factor < 0.0 {
            Side::Negative
        } else {
            Side::Positive
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn default_config_is_valid_and_round_trips() {
        let cfg = BridgingConfig::default();
        cfg.validate().unwrap();
        let json = serde_json::to_string(&cfg).unwrap();
        assert_eq!(serde_json::from_str::<BridgingConfig>(&json).unwrap(), cfg);
        assert!(serde_json::from_str::<BridgingConfig>(r#"{"lamda": 1}"#).is_err());
    }

    #[test]
    fn invalid_configs_name_the_parameter() {
        type Break = fn(&mut BridgingConfig);
        let cases: [(&str, Break); 6] = [
            ("lambda_intercept", |c| c.lambda_intercept = -0.1),
            ("lambda_factor", |c| c.lambda_factor = f64::NAN),
            ("lambda_mu", |c| c.lambda_mu = f64::INFINITY),
            ("learning_rate", |c| c.learning_rate = 0.0),
            ("max_iterations", |c| c.max_iterations = 0),
            ("min_raters", |c| c.min_raters = 0),
        ];
        for (name, break_it) in cases {
            let mut cfg = BridgingConfig::default();
            break_it(&mut cfg);
            let err = cfg.validate().unwrap_err();
            match err.kind() {
                ErrorKind::InvalidArgument { name: got, .. } => assert_eq!(got, name),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn side_of_factor() {
        assert_eq!(Side::of(-0.1), Side::Negative);
        assert_eq!(Side::of(0.0), Side::Positive);
        assert_eq!(Side::of(2.0), Side::Positive);
    }
}
