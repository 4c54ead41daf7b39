//! `self_posts` filter: the viewer's own posts are not in their feed.

use crate::model::PostId;
use crate::stages::filters::{stage_basics, NoParams};
use crate::stages::{DecidedBy, Filter, Input, ViewerInput};

/// Removes posts the viewer wrote. Decided by the algorithm.
#[derive(Debug, Clone, Default)]
pub struct SelfPosts {
    params: NoParams,
}

impl SelfPosts {
    /// Stage id.
    pub const ID: &'static str = "self_posts";
}

stage_basics!(SelfPosts, SelfPosts::ID, [Input::PostMetadata]);

impl Filter for SelfPosts {
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        (input.ds.author(post) == input.viewer).then_some(DecidedBy::Algorithm)
    }
    fn reason(&self, _: &ViewerInput<'_>, _: PostId) -> String {
        "it is your own post".to_string()
    }
}
