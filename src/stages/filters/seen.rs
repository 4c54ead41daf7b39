//! `seen` filter: posts the viewer already had an impression of.

use crate::model::PostId;
use crate::stages::filters::{stage_basics, NoParams};
use crate::stages::{DecidedBy, Filter, Input, ViewerInput};

/// Removes posts the viewer had an impression of at or before `now`. Reads the viewer's
/// engagement history. Decided by the algorithm.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    params: NoParams,
}

impl Seen {
    /// Stage id.
    pub const ID: &'static str = "seen";
}

stage_basics!(Seen, Seen::ID, [Input::ViewerHistory]);

impl Filter for Seen {
    fn applies_to(&self, input: &ViewerInput<'_>) -> bool {
        !input.state.seen.is_empty()
    }
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        input.state.has_seen(post).then_some(DecidedBy::Algorithm)
    }
    fn check_sorted(&self, input: &ViewerInput<'_>, posts: &[PostId], out: &mut [Option<DecidedBy>]) {
        let seen = &input.state.seen;
        if seen.len() > 8 * posts.len() {
            // A long history: look each candidate up.
            for (slot, &post) in out.iter_mut().zip(posts) {
                *slot = self.check(input, post);
            }
            return;
        }
        // Both lists are sorted: walk them together.
        let mut k = 0;
        for (slot, &post) in out.iter_mut().zip(posts) {
            while k < seen.len() && seen[k] < post.0 {
                k += 1;
            }
            *slot = (k < seen.len() && seen[k] == post.0).then_some(DecidedBy::Algorithm);
        }
    }
    fn reason(&self, _: &ViewerInput<'_>, _: PostId) -> String {
        "you have already seen it".to_string()
    }
}
