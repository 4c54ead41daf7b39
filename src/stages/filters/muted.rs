//! `muted` filter: no posts by accounts the viewer muted.

use crate::model::{PostId, UserId};
use crate::stages::filters::{post_and_original, stage_basics, NoParams};
use crate::stages::{DecidedBy, Filter, Input, ViewerInput};

/// Removes posts (and reposts of posts) by accounts the viewer muted. Decided by the viewer.
#[derive(Debug, Clone, Default)]
pub struct Muted {
    params: NoParams,
}

impl Muted {
    /// Stage id.
    pub const ID: &'static str = "muted";

    fn find(input: &ViewerInput<'_>, post: PostId) -> Option<UserId> {
        post_and_original(input.ds, post)
            .map(|p| input.ds.author(p))
            .find(|a| input.ds.graph().is_muting(input.viewer.0, a.0))
    }
}

stage_basics!(Muted, Muted::ID, [Input::Mutes, Input::PostMetadata]);

impl Filter for Muted {
    fn applies_to(&self, input: &ViewerInput<'_>) -> bool {
        !input.ds.graph().mutes(input.viewer.0).is_empty()
    }
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        Self::find(input, post).map(|_| DecidedBy::Viewer)
    }
    fn reason(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        match Self::find(input, post) {
            Some(a) => format!("you muted {}", input.handle(a)),
            None => String::new(),
        }
    }
}
