//! `max_age` filter: posts older than a limit (or newer than `now`).

use crate::error::Result;
use crate::model::PostId;
use crate::stages::filters::stage_basics;
use crate::stages::in_network::check_window;
use crate::stages::{hours, DecidedBy, Filter, Input, ViewerInput};
use serde::{Deserialize, Serialize};

/// Parameters of [`MaxAge`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaxAgeParams {
    /// Maximum age in hours (default 48).
    pub hours: f64,
}

impl Default for MaxAgeParams {
    fn default() -> Self {
        MaxAgeParams { hours: 48.0 }
    }
}

/// Removes posts older than `hours` at `now`, and posts created after `now`. Decided by
/// the algorithm.
#[derive(Debug, Clone)]
pub struct MaxAge {
    params: MaxAgeParams,
}

impl MaxAge {
    /// Stage id.
    pub const ID: &'static str = "max_age";

    /// Checks the parameters.
    pub fn new(params: MaxAgeParams) -> Result<Self> {
        check_window(Self::ID, "hours", params.hours)?;
        Ok(MaxAge { params })
    }
}

stage_basics!(MaxAge, MaxAge::ID, [Input::Feature("age_hours".into())]);

impl Filter for MaxAge {
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        let age = input.age_hours(post);
        (!(0.0..=self.params.hours).contains(&age)).then_some(DecidedBy::Algorithm)
    }
    fn reason(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        let age = input.age_hours(post);
        if age < 0.0 {
            "it was posted after the ranking time".to_string()
        } else {
            format!("it is {} old; the limit is {}", hours(age), hours(self.params.hours))
        }
    }
}
