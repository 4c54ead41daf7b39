//! The synthetic town square: a seeded, reproducible world of users in viewpoint
//! communities, a follow graph, posts and engagements (DESIGN §5, §7).
//!
//! [`generate`] builds a [`Dataset`] from a [`SynthConfig`] in four phases, each drawing
//! from its own ChaCha8 stream so that changing one phase never shifts the others:
//!
//! 1. **Users and graph** — users `u0` … are split into communities by exact shares
//!    (`attrs.viewpoint` = community name). Each user follows a heavy-tailed number of
//!    accounts; a follow stays in the user's community with probability `homophily`, and
//!    within the chosen community its target is found by preferential attachment (Price's
//!    trick: with probability `attachment` copy the target of an earlier follow into that
//!    community, otherwise pick a member uniformly), giving a power-law in-degree. A few
//!    users mute or block accounts, mute words or hide labels.
//! 2. **Posts** — heavy-tailed activity per user, creation times uniform over the window,
//!    ids `p0` … in time order. Each post has a latent in-group appeal and cross-community
//!    appeal (high for bridging posts), a topic, a short text from a small vocabulary (so
//!    muted words match), a few labels; replies and reposts point to earlier posts, mostly
//!    by accounts the author follows.
//! 3. **Engagements** — each post is shown to a sample of its author's followers plus some
//!    out-of-network users (never to users who muted or blocked the author or hide its
//!    labels or words). An impressed viewer of the author's community likes it with the
//!    post's appeal, others with its cross appeal; clicks, replies, reposts, dislikes,
//!    reports, not-interested and profile clicks follow from the same latent values.
//!    Every reply and repost post also counts as a `reply` / `repost` engagement.
//! 4. **Features** — the prediction features of X's heavy ranker (`p_fav`, `p_reply`,
//!    `p_retweet`, `p_report`, `p_negative_feedback_v2`, `p_good_click`,
//!    `p_good_profile_click`, `p_reply_engaged_by_author`) are noisy estimates of each
//!    post's simulated probabilities; the latent truth is stored as `latent_*` features.
//!    Every feature value is rounded to single precision, as the float32 outputs of a
//!    real prediction model are, so a dataset stores each in 4 bytes.
//!
//! The output is identical for a given configuration on every machine and thread count:
//! work is split into fixed-size chunks, each with its own seeded stream, and results
//! are concatenated in chunk order. Only `+ − × ÷` and `sqrt` (correctly rounded by
//! IEEE 754) touch random floats, so no platform `ln`/`exp` can change a value.
//!
//! ```
//! use glassfeed::synth::{generate, world_stats, SynthConfig};
//! let ds = generate(&SynthConfig::with_users(300))?;
//! assert_eq!(ds.user_count(), 300);
//! assert!(ds.user_attr(ds.user_id("u0").unwrap(), "viewpoint").is_some());
//! let stats = world_stats(&ds);
//! assert!(stats.within_community_share > 0.7);
//! # Ok::<(), glassfeed::Error>(())
//! ```

mod config;
mod engagements;
mod graph;
mod posts;
mod stats;
mod vocab;

pub use config::SynthConfig;
pub use stats::{world_stats, CommunityStats, WorldStats};

use crate::{Dataset, DatasetBuilder, EdgeKind, PostId, Result, UserId};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Generates the synthetic town square described by `config` (see the [module
/// docs](self)). Errors only on an invalid configuration.
pub fn generate(config: &SynthConfig) -> Result<Dataset> {
    let resolved = config.resolve()?;
    let mut world = graph::build(config, &resolved);
    let posts = posts::build(config, &resolved, &world);
    let mut builder = DatasetBuilder::new();
    for record in world.user_records(&resolved) {
        builder.add_user(&record)?;
    }
    // Later phases read followers, never the follow list itself: hand it over.
    let follows = std::mem::take(&mut world.follows);
    for (kind, edges) in
        [(EdgeKind::Follow, &follows), (EdgeKind::Mute, &world.mutes), (EdgeKind::Block, &world.blocks)]
    {
        for &(src, dst) in edges {
            builder.add_edge_by_id(UserId(src), UserId(dst), kind);
        }
    }
    drop(follows);
    posts::records(config, &resolved, &world, &posts, |record| builder.add_post(record).map(drop))?;
    engagements::simulate(config, &resolved, &world, &posts, |batch| {
        for e in batch {
            builder.add_engagement_by_id(UserId(e.user), PostId(e.post), e.kind, e.at, None);
        }
    });
    drop((world, posts));
    builder.build()
}

/// Independent random streams, one per phase.
#[derive(Clone, Copy)]
#[repr(u64)]
pub(crate) enum Phase {
    Communities = 1,
    Follows = 2,
    Relations = 3,
    Posts = 4,
    Links = 5,
    Features = 6,
    Engagements = 7,
}

/// The random stream of `phase`, chunk `chunk` (a ChaCha8 stream id), for `seed`.
pub(crate) fn rng(seed: u64, phase: Phase, chunk: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (phase as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.set_stream(chunk);
    rng
}

/// Fixed chunk sizes: independent of the thread count, so output is too.
pub(crate) const USER_CHUNK: usize = 1024;
/// Posts per chunk.
pub(crate) const POST_CHUNK: usize = 2048;

/// Runs `f(state, chunk)` for chunks `0..n` (in parallel with the `parallel` feature) and
/// returns the results in chunk order. `init` makes per-worker scratch state, which must
/// not influence results.
pub(crate) fn map_chunks<S, T, I, F>(n: usize, init: I, f: F) -> Vec<T>
where
    T: Send,
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, usize) -> T + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map_init(init, |s, i| f(s, i)).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut state = init();
        (0..n).map(|i| f(&mut state, i)).collect()
    }
}

/// A uniform draw in `[0, 1)`.
#[inline]
pub(crate) fn unit(rng: &mut impl Rng) -> f64 {
    rng.random::<f64>()
}

/// True with probability `p`.
#[inline]
pub(crate) fn chance(rng: &mut impl Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A uniform index in `0..n` (`n > 0`).
#[inline]
pub(crate) fn index(rng: &mut impl Rng, n: usize) -> usize {
    debug_assert!(n > 0 && n <= u32::MAX as usize);
    rng.random_range(0..n as u32) as usize
}

/// Lomax (Pareto II) draw with tail index 2 and mean 1: `1/√u − 1`.
#[inline]
pub(crate) fn lomax(rng: &mut impl Rng) -> f64 {
    let u = 1.0 - rng.random::<f64>(); // (0, 1]
    1.0 / u.sqrt() - 1.0
}

/// Rounds `x ≥ 0` up or down at random so that the mean is `x`.
#[inline]
pub(crate) fn round_random(rng: &mut impl Rng, x: f64) -> u64 {
    let floor = x.floor();
    floor as u64 + u64::from(chance(rng, x - floor))
}

/// Roughly standard normal (Irwin–Hall sum of four uniforms, rescaled): arithmetic only.
#[inline]
pub(crate) fn normalish(rng: &mut impl Rng) -> f64 {
    let s: f64 = (0..4).map(|_| rng.random::<f64>()).sum();
    (s - 2.0) * 1.732_050_807_568_877_2
}
