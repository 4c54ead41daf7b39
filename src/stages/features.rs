//! Feature hydration: named columns of an `ndarray` matrix, one row per candidate.

use crate::model::{Dataset, EngagementKind, FeatureColumn, PostId};
use crate::stages::ViewerInput;
use ndarray::{Array2, ArrayView1, ShapeBuilder};

/// The features the engine computes for every candidate (DESIGN §3). Any other name is
/// looked up among the posts' caller-supplied `features` (0 when a post lacks it).
pub const STANDARD_FEATURES: [&str; 14] = [
    "age_hours",
    "likes",
    "dislikes",
    "reposts",
    "replies",
    "quotes",
    "reports",
    "not_interested",
    "social_proof",
    "in_network",
    "is_reply",
    "author_followers",
    "author_affinity",
    "author_pagerank",
];

/// Candidate features: one row per candidate, one named column per feature, stored column
/// by column (each column is contiguous, as stages read them).
#[derive(Debug, Clone, Default)]
pub struct FeatureMatrix {
    names: Vec<String>,
    data: Array2<f64>,
    /// Row-major: true where a caller-supplied feature is absent (read as 0). Empty when
    /// no value is missing, or after [`FeatureMatrix::hydrate_for_scoring`].
    missing: Vec<bool>,
}

impl FeatureMatrix {
    /// An empty matrix with the given column names.
    pub fn with_columns(names: Vec<String>) -> Self {
        let n = names.len();
        FeatureMatrix { names, data: Array2::zeros((0, n)), missing: Vec::new() }
    }

    /// Column names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of rows (candidates).
    pub fn rows(&self) -> usize {
        self.data.nrows()
    }

    /// The index of a column.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// A column by name (panics if the pipeline did not declare reading it).
    pub fn column(&self, name: &str) -> ArrayView1<'_, f64> {
        let j = self.index(name).unwrap_or_else(|| panic!("feature `{name}` was not hydrated"));
        self.data.column(j)
    }

    /// The value at `row` of a named column.
    pub fn get(&self, row: usize, name: &str) -> f64 {
        self.column(name)[row]
    }

    /// The underlying matrix.
    pub fn data(&self) -> &Array2<f64> {
        &self.data
    }

    /// True when column `name` is a caller-supplied feature that the post of `row` does
    /// not carry (its value reads 0). Standard features are never missing.
    pub fn is_missing(&self, row: usize, name: &str) -> bool {
        let j = self.index(name).unwrap_or_else(|| panic!("feature `{name}` was not hydrated"));
        debug_assert!(row < self.rows(), "row {row} of {}", self.rows());
        // Empty when no value is missing.
        self.missing.get(row * self.names.len() + j).copied().unwrap_or(false)
    }

    /// Computes every column for `posts`, column by column. Reuses the allocation.
    pub fn hydrate(&mut self, input: &ViewerInput<'_>, posts: &[PostId]) {
        self.fill(input, posts, true);
    }

    /// [`FeatureMatrix::hydrate`] for scoring alone: absent caller-supplied values still
    /// read 0, but are not recorded ([`FeatureMatrix::is_missing`] is false until the next
    /// `hydrate`). Only explanations need that record.
    pub(crate) fn hydrate_for_scoring(&mut self, input: &ViewerInput<'_>, posts: &[PostId]) {
        self.fill(input, posts, false);
    }

    fn fill(&mut self, input: &ViewerInput<'_>, posts: &[PostId], record_missing: bool) {
        let n = posts.len();
        let cols = self.names.len();
        if self.data.nrows() != n {
            // Every cell is written below: only cells beyond the old length need a value.
            let mut buffer = std::mem::take(&mut self.data).into_raw_vec_and_offset().0;
            buffer.resize(n * cols, 0.0);
            self.data = Array2::from_shape_vec((n, cols).f(), buffer).expect("shape matches buffer");
        }
        self.missing.clear();
        let cells = self.data.as_slice_memory_order_mut().expect("column-major and contiguous");
        for (j, name) in self.names.iter().enumerate() {
            let column = &mut cells[j * n..(j + 1) * n];
            if hydrate_standard(input, name, posts, column) {
                continue;
            }
            // Caller-supplied: NaN (absent) reads 0 and is marked missing; without that
            // record, it becomes 0 as it is read.
            let absent = if record_missing { f64::NAN } else { 0.0 };
            let present = |v: f64| if v.is_nan() { absent } else { v };
            match input.ds.feature_storage(name) {
                Some(FeatureColumn::Narrow { values, width, slot }) => gather(column, posts, |p| {
                    values.get(p * width + slot).map_or(absent, |&v| present(f64::from(v)))
                }),
                Some(FeatureColumn::Wide { values, width, slot }) => {
                    gather(column, posts, |p| values.get(p * width + slot).map_or(absent, |&v| present(v)))
                }
                None => column.fill(absent),
            }
            if !record_missing {
                continue;
            }
            for (i, cell) in column.iter_mut().enumerate() {
                if cell.is_nan() {
                    *cell = 0.0;
                    if self.missing.is_empty() {
                        self.missing.resize(n * cols, false);
                    }
                    self.missing[i * cols + j] = true;
                }
            }
        }
    }
}

/// Reads a value in each cache line of the rows of caller-supplied features of `posts`
/// (into `sink`, which only holds them): one loop of independent loads, whose cache misses
/// overlap, so that hydrating these posts later finds their rows in cache. Worth it on a
/// dataset larger than the cache, done while other work (filtering) runs in between.
pub(crate) fn warm_caller_rows(
    ds: &Dataset,
    posts: impl Iterator<Item = PostId> + Clone,
    sink: &mut Vec<f64>,
) {
    let features = &ds.posts.features;
    sink.clear();
    warm_rows(&features.narrow, features.narrow_width, posts.clone(), sink);
    warm_rows(&features.wide, features.wide_width, posts, sink);
}

/// [`warm_caller_rows`] for one block of rows of `width` values.
fn warm_rows<T: Copy + Into<f64>>(
    values: &[T],
    width: usize,
    posts: impl Iterator<Item = PostId>,
    sink: &mut Vec<f64>,
) {
    const LINE_BYTES: usize = 64;
    let step = (LINE_BYTES / std::mem::size_of::<T>()).max(1);
    if width == 0 {
        return;
    }
    if width <= step {
        // Each row within two lines: its first and last values.
        let value = |i: usize| values.get(i).map_or(0.0, |&v| v.into());
        sink.extend(posts.map(|p| value(p.index() * width).max(value((p.index() + 1) * width - 1))));
        return;
    }
    for p in posts {
        let Some(row) = values.get(p.index() * width..(p.index() + 1) * width) else { continue };
        // At most a line apart: every line the row touches.
        sink.extend(row.iter().step_by(step).map(|&v| v.into()));
        sink.push(row[width - 1].into());
    }
}

/// `column[i] = value(posts[i].index())`.
fn gather(column: &mut [f64], posts: &[PostId], value: impl Fn(usize) -> f64) {
    column.iter_mut().zip(posts).for_each(|(cell, p)| *cell = value(p.index()));
}

/// Fills `column` with standard feature `name` for `posts`; false when `name` is not a
/// standard feature.
fn hydrate_standard(input: &ViewerInput<'_>, name: &str, posts: &[PostId], column: &mut [f64]) -> bool {
    let ds = input.ds;
    let fill = |column: &mut [f64], value: &dyn Fn(PostId) -> f64| {
        column.iter_mut().zip(posts).for_each(|(slot, &p)| *slot = value(p));
    };
    let count = |column: &mut [f64], kind: EngagementKind| {
        if input.now >= ds.latest_timestamp() {
            fill(column, &|p| ds.engagement_total(p, kind) as f64)
        } else {
            fill(column, &|p| ds.engagement_total_at(p, kind, input.now) as f64)
        }
    };
    match name {
        "age_hours" => fill(column, &|p| input.age_hours(p)),
        "likes" => count(column, EngagementKind::Like),
        "dislikes" => count(column, EngagementKind::Dislike),
        "reposts" => count(column, EngagementKind::Repost),
        "replies" => count(column, EngagementKind::Reply),
        "quotes" => count(column, EngagementKind::Quote),
        "reports" => count(column, EngagementKind::Report),
        "not_interested" => count(column, EngagementKind::NotInterested),
        "social_proof" => fill(column, &|p| input.state.social_proof(p) as f64),
        "in_network" => fill(column, &|p| input.follows_author(p) as u8 as f64),
        "is_reply" => fill(column, &|p| ds.reply_to(p).is_some() as u8 as f64),
        "author_followers" => fill(column, &|p| ds.graph().followers(ds.author(p).0).len() as f64),
        "author_affinity" => fill(column, &|p| input.state.affinity(ds.author(p))),
        "author_pagerank" => {
            let ranks = ds.author_page_rank();
            fill(column, &|p| ranks[ds.author(p).index()])
        }
        _ => return false,
    }
    true
}
