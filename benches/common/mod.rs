//! Bench worlds shared by every benchmark (DESIGN §7): seeded synthetic town squares from
//! [`glassfeed::synth`], generated once per bench process and shared by its benchmarks.
//!
//! * `small` — 1,000 users; `10k` — 10,000 users (scaling curves only);
//!   `medium` — 100,000 users, about 1M posts, 10M follows and 10M engagements;
//!   `large` — 1,000,000 users (benchmark only: about 10 GB of RAM and two minutes to
//!   generate).
//! * `GLASSFEED_BENCH_QUICK=1`: every bench uses the small world only, with short criterion
//!   settings (CI runs each bench briefly so that a broken one fails).
//! * `GLASSFEED_BENCH_WORLDS=small,10k,medium,large`: the worlds to run (default
//!   `small,medium`; ignored in quick mode).
//! * `GLASSFEED_BENCH_VIEWERS=N`: how many viewers `rank_all` and the audit benches rank on
//!   worlds with more users than that (default 10,000, evenly spaced over the dense ids);
//!   `all` ranks every viewer.
#![allow(dead_code)]

use criterion::{BenchmarkGroup, Criterion, SamplingMode};
use glassfeed::synth::{generate, SynthConfig};
use glassfeed::{Dataset, Pipeline, RankOptions, UserId};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Seed of every bench world.
pub const SEED: u64 = 42;

/// A bench world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum World {
    /// 1,000 users.
    Small,
    /// 10,000 users.
    Ten,
    /// 100,000 users.
    Medium,
    /// 1,000,000 users.
    Large,
}

impl World {
    /// Every world, smallest first.
    pub const ALL: [World; 4] = [World::Small, World::Ten, World::Medium, World::Large];

    /// The name used in benchmark ids and `GLASSFEED_BENCH_WORLDS`.
    pub fn name(self) -> &'static str {
        match self {
            World::Small => "small",
            World::Ten => "10k",
            World::Medium => "medium",
            World::Large => "large",
        }
    }

    /// Number of users.
    pub fn users(self) -> usize {
        match self {
            World::Small => 1_000,
            World::Ten => 10_000,
            World::Medium => 100_000,
            World::Large => 1_000_000,
        }
    }

    /// The generator configuration: the defaults (100 follows, 10 posts and 10
    /// engagements per user on average), this many users, seed 42.
    pub fn config(self) -> SynthConfig {
        SynthConfig { seed: SEED, ..SynthConfig::with_users(self.users()) }
    }

    /// The world's dataset, generated on first use in this process.
    pub fn dataset(self) -> &'static Dataset {
        static WORLDS: [OnceLock<Dataset>; 4] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
        WORLDS[self as usize].get_or_init(|| {
            let start = Instant::now();
            let ds = generate(&self.config()).expect("valid bench world");
            eprintln!(
                "bench world {}: {} users, {} posts, {} follows, {} engagements (generated in {:.1} s)",
                self.name(),
                ds.user_count(),
                ds.post_count(),
                ds.graph().edge_count(glassfeed::EdgeKind::Follow),
                ds.engagement_count(),
                start.elapsed().as_secs_f64()
            );
            ds
        })
    }

    /// True for worlds whose benchmarks take seconds per iteration.
    pub fn is_big(self) -> bool {
        self.users() >= 100_000
    }

    fn parse(name: &str) -> Option<World> {
        World::ALL.into_iter().find(|w| w.name() == name.trim())
    }
}

/// True when `GLASSFEED_BENCH_QUICK=1`.
pub fn quick() -> bool {
    std::env::var("GLASSFEED_BENCH_QUICK").is_ok_and(|v| v == "1")
}

/// The worlds to run: `small` in quick mode, else `GLASSFEED_BENCH_WORLDS` (default
/// `small,medium`).
pub fn worlds() -> Vec<World> {
    if quick() {
        return vec![World::Small];
    }
    match std::env::var("GLASSFEED_BENCH_WORLDS") {
        Ok(list) => list
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| World::parse(s).unwrap_or_else(|| panic!("GLASSFEED_BENCH_WORLDS: unknown world `{s}`")))
            .collect(),
        Err(_) => vec![World::Small, World::Medium],
    }
}

/// Criterion settings: short ones in quick mode (command-line flags still override).
pub fn criterion() -> Criterion {
    let c = Criterion::default();
    if quick() {
        c.warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(500))
            .sample_size(10)
    } else {
        c
    }
}

/// Settings for benchmarks of whole-world passes (seconds per iteration): ten flat
/// samples. Left alone in quick mode, so the command line decides there.
pub fn slow<M: criterion::measurement::Measurement>(group: &mut BenchmarkGroup<'_, M>, world: World) {
    if !quick() && world.is_big() {
        group.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_secs(1));
    }
}

/// The viewers whole-world benchmarks rank: every user of worlds up to
/// `GLASSFEED_BENCH_VIEWERS` users (default 10,000), else that many evenly spaced users.
pub fn viewers(ds: &Dataset) -> Vec<UserId> {
    let n = ds.user_count();
    let limit = match std::env::var("GLASSFEED_BENCH_VIEWERS").as_deref() {
        Ok("all") => n,
        Ok(v) => v.parse().expect("GLASSFEED_BENCH_VIEWERS: a number or `all`"),
        Err(_) => 10_000,
    };
    if n <= limit {
        return (0..n as u32).map(UserId).collect();
    }
    (0..limit).map(|i| UserId((i * n / limit) as u32)).collect()
}

/// A seeded sample of viewers sorted by the number of candidates `pipeline` sources for
/// them (`(viewer, candidates)`), to pick viewers at percentiles of feed size.
pub fn viewers_by_candidates(ds: &Dataset, pipeline: &Pipeline, sample: usize) -> Vec<(UserId, usize)> {
    let n = ds.user_count();
    let mut out: Vec<(UserId, usize)> = (0..sample.min(n))
        .map(|i| {
            // A fixed stride that is coprime with the user counts of the worlds.
            let v = UserId(((i as u64 * 7_919 + 13) % n as u64) as u32);
            let feed = pipeline.rank(ds, v, &RankOptions::default()).expect("bench feed");
            (v, feed.sourced)
        })
        .collect();
    out.sort_by_key(|&(v, c)| (c, v));
    out.dedup();
    out
}

/// The entry at percentile `p` (0–100, nearest rank) of a sorted list.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

/// A JSON Lines copy of a world under `target/bench-worlds/`, written on first use (the
/// directory name carries the world's sizes, so a changed generator writes a new copy).
pub fn jsonl_dir(world: World) -> PathBuf {
    let ds = world.dataset();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let p_fav = ds.feature(glassfeed::PostId(0), "p_fav").unwrap_or(0.0).to_bits();
    let dir = target.join("bench-worlds").join(format!(
        "{}-seed{SEED}-{}p-{}e-{p_fav:016x}",
        world.name(),
        ds.post_count(),
        ds.engagement_count()
    ));
    let done = dir.join(".complete");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        ds.write_jsonl_dir(&dir).expect("write bench world");
        std::fs::write(&done, b"").expect("mark bench world complete");
    }
    dir
}

/// Total size of the files in a directory.
pub fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("bench world directory")
        .filter_map(|e| e.ok()?.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}
