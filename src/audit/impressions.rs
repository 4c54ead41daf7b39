//! Impression models: how much attention a feed position gets.

use crate::error::Result;
use crate::Error;
use serde::{Deserialize, Serialize};

/// How much attention the item at a 1-based rank receives.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "model")]
pub enum ImpressionModel {
    /// Every item among the top `k` counts 1, the rest 0.
    TopK {
        /// Cut-off.
        k: u32,
    },
    /// `1 / log2(1 + rank)` (the discount of DCG; the default).
    #[default]
    Logarithmic,
    /// Rank-biased: `gamma^(rank − 1)`.
    RankBiased {
        /// Persistence in (0, 1].
        gamma: f64,
    },
}

impl ImpressionModel {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            ImpressionModel::TopK { k: 0 } => Err(Error::argument("k", "must be at least 1")),
            ImpressionModel::RankBiased { gamma } if !(gamma > 0.0 && gamma <= 1.0) => {
                Err(Error::argument("gamma", format!("must be in (0, 1], got {gamma}")))
            }
            _ => Ok(()),
        }
    }

    /// The weight of 1-based `rank`.
    pub fn weight(&self, rank: u32) -> f64 {
        match *self {
            ImpressionModel::TopK { k } => (rank <= k) as u8 as f64,
            ImpressionModel::Logarithmic => 1.0 / (1.0 + rank as f64).log2(),
            ImpressionModel::RankBiased { gamma } => gamma.powi(rank as i32 - 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights() {
        assert_eq!(ImpressionModel::Logarithmic.weight(1), 1.0);
        assert_eq!(ImpressionModel::Logarithmic.weight(3), 0.5);
        assert_eq!(ImpressionModel::TopK { k: 2 }.weight(2), 1.0);
        assert_eq!(ImpressionModel::TopK { k: 2 }.weight(3), 0.0);
        assert_eq!(ImpressionModel::RankBiased { gamma: 0.5 }.weight(3), 0.25);
        assert!(ImpressionModel::RankBiased { gamma: 0.0 }.validate().is_err());
    }
}
