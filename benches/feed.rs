//! One feed (DESIGN §7: one feed on `medium`, `engagement` preset, p50 ≤ 1 ms with
//! explanations off and ≤ 3 ms with `full` explanations).
//!
//! Viewers are picked by feed size: a seeded sample of viewers is ranked once and sorted
//! by the number of candidates the `engagement` preset sources for them; the viewer at
//! the median (`p50`) stands for the median feed. Throughput is in candidates per second.
//!
//! * `feed/<world>/explain/{off,summary,full}` — the median viewer, `engagement`.
//! * `feed/<world>/preset/<name>` — the same viewer, every preset, explanations off.
//! * `feed/<world>/candidates/p<P>/<n>` — viewers at percentiles of feed size (`n`
//!   candidates), `engagement`, explanations off: time per feed against feed size.
//!
//! Criterion ranks the same viewer again and again, so its figures are for a warm cache.
//! Before them the bench prints the distribution over viewers of cold feeds: every
//! sampled viewer ranked once, in a shuffled order, each call timed (`cold feeds` lines:
//! p50, p90, p99 per explanation mode).

mod common;

use common::{percentile, viewers_by_candidates};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use glassfeed::pipeline::PRESETS;
use glassfeed::{ExplainMode, Pipeline, RankOptions};
use std::hint::black_box;
use std::time::Instant;

fn feed(c: &mut Criterion) {
    let sample_size = if common::quick() { 101 } else { 1001 };
    for world in common::worlds() {
        let ds = world.dataset();
        let engagement = Pipeline::preset("engagement").expect("preset");
        let sample = viewers_by_candidates(ds, &engagement, sample_size);
        let (median, candidates) = percentile(&sample, 50.0);
        eprintln!(
            "feed/{}: median viewer {} with {candidates} candidates (sample of {})",
            world.name(),
            ds.user_name(median),
            sample.len()
        );

        cold_feeds(world.name(), ds, &engagement, &sample);

        let mut group = c.benchmark_group(format!("feed/{}/explain", world.name()));
        group.throughput(Throughput::Elements(candidates as u64));
        for (name, mode) in
            [("off", ExplainMode::Off), ("summary", ExplainMode::Summary), ("full", ExplainMode::Full)]
        {
            let options = RankOptions::explained(mode);
            group.bench_function(name, |b| {
                b.iter(|| engagement.rank(ds, black_box(median), &options).expect("feed"))
            });
        }
        group.finish();

        let mut group = c.benchmark_group(format!("feed/{}/preset", world.name()));
        let options = RankOptions::default();
        for &name in PRESETS {
            let pipeline = Pipeline::preset(name).expect("preset");
            // Also runs the stages' once-per-dataset preparation (the bridging fit) untimed.
            let sourced = pipeline.rank(ds, median, &options).expect("feed").sourced;
            group.throughput(Throughput::Elements(sourced as u64));
            group.bench_function(name, |b| {
                b.iter(|| pipeline.rank(ds, black_box(median), &options).expect("feed"))
            });
        }
        group.finish();

        let mut group = c.benchmark_group(format!("feed/{}/candidates", world.name()));
        for p in [10.0, 25.0, 50.0, 75.0, 90.0, 99.0] {
            let (viewer, candidates) = percentile(&sample, p);
            group.throughput(Throughput::Elements(candidates as u64));
            group.bench_with_input(BenchmarkId::new(format!("p{p}"), candidates), &viewer, |b, &viewer| {
                b.iter(|| engagement.rank(ds, black_box(viewer), &options).expect("feed"))
            });
        }
        group.finish();
    }
}

/// Times one feed per sampled viewer, in a seeded shuffled order, and prints percentiles.
fn cold_feeds(
    world: &str,
    ds: &glassfeed::Dataset,
    pipeline: &Pipeline,
    sample: &[(glassfeed::UserId, usize)],
) {
    let mut viewers: Vec<glassfeed::UserId> = sample.iter().map(|&(v, _)| v).collect();
    // A fixed shuffle (multiplicative hash order), so that neighbours in dense id are apart.
    viewers.sort_by_key(|v| v.0.wrapping_mul(2_654_435_761));
    for (name, mode) in
        [("off", ExplainMode::Off), ("summary", ExplainMode::Summary), ("full", ExplainMode::Full)]
    {
        let options = RankOptions::explained(mode);
        let mut micros: Vec<f64> = viewers
            .iter()
            .map(|&v| {
                let start = Instant::now();
                black_box(pipeline.rank(ds, v, &options).expect("feed"));
                start.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        micros.sort_by(f64::total_cmp);
        eprintln!(
            "feed/{world}: cold feeds, explain {name}, {} viewers: p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, mean {:.1} µs",
            micros.len(),
            percentile(&micros, 50.0),
            percentile(&micros, 90.0),
            percentile(&micros, 99.0),
            micros.iter().sum::<f64>() / micros.len() as f64
        );
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = feed
}
criterion_main!(benches);
