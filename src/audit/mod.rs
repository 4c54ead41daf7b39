//! Audit measurements (DESIGN §6): what a ranking does to reach and exposure across
//! communities.

pub mod exposure;
pub mod impressions;

pub use exposure::{cross_cutting_shares, exposure_by_author, gini, group_shares, GroupShare};
pub use impressions::ImpressionModel;
