//! [`DatasetBuilder`]: builds a [`Dataset`] from records, checking every one.

use crate::error::{ErrorKind, Location};
use crate::model::columns::{EngagementColumns, PostColumns, UserColumns};
use crate::model::graph::SocialGraph;
use crate::model::input_limits::InputLimits;
use crate::model::interner::Interner;
use crate::model::kinds::{EdgeKind, EngagementKind, PostId, UserId};
use crate::model::records::{EngagementRecord, PostRecord, UserRecord};
use crate::model::Dataset;
use crate::{Error, Result};
use std::collections::BTreeMap;

/// Counts of records skipped in lenient mode, by problem
/// (e.g. `"graph.jsonl: unknown user"`), plus harmless duplicates removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Problem → number of records (or references) skipped.
    pub skipped: BTreeMap<String, u64>,
}

impl IngestReport {
    /// Total number of skipped records.
    pub fn total(&self) -> u64 {
        self.skipped.values().sum()
    }

    fn count(&mut self, source: &str, problem: &str) {
        // Keys name the file (not its directory) or table, so reports compare across runs.
        let name = std::path::Path::new(source).file_name().and_then(|n| n.to_str()).unwrap_or(source);
        *self.skipped.entry(format!("{name}: {problem}")).or_default() += 1;
    }
}

/// A post reference (`reply_to` / `repost_of`) resolved when the dataset is built, so
/// posts may refer to posts later in the input.
struct PendingRef {
    post: u32,
    field: &'static str,
    target: String,
    at: Location,
}

/// Builds a [`Dataset`] record by record, with the same checks as the JSON Lines reader.
///
/// Add users first, then edges, posts and engagements (an engagement's post must already
/// be added; `reply_to`/`repost_of` may point to posts added later). In strict mode (the
/// default) the first bad record is an error; in lenient mode records with unknown users
/// or posts are skipped and counted in the [`IngestReport`]. Duplicate ids and malformed
/// values are errors in both modes, and so are records over the [`InputLimits`] (the
/// defaults unless [`DatasetBuilder::limits`] says otherwise).
pub struct DatasetBuilder {
    lenient: bool,
    limits: InputLimits,
    users: UserColumns,
    labels: Interner,
    posts: PostColumns,
    engagements: EngagementColumns,
    edges: [Vec<(u32, u32)>; 3],
    pending: Vec<PendingRef>,
    records: [u64; 4],
    report: IngestReport,
}

impl Default for DatasetBuilder {
    fn default() -> Self {
        Self::new()
    }
}

fn check_finite(at: &Location, field: &str, value: f64) -> Result<()> {
    if !value.is_finite() {
        return Err(Error::malformed(at, field, format!("not a finite number ({value})")));
    }
    Ok(())
}

impl DatasetBuilder {
    /// An empty builder in strict mode.
    pub fn new() -> Self {
        DatasetBuilder {
            lenient: false,
            limits: InputLimits::default(),
            users: UserColumns::default(),
            labels: Interner::default(),
            posts: PostColumns::default(),
            engagements: EngagementColumns::default(),
            edges: Default::default(),
            pending: Vec::new(),
            records: [0; 4],
            report: IngestReport::default(),
        }
    }

    /// Skip records with unknown users or posts (counted in the report) instead of failing.
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    /// The longest line its JSON Lines readers accept (see [`InputLimits`]).
    pub(crate) fn max_line_bytes(&self) -> usize {
        self.limits.max_line_bytes
    }

    /// Bounds on each record (default [`InputLimits::default`]).
    pub fn limits(mut self, limits: InputLimits) -> Self {
        self.limits = limits;
        self
    }

    /// A builder holding everything in `dataset`, to append posts and engagements to it.
    pub fn from_dataset(dataset: Dataset) -> Self {
        let edges = EdgeKind::ALL.map(|k| dataset.graph.edges(k));
        Self::holding(dataset.users, dataset.labels, dataset.posts, dataset.engagements, edges)
    }

    /// Like [`DatasetBuilder::from_dataset`] for a dataset that others still read: copies
    /// its records (not its derived indexes or caches).
    pub(crate) fn from_shared(dataset: &Dataset) -> Self {
        let edges = EdgeKind::ALL.map(|k| dataset.graph.edges(k));
        let (users, labels) = (dataset.users.clone(), dataset.labels.clone());
        Self::holding(users, labels, dataset.posts.clone(), dataset.engagements.clone(), edges)
    }

    fn holding(
        users: UserColumns,
        labels: Interner,
        posts: PostColumns,
        engagements: EngagementColumns,
        edges: [Vec<(u32, u32)>; 3],
    ) -> Self {
        DatasetBuilder {
            lenient: false,
            limits: InputLimits::default(),
            records: [
                users.ids.len() as u64,
                edges.iter().map(|e| e.len() as u64).sum(),
                posts.len() as u64,
                engagements.len() as u64,
            ],
            users,
            labels,
            posts,
            engagements,
            edges,
            pending: Vec::new(),
            report: IngestReport::default(),
        }
    }

    /// What lenient mode has skipped so far.
    pub fn report(&self) -> &IngestReport {
        &self.report
    }

    fn next_location(&mut self, table: usize) -> Location {
        self.records[table] += 1;
        let source = ["users", "graph", "posts", "engagements"][table];
        Location { source: source.to_string(), unit: "record", index: self.records[table] }
    }

    /// Skips (lenient) or fails (strict) on an unknown reference.
    fn unknown(&mut self, at: &Location, field: &str, what: &'static str, id: &str) -> Result<()> {
        if self.lenient {
            self.report.count(&at.source, &format!("unknown {what} in `{field}`"));
            Ok(())
        } else {
            Err(ErrorKind::UnknownReference {
                at: at.clone(),
                field: field.to_string(),
                what,
                id: id.to_string(),
            }
            .into())
        }
    }

    /// Adds a user.
    pub fn add_user(&mut self, user: &UserRecord) -> Result<UserId> {
        let at = self.next_location(0);
        self.add_user_at(user, &at)
    }

    /// Adds a user read from `at` (named in errors).
    pub fn add_user_at(&mut self, user: &UserRecord, at: &Location) -> Result<UserId> {
        self.limits.check_id(at, "id", &user.id)?;
        self.limits.check_user(at, user)?;
        if user.attrs.keys().any(String::is_empty) {
            return Err(Error::malformed(at, "attrs.", "empty id"));
        }
        let (id, new) = self.users.ids.intern(&user.id);
        if !new {
            return Err(ErrorKind::Duplicate { at: at.clone(), what: "user", id: user.id.clone() }.into());
        }
        let users = &mut self.users;
        let attrs: Vec<(u32, u32)> = user
            .attrs
            .iter()
            .map(|(k, v)| (users.attr_keys.intern(k).0, users.attr_values.intern(v).0))
            .collect();
        users.attrs.push_row(attrs);
        let words: Vec<u32> = user.muted_words.iter().map(|w| users.words.intern(w).0).collect();
        users.muted_words.push_row(words);
        let labels: Vec<u32> = user.hidden_labels.iter().map(|l| self.labels.intern(l).0).collect();
        users.hidden_labels.push_row(labels);
        Ok(UserId(id))
    }

    /// Adds a follow, mute or block edge between two known users.
    pub fn add_edge(&mut self, src: &str, dst: &str, kind: EdgeKind) -> Result<()> {
        let at = self.next_location(1);
        self.add_edge_at(src, dst, kind, &at)
    }

    /// Adds an edge read from `at`.
    pub fn add_edge_at(&mut self, src: &str, dst: &str, kind: EdgeKind, at: &Location) -> Result<()> {
        self.limits.check_id(at, "src", src)?;
        self.limits.check_id(at, "dst", dst)?;
        let Some(s) = self.users.ids.lookup(src) else { return self.unknown(at, "src", "user", src) };
        let Some(d) = self.users.ids.lookup(dst) else { return self.unknown(at, "dst", "user", dst) };
        if s == d {
            if self.lenient {
                self.report.count(&at.source, "edge from a user to themself");
                return Ok(());
            }
            return Err(Error::malformed(at, "dst", format!("`{src}` cannot {} themself", kind.as_str())));
        }
        self.add_edge_by_id(UserId(s), UserId(d), kind);
        Ok(())
    }

    /// Adds an edge between dense user ids (the caller guarantees they exist; an edge from
    /// a user to themself is ignored; duplicates are merged when building).
    pub fn add_edge_by_id(&mut self, src: UserId, dst: UserId, kind: EdgeKind) {
        debug_assert!(src.index() < self.users.ids.len() && dst.index() < self.users.ids.len());
        if src != dst {
            self.edges[kind as usize].push((src.0, dst.0));
        }
    }

    /// Adds a post.
    pub fn add_post(&mut self, post: &PostRecord) -> Result<Option<PostId>> {
        let at = self.next_location(2);
        self.add_post_at(post, &at)
    }

    /// Adds a post read from `at`. Returns `None` when lenient mode skipped it.
    pub fn add_post_at(&mut self, post: &PostRecord, at: &Location) -> Result<Option<PostId>> {
        self.limits.check_id(at, "id", &post.id)?;
        self.limits.check_id(at, "author", &post.author)?;
        self.limits.check_post(at, post)?;
        for (name, &value) in &post.features {
            check_finite(at, &format!("features.{name}"), value)?;
        }
        for (field, target) in [("reply_to", &post.reply_to), ("repost_of", &post.repost_of)] {
            if let Some(t) = target {
                self.limits.check_id(at, field, t)?;
            }
        }
        let Some(author) = self.users.ids.lookup(&post.author) else {
            self.unknown(at, "author", "user", &post.author)?;
            return Ok(None);
        };
        if self.posts.ids.lookup(&post.id).is_some() {
            return Err(ErrorKind::Duplicate { at: at.clone(), what: "post", id: post.id.clone() }.into());
        }
        let (id, _) = self.posts.ids.intern(&post.id);
        let p = &mut self.posts;
        let rows_before = p.len();
        p.text.push_str(post.text.as_deref().unwrap_or(""));
        p.text_ends.push(p.text.len() as u64);
        let labels: Vec<u32> = post.labels.iter().map(|l| self.labels.intern(l).0).collect();
        let topics: Vec<u32> = post.topics.iter().map(|t| p.topic_names.intern(t).0).collect();
        p.push_meta(author, post.created_at, &labels, &topics);
        p.features.push_row(rows_before, post.features.iter().map(|(k, &v)| (k.as_str(), v)));
        for (field, target) in [("reply_to", &post.reply_to), ("repost_of", &post.repost_of)] {
            if let Some(t) = target {
                self.pending.push(PendingRef { post: id, field, target: t.clone(), at: at.clone() });
            }
        }
        Ok(Some(PostId(id)))
    }

    /// Adds an engagement.
    pub fn add_engagement(&mut self, engagement: &EngagementRecord) -> Result<()> {
        let at = self.next_location(3);
        self.add_engagement_at(engagement, &at)
    }

    /// Adds an engagement read from `at`.
    pub fn add_engagement_at(&mut self, e: &EngagementRecord, at: &Location) -> Result<()> {
        self.limits.check_id(at, "user", &e.user)?;
        self.limits.check_id(at, "post", &e.post)?;
        if let Some(r) = e.rating {
            check_finite(at, "rating", r)?;
            if !(0.0..=1.0).contains(&r) {
                return Err(Error::malformed(at, "rating", format!("{r} is outside [0, 1]")));
            }
        }
        let Some(user) = self.users.ids.lookup(&e.user) else {
            return self.unknown(at, "user", "user", &e.user);
        };
        let Some(post) = self.posts.ids.lookup(&e.post) else {
            return self.unknown(at, "post", "post", &e.post);
        };
        self.add_engagement_by_id(UserId(user), PostId(post), e.kind, e.at, e.rating);
        Ok(())
    }

    /// Adds an engagement between dense ids (the caller guarantees they exist and that
    /// `rating`, if any, is in `[0, 1]`).
    pub fn add_engagement_by_id(
        &mut self,
        user: UserId,
        post: PostId,
        kind: EngagementKind,
        at: i64,
        rating: Option<f64>,
    ) {
        debug_assert!(user.index() < self.users.ids.len() && post.index() < self.posts.len());
        let e = &mut self.engagements;
        e.user.push(user.0);
        e.post.push(post.0);
        e.kind.push(kind);
        e.at.push(at);
        e.rating.push(rating.unwrap_or(f64::NAN));
    }

    /// Number of users added so far.
    pub fn user_count(&self) -> usize {
        self.users.ids.len()
    }

    /// Number of posts added so far.
    pub fn post_count(&self) -> usize {
        self.posts.len()
    }

    /// Resolves post references, deduplicates edges and builds the indexes.
    pub fn build(self) -> Result<Dataset> {
        self.build_with_report().map(|(ds, _)| ds)
    }

    /// Like [`DatasetBuilder::build`], also returning what lenient mode skipped.
    pub fn build_with_report(mut self) -> Result<(Dataset, IngestReport)> {
        for pending in std::mem::take(&mut self.pending) {
            match self.posts.ids.lookup(&pending.target) {
                Some(target) => {
                    let meta = &mut self.posts.meta[pending.post as usize];
                    match pending.field {
                        "reply_to" => meta.reply_to = target,
                        _ => meta.repost_of = target,
                    }
                }
                None => self.unknown(&pending.at, pending.field, "post", &pending.target)?,
            }
        }
        for (kind, edges) in EdgeKind::ALL.iter().zip(&mut self.edges) {
            edges.sort_unstable();
            let before = edges.len();
            edges.dedup();
            let removed = (before - edges.len()) as u64;
            if removed > 0 {
                *self
                    .report
                    .skipped
                    .entry(format!("graph: duplicate {} edge (merged)", kind.as_str()))
                    .or_default() += removed;
            }
        }
        let graph = SocialGraph::from_edges(self.users.ids.len(), self.edges);
        // Done growing: drop the interners' hash tables and the spare capacity that
        // doubling leaves (up to half of every column).
        self.users.compact();
        self.labels.freeze();
        self.posts.compact();
        self.engagements.compact();
        let ds = Dataset::assemble(self.users, self.labels, self.posts, self.engagements, graph);
        Ok((ds, self.report))
    }
}

impl Dataset {
    /// A new dataset holding everything in `self` plus the given posts and engagements
    /// (and optionally new users and edges), checked as in [`DatasetBuilder`].
    ///
    /// ```
    /// # use glassfeed::{DatasetBuilder, PostRecord, UserRecord};
    /// # let mut b = DatasetBuilder::new();
    /// # b.add_user(&UserRecord { id: "ann".into(), ..Default::default() })?;
    /// # let ds = b.build()?;
    /// let ds = ds.append(|b| {
    ///     b.add_post(&PostRecord { id: "p2".into(), author: "ann".into(), created_at: 5, ..Default::default() })?;
    ///     Ok(())
    /// })?;
    /// assert_eq!(ds.post_count(), 1);
    /// # Ok::<(), glassfeed::Error>(())
    /// ```
    pub fn append(self, add: impl FnOnce(&mut DatasetBuilder) -> Result<()>) -> Result<Dataset> {
        let mut builder = DatasetBuilder::from_dataset(self);
        add(&mut builder)?;
        builder.build()
    }
}
