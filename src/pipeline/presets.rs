//! The presets a user can choose, as JSON specs.
//!
//! Every preset applies the same protective filters (the viewer's own choices and the
//! platform's published policy), so choosing an algorithm never bypasses them; presets
//! differ in sources, scorers and rescorers.

use serde_json::{json, Value};

/// Names of the built-in presets.
pub const PRESETS: &[&str] =
    &["chronological", "engagement", "hacker_news", "reddit_hot", "lemmy", "bridging"];

fn protective() -> Vec<Value> {
    vec![
        json!({"stage": "self_posts"}),
        json!({"stage": "blocked"}),
        json!({"stage": "muted"}),
        json!({"stage": "muted_words"}),
        json!({"stage": "hidden_labels"}),
        json!({"stage": "policy_labels", "drop": ["illegal"]}),
    ]
}

/// The protective filters plus the algorithmic ones of the engagement-style presets.
fn with_algorithmic(extra_seen: bool) -> Vec<Value> {
    let mut f = protective();
    if extra_seen {
        f.push(json!({"stage": "seen"}));
    }
    f.push(json!({"stage": "max_age", "hours": 48}));
    f.push(json!({"stage": "dedupe_reposts"}));
    f
}

fn network_sources() -> Value {
    json!([{"stage": "in_network", "max_age_hours": 48}, {"stage": "social_proof", "min_proof": 2}])
}

/// The spec of a preset, or `None` for an unknown name.
pub fn preset_spec(name: &str) -> Option<Value> {
    Some(match name {
        // In-network only, newest first, reads no engagement: the non-profiling option.
        "chronological" => json!({
            "name": "chronological",
            "sources": [{"stage": "in_network", "max_age_hours": 48}],
            "filters": protective(),
            "scorers": [{"stage": "recency", "half_life_hours": 24}],
            "rescorers": [],
            "selector": {"stage": "top_k", "k": 50}
        }),
        // X's "For You" shape: heavy ranker, out-of-network scale, author diversity.
        "engagement" => json!({
            "name": "engagement",
            "sources": network_sources(),
            "filters": with_algorithmic(true),
            "scorers": [{"stage": "heavy_ranker"}, {"stage": "out_of_network", "factor": 0.75}],
            "rescorers": [{"stage": "author_diversity", "decay": 0.5, "floor": 0.25}],
            "selector": {"stage": "top_k", "k": 50}
        }),
        "hacker_news" => json!({
            "name": "hacker_news",
            "sources": network_sources(),
            "filters": with_algorithmic(false),
            "scorers": [{"stage": "hn_gravity"}],
            "rescorers": [],
            "selector": {"stage": "top_k", "k": 50}
        }),
        "reddit_hot" => json!({
            "name": "reddit_hot",
            "sources": network_sources(),
            "filters": with_algorithmic(false),
            "scorers": [{"stage": "reddit_hot"}],
            "rescorers": [],
            "selector": {"stage": "top_k", "k": 50}
        }),
        "lemmy" => json!({
            "name": "lemmy",
            "sources": network_sources(),
            "filters": with_algorithmic(false),
            "scorers": [{"stage": "lemmy_hot"}],
            "rescorers": [],
            "selector": {"stage": "top_k", "k": 50}
        }),
        // Posts endorsed across the inferred viewpoint divide (Community Notes' model): the
        // network's posts plus the 30 best-bridging recent posts of the town square (drawn
        // from both sides of the inferred axis in proportion to their size), scored by
        // bridging score and age, out-of-network posts scaled by 0.3 so they complement the
        // network rather than replace it, one post per author before the next; reads no
        // viewer history.
        "bridging" => json!({
            "name": "bridging",
            "sources": [{"stage": "in_network", "max_age_hours": 48}, {"stage": "social_proof", "min_proof": 2},
                        {"stage": "bridging_posts", "n": 30}],
            "filters": with_algorithmic(false),
            "scorers": [{"stage": "bridging"}, {"stage": "recency", "half_life_hours": 24},
                        {"stage": "out_of_network", "factor": 0.3}],
            "rescorers": [{"stage": "author_diversity", "decay": 0.5, "floor": 0.25}],
            "selector": {"stage": "top_k", "k": 50}
        }),
        _ => return None,
    })
}
