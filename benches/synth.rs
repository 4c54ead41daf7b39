//! Generating a synthetic town square: `synth/<world>/generate`, the whole world (users,
//! graph, posts, engagements, features) from its configuration. Throughput is in users per
//! second.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use glassfeed::synth::generate;

fn synth(c: &mut Criterion) {
    for world in common::worlds() {
        let config = world.config();
        let mut group = c.benchmark_group(format!("synth/{}", world.name()));
        common::slow(&mut group, world);
        group.throughput(Throughput::Elements(world.users() as u64));
        group.bench_function("generate", |b| b.iter(|| generate(&config).expect("world")));
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = synth
}
criterion_main!(benches);
