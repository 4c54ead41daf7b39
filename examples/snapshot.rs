//! Measures binary snapshots and live appends on a JSON Lines dataset directory.
//!
//! ```text
//! cargo run --release --example synth -- --users 100000 --seed 1 --out /tmp/world100k
//! cargo run --release --example snapshot -- /tmp/world100k
//! ```
//!
//! Prints the time to read the JSON Lines directory, to save and load a snapshot (with a
//! bridging model fitted when `--bridging` is given), the snapshot's size, and the time
//! of appending a batch of 1,000 posts and 1,000 engagements to a [`LiveDataset`].

use glassfeed::bridging::BridgingConfig;
use glassfeed::{Batch, Dataset, EngagementKind, EngagementRecord, LiveDataset, PostRecord, UserId};
use std::process::ExitCode;
use std::time::Instant;

fn run(dir: &str, bridging: bool) -> glassfeed::Result<()> {
    let t = Instant::now();
    let ds = Dataset::from_jsonl_dir(dir)?;
    let jsonl = t.elapsed().as_secs_f64();
    let jsonl_bytes: u64 = glassfeed_files(dir);
    println!("users {} posts {} engagements {}", ds.user_count(), ds.post_count(), ds.engagement_count());
    println!("jsonl load      {jsonl:8.2} s  {:8.1} MB", jsonl_bytes as f64 / 1e6);
    if bridging {
        let t = Instant::now();
        ds.bridging_model(&BridgingConfig::default())?;
        println!("bridging fit    {:8.2} s", t.elapsed().as_secs_f64());
    }
    let path = std::env::temp_dir().join(format!("glassfeed-example-{}.snap", std::process::id()));
    let t = Instant::now();
    ds.save(&path)?;
    let save = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("snapshot save   {save:8.2} s  {:8.1} MB", size as f64 / 1e6);
    let t = Instant::now();
    let loaded = Dataset::load(&path)?;
    println!("snapshot load   {:8.2} s", t.elapsed().as_secs_f64());
    let _ = std::fs::remove_file(&path);
    assert!(loaded == ds, "the loaded snapshot differs");
    if bridging {
        let t = Instant::now();
        loaded.bridging_model(&BridgingConfig::default())?;
        println!("bridging (cached after load) {:.4} s", t.elapsed().as_secs_f64());
    }
    drop(loaded);

    let live = LiveDataset::new(ds);
    let now = live.snapshot().latest_timestamp();
    for round in 0..3 {
        let base = live.snapshot();
        let posts: Vec<PostRecord> = (0..1000)
            .map(|i| PostRecord {
                id: format!("live-{round}-{i}"),
                author: base.user_name(UserId(i % base.user_count() as u32)).to_string(),
                created_at: now + 1,
                ..Default::default()
            })
            .collect();
        let engagements = posts
            .iter()
            .enumerate()
            .map(|(i, p)| EngagementRecord {
                user: base.user_name(UserId((i as u32 * 7) % base.user_count() as u32)).to_string(),
                post: p.id.clone(),
                kind: EngagementKind::Like,
                at: now + 2,
                rating: None,
            })
            .collect();
        let batch = Batch { posts, engagements, ..Default::default() };
        let t = Instant::now();
        let next = live.append(&batch)?;
        println!(
            "append 1000 posts + 1000 likes (snapshot {}) {:8.3} s",
            next.sequence(),
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Total size of the dataset files in `dir`.
fn glassfeed_files(dir: &str) -> u64 {
    ["users.jsonl", "graph.jsonl", "posts.jsonl", "engagements.jsonl"]
        .iter()
        .filter_map(|f| std::fs::metadata(std::path::Path::new(dir).join(f)).ok())
        .map(|m| m.len())
        .sum()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bridging = args.iter().any(|a| a == "--bridging");
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: snapshot [--bridging] DATASET_DIR");
        return ExitCode::from(2);
    };
    match run(dir, bridging) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
