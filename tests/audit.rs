//! The audit toolkit: hand-computed toys for every measure, identity cases, and the
//! metamorphic checks (neutrality, non-profiling) on a small synthetic town square.

use glassfeed::audit::*;
use glassfeed::pipeline::PRESETS;
use glassfeed::stages::in_network::{InNetwork, InNetworkParams};
use glassfeed::stages::recency::{Recency, RecencyParams};
use glassfeed::stages::top_k::{TopK, TopKParams};
use glassfeed::stages::{Combine, ExplainMode, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput};
use glassfeed::synth::{generate, SynthConfig};
use glassfeed::{
    Dataset, DatasetBuilder, EngagementKind, EngagementRecord, ErrorKind, Feed, FeedItem, Pipeline, PostId,
    PostRecord, RankOptions, UserId, UserRecord,
};
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------
// Fixtures

/// A small synthetic town square shared by the tests that rank.
fn world() -> &'static Dataset {
    static WORLD: OnceLock<Dataset> = OnceLock::new();
    WORLD.get_or_init(|| generate(&SynthConfig::with_users(400)).expect("valid config"))
}

fn all_viewers(ds: &Dataset) -> Vec<UserId> {
    (0..ds.user_count() as u32).map(UserId).collect()
}

/// Users `a`, `b` (left), `r` (right), viewers `v1`, `v2` (left) and `w` (right); posts
/// `a1`, `a2`, `b1`…`b9`, `r1`, `r2`.
fn toy() -> Dataset {
    let mut b = DatasetBuilder::new();
    for (id, vp) in
        [("a", "left"), ("b", "left"), ("r", "right"), ("v1", "left"), ("v2", "left"), ("w", "right")]
    {
        let mut user = UserRecord { id: id.into(), ..Default::default() };
        user.attrs.insert("viewpoint".into(), vp.into());
        b.add_user(&user).unwrap();
    }
    let mut posts: Vec<(String, &str)> =
        vec![("a1".into(), "a"), ("a2".into(), "a"), ("r1".into(), "r"), ("r2".into(), "r")];
    posts.extend((1..=9).map(|i| (format!("b{i}"), "b")));
    for (i, (id, author)) in posts.iter().enumerate() {
        b.add_post(&PostRecord {
            id: id.clone(),
            author: author.to_string(),
            created_at: 100 + i as i64,
            ..Default::default()
        })
        .unwrap();
    }
    b.build().unwrap()
}

fn feed(ds: &Dataset, viewer: &str, posts: &[&str]) -> Feed {
    Feed {
        viewer: ds.user_id(viewer).unwrap(),
        now: ds.latest_timestamp(),
        items: posts
            .iter()
            .enumerate()
            .map(|(i, p)| FeedItem {
                post: ds.post_id(p).unwrap(),
                rank: i as u32 + 1,
                score: 1.0,
                source: 0,
            })
            .collect(),
        sourced: posts.len(),
        filtered: 0,
        explanations: Vec::new(),
        work: Default::default(),
    }
}

fn counting() -> AmplificationConfig {
    AmplificationConfig { model: ImpressionModel::TopK { k: 100 }, bootstrap: 200, ..Default::default() }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

// ---------------------------------------------------------------------------------------
// Amplification

#[test]
fn identical_pipelines_amplify_nothing_exactly() {
    let ds = world();
    let viewers = all_viewers(ds);
    let feeds =
        Pipeline::preset("engagement").unwrap().rank_all(ds, &viewers, &RankOptions::default()).unwrap();
    let cfg = AmplificationConfig { bootstrap: 100, ..Default::default() };
    let groups = group_amplification(ds, &feeds, &feeds, &cfg).unwrap();
    assert_eq!(groups.iter().map(|g| g.group.as_str()).collect::<Vec<_>>(), ["left", "right"]);
    for g in &groups {
        assert!(g.reach_control > 0.0);
        assert_eq!(g.amplification, Some(0.0), "{g:?}");
        assert_eq!((g.ci_low, g.ci_high), (Some(0.0), Some(0.0)), "{g:?}");
    }
    let authors = individual_amplification(ds, &feeds, &feeds, &cfg).unwrap();
    assert!(!authors.is_empty());
    assert!(authors.iter().all(|a| a.amplification == 0.0));
    // The same through the convenience report, which also runs the gap test.
    let p = Pipeline::preset("chronological").unwrap();
    let report = amplification_report(ds, &p, &p, &viewers[..100], &RankOptions::default(), &cfg).unwrap();
    assert!(report.groups.iter().all(|g| g.amplification.map_or(true, |a| a == 0.0)));
    let gap = report.gap.expect("two groups");
    assert_eq!(gap.difference, 0.0);
    assert_eq!(gap.p_value, 1.0);
}

#[test]
fn amplification_by_hand_with_position_weights() {
    let ds = toy();
    // One viewer: the treatment puts a's post first, the control puts r's post first.
    let treatment = [feed(&ds, "v1", &["a1", "r1"])];
    let control = [feed(&ds, "v1", &["r1", "a1"])];
    let cfg =
        AmplificationConfig { model: ImpressionModel::Logarithmic, bootstrap: 50, ..Default::default() };
    let groups = group_amplification(&ds, &treatment, &control, &cfg).unwrap();
    let w2 = 1.0 / 3f64.log2();
    let (left, right) = (&groups[0], &groups[1]);
    assert_eq!((left.group.as_str(), left.reach_treatment, left.reach_control), ("left", 1.0, w2));
    assert!(close(left.amplification.unwrap(), 1.0 / w2 - 1.0));
    assert!(close(right.amplification.unwrap(), w2 - 1.0));
    assert_eq!((left.authors, right.authors), (1, 1));
    // With one viewer every resample is that viewer: the interval is the point.
    assert_eq!(left.ci_low, left.amplification);
    assert_eq!(left.ci_high, left.amplification);
    // Rank-biased: γ = 0.5 gives weights 1, 0.5.
    let rb = AmplificationConfig { model: ImpressionModel::RankBiased { gamma: 0.5 }, ..cfg };
    let groups = group_amplification(&ds, &treatment, &control, &rb).unwrap();
    assert_eq!(groups[0].amplification, Some(1.0));
    assert_eq!(groups[1].amplification, Some(-0.5));
}

#[test]
fn group_level_is_not_the_mean_of_individual_levels() {
    let ds = toy();
    // Control: a once, b nine times. Treatment: a twice, b nine times (counts, top-k).
    let bs: Vec<String> = (1..=9).map(|i| format!("b{i}")).collect();
    let bs: Vec<&str> = bs.iter().map(String::as_str).collect();
    let mut control_v1 = vec!["a1"];
    control_v1.extend(&bs);
    let mut treatment_v1 = vec!["a1", "a2"];
    treatment_v1.extend(&bs);
    let control = [feed(&ds, "v1", &control_v1), feed(&ds, "w", &["r1"])];
    let treatment = [feed(&ds, "v1", &treatment_v1), feed(&ds, "w", &["r1", "r2"])];
    let cfg = counting();
    let groups = group_amplification(&ds, &treatment, &control, &cfg).unwrap();
    let left = &groups[0];
    assert_eq!((left.reach_treatment, left.reach_control), (11.0, 10.0));
    assert!(close(left.amplification.unwrap(), 0.1));
    assert_eq!(left.authors, 2);
    let authors = individual_amplification(&ds, &treatment, &control, &cfg).unwrap();
    let by: Vec<(&str, &str, f64)> =
        authors.iter().map(|a| (a.group.as_str(), a.author.as_str(), a.amplification)).collect();
    assert_eq!(by, [("left", "a", 1.0), ("left", "b", 0.0), ("right", "r", 1.0)]);
    let summary = individual_summary(&authors);
    assert_eq!((summary[0].group.as_str(), summary[0].authors), ("left", 2));
    assert_eq!((summary[0].mean, summary[0].median), (0.5, 0.5));
    // The difference is kept: 0.1 at group level, 0.5 on average per author.
    assert!((left.amplification.unwrap() - summary[0].mean).abs() > 0.3);
    // Bootstrap over the two viewers: left depends on v1 only, so its interval collapses
    // to the point estimate whenever v1 is drawn.
    assert!(close(left.ci_low.unwrap(), 0.1) && close(left.ci_high.unwrap(), 0.1));
}

#[test]
fn feeds_for_different_viewers_are_rejected() {
    let ds = toy();
    let a = [feed(&ds, "v1", &["a1"]), feed(&ds, "v2", &["a1"])];
    let b = [feed(&ds, "v2", &["a1"]), feed(&ds, "v1", &["a1"])];
    for result in [
        group_amplification(&ds, &a, &b, &counting()).map(drop),
        individual_amplification(&ds, &a, &b, &counting()).map(drop),
        diff_feeds(&ds, &a, &b, 0.9).map(drop),
        group_amplification(&ds, &a, &b[..1], &counting()).map(drop),
    ] {
        let e = result.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::InvalidArgument { .. }), "{e}");
        assert!(e.to_string().contains("same viewer list"), "{e}");
    }
    let bad = AmplificationConfig { confidence: 1.0, ..counting() };
    assert!(group_amplification(&ds, &a, &a, &bad).is_err());
}

#[test]
fn gap_test_is_seeded_and_counts_extreme_relabellings() {
    let make = |group: &str, author: &str, amplification: f64| AuthorAmplification {
        author: author.into(),
        group: group.into(),
        reach_treatment: 1.0 + amplification,
        reach_control: 1.0,
        amplification,
    };
    let authors =
        [make("left", "a", 1.0), make("left", "b", 0.0), make("right", "c", -0.5), make("right", "d", -0.5)];
    let cfg = AmplificationConfig { permutations: 2000, seed: 9, ..Default::default() };
    let t = amplification_gap_test(&authors, "left", "right", &cfg).unwrap();
    assert_eq!(t.difference, 1.0);
    // 2 of the 6 equally likely splits are as extreme as the observed one: p ≈ 1/3.
    assert!((t.p_value - 1.0 / 3.0).abs() < 0.04, "{t:?}");
    assert_eq!(t, amplification_gap_test(&authors, "left", "right", &cfg).unwrap());
    assert!(amplification_gap_test(&authors, "left", "centre", &cfg).is_err());
}

#[test]
fn bootstrap_is_deterministic_for_a_seed() {
    let ds = world();
    let viewers = all_viewers(ds);
    let t = Pipeline::preset("engagement").unwrap().rank_all(ds, &viewers, &RankOptions::default()).unwrap();
    let c =
        Pipeline::preset("chronological").unwrap().rank_all(ds, &viewers, &RankOptions::default()).unwrap();
    let cfg = AmplificationConfig { bootstrap: 300, seed: 5, ..Default::default() };
    let once = group_amplification(ds, &t, &c, &cfg).unwrap();
    assert_eq!(once, group_amplification(ds, &t, &c, &cfg).unwrap());
    #[cfg(feature = "parallel")]
    {
        let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let t1 = single.install(|| {
            Pipeline::preset("engagement").unwrap().rank_all(ds, &viewers, &RankOptions::default())
        });
        assert_eq!(once, group_amplification(ds, &t1.unwrap(), &c, &cfg).unwrap());
    }
    for g in &once {
        let (lo, hi, a) = (g.ci_low.unwrap(), g.ci_high.unwrap(), g.amplification.unwrap());
        assert!(lo <= a && a <= hi, "{g:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Exposure and diversity

#[test]
fn exposure_gini_and_group_shares_by_hand() {
    let ds = toy();
    // Logarithmic weights: rank 1 → 1, rank 3 → 0.5.
    let feeds = [feed(&ds, "v1", &["a1", "r1", "a2"]), feed(&ds, "w", &["r2"])];
    let exposure = exposure_by_author(&ds, &feeds, ImpressionModel::Logarithmic);
    let a = ds.user_id("a").unwrap().index();
    let r = ds.user_id("r").unwrap().index();
    assert_eq!(exposure[a], 1.5);
    assert!(close(exposure[r], 1.0 + 1.0 / 3f64.log2()));
    // All exposure on one author of n → (n − 1)/n; equal exposure → 0.
    assert_eq!(gini(&[0.0, 0.0, 0.0, 0.0, 7.0]), 0.8);
    assert_eq!(gini(&[2.0; 6]), 0.0);
    let top = ImpressionModel::TopK { k: 10 };
    // Authors a, b, r; only a is shown → (3 − 1)/3.
    assert!(close(author_exposure_gini(&ds, &[feed(&ds, "v1", &["a1", "a2"])], top), 2.0 / 3.0));
    // Group shares with counts: left 2 of 3 impressions, 11 of 13 posts.
    let shares = group_shares(&ds, &feeds[..1], top, "viewpoint");
    assert_eq!(shares[0].group, "left");
    assert!(close(shares[0].exposure_share, 2.0 / 3.0));
    assert!(close(shares[0].post_share, 11.0 / 13.0));
    assert!(close(shares[0].parity, (2.0 / 3.0) / (11.0 / 13.0)));
}

#[test]
fn cross_cutting_and_source_diversity_by_hand() {
    let ds = toy();
    let feeds = [
        feed(&ds, "v1", &["a1", "r1", "b1", "b2"]), // 1 of 4 from the right; authors a, r, b, b
        feed(&ds, "w", &["r1", "a1"]),              // 1 of 2 from the left; two authors
        feed(&ds, "v2", &["b1"]),                   // one item
        feed(&ds, "v1", &[]),                       // empty
        feed(&ds, "v2", &["b1", "b2", "b3"]),       // one author
    ];
    assert_eq!(
        cross_cutting_shares(&ds, &feeds, "viewpoint"),
        [Some(0.25), Some(0.5), Some(0.0), None, Some(0.0)]
    );
    let summary = cross_cutting_summary(&ds, &feeds, "viewpoint");
    assert_eq!((summary.count, summary.undefined), (4, 1));
    assert_eq!(summary.mean, Some(0.1875));
    assert_eq!(summary.median, Some(0.125));
    assert_eq!(summary.histogram[0].count, 2);
    assert_eq!(summary.histogram[2].count, 1);
    assert_eq!(summary.histogram[5].count, 1);
    let diversity = source_diversity(&ds, &feeds);
    // Feed 1: p = 1/4, 1/4, 1/2 → H = 1.5 ln 2, / ln 4 = 0.75.
    assert!(close(diversity.per_feed[0].unwrap(), 0.75));
    assert_eq!(diversity.per_feed[1..], [Some(1.0), None, None, Some(0.0)]);
    assert_eq!(diversity.summary.count, 3);
}

#[test]
fn popularity_bias_by_hand() {
    let mut b = DatasetBuilder::new();
    for id in ["v", "a", "x", "y", "z"] {
        b.add_user(&UserRecord { id: id.into(), ..Default::default() }).unwrap();
    }
    for (i, id) in ["p1", "p2", "p3"].iter().enumerate() {
        b.add_post(&PostRecord {
            id: id.to_string(),
            author: "a".into(),
            created_at: i as i64,
            ..Default::default()
        })
        .unwrap();
    }
    let mut engage = |user: &str, post: &str, kind: EngagementKind| {
        b.add_engagement(&EngagementRecord {
            user: user.into(),
            post: post.into(),
            kind,
            at: 10,
            rating: None,
        })
        .unwrap()
    };
    // p1: popularity 3 (2 likes, 1 repost); p2: 1 (v's like); p3: 0 (v only disliked it).
    engage("x", "p1", EngagementKind::Like);
    engage("y", "p1", EngagementKind::Like);
    engage("x", "p1", EngagementKind::Repost);
    engage("v", "p2", EngagementKind::Like);
    engage("v", "p2", EngagementKind::Click);
    engage("v", "p3", EngagementKind::Dislike);
    let ds = b.build().unwrap();
    let feeds = [feed(&ds, "v", &["p1", "p3"]), feed(&ds, "z", &["p1"])];
    let bias = popularity_bias(&ds, &feeds);
    // v: feed mean (3 + 0)/2 = 1.5 over history mean 1 (p2 once; the dislike is not positive).
    assert_eq!(bias.per_viewer, [Some(1.5), None]);
    assert_eq!((bias.mean, bias.defined), (Some(1.5), 1));
}

// ---------------------------------------------------------------------------------------
// Pipeline diff

#[test]
fn identical_feeds_have_tau_and_rbo_exactly_one() {
    let ds = world();
    let viewers = all_viewers(ds);
    let p = Pipeline::preset("engagement").unwrap();
    let a = p.rank_all(ds, &viewers, &RankOptions::default()).unwrap();
    let b = p.rank_all(ds, &viewers, &RankOptions::default()).unwrap();
    let diff = diff_feeds(ds, &a, &b, 0.9).unwrap();
    assert_eq!(diff.identical, viewers.len());
    assert_eq!(diff.mean_rbo, Some(1.0));
    assert_eq!(diff.mean_kendall_tau, Some(1.0));
    assert!(diff.per_viewer.iter().all(|v| v.rbo == 1.0 && v.kendall_tau.map_or(true, |t| t == 1.0)));
    assert!(diff.per_viewer.iter().filter(|v| v.len_a >= 2).all(|v| v.kendall_tau == Some(1.0)));
}

#[test]
fn tau_and_rbo_by_hand() {
    let ds = toy();
    let a = [feed(&ds, "v1", &["a1", "b1", "r1"]), feed(&ds, "w", &["a1", "b1"])];
    let b = [feed(&ds, "v1", &["a1", "r1", "b1"]), feed(&ds, "w", &["b1", "r2"])];
    let diff = diff_feeds(&ds, &a, &b, 0.5).unwrap();
    let v1 = &diff.per_viewer[0];
    assert_eq!((v1.kendall_tau, v1.rbo, v1.overlap), (Some(1.0 / 3.0), 0.875, 3));
    // w: union a1, b1, r2 — r2 missing from the first feed and a1 from the second are
    // placed after the ends: two discordant pairs, one concordant → −1/3. RBO: X = 0, 1.
    let w = &diff.per_viewer[1];
    assert_eq!(w.kendall_tau, Some(-1.0 / 3.0));
    // (1−p)/p · (0/1·0.5 + 1/2·0.25) + (1/2)·0.25 = 0.125 + 0.125.
    assert_eq!(w.rbo, 0.25);
    assert_eq!(kendall_tau_b(&[1, 2, 3, 4], &[4, 3, 2, 1]), Some(-1.0));
    assert_eq!(rbo_ext(&[1, 2, 3], &[4, 5, 6], 0.9), 0.0);
    assert!(diff_feeds(&ds, &a, &b, 1.0).is_err());
}

#[test]
fn stage_attribution_finds_the_stage_that_makes_the_difference() {
    let ds = world();
    let viewers: Vec<UserId> = all_viewers(ds).into_iter().take(150).collect();
    let a = Pipeline::preset("engagement").unwrap();
    let mut spec = a.spec().clone();
    spec["rescorers"] = serde_json::json!([]);
    let b = Pipeline::from_value(spec).unwrap();
    let result = stage_attribution(ds, &a, &b, &viewers, &RankOptions::default(), 0.9).unwrap();
    assert!(result.baseline_rbo.unwrap() < 1.0);
    assert_eq!(result.edits.len(), 1);
    let edit = &result.edits[0];
    assert_eq!(
        (edit.role.as_str(), edit.stage.as_str(), edit.change.as_str()),
        ("rescorers", "author_diversity", "removed")
    );
    assert_eq!(edit.mean_rbo, Some(1.0));
    assert!(close(edit.rbo_gain.unwrap(), 1.0 - result.baseline_rbo.unwrap()));

    // Between two presets every differing stage is listed, and the only source of
    // `chronological` cannot be removed.
    let c = Pipeline::preset("chronological").unwrap();
    let result = stage_attribution(ds, &c, &a, &viewers[..50], &RankOptions::default(), 0.9).unwrap();
    let changes: Vec<(&str, &str, &str)> =
        result.edits.iter().map(|e| (e.role.as_str(), e.stage.as_str(), e.change.as_str())).collect();
    assert!(changes.contains(&("sources", "social_proof", "added")), "{changes:?}");
    assert!(changes.contains(&("scorers", "recency", "removed")), "{changes:?}");
    assert!(changes.contains(&("rescorers", "author_diversity", "added")), "{changes:?}");
    assert!(result.edits.iter().all(|e| e.rbo_gain.is_some() || e.note.is_some()));
    let same = stage_attribution(ds, &a, &a, &viewers[..10], &RankOptions::default(), 0.9).unwrap();
    assert!(same.edits.is_empty());
    assert_eq!(same.baseline_rbo, Some(1.0));
}

// ---------------------------------------------------------------------------------------
// Neutrality

/// A scorer that doubles the score of left-leaning authors — and may or may not say so.
struct LeftBoost {
    declared: bool,
}

impl Stage for LeftBoost {
    fn id(&self) -> &'static str {
        "left_boost"
    }
    fn params(&self) -> serde_json::Value {
        serde_json::json!({"declared": self.declared})
    }
    fn reads(&self) -> Vec<Input> {
        let mut reads = vec![Input::PostMetadata];
        if self.declared {
            reads.push(Input::UserAttribute("viewpoint".into()));
        }
        reads
    }
}

impl Scorer for LeftBoost {
    fn combine(&self) -> Combine {
        Combine::Factor
    }
    fn score(&self, input: &ViewerInput<'_>, posts: &[PostId], _: &FeatureMatrix, out: &mut [f64]) {
        for (o, &p) in out.iter_mut().zip(posts) {
            let left = input.ds.user_attr(input.ds.author(p), "viewpoint") == Some("left");
            *o = if left { 2.0 } else { 1.0 };
        }
    }
    fn explain(
        &self,
        _: &ViewerInput<'_>,
        _: PostId,
        _: &FeatureMatrix,
        _: usize,
        value: f64,
        _: ExplainMode,
    ) -> StageNote {
        StageNote::says(format!("× {value}"))
    }
}

fn biased(declared: bool) -> Pipeline {
    Pipeline::from_stages(
        "biased",
        vec![Box::new(InNetwork::new(InNetworkParams::default()).unwrap())],
        vec![],
        vec![Box::new(Recency::new(RecencyParams::default()).unwrap()), Box::new(LeftBoost { declared })],
        vec![],
        Box::new(TopK::new(TopKParams::default()).unwrap()),
    )
}

#[test]
fn an_undeclared_attribute_reader_is_caught() {
    let ds = world();
    let viewers = all_viewers(ds);
    let report = neutrality_check(ds, &biased(false), &viewers, 11).unwrap();
    assert!(!report.passed);
    assert!(report.declared_attribute_readers.is_empty());
    assert_eq!(report.feeds_compared, viewers.len());
    assert!(report.violations.len() > viewers.len() / 4, "{}", report.violations.len());
    let v = &report.violations[0];
    assert!(v.first_differing_rank >= 1);
    assert_ne!(
        (&v.original_post, v.original_score.map(f64::to_bits)),
        (&v.perturbed_post, v.perturbed_score.map(f64::to_bits))
    );
    let boost = report.stage_inputs.iter().find(|s| s.stage == "left_boost").unwrap();
    assert_eq!(boost.reads, [Input::PostMetadata]);
    assert_eq!(report.attributes, ["viewpoint"]);
    serde_json::to_string(&report).unwrap();

    // Declared, the same dependence is disclosed: listed, but not a failure.
    let declared = neutrality_check(ds, &biased(true), &viewers, 11).unwrap();
    assert!(declared.passed);
    assert_eq!(declared.declared_attribute_readers, ["left_boost: viewpoint"]);
    assert_eq!(declared.violations.len(), report.violations.len());
}

#[test]
fn every_preset_is_neutral() {
    let ds = world();
    let viewers = all_viewers(ds);
    for name in PRESETS {
        let report = neutrality_check(ds, &Pipeline::preset(name).unwrap(), &viewers, 3).unwrap();
        assert!(report.passed && report.violations.is_empty(), "{name}: {:?}", report.violations.first());
        assert!(report.declared_attribute_readers.is_empty(), "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// Non-profiling (DSA Art. 38)

#[test]
fn chronological_is_not_profiling_and_engagement_is() {
    let ds = world();
    let viewers: Vec<UserId> = all_viewers(ds).into_iter().step_by(4).collect();
    let chrono = non_profiling_check(ds, &Pipeline::preset("chronological").unwrap(), &viewers, 1).unwrap();
    assert!(chrono.passed, "{:?}", chrono.violations.first());
    assert!(chrono.history_readers.is_empty());
    assert_eq!(chrono.feeds_compared + chrono.untested.len(), viewers.len());
    assert!(chrono.viewers_with_changed_history > viewers.len() / 2, "{chrono:?}");

    let engagement = non_profiling_check(ds, &Pipeline::preset("engagement").unwrap(), &viewers, 1).unwrap();
    assert!(!engagement.passed);
    assert!(engagement.history_readers.contains(&"seen".to_string()), "{:?}", engagement.history_readers);
    assert!(!engagement.violations.is_empty());
    // Same seed, same rounds and the same verdicts.
    assert_eq!(engagement.rounds, chrono.rounds);
    // Aggregate signals (popularity, followees' engagement) are kept, so a pipeline that
    // reads only those is not flagged.
    let hn = non_profiling_check(ds, &Pipeline::preset("hacker_news").unwrap(), &viewers, 1).unwrap();
    assert!(hn.passed, "{:?}", hn.violations.first());
}

#[test]
fn reassigned_histories_keep_every_post_count() {
    let ds = world();
    let (u, v) = (UserId(1), UserId(2));
    let swapped = with_reassigned_histories(ds, &[(u, v), (v, u)]).unwrap();
    assert_eq!(swapped.history(u).len(), ds.history(v).len());
    assert_eq!(swapped.history(v).len(), ds.history(u).len());
    for p in 0..ds.post_count() as u32 {
        assert_eq!(swapped.engagement_totals(PostId(p)), ds.engagement_totals(PostId(p)));
    }
    assert!(with_reassigned_histories(ds, &[(u, v), (u, v)]).is_err());
}

// ---------------------------------------------------------------------------------------
// Transparency (DSA Art. 27)

#[test]
fn transparency_report_measures_every_stage() {
    let ds = world();
    let viewers: Vec<UserId> = all_viewers(ds).into_iter().take(120).collect();
    let p = Pipeline::preset("engagement").unwrap();
    let report = transparency_report(ds, &p, &viewers, &RankOptions::default()).unwrap();
    assert_eq!(report.fingerprint, p.fingerprint());
    assert_eq!(report.stages.len(), p.inputs().len());
    let stage = |id: &str| report.stages.iter().find(|s| s.stage == id).unwrap();
    assert!(stage("author_diversity").rank_change_share.unwrap() > 0.0);
    assert!(stage("social_proof").rank_change_share.unwrap() > 0.0);
    assert_eq!(stage("self_posts").reads, p.inputs().iter().find(|(s, _)| s == "self_posts").unwrap().1);
    for id in ["heavy_ranker", "out_of_network", "author_diversity"] {
        let share = stage(id).score_variance_share.unwrap();
        assert!(share >= 0.0 && stage(id).variance_samples > 0, "{id}: {share}");
    }
    assert!(stage("top_k").note.is_some());
    assert_eq!(report.alternatives.len(), PRESETS.len());
    let md = report.to_markdown();
    assert!(md.contains("## Options you can switch to"));
    assert!(md.contains("`heavy_ranker`"));
    for name in PRESETS {
        assert!(md.contains(&format!("| `{name}` |")), "{name}");
    }
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["pipeline"], "engagement");

    let chrono = transparency_report(
        ds,
        &Pipeline::preset("chronological").unwrap(),
        &viewers,
        &RankOptions::default(),
    )
    .unwrap();
    let recency = chrono.stages.iter().find(|s| s.stage == "recency").unwrap();
    // Recency is the only scorer: it explains all of the log-score variance.
    assert!(close(recency.score_variance_share.unwrap(), 1.0), "{recency:?}");
    assert!(chrono.stages[0].note.as_deref().unwrap().contains("only source"));
}
