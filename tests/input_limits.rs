//! Input limits (issue 8, point 4): every limit of [`InputLimits`] at its boundary and one
//! over, for each file, in strict and lenient mode alike, and on the builder path.

use glassfeed::{Dataset, DatasetBuilder, ErrorKind, IngestOptions, InputLimits, PostRecord, UserRecord};
use serde_json::{json, Value};
use std::path::Path;
use tempfile::TempDir;

/// Small limits, so that boundary records stay short.
fn small() -> InputLimits {
    let mut l = InputLimits::default();
    l.max_line_bytes = 200;
    l.max_id_bytes = 8;
    l.max_text_bytes = 10;
    l.max_name_bytes = 5;
    l.max_labels_per_post = 3;
    l.max_topics_per_post = 3;
    l.max_features_per_post = 3;
    l.max_attrs_per_user = 2;
    l.max_muted_words_per_user = 2;
    l.max_hidden_labels_per_user = 2;
    l
}

/// Ids exactly at the 8-byte limit, referred to by the boundary records.
const USER8: &str = "uuuuuuuu";
const POST8: &str = "pppppppp";

/// The base dataset plus one extra `line` appended to `file` (its line number is
/// returned).
fn world(file: &str, line: &str) -> (TempDir, u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<(&str, Vec<String>)> = vec![
        ("users", vec![json!({"id": "ann"}).to_string(), json!({"id": USER8}).to_string()]),
        ("graph", vec![json!({"src": "ann", "dst": USER8, "kind": "follow"}).to_string()]),
        ("posts", vec![json!({"id": POST8, "author": "ann", "created_at": 1}).to_string()]),
        ("engagements", vec![json!({"user": "ann", "post": POST8, "kind": "like", "at": 2}).to_string()]),
    ];
    let mut number = 0;
    for (name, lines) in &mut files {
        if *name == file {
            lines.push(line.to_string());
            number = lines.len() as u64;
        }
        std::fs::write(dir.path().join(format!("{name}.jsonl")), lines.join("\n") + "\n").unwrap();
    }
    assert!(number > 0, "unknown file {file}");
    (dir, number)
}

fn load(dir: &Path, limits: &InputLimits, lenient: bool) -> glassfeed::Result<Dataset> {
    let options = IngestOptions::default().with_lenient(lenient).with_limits(limits.clone());
    Dataset::from_jsonl_dir_with(dir, &options).map(|(ds, _)| ds)
}

/// `at` loads in both modes; `over` fails in both, naming file, line, field and limit.
fn boundary(file: &str, at: Value, over: Value, field: &str, message: &str) {
    boundary_lines(file, &at.to_string(), &over.to_string(), field, message, &small());
}

fn boundary_lines(file: &str, at: &str, over: &str, field: &str, message: &str, limits: &InputLimits) {
    for lenient in [false, true] {
        let (dir, _) = world(file, at);
        if let Err(e) = load(dir.path(), limits, lenient) {
            panic!("{file}: refused a record at the limit ({at:.80}): {e}");
        }
        let (dir, line) = world(file, over);
        let e = load(dir.path(), limits, lenient).expect_err(&format!("{file}: accepted {over:.80}"));
        let text = e.to_string();
        match e.into_kind() {
            ErrorKind::Malformed { at, field: f, message: m } => {
                assert!(at.source.ends_with(&format!("{file}.jsonl")), "{text}");
                assert_eq!((at.unit, at.index), ("line", line), "{text}");
                assert_eq!(f, field, "{text}");
                assert!(m.contains(message) && m.contains("than the limit of"), "{text}");
            }
            other => panic!("{file}: expected a malformed error, got {other:?}"),
        }
    }
}

fn words(n: usize, len: usize) -> Vec<String> {
    (0..n).map(|i| format!("{:w$}", i, w = len).replace(' ', "x")).collect()
}

#[test]
fn users_file() {
    let u = |extra: Value| {
        let mut v = json!({"id": "bob"});
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    boundary("users", json!({"id": "b".repeat(8)}), json!({"id": "b".repeat(9)}), "id", "an id of 9 bytes");
    let attrs = |n: usize| Value::Object((0..n).map(|i| (format!("k{i}"), json!("v"))).collect());
    boundary("users", u(json!({"attrs": attrs(2)})), u(json!({"attrs": attrs(3)})), "attrs", "3 attributes");
    boundary(
        "users",
        u(json!({"attrs": {"k": "v".repeat(5)}})),
        u(json!({"attrs": {"k": "v".repeat(6)}})),
        "attrs",
        "6 bytes",
    );
    boundary(
        "users",
        u(json!({"attrs": {"kkkkk": "v"}})),
        u(json!({"attrs": {"kkkkkk": "v"}})),
        "attrs",
        "6 bytes",
    );
    let muted = |n, len| u(json!({"muted_words": words(n, len)}));
    boundary("users", muted(2, 5), muted(3, 5), "muted_words", "3 muted words");
    boundary("users", muted(2, 5), muted(2, 6), "muted_words[0]", "a name of 6 bytes");
    let hidden = |n, len| u(json!({"hidden_labels": words(n, len)}));
    boundary("users", hidden(2, 5), hidden(3, 5), "hidden_labels", "3 hidden labels");
    boundary("users", hidden(2, 5), hidden(2, 6), "hidden_labels[0]", "a name of 6 bytes");
}

#[test]
fn graph_file() {
    let edge = |src: &str, dst: &str| json!({"src": src, "dst": dst, "kind": "mute"});
    boundary("graph", edge(USER8, "ann"), edge(&"u".repeat(9), "ann"), "src", "an id of 9 bytes");
    boundary("graph", edge("ann", USER8), edge("ann", &"u".repeat(9)), "dst", "an id of 9 bytes");
}

#[test]
fn posts_file() {
    let p = |extra: Value| {
        let mut v = json!({"id": "q", "author": "ann", "created_at": 3});
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    boundary("posts", p(json!({"id": "q".repeat(8)})), p(json!({"id": "q".repeat(9)})), "id", "an id of 9");
    boundary(
        "posts",
        p(json!({"author": USER8})),
        p(json!({"author": "u".repeat(9)})),
        "author",
        "an id of 9",
    );
    for link in ["reply_to", "repost_of"] {
        boundary("posts", p(json!({link: POST8})), p(json!({link: "p".repeat(9)})), link, "an id of 9 bytes");
    }
    boundary(
        "posts",
        p(json!({"text": "é".repeat(5)})),
        p(json!({"text": "t".repeat(11)})),
        "text",
        "11 bytes of text",
    );
    for list in ["labels", "topics"] {
        let l = |n, len| p(json!({list: words(n, len)}));
        boundary("posts", l(3, 5), l(4, 5), list, &format!("4 {list}"));
        boundary("posts", l(3, 5), l(3, 6), &format!("{list}[0]"), "a name of 6 bytes");
    }
    let features = |n: usize, len: usize| {
        p(json!({"features": Value::Object(words(n, len).into_iter().map(|k| (k, json!(0.5))).collect())}))
    };
    boundary("posts", features(3, 5), features(4, 5), "features", "4 features");
    boundary("posts", features(3, 5), features(3, 6), "features", "6 bytes");
}

#[test]
fn engagements_file() {
    let e = |user: &str, post: &str| json!({"user": user, "post": post, "kind": "reply", "at": 3});
    boundary("engagements", e(USER8, POST8), e(&"u".repeat(9), POST8), "user", "an id of 9 bytes");
    boundary("engagements", e(USER8, POST8), e(USER8, &"p".repeat(9)), "post", "an id of 9 bytes");
}

/// A record padded with trailing spaces to exactly `len` bytes.
fn padded(record: Value, len: usize) -> String {
    let text = record.to_string();
    assert!(text.len() <= len);
    format!("{text}{}", " ".repeat(len - text.len()))
}

#[test]
fn line_length_in_every_file() {
    let limits = small();
    let records = [
        ("users", json!({"id": "bob"})),
        ("graph", json!({"src": "ann", "dst": USER8, "kind": "block"})),
        ("posts", json!({"id": "q", "author": "ann", "created_at": 3})),
        ("engagements", json!({"user": "ann", "post": POST8, "kind": "click", "at": 3})),
    ];
    for (file, record) in records {
        let (at, over) = (padded(record.clone(), 200), padded(record.clone(), 201));
        boundary_lines(file, &at, &over, "-", "", &limits.clone());
        // A `\r\n` line end does not count; a line without a line end at the end of the
        // file is checked alike.
        boundary_lines(file, &format!("{at}\r"), &format!("{over}\r"), "-", "", &limits);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("users.jsonl"), "{\"id\":\"ann\"}\n").unwrap();
        std::fs::write(dir.path().join(format!("{file}.jsonl")), &over).unwrap();
        let e = load(dir.path(), &limits, false).unwrap_err().to_string();
        assert!(e.contains("line 1: field `-`") && e.contains("longer than the limit of 200 bytes"), "{e}");
    }
    // A byte-order mark does not count either.
    let dir = tempfile::tempdir().unwrap();
    let at = padded(json!({"id": "ann"}), 200);
    std::fs::write(dir.path().join("users.jsonl"), format!("\u{feff}{at}\n")).unwrap();
    load(dir.path(), &limits, false).unwrap();
}

#[test]
fn a_huge_line_is_refused_without_reading_it_whole() {
    // 64 MiB of one line: refused after the first megabyte (the default limit).
    let dir = tempfile::tempdir().unwrap();
    let mut line = String::from("{\"id\":\"");
    line.push_str(&"x".repeat(64 << 20));
    line.push_str("\"}\n");
    std::fs::write(dir.path().join("users.jsonl"), line).unwrap();
    let e = Dataset::from_jsonl_dir(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("users.jsonl line 1: field `-`: the line is longer than the limit of 1048576 bytes"),
        "{e}"
    );
}

#[test]
fn defaults_at_the_boundary() {
    let defaults = InputLimits::default();
    let p =
        |n: usize| json!({"id": "q", "author": "ann", "created_at": 3, "labels": words(n, 3)}).to_string();
    boundary_lines("posts", &p(64), &p(65), "labels", "65 labels, more than the limit of 64", &defaults);
    let line = |len| padded(json!({"id": "bob"}), len);
    boundary_lines("users", &line(1 << 20), &line((1 << 20) + 1), "-", "1048576 bytes", &defaults);
    let text = |len: usize| {
        json!({"id": "q", "author": "ann", "created_at": 3, "text": "t".repeat(len)}).to_string()
    };
    boundary_lines("posts", &text(102_400), &text(102_401), "text", "102401 bytes of text", &defaults);
    let id = |len: usize| json!({"id": "u".repeat(len)}).to_string();
    boundary_lines("users", &id(256), &id(257), "id", "an id of 257 bytes", &defaults);
    // Unbounded limits take what the defaults refuse.
    let (dir, _) = world("posts", &p(65));
    load(dir.path(), &InputLimits::unbounded(), false).unwrap();
}

#[test]
fn the_builder_enforces_the_same_limits_naming_the_record() {
    let mut b = DatasetBuilder::new().limits(small());
    b.add_user(&UserRecord { id: "ann".into(), ..Default::default() }).unwrap();
    let post = |labels: usize| PostRecord {
        id: format!("p{labels}"),
        author: "ann".into(),
        created_at: 1,
        labels: words(labels, 2),
        ..Default::default()
    };
    b.add_post(&post(3)).unwrap();
    let e = b.add_post(&post(4)).unwrap_err().to_string();
    assert_eq!(
        e,
        "posts record 2: field `labels`: 4 labels, more than the limit of 3 (`InputLimits::max_labels_per_post`)"
    );
    let user = UserRecord { id: "bob".into(), muted_words: words(1_001, 3), ..Default::default() };
    let e = DatasetBuilder::new().add_user(&user).unwrap_err().to_string();
    assert!(e.contains("users record 1: field `muted_words`: 1001 muted words"), "{e}");
}
