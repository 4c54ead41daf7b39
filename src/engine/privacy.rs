//! Which posts a viewer may be told about (the privacy rule of [`crate::Explanation`]).
//!
//! A post is *not available* to a viewer when its author, or the author of the post it
//! reposts, blocks the viewer or is blocked by the viewer, or when one of the pipeline's
//! `policy_labels` filters drops it. The engine removes such posts from every feed before
//! the pipeline's filters run — whether or not the spec lists a `blocked` filter, so no
//! pipeline, however written, shows a post across a block — and every explanation of one
//! is the same record: the post's id and "not available", nothing else.

use crate::model::{Dataset, PostId, UserId};
use crate::pipeline::Pipeline;
use crate::stages::ViewerInput;

/// The `removed` marker of a candidate that is not available to the viewer (in place of a
/// filter index).
pub(crate) const UNAVAILABLE: u16 = u16::MAX;

/// Decides, for one viewer, which posts are not available to them.
pub(crate) struct Screen<'a> {
    pipeline: &'a Pipeline,
    ds: &'a Dataset,
    /// Accounts the viewer blocks, sorted.
    blocks: &'a [u32],
    /// Accounts that block the viewer, sorted.
    blocked_by: &'a [u32],
}

impl<'a> Screen<'a> {
    /// The screen of `viewer`'s feed under `pipeline`.
    pub(crate) fn new(pipeline: &'a Pipeline, ds: &'a Dataset, viewer: UserId) -> Self {
        let graph = ds.graph();
        Screen { pipeline, ds, blocks: graph.blocks(viewer.0), blocked_by: graph.blocked_by(viewer.0) }
    }

    /// True when `user` blocks the viewer or the viewer blocks `user`.
    fn blocked_either_way(&self, user: UserId) -> bool {
        self.blocks.binary_search(&user.0).is_ok() || self.blocked_by.binary_search(&user.0).is_ok()
    }

    /// True when the post (or, for a repost, the original) is by an account blocked in
    /// either direction.
    pub(crate) fn crosses_a_block(&self, post: PostId) -> bool {
        if self.blocks.is_empty() && self.blocked_by.is_empty() {
            return false;
        }
        std::iter::once(post)
            .chain(self.ds.repost_of(post))
            .any(|p| self.blocked_either_way(self.ds.author(p)))
    }

    /// True when the post is not available to the viewer: it crosses a block, or one of
    /// the pipeline's `policy_labels` filters drops it (for everyone).
    pub(crate) fn is_unavailable(&self, input: &ViewerInput<'_>, post: PostId) -> bool {
        self.crosses_a_block(post)
            || self
                .pipeline
                .plan
                .policy_filters
                .iter()
                .any(|&fi| self.pipeline.filters[fi].check(input, post).is_some())
    }
}
