//! [`Dataset`]: users, social graph, posts and engagements, with derived indexes.

use crate::bridging::{BridgingConfig, BridgingModel, Side};
use crate::model::columns::{
    EngagementColumns, EngagementCounts, FeatureColumn, PostColumns, UserColumns, NO_POST,
};
use crate::model::graph::SocialGraph;
use crate::model::interner::{Interner, Ragged};
use crate::model::kinds::{EngagementKind, PostId, UserId};
use crate::{Error, Result};
use std::sync::{Arc, Mutex, OnceLock};

/// An immutable snapshot of a town square: users, the follow/mute/block graph, posts and
/// engagements, with derived indexes (per-post engagement counters, per-user engagement
/// history, both directions of the follow graph).
///
/// Build it with [`Dataset::from_jsonl_dir`], [`DatasetBuilder`](crate::DatasetBuilder) or
/// [`synth::generate`](crate::synth::generate).
///
/// ```
/// use glassfeed::{DatasetBuilder, EdgeKind, PostRecord, UserRecord};
/// let mut b = DatasetBuilder::new();
/// b.add_user(&UserRecord { id: "ann".into(), ..Default::default() })?;
/// b.add_user(&UserRecord { id: "bob".into(), ..Default::default() })?;
/// b.add_edge("ann", "bob", EdgeKind::Follow)?;
/// b.add_post(&PostRecord { id: "p1".into(), author: "bob".into(), created_at: 100, ..Default::default() })?;
/// let ds = b.build()?;
/// let ann = ds.user_id("ann").unwrap();
/// assert_eq!(ds.graph().followees(ann.0).len(), 1);
/// # Ok::<(), glassfeed::Error>(())
/// ```
#[derive(Debug)]
pub struct Dataset {
    pub(crate) users: UserColumns,
    pub(crate) labels: Interner,
    pub(crate) posts: PostColumns,
    pub(crate) engagements: EngagementColumns,
    pub(crate) graph: SocialGraph,
    /// Per post, count of engagements of each kind.
    pub(crate) counts: EngagementCounts,
    /// Per user, indices of their engagements sorted by (`at`, input order).
    pub(crate) history: Ragged<u32>,
    /// Per user, the posts of their like/repost/reply/quote engagements, sorted by (`at`,
    /// input order): what social proof counts, stored contiguously.
    pub(crate) proof_history: Ragged<u32>,
    /// The time of each entry of `proof_history`, in the same layout.
    pub(crate) proof_at: Vec<i64>,
    /// Per post, indices of its engagements sorted by (`at`, input order).
    pub(crate) by_post: Ragged<u32>,
    /// Per author, their posts sorted by (`created_at`, id).
    pub(crate) by_author: Ragged<u32>,
    pub(crate) latest: i64,
    pub(crate) page_rank: OnceLock<Vec<f64>>,
    pub(crate) by_engagement: OnceLock<Vec<u32>>,
    /// Bridging models fitted on this snapshot, by configuration, each with the supported
    /// posts ranked by bridging score.
    pub(crate) bridging: Mutex<Vec<FittedBridging>>,
}

impl Clone for Dataset {
    fn clone(&self) -> Self {
        Dataset {
            users: self.users.clone(),
            labels: self.labels.clone(),
            posts: self.posts.clone(),
            engagements: self.engagements.clone(),
            graph: self.graph.clone(),
            counts: self.counts.clone(),
            history: self.history.clone(),
            proof_history: self.proof_history.clone(),
            proof_at: self.proof_at.clone(),
            by_post: self.by_post.clone(),
            by_author: self.by_author.clone(),
            latest: self.latest,
            page_rank: self.page_rank.clone(),
            by_engagement: self.by_engagement.clone(),
            bridging: Mutex::new(self.bridging.lock().map(|m| m.clone()).unwrap_or_default()),
        }
    }
}

impl PartialEq for Dataset {
    /// Two datasets are equal when their users, graph, posts and engagements are equal
    /// (derived indexes follow from those).
    fn eq(&self, other: &Self) -> bool {
        self.users == other.users
            && self.labels == other.labels
            && self.posts == other.posts
            && self.engagements == other.engagements
            && crate::EdgeKind::ALL.iter().all(|&k| self.graph.edges(k) == other.graph.edges(k))
    }
}

impl Dataset {
    pub(crate) fn assemble(
        users: UserColumns,
        labels: Interner,
        posts: PostColumns,
        engagements: EngagementColumns,
        graph: SocialGraph,
    ) -> Dataset {
        let counts = EngagementCounts::count(posts.len(), &engagements.post, &engagements.kind);
        let e = &engagements;
        let history = Ragged::group_by_key(users.ids.len(), &e.user, |x| e.at[x as usize]);
        let proof = Ragged::group_by_key_filtered(
            users.ids.len(),
            &e.user,
            |x| e.kind[x as usize].is_social_proof(),
            |x| e.at[x as usize],
        );
        let proof_at: Vec<i64> = proof.values().iter().map(|&x| e.at[x as usize]).collect();
        let proof_history = proof.map_values(|x| e.post[x as usize]);
        let by_post = Ragged::group_by_key(posts.len(), &e.post, |x| e.at[x as usize]);
        let authors: Vec<u32> = posts.meta.iter().map(|m| m.author).collect();
        let by_author =
            Ragged::group_by_key(users.ids.len(), &authors, |p| posts.meta[p as usize].created_at);
        drop(authors);
        let latest =
            posts.meta.iter().map(|m| m.created_at).chain(engagements.at.iter().copied()).max().unwrap_or(0);
        Dataset {
            users,
            labels,
            posts,
            engagements,
            graph,
            counts,
            history,
            proof_history,
            proof_at,
            by_post,
            by_author,
            latest,
            page_rank: OnceLock::new(),
            by_engagement: OnceLock::new(),
            bridging: Mutex::new(Vec::new()),
        }
    }

    /// Number of users.
    pub fn user_count(&self) -> usize {
        self.users.ids.len()
    }

    /// Number of posts.
    pub fn post_count(&self) -> usize {
        self.posts.len()
    }

    /// Number of engagements.
    pub fn engagement_count(&self) -> usize {
        self.engagements.len()
    }

    /// The dense id of a user, by external id.
    pub fn user_id(&self, id: &str) -> Option<UserId> {
        self.users.ids.lookup(id).map(UserId)
    }

    /// Like [`Dataset::user_id`] but an error naming the id when it is unknown.
    pub fn require_user(&self, id: &str) -> Result<UserId> {
        self.user_id(id).ok_or_else(|| Error::not_found("user", id))
    }

    /// The external id of a user.
    pub fn user_name(&self, user: UserId) -> &str {
        self.users.ids.get(user.0)
    }

    /// The dense id of a post, by external id.
    pub fn post_id(&self, id: &str) -> Option<PostId> {
        self.posts.ids.lookup(id).map(PostId)
    }

    /// Like [`Dataset::post_id`] but an error naming the id when it is unknown.
    pub fn require_post(&self, id: &str) -> Result<PostId> {
        self.post_id(id).ok_or_else(|| Error::not_found("post", id))
    }

    /// The external id of a post.
    pub fn post_name(&self, post: PostId) -> &str {
        self.posts.ids.get(post.0)
    }

    /// The value of audit attribute `key` of a user (e.g. `viewpoint`).
    pub fn user_attr(&self, user: UserId, key: &str) -> Option<&str> {
        let key = self.users.attr_keys.lookup(key)?;
        let row = self.users.attrs.row(user.index());
        row.iter().find(|&&(k, _)| k == key).map(|&(_, v)| self.users.attr_values.get(v))
    }

    /// All audit attributes of a user, sorted by key.
    pub fn user_attrs(&self, user: UserId) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.users
            .attrs
            .row(user.index())
            .iter()
            .map(|&(k, v)| (self.users.attr_keys.get(k), self.users.attr_values.get(v)))
    }

    /// The words a user muted, as given.
    pub fn muted_words(&self, user: UserId) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.users.muted_words.row(user.index()).iter().map(|&w| self.users.words.get(w))
    }

    /// The label ids a user hides (see [`Dataset::label_name`]).
    pub fn hidden_label_ids(&self, user: UserId) -> &[u32] {
        self.users.hidden_labels.row(user.index())
    }

    /// The id of a label name, if any post or user uses it.
    pub fn label_id(&self, name: &str) -> Option<u32> {
        self.labels.lookup(name)
    }

    /// The name of a label id.
    pub fn label_name(&self, label: u32) -> &str {
        self.labels.get(label)
    }

    /// The social graph.
    pub fn graph(&self) -> &SocialGraph {
        &self.graph
    }

    /// A post's author.
    pub fn author(&self, post: PostId) -> UserId {
        UserId(self.posts.meta[post.index()].author)
    }

    /// A post's creation time (unix seconds).
    pub fn created_at(&self, post: PostId) -> i64 {
        self.posts.meta[post.index()].created_at
    }

    /// A post's text (empty when none was given).
    pub fn text(&self, post: PostId) -> &str {
        self.posts.text(post.index())
    }

    /// The post this one replies to.
    pub fn reply_to(&self, post: PostId) -> Option<PostId> {
        let p = self.posts.meta[post.index()].reply_to;
        (p != NO_POST).then_some(PostId(p))
    }

    /// The post this one reposts.
    pub fn repost_of(&self, post: PostId) -> Option<PostId> {
        let p = self.posts.meta[post.index()].repost_of;
        (p != NO_POST).then_some(PostId(p))
    }

    /// A post's label ids (see [`Dataset::label_name`]).
    #[inline]
    pub fn label_ids(&self, post: PostId) -> &[u32] {
        self.posts.labels(post.index())
    }

    /// A post's topics.
    pub fn topics(&self, post: PostId) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.posts.topics(post.index()).iter().map(|&t| self.posts.topic_names.get(t))
    }

    /// Names of every caller-supplied feature, in column order.
    pub fn feature_names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.posts.features.names.iter()
    }

    /// The column of a caller-supplied feature: one value per post, NaN where not supplied.
    ///
    /// Features are stored row-major (all of a post's features together, in 4 bytes each
    /// when single precision holds them exactly), so this contiguous copy is made on the
    /// first call for a column and then kept; ranking never needs it.
    /// [`Dataset::feature`] reads one value without it.
    pub fn feature_column(&self, name: &str) -> Option<&[f64]> {
        let id = self.posts.features.names.lookup(name)?;
        Some(self.posts.features.as_f64(id as usize))
    }

    /// A caller-supplied feature for reading by post (no copy).
    pub(crate) fn feature_storage(&self, name: &str) -> Option<FeatureColumn<'_>> {
        let id = self.posts.features.names.lookup(name)?;
        Some(self.posts.features.column(id as usize))
    }

    /// A caller-supplied feature of a post, if supplied.
    pub fn feature(&self, post: PostId, name: &str) -> Option<f64> {
        self.feature_storage(name).map(|c| c.get(post.index())).filter(|v| !v.is_nan())
    }

    /// How many engagements of `kind` a post has.
    pub fn engagement_total(&self, post: PostId, kind: EngagementKind) -> u32 {
        self.counts.get(post.index(), kind.index())
    }

    /// All engagement counters of a post, indexed by [`EngagementKind::index`].
    pub fn engagement_totals(&self, post: PostId) -> [u32; EngagementKind::COUNT] {
        self.counts.row(post.index())
    }

    /// How many engagements of `kind` a post had at or before `now`.
    pub fn engagement_total_at(&self, post: PostId, kind: EngagementKind, now: i64) -> u32 {
        let row = self.by_post.row(post.index());
        let end = row.partition_point(|&e| self.engagements.at[e as usize] <= now);
        row[..end].iter().filter(|&&e| self.engagements.kind[e as usize] == kind).count() as u32
    }

    /// A user's posts sorted by creation time (ties by dense id).
    pub fn posts_by(
        &self,
        author: UserId,
    ) -> impl ExactSizeIterator<Item = PostId> + DoubleEndedIterator + '_ {
        self.by_author.row(author.index()).iter().map(|&p| PostId(p))
    }

    /// A user's posts created in `(from, to]`, oldest first.
    pub fn posts_by_between(&self, author: UserId, from: i64, to: i64) -> &[u32] {
        let row = self.by_author.row(author.index());
        let at = |p: u32| self.posts.meta[p as usize].created_at;
        // Most rows lie wholly inside a feed's window: check the ends before searching.
        let (Some(&first), Some(&last)) = (row.first(), row.last()) else { return row };
        let start = if at(first) > from { 0 } else { row.partition_point(|&p| at(p) <= from) };
        let end = if at(last) <= to { row.len() } else { row.partition_point(|&p| at(p) <= to) };
        &row[start..end.max(start)]
    }

    /// A user's engagements in time order (ties in input order).
    pub fn history(&self, user: UserId) -> impl ExactSizeIterator<Item = Engagement> + '_ {
        self.history.row(user.index()).iter().map(move |&e| self.engagement(e as usize))
    }

    /// Engagement number `index` (input order).
    pub fn engagement(&self, index: usize) -> Engagement {
        let e = &self.engagements;
        let rating = e.rating[index];
        Engagement {
            user: UserId(e.user[index]),
            post: PostId(e.post[index]),
            kind: e.kind[index],
            at: e.at[index],
            rating: (!rating.is_nan()).then_some(rating),
        }
    }

    /// Every engagement in input order.
    pub fn engagements(&self) -> impl ExactSizeIterator<Item = Engagement> + '_ {
        (0..self.engagement_count()).map(move |i| self.engagement(i))
    }

    /// The latest timestamp in the dataset (post creation or engagement): the default
    /// `now` of every ranking, so rankings never depend on the wall clock.
    pub fn latest_timestamp(&self) -> i64 {
        self.latest
    }

    /// Page rank of every user in the follow graph (damping 0.85), computed once.
    pub fn author_page_rank(&self) -> &[f64] {
        self.page_rank.get_or_init(|| {
            // Sum in the order of external ids, so the result does not depend on the order
            // users were given in.
            let mut by_name: Vec<u32> = (0..self.user_count() as u32).collect();
            by_name.sort_by(|&a, &b| self.user_name(UserId(a)).cmp(self.user_name(UserId(b))));
            self.graph.page_rank(0.85, &by_name)
        })
    }

    /// A post's popularity: likes + reposts + replies + quotes + shares.
    pub fn popularity(&self, post: PostId) -> u64 {
        use EngagementKind::*;
        [Like, Repost, Reply, Quote, Share]
            .iter()
            .map(|k| self.counts.get(post.index(), k.index()) as u64)
            .sum()
    }

    /// Every post, most popular first (ties by external id), computed once.
    pub fn posts_by_engagement(&self) -> &[u32] {
        self.by_engagement.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.post_count() as u32).collect();
            order.sort_by(|&a, &b| {
                let (a, b) = (PostId(a), PostId(b));
                self.popularity(b)
                    .cmp(&self.popularity(a))
                    .then_with(|| self.post_name(a).cmp(self.post_name(b)))
            });
            order
        })
    }

    /// The bridging model of this snapshot for `config`, fitted on first use and cached
    /// (fit once per dataset, shared by every viewer's feed).
    pub fn bridging_model(&self, config: &BridgingConfig) -> Result<Arc<BridgingModel>> {
        self.fitted_bridging(config).map(|f| f.model)
    }

    /// The posts that have a bridging score under `config`, best first (ties by external
    /// id), split by the inferred side of their author (`[negative, positive]`; posts whose
    /// author rated nothing are left out), with each side's share of the rating users.
    pub fn bridging_ranking(&self, config: &BridgingConfig) -> Result<[(f64, Arc<[u32]>); 2]> {
        self.fitted_bridging(config).map(|f| f.by_side)
    }

    fn fitted_bridging(&self, config: &BridgingConfig) -> Result<FittedBridging> {
        let mut cache = self.bridging.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(fitted) = cache.iter().find(|f| &f.config == config) {
            return Ok(fitted.clone());
        }
        let model = BridgingModel::fit(self, config)?;
        let fitted = self.rank_bridging(config.clone(), Arc::new(model));
        cache.push(fitted.clone());
        Ok(fitted)
    }

    /// Every bridging model fitted on this snapshot so far, with its configuration.
    pub(crate) fn bridging_fits(&self) -> Vec<(BridgingConfig, Arc<BridgingModel>)> {
        let cache = self.bridging.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.iter().map(|f| (f.config.clone(), f.model.clone())).collect()
    }

    /// Caches a model fitted earlier on an equal dataset (read from a snapshot), so that
    /// [`Dataset::bridging_model`] does not fit it again.
    pub(crate) fn restore_bridging(&self, config: BridgingConfig, model: BridgingModel) {
        let fitted = self.rank_bridging(config, Arc::new(model));
        let mut cache = self.bridging.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !cache.iter().any(|f| f.config == fitted.config) {
            cache.push(fitted);
        }
    }

    /// The supported posts of a fitted model ranked by bridging score, split by side.
    fn rank_bridging(&self, config: BridgingConfig, model: Arc<BridgingModel>) -> FittedBridging {
        let mut ranking: Vec<u32> =
            (0..self.post_count() as u32).filter(|&p| model.post_intercept(PostId(p)).is_some()).collect();
        let score = |p: u32| model.post_intercept(PostId(p)).unwrap_or(f64::NEG_INFINITY);
        ranking.sort_by(|&a, &b| {
            score(b)
                .total_cmp(&score(a))
                .then_with(|| self.post_name(PostId(a)).cmp(self.post_name(PostId(b))))
        });
        let side = |u: UserId| model.user_side(u).map(|s| (s == Side::Positive) as usize);
        let mut users = [0usize; 2];
        for u in 0..self.user_count() as u32 {
            if let Some(s) = side(UserId(u)) {
                users[s] += 1;
            }
        }
        let rating_users = (users[0] + users[1]).max(1) as f64;
        let by_side = [0, 1].map(|s| {
            let posts: Vec<u32> =
                ranking.iter().copied().filter(|&p| side(self.author(PostId(p))) == Some(s)).collect();
            (users[s] as f64 / rating_users, Arc::<[u32]>::from(posts))
        });
        FittedBridging { config, model, by_side }
    }

    /// Bytes held, by component.
    pub fn memory_usage(&self) -> MemoryUsage {
        let p = &self.posts;
        let posts = p.memory_usage() + self.counts.memory_usage() + self.by_author.memory_usage();
        let engagements = self.engagements.memory_usage()
            + self.history.memory_usage()
            + self.proof_history.memory_usage()
            + self.proof_at.capacity() * 8
            + self.by_post.memory_usage();
        let u = &self.users;
        let users = u.ids.memory_usage()
            + u.attrs.memory_usage()
            + u.attr_keys.memory_usage()
            + u.attr_values.memory_usage()
            + u.words.memory_usage()
            + u.muted_words.memory_usage()
            + u.hidden_labels.memory_usage()
            + self.labels.memory_usage();
        let derived = self.page_rank.get().map_or(0, |r| r.capacity() * 8)
            + self.by_engagement.get().map_or(0, |r| r.capacity() * 4);
        MemoryUsage {
            users,
            graph: self.graph.memory_usage(),
            posts,
            post_features: p.features.memory_usage(),
            post_text: p.text.capacity() + p.text_ends.capacity() * 8,
            engagements,
            derived,
        }
    }
}

/// A bridging model cached in a dataset.
#[derive(Debug, Clone)]
pub(crate) struct FittedBridging {
    config: BridgingConfig,
    model: Arc<BridgingModel>,
    by_side: [(f64, Arc<[u32]>); 2],
}

/// One engagement of a user with a post.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Engagement {
    /// Who engaged.
    pub user: UserId,
    /// With which post.
    pub post: PostId,
    /// What they did.
    pub kind: EngagementKind,
    /// When (unix seconds).
    pub at: i64,
    /// Explicit rating in `[0, 1]`, if given.
    pub rating: Option<f64>,
}

/// Bytes held by a [`Dataset`], by component (heap allocations, by capacity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MemoryUsage {
    /// User ids, attributes, muted words, hidden labels, the label vocabulary.
    pub users: usize,
    /// Follow graph (both directions), mutes, blocks.
    pub graph: usize,
    /// Per-post data excluding text: ids, author, time, links, labels, topics, the
    /// per-author index, engagement counters and caller-supplied features.
    pub posts: usize,
    /// The part of `posts` held by caller-supplied feature columns.
    pub post_features: usize,
    /// Post text.
    pub post_text: usize,
    /// Engagement columns and the per-user and per-post engagement indexes.
    pub engagements: usize,
    /// Indexes computed on first use (page rank, posts by engagement).
    pub derived: usize,
}

impl MemoryUsage {
    /// All bytes held (`post_features` is part of `posts`).
    pub fn total(&self) -> usize {
        self.users + self.graph + self.posts + self.post_text + self.engagements + self.derived
    }
}
