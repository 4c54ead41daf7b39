//! `self_posts` filter: the viewer's own posts (and reposts of them) are not in their feed.

use crate::model::PostId;
use crate::stages::filters::{post_and_original, stage_basics, NoParams};
use crate::stages::{DecidedBy, Filter, Input, ViewerInput};

/// Removes posts the viewer wrote, and reposts of them. Decided by the algorithm.
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
        post_and_original(input.ds, post)
            .any(|p| input.ds.author(p) == input.viewer)
            .then_some(DecidedBy::Algorithm)
    }
    fn reason(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        if input.ds.author(post) == input.viewer {
            "it is your own post".to_string()
        } else {
            "it is a repost of your own post".to_string()
        }
    }
}
