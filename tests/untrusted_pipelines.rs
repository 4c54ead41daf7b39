//! Untrusted pipelines (issue 8, point 3): a spec over a [`Limits`] is a clear error, and
//! an adversarial spec within them cannot make one feed do more work than they allow.

use glassfeed::pipeline::PRESETS;
use glassfeed::synth::{self, SynthConfig};
use glassfeed::{Dataset, ErrorKind, ExplainMode, Feed, Limits, Outcome, Pipeline, RankOptions, UserId};
use serde_json::{json, Value};

/// A dense world: many follows, many engagements per post.
fn dense_world() -> Dataset {
    let config = SynthConfig {
        users: 1500,
        seed: 7,
        mean_follows: 150.0,
        engagements_per_post: 12.0,
        muted_words_share: 0.2,
        ..SynthConfig::default()
    };
    synth::generate(&config).expect("synth world")
}

fn accepts(spec: &Value, limits: &Limits) {
    if let Err(e) = Pipeline::from_json_with_limits(&spec.to_string(), limits) {
        panic!("refused {spec}: {e}");
    }
}

/// The error for a spec over a limit; it must name every `needle`.
fn refuses(spec: &Value, limits: &Limits, needles: &[&str]) {
    match Pipeline::from_json_with_limits(&spec.to_string(), limits) {
        Ok(_) => panic!("accepted {spec}"),
        Err(e) => {
            assert!(matches!(e.kind(), ErrorKind::Spec { .. }), "{e}");
            for needle in needles {
                assert!(e.to_string().contains(needle), "`{needle}` not in: {e}");
            }
        }
    }
}

fn in_network() -> Value {
    json!({"stage": "in_network"})
}

fn spec(sources: Value, filters: Value, scorers: Value, selector: Value) -> Value {
    json!({"name": "t", "sources": sources, "filters": filters, "scorers": scorers, "selector": selector})
}

fn top_k() -> Value {
    json!({"stage": "top_k"})
}

#[test]
fn every_preset_passes_the_default_limits_unchanged() {
    for name in PRESETS {
        let preset = Pipeline::preset(name).unwrap();
        let limited = Pipeline::from_json_with_limits(&preset.to_json(), &Limits::default()).unwrap();
        assert_eq!(limited.fingerprint(), preset.fingerprint(), "{name}");
        assert_eq!(limited.limits(), &Limits::default());
        assert_eq!(preset.limits(), &Limits::unbounded());
    }
}

#[test]
fn spec_size_and_stage_counts_are_bounded() {
    let limits = Limits::default();
    let text = spec(json!([in_network()]), json!([]), json!([]), top_k()).to_string();
    let mut exact = limits.clone();
    exact.max_spec_bytes = text.len();
    Pipeline::from_json_with_limits(&text, &exact).unwrap();
    exact.max_spec_bytes = text.len() - 1;
    let e = Pipeline::from_json_with_limits(&text, &exact).unwrap_err().to_string();
    assert!(e.contains("max_spec_bytes") && e.contains(&format!("{} bytes", text.len())), "{e}");

    let filters = |n: usize| Value::Array(vec![json!({"stage": "seen"}); n]);
    accepts(&spec(json!([in_network()]), filters(16), json!([]), top_k()), &limits);
    refuses(
        &spec(json!([in_network()]), filters(17), json!([]), top_k()),
        &limits,
        &["`pipeline`", "`filters`", "17 stages", "limit of 16", "max_stages_per_section"],
    );
    // 16 filters + 16 scorers + 7 sources + the selector = 40 stages.
    let scorers = Value::Array(vec![json!({"stage": "reply"}); 16]);
    accepts(&spec(Value::Array(vec![in_network(); 7]), filters(16), scorers.clone(), top_k()), &limits);
    refuses(
        &spec(Value::Array(vec![in_network(); 8]), filters(16), scorers, top_k()),
        &limits,
        &["41 stages", "limit of 40", "max_stages"],
    );
}

#[test]
fn list_parameters_and_names_are_bounded() {
    let limits = Limits::default();
    let labels = |n: usize| Value::Array((0..n).map(|i| json!(format!("l{i}"))).collect());
    let policy = |n: usize| json!([{"stage": "policy_labels", "drop": labels(n)}]);
    accepts(&spec(json!([in_network()]), policy(64), json!([]), top_k()), &limits);
    refuses(
        &spec(json!([in_network()]), policy(65), json!([]), top_k()),
        &limits,
        &["policy_labels (filters[0])", "`drop`", "65 entries", "limit of 64", "max_list_len"],
    );
    let weighted = |n: usize| {
        let weights: Vec<Value> =
            (0..n).map(|i| json!({"feature": format!("f{i}"), "weight": 1.0})).collect();
        json!([{"stage": "reply"}, {"stage": "weighted_sum", "weights": weights}])
    };
    accepts(&spec(json!([in_network()]), json!([]), weighted(64), top_k()), &limits);
    refuses(
        &spec(json!([in_network()]), json!([]), weighted(65), top_k()),
        &limits,
        &["weighted_sum (scorers[1])", "`weights`", "65 entries"],
    );
    let downrank = |n: usize| {
        let table: serde_json::Map<String, Value> = (0..n).map(|i| (format!("l{i}"), json!(0.5))).collect();
        json!([{"stage": "label_downrank", "labels": table}])
    };
    accepts(&spec(json!([in_network()]), json!([]), downrank(64), top_k()), &limits);
    refuses(
        &spec(json!([in_network()]), json!([]), downrank(65), top_k()),
        &limits,
        &["`labels`", "65 entries"],
    );

    let named = |n: usize| json!({"name": "x".repeat(n), "sources": [in_network()]});
    accepts(&named(128), &limits);
    refuses(&named(129), &limits, &["`name`", "129 bytes", "limit of 128", "max_name_bytes"]);
    let feature = |n: usize| json!([{"stage": "hn_gravity", "points": "p".repeat(n)}]);
    accepts(&spec(json!([in_network()]), json!([]), feature(128), top_k()), &limits);
    refuses(
        &spec(json!([in_network()]), json!([]), feature(129), top_k()),
        &limits,
        &["hn_gravity", "`points`"],
    );
}

#[test]
fn numeric_parameters_are_bounded() {
    let limits = Limits::default();
    let with_source = |s: Value| spec(json!([s]), json!([]), json!([]), top_k());
    for stage in ["in_network", "social_proof", "popular"] {
        accepts(&with_source(json!({"stage": stage, "max_age_hours": 720})), &limits);
        refuses(
            &with_source(json!({"stage": stage, "max_age_hours": 720.5})),
            &limits,
            &[&format!("{stage} (sources[0])"), "`max_age_hours`", "720.5 hours", "max_window_hours"],
        );
    }
    let max_age =
        |h: f64| spec(json!([in_network()]), json!([{"stage": "max_age", "hours": h}]), json!([]), top_k());
    accepts(&max_age(720.0), &limits);
    refuses(&max_age(1e300), &limits, &["max_age (filters[0])", "`hours`"]);

    let selector =
        |k: usize| spec(json!([in_network()]), json!([]), json!([]), json!({"stage": "top_k", "k": k}));
    accepts(&selector(500), &limits);
    refuses(&selector(501), &limits, &["top_k (selector)", "`k`", "501 posts", "limit of 500", "max_k"]);
    let capped = json!({"stage": "top_k", "k": 10, "max_in_network": 501});
    refuses(&spec(json!([in_network()]), json!([]), json!([]), capped), &limits, &["`max_in_network`"]);
    let huge_k = json!({"stage": "top_k", "k": u64::MAX});
    refuses(&spec(json!([in_network()]), json!([]), json!([]), huge_k), &limits, &["`k`", "max_k"]);

    let popular = |n: usize| with_source(json!({"stage": "popular", "n": n}));
    accepts(&popular(20_000), &limits);
    refuses(&popular(20_001), &limits, &["popular (sources[0])", "`n`", "max_candidates"]);

    let scorer = |s: Value| spec(json!([in_network()]), json!([]), json!([s]), top_k());
    accepts(&scorer(json!({"stage": "heavy_ranker", "weights": {"p_fav": -1e6}})), &limits);
    refuses(
        &scorer(json!({"stage": "heavy_ranker", "weights": {"p_fav": 1.5e6}})),
        &limits,
        &["heavy_ranker (scorers[0])", "`weights`", "max_abs_weight"],
    );
    refuses(
        &scorer(json!({"stage": "out_of_network", "factor": 2e6})),
        &limits,
        &["`factor`", "max_abs_weight"],
    );
    refuses(&scorer(json!({"stage": "author_affinity", "weight": 2e6})), &limits, &["`weight`"]);
    accepts(&scorer(json!({"stage": "hn_gravity", "gravity": 10})), &limits);
    refuses(
        &scorer(json!({"stage": "hn_gravity", "gravity": 10.5})),
        &limits,
        &["`gravity`", "max_exponent"],
    );
    refuses(&scorer(json!({"stage": "hn_gravity", "exponent": 11})), &limits, &["`exponent`"]);
}

#[test]
fn one_bridging_model_and_one_social_proof_window() {
    let limits = Limits::default();
    let sources = json!([in_network(), {"stage": "bridging_posts", "seed": 0}]);
    accepts(&spec(sources.clone(), json!([]), json!([{"stage": "bridging"}]), top_k()), &limits);
    refuses(
        &spec(sources, json!([]), json!([{"stage": "bridging", "seed": 1}]), top_k()),
        &limits,
        &["bridging (scorers[0])", "2 distinct bridging models", "max_bridging_fits"],
    );
    let proof = |h: f64| json!({"stage": "social_proof", "max_age_hours": h});
    accepts(&spec(json!([proof(6.0), proof(6.0)]), json!([]), json!([]), top_k()), &limits);
    refuses(
        &spec(json!([proof(6.0), proof(12.0)]), json!([]), json!([]), top_k()),
        &limits,
        &["social_proof (sources[1])", "`max_age_hours`", "share one window"],
    );
    // Trusted specs keep their freedom.
    Pipeline::from_json(&spec(json!([proof(6.0), proof(12.0)]), json!([]), json!([]), top_k()).to_string())
        .unwrap();
}

/// Everything an adversary can turn up within the limits: the longest windows, social
/// proof from one followee, popular posts for everyone, the most candidates, many stages,
/// the longest feed.
fn adversarial_spec(limits: &Limits) -> Value {
    let window = limits.max_window_hours;
    let mut scorers = vec![
        json!({"stage": "author_affinity", "weight": 3}),
        json!({"stage": "recency", "half_life_hours": 1e-9}),
    ];
    scorers.extend(vec![json!({"stage": "weighted_sum", "weights": [
        {"feature": "social_proof", "weight": 1.0}, {"feature": "likes", "weight": 1.0, "transform": "log1p"}]}); 8]);
    json!({
        "name": "adversary",
        "sources": [
            {"stage": "in_network", "max_age_hours": window},
            {"stage": "social_proof", "min_proof": 1, "max_age_hours": window},
            {"stage": "popular", "n": limits.max_candidates, "max_age_hours": window, "max_followees": usize::MAX},
            {"stage": "in_network", "max_age_hours": window},
        ],
        "filters": [{"stage": "seen"}, {"stage": "muted_words"}, {"stage": "dedupe_reposts"}, {"stage": "seen"}],
        "scorers": scorers,
        "rescorers": [{"stage": "author_diversity"}, {"stage": "author_diversity"}],
        "selector": {"stage": "top_k", "k": limits.max_k}
    })
}

fn assert_within(feed: &Feed, limits: &Limits) {
    let w = &feed.work;
    assert!(w.followees_read <= limits.max_followees_scanned, "{w:?}");
    assert!(w.engagements_read <= limits.max_engagements_scanned, "{w:?}");
    assert!(w.history_read <= limits.max_history_scanned, "{w:?}");
    assert!(w.posts_read <= limits.max_posts_scanned, "{w:?}");
    assert!(w.candidates <= limits.max_candidates && feed.sourced == w.candidates, "{w:?}");
    assert!(w.hydrated <= w.candidates, "{w:?}");
    assert!(feed.items.len() <= limits.max_k);
    assert_eq!(w.candidates < w.candidates_proposed, w.limited.iter().any(|l| l.contains("max_candidates")));
}

#[test]
fn an_adversarial_spec_cannot_make_a_feed_cost_more_than_the_limits_allow() {
    let ds = dense_world();
    let mut limits = Limits::default();
    limits.max_followees_scanned = 60;
    limits.max_engagements_scanned = 400;
    limits.max_history_scanned = 50;
    limits.max_posts_scanned = 700;
    limits.max_candidates = 300;
    limits.max_k = 100;
    let spec = adversarial_spec(&limits).to_string();
    let pipeline = Pipeline::from_json_with_limits(&spec, &limits).unwrap();
    let viewers: Vec<UserId> = (0..ds.user_count() as u32).map(UserId).collect();
    let feeds = pipeline.rank_all(&ds, &viewers, &RankOptions::default()).unwrap();
    for feed in &feeds {
        assert_within(feed, &limits);
    }
    // The limits did bite, for every kind of work (so the bounds above are not vacuous).
    let bitten =
        |needle: &str| feeds.iter().filter(|f| f.work.limited.iter().any(|l| l.contains(needle))).count();
    for limit in [
        "max_followees_scanned",
        "max_engagements_scanned",
        "max_history_scanned",
        "max_posts_scanned",
        "max_candidates",
    ] {
        assert!(bitten(limit) > 0, "no feed hit {limit}");
    }
    // The same spec under the default limits, on the same dense world.
    let defaults = Limits::default();
    let spec_at_defaults = adversarial_spec(&defaults).to_string();
    let at_defaults = Pipeline::from_json_with_limits(&spec_at_defaults, &defaults).unwrap();
    for feed in at_defaults.rank_all(&ds, &viewers[..300], &RankOptions::default()).unwrap() {
        assert_within(&feed, &defaults);
    }
    let busiest = feeds.iter().map(|f| f.work.engagements_read).max().unwrap();
    assert!(busiest > limits.max_engagements_scanned / 2, "{busiest}");

    // Unbounded, the same spec reads far more: the limits are what bounded it.
    let trusted = Pipeline::from_json(&spec).unwrap();
    let heavy = viewers.iter().max_by_key(|v| ds.graph().followees(v.0).len()).copied().unwrap();
    let free = trusted.rank(&ds, heavy, &RankOptions::default()).unwrap();
    assert!(free.work.followees_read > limits.max_followees_scanned, "{:?}", free.work);
    assert!(free.work.candidates > limits.max_candidates, "{:?}", free.work);
    assert!(free.work.limited.is_empty());

    // Explanations disclose the truncation; a dropped candidate says it was not ranked.
    let explained = pipeline.rank(&ds, heavy, &RankOptions::explained(ExplainMode::Summary)).unwrap();
    assert_eq!(explained.items, feeds[heavy.index()].items);
    assert!(!explained.work.limited.is_empty());
    assert!(explained.explanations.iter().all(|e| e.limits == explained.work.limited));
    let ranked: std::collections::BTreeSet<String> =
        explained.explanations.iter().map(|e| e.post.clone()).collect();
    let dropped = free
        .items
        .iter()
        .map(|i| i.post)
        .find(|&p| !ranked.contains(ds.post_name(p)))
        .expect("the unbounded feed holds a post the limited one never ranked");
    let why = pipeline.why_not(&ds, heavy, dropped, &RankOptions::default()).unwrap();
    assert!(matches!(why.outcome, Outcome::NotSourced { .. }), "{:?}", why.outcome);
    assert!(!why.limits.is_empty());
}

#[test]
fn truncation_is_the_same_for_any_thread_count() {
    let ds = dense_world();
    let mut limits = Limits::default();
    limits.max_followees_scanned = 40;
    limits.max_engagements_scanned = 300;
    limits.max_posts_scanned = 500;
    limits.max_candidates = 200;
    let pipeline = Pipeline::from_json_with_limits(&adversarial_spec(&limits).to_string(), &limits).unwrap();
    let viewers: Vec<UserId> = (0..300).map(UserId).collect();
    let options = RankOptions::explained(ExplainMode::Summary);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| pipeline.rank_all(&ds, &viewers, &options).unwrap())
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn within_the_limits_a_feed_is_the_trusted_one() {
    // A town square of ordinary density .
    let ds = synth::generate(&SynthConfig::with_users(2000)).unwrap();
    let viewers: Vec<UserId> = (0..200).map(UserId).collect();
    for name in PRESETS {
        let trusted = Pipeline::preset(name).unwrap();
        let limited = Pipeline::from_json_with_limits(&trusted.to_json(), &Limits::default()).unwrap();
        let options = RankOptions::explained(ExplainMode::Summary);
        let a = trusted.rank_all(&ds, &viewers, &options).unwrap();
        let b = limited.rank_all(&ds, &viewers, &options).unwrap();
        for (a, b) in a.iter().zip(&b) {
            assert!(b.work.limited.is_empty(), "{name}: {:?}", b.work);
            assert_eq!(a.items, b.items, "{name}");
            assert_eq!(a.explanations, b.explanations, "{name}");
        }
    }
}

#[test]
fn k_at_ranking_time_is_bounded() {
    let ds = dense_world();
    let pipeline =
        Pipeline::from_json_with_limits(r#"{"sources":[{"stage":"in_network"}]}"#, &Limits::default())
            .unwrap();
    let options = |k| RankOptions { k: Some(k), ..RankOptions::default() };
    pipeline.rank(&ds, UserId(0), &options(500)).unwrap();
    let e = pipeline.rank(&ds, UserId(0), &options(501)).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidArgument { .. }), "{e}");
    assert!(e.to_string().contains("limit of 500"), "{e}");
    Pipeline::from_json(r#"{"sources":[{"stage":"in_network"}]}"#)
        .unwrap()
        .rank(&ds, UserId(0), &options(501))
        .unwrap();
}
