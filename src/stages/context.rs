//! What a stage sees of one viewer: the dataset, the viewer, `now`, and per-viewer state
//! the engine computed once for the feed (only the parts the pipeline reads).

use crate::model::{Dataset, EngagementKind, PostId, Ragged, UserId};
use crate::pipeline::Limits;
use crate::stages::budget::{fair_quota, newest, FeedBudget, WorkRead};
use std::sync::atomic::Ordering;

/// A candidate as a source proposed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sourced {
    /// The post.
    pub post: PostId,
    /// Index of the source stage in the pipeline (set by the engine).
    pub source: u16,
    /// Stage-specific number, e.g. how many followees engaged (social proof).
    pub proof: u32,
}

/// Half-life of the viewer's engagement history in `author_affinity` (hours).
pub const AFFINITY_HALF_LIFE_HOURS: f64 = 168.0;

/// Per-viewer state shared by the stages of one feed. Parts a pipeline does not read are
/// left empty. Buffers are reused from feed to feed, so a thread allocates them once.
#[derive(Debug, Default, Clone)]
pub struct ViewerState {
    /// `(post, distinct followees who liked/reposted/replied/quoted it in the window)`,
    /// sorted by post.
    proof: Vec<(u32, u32)>,
    /// For each entry of `proof`, the first three of those followees by dense id
    /// (`u32::MAX` pads).
    proof_accounts: Vec<[u32; 3]>,
    /// The social-proof window in hours, once counted.
    proof_hours: Option<f64>,
    /// Scratch: `(post, followee)` of every counted engagement.
    proof_pairs: Vec<(u32, u32)>,
    /// Bit set of the accounts the viewer follows (valid when `following_ready`).
    following: Vec<u64>,
    following_marked: Vec<u32>,
    following_ready: bool,
    /// Posts the viewer had an impression of at or before `now`, sorted.
    pub seen: Vec<u32>,
    /// The viewer's muted words and phrases, lower-cased and split into words.
    pub muted_phrases: Vec<Vec<String>>,
    /// `(author, affinity)`, sorted by author: the viewer's decayed positive engagement.
    pub affinity: Vec<(u32, f64)>,
    /// Every sourced candidate, sorted.
    pub candidates: Vec<u32>,
    /// `(original, newest repost of it among the candidates)`, sorted by original.
    pub kept_reposts: Vec<(u32, u32)>,
    /// Scratch: `original << 96 | created_at descending << 32 | repost` of each candidate
    /// repost.
    repost_keys: Vec<u128>,
    /// The work limits of this feed and what has been read so far.
    work: FeedBudget,
}

impl ViewerState {
    /// Starts a feed ranked under `limits`: forgets every part computed for an earlier feed
    /// (keeping the allocations), so that a part this pipeline does not compute reads as
    /// empty, and resets the counters of what was read.
    pub(crate) fn start_feed(&mut self, limits: &Limits) {
        self.proof.clear();
        self.proof_accounts.clear();
        self.proof_hours = None;
        self.following_ready = false;
        self.seen.clear();
        self.muted_phrases.clear();
        self.affinity.clear();
        self.candidates.clear();
        self.kept_reposts.clear();
        self.work = FeedBudget::new(limits);
    }

    /// What this feed read so far (`viewer` follows `followees` accounts).
    pub(crate) fn work_read(&self, followees: usize) -> WorkRead {
        let w = &self.work;
        WorkRead {
            followees: followees.min(w.max_followees),
            followees_truncated: followees > w.max_followees,
            engagements: w.engagements_read,
            engagements_truncated: w.engagements_truncated,
            history: w.history_read,
            history_truncated: w.history_truncated,
            posts: w.posts_read.load(Ordering::Relaxed),
            posts_truncated: w.posts_truncated.load(Ordering::Relaxed),
        }
    }

    /// The accounts `viewer` follows whose posts and engagements this feed reads: the
    /// first `Limits::max_followees_scanned` in dataset order (all without limits).
    pub fn followees_read<'a>(&self, ds: &'a Dataset, viewer: UserId) -> &'a [u32] {
        let all = ds.graph().followees(viewer.0);
        &all[..all.len().min(self.work.max_followees)]
    }

    /// How many more posts the sources of this feed may read (`usize::MAX` without limits).
    pub fn posts_allowance(&self) -> usize {
        self.work.max_posts.saturating_sub(self.work.posts_read.load(Ordering::Relaxed))
    }

    /// Records that a source read `read` posts, and whether it left some out for the
    /// budget's sake.
    pub fn record_posts_read(&self, read: usize, truncated: bool) {
        self.work.posts_read.fetch_add(read, Ordering::Relaxed);
        if truncated {
            self.work.posts_truncated.store(true, Ordering::Relaxed);
        }
    }

    /// The viewer's engagements at or before `now`, the newest
    /// `Limits::max_history_scanned` of them (indices into the engagement columns).
    fn history_read<'a>(&mut self, ds: &'a Dataset, viewer: UserId, now: i64) -> &'a [u32] {
        let row = ds.history.row(viewer.index());
        let at = &ds.engagements.at;
        let row = &row[..row.partition_point(|&e| at[e as usize] <= now)];
        let read = newest(row, self.work.max_history);
        self.work.history_read = read.len();
        self.work.history_truncated |= read.len() < row.len();
        read
    }

    /// Marks the accounts `viewer` follows, for constant-time [`ViewerState::follows`].
    pub fn compute_following(&mut self, ds: &Dataset, viewer: UserId) {
        let words = ds.user_count().div_ceil(64);
        if self.following.len() != words {
            self.following = vec![0; words];
        } else {
            for &u in &self.following_marked {
                self.following[u as usize / 64] = 0;
            }
        }
        self.following_marked.clear();
        for &u in ds.graph().followees(viewer.0) {
            self.following[u as usize / 64] |= 1 << (u % 64);
            self.following_marked.push(u);
        }
        self.following_ready = true;
    }

    /// True when the viewer follows `user` (after [`ViewerState::compute_following`]).
    pub fn follows(&self, user: UserId) -> Option<bool> {
        self.following_ready.then(|| self.following[user.index() / 64] >> (user.0 % 64) & 1 == 1)
    }

    /// Posts with social proof and their followee counts, by dense post id.
    pub fn social_proof_posts(&self) -> impl Iterator<Item = (PostId, u32)> + '_ {
        self.proof.iter().map(|&(p, n)| (PostId(p), n))
    }

    /// Number of followees who engaged with `post` in the social-proof window.
    pub fn social_proof(&self, post: PostId) -> u32 {
        match self.proof.binary_search_by_key(&post.0, |&(p, _)| p) {
            Ok(i) => self.proof[i].1,
            Err(_) => 0,
        }
    }

    /// The first (up to) three followees, by dense id, counted in
    /// [`ViewerState::social_proof`] of `post`, with the window they were counted in (hours);
    /// `None` when social proof was not counted for this feed.
    pub fn social_proof_accounts(&self, post: PostId) -> Option<(f64, &[u32])> {
        let hours = self.proof_hours?;
        let accounts: &[u32] = match self.proof.binary_search_by_key(&post.0, |&(p, _)| p) {
            Ok(i) => {
                let row = &self.proof_accounts[i];
                &row[..row.iter().position(|&u| u == u32::MAX).unwrap_or(3)]
            }
            Err(_) => &[],
        };
        Some((hours, accounts))
    }

    /// True when the viewer had an impression of `post` at or before `now`.
    pub fn has_seen(&self, post: PostId) -> bool {
        self.seen.binary_search(&post.0).is_ok()
    }

    /// The viewer's affinity with `author` (0 when none).
    pub fn affinity(&self, author: UserId) -> f64 {
        match self.affinity.binary_search_by_key(&author.0, |&(a, _)| a) {
            Ok(i) => self.affinity[i].1,
            Err(_) => 0.0,
        }
    }

    /// True when `post` was sourced for this feed.
    pub fn is_candidate(&self, post: PostId) -> bool {
        self.candidates.binary_search(&post.0).is_ok()
    }

    /// The repost of `original` kept among the candidates (the newest; ties by external id).
    pub fn kept_repost(&self, original: PostId) -> Option<PostId> {
        let i = self.kept_reposts.binary_search_by_key(&original.0, |&(o, _)| o).ok()?;
        Some(PostId(self.kept_reposts[i].1))
    }

    /// Records the sourced candidates and, per reposted original, the repost to keep.
    pub fn compute_candidates(&mut self, ds: &Dataset, candidates: impl Iterator<Item = PostId>) {
        self.candidates.clear();
        self.candidates.extend(candidates.map(|p| p.0));
        self.candidates.sort_unstable();
        // Reposts by `original, created_at descending, post` packed into one integer;
        // the first of each original wins, ties on `created_at` going to the smallest
        // external id.
        self.repost_keys.clear();
        for &p in &self.candidates {
            if let Some(o) = ds.repost_of(PostId(p)) {
                let newest_first = !((ds.created_at(PostId(p)) as u64) ^ (1 << 63));
                self.repost_keys.push(u128::from(o.0) << 96 | u128::from(newest_first) << 32 | u128::from(p));
            }
        }
        self.repost_keys.sort_unstable();
        self.kept_reposts.clear();
        let keys = &self.repost_keys;
        let mut i = 0;
        while i < keys.len() {
            let (original, newest) = ((keys[i] >> 96) as u32, keys[i] >> 32);
            let mut kept = PostId(keys[i] as u32);
            let mut j = i + 1;
            while j < keys.len() && keys[j] >> 32 == newest {
                let tied = PostId(keys[j] as u32);
                if ds.post_name(tied) < ds.post_name(kept) {
                    kept = tied;
                }
                j += 1;
            }
            self.kept_reposts.push((original, kept.0));
            while j < keys.len() && (keys[j] >> 96) as u32 == original {
                j += 1;
            }
            i = j;
        }
    }

    /// Counts followee social proof: distinct followees (not blocked either way) who
    /// liked, reposted, replied to or quoted a post in `(now - window_hours, now]`.
    ///
    /// Every such engagement becomes a `(post, followee)` pair, appended followee by
    /// followee in id order; a stable sort by post (a radix sort, on the bytes in which
    /// the posts differ) groups them by post with followees still in id order, so one
    /// pass counts distinct followees per post. No per-post array: the work is
    /// proportional to the followees' engagements, whatever the size of the world.
    pub fn compute_social_proof(&mut self, ds: &Dataset, viewer: UserId, now: i64, window_hours: f64) {
        self.proof.clear();
        self.proof_accounts.clear();
        self.proof_pairs.clear();
        self.proof_hours = Some(window_hours);
        let from = crate::stages::window_start(now, window_hours);
        let graph = ds.graph();
        let (blocks, blocked_by) = (graph.blocks(viewer.0), graph.blocked_by(viewer.0));
        // Each followee's engagements in the window, then the fair share of the budget.
        let windows: Vec<(u32, &[u32])> = self
            .followees_read(ds, viewer)
            .iter()
            .filter(|&&f| blocks.binary_search(&f).is_err() && blocked_by.binary_search(&f).is_err())
            .map(|&f| {
                let range = ds.proof_history.row_range(f as usize);
                let at = &ds.proof_at[range.clone()];
                let posts = &ds.proof_history.values()[range];
                let (start, end) = time_window(at, from, now);
                (f, &posts[start..end])
            })
            .collect();
        let mut lengths: Vec<usize> = windows.iter().map(|(_, w)| w.len()).collect();
        let quota = fair_quota(&mut lengths, self.work.max_engagements);
        for (f, posts) in windows {
            let read = newest(posts, quota);
            self.work.engagements_read += read.len();
            self.work.engagements_truncated |= read.len() < posts.len();
            self.proof_pairs.extend(read.iter().map(|&p| (p, f)));
        }
        radsort::sort_by_key(&mut self.proof_pairs, |&(post, _)| post);
        let mut last = None;
        for &pair in &self.proof_pairs {
            if last == Some(pair) {
                continue; // the same followee again
            }
            let (post, followee) = pair;
            match self.proof.last_mut() {
                Some((p, n)) if *p == post => {
                    if (*n as usize) < 3 {
                        self.proof_accounts.last_mut().expect("parallel to proof")[*n as usize] = followee;
                    }
                    *n += 1;
                }
                _ => {
                    self.proof.push((post, 1));
                    self.proof_accounts.push([followee, u32::MAX, u32::MAX]);
                }
            }
            last = Some(pair);
        }
    }

    /// Collects the posts the viewer had an impression of, at or before `now`.
    pub fn compute_seen(&mut self, ds: &Dataset, viewer: UserId, now: i64) {
        self.seen.clear();
        let e = &ds.engagements;
        let history = self.history_read(ds, viewer, now);
        self.seen.extend(
            history
                .iter()
                .map(|&i| i as usize)
                .filter(|&i| e.kind[i] == EngagementKind::Impression)
                .map(|i| e.post[i]),
        );
        self.seen.sort_unstable();
        self.seen.dedup();
    }

    /// Lower-cases and splits the viewer's muted words.
    pub fn compute_muted_phrases(&mut self, ds: &Dataset, viewer: UserId) {
        self.muted_phrases = ds
            .muted_words(viewer)
            .map(|w| {
                words(w)
                    .map(|t| t.chars().flat_map(char::to_lowercase).collect::<String>())
                    .collect::<Vec<_>>()
            })
            .filter(|p| !p.is_empty())
            .collect();
    }

    /// Sums `0.5^(age_hours / 168)` over the viewer's positive engagements (like, repost,
    /// reply, quote, share, click, profile click) at or before `now`, per author.
    pub fn compute_affinity(&mut self, ds: &Dataset, viewer: UserId, now: i64) {
        let history = self.history_read(ds, viewer, now);
        let mut pairs: Vec<(u32, f64)> = history
            .iter()
            .map(|&i| ds.engagement(i as usize))
            .filter(|e| is_positive(e.kind))
            .map(|e| {
                let age_hours = now.saturating_sub(e.at) as f64 / 3600.0;
                (ds.author(e.post).0, 0.5f64.powf(age_hours / AFFINITY_HALF_LIFE_HOURS))
            })
            .collect();
        // Summing each author's terms in ascending order makes the sum independent of the
        // order engagements were given in.
        pairs.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
        self.affinity.clear();
        for (a, w) in pairs {
            match self.affinity.last_mut() {
                Some((last, sum)) if *last == a => *sum += w,
                _ => self.affinity.push((a, w)),
            }
        }
    }
}

fn is_positive(kind: EngagementKind) -> bool {
    use EngagementKind::*;
    matches!(kind, Like | Repost | Reply | Quote | Share | Click | ProfileClick)
}

/// The range of a sorted time column with `from < at <= to` (most rows lie wholly inside
/// a feed's window: the ends are checked before searching).
fn time_window(at: &[i64], from: i64, to: i64) -> (usize, usize) {
    let (Some(&first), Some(&last)) = (at.first(), at.last()) else { return (0, 0) };
    let start = if first > from { 0 } else { at.partition_point(|&t| t <= from) };
    let end = if last <= to { at.len() } else { at.partition_point(|&t| t <= to) };
    (start, end.max(start))
}

/// The part of a user's time-sorted engagement row with `from < at <= to`.
fn window<'a>(index: &'a Ragged<u32>, at: &[i64], user: UserId, from: i64, to: i64) -> &'a [u32] {
    let row = index.row(user.index());
    let start = row.partition_point(|&e| at[e as usize] <= from);
    let end = row.partition_point(|&e| at[e as usize] <= to);
    &row[start..end]
}

/// A user's engagements with `from < at <= to`, in time order.
pub(crate) fn history_window(
    ds: &Dataset,
    user: UserId,
    from: i64,
    to: i64,
) -> impl Iterator<Item = crate::model::Engagement> + '_ {
    window(&ds.history, &ds.engagements.at, user, from, to).iter().map(move |&e| ds.engagement(e as usize))
}

/// Splits text into words (runs of alphanumeric characters).
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// Everything a stage sees while ranking one viewer's feed.
#[derive(Clone, Copy)]
pub struct ViewerInput<'a> {
    /// The dataset.
    pub ds: &'a Dataset,
    /// Whose feed this is.
    pub viewer: UserId,
    /// The ranking time (unix seconds).
    pub now: i64,
    /// Per-viewer state computed once for this feed.
    pub state: &'a ViewerState,
}

impl ViewerInput<'_> {
    /// Age of a post in hours at `now`.
    pub fn age_hours(&self, post: PostId) -> f64 {
        self.now.saturating_sub(self.ds.created_at(post)) as f64 / 3600.0
    }

    /// True when the viewer follows the post's author.
    pub fn follows_author(&self, post: PostId) -> bool {
        let author = self.ds.author(post);
        self.state.follows(author).unwrap_or_else(|| self.ds.graph().follows(self.viewer.0, author.0))
    }

    /// `@name` of a user, for sentences.
    pub fn handle(&self, user: UserId) -> String {
        format!("@{}", self.ds.user_name(user))
    }
}
