//! JSON Lines ingest of each file. The first byte picks the file (users, graph, posts or
//! engagements); the rest is its content, read after a small fixed dataset of the files
//! before it (so references can resolve), strictly and leniently. A dataset that builds
//! is then ranked for its first user.
#![no_main]

use glassfeed::{DatasetBuilder, Pipeline, Result};
use glassfeed_fuzz::{exercise, Calls};
use libfuzzer_sys::fuzz_target;

const USERS: &[u8] =
    br#"{"id":"ann","attrs":{"viewpoint":"left"},"muted_words":["spoiler"],"hidden_labels":["nsfw"]}
{"id":"bob","attrs":{"viewpoint":"right"}}
{"id":"cy"}
"#;
const GRAPH: &[u8] = br#"{"src":"ann","dst":"bob","kind":"follow"}
{"src":"cy","dst":"ann","kind":"follow"}
{"src":"cy","dst":"bob","kind":"mute"}
"#;
const POSTS: &[u8] = br#"{"id":"p1","author":"bob","created_at":1700000000,"text":"hello","labels":["nsfw"],"features":{"p_fav":0.5}}
{"id":"p2","author":"ann","created_at":1700003600,"reply_to":"p1","topics":["news"]}
{"id":"p3","author":"cy","created_at":1700007200,"repost_of":"p1"}
"#;

/// Reads the fixed files before `file`, then `content` as `file`.
fn read(builder: &mut DatasetBuilder, file: u8, content: &[u8]) -> Result<()> {
    let fixed: [(&[u8], &str); 3] = [(USERS, "users.jsonl"), (GRAPH, "graph.jsonl"), (POSTS, "posts.jsonl")];
    for (i, (text, name)) in fixed.into_iter().enumerate().take(file as usize) {
        let read = match i {
            0 => builder.read_users_jsonl(text, name),
            1 => builder.read_graph_jsonl(text, name),
            _ => builder.read_posts_jsonl(text, name),
        };
        read.expect("the fixed files are valid");
    }
    match file {
        0 => builder.read_users_jsonl(content, "users.jsonl"),
        1 => builder.read_graph_jsonl(content, "graph.jsonl"),
        2 => builder.read_posts_jsonl(content, "posts.jsonl"),
        _ => builder.read_engagements_jsonl(content, "engagements.jsonl"),
    }
    .map(drop)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, content)) = data.split_first() else { return };
    let file = selector % 4;
    for lenient in [false, true] {
        let mut builder = DatasetBuilder::new().lenient(lenient);
        if read(&mut builder, file, content).is_err() {
            continue;
        }
        let Ok(ds) = builder.build() else { continue };
        let pipeline = Pipeline::preset("engagement").expect("a preset");
        exercise(&ds, &pipeline, Calls { posts: (0, 1), ..Calls::default() });
    }
});
