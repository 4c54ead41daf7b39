//! Audit measures on precomputed feeds (`engagement` as treatment, `chronological` as
//! control, k = 50, the viewers of `rank_all`). Throughput is in feeds per second.
//!
//! * `audit/<world>/group_amplification` — by `viewpoint`, logarithmic impressions, 1,000
//!   bootstrap resamples (the defaults).
//! * `audit/<world>/diff_feeds` — Kendall τ-b and RBO (p = 0.9) per viewer.
//! * `audit/<world>/author_exposure_gini` — exposure per author, then its Gini.
//! * `audit/<world>/gini` — the Gini coefficient alone, of the precomputed exposures.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use glassfeed::audit::{
    author_exposure_gini, diff_feeds, exposure_by_author, gini, group_amplification, AmplificationConfig,
    ImpressionModel,
};
use glassfeed::{Pipeline, RankOptions};

fn audit(c: &mut Criterion) {
    let options = RankOptions { k: Some(50), ..RankOptions::default() };
    for world in common::worlds() {
        let ds = world.dataset();
        let viewers = common::viewers(ds);
        let rank = |name: &str| {
            Pipeline::preset(name).expect("preset").rank_all(ds, &viewers, &options).expect("feeds")
        };
        let (treatment, control) = (rank("engagement"), rank("chronological"));
        let config = AmplificationConfig::default();
        let model = ImpressionModel::Logarithmic;
        let exposure = exposure_by_author(ds, &treatment, model);

        let mut group = c.benchmark_group(format!("audit/{}", world.name()));
        group.throughput(Throughput::Elements(treatment.len() as u64));
        group.bench_function("group_amplification", |b| {
            b.iter(|| group_amplification(ds, &treatment, &control, &config).expect("amplification"))
        });
        group.bench_function("diff_feeds", |b| {
            b.iter(|| diff_feeds(ds, &treatment, &control, 0.9).expect("diff"))
        });
        group.bench_function("author_exposure_gini", |b| {
            b.iter(|| author_exposure_gini(ds, &treatment, model))
        });
        group.bench_function("gini", |b| b.iter(|| gini(&exposure)));
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = audit
}
criterion_main!(benches);
