//! What a stage sees of one viewer: the dataset, the viewer, `now`, and per-viewer state
//! the engine computed once for the feed (only the parts the pipeline reads).

use crate::model::{Dataset, EngagementKind, PostId, Ragged, UserId};

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
/// left empty. Dense per-post and per-user arrays are reused from feed to feed (only the
/// entries a feed touched are reset), so a thread allocates them once per dataset.
#[derive(Debug, Default, Clone)]
pub struct ViewerState {
    /// Per post, distinct followees who liked/reposted/replied/quoted it in the window
    /// (dense; zero outside `proof_posts`).
    proof_count: Vec<u32>,
    /// Per post, 1 + index of the last followee counted (to count each followee once).
    proof_stamp: Vec<u32>,
    /// Posts with social proof, in first-touch order.
    proof_posts: Vec<u32>,
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
}

impl ViewerState {
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

    /// Posts with social proof and their followee counts (in no particular order).
    pub fn social_proof_posts(&self) -> impl Iterator<Item = (PostId, u32)> + '_ {
        self.proof_posts.iter().map(|&p| (PostId(p), self.proof_count[p as usize]))
    }

    /// Number of followees who engaged with `post` in the social-proof window.
    pub fn social_proof(&self, post: PostId) -> u32 {
        self.proof_count.get(post.index()).copied().unwrap_or(0)
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
        self.kept_reposts.clear();
        for &p in &self.candidates {
            if let Some(o) = ds.repost_of(PostId(p)) {
                self.kept_reposts.push((o.0, p));
            }
        }
        // Newest repost first within an original, then the smallest external id.
        self.kept_reposts.sort_unstable_by(|&(o1, p1), &(o2, p2)| {
            let (p1, p2) = (PostId(p1), PostId(p2));
            o1.cmp(&o2)
                .then(ds.created_at(p2).cmp(&ds.created_at(p1)))
                .then_with(|| ds.post_name(p1).cmp(ds.post_name(p2)))
        });
        self.kept_reposts.dedup_by_key(|&mut (o, _)| o);
    }

    /// Counts followee social proof: distinct followees (not blocked either way) who
    /// liked, reposted, replied to or quoted a post in `(now - window_hours, now]`.
    pub fn compute_social_proof(&mut self, ds: &Dataset, viewer: UserId, now: i64, window_hours: f64) {
        let posts = ds.post_count();
        if self.proof_count.len() != posts {
            self.proof_count = vec![0; posts];
            self.proof_stamp = vec![0; posts];
        } else {
            for &p in &self.proof_posts {
                self.proof_count[p as usize] = 0;
                self.proof_stamp[p as usize] = 0;
            }
        }
        self.proof_posts.clear();
        let from = now - (window_hours * 3600.0) as i64;
        for (i, &f) in ds.graph().followees(viewer.0).iter().enumerate() {
            if ds.graph().is_blocked_either_way(viewer.0, f) {
                continue;
            }
            let stamp = i as u32 + 1;
            for &e in window(&ds.proof_history, &ds.engagements.at, UserId(f), from, now) {
                let p = ds.engagements.post[e as usize] as usize;
                if self.proof_stamp[p] != stamp {
                    self.proof_stamp[p] = stamp;
                    if self.proof_count[p] == 0 {
                        self.proof_posts.push(p as u32);
                    }
                    self.proof_count[p] += 1;
                }
            }
        }
    }

    /// Collects the posts the viewer had an impression of, at or before `now`.
    pub fn compute_seen(&mut self, ds: &Dataset, viewer: UserId, now: i64) {
        self.seen.clear();
        self.seen.extend(
            ds.history(viewer)
                .filter(|e| e.at <= now && e.kind == EngagementKind::Impression)
                .map(|e| e.post.0),
        );
        self.seen.sort_unstable();
        self.seen.dedup();
    }

    /// Lower-cases and splits the viewer's muted words.
    pub fn compute_muted_phrases(&mut self, ds: &Dataset, viewer: UserId) {
        self.muted_phrases = ds
            .muted_words(viewer)
            .map(|w| words(w).map(|t| t.to_lowercase()).collect::<Vec<_>>())
            .filter(|p| !p.is_empty())
            .collect();
    }

    /// Sums `0.5^(age_hours / 168)` over the viewer's positive engagements (like, repost,
    /// reply, quote, share, click, profile click) at or before `now`, per author.
    pub fn compute_affinity(&mut self, ds: &Dataset, viewer: UserId, now: i64) {
        let mut pairs: Vec<(u32, f64)> = ds
            .history(viewer)
            .filter(|e| e.at <= now && is_positive(e.kind))
            .map(|e| {
                let age_hours = (now - e.at) as f64 / 3600.0;
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
        (self.now - self.ds.created_at(post)) as f64 / 3600.0
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
