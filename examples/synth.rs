//! Writes a synthetic town square as a JSON Lines dataset directory (DESIGN §2).
//!
//! ```text
//! cargo run --release --example synth -- --users 100000 --seed 1 --out /tmp/world
//! ```

use glassfeed::synth::{generate, world_stats, SynthConfig};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
usage: synth [--users N] [--seed S] [--config FILE.json] [--stats] --out DIR

Generates a seeded synthetic town square and writes it to DIR as users.jsonl,
graph.jsonl, posts.jsonl and engagements.jsonl (users carry attrs.viewpoint).

options:
  --users N           number of users (default 20000)
  --seed S            random seed (default 42)
  --config FILE.json  a SynthConfig as JSON (any subset of its fields);
                      --users and --seed override it
  --stats             also print the world's statistics table
  --out DIR           output directory (created if missing)
  -h, --help          print this help";

struct Args {
    config: SynthConfig,
    out: String,
    stats: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut users = None;
    let mut seed = None;
    let mut config = SynthConfig::default();
    let mut out = None;
    let mut stats = false;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--users" => {
                let v = value("--users")?;
                users = Some(v.parse::<usize>().map_err(|e| format!("--users {v}: {e}"))?);
            }
            "--seed" => {
                let v = value("--seed")?;
                seed = Some(v.parse::<u64>().map_err(|e| format!("--seed {v}: {e}"))?);
            }
            "--config" => {
                let path = value("--config")?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                config = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
            }
            "--out" => out = Some(value("--out")?),
            "--stats" => stats = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if let Some(users) = users {
        config.users = users;
    }
    if let Some(seed) = seed {
        config.seed = seed;
    }
    let out = out.ok_or("--out DIR is required")?;
    Ok(Some(Args { config, out, stats }))
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("synth: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let ds = match generate(&args.config) {
        Ok(ds) => ds,
        Err(e) => {
            eprintln!("synth: {e}");
            return ExitCode::FAILURE;
        }
    };
    let generated = start.elapsed().as_secs_f64();
    if let Err(e) = ds.write_jsonl_dir(&args.out) {
        eprintln!("synth: {e}");
        return ExitCode::FAILURE;
    }
    let seconds = start.elapsed().as_secs_f64();
    let stats = world_stats(&ds);
    println!(
        "users {} follows {} posts {} engagements {} seconds {seconds:.2} (generate {generated:.2}, write {:.2}) -> {}",
        stats.users,
        stats.follows,
        stats.posts,
        stats.engagements,
        seconds - generated,
        args.out
    );
    if args.stats {
        print!("{stats}");
    }
    ExitCode::SUCCESS
}
