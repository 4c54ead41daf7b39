//! The main job: a seeded synthetic town square, every preset ranked for every viewer in
//! parallel, one explained feed, and an audit table per preset.
//!
//! ```text
//! cargo run --release --example town_square [-- --users 20000 --seed 42 --k 50]
//! ```

use glassfeed::audit::{
    cross_cutting_shares, exposure_by_author, gini, group_amplification, group_shares, source_diversity,
    AmplificationConfig, ImpressionModel,
};
use glassfeed::pipeline::PRESETS;
use glassfeed::synth::{self, SynthConfig};
use glassfeed::{ExplainMode, Outcome, Pipeline, RankOptions, UserId};
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    users: usize,
    seed: u64,
    k: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { users: 20_000, seed: 42, k: 50 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number =
            |what: &str| value.parse::<u64>().map_err(|_| format!("{what}: `{value}` is not a number"));
        match flag.as_str() {
            "--users" => args.users = number("--users")? as usize,
            "--seed" => args.seed = number("--seed")?,
            "--k" => args.k = number("--k")? as usize,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.users < 10 {
        return Err("--users must be at least 10".into());
    }
    Ok(args)
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

fn run(args: &Args) -> glassfeed::Result<()> {
    let started = Instant::now();
    let config = SynthConfig { users: args.users, seed: args.seed, ..SynthConfig::default() };
    let ds = synth::generate(&config)?;
    let generated = started.elapsed();
    println!("# glassfeed town square (seed {}, {} users)\n", args.seed, args.users);
    println!("{}", synth::world_stats(&ds));
    println!("generated in {:.2} s\n", generated.as_secs_f64());

    let viewers: Vec<UserId> = (0..ds.user_count() as u32).map(UserId).collect();
    let options = RankOptions { k: Some(args.k), ..RankOptions::default() };
    let model = ImpressionModel::Logarithmic;

    // One viewer's explained feed: the first user following at least 20 accounts.
    let viewer =
        viewers.iter().copied().find(|&v| ds.graph().followees(v.0).len() >= 20).unwrap_or(UserId(0));
    let engagement = Pipeline::preset("engagement")?;
    let explained = engagement.rank(
        &ds,
        viewer,
        &RankOptions { k: Some(10), ..RankOptions::explained(ExplainMode::Summary) },
    )?;
    println!(
        "## The `engagement` feed of @{} ({}, follows {} accounts): top 10 of {} candidates, {} filtered\n",
        ds.user_name(viewer),
        ds.user_attr(viewer, "viewpoint").unwrap_or("?"),
        ds.graph().followees(viewer.0).len(),
        explained.sourced,
        explained.filtered
    );
    for e in explained.explanations.iter().filter(|e| e.outcome == Outcome::Selected) {
        println!("{}. {} — {}", e.rank.unwrap_or(0), e.post, e.to_sentences());
    }
    if let Some(e) = explained.explanations.iter().find(|e| matches!(e.outcome, Outcome::Filtered { .. })) {
        println!("\nAnd one that was left out: {} — {}", e.post, e.to_sentences());
    }
    println!("\nfingerprint of `engagement`: {}\n", engagement.fingerprint());

    println!("## Every preset, every viewer (k = {}, exposure weight 1/log2(1+rank))\n", args.k);
    println!(
        "Amplification (Huszár et al. 2022) is each viewpoint's reach under the preset divided by its reach \
         under `chronological`, minus 1, on the same viewers; [95% bootstrap interval over viewers].\n"
    );
    println!(
        "| preset | feeds/s | seconds | exposure share by viewpoint (post share) | amplification by viewpoint | \
         cross-cutting share | source diversity | exposure Gini |"
    );
    println!("|---|---:|---:|---|---|---:|---:|---:|");
    let amplification = AmplificationConfig { model, bootstrap: 500, ..AmplificationConfig::default() };
    let mut control = None;
    for name in PRESETS {
        let pipeline = Pipeline::preset(name)?;
        let t = Instant::now();
        let feeds = pipeline.rank_all(&ds, &viewers, &options)?;
        let seconds = t.elapsed().as_secs_f64();
        let shares = group_shares(&ds, &feeds, model, "viewpoint");
        let shares: Vec<String> = shares
            .iter()
            .map(|g| format!("{} {:.1}% ({:.1}%)", g.group, 100.0 * g.exposure_share, 100.0 * g.post_share))
            .collect();
        let control_feeds = control.get_or_insert_with(|| feeds.clone());
        let amplified: Vec<String> = group_amplification(&ds, &feeds, control_feeds, &amplification)?
            .iter()
            .filter(|g| g.group != "(none)")
            .map(|g| match (g.amplification, g.ci_low, g.ci_high) {
                (Some(a), Some(lo), Some(hi)) => {
                    format!("{} {:+.1}% [{:+.1}, {:+.1}]", g.group, 100.0 * a, 100.0 * lo, 100.0 * hi)
                }
                _ => format!("{} n/a", g.group),
            })
            .collect();
        let cross = mean(cross_cutting_shares(&ds, &feeds, "viewpoint").into_iter().flatten());
        let diversity = source_diversity(&ds, &feeds).summary.mean.unwrap_or(0.0);
        let exposure = exposure_by_author(&ds, &feeds, model);
        println!(
            "| {name} | {:.0} | {seconds:.2} | {} | {} | {:.1}% | {:.3} | {:.3} |",
            feeds.len() as f64 / seconds,
            shares.join(", "),
            amplified.join(", "),
            100.0 * cross,
            diversity,
            gini(&exposure)
        );
    }
    println!("\ntotal wall time {:.2} s on {} threads", started.elapsed().as_secs_f64(), rayon_threads());
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("error: {message}\nusage: town_square [--users N] [--seed S] [--k K]");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
