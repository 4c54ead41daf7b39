//! Phase 2: posts — heavy-tailed activity, latent appeal, topics, texts, labels, replies
//! and reposts — and their records with prediction features.

use super::config::{Resolved, SynthConfig};
use super::engagements::{audience_in_group, Rates};
use super::graph::{World, LABEL_NAMES, NSFW, SPAM};
use super::vocab::{self, Text, TOPICS};
use super::{
    chance, index, lomax, map_chunks, normalish, rng, round_random, unit, Phase, POST_CHUNK, USER_CHUNK,
};
use crate::{PostRecord, Result};
use rand::Rng;
use std::fmt::Write;

/// What a post is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// A post of its own.
    Original,
    /// A reply to `target`.
    Reply,
    /// A repost of `target` (empty text, the original's latent values and labels).
    Repost,
}

/// Marks "no target".
pub(crate) const NONE: u32 = u32::MAX;

/// One post and its latent truth.
#[derive(Clone)]
pub(crate) struct Post {
    pub created_at: i64,
    pub author: u32,
    /// Position among the author's posts as drafted (makes the sort key unique).
    seq: u32,
    pub kind: Kind,
    /// Replied-to or reposted post, or [`NONE`].
    pub target: u32,
    /// Probability that a viewer of the author's community likes the post.
    pub appeal: f64,
    /// Probability that a viewer of another community likes the post.
    pub cross: f64,
    pub bridging: bool,
    /// Label bits (`NSFW`, `SPAM`, `ILLEGAL`).
    pub labels: u8,
    /// Topic indices; `u8::MAX` for none.
    pub topics: [u8; 2],
    pub text: Text,
}

impl Post {
    /// Mask of the words of the post's own text (empty for reposts).
    pub fn word_mask(&self) -> u64 {
        if self.kind == Kind::Repost {
            0
        } else {
            self.text.mask
        }
    }
}

/// All posts in time order (index = dense id, external id `p{index}`), plus per-user
/// latent values the features need.
pub(crate) struct Posts {
    pub posts: Vec<Post>,
    /// Per user: how likely the author engages with replies to their posts.
    pub responsiveness: Vec<f64>,
}

/// Drafts each user's posts (in user chunks), sorts them by time and links replies and
/// reposts to earlier posts.
pub(crate) fn build(cfg: &SynthConfig, r: &Resolved, world: &World) -> Posts {
    let n = world.users();
    let chunks = n.div_ceil(USER_CHUNK);
    let drafted = map_chunks(chunks, || (), |_, chunk| draft_chunk(cfg, r, world, chunk));
    let mut posts = Vec::with_capacity(drafted.iter().map(|(p, _)| p.len()).sum());
    let mut responsiveness = Vec::with_capacity(n);
    for (p, resp) in drafted {
        posts.extend(p);
        responsiveness.extend(resp);
    }
    posts.sort_unstable_by_key(|p| (p.created_at, p.author, p.seq));
    // Each author's posts in time order.
    let mut start = vec![0u32; n + 1];
    for p in &posts {
        start[p.author as usize + 1] += 1;
    }
    for u in 0..n {
        start[u + 1] += start[u];
    }
    let mut next = start.clone();
    let mut by_author = vec![0u32; posts.len()];
    for (i, p) in posts.iter().enumerate() {
        by_author[next[p.author as usize] as usize] = i as u32;
        next[p.author as usize] += 1;
    }
    let links = map_chunks(
        posts.len().div_ceil(POST_CHUNK),
        || (),
        |_, chunk| {
            let mut rng = rng(cfg.seed, Phase::Links, chunk as u64);
            let range = chunk * POST_CHUNK..((chunk + 1) * POST_CHUNK).min(posts.len());
            range.map(|i| link(&mut rng, world, &posts, &start, &by_author, i)).collect::<Vec<u32>>()
        },
    );
    for (i, target) in links.into_iter().flatten().enumerate() {
        // Targets are never drafted as reposts, so no target changes in this loop.
        if target == NONE {
            posts[i].kind = Kind::Original;
            continue;
        }
        posts[i].target = target;
        if posts[i].kind == Kind::Repost {
            let t = posts[target as usize].clone();
            let p = &mut posts[i];
            (p.appeal, p.cross, p.bridging, p.labels, p.topics) =
                (t.appeal, t.cross, t.bridging, t.labels, t.topics);
        }
    }
    Posts { posts, responsiveness }
}

/// Drafts the posts of one chunk of users, and their responsiveness.
fn draft_chunk(cfg: &SynthConfig, r: &Resolved, world: &World, chunk: usize) -> (Vec<Post>, Vec<f64>) {
    let mut rng = rng(cfg.seed, Phase::Posts, chunk as u64);
    let users = chunk * USER_CHUNK..((chunk + 1) * USER_CHUNK).min(world.users());
    let cap = f64::from(cfg.window_hours) * 60.0; // at most one post a minute
    let mut posts = Vec::new();
    let mut resp = Vec::with_capacity(users.len());
    for u in users {
        let quality = 0.5 + unit(&mut rng);
        resp.push(0.5 * unit(&mut rng));
        let activity = lomax(&mut rng);
        let count = round_random(&mut rng, (cfg.posts_per_user * activity).min(cap));
        let c = world.community[u] as usize;
        for seq in 0..count as u32 {
            let created_at = cfg.end - rng.random_range(0..=r.window as u64) as i64;
            let x = unit(&mut rng);
            let kind = if x < cfg.reply_share {
                Kind::Reply
            } else if x < cfg.reply_share + cfg.repost_share {
                Kind::Repost
            } else {
                Kind::Original
            };
            let mut labels = 0u8;
            for (bit, share) in [cfg.nsfw_share, cfg.spam_share, cfg.illegal_share].into_iter().enumerate() {
                if chance(&mut rng, share) {
                    labels |= 1 << bit;
                }
            }
            let a = unit(&mut rng);
            let mut appeal = (0.01 + 0.35 * a * a) * quality;
            if kind == Kind::Reply {
                appeal *= 0.6;
            }
            if labels & SPAM != 0 {
                appeal *= 0.2;
            }
            let appeal = appeal.min(0.9);
            let bridging = chance(&mut rng, cfg.bridging_share);
            let ratio = if bridging { 0.9 + 0.3 * unit(&mut rng) } else { 0.05 + 0.25 * unit(&mut rng) };
            let cross = (appeal * ratio).min(0.9);
            // Half the posts are on one of the community's four favourite topics.
            let topic = if chance(&mut rng, 0.5) {
                (c * 4 + index(&mut rng, 4)) % TOPICS.len()
            } else {
                index(&mut rng, TOPICS.len())
            };
            let second = if chance(&mut rng, 0.2) {
                let t = (topic + 1 + index(&mut rng, TOPICS.len() - 1)) % TOPICS.len();
                t as u8
            } else {
                u8::MAX
            };
            let text = vocab::text(&mut rng, topic, labels & SPAM != 0);
            posts.push(Post {
                created_at,
                author: u as u32,
                seq,
                kind,
                target: NONE,
                appeal,
                cross,
                bridging,
                labels,
                topics: [topic as u8, second],
                text,
            });
        }
    }
    (posts, resp)
}

/// The post that post `i` replies to or reposts: a recent earlier post by an account its
/// author follows, else a recent earlier post of anyone else; never a repost, nor a post
/// its author would not be shown (muted or blocked author, hidden label, muted word).
/// [`NONE`] for originals and when nothing fits.
fn link(
    rng: &mut impl Rng,
    world: &World,
    posts: &[Post],
    start: &[u32],
    by_author: &[u32],
    i: usize,
) -> u32 {
    let p = &posts[i];
    if p.kind == Kind::Original {
        return NONE;
    }
    let a = p.author as usize;
    let fits = |q: usize| {
        let target = &posts[q];
        target.kind != Kind::Repost
            && target.author != p.author
            && !world.avoids(p.author, target.author)
            && !hides(world.hidden_labels[a], target.labels)
            && world.muted_words[a] & target.word_mask() == 0
    };
    let followees = world.followee_count(p.author);
    if followees > 0 {
        for _ in 0..4 {
            let f = world.followee(p.author, index(rng, followees)) as usize;
            let theirs = &by_author[start[f] as usize..start[f + 1] as usize];
            let earlier = theirs.partition_point(|&q| (q as usize) < i);
            if earlier == 0 {
                continue;
            }
            let q = theirs[earlier - 1 - index(rng, earlier.min(16))];
            if fits(q as usize) {
                return q;
            }
        }
    }
    for _ in 0..4 {
        if i == 0 {
            break;
        }
        let q = i - 1 - index(rng, i.min(2000));
        if fits(q) {
            return q as u32;
        }
    }
    NONE
}

/// Post chunks whose features are computed per batch (in parallel).
const RECORD_BATCH_CHUNKS: usize = 64;

/// Names of the prediction features, in the order [`predictions`] returns them.
const PREDICTIONS: [&str; 8] = [
    "p_fav",
    "p_reply",
    "p_retweet",
    "p_report",
    "p_negative_feedback_v2",
    "p_good_click",
    "p_good_profile_click",
    "p_reply_engaged_by_author",
];

/// Noisy estimates of post `p`'s simulated probabilities (see [`PREDICTIONS`]) for a
/// viewer drawn from its expected audience.
fn predictions(
    cfg: &SynthConfig,
    r: &Resolved,
    world: &World,
    posts: &Posts,
    p: &Post,
    rng: &mut impl Rng,
) -> [f64; 8] {
    let g = audience_in_group(cfg, r, world, p.author);
    let m = Rates::mix(&Rates::of(p, true), &Rates::of(p, false), g);
    let truth = [
        m.like,
        m.reply,
        m.repost,
        m.report,
        (m.dislike + m.not_interested).min(1.0),
        0.6 * m.click,
        m.profile_click,
        m.reply * posts.responsiveness[p.author as usize],
    ];
    truth.map(|value| (value * (1.0 + cfg.feature_noise * normalish(rng))).clamp(0.0, 1.0))
}

/// Sets `slot` to `Some("p{target}")` (reusing its buffer or `spare`'s) or `None`.
fn set_ref(slot: &mut Option<String>, spare: &mut Vec<String>, target: Option<u32>) {
    match target {
        Some(t) => {
            let mut s = slot.take().or_else(|| spare.pop()).unwrap_or_default();
            s.clear();
            let _ = write!(s, "p{t}");
            *slot = Some(s);
        }
        None => spare.extend(slot.take()),
    }
}

/// Hands every post record (with prediction features) to `sink`, in id order.
///
/// One record is reused for all posts, so no string or map is allocated per post; the
/// features of each batch of chunks are computed in parallel first.
pub(crate) fn records(
    cfg: &SynthConfig,
    r: &Resolved,
    world: &World,
    posts: &Posts,
    mut sink: impl FnMut(&PostRecord) -> Result<()>,
) -> Result<()> {
    let all = &posts.posts;
    let mut rec = PostRecord::default();
    for name in PREDICTIONS {
        rec.features.insert(name.to_string(), 0.0);
    }
    if cfg.latent_features {
        for name in ["latent_appeal", "latent_cross_appeal", "latent_bridging"] {
            rec.features.insert(name.to_string(), 0.0);
        }
    }
    let mut spare = Vec::new();
    let chunks = all.len().div_ceil(POST_CHUNK);
    for first in (0..chunks).step_by(RECORD_BATCH_CHUNKS) {
        let count = (chunks - first).min(RECORD_BATCH_CHUNKS);
        let features = map_chunks(
            count,
            || (),
            |_, c| {
                let chunk = first + c;
                let mut rng = rng(cfg.seed, Phase::Features, chunk as u64);
                let range = chunk * POST_CHUNK..((chunk + 1) * POST_CHUNK).min(all.len());
                range.map(|i| predictions(cfg, r, world, posts, &all[i], &mut rng)).collect::<Vec<_>>()
            },
        );
        let start = first * POST_CHUNK;
        for (i, predicted) in (start..).zip(features.into_iter().flatten()) {
            let p = &all[i];
            rec.id.clear();
            let _ = write!(rec.id, "p{i}");
            rec.author.clear();
            let _ = write!(rec.author, "u{}", p.author);
            rec.created_at = p.created_at;
            match p.kind {
                Kind::Repost => spare.extend(rec.text.take()),
                _ => {
                    let mut s = rec.text.take().or_else(|| spare.pop()).unwrap_or_default();
                    s.clear();
                    p.text.write(&mut s);
                    rec.text = Some(s);
                }
            }
            set_ref(&mut rec.reply_to, &mut spare, (p.kind == Kind::Reply).then_some(p.target));
            set_ref(&mut rec.repost_of, &mut spare, (p.kind == Kind::Repost).then_some(p.target));
            rec.labels.clear();
            rec.labels
                .extend((0..3).filter(|b| p.labels & (1 << b) != 0).map(|b| LABEL_NAMES[b].to_string()));
            let topics: Vec<&str> =
                p.topics.iter().filter(|&&t| t != u8::MAX).map(|&t| TOPICS[t as usize]).collect();
            rec.topics.truncate(topics.len());
            for (j, t) in topics.iter().enumerate() {
                match rec.topics.get_mut(j) {
                    Some(s) => {
                        s.clear();
                        s.push_str(t);
                    }
                    None => rec.topics.push(t.to_string()),
                }
            }
            // Features are single precision, as a model's float32 outputs are (so a
            // dataset stores them in 4 bytes each).
            for (name, value) in PREDICTIONS.iter().zip(predicted) {
                *rec.features.get_mut(*name).expect("inserted above") = single(value);
            }
            if cfg.latent_features {
                let latent = [
                    ("latent_appeal", p.appeal),
                    ("latent_cross_appeal", p.cross),
                    ("latent_bridging", if p.bridging { 1.0 } else { 0.0 }),
                ];
                for (name, value) in latent {
                    *rec.features.get_mut(name).expect("inserted above") = single(value);
                }
            }
            sink(&rec)?;
        }
    }
    Ok(())
}

/// `x` rounded to the nearest single-precision value.
#[inline]
fn single(x: f64) -> f64 {
    f64::from(x as f32)
}

/// Label bits a viewer who hides `hidden` must not be shown.
#[inline]
pub(crate) fn hides(hidden: u8, labels: u8) -> bool {
    hidden & labels & (NSFW | SPAM) != 0
}
