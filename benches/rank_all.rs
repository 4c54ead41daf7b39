//! All viewers' feeds (DESIGN §7: all feeds of `medium`, k = 50, on 2 cores ≥ 5,000
//! feeds/s; 2 threads ≥ 1.8× one thread).
//!
//! `rank_all/<world>/threads/<n>`: the `engagement` preset, k = 50, explanations off,
//! [`Pipeline::rank_all`] inside a rayon pool of `n` threads. Throughput is in feeds per
//! second. On worlds above `GLASSFEED_BENCH_VIEWERS` users (default 10,000) the viewers
//! are that many evenly spaced users (`GLASSFEED_BENCH_VIEWERS=all` ranks everyone).

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use glassfeed::{Pipeline, RankOptions};

fn rank_all(c: &mut Criterion) {
    let pipeline = Pipeline::preset("engagement").expect("preset");
    let options = RankOptions { k: Some(50), ..RankOptions::default() };
    for world in common::worlds() {
        let ds = world.dataset();
        let viewers = common::viewers(ds);
        let _ = ds.author_page_rank(); // computed once per dataset; not what is measured here
        let mut group = c.benchmark_group(format!("rank_all/{}", world.name()));
        common::slow(&mut group, world);
        group.throughput(Throughput::Elements(viewers.len() as u64));
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
            group.bench_function(BenchmarkId::new("threads", threads), |b| {
                b.iter(|| pool.install(|| pipeline.rank_all(ds, &viewers, &options).expect("feeds")))
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = rank_all
}
criterion_main!(benches);
