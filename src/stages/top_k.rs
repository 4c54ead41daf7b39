//! `top_k` selector: the best `k` items, with optional caps on in- and out-of-network.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::filters::stage_basics;
use crate::stages::{Input, Selector};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`TopK`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopKParams {
    /// Feed length (default 50, at least 1).
    pub k: usize,
    /// At most this many posts from followed accounts (default: no cap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_in_network: Option<usize>,
    /// At most this many posts from accounts not followed (default: no cap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_out_of_network: Option<usize>,
}

impl Default for TopKParams {
    fn default() -> Self {
        TopKParams { k: 50, max_in_network: None, max_out_of_network: None }
    }
}

/// Takes items in ranked order until `k` are selected, skipping those over a cap.
#[derive(Debug, Clone)]
pub struct TopK {
    params: TopKParams,
}

impl TopK {
    /// Stage id.
    pub const ID: &'static str = "top_k";

    /// Checks the parameters.
    pub fn new(params: TopKParams) -> Result<Self> {
        if params.k == 0 {
            return Err(Error::spec(Self::ID, "k", "must be at least 1"));
        }
        Ok(TopK { params })
    }

    /// The caps (in-network, out-of-network).
    pub fn caps(&self) -> (Option<usize>, Option<usize>) {
        (self.params.max_in_network, self.params.max_out_of_network)
    }
}

stage_basics!(TopK, TopK::ID, [Input::Follows]);

impl Selector for TopK {
    fn k(&self) -> usize {
        self.params.k
    }

    fn selects_from_top(&self) -> bool {
        true // a greedy walk: the items after the k-th selected are never read
    }

    fn select(&self, ordered: &[PostId], in_network: &[bool], k: usize, selected: &mut Vec<usize>) {
        selected.clear();
        let (mut inside, mut outside) = (0usize, 0usize);
        let cap_in = self.params.max_in_network.unwrap_or(usize::MAX);
        let cap_out = self.params.max_out_of_network.unwrap_or(usize::MAX);
        for (i, &inside_network) in in_network.iter().enumerate().take(ordered.len()) {
            if selected.len() == k {
                break;
            }
            let counter = if inside_network { &mut inside } else { &mut outside };
            let cap = if inside_network { cap_in } else { cap_out };
            if *counter < cap {
                *counter += 1;
                selected.push(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_skip_items_over_the_limit() {
        let t = TopK::new(TopKParams { k: 3, max_in_network: None, max_out_of_network: Some(1) }).unwrap();
        let posts: Vec<PostId> = (0..5).map(PostId).collect();
        let mut sel = Vec::new();
        t.select(&posts, &[false, false, true, false, true], 3, &mut sel);
        assert_eq!(sel, vec![0, 2, 4]);
        assert!(TopK::new(TopKParams { k: 0, ..Default::default() }).is_err());
    }
}
