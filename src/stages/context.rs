//! What a stage sees of one viewer: the dataset, the viewer, `now`, and per-viewer state
//! the engine computed once for the feed (only the parts the pipeline reads).

use crate::model::{Dataset, EngagementKind, PostId, UserId};

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
/// left empty.
#[derive(Debug, Default, Clone)]
pub struct ViewerState {
    /// `(post, number of distinct followees who liked/reposted/replied/quoted it in the
    /// window)`, sorted by post.
    pub social_proof: Vec<(u32, u32)>,
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
    /// Number of followees who engaged with `post` in the social-proof window.
    pub fn social_proof(&self, post: PostId) -> u32 {
        match self.social_proof.binary_search_by_key(&post.0, |&(p, _)| p) {
            Ok(i) => self.social_proof[i].1,
            Err(_) => 0,
        }
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
        let from = now - (window_hours * 3600.0) as i64;
        let mut pairs: Vec<u32> = Vec::new();
        for &f in ds.graph().followees(viewer.0) {
            if ds.graph().is_blocked_either_way(viewer.0, f) {
                continue;
            }
            let start = pairs.len();
            for e in history_window(ds, UserId(f), from, now) {
                if e.kind.is_social_proof() {
                    pairs.push(e.post.0);
                }
            }
            let mine = &mut pairs[start..];
            mine.sort_unstable();
            let unique = dedup_in_place(mine);
            pairs.truncate(start + unique);
        }
        pairs.sort_unstable();
        self.social_proof.clear();
        for p in pairs {
            match self.social_proof.last_mut() {
                Some((last, n)) if *last == p => *n += 1,
                _ => self.social_proof.push((p, 1)),
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

fn dedup_in_place(sorted: &mut [u32]) -> usize {
    if sorted.is_empty() {
        return 0;
    }
    let mut w = 1;
    for r in 1..sorted.len() {
        if sorted[r] != sorted[w - 1] {
            sorted[w] = sorted[r];
            w += 1;
        }
    }
    w
}

/// A user's engagements with `from < at <= to`, in time order.
pub(crate) fn history_window(
    ds: &Dataset,
    user: UserId,
    from: i64,
    to: i64,
) -> impl Iterator<Item = crate::model::Engagement> + '_ {
    let row = ds.history.row(user.index());
    let at = &ds.engagements.at;
    let start = row.partition_point(|&e| at[e as usize] <= from);
    let end = row.partition_point(|&e| at[e as usize] <= to);
    row[start..end].iter().map(move |&e| ds.engagement(e as usize))
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
        self.ds.graph().follows(self.viewer.0, self.ds.author(post).0)
    }

    /// `@name` of a user, for sentences.
    pub fn handle(&self, user: UserId) -> String {
        format!("@{}", self.ds.user_name(user))
    }
}
