//! Built-in stages by id: parses a stage object of a spec into a stage.

use crate::error::{ErrorKind, Result};
use crate::stages::author_affinity::{AuthorAffinity, AuthorAffinityParams};
use crate::stages::author_diversity::{AuthorDiversity, AuthorDiversityParams};
use crate::stages::bridging::{Bridging, BridgingParams};
use crate::stages::bridging_posts::{BridgingPosts, BridgingPostsParams};
use crate::stages::filters::blocked::Blocked;
use crate::stages::filters::dedupe_reposts::DedupeReposts;
use crate::stages::filters::hidden_labels::HiddenLabels;
use crate::stages::filters::max_age::{MaxAge, MaxAgeParams};
use crate::stages::filters::muted::Muted;
use crate::stages::filters::muted_words::MutedWords;
use crate::stages::filters::policy_labels::{PolicyLabels, PolicyLabelsParams};
use crate::stages::filters::seen::Seen;
use crate::stages::filters::self_posts::SelfPosts;
use crate::stages::filters::NoParams;
use crate::stages::heavy_ranker::{HeavyRanker, HeavyRankerParams};
use crate::stages::hn_gravity::{HnGravity, HnGravityParams};
use crate::stages::in_network::{InNetwork, InNetworkParams};
use crate::stages::label_downrank::{LabelDownrank, LabelDownrankParams};
use crate::stages::lemmy_hot::{LemmyHot, LemmyHotParams};
use crate::stages::out_of_network::{OutOfNetwork, OutOfNetworkParams};
use crate::stages::popular::{Popular, PopularParams};
use crate::stages::recency::{Recency, RecencyParams};
use crate::stages::reddit_controversy::{RedditControversy, RedditControversyParams};
use crate::stages::reddit_hot::{RedditHot, RedditHotParams};
use crate::stages::reply::{Reply, ReplyParams};
use crate::stages::social_proof::{SocialProof, SocialProofParams};
use crate::stages::top_k::{TopK, TopKParams};
use crate::stages::weighted_sum::{WeightedSum, WeightedSumParams};
use crate::stages::{Filter, Rescorer, Scorer, Selector, Source};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Ids of the built-in stages, by role.
pub const SOURCES: &[&str] = &["in_network", "social_proof", "popular", "bridging_posts"];
/// Ids of the built-in filters.
pub const FILTERS: &[&str] = &[
    "self_posts",
    "blocked",
    "muted",
    "muted_words",
    "hidden_labels",
    "policy_labels",
    "seen",
    "max_age",
    "dedupe_reposts",
];
/// Ids of the built-in scorers.
pub const SCORERS: &[&str] = &[
    "recency",
    "weighted_sum",
    "heavy_ranker",
    "hn_gravity",
    "reddit_hot",
    "reddit_controversy",
    "lemmy_hot",
    "author_affinity",
    "out_of_network",
    "reply",
    "label_downrank",
    "bridging",
];
/// Ids of the built-in rescorers.
pub const RESCORERS: &[&str] = &["author_diversity"];
/// Ids of the built-in selectors.
pub const SELECTORS: &[&str] = &["top_k"];

/// A stage object of a spec, split into its id and its parameters.
pub(crate) struct StageObject<'a> {
    pub id: String,
    pub params: Map<String, Value>,
    /// Where it is in the spec, e.g. `scorers[1]`.
    pub at: &'a str,
}

impl StageObject<'_> {
    fn parse<P: DeserializeOwned>(&self) -> Result<P> {
        serde_path_to_error::deserialize::<_, P>(Value::Object(self.params.clone())).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            let param = if path == "." {
                // serde names unknown or missing fields in the message itself.
                message.split('`').nth(1).unwrap_or("-").to_string()
            } else {
                path
            };
            ErrorKind::Spec { stage: format!("{} ({})", self.id, self.at), param, message }.into()
        })
    }

    fn unknown(&self, role: &str, known: &[&str]) -> crate::Error {
        ErrorKind::Spec {
            stage: format!("{} ({})", self.id, self.at),
            param: "stage".to_string(),
            message: format!("unknown {role} stage; the built-in ones are: {}", known.join(", ")),
        }
        .into()
    }
}

pub(crate) fn source(o: &StageObject<'_>) -> Result<Box<dyn Source>> {
    Ok(match o.id.as_str() {
        "in_network" => Box::new(InNetwork::new(o.parse::<InNetworkParams>()?)?),
        "social_proof" => Box::new(SocialProof::new(o.parse::<SocialProofParams>()?)?),
        "popular" => Box::new(Popular::new(o.parse::<PopularParams>()?)?),
        "bridging_posts" => Box::new(BridgingPosts::new(o.parse::<BridgingPostsParams>()?)?),
        _ => return Err(o.unknown("source", SOURCES)),
    })
}

pub(crate) fn filter(o: &StageObject<'_>) -> Result<Box<dyn Filter>> {
    let no_params = |o: &StageObject<'_>| o.parse::<NoParams>();
    Ok(match o.id.as_str() {
        "self_posts" => no_params(o).map(|_| Box::new(SelfPosts::default()))?,
        "blocked" => no_params(o).map(|_| Box::new(Blocked::default()))?,
        "muted" => no_params(o).map(|_| Box::new(Muted::default()))?,
        "muted_words" => no_params(o).map(|_| Box::new(MutedWords::default()))?,
        "hidden_labels" => no_params(o).map(|_| Box::new(HiddenLabels::default()))?,
        "seen" => no_params(o).map(|_| Box::new(Seen::default()))?,
        "dedupe_reposts" => no_params(o).map(|_| Box::new(DedupeReposts::default()))?,
        "policy_labels" => Box::new(PolicyLabels::new(o.parse::<PolicyLabelsParams>()?)?),
        "max_age" => Box::new(MaxAge::new(o.parse::<MaxAgeParams>()?)?),
        _ => return Err(o.unknown("filter", FILTERS)),
    })
}

pub(crate) fn scorer(o: &StageObject<'_>) -> Result<Box<dyn Scorer>> {
    Ok(match o.id.as_str() {
        "recency" => Box::new(Recency::new(o.parse::<RecencyParams>()?)?),
        "weighted_sum" => Box::new(WeightedSum::new(o.parse::<WeightedSumParams>()?)?),
        "heavy_ranker" => Box::new(HeavyRanker::new(o.parse::<HeavyRankerParams>()?)?),
        "hn_gravity" => Box::new(HnGravity::new(o.parse::<HnGravityParams>()?)?),
        "reddit_hot" => Box::new(RedditHot::new(o.parse::<RedditHotParams>()?)?),
        "reddit_controversy" => Box::new(RedditControversy::new(o.parse::<RedditControversyParams>()?)?),
        "lemmy_hot" => Box::new(LemmyHot::new(o.parse::<LemmyHotParams>()?)?),
        "author_affinity" => Box::new(AuthorAffinity::new(o.parse::<AuthorAffinityParams>()?)?),
        "out_of_network" => Box::new(OutOfNetwork::new(o.parse::<OutOfNetworkParams>()?)?),
        "reply" => Box::new(Reply::new(o.parse::<ReplyParams>()?)?),
        "label_downrank" => Box::new(LabelDownrank::new(o.parse::<LabelDownrankParams>()?)?),
        "bridging" => Box::new(Bridging::new(o.parse::<BridgingParams>()?)?),
        _ => return Err(o.unknown("scorer", SCORERS)),
    })
}

pub(crate) fn rescorer(o: &StageObject<'_>) -> Result<Box<dyn Rescorer>> {
    Ok(match o.id.as_str() {
        "author_diversity" => Box::new(AuthorDiversity::new(o.parse::<AuthorDiversityParams>()?)?),
        _ => return Err(o.unknown("rescorer", RESCORERS)),
    })
}

pub(crate) fn selector(o: &StageObject<'_>) -> Result<Box<dyn Selector>> {
    Ok(match o.id.as_str() {
        "top_k" => Box::new(TopK::new(o.parse::<TopKParams>()?)?),
        _ => return Err(o.unknown("selector", SELECTORS)),
    })
}
