//! Reading a dataset from JSON Lines: `ingest/<world>/from_jsonl_dir` reads a copy of the
//! world written under `target/bench-worlds/` (written once, on first use). Throughput is
//! in bytes of JSON Lines per second.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use glassfeed::Dataset;

fn ingest(c: &mut Criterion) {
    for world in common::worlds() {
        let dir = common::jsonl_dir(world);
        let mut group = c.benchmark_group(format!("ingest/{}", world.name()));
        common::slow(&mut group, world);
        group.throughput(Throughput::Bytes(common::dir_bytes(&dir)));
        group.bench_function("from_jsonl_dir", |b| {
            b.iter(|| Dataset::from_jsonl_dir(&dir).expect("read world"))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = ingest
}
criterion_main!(benches);
