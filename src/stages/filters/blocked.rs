//! `blocked` filter: no posts between accounts that block each other.

use crate::model::PostId;
use crate::stages::filters::{post_and_original, stage_basics, NoParams};
use crate::stages::{DecidedBy, Filter, Input, ViewerInput};

/// Removes posts (and reposts of posts) by accounts the viewer blocks (decided by the
/// viewer) or that block the viewer (decided by the author).
///
/// The engine applies the same rule to every pipeline before its filters run, whether or
/// not the spec lists this stage, and records such a post only as not available (see the
/// privacy rule on [`Explanation`](crate::Explanation)); this stage stays for specs that
/// name it and for callers that run filters themselves. Its sentence is the same in both
/// directions and names no one, so it never tells the viewer who blocks them.
#[derive(Debug, Clone, Default)]
pub struct Blocked {
    params: NoParams,
}

impl Blocked {
    /// Stage id.
    pub const ID: &'static str = "blocked";

    fn find(input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        let graph = input.ds.graph();
        // Both lists are the viewer's own rows (`blocked_by` is the reverse of `blocks`).
        let (blocks, blocked_by) = (graph.blocks(input.viewer.0), graph.blocked_by(input.viewer.0));
        if blocks.is_empty() && blocked_by.is_empty() {
            return None;
        }
        post_and_original(input.ds, post).find_map(|p| {
            let author = input.ds.author(p);
            if blocks.binary_search(&author.0).is_ok() {
                Some(DecidedBy::Viewer)
            } else if blocked_by.binary_search(&author.0).is_ok() {
                Some(DecidedBy::Author)
            } else {
                None
            }
        })
    }
}

stage_basics!(Blocked, Blocked::ID, [Input::Blocks, Input::PostMetadata]);

impl Filter for Blocked {
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        Self::find(input, post)
    }
    fn reason(&self, _: &ViewerInput<'_>, _: PostId) -> String {
        // Privacy: never name an account blocked in either direction, nor say which way.
        crate::Outcome::UNAVAILABLE_REASON.to_string()
    }
}
