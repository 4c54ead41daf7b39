//! No panic from the public API on any input: arbitrary small datasets (built from
//! arbitrary records, leniently and strictly, or read from arbitrary JSON Lines text),
//! arbitrary specs (known and unknown stages, parameters of wrong types, extreme numbers,
//! nested junk) and arbitrary calls. Every call must return `Ok` or a typed `Err`; a
//! panic is caught and reported with the input that caused it.

use glassfeed::audit::{self, AmplificationConfig, Distribution, ImpressionModel};
use glassfeed::pipeline::registry::{FILTERS, RESCORERS, SCORERS, SELECTORS, SOURCES};
use glassfeed::{
    Dataset, DatasetBuilder, EdgeKind, EngagementKind, EngagementRecord, ExplainMode, Pipeline, PostId,
    PostRecord, RankOptions, UserId, UserRecord,
};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Every built-in stage id, and ids that name no stage.
fn stage_ids() -> Vec<&'static str> {
    use glassfeed::pipeline::registry::{FILTERS, RESCORERS, SCORERS, SELECTORS, SOURCES};
    [SOURCES, FILTERS, SCORERS, RESCORERS, SELECTORS, &["no_such_stage", ""]].concat()
}
const PARAMS: &[&str] = &[
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
    "stage",
    "unknown",
];
const NAMES: &[&str] = &[
    "likes",
    "dislikes",
    "age_hours",
    "social_proof",
    "author_affinity",
    "author_pagerank",
    "p_fav",
    "p_reply",
    "nsfw",
    "spam",
    "illegal",
    "term",
    "factor",
    "log1p",
    "sqrt",
    "identity",
    "",
    "Ü",
];
/// Stands for a number literal JSON values cannot hold; replaced in the spec's text.
const HUGE: &str = "__huge_literal__";
const LITERALS: &[&str] =
    &["1e999", "-1e999", "1e-999", "-0", "123456789012345678901234567890", "-9223372036854775809"];

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop_oneof![Just(0i64), Just(-1), Just(1), Just(i64::MIN), Just(i64::MAX), -5i64..100].prop_map(|n| json!(n)),
        1 => prop_oneof![Just(u64::MAX), Just(u64::from(u32::MAX) + 1)].prop_map(|n| json!(n)),
        4 => prop_oneof![Just(1e308), Just(-1e308), Just(5e-324), Just(0.5), Just(-0.0), -10.0f64..10.0]
            .prop_map(|x| json!(x)),
        1 => Just(json!(HUGE)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => number(),
        2 => prop::sample::select(NAMES).prop_map(|s| json!(s)),
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(|b| json!(b)),
    ]
}

fn junk() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(prop::sample::select(NAMES).prop_map(str::to_string), inner.clone(), 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            // A weighted_sum entry, with any values.
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(f, w, t)| json!({"feature": f, "weight": w, "transform": t})),
        ]
    })
}

/// A stage object: usually one of `role`'s stages, sometimes any id; few parameters.
fn stage(role: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let id = prop_oneof![4 => prop::sample::select(role), 1 => prop::sample::select(stage_ids())];
    let params = prop_oneof![1 => Just(Default::default()), 1 => btree_map(prop::sample::select(PARAMS), junk(), 0..3)];
    (id, params).prop_map(|(id, params)| {
        let mut object: serde_json::Map<String, Value> =
            params.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        object.insert("stage".into(), json!(id));
        Value::Object(object)
    })
}

fn stage_list(role: &'static [&'static str], min: usize) -> impl Strategy<Value = Value> {
    prop_oneof![12 => vec(stage(role), min..4).prop_map(Value::Array), 1 => junk()]
}

prop_compose! {
    /// A spec's JSON text: stage lists of stage objects (and junk), extreme literals.
    fn spec_text()(
        sources in stage_list(SOURCES, 1), filters in stage_list(FILTERS, 0),
        scorers in stage_list(SCORERS, 0), rescorers in stage_list(RESCORERS, 0),
        selector in prop::option::of(stage(SELECTORS)),
        name in prop_oneof![8 => Just(None), 1 => junk().prop_map(Some)],
        literal in prop::sample::select(LITERALS),
    ) -> String {
        let mut spec = json!({"sources": sources, "filters": filters, "scorers": scorers, "rescorers": rescorers});
        if let Some(s) = selector { spec["selector"] = s; }
        if let Some(x) = name { spec["name"] = x; }
        spec.to_string().replace(&format!("\"{HUGE}\""), literal)
    }
}

fn id(prefix: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![16 => (0u8..8).prop_map(move |i| format!("{prefix}{i}")), 1 => Just(String::new())]
}

fn time() -> impl Strategy<Value = i64> {
    prop_oneof![150 => (0i64..2400).prop_map(|m| 1_700_000_000 + m * 60), 1 => any::<i64>()]
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![12 => -5.0f64..5.0, 1 => any::<f64>()]
}

fn words() -> impl Strategy<Value = Vec<String>> {
    vec(
        prop::sample::select(&["spoiler", "nsfw", "spam", "illegal", "news", "", "ẞ", " x "][..])
            .prop_map(String::from),
        0..3,
    )
}

fn user() -> impl Strategy<Value = UserRecord> {
    (id("u"), prop::option::of(prop::sample::select(&["left", "right", ""][..])), words(), words()).prop_map(
        |(id, viewpoint, muted_words, hidden_labels)| UserRecord {
            id,
            attrs: viewpoint.map(|v| ("viewpoint".to_string(), v.to_string())).into_iter().collect(),
            muted_words,
            hidden_labels,
        },
    )
}

fn post() -> impl Strategy<Value = PostRecord> {
    let features = btree_map(prop::sample::select(NAMES).prop_map(String::from), float(), 0..3);
    (
        id("p"),
        id("u"),
        time(),
        words(),
        prop::option::weighted(0.2, id("p")),
        prop::option::weighted(0.2, id("p")),
        words(),
        words(),
        features,
    )
        .prop_map(|(id, author, created_at, text, reply_to, repost_of, labels, topics, features)| {
            PostRecord {
                id,
                author,
                created_at,
                text: Some(text.join(" ")),
                reply_to,
                repost_of,
                labels,
                topics,
                features,
            }
        })
}

fn engagement() -> impl Strategy<Value = EngagementRecord> {
    (id("u"), id("p"), prop::sample::select(&EngagementKind::ALL[..]), time(), prop::option::of(float()))
        .prop_map(|(user, post, kind, at, rating)| EngagementRecord { user, post, kind, at, rating })
}

#[derive(Debug, Clone)]
struct Records {
    lenient: bool,
    users: Vec<UserRecord>,
    edges: Vec<(String, String, EdgeKind)>,
    posts: Vec<PostRecord>,
    engagements: Vec<EngagementRecord>,
}

prop_compose! {
    /// Records whose ids are mostly distinct (`u0`, `u1`, … in order), with references
    /// that mostly resolve.
    fn records()(
        lenient in any::<bool>(),
        users in vec((user(), prop::bool::weighted(0.1)), 0..7),
        edges in vec((id("u"), id("u"), prop_oneof![4 => Just(EdgeKind::Follow), 1 => Just(EdgeKind::Mute), 1 => Just(EdgeKind::Block)]), 0..24),
        posts in vec((post(), prop::bool::weighted(0.1)), 0..14),
        engagements in vec(engagement(), 0..24),
    ) -> Records {
        let (user_count, post_count) = (users.len(), posts.len());
        let users = users.into_iter().enumerate().map(|(i, (mut u, keep))| {
            if !keep { u.id = format!("u{i}"); }
            u
        }).collect();
        let posts = posts.into_iter().enumerate().map(|(i, (mut p, keep))| {
            if !keep {
                p.id = format!("p{i}");
                remap(&mut p.author, user_count);
            }
            p
        }).collect();
        let edges = edges.into_iter().map(|(mut src, mut dst, kind)| {
            remap(&mut src, user_count);
            remap(&mut dst, user_count);
            (src, dst, kind)
        }).collect();
        let engagements = engagements.into_iter().map(|mut e| {
            remap(&mut e.user, user_count);
            remap(&mut e.post, post_count);
            e
        }).collect();
        Records { lenient, users, edges, posts, engagements }
    }
}

/// Points `u5`-like ids at one of the first `count` records (most references resolve).
fn remap(id: &mut String, count: usize) {
    let Some(n) = id.get(1..).and_then(|n| n.parse::<usize>().ok()) else { return };
    if count > 0 {
        *id = format!("{}{}", &id[..1], n % count);
    }
}

/// Adds every record, going on after errors (the builder must stay consistent), then
/// builds.
fn build(r: &Records) -> glassfeed::Result<Dataset> {
    let mut b = DatasetBuilder::new().lenient(r.lenient);
    for u in &r.users {
        let _ = b.add_user(u);
    }
    for (src, dst, kind) in &r.edges {
        let _ = b.add_edge(src, dst, *kind);
    }
    for p in &r.posts {
        let _ = b.add_post(p);
    }
    for e in &r.engagements {
        let _ = b.add_engagement(e);
    }
    b.build()
}

#[derive(Debug, Clone)]
struct Calls {
    viewer: u32,
    posts: (u32, u32),
    k: Option<usize>,
    now: Option<i64>,
    preset: usize,
    seed: u64,
}

prop_compose! {
    fn calls()(
        viewer in 0u32..9, posts in (0u32..14, 0u32..14),
        k in prop::option::of(prop_oneof![Just(0usize), 1usize..20, Just(usize::MAX), Just(1 << 40)]),
        now in prop::option::weighted(0.2, time()), preset in 0usize..6, seed in any::<u64>(),
    ) -> Calls {
        Calls { viewer, posts, k, now, preset, seed }
    }
}

/// Runs `f`, turning a panic into a test failure that shows `input`.
fn no_panic<T>(input: &dyn std::fmt::Debug, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        TestCaseError::fail(format!("panicked ({message}) on {input:#?}"))
    })
}

/// Every ranking call and every audit, results ignored: only panics matter here (the
/// other test files check the values).
fn every_call(ds: &Dataset, pipeline: &Pipeline, c: &Calls) {
    let viewer = UserId(c.viewer);
    let (a, b) = (PostId(c.posts.0), PostId(c.posts.1));
    for explain in [ExplainMode::Off, ExplainMode::Summary, ExplainMode::Full] {
        let options = RankOptions { k: c.k, explain, now: c.now };
        if let Ok(feed) = pipeline.rank(ds, viewer, &options) {
            feed.explanations.iter().for_each(|e| drop(e.to_sentences()));
        }
        let _ = pipeline.why_not(ds, viewer, a, &options).map(|e| e.to_sentences());
        let _ = pipeline.compare(ds, viewer, a, b, &options);
    }
    let options = RankOptions { k: c.k, explain: ExplainMode::Off, now: c.now };
    let mut viewers: Vec<UserId> = (0..ds.user_count() as u32).map(UserId).collect();
    viewers.push(viewer);
    let control = Pipeline::preset("chronological").unwrap();
    let cfg = AmplificationConfig { bootstrap: 20, permutations: 20, seed: c.seed, ..Default::default() };
    let _ = audit::amplification_report(ds, pipeline, &control, &viewers, &options, &cfg);
    let _ = audit::stage_attribution(ds, pipeline, &control, &viewers, &options, 0.9);
    let _ =
        audit::transparency_report(ds, pipeline, &viewers, &options).map(|r| (r.to_markdown(), r.to_json()));
    let _ = audit::neutrality_check(ds, pipeline, &viewers, c.seed);
    let _ = audit::non_profiling_check(ds, pipeline, &viewers, c.seed);
    let moves = [(viewer, UserId(c.posts.0)), (UserId(c.posts.1), viewer)];
    let _ = audit::with_reassigned_histories(ds, &moves);
    let _ = audit::with_permuted_attrs(ds, c.seed);
    viewers.pop();
    let Ok(feeds) = pipeline.rank_all(ds, &viewers, &options) else { return };
    let Ok(other) = control.rank_all(ds, &viewers, &options) else { return };
    let _ = audit::diff_feeds(ds, &feeds, &other, 0.9);
    let _ = audit::diff_feeds(ds, &feeds, &other[..other.len().saturating_sub(1)], 0.9);
    for model in [
        ImpressionModel::TopK { k: c.viewer },
        ImpressionModel::Logarithmic,
        ImpressionModel::RankBiased { gamma: c.posts.0 as f64 / 7.0 },
    ] {
        let _ = audit::exposure_by_author(ds, &feeds, model);
        let _ = audit::author_exposure_gini(ds, &feeds, model);
        let _ = audit::group_shares(ds, &feeds, model, "viewpoint");
        let cfg = AmplificationConfig { model, bootstrap: 10, permutations: 10, ..Default::default() };
        let _ = audit::group_amplification(ds, &feeds, &other, &cfg);
        if let Ok(authors) = audit::individual_amplification(ds, &feeds, &other, &cfg) {
            let _ = audit::individual_summary(&authors);
            let _ = audit::amplification_gap_test(&authors, "left", "right", &cfg);
        }
    }
    let _ = audit::cross_cutting_shares(ds, &feeds, "viewpoint");
    let _ = audit::cross_cutting_summary(ds, &feeds, "");
    let _ = audit::source_diversity(ds, &feeds);
    let _ = audit::popularity_bias(ds, &feeds);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary specs parse to a pipeline or a spec error; a pipeline prints back to
    /// itself.
    #[test]
    fn specs_parse_or_fail_cleanly(text in spec_text()) {
        let parsed = no_panic(&text, || Pipeline::from_json(&text))?;
        if let Ok(pipeline) = parsed {
            let again = Pipeline::from_json(&pipeline.to_json()).expect("a pipeline's own JSON parses");
            prop_assert_eq!(again.fingerprint(), pipeline.fingerprint());
        }
    }

    /// Arbitrary records, a spec (arbitrary, or a preset when it does not parse) and
    /// arbitrary calls.
    #[test]
    fn rank_and_audit_arbitrary_worlds(records in records(), text in spec_text(), calls in calls()) {
        let input = (&records, &text, &calls);
        let Ok(ds) = no_panic(&input, || build(&records))? else { return Ok(()) };
        let pipeline = match Pipeline::from_json(&text) {
            Ok(p) => p,
            Err(_) => Pipeline::preset(glassfeed::pipeline::PRESETS[calls.preset]).unwrap(),
        };
        no_panic(&input, || every_call(&ds, &pipeline, &calls))?;
    }

    /// Arbitrary JSON Lines text, line by line a record with fields of any type, a bare
    /// JSON value or any string, read as each of the four files.
    #[test]
    fn arbitrary_jsonl_reads_or_fails_cleanly(
        lines in vec(prop_oneof![
            3 => btree_map(prop::sample::select(&["id", "src", "dst", "kind", "author", "created_at", "user", "post", "at", "rating", "features", "labels", "attrs", "reply_to"][..]), prop_oneof![junk(), id("u").prop_map(|s| json!(s)), id("p").prop_map(|s| json!(s)), Just(json!("follow")), Just(json!("like"))], 0..6)
                .prop_map(|m| json!(m).to_string().replace(&format!("\"{HUGE}\""), "1e999")),
            1 => junk().prop_map(|v| v.to_string()),
            1 => any::<String>(),
        ], 0..10),
        file in 0usize..4, lenient in any::<bool>(), calls in calls(),
    ) {
        let text = lines.join("\n");
        let ds = no_panic(&text, || {
            let mut b = DatasetBuilder::new().lenient(lenient);
            let _ = b.read_users_jsonl("{\"id\":\"u1\"}\n{\"id\":\"u2\"}".as_bytes(), "base users");
            let _ = b.read_posts_jsonl("{\"id\":\"p1\",\"author\":\"u1\",\"created_at\":0}".as_bytes(), "base posts");
            let _ = match file {
                0 => b.read_users_jsonl(text.as_bytes(), "users.jsonl"),
                1 => b.read_graph_jsonl(text.as_bytes(), "graph.jsonl"),
                2 => b.read_posts_jsonl(text.as_bytes(), "posts.jsonl"),
                _ => b.read_engagements_jsonl(text.as_bytes(), "engagements.jsonl"),
            };
            b.build()
        })?;
        if let Ok(ds) = ds {
            let pipeline = Pipeline::preset(glassfeed::pipeline::PRESETS[calls.preset]).unwrap();
            no_panic(&text, || every_call(&ds, &pipeline, &calls))?;
        }
    }

    /// The public statistics helpers on any numbers.
    #[test]
    fn audit_statistics_take_any_numbers(
        values in vec(prop::option::of(any::<f64>()), 0..8),
        bins in prop_oneof![Just(0usize), 1usize..5, Just(usize::MAX)],
        lo in any::<f64>(), hi in any::<f64>(), p in any::<f64>(), q in any::<f64>(),
        a in vec(0u8..6, 0..6), b in vec(0u8..6, 0..6), rank in any::<u32>(), k in any::<u32>(),
    ) {
        let input = (&values, bins, lo, hi, p, &a, &b);
        let defined: Vec<f64> = values.iter().flatten().copied().collect();
        no_panic(&input, || {
            let _ = audit::gini(&defined);
            let _ = audit::stats::mean(&defined);
            let _ = audit::stats::median(&defined);
            let mut sorted = defined.clone();
            sorted.sort_by(f64::total_cmp);
            let _ = audit::stats::quantile(&sorted, q);
            let _ = audit::kendall_tau_b(&a, &b);
            let _ = audit::rbo_ext(&a, &b, p);
            for model in [ImpressionModel::TopK { k }, ImpressionModel::Logarithmic, ImpressionModel::RankBiased { gamma: p }] {
                let _ = model.validate();
                let _ = model.weight(rank);
            }
        })?;
        let summary = no_panic(&input, || Distribution::of(&values, bins, lo, hi))?;
        let valid = (1..=Distribution::MAX_BINS).contains(&bins) && lo.is_finite() && hi.is_finite() && lo <= hi;
        prop_assert_eq!(summary.is_ok(), valid);
    }
}

/// A spec's counts are caller-chosen: `bridging_posts` with a huge `n` once reserved `n`
/// slots up front (a capacity-overflow panic, or an allocation of terabytes).
#[test]
fn bridging_posts_with_a_huge_n_ranks() {
    let ds = glassfeed::synth::generate(&glassfeed::synth::SynthConfig::with_users(300)).unwrap();
    for n in [u64::MAX, 1 << 40, (1 << 60) - 1] {
        let spec = format!(r#"{{"sources":[{{"stage":"bridging_posts","n":{n},"min_raters":1}}]}}"#);
        let pipeline = Pipeline::from_json(&spec).unwrap();
        let feed = pipeline.rank(&ds, UserId(0), &RankOptions::default()).unwrap();
        assert!(!feed.items.is_empty(), "n = {n}");
    }
}
