//! Writes seed corpora for the fuzz targets: `corpus/ingest/` from small synthetic worlds
//! (each file's first lines, behind the byte that selects the file) and `corpus/spec/`
//! from the presets and a few hand-written specs; `corpus/snapshot/` from the same worlds'
//! snapshot payloads. `rank` derives its input with
//! `arbitrary` and starts from an empty corpus.
//!
//! Run from `fuzz/`: `cargo run --example seed_corpus` (writes under `corpus/`).

use glassfeed::synth::{generate, SynthConfig};
use glassfeed::Pipeline;
use std::fs;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let corpus = Path::new("corpus");
    let (ingest, spec, snapshot) = (corpus.join("ingest"), corpus.join("spec"), corpus.join("snapshot"));
    fs::create_dir_all(&ingest)?;
    fs::create_dir_all(&spec)?;
    fs::create_dir_all(&snapshot)?;
    let world = std::env::temp_dir().join(format!("glassfeed-seed-{}", std::process::id()));
    let mut seeds = 0;
    for seed in 1..=2 {
        let config = SynthConfig {
            users: 30,
            seed,
            muted_words_share: 0.5,
            hidden_labels_share: 0.5,
            mute_share: 0.3,
            block_share: 0.3,
            nsfw_share: 0.2,
            ..SynthConfig::default()
        };
        let ds = generate(&config)?;
        // The snapshot target takes the payload: the bytes after the 52-byte header.
        fs::write(snapshot.join(format!("synth-s{seed}")), &ds.to_snapshot_bytes()[52..])?;
        seeds += 1;
        ds.write_jsonl_dir(&world)?;
        for (selector, file) in
            ["users.jsonl", "graph.jsonl", "posts.jsonl", "engagements.jsonl"].iter().enumerate()
        {
            let text = fs::read_to_string(world.join(file))?;
            for lines in [1, 4, 16] {
                let mut bytes = vec![selector as u8];
                for line in text.lines().take(lines) {
                    bytes.extend_from_slice(line.as_bytes());
                    bytes.push(b'\n');
                }
                fs::write(ingest.join(format!("{file}-s{seed}-{lines}")), bytes)?;
                seeds += 1;
            }
        }
    }
    fs::remove_dir_all(&world)?;
    for name in glassfeed::pipeline::PRESETS {
        fs::write(spec.join(format!("preset-{name}")), Pipeline::preset(name)?.to_json())?;
        seeds += 1;
    }
    let specs = [
        r#"{"sources":[{"stage":"in_network"}]}"#,
        r#"{"sources":[{"stage":"popular","n":3}],"scorers":[{"stage":"weighted_sum","weights":[{"feature":"likes","weight":2,"transform":"log1p"}]}],"selector":{"stage":"top_k","k":2,"max_in_network":1}}"#,
        r#"{"sources":[{"stage":"bridging_posts","min_raters":1}],"scorers":[{"stage":"bridging","mode":"factor","min_raters":1}]}"#,
        r#"{"sources":[{"stage":"social_proof","min_proof":1}],"filters":[{"stage":"max_age","hours":1e9}],"scorers":[{"stage":"hn_gravity","points":"p_fav"},{"stage":"label_downrank","labels":{"spam":0}}]}"#,
    ];
    for (i, text) in specs.iter().enumerate() {
        fs::write(spec.join(format!("hand-{i}")), text)?;
        seeds += 1;
    }
    println!("wrote {seeds} seeds under {}", corpus.display());
    Ok(())
}
