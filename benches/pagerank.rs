//! Page rank of the follow graph: `pagerank/<world>/page_rank`, damping 0.85, users
//! summed in the order of their external ids (as [`Dataset::author_page_rank`] does).
//! Throughput is in follow edges per second (for the whole computation, all iterations).
//!
//! [`Dataset::author_page_rank`]: glassfeed::Dataset::author_page_rank

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use glassfeed::UserId;

fn pagerank(c: &mut Criterion) {
    for world in common::worlds() {
        let ds = world.dataset();
        let mut order: Vec<u32> = (0..ds.user_count() as u32).collect();
        order.sort_by(|&a, &b| ds.user_name(UserId(a)).cmp(ds.user_name(UserId(b))));
        let graph = ds.graph();
        let mut group = c.benchmark_group(format!("pagerank/{}", world.name()));
        common::slow(&mut group, world);
        group.throughput(Throughput::Elements(graph.edge_count(glassfeed::EdgeKind::Follow) as u64));
        group.bench_function("page_rank", |b| b.iter(|| graph.page_rank(0.85, &order)));
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = pagerank
}
criterion_main!(benches);
