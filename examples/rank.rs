//! Ranks feeds of a JSON Lines dataset and prints JSON Lines.
//!
//! ```text
//! cargo run --release --example rank -- --data DIR --pipeline (PRESET|FILE.json)
//!     [--viewer ID | --all] [--k N] [--explain off|summary|full] [--now TS] [--why-not POST]
//! ```
//!
//! One object per feed item (`viewer`, `post`, `rank`, `score`, and `explanation` when
//! asked), or one explanation for `--why-not`. Errors go to stderr with exit code 1
//! (2 for bad arguments).

use glassfeed::{Dataset, ExplainMode, Pipeline, RankOptions, UserId};
use serde_json::json;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: rank --data DIR --pipeline (PRESET|FILE.json) [--viewer ID | --all] [--k N] \
[--explain off|summary|full] [--now TS] [--why-not POST]";

/// One output line per feed item.
#[derive(serde::Serialize)]
struct Line<'a> {
    viewer: &'a str,
    post: &'a str,
    rank: u32,
    score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a glassfeed::Explanation>,
}

#[derive(Default)]
struct Args {
    data: Option<String>,
    pipeline: Option<String>,
    viewer: Option<String>,
    all: bool,
    k: Option<usize>,
    explain: ExplainMode,
    now: Option<i64>,
    why_not: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--data" => args.data = Some(value("--data")?),
            "--pipeline" => args.pipeline = Some(value("--pipeline")?),
            "--viewer" => args.viewer = Some(value("--viewer")?),
            "--all" => args.all = true,
            "--k" => {
                let v = value("--k")?;
                args.k = Some(v.parse().map_err(|_| format!("--k: `{v}` is not a positive integer"))?);
            }
            "--explain" => {
                let v = value("--explain")?;
                args.explain = serde_json::from_value(json!(v))
                    .map_err(|_| format!("--explain: `{v}` is not one of off, summary, full"))?;
            }
            "--now" => {
                let v = value("--now")?;
                args.now = Some(v.parse().map_err(|_| format!("--now: `{v}` is not an integer timestamp"))?);
            }
            "--why-not" => args.why_not = Some(value("--why-not")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.data.is_none() || args.pipeline.is_none() {
        return Err("--data and --pipeline are required".into());
    }
    if args.all == args.viewer.is_some() {
        return Err("give exactly one of --viewer ID or --all".into());
    }
    if args.why_not.is_some() && args.all {
        return Err("--why-not needs --viewer".into());
    }
    Ok(args)
}

fn load_pipeline(arg: &str) -> glassfeed::Result<Pipeline> {
    if arg.ends_with(".json") || std::path::Path::new(arg).is_file() {
        let text = std::fs::read_to_string(arg)
            .map_err(|e| glassfeed::ErrorKind::Io { path: arg.to_string(), source: e })?;
        Pipeline::from_json(&text)
    } else {
        Pipeline::preset(arg)
    }
}

fn run(args: Args) -> glassfeed::Result<()> {
    let pipeline = load_pipeline(args.pipeline.as_deref().unwrap_or_default())?;
    let ds = Dataset::from_jsonl_dir(args.data.as_deref().unwrap_or_default())?;
    let options = RankOptions { k: args.k, explain: args.explain, now: args.now };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let io = |e: std::io::Error| {
        glassfeed::Error::from(glassfeed::ErrorKind::Io { path: "stdout".into(), source: e })
    };
    if let Some(post) = &args.why_not {
        let viewer = ds.require_user(args.viewer.as_deref().unwrap_or_default())?;
        let post = ds.require_post(post)?;
        let e = pipeline.why_not(&ds, viewer, post, &options)?;
        writeln!(out, "{}", serde_json::to_string(&e).expect("explanations serialise")).map_err(io)?;
        return out.flush().map_err(io);
    }
    let viewers: Vec<UserId> = match &args.viewer {
        Some(v) => vec![ds.require_user(v)?],
        None => (0..ds.user_count() as u32).map(UserId).collect(),
    };
    let feeds = pipeline.rank_all(&ds, &viewers, &options)?;
    for feed in &feeds {
        let viewer = ds.user_name(feed.viewer);
        let mut explanations = feed.explanations.iter();
        for item in &feed.items {
            // Selected records come first in a feed's explanations, in feed order.
            let explanation = if args.explain == ExplainMode::Off { None } else { explanations.next() };
            let line = Line {
                viewer,
                post: ds.post_name(item.post),
                rank: item.rank,
                score: item.score,
                explanation,
            };
            writeln!(out, "{}", serde_json::to_string(&line).expect("lines serialise")).map_err(io)?;
        }
    }
    out.flush().map_err(io)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
