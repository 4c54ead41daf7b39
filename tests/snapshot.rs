//! Binary snapshots: save→load gives an equal dataset that ranks identically (bridging
//! models included, not refitted); every truncated, corrupted, foreign or future file is a
//! clear error; a payload altered with a recomputed checksum loads as a valid dataset or
//! fails with an error, never a panic.

use glassfeed::bridging::BridgingConfig;
use glassfeed::{
    synth, Dataset, DatasetBuilder, EdgeKind, EngagementKind, EngagementRecord, ErrorKind, Pipeline,
    PostRecord, RankOptions, UserId, UserRecord,
};
use proptest::prelude::*;
use proptest::sample::Index;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Bytes of the header (magic, version, payload length, SHA-256).
const HEADER: usize = 52;

/// The bridging configuration of [`bridging_pipeline`]'s stages.
fn small_bridging() -> BridgingConfig {
    BridgingConfig { min_raters: 1, ..BridgingConfig::default() }
}

/// A pipeline whose bridging stages use [`small_bridging`], so that they rank with a
/// model restored from a snapshot instead of fitting one.
fn bridging_pipeline() -> Pipeline {
    Pipeline::from_json(
        r#"{"name": "b", "sources": [{"stage": "in_network"}, {"stage": "bridging_posts", "n": 5, "min_raters": 1}],
            "filters": [{"stage": "blocked"}, {"stage": "muted"}],
            "scorers": [{"stage": "bridging", "min_raters": 1}], "rescorers": [],
            "selector": {"stage": "top_k", "k": 10}}"#,
    )
    .unwrap()
}

/// A small arbitrary dataset: users with attributes, muted words and hidden labels;
/// edges; posts with text, links, labels, topics and features; engagements with ratings.
fn dataset() -> impl Strategy<Value = Dataset> {
    let user = (
        prop::collection::btree_map("[a-z]{1,3}", "[a-zé]{0,3}", 0..3),
        prop::collection::vec("[a-z🐘]{1,4}", 0..3),
        prop::collection::vec("[a-c]", 0..3),
    );
    let users = prop::collection::btree_map("[a-z0-9é🐘]{1,5}", user, 1..8);
    let edges = prop::collection::vec(
        (any::<Index>(), any::<Index>(), prop::sample::select(EdgeKind::ALL.to_vec())),
        0..20,
    );
    let feature = prop_oneof![Just(0.5), Just(1.0 / 3.0), -1e6..1e6f64];
    let post = (
        any::<Index>(),
        -1000..1000i64,
        prop::option::of("\\PC{0,8}"),
        prop::option::of(any::<Index>()),
        prop::collection::vec("[a-d]", 0..4),
        prop::collection::vec("[t-v]", 0..4),
        prop::collection::btree_map("f[0-3]", feature, 0..3),
    );
    let posts = prop::collection::btree_map("p[0-9a-z]{1,4}", post, 0..12);
    let engagements = prop::collection::vec(
        (
            any::<Index>(),
            any::<Index>(),
            prop::sample::select(EngagementKind::ALL.to_vec()),
            -1000..1000i64,
            prop::option::of(0.0..=1.0f64),
        ),
        0..40,
    );
    (users, edges, posts, engagements).prop_map(|(users, edges, posts, engagements)| {
        let mut b = DatasetBuilder::new();
        let users: Vec<String> = users
            .into_iter()
            .map(|(id, (attrs, muted_words, hidden_labels))| {
                b.add_user(&UserRecord { id: id.clone(), attrs, muted_words, hidden_labels }).unwrap();
                id
            })
            .collect();
        let user = |i: &Index| users[i.index(users.len())].as_str();
        for (src, dst, kind) in &edges {
            if user(src) != user(dst) {
                b.add_edge(user(src), user(dst), *kind).unwrap();
            }
        }
        let ids: Vec<String> = posts.keys().cloned().collect();
        for (id, (author, created_at, text, reply_to, labels, topics, features)) in &posts {
            let post = PostRecord {
                id: id.clone(),
                author: user(author).to_string(),
                created_at: *created_at,
                text: text.clone(),
                reply_to: reply_to.as_ref().map(|i| ids[i.index(ids.len())].clone()),
                labels: labels.clone(),
                topics: topics.clone(),
                features: features.clone(),
                ..Default::default()
            };
            b.add_post(&post).unwrap();
        }
        if !ids.is_empty() {
            for (u, p, kind, at, rating) in &engagements {
                let post = ids[p.index(ids.len())].clone();
                let e = EngagementRecord {
                    user: user(u).to_string(),
                    post,
                    kind: *kind,
                    at: *at,
                    rating: *rating,
                };
                b.add_engagement(&e).unwrap();
            }
        }
        b.build().unwrap()
    })
}

/// Every viewer's feed under a few presets, with bridging from `config`.
fn rankings(ds: &Dataset) -> Vec<glassfeed::Feed> {
    let viewers: Vec<UserId> = (0..ds.user_count() as u32).map(UserId).collect();
    let mut feeds = Vec::new();
    let presets = ["chronological", "engagement", "hacker_news"].map(|p| Pipeline::preset(p).unwrap());
    for pipeline in presets.iter().chain([&bridging_pipeline()]) {
        feeds.extend(pipeline.rank_all(ds, &viewers, &RankOptions::default()).unwrap());
    }
    feeds
}

/// The malformed-file message of an error, checking its kind and that it names `source`.
fn malformed(err: glassfeed::Error, source: &str) -> String {
    let message = err.to_string();
    assert!(matches!(err.kind(), ErrorKind::Malformed { .. }), "{message}");
    assert!(message.starts_with(source), "{message}");
    message
}

/// Replaces the checksum so that it matches the (altered) payload.
fn reseal(bytes: &mut [u8]) {
    let digest = Sha256::digest(&bytes[HEADER..]);
    bytes[20..HEADER].copy_from_slice(&digest);
}

/// Uses every part of a dataset that ranking and the accessors read.
fn exercise(ds: &Dataset) {
    use std::hint::black_box;
    for p in 0..ds.post_count() as u32 {
        let post = glassfeed::PostId(p);
        black_box((ds.text(post), ds.label_ids(post), ds.engagement_totals(post)));
        black_box((ds.reply_to(post), ds.repost_of(post), ds.user_name(ds.author(post))));
        ds.topics(post).for_each(|t| {
            black_box(t);
        });
        for name in ds.feature_names() {
            black_box(ds.feature(post, name));
        }
    }
    for u in 0..ds.user_count() as u32 {
        let user = UserId(u);
        ds.user_attrs(user).for_each(|a| {
            black_box(a);
        });
        ds.muted_words(user).for_each(|w| {
            black_box(w);
        });
        ds.history(user).for_each(|e| {
            black_box(e);
        });
        for &label in ds.hidden_label_ids(user) {
            black_box(ds.label_name(label));
        }
    }
    let viewers: Vec<UserId> = (0..ds.user_count() as u32).map(UserId).collect();
    for pipeline in [Pipeline::preset("engagement").unwrap(), bridging_pipeline()] {
        let _ = pipeline.rank_all(ds, &viewers, &RankOptions::default());
    }
    let again = Dataset::from_snapshot_bytes(&ds.to_snapshot_bytes()).unwrap();
    assert!(again == *ds);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn save_load_gives_an_equal_dataset_and_identical_rankings(ds in dataset()) {
        let _ = ds.author_page_rank();
        let fitted = ds.bridging_model(&small_bridging()).ok();
        let bytes = ds.to_snapshot_bytes();
        let loaded = Dataset::from_snapshot_bytes(&bytes).unwrap();
        prop_assert!(loaded == ds);
        prop_assert_eq!(loaded.author_page_rank(), ds.author_page_rank());
        prop_assert_eq!(loaded.fitted_bridging_configs(), ds.fitted_bridging_configs());
        if let Some(model) = fitted {
            prop_assert_eq!(&*loaded.bridging_model(&small_bridging()).unwrap(), &*model);
            prop_assert_eq!(loaded.bridging_ranking(&small_bridging()).unwrap(), ds.bridging_ranking(&small_bridging()).unwrap());
        }
        prop_assert_eq!(rankings(&loaded), rankings(&ds));
        // Equal datasets give identical bytes.
        prop_assert_eq!(loaded.to_snapshot_bytes(), bytes);
    }

    #[test]
    fn every_truncation_and_corruption_is_an_error(ds in dataset(), flips in prop::collection::vec((any::<Index>(), 1..=255u8), 32)) {
        let bytes = ds.to_snapshot_bytes();
        for len in 0..bytes.len() {
            let message = malformed(Dataset::from_snapshot_bytes(&bytes[..len]).unwrap_err(), "snapshot byte ");
            prop_assert!(len < 12 || message.contains("truncated"), "{}", message);
        }
        for (at, xor) in flips {
            let mut corrupt = bytes.clone();
            corrupt[at.index(bytes.len())] ^= xor;
            malformed(Dataset::from_snapshot_bytes(&corrupt).unwrap_err(), "snapshot byte ");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A crafted payload with a correct checksum: only the decoder's checks stand between
    /// it and the engine.
    #[test]
    fn altered_payloads_with_valid_checksums_load_safely_or_fail(ds in dataset(), edits in prop::collection::vec((any::<Index>(), any::<u8>()), 1..4)) {
        let _ = ds.bridging_model(&small_bridging());
        let mut bytes = ds.to_snapshot_bytes();
        for (at, value) in edits {
            let i = HEADER + at.index(bytes.len() - HEADER);
            bytes[i] = value;
        }
        reseal(&mut bytes);
        match Dataset::from_snapshot_bytes(&bytes) {
            Ok(loaded) => exercise(&loaded),
            Err(err) => {
                malformed(err, "snapshot byte ");
            }
        }
    }
}

/// Every byte of a small snapshot's payload set to a few values, with a recomputed
/// checksum: each loads as a valid dataset or fails with an error naming the field.
#[test]
fn every_byte_altered_behind_a_valid_checksum_loads_safely_or_fails() {
    let ds = tiny();
    let _ = ds.author_page_rank();
    let _ = ds.bridging_model(&small_bridging());
    let good = ds.to_snapshot_bytes();
    let (mut loaded, mut failed) = (0, 0);
    for i in HEADER..good.len() {
        for value in [0u8, 0xFF, good[i].wrapping_add(1), good[i] ^ 0x80] {
            let mut bytes = good.clone();
            bytes[i] = value;
            reseal(&mut bytes);
            match Dataset::from_snapshot_bytes(&bytes) {
                Ok(altered) => {
                    loaded += 1;
                    exercise(&altered);
                }
                Err(err) => {
                    failed += 1;
                    malformed(err, "snapshot byte ");
                }
            }
        }
    }
    assert!(loaded > 0 && failed > 0, "{loaded} loaded, {failed} failed");
}

#[test]
fn a_snapshot_with_a_fitted_model_loads_it_without_refitting() {
    let ds = synth::generate(&synth::SynthConfig::with_users(300)).unwrap();
    let config = BridgingConfig { max_iterations: 300, ..BridgingConfig::default() };
    let model = ds.bridging_model(&config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("world.snap");
    ds.save(&path).unwrap();
    let loaded = Dataset::load(&path).unwrap();
    // The model is there before anything asks for it, bit for bit.
    assert_eq!(loaded.fitted_bridging_configs(), vec![config.clone()]);
    assert_eq!(*loaded.bridging_model(&config).unwrap(), *model);
    let viewers: Vec<UserId> = (0..50).map(UserId).collect();
    let pipeline = Pipeline::preset("bridging").unwrap();
    let options = RankOptions::default();
    assert_eq!(
        pipeline.rank_all(&loaded, &viewers, &options).unwrap(),
        pipeline.rank_all(&ds, &viewers, &options).unwrap()
    );
}

#[test]
fn foreign_future_and_damaged_files_are_named_errors() {
    let ds = synth::generate(&synth::SynthConfig::with_users(100)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.snap");
    ds.save(&path).unwrap();
    let good = std::fs::read(&path).unwrap();
    let source = path.display().to_string();
    let load = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        malformed(Dataset::load(&path).unwrap_err(), &source)
    };

    let mut future = good.clone();
    future[8..12].copy_from_slice(&2u32.to_le_bytes());
    let message = load(&future);
    assert!(message.contains("byte 8: field `header.version`"), "{message}");
    assert!(message.contains("format version 2; this build of glassfeed reads version 1"), "{message}");

    let message = load(b"{\"id\": \"ann\"}\n");
    assert!(message.contains("not a glassfeed snapshot"), "{message}");
    assert!(load(b"").contains("not a glassfeed snapshot (0 bytes)"));

    let message = load(&good[..good.len() / 2]);
    assert!(message.contains("field `header.length`") && message.contains("truncated"), "{message}");
    let mut longer = good.clone();
    longer.push(0);
    assert!(load(&longer).contains("but the file holds"));

    let mut corrupt = good.clone();
    corrupt[good.len() / 2] ^= 0x10;
    assert!(load(&corrupt).contains("checksum mismatch"));

    // An id out of range behind a valid checksum is caught by the decoder, which names the
    // field and the byte.
    let mut crafted = good.clone();
    let n = ds.user_count() as u32;
    // The author column: the post count, then the authors of the posts in order.
    let mut marker = (ds.post_count() as u64).to_le_bytes().to_vec();
    for p in 0..4 {
        marker.extend(ds.author(glassfeed::PostId(p)).0.to_le_bytes());
    }
    let start = crafted.windows(marker.len()).position(|w| w == marker).unwrap();
    crafted[start + 8..start + 12].copy_from_slice(&(n + 5).to_le_bytes());
    reseal(&mut crafted);
    let message = load(&crafted);
    assert!(message.contains(&format!("no such user (there are {n})")), "{message}");

    std::fs::remove_file(&path).unwrap();
    let err = Dataset::load(&path).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io { .. }), "{err}");
}

#[test]
fn saving_is_atomic_and_private() {
    let small = synth::generate(&synth::SynthConfig::with_users(50)).unwrap();
    let large = synth::generate(&synth::SynthConfig::with_users(200)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.snap");
    large.save(&path).unwrap();
    small.save(&path).unwrap();
    assert!(Dataset::load(&path).unwrap() == small);
    let names = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(), ["w.snap"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // A save that cannot complete (the target is a non-empty directory) leaves the
    // target as it was and no temporary file behind.
    let blocked = dir.path().join("blocked");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), b"x").unwrap();
    let err = small.save(&blocked).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io { .. }), "{err}");
    assert_eq!(std::fs::read(blocked.join("keep")).unwrap(), b"x");
    assert_eq!(names(), ["blocked", "w.snap"]);
    // No directory to write in.
    let err = small.save(dir.path().join("missing/w.snap")).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io { .. }), "{err}");
    assert!(Dataset::load(&path).unwrap() == small);
}

/// A tiny dataset that uses every field: features of both widths, labels and topics past
/// the inline slots, every edge kind, ratings.
fn tiny() -> Dataset {
    let mut b = DatasetBuilder::new();
    b.add_user(&UserRecord {
        id: "ann".into(),
        attrs: BTreeMap::from([("viewpoint".into(), "left".into())]),
        muted_words: vec!["Spoiler".into()],
        hidden_labels: vec!["nsfw".into()],
    })
    .unwrap();
    b.add_user(&UserRecord { id: "bob".into(), ..Default::default() }).unwrap();
    b.add_edge("ann", "bob", EdgeKind::Follow).unwrap();
    b.add_edge("bob", "ann", EdgeKind::Block).unwrap();
    b.add_edge("ann", "bob", EdgeKind::Mute).unwrap();
    let features = BTreeMap::from([("narrow".to_string(), 0.5), ("wide".to_string(), 0.1)]);
    b.add_post(&PostRecord {
        id: "p1".into(),
        author: "bob".into(),
        created_at: 7,
        text: Some("é🐘 text".into()),
        labels: vec!["a".into(), "b".into(), "c".into()],
        topics: vec!["x".into(), "y".into(), "z".into()],
        features,
        ..Default::default()
    })
    .unwrap();
    b.add_post(&PostRecord {
        id: "p2".into(),
        author: "ann".into(),
        repost_of: Some("p1".into()),
        ..Default::default()
    })
    .unwrap();
    b.add_engagement(&EngagementRecord {
        user: "ann".into(),
        post: "p1".into(),
        kind: EngagementKind::Like,
        at: 9,
        rating: Some(0.25),
    })
    .unwrap();
    for (i, user) in ["ann", "bob"].iter().enumerate() {
        for (j, post) in ["p1", "p2"].iter().enumerate() {
            let kind = if (i + j) % 2 == 0 { EngagementKind::Like } else { EngagementKind::Dislike };
            let e = EngagementRecord {
                user: user.to_string(),
                post: post.to_string(),
                kind,
                at: 20,
                rating: None,
            };
            b.add_engagement(&e).unwrap();
        }
    }
    b.build().unwrap()
}

#[test]
fn features_of_both_widths_and_every_field_survive() {
    let ds = tiny();
    let loaded = Dataset::from_snapshot_bytes(&ds.to_snapshot_bytes()).unwrap();
    assert!(loaded == ds);
    let p1 = loaded.post_id("p1").unwrap();
    assert_eq!(loaded.feature(p1, "wide"), Some(0.1));
    assert_eq!(loaded.feature(p1, "narrow"), Some(0.5));
    assert_eq!(loaded.feature(loaded.post_id("p2").unwrap(), "wide"), None);
    assert_eq!(loaded.topics(p1).collect::<Vec<_>>(), ["x", "y", "z"]);
    assert_eq!(loaded.text(p1), "é🐘 text");
    assert_eq!(loaded.repost_of(loaded.post_id("p2").unwrap()), Some(p1));
    let ann = loaded.user_id("ann").unwrap();
    assert_eq!(loaded.user_attr(ann, "viewpoint"), Some("left"));
    assert!(loaded.graph().is_blocked_either_way(ann.0, loaded.user_id("bob").unwrap().0));
    assert_eq!(loaded.engagement_total(p1, EngagementKind::Like), 2);
    assert_eq!(loaded.history(ann).next().unwrap().rating, Some(0.25));
}
