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
    fn reason(&self, _: &ViewerInput<'_>, _: PostId) -> String {
        "you have already seen it".to_string()
    }
}
