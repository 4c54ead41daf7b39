//! The pipeline spec parser: any UTF-8 text through `Pipeline::from_json` and, as an
//! untrusted spec, `Pipeline::from_json_with_limits` with the default limits. A spec that
//! parses must print as JSON that parses back to the same fingerprint, and rank a small
//! fixed dataset without panicking.
#![no_main]

use glassfeed::{Dataset, DatasetBuilder, Limits, Pipeline};
use glassfeed_fuzz::{exercise, Calls};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const USERS: &[u8] =
    br#"{"id":"ann","attrs":{"viewpoint":"left"},"muted_words":["spoiler"],"hidden_labels":["nsfw"]}
{"id":"bob","attrs":{"viewpoint":"right"}}
{"id":"cy","attrs":{"viewpoint":"left"}}
"#;
const GRAPH: &[u8] = br#"{"src":"ann","dst":"bob","kind":"follow"}
{"src":"ann","dst":"cy","kind":"follow"}
{"src":"cy","dst":"bob","kind":"follow"}
"#;
const POSTS: &[u8] = br#"{"id":"p1","author":"bob","created_at":1700000000,"text":"a spoiler","labels":["nsfw"],"features":{"p_fav":0.5,"p_reply":0.1}}
{"id":"p2","author":"cy","created_at":1700003600,"reply_to":"p1","topics":["news"],"features":{"p_fav":0.2}}
{"id":"p3","author":"cy","created_at":1700007200,"repost_of":"p1","labels":["spam"]}
{"id":"p4","author":"bob","created_at":1700010000,"labels":["illegal"]}
{"id":"p5","author":"ann","created_at":1700010000}
"#;
const ENGAGEMENTS: &[u8] = br#"{"user":"cy","post":"p1","kind":"like","at":1700001000,"rating":1}
{"user":"ann","post":"p1","kind":"impression","at":1700001000}
{"user":"cy","post":"p4","kind":"repost","at":1700011000}
{"user":"bob","post":"p2","kind":"dislike","at":1700004000,"rating":0}
"#;

fn dataset() -> &'static Dataset {
    static DATASET: OnceLock<Dataset> = OnceLock::new();
    DATASET.get_or_init(|| {
        let mut b = DatasetBuilder::new();
        b.read_users_jsonl(USERS, "users.jsonl").unwrap();
        b.read_graph_jsonl(GRAPH, "graph.jsonl").unwrap();
        b.read_posts_jsonl(POSTS, "posts.jsonl").unwrap();
        b.read_engagements_jsonl(ENGAGEMENTS, "engagements.jsonl").unwrap();
        b.build().unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(bounded) = Pipeline::from_json_with_limits(text, &Limits::default()) {
        exercise(dataset(), &bounded, Calls { posts: (0, 3), ..Calls::default() });
    }
    let Ok(pipeline) = Pipeline::from_json(text) else { return };
    let again = Pipeline::from_json(&pipeline.to_json()).expect("a pipeline's own JSON parses");
    assert_eq!(again.fingerprint(), pipeline.fingerprint());
    let _ = pipeline.inputs();
    exercise(dataset(), &pipeline, Calls { posts: (0, 3), ..Calls::default() });
});
