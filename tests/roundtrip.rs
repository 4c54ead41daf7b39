//! Writing a dataset and reading it back gives an equal dataset, and equal datasets are
//! written byte for byte the same.

use glassfeed::{
    Dataset, DatasetBuilder, EdgeKind, EngagementKind, EngagementRecord, PostRecord, UserRecord,
};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::BTreeMap;
use std::path::Path;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn engagement(
    user: &str,
    post: &str,
    kind: EngagementKind,
    at: i64,
    rating: Option<f64>,
) -> EngagementRecord {
    EngagementRecord { user: user.into(), post: post.into(), kind, at, rating }
}

/// A dataset that uses every field of every record.
fn full_dataset() -> Dataset {
    let mut b = DatasetBuilder::new();
    b.add_user(&UserRecord {
        id: "ann".into(),
        attrs: BTreeMap::from([("viewpoint".into(), "left".into()), ("age".into(), "30s".into())]),
        muted_words: strings(&["spoiler", "Crypto"]),
        hidden_labels: strings(&["nsfw"]),
    })
    .unwrap();
    b.add_user(&UserRecord { id: "bob \"the\" builder".into(), ..Default::default() }).unwrap();
    b.add_user(&UserRecord {
        id: "çé 🐘".into(),
        attrs: BTreeMap::from([("viewpoint".into(), "right".into())]),
        hidden_labels: strings(&["gore", "nsfw"]),
        ..Default::default()
    })
    .unwrap();
    b.add_user(&UserRecord { id: "dan\\n".into(), muted_words: strings(&["x"]), ..Default::default() })
        .unwrap();
    b.add_edge("ann", "bob \"the\" builder", EdgeKind::Follow).unwrap();
    b.add_edge("çé 🐘", "ann", EdgeKind::Follow).unwrap();
    b.add_edge("ann", "çé 🐘", EdgeKind::Follow).unwrap();
    b.add_edge("ann", "dan\\n", EdgeKind::Mute).unwrap();
    b.add_edge("dan\\n", "ann", EdgeKind::Block).unwrap();
    b.add_edge("bob \"the\" builder", "dan\\n", EdgeKind::Block).unwrap();
    b.add_post(&PostRecord {
        id: "p1".into(),
        author: "ann".into(),
        created_at: 1_700_000_000,
        text: Some("Hello, \"world\"\n\ttabs and \u{1F418} and \u{0}".into()),
        reply_to: Some("p3".into()),
        labels: strings(&["nsfw", "satire"]),
        topics: strings(&["politics", "news"]),
        features: BTreeMap::from([
            ("p_fav".into(), 0.1 + 0.2),
            ("p_reply".into(), 5e-324),
            ("big".into(), f64::MAX),
            ("neg".into(), -0.0),
        ]),
        ..Default::default()
    })
    .unwrap();
    b.add_post(&PostRecord {
        id: "p2".into(),
        author: "bob \"the\" builder".into(),
        created_at: -5,
        repost_of: Some("p1".into()),
        ..Default::default()
    })
    .unwrap();
    b.add_post(&PostRecord {
        id: "p3".into(),
        author: "çé 🐘".into(),
        created_at: i64::MAX,
        text: Some(String::new()),
        topics: strings(&["news"]),
        features: BTreeMap::from([("p_fav".into(), 1.0 / 3.0), ("z".into(), -1e-300)]),
        ..Default::default()
    })
    .unwrap();
    b.add_engagement(&engagement("bob \"the\" builder", "p1", EngagementKind::Like, 10, Some(1.0))).unwrap();
    b.add_engagement(&engagement("ann", "p3", EngagementKind::NotInterested, i64::MIN, None)).unwrap();
    b.add_engagement(&engagement("dan\\n", "p1", EngagementKind::ProfileClick, 7, Some(0.0))).unwrap();
    b.add_engagement(&engagement("ann", "p1", EngagementKind::Report, 7, Some(0.7))).unwrap();
    b.build().unwrap()
}

fn files(dir: &Path) -> Vec<Vec<u8>> {
    ["users.jsonl", "graph.jsonl", "posts.jsonl", "engagements.jsonl"]
        .map(|name| std::fs::read(dir.join(name)).unwrap())
        .to_vec()
}

#[test]
fn every_field_round_trips() {
    let ds = full_dataset();
    let first = tempfile::tempdir().unwrap();
    ds.write_jsonl_dir(first.path()).unwrap();
    let reread = Dataset::from_jsonl_dir(first.path()).unwrap();
    assert_eq!(ds, reread);

    // Spot checks through the public API, in case equality misses something.
    let p1 = reread.post_id("p1").unwrap();
    assert_eq!(reread.reply_to(p1), reread.post_id("p3"));
    assert_eq!(reread.feature(p1, "p_reply"), Some(5e-324));
    assert!(reread.feature(p1, "neg").unwrap().is_sign_negative());
    assert_eq!(reread.feature(reread.post_id("p2").unwrap(), "p_fav"), None);
    assert_eq!(reread.engagement(1).rating, None);
    assert_eq!(reread.engagement(3).rating, Some(0.7));
    assert_eq!(reread.latest_timestamp(), i64::MAX);

    let second = tempfile::tempdir().unwrap();
    reread.write_jsonl_dir(second.path().join("nested/dir")).unwrap();
    assert_eq!(files(first.path()), files(&second.path().join("nested/dir")));
}

#[test]
fn written_layout() {
    let dir = tempfile::tempdir().unwrap();
    full_dataset().write_jsonl_dir(dir.path()).unwrap();
    let text = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert_eq!(
        text("graph.jsonl"),
        [
            r#"{"src":"ann","dst":"bob \"the\" builder","kind":"follow"}"#,
            r#"{"src":"ann","dst":"çé 🐘","kind":"follow"}"#,
            r#"{"src":"çé 🐘","dst":"ann","kind":"follow"}"#,
            r#"{"src":"ann","dst":"dan\\n","kind":"mute"}"#,
            r#"{"src":"bob \"the\" builder","dst":"dan\\n","kind":"block"}"#,
            r#"{"src":"dan\\n","dst":"ann","kind":"block"}"#,
            "",
        ]
        .join("\n")
    );
    let posts = text("posts.jsonl");
    let lines: Vec<&str> = posts.lines().collect();
    assert_eq!(lines[1], r#"{"id":"p2","author":"bob \"the\" builder","created_at":-5,"repost_of":"p1"}"#);
    assert!(!lines[2].contains("\"text\""), "empty text is omitted: {}", lines[2]);
    assert!(text("engagements.jsonl")
        .starts_with(r#"{"user":"bob \"the\" builder","post":"p1","kind":"like","at":10,"rating":1.0}"#));
    // No temporary files are left behind.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["engagements.jsonl", "graph.jsonl", "posts.jsonl", "users.jsonl"]);
}

#[test]
fn empty_tables_are_written() {
    let mut b = DatasetBuilder::new();
    b.add_user(&UserRecord { id: "solo".into(), ..Default::default() }).unwrap();
    let ds = b.build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    ds.write_jsonl_dir(dir.path()).unwrap();
    assert_eq!(files(dir.path()), [b"{\"id\":\"solo\"}\n".to_vec(), vec![], vec![], vec![]]);
    assert_eq!(Dataset::from_jsonl_dir(dir.path()).unwrap(), ds);
}

#[test]
fn write_failure_leaves_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let err = full_dataset().write_jsonl_dir(blocker.join("ds")).unwrap_err();
    assert!(matches!(err.kind(), glassfeed::ErrorKind::Io { .. }), "{err:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// Many floats with random bit patterns: what serde_json writes must read back exactly
/// (this needs serde_json's `float_roundtrip` feature).
#[test]
fn floats_round_trip_exactly() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut values =
        vec![0.1, 0.1 + 0.2, 1.0 / 3.0, 5e-324, f64::MIN_POSITIVE, f64::MAX, f64::MIN, 9007199254740993.0];
    while values.len() < 20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let v = f64::from_bits(state);
        if v.is_finite() {
            values.push(v);
        }
    }
    let mut b = DatasetBuilder::new();
    b.add_user(&UserRecord { id: "u".into(), ..Default::default() }).unwrap();
    for (i, chunk) in values.chunks(8).enumerate() {
        let features = chunk.iter().enumerate().map(|(j, &v)| (format!("f{j}"), v)).collect();
        b.add_post(&PostRecord { id: format!("p{i}"), author: "u".into(), features, ..Default::default() })
            .unwrap();
    }
    let ds = b.build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    ds.write_jsonl_dir(dir.path()).unwrap();
    let reread = Dataset::from_jsonl_dir(dir.path()).unwrap();
    for j in 0..8 {
        let name = format!("f{j}");
        let (a, b) = (ds.feature_column(&name).unwrap(), reread.feature_column(&name).unwrap());
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x.to_bits(), y.to_bits(), "{x:e} read back as {y:e}");
        }
    }
}

/// A small arbitrary dataset, as builder input: references are indices into the users and
/// posts generated.
#[derive(Debug, Clone)]
struct World {
    users: Vec<UserRecord>,
    edges: Vec<(Index, Index, EdgeKind)>,
    /// Each post with its author, `reply_to` and `repost_of` left empty, and the indices
    /// that fill them in.
    posts: Vec<(PostRecord, Index, Option<Index>, Option<Index>)>,
    engagements: Vec<(Index, Index, EngagementKind, i64, Option<f64>)>,
}

/// Ids with quotes, backslashes, tabs, DEL and non-ASCII characters.
fn id() -> impl Strategy<Value = String> {
    "[a-z0-9\"\\\\ é🐘\t\u{7f}]{1,6}"
}

fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z\"é🐘]{1,5}"
}

/// Any finite `f64`: normal, subnormal, zero, either sign.
fn finite() -> impl Strategy<Value = f64> {
    use proptest::num::f64;
    f64::POSITIVE | f64::NEGATIVE | f64::NORMAL | f64::SUBNORMAL | f64::ZERO
}

fn world() -> impl Strategy<Value = World> {
    let user = (
        prop::collection::btree_map(word(), "\\PC{0,6}", 0..3),
        prop::collection::vec(word(), 0..3),
        prop::collection::vec(word(), 0..3),
    );
    let users = prop::collection::btree_map(id(), user, 1..8).prop_map(|m| {
        m.into_iter()
            .map(|(id, (attrs, muted_words, hidden_labels))| UserRecord {
                id,
                attrs,
                muted_words,
                hidden_labels,
            })
            .collect::<Vec<_>>()
    });
    let edge_kind = prop::sample::select(EdgeKind::ALL.to_vec());
    let edges = prop::collection::vec((any::<Index>(), any::<Index>(), edge_kind), 0..20);
    let post = (
        any::<Index>(),
        any::<i64>(),
        prop::option::of("\\PC{0,12}"),
        prop::option::of(any::<Index>()),
        prop::option::of(any::<Index>()),
        prop::collection::vec(word(), 0..3),
        prop::collection::vec(word(), 0..3),
        prop::collection::btree_map(word(), finite(), 0..4),
    );
    let posts = prop::collection::btree_map(id(), post, 0..10).prop_map(|m| {
        m.into_iter()
            .map(|(id, (author, created_at, text, reply_to, repost_of, labels, topics, features))| {
                let post =
                    PostRecord { id, created_at, text, labels, topics, features, ..Default::default() };
                (post, author, reply_to, repost_of)
            })
            .collect::<Vec<_>>()
    });
    let kind = prop::sample::select(EngagementKind::ALL.to_vec());
    let engagements = prop::collection::vec(
        (any::<Index>(), any::<Index>(), kind, any::<i64>(), prop::option::of(0.0..=1.0f64)),
        0..20,
    );
    (users, edges, posts, engagements).prop_map(|(users, edges, posts, engagements)| World {
        users,
        edges,
        posts,
        engagements,
    })
}

fn build(world: &World) -> Dataset {
    let mut b = DatasetBuilder::new();
    for user in &world.users {
        b.add_user(user).unwrap();
    }
    let user = |i: &Index| world.users[i.index(world.users.len())].id.as_str();
    for (src, dst, kind) in &world.edges {
        if user(src) != user(dst) {
            b.add_edge(user(src), user(dst), *kind).unwrap();
        }
    }
    let n = world.posts.len();
    let post = |i: &Index| world.posts[i.index(n)].0.id.clone();
    for (record, author, reply_to, repost_of) in &world.posts {
        b.add_post(&PostRecord {
            author: user(author).to_string(),
            reply_to: reply_to.as_ref().map(post),
            repost_of: repost_of.as_ref().map(post),
            ..record.clone()
        })
        .unwrap();
    }
    if n > 0 {
        for (u, p, kind, at, rating) in &world.engagements {
            b.add_engagement(&engagement(user(u), &post(p), *kind, *at, *rating)).unwrap();
        }
    }
    b.build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_datasets_round_trip(world in world()) {
        let ds = build(&world);
        let first = tempfile::tempdir().unwrap();
        ds.write_jsonl_dir(first.path()).unwrap();
        let reread = Dataset::from_jsonl_dir(first.path()).unwrap();
        prop_assert_eq!(&ds, &reread);
        let second = tempfile::tempdir().unwrap();
        reread.write_jsonl_dir(second.path()).unwrap();
        prop_assert_eq!(files(first.path()), files(second.path()));
    }
}
