//! `reply` factor: `factor` (default 0.75) for replies (`is_reply = 1`), else 1.
//!
//! Origin: X's home-mixer `RescoreReplies` (`RescoringFactorProvider.scala`, twitter/the-algorithm),
//! which scales candidates with an in-reply-to id by `ReplyScaleFactorParam` (0.75).

use crate::error::Result;
use crate::model::PostId;
use crate::stages::weighted_sum::sig;
use crate::stages::{
    Combine, ExplainMode, FeatureContribution, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput,
};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`Reply`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplyParams {
    /// Multiplier for replies (default 0.75; finite, > 0).
    pub factor: f64,
}

impl Default for ReplyParams {
    fn default() -> Self {
        ReplyParams { factor: 0.75 }
    }
}

/// Scales replies, so that a feed favours posts that start conversations.
#[derive(Debug, Clone)]
pub struct Reply {
    params: ReplyParams,
}

impl Reply {
    /// Stage id.
    pub const ID: &'static str = "reply";

    /// Checks the parameters.
    pub fn new(params: ReplyParams) -> Result<Self> {
        let f = params.factor;
        if !f.is_finite() || f <= 0.0 {
            return Err(Error::spec(Self::ID, "factor", format!("must be a finite number > 0, got {f}")));
        }
        Ok(Reply { params })
    }

    fn value(&self, is_reply: f64) -> f64 {
        if is_reply == 1.0 {
            self.params.factor
        } else {
            1.0
        }
    }
}

impl Stage for Reply {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::Feature("is_reply".into())]
    }
}

impl Scorer for Reply {
    fn combine(&self) -> Combine {
        Combine::Factor
    }

    fn score(&self, _: &ViewerInput<'_>, _: &[PostId], features: &FeatureMatrix, out: &mut [f64]) {
        for (slot, &r) in out.iter_mut().zip(features.column("is_reply")) {
            *slot = self.value(r);
        }
    }

    fn explain(
        &self,
        _: &ViewerInput<'_>,
        _: PostId,
        features: &FeatureMatrix,
        row: usize,
        value: f64,
        mode: ExplainMode,
    ) -> StageNote {
        let r = features.get(row, "is_reply");
        let why = if r == 1.0 {
            format!("a reply: replies are scaled by {}", sig(value))
        } else {
            "not a reply: no reply discount".to_string()
        };
        let details = if mode == ExplainMode::Full {
            vec![FeatureContribution {
                feature: "is_reply".into(),
                value: r,
                weight: None,
                contribution: None,
                missing: false,
            }]
        } else {
            Vec::new()
        };
        StageNote { why, details }
    }
}

/// A tiny dataset for end-to-end scorer tests (shared by the scorer files).
#[cfg(test)]
pub(crate) mod fixture {
    use crate::model::{DatasetBuilder, EdgeKind, EngagementKind, EngagementRecord, PostRecord, UserRecord};
    use crate::stages::{ExplainMode, FeatureMatrix, Input, Scorer, StageNote, ViewerInput, ViewerState};
    use crate::Dataset;

    /// The ranking time.
    pub(crate) const NOW: i64 = 1_700_000_000;
    const HOUR: i64 = 3600;

    /// `viewer` follows `dana`, not `olaf`.
    /// * `p1` by dana, 3 h old: 12 likes, 3 dislikes, features `p_fav` 0.2, `p_reply` 0.1,
    ///   `p_retweet` 0.05.
    /// * `p2` by olaf, a reply to `p1`, 30 h old, labels `spam` and `nsfw`, no votes.
    /// * The viewer liked dana's older `p0` exactly 168 h before `NOW`: affinity 0.5.
    pub(crate) fn dataset() -> Dataset {
        let mut b = DatasetBuilder::new();
        let mut users = vec!["viewer".to_string(), "dana".into(), "olaf".into()];
        users.extend((0..12).map(|i| format!("v{i}")));
        for id in &users {
            b.add_user(&UserRecord { id: id.clone(), ..Default::default() }).unwrap();
        }
        b.add_edge("viewer", "dana", EdgeKind::Follow).unwrap();
        let post = |id: &str, author: &str, age_h: i64| PostRecord {
            id: id.into(),
            author: author.into(),
            created_at: NOW - age_h * HOUR,
            ..Default::default()
        };
        b.add_post(&post("p0", "dana", 200)).unwrap();
        let mut p1 = post("p1", "dana", 3);
        p1.features =
            [("p_fav".to_string(), 0.2), ("p_reply".into(), 0.1), ("p_retweet".into(), 0.05)].into();
        b.add_post(&p1).unwrap();
        let mut p2 = post("p2", "olaf", 30);
        p2.reply_to = Some("p1".into());
        p2.labels = vec!["spam".into(), "nsfw".into()];
        b.add_post(&p2).unwrap();
        let mut engage = |user: &str, post: &str, kind: EngagementKind, at: i64| {
            b.add_engagement(&EngagementRecord {
                user: user.into(),
                post: post.into(),
                kind,
                at,
                rating: None,
            })
            .unwrap()
        };
        engage("viewer", "p0", EngagementKind::Like, NOW - 168 * HOUR);
        for i in 0..12 {
            engage(&format!("v{i}"), "p1", EngagementKind::Like, NOW - HOUR);
        }
        for i in 0..3 {
            engage(&format!("v{i}"), "p1", EngagementKind::Dislike, NOW - HOUR);
        }
        b.build().unwrap()
    }

    /// Scores `p1` and `p2` for `viewer` at `NOW` and explains both.
    pub(crate) fn run(stage: &dyn Scorer, mode: ExplainMode) -> (Vec<f64>, Vec<StageNote>) {
        let ds = dataset();
        let viewer = ds.user_id("viewer").unwrap();
        let mut state = ViewerState::default();
        state.compute_affinity(&ds, viewer, NOW);
        let input = ViewerInput { ds: &ds, viewer, now: NOW, state: &state };
        let posts = [ds.post_id("p1").unwrap(), ds.post_id("p2").unwrap()];
        let names = stage
            .reads()
            .into_iter()
            .filter_map(|i| match i {
                Input::Feature(name) => Some(name),
                _ => None,
            })
            .collect();
        let mut features = FeatureMatrix::with_columns(names);
        features.hydrate(&input, &posts);
        let mut out = vec![f64::NAN; posts.len()];
        stage.score(&input, &posts, &features, &mut out);
        let notes =
            (0..posts.len()).map(|i| stage.explain(&input, posts[i], &features, i, out[i], mode)).collect();
        (out, notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_replies_only() {
        let r = Reply::new(ReplyParams::default()).unwrap();
        assert_eq!(r.value(1.0), 0.75);
        assert_eq!(r.value(0.0), 1.0);
        let (values, notes) = fixture::run(&r, ExplainMode::Summary);
        assert_eq!(values, vec![1.0, 0.75]);
        assert_eq!(notes[1].why, "a reply: replies are scaled by 0.75");
        assert!(notes[1].details.is_empty(), "summary mode has no details");
    }

    #[test]
    fn rejects_non_positive_factor() {
        for bad in [0.0, -1.0, f64::INFINITY] {
            let e = Reply::new(ReplyParams { factor: bad }).unwrap_err();
            assert!(e.to_string().contains("`reply`") && e.to_string().contains("`factor`"), "{e}");
        }
    }
}
