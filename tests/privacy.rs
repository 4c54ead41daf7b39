//! Privacy of explanations (DESIGN §4, the rule on `glassfeed::Explanation`): over synthetic
//! and arbitrary small worlds with follows, blocks both ways, mutes, reposts and replies,
//! for every preset and every viewer, no explanation — `rank` with full explanations,
//! `why_not`, `compare` — names an account the viewer may not be told about, and a post
//! the viewer may not see is never shown as anything but "not available".
//!
//! Users are named `user_<n>_x` and posts `post_<n>_y`, so every mention of one in any
//! string of a serialised record is found by substring search, without ambiguity.

use glassfeed::pipeline::PRESETS;
use glassfeed::synth::{self, SynthConfig};
use glassfeed::{
    Dataset, DatasetBuilder, EdgeKind, EngagementKind, EngagementRecord, ExplainMode, Explanation, Outcome,
    Pipeline, PostId, PostRecord, RankOptions, UserId, UserRecord,
};
use proptest::prelude::*;
use serde_json::{json, Value};

fn user_name(n: usize) -> String {
    format!("user_{n}_x")
}

fn post_name(n: usize) -> String {
    format!("post_{n}_y")
}

/// Every `<prefix><digits><suffix>` in `text`, as the number.
fn mentions(text: &str, prefix: &str, suffix: &str) -> Vec<usize> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let rest = &text[at + prefix.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(suffix) {
            found.push(rest[..digits].parse().unwrap());
        }
    }
    found
}

/// Every string of a JSON value (object keys included), except the top-level fields named
/// in `skip`.
fn strings<'a>(value: &'a Value, skip: &[&str], out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, &[], out)),
        Value::Object(map) => {
            for (k, v) in map {
                if !skip.contains(&k.as_str()) {
                    out.push(k);
                    strings(v, &[], out);
                }
            }
        }
        _ => {}
    }
}

/// A pipeline and the labels its platform policy drops.
struct Case {
    pipeline: Pipeline,
    drop: Vec<&'static str>,
}

fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = PRESETS
        .iter()
        .map(|p| Case { pipeline: Pipeline::preset(p).unwrap(), drop: vec!["illegal"] })
        .collect();
    // Every stage that names accounts, a short feed (so some posts are cut), `dedupe_reposts`
    // before the protective filters, and no `blocked` filter at all: the engine must keep
    // blocks and the privacy rule whatever the spec says.
    let naming = json!({
        "name": "naming",
        "sources": [{"stage": "in_network", "max_age_hours": 1000},
                    {"stage": "social_proof", "min_proof": 1, "max_age_hours": 1000},
                    {"stage": "popular", "n": 50, "max_age_hours": 1000, "max_followees": 1000}],
        "filters": [{"stage": "dedupe_reposts"}, {"stage": "self_posts"}, {"stage": "muted"},
                    {"stage": "policy_labels", "drop": ["spam"]}],
        "scorers": [{"stage": "heavy_ranker"}, {"stage": "author_affinity"},
                    {"stage": "out_of_network"}, {"stage": "reply"}, {"stage": "label_downrank"}],
        "rescorers": [{"stage": "author_diversity"}],
        "selector": {"stage": "top_k", "k": 4}
    });
    cases.push(Case { pipeline: Pipeline::from_value(naming).unwrap(), drop: vec!["spam"] });
    cases
}

/// The test's own statement of the rule, from the graph and the posts.
struct Rule<'a> {
    ds: &'a Dataset,
    drop: &'a [&'static str],
}

impl Rule<'_> {
    fn user(&self, n: usize) -> UserId {
        self.ds.user_id(&user_name(n)).expect("a mentioned user exists")
    }
    fn post(&self, n: usize) -> PostId {
        self.ds.post_id(&post_name(n)).expect("a mentioned post exists")
    }
    fn blocked_either_way(&self, v: UserId, u: UserId) -> bool {
        let g = self.ds.graph();
        g.blocks(v.0).contains(&u.0) || g.blocks(u.0).contains(&v.0)
    }
    /// The post and, for a repost, the original.
    fn chain(&self, p: PostId) -> Vec<PostId> {
        std::iter::once(p).chain(self.ds.repost_of(p)).collect()
    }
    fn available(&self, v: UserId, p: PostId) -> bool {
        self.chain(p).into_iter().all(|q| {
            !self.blocked_either_way(v, self.ds.author(q))
                && !self.ds.label_ids(q).iter().any(|&l| self.drop.contains(&self.ds.label_name(l)))
        })
    }
    fn may_name(&self, v: UserId, about: Option<PostId>, u: UserId) -> bool {
        if u == v {
            return true;
        }
        let author = about.is_some_and(|p| self.chain(p).iter().any(|&q| self.ds.author(q) == u));
        !self.blocked_either_way(v, u) && (self.ds.graph().follows(v.0, u.0) || author)
    }

    /// Checks every string of a record or comparison: accounts named only as the rule
    /// allows; posts named only when available (or one of `own`, the posts it is about).
    fn check_strings(&self, v: UserId, value: &Value, skip: &[&str], own: &[PostId], about: &[PostId]) {
        let mut all = Vec::new();
        strings(value, skip, &mut all);
        for s in all {
            for n in mentions(s, "user_", "_x") {
                let u = self.user(n);
                assert!(
                    about.iter().any(|&p| self.may_name(v, Some(p), u)) || self.may_name(v, None, u),
                    "{} is named to {}: {s:?}",
                    user_name(n),
                    self.ds.user_name(v)
                );
            }
            for n in mentions(s, "post_", "_y") {
                let q = self.post(n);
                assert!(
                    own.contains(&q) || self.available(v, q),
                    "unavailable {} named: {s:?}",
                    post_name(n)
                );
            }
        }
    }

    fn check_record(&self, pipeline: &Pipeline, v: UserId, e: &Explanation) {
        assert_eq!(e.viewer, self.ds.user_name(v));
        let p = self.ds.post_id(&e.post).expect("the record's post exists");
        if self.available(v, p) {
            assert!(!e.outcome.is_unavailable(), "{} is available to {}: {e:?}", e.post, e.viewer);
            let about: &[PostId] = &[p];
            self.check_strings(v, &serde_json::to_value(e).unwrap(), &["viewer", "post"], &[p], about);
        } else {
            let only = Explanation {
                viewer: e.viewer.clone(),
                post: e.post.clone(),
                pipeline: pipeline.name().to_string(),
                fingerprint: pipeline.fingerprint().to_string(),
                source: None,
                features: Default::default(),
                terms: Vec::new(),
                factors: Vec::new(),
                rescores: Vec::new(),
                score: None,
                rank: None,
                outcome: Outcome::unavailable(),
                limits: Vec::new(),
            };
            assert_eq!(e, &only, "an unavailable post must be only \"not available\"");
        }
    }
}

/// Everything one viewer can ask about under one pipeline, checked.
fn check_viewer(ds: &Dataset, case: &Case, v: UserId, why_not_posts: &[PostId], pairs: &[(PostId, PostId)]) {
    let rule = Rule { ds, drop: &case.drop };
    let p = &case.pipeline;
    let feed = p.rank(ds, v, &RankOptions::explained(ExplainMode::Full)).unwrap();
    for item in &feed.items {
        assert!(
            rule.available(v, item.post),
            "{} in the feed of {}",
            ds.post_name(item.post),
            ds.user_name(v)
        );
    }
    for e in &feed.explanations {
        rule.check_record(p, v, e);
    }
    let options = RankOptions::explained(ExplainMode::Full);
    for &post in why_not_posts {
        let e = p.why_not(ds, v, post, &options).unwrap();
        assert_eq!(e.post, ds.post_name(post));
        rule.check_record(p, v, &e);
        if let Some(ranked) = feed.explanations.iter().find(|r| r.post == e.post) {
            assert_eq!(ranked, &e, "why_not tells what rank told");
        }
    }
    for &(a, b) in pairs {
        let c = p.compare(ds, v, a, b, &options).unwrap();
        rule.check_record(p, v, &c.a);
        rule.check_record(p, v, &c.b);
        if !rule.available(v, a) || !rule.available(v, b) {
            assert!(c.stages.is_empty(), "no stage values of an unavailable post");
        }
        let shown = json!({"stages": c.stages, "summary": c.summary});
        let about: Vec<PostId> = [a, b].into_iter().filter(|&p| rule.available(v, p)).collect();
        rule.check_strings(v, &shown, &[], &[a, b], &about);
    }
}

fn dense(ds: &Dataset) -> (Vec<UserId>, Vec<PostId>) {
    ((0..ds.user_count() as u32).map(UserId).collect(), (0..ds.post_count() as u32).map(PostId).collect())
}

/// A synthetic world with distinctive ids and extra blocks along follow edges (followees
/// who block their followers, and followers who block a followee), so blocked accounts
/// are among the sources' authors and social proof.
fn synthetic(users: usize, seed: u64) -> Dataset {
    let config = SynthConfig {
        users,
        seed,
        mean_follows: 10.0,
        mute_share: 0.3,
        block_share: 0.3,
        muted_words_share: 0.2,
        hidden_labels_share: 0.2,
        illegal_share: 0.05,
        spam_share: 0.1,
        reply_share: 0.2,
        repost_share: 0.2,
        ..SynthConfig::default()
    };
    let ds = synth::generate(&config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    ds.write_jsonl_dir(dir.path()).unwrap();
    let rename = |v: &mut Value, field: &str, to: fn(usize) -> String| {
        if let Some(Value::String(id)) = v.get(field) {
            let n: usize = id[1..].parse().expect("synthetic ids are a letter and a number");
            v[field] = Value::String(to(n));
        }
    };
    for (file, fields) in [
        ("users.jsonl", &[("id", 'u')][..]),
        ("graph.jsonl", &[("src", 'u'), ("dst", 'u')]),
        ("posts.jsonl", &[("id", 'p'), ("author", 'u'), ("reply_to", 'p'), ("repost_of", 'p')]),
        ("engagements.jsonl", &[("user", 'u'), ("post", 'p')]),
    ] {
        let path = dir.path().join(file);
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let mut lines = Vec::new();
        let mut follows = 0;
        for line in text.lines() {
            let mut v: Value = serde_json::from_str(line).unwrap();
            for &(field, kind) in fields {
                rename(&mut v, field, if kind == 'u' { user_name } else { post_name });
            }
            if file == "graph.jsonl" && v["kind"] == "follow" {
                follows += 1;
                let (src, dst) = (v["src"].clone(), v["dst"].clone());
                if follows % 7 == 0 {
                    lines.push(json!({"src": dst, "dst": src, "kind": "block"}).to_string());
                } else if follows % 11 == 0 {
                    lines.push(json!({"src": src, "dst": dst, "kind": "block"}).to_string());
                }
            }
            lines.push(v.to_string());
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    }
    Dataset::from_jsonl_dir(dir.path()).unwrap()
}

#[test]
fn synthetic_worlds_keep_explanations_private() {
    for seed in [1, 2] {
        let ds = synthetic(60, seed);
        let (viewers, posts) = dense(&ds);
        let g = ds.graph();
        assert!(viewers.iter().any(|v| g.followees(v.0).iter().any(|&f| g.blocks(f).contains(&v.0))));
        for case in cases() {
            let rule = Rule { ds: &ds, drop: &case.drop };
            for &v in &viewers {
                // A sample of the posts the viewer may not see, and of the others.
                let asked: Vec<PostId> = posts
                    .iter()
                    .copied()
                    .filter(|&p| (p.0 + v.0) % if rule.available(v, p) { 17 } else { 3 } == 0)
                    .collect();
                let hidden = asked.iter().copied().filter(|&p| !rule.available(v, p));
                let pairs: Vec<(PostId, PostId)> = hidden.zip(asked.iter().rev().copied()).take(6).collect();
                check_viewer(&ds, &case, v, &asked, &pairs);
            }
        }
    }
}

/// An arbitrary small world: `(a, b, kind)` edges, `(author, minutes, reply_to, repost_of,
/// labels)` posts, `(user, post, kind, minutes after the post)` engagements.
type World = (
    usize,
    Vec<(usize, usize, u8)>,
    Vec<(usize, i64, Option<usize>, Option<usize>, u8)>,
    Vec<(usize, usize, u8, i64)>,
);

fn build(world: &World) -> Dataset {
    let (users, edges, posts, engagements) = world;
    let mut b = DatasetBuilder::new();
    for u in 0..*users {
        b.add_user(&UserRecord { id: user_name(u), ..Default::default() }).unwrap();
    }
    for &(a, c, kind) in edges {
        let (a, c) = (a % users, c % users);
        if a != c {
            let kind =
                [EdgeKind::Follow, EdgeKind::Follow, EdgeKind::Block, EdgeKind::Mute][kind as usize % 4];
            b.add_edge(&user_name(a), &user_name(c), kind).unwrap();
        }
    }
    let start = 1_700_000_000;
    for (i, &(author, minutes, reply_to, repost_of, labels)) in posts.iter().enumerate() {
        let earlier = |x: Option<usize>| x.filter(|_| i > 0).map(|x| post_name(x % i));
        let labels = ["illegal", "spam", "nsfw"]
            .iter()
            .enumerate()
            .filter(|(bit, _)| labels >> bit & 1 == 1)
            .map(|(_, l)| l.to_string())
            .collect();
        b.add_post(&PostRecord {
            id: post_name(i),
            author: user_name(author % users),
            created_at: start + 60 * minutes,
            reply_to: earlier(reply_to),
            repost_of: earlier(repost_of),
            labels,
            ..Default::default()
        })
        .unwrap();
    }
    let kinds = [
        EngagementKind::Like,
        EngagementKind::Repost,
        EngagementKind::Reply,
        EngagementKind::Quote,
        EngagementKind::Impression,
        EngagementKind::Dislike,
    ];
    for &(user, post, kind, after) in engagements {
        let post = post % posts.len();
        b.add_engagement(&EngagementRecord {
            user: user_name(user % users),
            post: post_name(post),
            kind: kinds[kind as usize % kinds.len()],
            at: start + 60 * (posts[post].1 + after),
            rating: None,
        })
        .unwrap();
    }
    b.build().unwrap()
}

fn world_strategy() -> impl Strategy<Value = World> {
    (2usize..7).prop_flat_map(|users| {
        (
            Just(users),
            proptest::collection::vec((0..users, 0..users, 0u8..4), 0..24),
            proptest::collection::vec(
                (
                    0..users,
                    0i64..600,
                    proptest::option::weighted(0.3, 0usize..20),
                    proptest::option::weighted(0.3, 0usize..20),
                    0u8..8,
                ),
                1..12,
            ),
            proptest::collection::vec((0..users, 0usize..12, 0u8..6, 0i64..120), 0..30),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_worlds_keep_explanations_private(world in world_strategy()) {
        let ds = build(&world);
        let (viewers, posts) = dense(&ds);
        let pairs: Vec<(PostId, PostId)> =
            posts.iter().flat_map(|&a| posts.iter().map(move |&b| (a, b))).filter(|(a, b)| (a.0 * 5 + b.0) % 3 == 0).collect();
        for case in cases() {
            for &v in &viewers {
                check_viewer(&ds, &case, v, &posts, &pairs);
            }
        }
    }
}

#[test]
fn a_followee_who_blocks_the_viewer_is_never_revealed() {
    // v follows a, b and c; a blocks v; v blocks c. b reposts a's post and replies to it;
    // a and c like a stranger's post, which b likes too; d reposts c's post.
    let mut b = DatasetBuilder::new();
    for u in 0..5 {
        b.add_user(&UserRecord { id: user_name(u), ..Default::default() }).unwrap();
    }
    let (v, a, f, c, d) = (0, 1, 2, 3, 4);
    for followee in [a, f, c] {
        b.add_edge(&user_name(v), &user_name(followee), EdgeKind::Follow).unwrap();
    }
    b.add_edge(&user_name(a), &user_name(v), EdgeKind::Block).unwrap();
    b.add_edge(&user_name(v), &user_name(c), EdgeKind::Block).unwrap();
    let post =
        |id: usize, author: usize, at: i64, reply_to: Option<usize>, repost_of: Option<usize>| PostRecord {
            id: post_name(id),
            author: user_name(author),
            created_at: at,
            reply_to: reply_to.map(post_name),
            repost_of: repost_of.map(post_name),
            ..Default::default()
        };
    for p in [
        post(0, a, 100, None, None),
        post(1, f, 200, None, Some(0)),
        post(2, f, 300, Some(0), None),
        post(3, d, 400, None, None),
        post(4, c, 450, None, None),
        post(5, d, 460, None, Some(4)),
    ] {
        b.add_post(&p).unwrap();
    }
    for liker in [a, f, c] {
        let like = EngagementRecord {
            user: user_name(liker),
            post: post_name(3),
            kind: EngagementKind::Like,
            at: 500,
            rating: None,
        };
        b.add_engagement(&like).unwrap();
    }
    let ds = b.build().unwrap();
    let viewer = ds.user_id(&user_name(v)).unwrap();
    for case in cases() {
        let (_, posts) = dense(&ds);
        check_viewer(&ds, &case, viewer, &posts, &[(posts[0], posts[2]), (posts[3], posts[5])]);
        let p = &case.pipeline;
        let feed = p.rank(&ds, viewer, &RankOptions::explained(ExplainMode::Full)).unwrap();
        let text = serde_json::to_string(&feed.explanations).unwrap();
        for hidden in [user_name(a), user_name(c), post_name(0), post_name(1), post_name(4), post_name(5)] {
            let shown = feed.explanations.iter().filter(|e| e.post != hidden);
            assert!(
                shown.clone().all(|e| !serde_json::to_string(e).unwrap().contains(&hidden)),
                "{hidden}: {text}"
            );
        }
        // The reply to the hidden post stays, and so does the stranger's post that only
        // followees the viewer may be told about vouch for.
        let reply =
            p.why_not(&ds, viewer, ds.post_id(&post_name(2)).unwrap(), &RankOptions::default()).unwrap();
        assert!(!reply.outcome.is_unavailable(), "{reply:?}");
        if case.pipeline.name() == "naming" {
            let e =
                feed.explanations.iter().find(|e| e.post == post_name(3)).expect("sourced by social proof");
            let why = &e.source.as_ref().unwrap().why;
            assert!(why.contains(&user_name(f)) && why.starts_with("liked or shared by 1 account"), "{why}");
        }
        // Unavailable posts read alike whichever side blocked.
        let by_a =
            p.why_not(&ds, viewer, ds.post_id(&post_name(0)).unwrap(), &RankOptions::default()).unwrap();
        let by_c =
            p.why_not(&ds, viewer, ds.post_id(&post_name(4)).unwrap(), &RankOptions::default()).unwrap();
        assert_eq!((by_a.outcome, by_a.source), (by_c.outcome.clone(), by_c.source));
        assert!(by_c.outcome.is_unavailable());
    }
}
