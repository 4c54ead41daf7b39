//! The data model: users, the social graph, posts and engagements (DESIGN §2).

mod builder;
pub(crate) mod columns;
mod dataset;
mod graph;
mod input_limits;
mod interner;
mod kinds;
mod records;

pub use builder::{DatasetBuilder, IngestReport};
pub(crate) use columns::FeatureColumn;
pub use dataset::{Dataset, Engagement, MemoryUsage};
pub use graph::{FollowGraph, SocialGraph};
pub use input_limits::InputLimits;
pub use interner::{Interner, Ragged};
pub use kinds::{EdgeKind, EngagementKind, PostId, UserId};
pub use records::{EdgeRecord, EngagementRecord, PostRecord, UserRecord};
