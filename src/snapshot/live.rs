//! [`LiveDataset`]: a shared, immutable current snapshot and an append path that
//! replaces it without disturbing readers.

use crate::error::Location;
use crate::model::{EdgeRecord, EngagementRecord, PostRecord, UserRecord};
use crate::{Dataset, DatasetBuilder, Result};
use std::ops::Deref;
use std::sync::{Arc, Mutex, RwLock};

/// One immutable version of a [`LiveDataset`]: the dataset and its sequence number
/// (0 for the dataset the live dataset started from, then one more per append).
///
/// Cloning is cheap (a reference count). Derefs to the [`Dataset`].
#[derive(Debug, Clone)]
pub struct Snapshot {
    sequence: u64,
    dataset: Arc<Dataset>,
}

impl Snapshot {
    /// The sequence number: how many appends made this snapshot.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The shared dataset.
    pub fn dataset(&self) -> &Arc<Dataset> {
        &self.dataset
    }
}

impl Deref for Snapshot {
    type Target = Dataset;

    fn deref(&self) -> &Dataset {
        &self.dataset
    }
}

/// New records for [`LiveDataset::append`], added in the order users, edges, posts,
/// engagements (so a batch may follow, post as and engage with users and posts it adds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    /// New users.
    pub users: Vec<UserRecord>,
    /// New follow, mute and block edges (repeats of existing edges are merged).
    pub edges: Vec<EdgeRecord>,
    /// New posts (`reply_to`/`repost_of` may name any post of the dataset or the batch).
    pub posts: Vec<PostRecord>,
    /// New engagements, with posts of the dataset or the batch.
    pub engagements: Vec<EngagementRecord>,
}

impl Batch {
    /// Total number of records.
    pub fn len(&self) -> usize {
        self.users.len() + self.edges.len() + self.posts.len() + self.engagements.len()
    }

    /// True when the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A dataset that keeps growing while it is ranked: readers take the current
/// [`Snapshot`] and rank on it for as long as they like; [`LiveDataset::append`] builds
/// the next snapshot from the current one plus a batch and then swaps it in.
///
/// * Readers never wait for an append: the current snapshot is behind a lock held only
///   to clone or replace a pointer, and a snapshot never changes once made, so every
///   feed ranked on one snapshot is consistent with exactly that snapshot, and a
///   snapshot stays valid for as long as a thread holds it.
/// * Appends are serialised (one at a time, each building on the snapshot the previous
///   one made) and all-or-nothing: a bad record leaves the current snapshot unchanged
///   and the error names the record, as `batch 3 posts record 2`.
/// * An append copies the records of the current snapshot and rebuilds every index
///   (about the cost of [`Dataset::append`] on an unshared dataset, in proportion to the
///   whole dataset rather than the batch), so append in batches rather than record by
///   record.
/// * Caches are per snapshot: a new snapshot starts without page rank, popularity order
///   or fitted bridging models, and computes them on first use (a bridging model is
///   fitted once per snapshot, by the first feed that needs it, while other threads
///   needing it wait for that fit). Older snapshots keep theirs.
///
/// ```
/// use glassfeed::{synth, Batch, LiveDataset, PostRecord};
/// # fn main() -> glassfeed::Result<()> {
/// let live = LiveDataset::new(synth::generate(&synth::SynthConfig::with_users(100))?);
/// let before = live.snapshot();
/// let post = PostRecord { id: "new".into(), author: "u1".into(), created_at: before.latest_timestamp(), ..Default::default() };
/// let after = live.append(&Batch { posts: vec![post], ..Default::default() })?;
/// assert_eq!((before.sequence(), after.sequence()), (0, 1));
/// assert_eq!(after.post_count(), before.post_count() + 1);
/// assert!(before.post_id("new").is_none()); // the old snapshot is unchanged
/// let bad = PostRecord { id: "x".into(), author: "nobody".into(), ..Default::default() };
/// let err = live.append(&Batch { posts: vec![bad], ..Default::default() }).unwrap_err();
/// assert_eq!(err.to_string(), "batch 2 posts record 1: field `author`: unknown user `nobody`");
/// assert_eq!(live.sequence(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct LiveDataset {
    current: RwLock<Snapshot>,
    /// Held for the whole of an append, so appends never build on the same snapshot.
    writer: Mutex<()>,
}

impl LiveDataset {
    /// A live dataset whose first snapshot (sequence 0) is `dataset`.
    pub fn new(dataset: impl Into<Arc<Dataset>>) -> Self {
        let current = Snapshot { sequence: 0, dataset: dataset.into() };
        LiveDataset { current: RwLock::new(current), writer: Mutex::new(()) }
    }

    /// The current snapshot with its sequence number.
    pub fn snapshot(&self) -> Snapshot {
        // Nothing panics while the lock is held, but a poisoned lock still holds a whole
        // snapshot.
        self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The current dataset.
    pub fn current(&self) -> Arc<Dataset> {
        self.snapshot().dataset
    }

    /// The current sequence number.
    pub fn sequence(&self) -> u64 {
        self.snapshot().sequence
    }

    /// Builds the next snapshot from the current one plus `batch` (checked as in
    /// [`DatasetBuilder`], strictly), makes it current and returns it. On error the
    /// current snapshot is unchanged.
    pub fn append(&self, batch: &Batch) -> Result<Snapshot> {
        self.append_with(|b, sequence| {
            let at = |table: &str, i: usize| Location {
                source: format!("batch {sequence} {table}"),
                unit: "record",
                index: i as u64 + 1,
            };
            for (i, user) in batch.users.iter().enumerate() {
                b.add_user_at(user, &at("users", i))?;
            }
            for (i, edge) in batch.edges.iter().enumerate() {
                b.add_edge_at(&edge.src, &edge.dst, edge.kind, &at("edges", i))?;
            }
            for (i, post) in batch.posts.iter().enumerate() {
                b.add_post_at(post, &at("posts", i))?;
            }
            for (i, engagement) in batch.engagements.iter().enumerate() {
                b.add_engagement_at(engagement, &at("engagements", i))?;
            }
            Ok(())
        })
    }

    /// Like [`LiveDataset::append`] with records added by `add`, which is given a builder
    /// holding the current snapshot's records and the sequence number the new snapshot
    /// will have.
    pub fn append_with(&self, add: impl FnOnce(&mut DatasetBuilder, u64) -> Result<()>) -> Result<Snapshot> {
        let _writer = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let base = self.snapshot();
        let sequence = base.sequence + 1;
        let mut builder = DatasetBuilder::from_shared(&base.dataset);
        drop(base);
        add(&mut builder, sequence)?;
        let next = Snapshot { sequence, dataset: Arc::new(builder.build()?) };
        *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = next.clone();
        Ok(next)
    }
}
