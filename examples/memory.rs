//! Memory accounting of a synthetic town square (DESIGN §7: at most 64 bytes per post and
//! 12 bytes per follow edge resident, excluding text).
//!
//! ```text
//! cargo run --release --example memory -- [--users N] [--seed S]
//! ```
//!
//! Generates the world (`--users`, default 100,000: the `medium` bench world; 1,000,000 is
//! `large`), then prints [`Dataset::memory_usage`] by component, bytes per post (excluding
//! text, with and without the caller-supplied feature columns) and per follow edge, and
//! checks the accounting against the process: the resident set (`VmRSS`, and its peak
//! `VmHWM`, from `/proc/self/status`) grows by about the accounted total once the
//! generator's temporaries are returned to the system. The last line is the same summary
//! as JSON.

use glassfeed::synth::{generate, SynthConfig};
use glassfeed::{EdgeKind, MemoryUsage};
use std::process::ExitCode;
use std::time::Instant;

/// `VmRSS` and `VmHWM` of this process in bytes (0 where `/proc` is unavailable).
fn resident() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Returns freed heap memory to the system, so that the resident set shows what is live.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim only returns free pages to the kernel.
        unsafe {
            malloc_trim(0);
        }
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn parse_args() -> Result<SynthConfig, String> {
    let mut config = SynthConfig::with_users(100_000);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let v = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            v.parse().map_err(|_| format!("{name}: `{v}` is not a non-negative integer"))
        };
        match flag.as_str() {
            "--users" => config.users = value("--users")? as usize,
            "--seed" => config.seed = value("--seed")?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(config)
}

fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("memory: {e}");
            }
            eprintln!("usage: memory [--users N] [--seed S]");
            return ExitCode::from(2);
        }
    };
    let (rss_before, _) = resident();
    let start = Instant::now();
    let ds = match generate(&config) {
        Ok(ds) => ds,
        Err(e) => {
            eprintln!("memory: {e}");
            return ExitCode::FAILURE;
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let (rss_generated, hwm) = resident();
    release_free_memory();
    let (rss_after, _) = resident();

    let m: MemoryUsage = ds.memory_usage();
    let posts = ds.post_count() as f64;
    let follows = ds.graph().edge_count(EdgeKind::Follow) as f64;
    let per_post = m.posts as f64 / posts;
    let per_post_engine = (m.posts - m.post_features) as f64 / posts;
    let per_feature_value = m.post_features as f64 / posts / ds.feature_names().len().max(1) as f64;
    let per_edge = m.graph as f64 / follows;
    let grown = rss_after.saturating_sub(rss_before);

    println!(
        "world: {} users, {} posts, {} follows, {} engagements, {} feature columns (seed {}, generated in {seconds:.1} s)",
        ds.user_count(),
        ds.post_count(),
        follows,
        ds.engagement_count(),
        ds.feature_names().len(),
        config.seed
    );
    println!("Dataset::memory_usage():");
    for (name, bytes) in [
        ("users", m.users),
        ("graph", m.graph),
        ("posts (excluding text)", m.posts),
        ("  of which caller features", m.post_features),
        ("post text", m.post_text),
        ("engagements", m.engagements),
        ("derived", m.derived),
        ("total", m.total()),
    ] {
        println!("  {name:<28} {:>12}", mib(bytes as u64));
    }
    println!("per post, excluding text:            {per_post:.1} B");
    println!("  without caller features:           {per_post_engine:.1} B");
    println!("  per caller feature value:          {per_feature_value:.2} B");
    println!("per follow edge (both directions):   {per_edge:.2} B");
    println!(
        "process: VmRSS {} before, {} after generating (peak VmHWM {}), {} once freed memory is returned",
        mib(rss_before),
        mib(rss_generated),
        mib(hwm),
        mib(rss_after)
    );
    println!(
        "resident growth {} vs accounted {}: ratio {:.3}",
        mib(grown),
        mib(m.total() as u64),
        grown as f64 / m.total() as f64
    );
    let summary = serde_json::json!({
        "users": ds.user_count(),
        "posts": ds.post_count(),
        "follows": follows,
        "engagements": ds.engagement_count(),
        "memory_usage": m,
        "bytes_per_post": per_post,
        "bytes_per_post_without_features": per_post_engine,
        "bytes_per_follow_edge": per_edge,
        "vm_rss_before": rss_before,
        "vm_rss_after": rss_after,
        "vm_hwm": hwm,
        "resident_over_accounted": grown as f64 / m.total() as f64,
    });
    println!("{summary}");
    ExitCode::SUCCESS
}
