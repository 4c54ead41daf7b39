//! `blocked` filter: no posts between accounts that block each other.

use crate::model::{PostId, UserId};
use crate::stages::filters::{post_and_original, stage_basics, NoParams};
use crate::stages::{DecidedBy, Filter, Input, ViewerInput};

/// Removes posts (and reposts of posts) by accounts the viewer blocks (decided by the
/// viewer) or that block the viewer (decided by the author).
#[derive(Debug, Clone, Default)]
pub struct Blocked {
    params: NoParams,
}

impl Blocked {
    /// Stage id.
    pub const ID: &'static str = "blocked";

    fn find(input: &ViewerInput<'_>, post: PostId) -> Option<(UserId, DecidedBy)> {
        let graph = input.ds.graph();
        // Both lists are the viewer's own rows (`blocked_by` is the reverse of `blocks`).
        let (blocks, blocked_by) = (graph.blocks(input.viewer.0), graph.blocked_by(input.viewer.0));
        if blocks.is_empty() && blocked_by.is_empty() {
            return None;
        }
        post_and_original(input.ds, post).find_map(|p| {
            let author = input.ds.author(p);
            if blocks.binary_search(&author.0).is_ok() {
                Some((author, DecidedBy::Viewer))
            } else if blocked_by.binary_search(&author.0).is_ok() {
                Some((author, DecidedBy::Author))
            } else {
                None
            }
        })
    }
}

stage_basics!(Blocked, Blocked::ID, [Input::Blocks, Input::PostMetadata]);

impl Filter for Blocked {
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        Self::find(input, post).map(|(_, by)| by)
    }
    fn reason(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        match Self::find(input, post) {
            Some((author, DecidedBy::Viewer)) => format!("you blocked {}", input.handle(author)),
            // Privacy: never name an account that blocks the viewer.
            _ => "the author does not share posts with you".to_string(),
        }
    }
}
