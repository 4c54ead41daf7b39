//! `dedupe_reposts` filter: one copy of each post.

use crate::model::PostId;
use crate::stages::filters::{stage_basics, NoParams};
use crate::stages::{DecidedBy, Filter, Input, ViewerInput};

/// Removes a repost when the original is itself a candidate, or when a newer repost of
/// the same original is a candidate (the newest repost is kept; ties by external id).
/// Decided by the algorithm.
#[derive(Debug, Clone, Default)]
pub struct DedupeReposts {
    params: NoParams,
}

impl DedupeReposts {
    /// Stage id.
    pub const ID: &'static str = "dedupe_reposts";
}

stage_basics!(DedupeReposts, DedupeReposts::ID, [Input::PostMetadata]);

impl Filter for DedupeReposts {
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        let original = input.ds.repost_of(post)?;
        let state = input.state;
        if state.is_candidate(original) || state.kept_repost(original) != Some(post) {
            Some(DecidedBy::Algorithm)
        } else {
            None
        }
    }
    fn reason(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        match input.ds.repost_of(post) {
            Some(o) if input.state.is_candidate(o) => "the original post is already a candidate".to_string(),
            Some(o) => match input.state.kept_repost(o) {
                Some(kept) => {
                    format!("a newer repost of the same post is kept ({})", input.ds.post_name(kept))
                }
                None => String::new(),
            },
            None => String::new(),
        }
    }
}
