//! Fitting the bridging model (DESIGN §6): `bridging/<world>/fit`,
//! [`BridgingModel::fit`] with the default configuration on the world's engagements.
//! Throughput is in engagements per second.
//!
//! [`BridgingModel::fit`]: glassfeed::bridging::BridgingModel::fit

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use glassfeed::bridging::{BridgingConfig, BridgingModel};

fn bridging(c: &mut Criterion) {
    let config = BridgingConfig::default();
    for world in common::worlds() {
        let ds = world.dataset();
        let mut group = c.benchmark_group(format!("bridging/{}", world.name()));
        common::slow(&mut group, world);
        group.throughput(Throughput::Elements(ds.engagement_count() as u64));
        group.bench_function("fit", |b| b.iter(|| BridgingModel::fit(ds, &config).expect("fit")));
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bridging
}
criterion_main!(benches);
