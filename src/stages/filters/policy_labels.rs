//! `policy_labels` filter: the platform's published policy drops posts with some labels.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::filters::{post_and_original, stage_basics};
use crate::stages::{DecidedBy, Filter, Input, ViewerInput};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`PolicyLabels`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyLabelsParams {
    /// Labels whose posts are dropped for everyone (default `["illegal"]`).
    pub drop: Vec<String>,
}

impl Default for PolicyLabelsParams {
    fn default() -> Self {
        PolicyLabelsParams { drop: vec!["illegal".to_string()] }
    }
}

/// Removes posts (or reposts of posts) carrying a label in `drop`. Decided by the platform.
#[derive(Debug, Clone)]
pub struct PolicyLabels {
    params: PolicyLabelsParams,
}

impl PolicyLabels {
    /// Stage id.
    pub const ID: &'static str = "policy_labels";

    /// Checks the parameters.
    pub fn new(mut params: PolicyLabelsParams) -> Result<Self> {
        if params.drop.iter().any(String::is_empty) {
            return Err(Error::spec(Self::ID, "drop", "labels must not be empty strings"));
        }
        params.drop.sort();
        params.drop.dedup();
        Ok(PolicyLabels { params })
    }

    fn find<'a>(&'a self, input: &ViewerInput<'a>, post: PostId) -> Option<&'a str> {
        post_and_original(input.ds, post).find_map(|p| {
            input
                .ds
                .label_ids(p)
                .iter()
                .map(|&l| input.ds.label_name(l))
                .find(|name| self.params.drop.iter().any(|d| d == name))
        })
    }
}

stage_basics!(PolicyLabels, PolicyLabels::ID, [Input::PostMetadata]);

impl Filter for PolicyLabels {
    fn policy_labels(&self) -> &[String] {
        &self.params.drop
    }
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        self.find(input, post).map(|_| DecidedBy::Platform)
    }
    fn reason(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        match self.find(input, post) {
            Some(l) => format!("platform policy removes posts labelled `{l}`"),
            None => String::new(),
        }
    }
}
