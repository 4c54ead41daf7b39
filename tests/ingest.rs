//! Reading JSON Lines datasets: every class of bad input is an error naming the file, the
//! line and the field; lenient mode skips bad references and counts them exactly.

use glassfeed::{Dataset, DatasetBuilder, Error, ErrorKind, IngestOptions, PostRecord, UserRecord};
use std::collections::BTreeMap;
use std::path::Path;
use tempfile::TempDir;

const USERS: &str = r#"{"id":"u1","attrs":{"viewpoint":"left"}}
{"id":"u2","muted_words":["spoiler"]}
{"id":"u3"}
"#;

const POSTS: &str = r#"{"id":"p1","author":"u1","created_at":100,"text":"hello"}
{"id":"p2","author":"u2","created_at":200,"reply_to":"p1"}
"#;

/// A directory with the good users and posts above plus the given files.
fn dataset(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.jsonl"), USERS).unwrap();
    std::fs::write(dir.path().join("posts.jsonl"), POSTS).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn load_err(dir: &Path) -> Error {
    match Dataset::from_jsonl_dir(dir) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

/// Asserts the message names the file, the line and the field.
fn assert_names(err: &Error, file: &str, line: u64, field: &str) {
    let text = err.to_string();
    assert!(text.contains(file), "no file `{file}` in: {text}");
    assert!(text.contains(&format!("line {line}:")), "no line {line} in: {text}");
    assert!(text.contains(&format!("field `{field}`")), "no field `{field}` in: {text}");
}

/// Asserts a `Malformed` error at `file` line `line`, field `field`.
fn assert_malformed(err: &Error, file: &str, line: u64, field: &str) {
    match err.kind() {
        ErrorKind::Malformed { at, field: f, .. } => {
            assert!(at.source.ends_with(file), "{err}");
            assert_eq!((at.unit, at.index, f.as_str()), ("line", line, field), "{err}");
        }
        _ => panic!("expected Malformed, got {err:?}"),
    }
    assert_names(err, file, line, field);
}

/// Asserts an `UnknownReference` error.
fn assert_unknown(err: &Error, file: &str, line: u64, field: &str, what: &str, id: &str) {
    match err.kind() {
        ErrorKind::UnknownReference { at, field: f, what: w, id: i } => {
            assert!(at.source.ends_with(file), "{err}");
            assert_eq!((at.index, f.as_str(), *w, i.as_str()), (line, field, what, id), "{err}");
        }
        _ => panic!("expected UnknownReference, got {err:?}"),
    }
    assert_names(err, file, line, field);
}

#[test]
fn good_dataset_loads() {
    let dir = dataset(&[
        ("graph.jsonl", "{\"src\":\"u1\",\"dst\":\"u2\",\"kind\":\"follow\"}\r\n\n  \n"),
        (
            "engagements.jsonl",
            r#"{"user":"u3","post":"p2","kind":"like","at":300,"rating":0.5,"extra":[1,{"x":null}]}"#,
        ),
    ]);
    let ds = Dataset::from_jsonl_dir(dir.path()).unwrap();
    assert_eq!((ds.user_count(), ds.post_count(), ds.engagement_count()), (3, 2, 1));
    assert_eq!(ds.latest_timestamp(), 300);
    let p2 = ds.post_id("p2").unwrap();
    assert_eq!(ds.reply_to(p2), ds.post_id("p1"));
}

#[test]
fn optional_files_may_be_absent_or_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.jsonl"), "\u{feff}{\"id\":\"solo\"}").unwrap();
    std::fs::write(dir.path().join("graph.jsonl"), "").unwrap();
    let ds = Dataset::from_jsonl_dir(dir.path()).unwrap();
    assert_eq!((ds.user_count(), ds.post_count()), (1, 0));
}

#[test]
fn malformed_json() {
    let dir = dataset(&[(
        "engagements.jsonl",
        "{\"user\":\"u1\",\"post\":\"p1\",\"kind\":\"like\",\"at\":1}\n{\"user\": \"u1\", \n",
    )]);
    let err = load_err(dir.path());
    assert_malformed(&err, "engagements.jsonl", 2, "-");
    let dir = dataset(&[("graph.jsonl", "\nthis is not json\n")]);
    assert_malformed(&load_err(dir.path()), "graph.jsonl", 2, "-");
    let dir = dataset(&[("graph.jsonl", "{\"src\":\"u1\",\"dst\":\"u2\",\"kind\":\"follow\"} {}\n")]);
    assert_malformed(&load_err(dir.path()), "graph.jsonl", 1, "-");
}

#[test]
fn invalid_utf8_is_malformed_not_io() {
    let dir = dataset(&[]);
    std::fs::write(dir.path().join("users.jsonl"), b"{\"id\":\"u1\"}\n{\"id\":\"\xff\xfe\"}\n").unwrap();
    assert_malformed(&load_err(dir.path()), "users.jsonl", 2, "id");
}

#[test]
fn not_an_object() {
    let dir = dataset(&[("graph.jsonl", "[\"u1\",\"u2\",\"follow\"]\n")]);
    let err = load_err(dir.path());
    assert_malformed(&err, "graph.jsonl", 1, "-");
    assert!(err.to_string().contains("expected a JSON object, found an array"), "{err}");
    let dir = dataset(&[("graph.jsonl", "[1]\n")]);
    assert_malformed(&load_err(dir.path()), "graph.jsonl", 1, "-");
}

#[test]
fn missing_field() {
    let dir = dataset(&[(
        "posts.jsonl",
        "{\"id\":\"p1\",\"author\":\"u1\",\"created_at\":1}\n\n{\"id\":\"p2\",\"author\":\"u1\"}\n",
    )]);
    let err = load_err(dir.path());
    assert_malformed(&err, "posts.jsonl", 3, "created_at");
    assert!(err.to_string().contains("missing field"), "{err}");
    let dir = dataset(&[("graph.jsonl", r#"{"src":"u1","kind":"follow"}"#)]);
    assert_malformed(&load_err(dir.path()), "graph.jsonl", 1, "dst");
}

#[test]
fn wrong_type() {
    let dir = dataset(&[("posts.jsonl", r#"{"id":"p1","author":"u1","created_at":"yesterday"}"#)]);
    assert_malformed(&load_err(dir.path()), "posts.jsonl", 1, "created_at");
    let dir = dataset(&[(
        "posts.jsonl",
        r#"{"id":"p1","author":"u1","created_at":1,"features":{"p_fav":"high"}}"#,
    )]);
    assert_malformed(&load_err(dir.path()), "posts.jsonl", 1, "features.p_fav");
    let dir = dataset(&[("posts.jsonl", r#"{"id":"p1","author":"u1","created_at":1,"labels":["ok",7]}"#)]);
    assert_malformed(&load_err(dir.path()), "posts.jsonl", 1, "labels[1]");
    let dir = dataset(&[]);
    std::fs::write(dir.path().join("users.jsonl"), "{\"id\":\"u1\",\"muted_words\":\"spoiler\"}\n").unwrap();
    assert_malformed(&load_err(dir.path()), "users.jsonl", 1, "muted_words");
    std::fs::write(dir.path().join("users.jsonl"), "{\"id\":42}\n").unwrap();
    assert_malformed(&load_err(dir.path()), "users.jsonl", 1, "id");
}

#[test]
fn unknown_user_in_graph_src() {
    let dir = dataset(&[("graph.jsonl", "{\"src\":\"u1\",\"dst\":\"u2\",\"kind\":\"follow\"}\n{\"src\":\"ghost\",\"dst\":\"u2\",\"kind\":\"block\"}\n")]);
    assert_unknown(&load_err(dir.path()), "graph.jsonl", 2, "src", "user", "ghost");
    let dir = dataset(&[("graph.jsonl", "{\"src\":\"u1\",\"dst\":\"ghost\",\"kind\":\"mute\"}\n")]);
    assert_unknown(&load_err(dir.path()), "graph.jsonl", 1, "dst", "user", "ghost");
}

#[test]
fn unknown_user_as_post_author() {
    let dir = dataset(&[("posts.jsonl", r#"{"id":"p1","author":"ghost","created_at":1}"#)]);
    assert_unknown(&load_err(dir.path()), "posts.jsonl", 1, "author", "user", "ghost");
}

#[test]
fn unknown_user_in_engagement() {
    let dir = dataset(&[("engagements.jsonl", r#"{"user":"ghost","post":"p1","kind":"like","at":1}"#)]);
    assert_unknown(&load_err(dir.path()), "engagements.jsonl", 1, "user", "user", "ghost");
}

#[test]
fn unknown_post_in_engagement() {
    let dir = dataset(&[("engagements.jsonl", r#"{"user":"u1","post":"p404","kind":"like","at":1}"#)]);
    assert_unknown(&load_err(dir.path()), "engagements.jsonl", 1, "post", "post", "p404");
}

#[test]
fn unknown_post_in_reply_to_and_repost_of() {
    let posts = "{\"id\":\"p1\",\"author\":\"u1\",\"created_at\":1,\"reply_to\":\"p2\"}\n{\"id\":\"p2\",\"author\":\"u1\",\"created_at\":2,\"reply_to\":\"p404\"}\n";
    let dir = dataset(&[("posts.jsonl", posts)]);
    assert_unknown(&load_err(dir.path()), "posts.jsonl", 2, "reply_to", "post", "p404");
    let dir = dataset(&[("posts.jsonl", r#"{"id":"p1","author":"u1","created_at":1,"repost_of":"p0"}"#)]);
    assert_unknown(&load_err(dir.path()), "posts.jsonl", 1, "repost_of", "post", "p0");
}

#[test]
fn duplicate_user_id() {
    let dir = dataset(&[]);
    std::fs::write(dir.path().join("users.jsonl"), "{\"id\":\"u1\"}\n{\"id\":\"u2\"}\n{\"id\":\"u1\"}\n")
        .unwrap();
    let err = load_err(dir.path());
    assert!(
        matches!(err.kind(), ErrorKind::Duplicate { what: "user", id, at } if id == "u1" && at.index == 3),
        "{err:?}"
    );
    assert_names(&err, "users.jsonl", 3, "id");
}

#[test]
fn duplicate_post_id() {
    let dir = dataset(&[("posts.jsonl", "{\"id\":\"p1\",\"author\":\"u1\",\"created_at\":1}\n{\"id\":\"p1\",\"author\":\"u2\",\"created_at\":2}\n")]);
    let err = load_err(dir.path());
    assert!(
        matches!(err.kind(), ErrorKind::Duplicate { what: "post", id, at } if id == "p1" && at.index == 2),
        "{err:?}"
    );
    assert_names(&err, "posts.jsonl", 2, "id");
}

#[test]
fn number_out_of_range() {
    let dir =
        dataset(&[("posts.jsonl", r#"{"id":"p1","author":"u1","created_at":1,"features":{"p_fav":1e400}}"#)]);
    assert_malformed(&load_err(dir.path()), "posts.jsonl", 1, "features.p_fav");
    let dir = dataset(&[(
        "engagements.jsonl",
        r#"{"user":"u1","post":"p1","kind":"like","at":1,"rating":-1e400}"#,
    )]);
    assert_malformed(&load_err(dir.path()), "engagements.jsonl", 1, "rating");
    let dir = dataset(&[("posts.jsonl", r#"{"id":"p1","author":"u1","created_at":99999999999999999999}"#)]);
    assert_malformed(&load_err(dir.path()), "posts.jsonl", 1, "created_at");
    let dir =
        dataset(&[("posts.jsonl", r#"{"id":"p1","author":"u1","created_at":1,"features":{"p_fav":NaN}}"#)]);
    assert_malformed(&load_err(dir.path()), "posts.jsonl", 1, "features.p_fav");
}

#[test]
fn non_finite_values_through_the_builder() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut b = DatasetBuilder::new();
        b.add_user(&UserRecord { id: "u1".into(), ..Default::default() }).unwrap();
        let post = PostRecord {
            id: "p1".into(),
            author: "u1".into(),
            created_at: 1,
            features: BTreeMap::from([("p_fav".to_string(), bad)]),
            ..Default::default()
        };
        let err = b.add_post(&post).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Malformed { field, .. } if field == "features.p_fav"),
            "{err:?}"
        );
        assert!(err.to_string().contains("posts record 1"), "{err}");
    }
}

#[test]
fn non_integer_timestamp() {
    let dir = dataset(&[("posts.jsonl", r#"{"id":"p1","author":"u1","created_at":1.5}"#)]);
    assert_malformed(&load_err(dir.path()), "posts.jsonl", 1, "created_at");
    let dir = dataset(&[("engagements.jsonl", r#"{"user":"u1","post":"p1","kind":"like","at":2e3}"#)]);
    assert_malformed(&load_err(dir.path()), "engagements.jsonl", 1, "at");
}

#[test]
fn empty_id() {
    let dir = dataset(&[]);
    std::fs::write(dir.path().join("users.jsonl"), "{\"id\":\"u1\"}\n{\"id\":\"\"}\n").unwrap();
    assert_malformed(&load_err(dir.path()), "users.jsonl", 2, "id");
    let dir = dataset(&[("posts.jsonl", r#"{"id":"p1","author":"","created_at":1}"#)]);
    assert_malformed(&load_err(dir.path()), "posts.jsonl", 1, "author");
    let dir = dataset(&[("engagements.jsonl", r#"{"user":"u1","post":"","kind":"like","at":1}"#)]);
    assert_malformed(&load_err(dir.path()), "engagements.jsonl", 1, "post");
}

#[test]
fn empty_users_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.jsonl"), "\n   \n").unwrap();
    let err = load_err(dir.path());
    assert_malformed(&err, "users.jsonl", 0, "-");
    assert!(err.to_string().contains("no users"), "{err}");
}

#[test]
fn missing_users_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("posts.jsonl"), POSTS).unwrap();
    let err = load_err(dir.path());
    match err.kind() {
        ErrorKind::Io { path, source } => {
            assert!(path.ends_with("users.jsonl"), "{err}");
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        _ => panic!("expected Io, got {err:?}"),
    }
    assert!(err.to_string().contains("users.jsonl"), "{err}");
    assert!(matches!(load_err(&dir.path().join("nowhere")).kind(), ErrorKind::Io { .. }));
}

#[test]
fn rating_out_of_range() {
    for rating in ["1.5", "-0.1"] {
        let line = format!(r#"{{"user":"u1","post":"p1","kind":"like","at":1,"rating":{rating}}}"#);
        let dir = dataset(&[("engagements.jsonl", &line)]);
        assert_malformed(&load_err(dir.path()), "engagements.jsonl", 1, "rating");
    }
}

#[test]
fn bad_enum_kind() {
    let dir = dataset(&[("graph.jsonl", r#"{"src":"u1","dst":"u2","kind":"friend"}"#)]);
    let err = load_err(dir.path());
    assert_malformed(&err, "graph.jsonl", 1, "kind");
    assert!(err.to_string().contains("friend"), "{err}");
    let dir = dataset(&[("engagements.jsonl", r#"{"user":"u1","post":"p1","kind":"love","at":1}"#)]);
    assert_malformed(&load_err(dir.path()), "engagements.jsonl", 1, "kind");
}

#[test]
fn self_edge() {
    let dir = dataset(&[("graph.jsonl", r#"{"src":"u1","dst":"u1","kind":"follow"}"#)]);
    assert_malformed(&load_err(dir.path()), "graph.jsonl", 1, "dst");
}

#[test]
fn lenient_skips_bad_references_and_counts_them() {
    let graph = [
        r#"{"src":"u1","dst":"u2","kind":"follow"}"#,
        r#"{"src":"ghost","dst":"u2","kind":"follow"}"#,
        r#"{"src":"ghost2","dst":"u3","kind":"block"}"#,
        r#"{"src":"u1","dst":"ghost","kind":"mute"}"#,
        r#"{"src":"u2","dst":"u2","kind":"follow"}"#,
        r#"{"src":"u1","dst":"u2","kind":"follow"}"#,
        r#"{"src":"u3","dst":"u1","kind":"follow"}"#,
    ]
    .join("\n");
    let posts = [
        r#"{"id":"p1","author":"u1","created_at":100}"#,
        r#"{"id":"p2","author":"ghost","created_at":200}"#,
        r#"{"id":"p3","author":"u2","created_at":300,"reply_to":"p404"}"#,
        r#"{"id":"p4","author":"u2","created_at":400,"repost_of":"p1","reply_to":"p3"}"#,
    ]
    .join("\n");
    let engagements = [
        r#"{"user":"u1","post":"p1","kind":"like","at":500}"#,
        r#"{"user":"ghost","post":"p1","kind":"like","at":501}"#,
        r#"{"user":"ghost","post":"p3","kind":"repost","at":502}"#,
        r#"{"user":"u2","post":"p2","kind":"like","at":503}"#,
        r#"{"user":"u2","post":"p404","kind":"like","at":504}"#,
        r#"{"user":"u3","post":"p4","kind":"reply","at":505}"#,
    ]
    .join("\n");
    let dir =
        dataset(&[("graph.jsonl", &graph), ("posts.jsonl", &posts), ("engagements.jsonl", &engagements)]);

    // Strict mode stops at the first one.
    assert_unknown(&load_err(dir.path()), "graph.jsonl", 2, "src", "user", "ghost");

    let (ds, report) =
        Dataset::from_jsonl_dir_with(dir.path(), &IngestOptions::default().with_lenient(true)).unwrap();
    let file = |name: &str| name.to_string();
    let expected: BTreeMap<String, u64> = [
        (format!("{}: unknown user in `src`", file("graph.jsonl")), 2),
        (format!("{}: unknown user in `dst`", file("graph.jsonl")), 1),
        (format!("{}: edge from a user to themself", file("graph.jsonl")), 1),
        ("graph: duplicate follow edge (merged)".to_string(), 1),
        (format!("{}: unknown user in `author`", file("posts.jsonl")), 1),
        (format!("{}: unknown post in `reply_to`", file("posts.jsonl")), 1),
        (format!("{}: unknown user in `user`", file("engagements.jsonl")), 2),
        (format!("{}: unknown post in `post`", file("engagements.jsonl")), 2),
    ]
    .into_iter()
    .collect();
    assert_eq!(report.skipped, expected);
    assert_eq!(report.total(), 11);

    assert_eq!((ds.user_count(), ds.post_count(), ds.engagement_count()), (3, 3, 2));
    assert_eq!(ds.graph().edge_count(glassfeed::EdgeKind::Follow), 2);
    let (p3, p4) = (ds.post_id("p3").unwrap(), ds.post_id("p4").unwrap());
    assert_eq!(ds.reply_to(p3), None);
    assert_eq!((ds.reply_to(p4), ds.repost_of(p4)), (Some(p3), ds.post_id("p1")));
    assert!(ds.post_id("p2").is_none());
}

#[test]
fn lenient_still_rejects_malformed_lines_and_duplicates() {
    let lenient = IngestOptions::default().with_lenient(true);
    let dir = dataset(&[("engagements.jsonl", r#"{"user":"ghost","post":"p1","kind":"like","at":"x"}"#)]);
    let err = Dataset::from_jsonl_dir_with(dir.path(), &lenient).unwrap_err();
    assert_malformed(&err, "engagements.jsonl", 1, "at");
    let dir = dataset(&[("posts.jsonl", "{\"id\":\"p1\",\"author\":\"u1\",\"created_at\":1}\n{\"id\":\"p1\",\"author\":\"u1\",\"created_at\":1}")]);
    let err = Dataset::from_jsonl_dir_with(dir.path(), &lenient).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Duplicate { .. }), "{err:?}");
}

#[test]
fn append_keeps_old_data() {
    let dir = dataset(&[("graph.jsonl", r#"{"src":"u1","dst":"u2","kind":"follow"}"#)]);
    let old = Dataset::from_jsonl_dir(dir.path()).unwrap();

    let more = tempfile::tempdir().unwrap();
    std::fs::write(more.path().join("users.jsonl"), r#"{"id":"u4","hidden_labels":["nsfw"]}"#).unwrap();
    std::fs::write(more.path().join("graph.jsonl"), r#"{"src":"u4","dst":"u1","kind":"follow"}"#).unwrap();
    std::fs::write(
        more.path().join("posts.jsonl"),
        r#"{"id":"p3","author":"u4","created_at":300,"reply_to":"p1","labels":["nsfw"]}"#,
    )
    .unwrap();
    std::fs::write(
        more.path().join("engagements.jsonl"),
        r#"{"user":"u1","post":"p2","kind":"like","at":400}"#,
    )
    .unwrap();
    let ds = old.clone().append_jsonl_dir(more.path()).unwrap();

    assert_eq!((ds.user_count(), ds.post_count(), ds.engagement_count()), (4, 3, 1));
    for u in 0..old.user_count() as u32 {
        let user = glassfeed::UserId(u);
        assert_eq!(ds.user_name(user), old.user_name(user));
        assert_eq!(ds.user_attrs(user).collect::<Vec<_>>(), old.user_attrs(user).collect::<Vec<_>>());
    }
    for p in 0..old.post_count() as u32 {
        let post = glassfeed::PostId(p);
        assert_eq!((ds.post_name(post), ds.text(post)), (old.post_name(post), old.text(post)));
        assert_eq!(ds.reply_to(post), old.reply_to(post));
    }
    let (u1, u2, u4) = (ds.user_id("u1").unwrap(), ds.user_id("u2").unwrap(), ds.user_id("u4").unwrap());
    assert!(ds.graph().follows(u1.0, u2.0) && ds.graph().follows(u4.0, u1.0));
    assert_eq!(ds.reply_to(ds.post_id("p3").unwrap()), ds.post_id("p1"));
    assert_eq!(ds.latest_timestamp(), 400);

    // Appended records are checked like any other, and the error names the new file.
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("posts.jsonl"), r#"{"id":"p1","author":"u1","created_at":1}"#).unwrap();
    let err = old.append_jsonl_dir(bad.path()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Duplicate { what: "post", .. }), "{err:?}");
    assert!(err.to_string().contains(&bad.path().join("posts.jsonl").display().to_string()), "{err}");
}
