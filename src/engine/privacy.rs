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
use crate::stages::filters::post_and_original;

/// The `removed` marker of a candidate that is not available to the viewer (in place of a
/// filter index).
pub(crate) const UNAVAILABLE: u16 = u16::MAX;

/// Decides, for one viewer, which posts are not available to them.
pub(crate) struct Screen<'a> {
    ds: &'a Dataset,
    /// Accounts the viewer blocks, sorted.
    blocks: &'a [u32],
    /// Accounts that block the viewer, sorted.
    blocked_by: &'a [u32],
    /// Ids of the labels the pipeline drops for everyone ([`Filter::policy_labels`]).
    ///
    /// [`Filter::policy_labels`]: crate::stages::Filter::policy_labels
    policy_labels: Vec<u32>,
}

impl<'a> Screen<'a> {
    /// The screen of `viewer`'s feed under `pipeline`.
    pub(crate) fn new(pipeline: &'a Pipeline, ds: &'a Dataset, viewer: UserId) -> Self {
        let graph = ds.graph();
        let policy_labels = pipeline.plan.policy_labels.iter().filter_map(|name| ds.label_id(name)).collect();
        Screen { ds, blocks: graph.blocks(viewer.0), blocked_by: graph.blocked_by(viewer.0), policy_labels }
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
        post_and_original(self.ds, post).any(|p| self.blocked_either_way(self.ds.author(p)))
    }

    /// True when the post (or, for a repost, the original) carries a label the pipeline
    /// drops for everyone.
    fn dropped_by_policy(&self, post: PostId) -> bool {
        !self.policy_labels.is_empty()
            && post_and_original(self.ds, post)
                .any(|p| self.ds.label_ids(p).iter().any(|l| self.policy_labels.contains(l)))
    }

    /// True when the post is not available to the viewer: it crosses a block, or one of
    /// the pipeline's `policy_labels` filters drops it (for everyone).
    pub(crate) fn is_unavailable(&self, post: PostId) -> bool {
        self.crosses_a_block(post) || self.dropped_by_policy(post)
    }
}
