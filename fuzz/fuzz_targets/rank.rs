//! A whole rank call on a fuzzed dataset and spec. `arbitrary` derives a small world (up
//! to 8 users, 24 posts, 48 engagements, references that may not resolve, extreme
//! timestamps and feature values) and a spec (a preset, free JSON text, or stages picked
//! by name with parameters of any JSON shape); then every explain mode of `rank`,
//! `rank_all`, `why_not`, `compare` and the feed audits run on it.
#![no_main]

use arbitrary::Arbitrary;
use glassfeed::{
    DatasetBuilder, EdgeKind, EngagementKind, EngagementRecord, Pipeline, PostRecord, UserRecord,
};
use glassfeed_fuzz::{exercise, Calls};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

/// Stage ids (and one unknown), by index.
/// Every built-in stage id, and one that names no stage.
fn stage_ids() -> Vec<&'static str> {
    use glassfeed::pipeline::registry::{FILTERS, RESCORERS, SCORERS, SELECTORS, SOURCES};
    [SOURCES, FILTERS, SCORERS, RESCORERS, SELECTORS, &["no_such_stage"]].concat()
}
/// Parameter names, feature names, labels and enum values, for keys and strings.
const NAMES: &[&str] = &[
    "max_age_hours",
    "min_proof",
    "n",
    "max_followees",
    "min_score",
    "min_raters",
    "seed",
    "hours",
    "drop",
    "half_life_hours",
    "weights",
    "feature",
    "weight",
    "transform",
    "points",
    "gravity",
    "exponent",
    "ups",
    "downs",
    "factor",
    "labels",
    "mode",
    "decay",
    "floor",
    "k",
    "max_in_network",
    "max_out_of_network",
    "likes",
    "dislikes",
    "reposts",
    "age_hours",
    "social_proof",
    "author_affinity",
    "author_pagerank",
    "author_followers",
    "in_network",
    "p_fav",
    "p_reply",
    "nsfw",
    "spam",
    "illegal",
    "term",
    "log1p",
    "sqrt",
    "identity",
    "",
];
const WORDS: &[&str] = &["spoiler", "news", "Hello", "ß", "SPOILER alert", " ", "é"];

fn name(i: u8) -> &'static str {
    NAMES[i as usize % NAMES.len()]
}

#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    Small(i8),
    Int(i64),
    Unsigned(u64),
    Float(f64),
    Name(u8),
    List(Vec<Json>),
    Object(Vec<(u8, Json)>),
}

impl Json {
    fn value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => json!(b),
            Json::Small(i) => json!(i),
            Json::Int(i) => json!(i),
            Json::Unsigned(u) => json!(u),
            Json::Float(f) => json!(f), // non-finite becomes null
            Json::Name(i) => json!(name(*i)),
            Json::List(items) => Value::Array(items.iter().map(Json::value).collect()),
            Json::Object(fields) => {
                Value::Object(fields.iter().map(|(k, v)| (name(*k).to_string(), v.value())).collect())
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Stage {
    id: u8,
    params: Vec<(u8, Json)>,
}

impl Stage {
    fn value(&self) -> Value {
        let mut object: Map<String, Value> =
            self.params.iter().map(|(k, v)| (name(*k).to_string(), v.value())).collect();
        let ids = stage_ids();
        object.insert("stage".into(), json!(ids[self.id as usize % ids.len()]));
        Value::Object(object)
    }
}

#[derive(Arbitrary, Debug)]
enum Spec {
    Preset(u8),
    Text(String),
    Stages {
        sources: Vec<Stage>,
        filters: Vec<Stage>,
        scorers: Vec<Stage>,
        rescorers: Vec<Stage>,
        selector: Option<Stage>,
    },
}

impl Spec {
    fn pipeline(&self) -> Option<Pipeline> {
        match self {
            Spec::Preset(i) => {
                let names = glassfeed::pipeline::PRESETS;
                Pipeline::preset(names[*i as usize % names.len()]).ok()
            }
            Spec::Text(text) => Pipeline::from_json(text).ok(),
            Spec::Stages { sources, filters, scorers, rescorers, selector } => {
                let list = |stages: &[Stage]| Value::Array(stages.iter().map(Stage::value).collect());
                let mut spec = json!({
                    "sources": list(sources), "filters": list(filters),
                    "scorers": list(scorers), "rescorers": list(rescorers),
                });
                if let Some(s) = selector {
                    spec["selector"] = s.value();
                }
                Pipeline::from_value(spec).ok()
            }
        }
    }
}

/// A timestamp: usually near a fixed epoch (so windows and ages matter), sometimes any.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Time {
    Near(i16),
    Any(i64),
}

impl Time {
    fn at(self) -> i64 {
        match self {
            Time::Near(minutes) => 1_700_000_000 + i64::from(minutes) * 60,
            Time::Any(t) => t,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct User {
    viewpoint: Option<u8>,
    muted_words: Vec<u8>,
    hidden_labels: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
struct Post {
    author: u8,
    created_at: Time,
    words: Vec<u8>,
    reply_to: Option<u8>,
    repost_of: Option<u8>,
    labels: Vec<u8>,
    topics: Vec<u8>,
    features: Vec<(u8, f64)>,
}

#[derive(Arbitrary, Debug)]
struct Engagement {
    user: u8,
    post: u8,
    kind: u8,
    at: Time,
    rating: Option<f64>,
}

#[derive(Arbitrary, Debug)]
struct World {
    lenient: bool,
    users: Vec<User>,
    edges: Vec<(u8, u8, u8)>,
    posts: Vec<Post>,
    engagements: Vec<Engagement>,
    spec: Spec,
    viewer: u8,
    explained: (u8, u8),
    k: Option<(bool, u64)>,
    now: Option<Time>,
}

const USERS: usize = 8;
const POSTS: usize = 24;

fn user_id(i: u8) -> String {
    format!("u{}", i % 10) // u8, u9 never exist: unknown references
}

fn post_id(i: u8) -> String {
    format!("p{}", i % 28)
}

fn build(w: &World) -> glassfeed::Result<glassfeed::Dataset> {
    let mut b = DatasetBuilder::new().lenient(w.lenient);
    for (i, u) in w.users.iter().take(USERS).enumerate() {
        let mut record = UserRecord { id: format!("u{i}"), ..Default::default() };
        if let Some(v) = u.viewpoint {
            record.attrs.insert("viewpoint".into(), ["left", "right", ""][v as usize % 3].into());
        }
        record.muted_words =
            u.muted_words.iter().take(4).map(|&x| WORDS[x as usize % WORDS.len()].into()).collect();
        record.hidden_labels = u.hidden_labels.iter().take(4).map(|&x| name(x).into()).collect();
        b.add_user(&record)?;
    }
    for &(src, dst, kind) in w.edges.iter().take(32) {
        let kind = EdgeKind::ALL[kind as usize % EdgeKind::ALL.len()];
        b.add_edge(&user_id(src), &user_id(dst), kind)?;
    }
    for (i, p) in w.posts.iter().take(POSTS).enumerate() {
        let words: Vec<&str> = p.words.iter().take(6).map(|&x| WORDS[x as usize % WORDS.len()]).collect();
        let record = PostRecord {
            id: format!("p{i}"),
            author: user_id(p.author),
            created_at: p.created_at.at(),
            text: Some(words.join(" ")),
            reply_to: p.reply_to.map(post_id),
            repost_of: p.repost_of.map(post_id),
            labels: p.labels.iter().take(4).map(|&x| name(x).into()).collect(),
            topics: p.topics.iter().take(4).map(|&x| name(x).into()).collect(),
            features: p.features.iter().take(4).map(|&(k, v)| (name(k).to_string(), v)).collect(),
        };
        b.add_post(&record)?;
    }
    for e in w.engagements.iter().take(48) {
        let kind = EngagementKind::ALL[e.kind as usize % EngagementKind::ALL.len()];
        let record = EngagementRecord {
            user: user_id(e.user),
            post: post_id(e.post),
            kind,
            at: e.at.at(),
            rating: e.rating,
        };
        b.add_engagement(&record)?;
    }
    b.build()
}

fuzz_target!(|w: World| {
    let Ok(ds) = build(&w) else { return };
    let Some(pipeline) = w.spec.pipeline() else { return };
    let calls = Calls {
        viewer: u32::from(w.viewer % 10),
        posts: (u32::from(w.explained.0 % 28), u32::from(w.explained.1 % 28)),
        k: w.k.map(|(small, k)| if small { k % 64 } else { k } as usize),
        now: w.now.map(Time::at),
    };
    exercise(&ds, &pipeline, calls);
});
