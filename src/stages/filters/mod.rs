//! Filters: each removal records the stage, a sentence and who decided it
//! ([`DecidedBy`](crate::stages::DecidedBy)). For a repost, the filters about authors,
//! words and labels look at the original post too, so a repost never smuggles in what the
//! viewer or the platform excluded.

pub mod blocked;
pub mod dedupe_reposts;
pub mod hidden_labels;
pub mod max_age;
pub mod muted;
pub mod muted_words;
pub mod policy_labels;
pub mod seen;
pub mod self_posts;

use crate::model::{Dataset, PostId};
use serde::{Deserialize, Serialize};

/// Parameters of a filter that has none: the spec object is `{"stage": "<id>"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// The post itself and, for a repost, the original.
pub(crate) fn post_and_original(ds: &Dataset, post: PostId) -> impl Iterator<Item = PostId> {
    std::iter::once(post).chain(ds.repost_of(post))
}

/// Implements [`Stage`](crate::stages::Stage) for a stage struct with a `params` field.
macro_rules! stage_basics {
    ($ty:ty, $id:expr, [$($input:expr),*]) => {
        impl $crate::stages::Stage for $ty {
            fn id(&self) -> &'static str {
                $id
            }
            fn params(&self) -> serde_json::Value {
                serde_json::to_value(&self.params).expect("params serialise")
            }
            fn reads(&self) -> Vec<$crate::stages::Input> {
                vec![$($input),*]
            }
        }
    };
}
pub(crate) use stage_basics;
