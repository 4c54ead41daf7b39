//! # glassfeed
//!
//! A transparent feed-ranking engine. A social platform embeds it to rank each user's home
//! feed; auditors load it to see exactly why every post ranked where it did and to
//! measure what a ranking does to reach across communities.
//!
//! * [`Dataset`]: users, follow/mute/block graph, posts and engagements, read from JSON
//!   Lines ([`Dataset::from_jsonl_dir`]) or built in memory ([`DatasetBuilder`]).
//! * [`Pipeline`]: a JSON spec of composable stages ([`stages`]), or a preset; ranks one
//!   feed ([`Pipeline::rank`]) or every feed in parallel ([`Pipeline::rank_all`]) and
//!   explains every decision ([`Explanation`], [`Pipeline::why_not`], [`Pipeline::compare`]).
//! * [`synth`]: a seeded synthetic town square in viewpoint communities.
//! * [`snapshot`]: binary snapshots ([`Dataset::save`], [`Dataset::load`]) and a dataset
//!   that grows while it is ranked ([`LiveDataset`]).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod bridging;
mod engine;
mod error;
pub mod io;
pub mod model;
pub mod pipeline;
#[cfg(feature = "python")]
mod python;
pub mod snapshot;
pub mod stages;
pub mod synth;

pub use engine::{
    Comparison, Explanation, Feed, FeedItem, FeedWork, Outcome, RankOptions, SourceNote, StageDelta,
    StageValue,
};
pub use error::{Error, ErrorKind, Location, Result};
pub use io::IngestOptions;
pub use model::{
    Dataset, DatasetBuilder, EdgeKind, EdgeRecord, Engagement, EngagementKind, EngagementRecord,
    IngestReport, InputLimits, MemoryUsage, PostId, PostRecord, SocialGraph, UserId, UserRecord,
};
pub use pipeline::{Limits, Pipeline};
pub use snapshot::{Batch, LiveDataset, Snapshot};
pub use stages::ExplainMode;
