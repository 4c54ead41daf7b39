//! Phase 1: users in communities, the follow graph (preferential attachment with
//! homophily), mutes, blocks, muted words and hidden labels.

use super::config::{Resolved, SynthConfig};
use super::vocab::{mutable_index, word, MUTABLE};
use super::{chance, index, lomax, rng, round_random, unit, Phase};
use crate::UserRecord;
use std::collections::BTreeMap;

/// Label bits of posts and of users' hidden labels.
pub(crate) const NSFW: u8 = 1;
/// The `spam` label bit.
pub(crate) const SPAM: u8 = 2;
/// The `illegal` label bit.
pub(crate) const ILLEGAL: u8 = 4;
/// Label names by bit position.
pub(crate) const LABEL_NAMES: [&str; 3] = ["nsfw", "spam", "illegal"];

/// Everything about users that the later phases need.
pub(crate) struct World {
    /// Community of each user.
    pub community: Vec<u8>,
    /// Members of each community, ascending.
    pub members: Vec<Vec<u32>>,
    /// Follow edges `(src, dst)`, grouped by `src` ascending.
    pub follows: Vec<(u32, u32)>,
    /// `follows[followee_start[u]..followee_start[u + 1]]` are `u`'s follows.
    pub followee_start: Vec<u32>,
    /// Followers of each user, CSR: `followers[follower_start[u]..follower_start[u + 1]]`.
    pub followers: Vec<u32>,
    /// CSR offsets of `followers`.
    pub follower_start: Vec<u32>,
    /// Number of followers of each user in the user's own community.
    pub in_group_followers: Vec<u32>,
    /// Mute edges `(src, dst)`.
    pub mutes: Vec<(u32, u32)>,
    /// Block edges `(src, dst)`.
    pub blocks: Vec<(u32, u32)>,
    /// Sorted `(viewer, author)` pairs where the viewer never sees the author's posts
    /// (the viewer mutes or blocks the author, or the author blocks the viewer).
    pub avoid: Vec<(u32, u32)>,
    /// Per user: does `avoid` hold any pair with this viewer?
    pub avoids_any: Vec<bool>,
    /// Per user: mask of muted vocabulary words.
    pub muted_words: Vec<u64>,
    /// Per user: mask of hidden labels.
    pub hidden_labels: Vec<u8>,
}

impl World {
    /// Number of users.
    pub fn users(&self) -> usize {
        self.community.len()
    }

    /// Number of accounts `user` follows.
    pub fn followee_count(&self, user: u32) -> usize {
        let u = user as usize;
        (self.followee_start[u + 1] - self.followee_start[u]) as usize
    }

    /// The `i`-th account `user` follows.
    pub fn followee(&self, user: u32, i: usize) -> u32 {
        self.follows[self.followee_start[user as usize] as usize + i].1
    }

    /// The followers of `user`.
    pub fn followers_of(&self, user: u32) -> &[u32] {
        let u = user as usize;
        &self.followers[self.follower_start[u] as usize..self.follower_start[u + 1] as usize]
    }

    /// True when `viewer` never sees posts by `author` because of a mute or block.
    #[inline]
    pub fn avoids(&self, viewer: u32, author: u32) -> bool {
        self.avoids_any[viewer as usize] && self.avoid.binary_search(&(viewer, author)).is_ok()
    }

    /// The user records, in id order.
    pub fn user_records<'a>(&'a self, r: &'a Resolved) -> impl Iterator<Item = UserRecord> + 'a {
        (0..self.users()).map(move |u| {
            let mut attrs = BTreeMap::new();
            attrs.insert("viewpoint".to_string(), r.names[self.community[u] as usize].clone());
            let mask = self.muted_words[u];
            let muted_words = (0..64).filter(|b| mask & (1 << b) != 0).map(|b| word(b).to_string()).collect();
            let hidden = self.hidden_labels[u];
            let hidden_labels =
                (0..3).filter(|b| hidden & (1 << b) != 0).map(|b| LABEL_NAMES[b].to_string()).collect();
            UserRecord { id: format!("u{u}"), attrs, muted_words, hidden_labels }
        })
    }
}

/// Splits `users` into communities by largest remainder, then shuffles the assignment.
fn communities(cfg: &SynthConfig, r: &Resolved) -> Vec<u8> {
    let n = cfg.users;
    let exact: Vec<f64> = r.shares.iter().map(|s| s * n as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b))
    });
    let missing = n - counts.iter().sum::<usize>();
    for &c in order.iter().cycle().take(missing) {
        counts[c] += 1;
    }
    let mut community: Vec<u8> = Vec::with_capacity(n);
    for (c, &k) in counts.iter().enumerate() {
        community.resize(community.len() + k, c as u8);
    }
    let mut rng = rng(cfg.seed, Phase::Communities, 0);
    for i in (1..n).rev() {
        let j = index(&mut rng, i + 1);
        community.swap(i, j);
    }
    community
}

/// Builds users, the follow graph and the mute/block/word/label preferences.
pub(crate) fn build(cfg: &SynthConfig, r: &Resolved) -> World {
    let n = cfg.users;
    let community = communities(cfg, r);
    let k = r.shares.len();
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); k];
    for (u, &c) in community.iter().enumerate() {
        members[c as usize].push(u as u32);
    }
    let (follows, followee_start) = follows(cfg, &community, &members);
    let mut follower_start = vec![0u32; n + 1];
    for &(_, d) in &follows {
        follower_start[d as usize + 1] += 1;
    }
    for u in 0..n {
        follower_start[u + 1] += follower_start[u];
    }
    let mut next = follower_start.clone();
    let mut followers = vec![0u32; follows.len()];
    let mut in_group_followers = vec![0u32; n];
    for &(s, d) in &follows {
        followers[next[d as usize] as usize] = s;
        next[d as usize] += 1;
        if community[s as usize] == community[d as usize] {
            in_group_followers[d as usize] += 1;
        }
    }
    let mut world = World {
        community,
        members,
        follows,
        followee_start,
        followers,
        follower_start,
        in_group_followers,
        mutes: Vec::new(),
        blocks: Vec::new(),
        avoid: Vec::new(),
        avoids_any: vec![false; n],
        muted_words: vec![0; n],
        hidden_labels: vec![0; n],
    };
    relations(cfg, &mut world);
    world
}

/// Follows each user makes per turn of the round robin.
const FOLLOWS_PER_TURN: usize = 4;
/// An empty slot of a follow table.
const EMPTY: u32 = u32::MAX;

/// Inserts `t` into an open-addressing table (a power-of-two slice at most 3/4 full);
/// false when it is already there.
fn insert(slots: &mut [u32], t: u32) -> bool {
    let mask = slots.len() - 1;
    let mut i = ((u64::from(t).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize) & mask;
    loop {
        if slots[i] == EMPTY {
            slots[i] = t;
            return true;
        }
        if slots[i] == t {
            return false;
        }
        i = (i + 1) & mask;
    }
}

/// The follow edges (grouped by follower, ascending) and their CSR offsets.
///
/// Users take turns (largest out-degree first, a few follows per turn) so that the
/// earliest follows — the ones preferential attachment amplifies most — are spread over
/// many followers, as in Price's model where each new follow sees all earlier ones.
fn follows(cfg: &SynthConfig, community: &[u8], members: &[Vec<u32>]) -> (Vec<(u32, u32)>, Vec<u32>) {
    let n = community.len();
    let mut rng = rng(cfg.seed, Phase::Follows, 0);
    let cap = (n.saturating_sub(1) as f64).min(20.0 * cfg.mean_follows.max(1.0));
    let mean = cfg.mean_follows.min(n.saturating_sub(1) as f64);
    let degrees: Vec<usize> = (0..n)
        .map(|_| {
            let spread = lomax(&mut rng);
            round_random(&mut rng, (mean * (0.3 + 0.7 * spread)).min(cap)) as usize
        })
        .collect();
    // Each user's follows live in an open-addressing table (deduplication in O(1)).
    let mut table_start = Vec::with_capacity(n + 1);
    let mut total = 0;
    for &d in &degrees {
        table_start.push(total);
        if d > 0 {
            total += (d * 4 / 3 + 1).next_power_of_two();
        }
    }
    table_start.push(total);
    let mut table = vec![EMPTY; total];
    // Out-group targets: other non-empty communities in proportion to size.
    let sizes: Vec<f64> = members.iter().map(|m| m.len() as f64).collect();
    let others: Vec<f64> = (0..sizes.len())
        .map(|c| sizes.iter().enumerate().filter(|&(o, _)| o != c).map(|(_, s)| s).sum())
        .collect();
    let mut urns: Vec<Vec<u32>> = vec![Vec::new(); members.len()];
    let mut order: Vec<u32> = (0..n as u32).filter(|&u| degrees[u as usize] > 0).collect();
    order.sort_by_key(|&u| (std::cmp::Reverse(degrees[u as usize]), u));
    let mut active = order.len();
    let mut made = 0;
    while active > 0 {
        for &u in &order[..active] {
            let ui = u as usize;
            let c = community[ui] as usize;
            let slots = &mut table[table_start[ui]..table_start[ui + 1]];
            for _ in made..degrees[ui].min(made + FOLLOWS_PER_TURN) {
                let target_community = if others[c] == 0.0 || chance(&mut rng, cfg.homophily) {
                    c
                } else {
                    let mut x = unit(&mut rng) * others[c];
                    let mut pick = c;
                    for (o, &s) in sizes.iter().enumerate() {
                        if o == c || s == 0.0 {
                            continue;
                        }
                        pick = o;
                        if x < s {
                            break;
                        }
                        x -= s;
                    }
                    pick
                };
                let pool = &members[target_community];
                for _attempt in 0..8 {
                    let urn = &urns[target_community];
                    let t = if !urn.is_empty() && chance(&mut rng, cfg.attachment) {
                        urn[index(&mut rng, urn.len())]
                    } else {
                        pool[index(&mut rng, pool.len())]
                    };
                    if t != u && insert(slots, t) {
                        urns[target_community].push(t);
                        break;
                    }
                }
            }
        }
        made += FOLLOWS_PER_TURN;
        while active > 0 && degrees[order[active - 1] as usize] <= made {
            active -= 1;
        }
    }
    drop(urns);
    let mut edges: Vec<(u32, u32)> = Vec::with_capacity(table.iter().filter(|&&t| t != EMPTY).count());
    let mut start = Vec::with_capacity(n + 1);
    start.push(0u32);
    for u in 0..n {
        let slots = &table[table_start[u]..table_start[u + 1]];
        edges.extend(slots.iter().filter(|&&t| t != EMPTY).map(|&t| (u as u32, t)));
        start.push(u32::try_from(edges.len()).expect("more than 4G follow edges"));
    }
    (edges, start)
}

/// Mutes, blocks, muted words and hidden labels of a small share of users.
fn relations(cfg: &SynthConfig, w: &mut World) {
    let n = w.users();
    if n < 2 {
        return;
    }
    let mut rng = rng(cfg.seed, Phase::Relations, 0);
    let pick_other = |rng: &mut rand_chacha::ChaCha8Rng, w: &World, u: usize, prefer_followee: bool| -> u32 {
        let c = w.community[u] as usize;
        if prefer_followee && w.followee_count(u as u32) > 0 && chance(rng, 0.5) {
            return w.followee(u as u32, index(rng, w.followee_count(u as u32)));
        }
        let other: Vec<usize> =
            (0..w.members.len()).filter(|&o| o != c && !w.members[o].is_empty()).collect();
        if !other.is_empty() && chance(rng, 0.75) {
            let pool = &w.members[other[index(rng, other.len())]];
            return pool[index(rng, pool.len())];
        }
        let t = index(rng, n - 1);
        (if t >= u { t + 1 } else { t }) as u32
    };
    let mut avoid = Vec::new();
    for u in 0..n {
        for (share, is_mute) in [(cfg.mute_share, true), (cfg.block_share, false)] {
            if !chance(&mut rng, share) {
                continue;
            }
            let count = 1 + index(&mut rng, 3);
            let mut chosen: Vec<u32> = Vec::with_capacity(count);
            for _ in 0..count {
                let t = pick_other(&mut rng, &*w, u, is_mute);
                if !chosen.contains(&t) {
                    chosen.push(t);
                }
            }
            for t in chosen {
                avoid.push((u as u32, t));
                if is_mute {
                    w.mutes.push((u as u32, t));
                } else {
                    w.blocks.push((u as u32, t));
                    avoid.push((t, u as u32));
                }
            }
        }
        if chance(&mut rng, cfg.muted_words_share) {
            for _ in 0..1 + index(&mut rng, 3) {
                w.muted_words[u] |= 1 << mutable_index(index(&mut rng, MUTABLE.len()));
            }
        }
        if chance(&mut rng, cfg.hidden_labels_share) {
            w.hidden_labels[u] = if chance(&mut rng, 0.2) { NSFW | SPAM } else { NSFW };
        }
    }
    avoid.sort_unstable();
    avoid.dedup();
    for &(v, _) in &avoid {
        w.avoids_any[v as usize] = true;
    }
    w.avoid = avoid;
}
