//! `label_downrank` factor: the product of the multipliers of the post's labels,
//! `Π_{l ∈ labels(post)} m_l` in sorted label order (labels without a multiplier count 1).
//!
//! A platform decision, not the viewer's: the platform's published policy multiplies the
//! score of posts it labelled (default `nsfw` ×0.5, `spam` ×0.1; glassfeed's own defaults).
//! Every explanation discloses it as platform policy, naming each label and multiplier,
//! as the DSA (Art. 27) asks of recommender systems' main parameters. Labels the viewer
//! chose to hide are removed earlier by the `hidden_labels` filter.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::weighted_sum::sig;
use crate::stages::{Combine, ExplainMode, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput};
use crate::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Parameters of [`LabelDownrank`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabelDownrankParams {
    /// Label → multiplier (default `{"nsfw": 0.5, "spam": 0.1}`; names non-empty,
    /// multipliers finite and ≥ 0). A spec that gives `labels` replaces the whole table.
    pub labels: BTreeMap<String, f64>,
}

impl Default for LabelDownrankParams {
    fn default() -> Self {
        LabelDownrankParams { labels: [("nsfw".to_string(), 0.5), ("spam".to_string(), 0.1)].into() }
    }
}

/// Multiplies the score of labelled posts by the platform's per-label multipliers.
#[derive(Debug, Clone)]
pub struct LabelDownrank {
    params: LabelDownrankParams,
}

impl LabelDownrank {
    /// Stage id.
    pub const ID: &'static str = "label_downrank";

    /// Checks the parameters.
    pub fn new(params: LabelDownrankParams) -> Result<Self> {
        for (label, &m) in &params.labels {
            if label.trim().is_empty() {
                return Err(Error::spec(Self::ID, "labels", "label names must not be empty"));
            }
            if !m.is_finite() || m < 0.0 {
                return Err(Error::spec(
                    Self::ID,
                    "labels",
                    format!("multiplier of `{label}` must be a finite number ≥ 0, got {m}"),
                ));
            }
        }
        Ok(LabelDownrank { params })
    }

    /// The multipliers that apply to a post with `has(label)`, in sorted label order.
    fn applied<'a>(&'a self, has: impl Fn(&str) -> bool + 'a) -> impl Iterator<Item = (&'a str, f64)> + 'a {
        self.params.labels.iter().filter(move |(l, _)| has(l)).map(|(l, &m)| (l.as_str(), m))
    }
}

impl Stage for LabelDownrank {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::PostMetadata]
    }
}

impl Scorer for LabelDownrank {
    fn combine(&self) -> Combine {
        Combine::Factor
    }

    fn score(&self, input: &ViewerInput<'_>, posts: &[PostId], _: &FeatureMatrix, out: &mut [f64]) {
        // Label by label (sorted): each row still multiplies `1 · m_1 · m_2 · …` in label order.
        out.fill(1.0);
        for (label, &m) in &self.params.labels {
            let Some(id) = input.ds.label_id(label) else { continue };
            for (slot, &post) in out.iter_mut().zip(posts) {
                if input.ds.label_ids(post).contains(&id) {
                    *slot *= m;
                }
            }
        }
    }

    fn explain(
        &self,
        input: &ViewerInput<'_>,
        post: PostId,
        _: &FeatureMatrix,
        _: usize,
        value: f64,
        _: ExplainMode,
    ) -> StageNote {
        let ids = input.ds.label_ids(post);
        let has = |label: &str| input.ds.label_id(label).is_some_and(|id| ids.contains(&id));
        let parts: Vec<String> = self.applied(has).map(|(l, m)| format!("`{l}` ×{}", sig(m))).collect();
        StageNote::says(match parts.len() {
            0 => "platform policy: no down-ranked label on this post".to_string(),
            1 => format!("platform policy: label {}", parts[0]),
            _ => format!("platform policy: labels {} (×{} in all)", parts.join(", "), sig(value)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::reply::fixture;

    #[test]
    fn multiplies_in_sorted_label_order() {
        let s = LabelDownrank::new(LabelDownrankParams::default()).unwrap();
        let product = |labels: &[&str]| s.applied(|l| labels.contains(&l)).fold(1.0, |p, (_, m)| p * m);
        assert_eq!(product(&[]), 1.0);
        assert_eq!(product(&["spam"]), 0.1);
        assert_eq!(product(&["spam", "nsfw", "other"]), 0.5 * 0.1);
        let (values, notes) = fixture::run(&s, ExplainMode::Summary);
        assert_eq!(values, vec![1.0, 0.5 * 0.1]);
        assert_eq!(notes[0].why, "platform policy: no down-ranked label on this post");
        assert_eq!(notes[1].why, "platform policy: labels `nsfw` ×0.5, `spam` ×0.1 (×0.05 in all)");
    }

    #[test]
    fn one_label_sentence() {
        let s =
            LabelDownrank::new(LabelDownrankParams { labels: [("spam".to_string(), 0.1)].into() }).unwrap();
        let (values, notes) = fixture::run(&s, ExplainMode::Full);
        assert_eq!(values, vec![1.0, 0.1]);
        assert_eq!(notes[1].why, "platform policy: label `spam` ×0.1");
    }

    #[test]
    fn rejects_bad_multipliers() {
        for bad in [-0.1, f64::NAN, f64::INFINITY] {
            let e = LabelDownrank::new(LabelDownrankParams { labels: [("spam".to_string(), bad)].into() })
                .unwrap_err();
            assert!(e.to_string().contains("label_downrank") && e.to_string().contains("`labels`"), "{e}");
            assert!(e.to_string().contains("spam"), "{e}");
        }
        assert!(
            LabelDownrank::new(LabelDownrankParams { labels: [("illegal".to_string(), 0.0)].into() }).is_ok()
        );
    }
}
