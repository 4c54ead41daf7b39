//! # glassfeed
//!
//! A transparent feed-ranking engine. A social platform embeds it to rank each user's home
//! feed; auditors load it to see exactly why every post ranked where it did and to
//! measure what a ranking does to reach across communities.
//!
//! * [`Dataset`]: users, follow/mute/block graph, posts and engagements, read from JSON
//!   Lines ([`Dataset::from_jsonl_dir`]) or built in memory ([`DatasetBuilder`]).
//! * [`synth`]: a seeded synthetic town square in viewpoint communities.
#![deny(missing_docs)]

mod error;
pub mod io;
pub mod model;
pub mod synth;

pub use error::{Error, ErrorKind, Location, Result};
pub use model::{
    Dataset, DatasetBuilder, EdgeKind, EdgeRecord, Engagement, EngagementKind, EngagementRecord,
    IngestReport, MemoryUsage, PostId, PostRecord, SocialGraph, UserId, UserRecord,
};
