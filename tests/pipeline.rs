//! Invariants of ranking over random worlds and random specs (DESIGN §3, §4).

use glassfeed::synth::{self, SynthConfig};
use glassfeed::{Dataset, EdgeKind, ExplainMode, Feed, Outcome, Pipeline, PostId, RankOptions, UserId};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn world(users: usize, seed: u64) -> Dataset {
    let config = SynthConfig {
        users,
        seed,
        mean_follows: 12.0,
        muted_words_share: 0.3,
        mute_share: 0.3,
        block_share: 0.3,
        hidden_labels_share: 0.3,
        nsfw_share: 0.1,
        spam_share: 0.1,
        illegal_share: 0.05,
        ..SynthConfig::default()
    };
    synth::generate(&config).expect("synth world")
}

fn scorer_strategy() -> impl Strategy<Value = Value> {
    prop_oneof![
        (1.0f64..100.0).prop_map(|h| json!({"stage": "recency", "half_life_hours": h})),
        Just(json!({"stage": "heavy_ranker"})),
        (0.5f64..3.0).prop_map(|g| json!({"stage": "hn_gravity", "gravity": g})),
        Just(json!({"stage": "reddit_hot"})),
        Just(json!({"stage": "reddit_controversy"})),
        Just(json!({"stage": "lemmy_hot"})),
        (0.0f64..3.0).prop_map(|w| json!({"stage": "author_affinity", "weight": w})),
        (0.1f64..1.0).prop_map(|f| json!({"stage": "out_of_network", "factor": f})),
        (0.1f64..1.0).prop_map(|f| json!({"stage": "reply", "factor": f})),
        Just(json!({"stage": "label_downrank"})),
        (-2.0f64..2.0, 0.0f64..2.0).prop_map(|(a, b)| json!({"stage": "weighted_sum", "weights": [
            {"feature": "likes", "weight": a, "transform": "log1p"},
            {"feature": "author_pagerank", "weight": b},
            {"feature": "social_proof", "weight": b, "transform": "sqrt"},
            {"feature": "p_fav", "weight": a},
        ]})),
    ]
}

prop_compose! {
    fn spec_strategy()(
        social in proptest::option::of(1u32..4),
        popular in any::<bool>(),
        seen in any::<bool>(),
        max_age in proptest::option::of(1.0f64..60.0),
        dedupe in any::<bool>(),
        scorers in proptest::collection::vec(scorer_strategy(), 0..4),
        diversity in proptest::option::of((0.0f64..=1.0, 0.0f64..=1.0)),
        k in 1usize..30,
        cap in proptest::option::of(0usize..10),
    ) -> Value {
        let mut sources = vec![json!({"stage": "in_network"})];
        if let Some(m) = social { sources.push(json!({"stage": "social_proof", "min_proof": m})); }
        if popular { sources.push(json!({"stage": "popular", "n": 20, "max_followees": 1000})); }
        let mut filters = vec![
            json!({"stage": "self_posts"}), json!({"stage": "blocked"}), json!({"stage": "muted"}),
            json!({"stage": "muted_words"}), json!({"stage": "hidden_labels"}),
            json!({"stage": "policy_labels", "drop": ["illegal"]}),
        ];
        if seen { filters.push(json!({"stage": "seen"})); }
        if let Some(h) = max_age { filters.push(json!({"stage": "max_age", "hours": h})); }
        if dedupe { filters.push(json!({"stage": "dedupe_reposts"})); }
        let rescorers: Vec<Value> = diversity
            .map(|(d, f)| json!({"stage": "author_diversity", "decay": d, "floor": f}))
            .into_iter()
            .collect();
        let mut selector = json!({"stage": "top_k", "k": k});
        if let Some(c) = cap { selector["max_out_of_network"] = json!(c); }
        json!({"name": "random", "sources": sources, "filters": filters, "scorers": scorers,
               "rescorers": rescorers, "selector": selector})
    }
}

fn excluded_for(ds: &Dataset, viewer: UserId, post: PostId) -> bool {
    let g = ds.graph();
    let hidden = ds.hidden_label_ids(viewer);
    std::iter::once(post).chain(ds.repost_of(post)).any(|p| {
        let a = ds.author(p).0;
        g.is_blocked_either_way(viewer.0, a)
            || g.is_muting(viewer.0, a)
            || ds.label_ids(p).iter().any(|l| hidden.contains(l) || ds.label_name(*l) == "illegal")
    })
}

fn check_feed(ds: &Dataset, feed: &Feed) {
    let names: BTreeSet<&str> = feed.explanations.iter().map(|e| e.post.as_str()).collect();
    assert_eq!(names.len(), feed.explanations.len(), "one record per candidate");
    assert_eq!(feed.explanations.len(), feed.sourced, "filtered ∪ cut ∪ selected = sourced");
    let selected: Vec<_> = feed.explanations.iter().filter(|e| e.outcome == Outcome::Selected).collect();
    let filtered = feed.explanations.iter().filter(|e| matches!(e.outcome, Outcome::Filtered { .. })).count();
    assert_eq!(selected.len(), feed.items.len());
    assert_eq!(filtered, feed.filtered);
    for (item, e) in feed.items.iter().zip(&selected) {
        assert_eq!(ds.post_name(item.post), e.post);
        assert_eq!(Some(item.rank), e.rank);
        assert_eq!(Some(item.score.to_bits()), e.score.map(f64::to_bits));
        assert!(!excluded_for(ds, feed.viewer, item.post), "excluded post {} selected", e.post);
    }
    for e in &feed.explanations {
        if let Some(score) = e.score {
            assert_eq!(e.recompute_score().to_bits(), score.to_bits(), "{}", e.post);
            // And after a JSON round trip, as an auditor would read it.
            let back: glassfeed::Explanation =
                serde_json::from_str(&serde_json::to_string(e).unwrap()).unwrap();
            assert_eq!(back.recompute_score().to_bits(), score.to_bits());
        }
    }
}

/// A feed by external ids: viewer, then (post, rank, score bits) per item.
type NamedFeed = (String, Vec<(String, u32, u64)>);

fn by_name(ds: &Dataset, feeds: &[Feed]) -> Vec<NamedFeed> {
    feeds
        .iter()
        .map(|f| {
            let items = f
                .items
                .iter()
                .map(|i| (ds.post_name(i.post).to_string(), i.rank, i.score.to_bits()))
                .collect();
            (ds.user_name(f.viewer).to_string(), items)
        })
        .collect()
}

fn rank_with_threads(p: &Pipeline, ds: &Dataset, viewers: &[UserId], threads: usize) -> Vec<Feed> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| p.rank_all(ds, viewers, &RankOptions::explained(ExplainMode::Full)).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn explanations_are_exact_and_complete(seed in 0u64..1000, spec in spec_strategy()) {
        let ds = world(150, seed);
        let p = Pipeline::from_value(spec).unwrap();
        let viewers: Vec<UserId> = (0..ds.user_count() as u32).step_by(7).map(UserId).collect();
        let one = rank_with_threads(&p, &ds, &viewers, 1);
        for feed in &one {
            check_feed(&ds, feed);
        }
        let two = rank_with_threads(&p, &ds, &viewers, 2);
        prop_assert_eq!(&one, &two);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Without explanations the engine may order only the top of a long list; the feed
    /// must be the one the whole order gives (as ranked with explanations).
    #[test]
    fn feeds_without_explanations_equal_feeds_with_them(
        seed in 0u64..1000,
        spec in spec_strategy(),
        k in 1usize..8,
    ) {
        let config = SynthConfig { users: 300, seed, mean_follows: 60.0, ..SynthConfig::default() };
        let ds = synth::generate(&config).expect("synth world");
        let p = Pipeline::from_value(spec).unwrap();
        let viewers: Vec<UserId> = (0..ds.user_count() as u32).step_by(5).map(UserId).collect();
        let off = RankOptions { k: Some(k), ..RankOptions::default() };
        let summary = RankOptions { k: Some(k), ..RankOptions::explained(ExplainMode::Summary) };
        let (off, summary) = (p.rank_all(&ds, &viewers, &off).unwrap(), p.rank_all(&ds, &viewers, &summary).unwrap());
        prop_assert_eq!(by_name(&ds, &off), by_name(&ds, &summary));
    }
}

fn shuffle_lines(dir: &std::path::Path, seed: u64) {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for file in ["users.jsonl", "graph.jsonl", "posts.jsonl", "engagements.jsonl"] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.shuffle(&mut rng);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn shuffled_input_lines_give_the_same_feeds(seed in 0u64..1000, shuffle in any::<u64>(), spec in spec_strategy()) {
        let ds = world(120, seed);
        let dir = tempfile::tempdir().unwrap();
        ds.write_jsonl_dir(dir.path()).unwrap();
        shuffle_lines(dir.path(), shuffle);
        let shuffled = Dataset::from_jsonl_dir(dir.path()).unwrap();
        let p = Pipeline::from_value(spec).unwrap();
        let all = |d: &Dataset| -> Vec<UserId> {
            let mut v: Vec<UserId> = (0..d.user_count() as u32).map(UserId).collect();
            v.sort_by(|a, b| d.user_name(*a).cmp(d.user_name(*b)));
            v
        };
        let a = p.rank_all(&ds, &all(&ds), &RankOptions::default()).unwrap();
        let b = p.rank_all(&shuffled, &all(&shuffled), &RankOptions::default()).unwrap();
        prop_assert_eq!(by_name(&ds, &a), by_name(&shuffled, &b));
    }
}

#[test]
fn why_not_tells_every_kind_of_story() {
    let ds = world(300, 11);
    let p = Pipeline::preset("engagement").unwrap();
    let options = RankOptions { k: Some(5), ..RankOptions::default() };
    let viewer = (0..ds.user_count() as u32)
        .map(UserId)
        .find(|&v| {
            let f = p
                .rank(&ds, v, &RankOptions { k: Some(5), explain: ExplainMode::Summary, now: None })
                .unwrap();
            f.filtered > 0 && f.sourced > f.filtered + 5
        })
        .expect("a viewer with filtered and cut candidates");
    let feed = p.rank(&ds, viewer, &RankOptions { explain: ExplainMode::Summary, ..options }).unwrap();
    let pick = |pred: &dyn Fn(&Outcome) -> bool| feed.explanations.iter().find(|e| pred(&e.outcome)).unwrap();
    for e in [
        pick(&|o| matches!(o, Outcome::Filtered { .. })),
        pick(&|o| matches!(o, Outcome::Cut { .. })),
        pick(&|o| *o == Outcome::Selected),
    ] {
        let post = ds.post_id(&e.post).unwrap();
        let again = p.why_not(&ds, viewer, post, &options).unwrap();
        assert_eq!(&again, e);
    }
    // A post by someone the viewer does not follow and nobody they follow engaged with.
    let stranger = (0..ds.post_count() as u32)
        .map(PostId)
        .find(|&q| !feed.explanations.iter().any(|e| e.post == ds.post_name(q)))
        .unwrap();
    let e = p.why_not(&ds, viewer, stranger, &options).unwrap();
    match e.outcome {
        Outcome::NotSourced { why } => {
            assert!(why.contains("in_network") && why.contains("social_proof"), "{why}")
        }
        other => panic!("expected not_sourced, got {other:?}"),
    }
}

#[test]
fn social_proof_names_only_followees_never_blocked_accounts() {
    let ds = world(300, 5);
    let p = Pipeline::preset("engagement").unwrap();
    for v in (0..ds.user_count() as u32).map(UserId) {
        let feed = p.rank(&ds, v, &RankOptions::explained(ExplainMode::Summary)).unwrap();
        for e in &feed.explanations {
            let Some(src) = &e.source else { continue };
            if src.stage != "social_proof" {
                continue;
            }
            for name in src.why.split(['@', ',', ' ']).filter(|w| w.starts_with('u')) {
                let Some(named) = ds.user_id(name) else { continue };
                assert!(ds.graph().follows(v.0, named.0), "{name} named to {} but not followed", v.0);
                assert!(!ds.graph().is_blocked_either_way(v.0, named.0));
            }
        }
    }
    assert!(ds.graph().edge_count(EdgeKind::Block) > 0);
}

#[test]
fn compare_attributes_the_gap_to_stages() {
    let ds = world(300, 2);
    let p = Pipeline::preset("engagement").unwrap();
    let viewer = UserId(3);
    let feed = p.rank(&ds, viewer, &RankOptions::default()).unwrap();
    assert!(feed.items.len() >= 2);
    let (a, b) = (feed.items[0].post, feed.items[feed.items.len() - 1].post);
    let c = p.compare(&ds, viewer, a, b, &RankOptions::default()).unwrap();
    let total: f64 = c.stages.iter().filter_map(|d| d.log_share).sum();
    let expected = (c.a.score.unwrap() / c.b.score.unwrap()).ln();
    assert!((total - expected).abs() < 1e-9, "{total} vs {expected}");
    assert!(c.summary.contains(&c.a.post));
}

#[test]
fn explicit_now_hides_the_future() {
    let ds = world(200, 9);
    let p = Pipeline::preset("chronological").unwrap();
    let now = ds.latest_timestamp() - 24 * 3600;
    for v in (0..50).map(UserId) {
        let feed = p.rank(&ds, v, &RankOptions { now: Some(now), ..RankOptions::default() }).unwrap();
        assert_eq!(feed.now, now);
        assert!(feed.items.iter().all(|i| ds.created_at(i.post) <= now));
    }
}

#[test]
fn dedupe_keeps_a_repost_when_the_newer_one_was_filtered_out() {
    use glassfeed::{DatasetBuilder, PostRecord, UserRecord};
    let mut b = DatasetBuilder::new();
    for id in ["v", "a", "b", "c"] {
        b.add_user(&UserRecord { id: id.into(), ..Default::default() }).unwrap();
    }
    b.add_edge("v", "a", EdgeKind::Follow).unwrap();
    b.add_edge("v", "b", EdgeKind::Follow).unwrap();
    b.add_edge("v", "a", EdgeKind::Mute).unwrap();
    let post = |id: &str, author: &str, at: i64, repost_of: Option<&str>| PostRecord {
        id: id.into(),
        author: author.into(),
        created_at: at,
        repost_of: repost_of.map(str::to_string),
        ..Default::default()
    };
    b.add_post(&post("o", "c", 100, None)).unwrap();
    b.add_post(&post("r_old", "b", 200, Some("o"))).unwrap();
    b.add_post(&post("r_new", "a", 300, Some("o"))).unwrap();
    let ds = b.build().unwrap();
    let p = Pipeline::preset("engagement").unwrap();
    let v = ds.user_id("v").unwrap();
    let feed = p.rank(&ds, v, &RankOptions::explained(ExplainMode::Summary)).unwrap();
    let story = |id: &str| feed.explanations.iter().find(|e| e.post == id).unwrap().outcome.clone();
    assert!(matches!(story("r_new"), Outcome::Filtered { stage, .. } if stage == "muted"));
    assert_eq!(story("r_old"), Outcome::Selected);
}

#[test]
fn muted_words_match_across_unicode_case() {
    use glassfeed::{DatasetBuilder, PostRecord, UserRecord};
    let mut b = DatasetBuilder::new();
    b.add_user(&UserRecord { id: "v".into(), muted_words: vec!["ΟΔΟΣ".into()], ..Default::default() })
        .unwrap();
    b.add_user(&UserRecord { id: "a".into(), ..Default::default() }).unwrap();
    b.add_edge("v", "a", EdgeKind::Follow).unwrap();
    b.add_post(&PostRecord {
        id: "p".into(),
        author: "a".into(),
        created_at: 5,
        text: Some("ΟΔΟΣ".into()),
        ..Default::default()
    })
    .unwrap();
    let ds = b.build().unwrap();
    let feed = Pipeline::preset("chronological")
        .unwrap()
        .rank(&ds, ds.user_id("v").unwrap(), &RankOptions::default())
        .unwrap();
    assert!(feed.items.is_empty(), "a muted word must hide the post whatever its case");
}

#[test]
fn a_large_feed_is_the_same_with_one_or_two_threads() {
    // Viewers following ~1,000 accounts get more than 4,096 candidates, so the engine
    // filters their feeds in parallel over candidates when it ranks one alone (not from
    // `rank_all`, whose threads are busy with other feeds).
    let config = SynthConfig { users: 1_500, seed: 4, mean_follows: 1_000.0, ..SynthConfig::default() };
    let ds = synth::generate(&config).unwrap();
    let p = Pipeline::preset("engagement").unwrap();
    let viewers: Vec<UserId> = (0..40).map(UserId).collect();
    let one = rank_with_threads(&p, &ds, &viewers, 1);
    let two = rank_with_threads(&p, &ds, &viewers, 2);
    assert!(one.iter().any(|f| f.sourced >= 4096), "{:?}", one.iter().map(|f| f.sourced).max());
    for feed in &one {
        check_feed(&ds, feed);
    }
    assert_eq!(one, two);
    let options = RankOptions::explained(ExplainMode::Full);
    for feed in one.iter().filter(|f| f.sourced >= 4096) {
        assert_eq!(&p.rank(&ds, feed.viewer, &options).unwrap(), feed);
        let off = p.rank(&ds, feed.viewer, &RankOptions::default()).unwrap();
        assert_eq!(off.items, feed.items);
    }
}

/// One author's posts fill the top of the list; author diversity pushes the second of them
/// below the other author's first, which the top of the list alone does not hold.
#[test]
fn a_feed_without_explanations_looks_below_the_top_when_diversity_demands() {
    use glassfeed::{DatasetBuilder, PostRecord, UserRecord};
    let mut b = DatasetBuilder::new();
    for id in ["viewer", "a", "b"] {
        b.add_user(&UserRecord { id: id.into(), ..Default::default() }).unwrap();
    }
    b.add_edge("viewer", "a", EdgeKind::Follow).unwrap();
    b.add_edge("viewer", "b", EdgeKind::Follow).unwrap();
    for i in 0..40 {
        for (author, base) in [("a", 10.0), ("b", 9.5)] {
            let features = [("q".to_string(), base - 0.01 * f64::from(i))].into();
            let id = format!("{author}{i:02}");
            b.add_post(&PostRecord {
                id,
                author: author.into(),
                created_at: 1000 + i64::from(i),
                features,
                ..Default::default()
            })
            .unwrap();
        }
    }
    let ds = b.build().unwrap();
    let spec = json!({"name": "q", "sources": [{"stage": "in_network", "max_age_hours": 1000}],
        "scorers": [{"stage": "weighted_sum", "weights": [{"feature": "q", "weight": 1.0}]}],
        "rescorers": [{"stage": "author_diversity"}], "selector": {"stage": "top_k", "k": 2}});
    let p = Pipeline::from_value(spec).unwrap();
    let viewer = ds.user_id("viewer").unwrap();
    for k in 1..=6 {
        let options = RankOptions { k: Some(k), ..RankOptions::default() };
        let off = p.rank(&ds, viewer, &options).unwrap();
        let summary = p.rank(&ds, viewer, &RankOptions { explain: ExplainMode::Summary, ..options }).unwrap();
        assert_eq!(by_name(&ds, &[off]), by_name(&ds, &[summary]), "k = {k}");
    }
    let feed = p.rank(&ds, viewer, &RankOptions { k: Some(2), ..RankOptions::default() }).unwrap();
    let posts: Vec<&str> = feed.items.iter().map(|i| ds.post_name(i.post)).collect();
    assert_eq!(posts, ["a00", "b00"]);
}
