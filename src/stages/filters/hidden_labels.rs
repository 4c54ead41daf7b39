//! `hidden_labels` filter: no posts carrying a label the viewer chose to hide.

use crate::model::PostId;
use crate::stages::filters::{post_and_original, stage_basics, NoParams};
use crate::stages::{DecidedBy, Filter, Input, ViewerInput};

/// Removes posts (or reposts of posts) with a label in the viewer's `hidden_labels`.
/// Decided by the viewer.
#[derive(Debug, Clone, Default)]
pub struct HiddenLabels {
    params: NoParams,
}

impl HiddenLabels {
    /// Stage id.
    pub const ID: &'static str = "hidden_labels";

    fn find(input: &ViewerInput<'_>, post: PostId) -> Option<u32> {
        let hidden = input.ds.hidden_label_ids(input.viewer);
        if hidden.is_empty() {
            return None;
        }
        post_and_original(input.ds, post)
            .find_map(|p| input.ds.label_ids(p).iter().copied().find(|l| hidden.contains(l)))
    }
}

stage_basics!(HiddenLabels, HiddenLabels::ID, [Input::ViewerSettings, Input::PostMetadata]);

impl Filter for HiddenLabels {
    fn applies_to(&self, input: &ViewerInput<'_>) -> bool {
        !input.ds.hidden_label_ids(input.viewer).is_empty()
    }
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        Self::find(input, post).map(|_| DecidedBy::Viewer)
    }
    fn reason(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        match Self::find(input, post) {
            Some(l) => format!("it is labelled `{}`, which you hide", input.ds.label_name(l)),
            None => String::new(),
        }
    }
}
