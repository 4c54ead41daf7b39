//! Phase 3: engagements — exposure along follow edges (plus some out-of-network reach)
//! and the viewers' reactions, drawn from each post's latent appeal.

use super::config::{Resolved, SynthConfig};
use super::graph::{World, ILLEGAL, NSFW, SPAM};
use super::posts::{hides, Kind, Post, Posts};
use super::{chance, index, map_chunks, rng, round_random, unit, Phase, POST_CHUNK};
use crate::EngagementKind;

/// Probabilities of each reaction of one impressed viewer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Rates {
    pub click: f64,
    pub like: f64,
    pub dislike: f64,
    pub repost: f64,
    pub reply: f64,
    pub report: f64,
    pub not_interested: f64,
    pub profile_click: f64,
}

impl Rates {
    /// Reactions to `post` of a viewer of the author's community (`same`) or of another.
    ///
    /// Likes follow the post's appeal (or cross appeal); clicks, reposts, replies and
    /// profile clicks grow with the like probability. Viewers of another community
    /// dislike, dismiss, reply to and report a post more the more *divisive* it is
    /// (`1 − cross/appeal`); labels add reports.
    pub fn of(post: &Post, same: bool) -> Rates {
        let like = if same { post.appeal } else { post.cross };
        let divisive =
            if same || post.appeal <= 0.0 { 0.0 } else { (1.0 - post.cross / post.appeal).clamp(0.0, 1.0) };
        let mut report = 0.0005 + 0.002 * divisive;
        if post.labels & SPAM != 0 {
            report += 0.04;
        }
        if post.labels & ILLEGAL != 0 {
            report += 0.2;
        }
        if post.labels & NSFW != 0 {
            report += 0.01;
        }
        Rates {
            click: 0.02 + 0.25 * like,
            like,
            dislike: 0.005 + 0.10 * divisive,
            repost: 0.12 * like,
            reply: 0.08 * like + 0.02 * divisive,
            report,
            not_interested: 0.005 + 0.04 * divisive,
            profile_click: 0.005 + 0.04 * like,
        }
    }

    /// `g · a + (1 − g) · b`, field by field.
    pub fn mix(a: &Rates, b: &Rates, g: f64) -> Rates {
        let m = |x: f64, y: f64| g * x + (1.0 - g) * y;
        Rates {
            click: m(a.click, b.click),
            like: m(a.like, b.like),
            dislike: m(a.dislike, b.dislike),
            repost: m(a.repost, b.repost),
            reply: m(a.reply, b.reply),
            report: m(a.report, b.report),
            not_interested: m(a.not_interested, b.not_interested),
            profile_click: m(a.profile_click, b.profile_click),
        }
    }

    /// Expected reactions per impression (like and dislike are exclusive).
    pub fn total(&self) -> f64 {
        self.click
            + self.like
            + self.dislike * (1.0 - self.like)
            + self.repost
            + self.reply
            + self.report
            + self.not_interested
            + self.profile_click
    }
}

/// The expected share of a post's impressions that go to the author's own community:
/// in-network impressions follow the author's followers, out-of-network ones the
/// community sizes.
pub(crate) fn audience_in_group(cfg: &SynthConfig, r: &Resolved, world: &World, author: u32) -> f64 {
    let followers = world.followers_of(author).len();
    let share = r.shares[world.community[author as usize] as usize];
    if followers == 0 {
        return share;
    }
    let in_network = f64::from(world.in_group_followers[author as usize]) / followers as f64;
    (1.0 - cfg.out_of_network_share) * in_network + cfg.out_of_network_share * share
}

/// One simulated engagement, by dense ids.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sim {
    pub user: u32,
    pub post: u32,
    pub kind: EngagementKind,
    pub at: i64,
}

/// Post chunks simulated per batch handed to the sink (bounds memory in flight).
const BATCH_CHUNKS: usize = 64;

/// Simulates every post's engagements and hands them to `sink` grouped by post (in id
/// order) and, within a post, by time (ties: the `reply`/`repost` engagements of the
/// posts that reply to or repost it, then each impression followed by the viewer's
/// reactions).
pub(crate) fn simulate(
    cfg: &SynthConfig,
    r: &Resolved,
    world: &World,
    posts: &Posts,
    mut sink: impl FnMut(&[Sim]),
) {
    let posts = &posts.posts;
    let n = world.users();
    if posts.is_empty() || n == 0 {
        return;
    }
    // Impressions are spread in proportion to √(followers + 1) · (0.5 + 5 · like rate),
    // halved for reposts, and scaled so that the expected total (impressions, reactions
    // and the reply/repost engagements of reply and repost posts) meets the target.
    let mut weights = Vec::with_capacity(posts.len());
    let mut expected = 0.0;
    let mut structural = 0usize;
    for p in posts {
        let g = audience_in_group(cfg, r, world, p.author);
        let m = Rates::mix(&Rates::of(p, true), &Rates::of(p, false), g);
        let followers = world.followers_of(p.author).len() as f64;
        let w =
            (followers + 1.0).sqrt() * (0.5 + 5.0 * m.like) * if p.kind == Kind::Repost { 0.5 } else { 1.0 };
        weights.push(w);
        expected += w * (1.0 + m.total());
        structural += usize::from(p.kind != Kind::Original);
    }
    let target = (cfg.engagements_per_post * posts.len() as f64 - structural as f64).max(0.0);
    let scale = if expected > 0.0 { target / expected } else { 0.0 };
    // The posts replying to or reposting each post, in id order.
    let mut link_start = vec![0u32; posts.len() + 1];
    for p in posts.iter().filter(|p| p.kind != Kind::Original) {
        link_start[p.target as usize + 1] += 1;
    }
    for i in 0..posts.len() {
        link_start[i + 1] += link_start[i];
    }
    let mut next = link_start.clone();
    let mut linkers = vec![0u32; link_start[posts.len()] as usize];
    for (i, p) in posts.iter().enumerate().filter(|(_, p)| p.kind != Kind::Original) {
        linkers[next[p.target as usize] as usize] = i as u32;
        next[p.target as usize] += 1;
    }
    let ctx =
        Context { cfg, world, posts, links: Links { start: &link_start, linkers: &linkers }, weights, scale };
    let chunks = posts.len().div_ceil(POST_CHUNK);
    for first in (0..chunks).step_by(BATCH_CHUNKS) {
        let count = (chunks - first).min(BATCH_CHUNKS);
        let batch = map_chunks(count, || vec![u32::MAX; n], |seen, c| simulate_chunk(&ctx, first + c, seen));
        for chunk in batch {
            sink(&chunk);
        }
    }
}

/// The posts replying to or reposting each post (CSR).
struct Links<'a> {
    start: &'a [u32],
    linkers: &'a [u32],
}

/// What every chunk of the simulation reads.
struct Context<'a> {
    cfg: &'a SynthConfig,
    world: &'a World,
    posts: &'a [Post],
    links: Links<'a>,
    /// Impression weight of each post.
    weights: Vec<f64>,
    /// Impressions per unit of weight.
    scale: f64,
}

/// The engagements of post chunk `chunk`. `seen[v] == i` marks viewer `v` as already
/// drawn for post `i` (post indices are unique, so the array never needs clearing).
fn simulate_chunk(ctx: &Context, chunk: usize, seen: &mut [u32]) -> Vec<Sim> {
    let Context { cfg, world, posts, links, weights, scale } = ctx;
    let mut rng = rng(cfg.seed, Phase::Engagements, chunk as u64);
    let n = world.users();
    let mut out = Vec::with_capacity(POST_CHUNK * (cfg.engagements_per_post as usize + 1));
    for i in chunk * POST_CHUNK..((chunk + 1) * POST_CHUNK).min(posts.len()) {
        let p = &posts[i];
        let (post, author) = (i as u32, p.author);
        let first = out.len();
        for &j in &links.linkers[links.start[i] as usize..links.start[i + 1] as usize] {
            let q = &posts[j as usize];
            let kind = if q.kind == Kind::Reply { EngagementKind::Reply } else { EngagementKind::Repost };
            out.push(Sim { user: q.author, post, kind, at: q.created_at });
        }
        let wanted = round_random(&mut rng, scale * weights[i]).min(n as u64 - 1);
        let rates = [Rates::of(p, true), Rates::of(p, false)];
        let followers = world.followers_of(author);
        let community = world.community[author as usize];
        let mask = p.word_mask();
        let remaining = cfg.end - p.created_at;
        let mut shown = 0;
        for _ in 0..2 * wanted + 8 {
            if shown == wanted {
                break;
            }
            let viewer = if !followers.is_empty() && !chance(&mut rng, cfg.out_of_network_share) {
                followers[index(&mut rng, followers.len())]
            } else {
                index(&mut rng, n) as u32
            };
            if viewer == author || seen[viewer as usize] == post {
                continue;
            }
            seen[viewer as usize] = post;
            let v = viewer as usize;
            if world.avoids(viewer, author)
                || hides(world.hidden_labels[v], p.labels)
                || world.muted_words[v] & mask != 0
            {
                continue;
            }
            shown += 1;
            // Attention decays: most impressions come soon after posting.
            let u = unit(&mut rng);
            let seen_at = p.created_at + (remaining as f64 * u * u * u) as i64;
            let r = &rates[usize::from(world.community[v] != community)];
            out.push(Sim { user: viewer, post, kind: EngagementKind::Impression, at: seen_at });
            let mut emit = |rng: &mut rand_chacha::ChaCha8Rng, kind: EngagementKind, p: f64| {
                if chance(rng, p) {
                    let at = (seen_at + index(rng, 600) as i64).min(cfg.end);
                    out.push(Sim { user: viewer, post, kind, at });
                    true
                } else {
                    false
                }
            };
            emit(&mut rng, EngagementKind::Click, r.click);
            if !emit(&mut rng, EngagementKind::Like, r.like) {
                emit(&mut rng, EngagementKind::Dislike, r.dislike);
            }
            emit(&mut rng, EngagementKind::Repost, r.repost);
            emit(&mut rng, EngagementKind::Reply, r.reply);
            emit(&mut rng, EngagementKind::ProfileClick, r.profile_click);
            emit(&mut rng, EngagementKind::NotInterested, r.not_interested);
            emit(&mut rng, EngagementKind::Report, r.report);
        }
        out[first..].sort_by_key(|e| e.at);
    }
    out
}
