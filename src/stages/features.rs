//! Feature hydration: named columns of an `ndarray` matrix, one row per candidate.

use crate::model::{EngagementKind, FeatureColumn, PostId};
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
    /// Row-major: true where a caller-supplied feature is absent (read as 0).
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
        self.missing[row * self.names.len() + j]
    }

    /// Computes every column for `posts`, column by column. Reuses the allocation.
    pub fn hydrate(&mut self, input: &ViewerInput<'_>, posts: &[PostId]) {
        let n = posts.len();
        let cols = self.names.len();
        if self.data.nrows() != n {
            // Every cell is written below: only cells beyond the old length need a value.
            let mut buffer = std::mem::take(&mut self.data).into_raw_vec_and_offset().0;
            buffer.resize(n * cols, 0.0);
            self.data = Array2::from_shape_vec((n, cols).f(), buffer).expect("shape matches buffer");
        }
        self.missing.clear();
        self.missing.resize(n * cols, false);
        let ds = input.ds;
        let full_counts = input.now >= ds.latest_timestamp();
        for (j, name) in self.names.iter().enumerate() {
            let mut column = self.data.column_mut(j);
            let count = |kind: EngagementKind| -> Box<dyn Fn(PostId) -> f64 + '_> {
                if full_counts {
                    Box::new(move |p| ds.engagement_total(p, kind) as f64)
                } else {
                    Box::new(move |p| ds.engagement_total_at(p, kind, input.now) as f64)
                }
            };
            let value: Box<dyn Fn(PostId) -> f64 + '_> = match name.as_str() {
                "age_hours" => Box::new(|p| input.age_hours(p)),
                "likes" => count(EngagementKind::Like),
                "dislikes" => count(EngagementKind::Dislike),
                "reposts" => count(EngagementKind::Repost),
                "replies" => count(EngagementKind::Reply),
                "quotes" => count(EngagementKind::Quote),
                "reports" => count(EngagementKind::Report),
                "not_interested" => count(EngagementKind::NotInterested),
                "social_proof" => Box::new(|p| input.state.social_proof(p) as f64),
                "in_network" => Box::new(|p| input.follows_author(p) as u8 as f64),
                "is_reply" => Box::new(|p| ds.reply_to(p).is_some() as u8 as f64),
                "author_followers" => Box::new(|p| ds.graph().followers(ds.author(p).0).len() as f64),
                "author_affinity" => Box::new(|p| input.state.affinity(ds.author(p))),
                "author_pagerank" => {
                    let ranks = ds.author_page_rank();
                    Box::new(move |p| ranks[ds.author(p).index()])
                }
                other => {
                    // Caller-supplied: NaN (absent) reads 0 and is marked missing.
                    let missing = &mut self.missing;
                    let mut put = |i: usize, slot: &mut f64, v: f64| {
                        if v.is_nan() {
                            *slot = 0.0;
                            missing[i * cols + j] = true;
                        } else {
                            *slot = v;
                        }
                    };
                    let cells = column.iter_mut().zip(posts).enumerate();
                    match ds.feature_storage(other) {
                        Some(FeatureColumn::Narrow { values, width, slot: at }) => {
                            cells.for_each(|(i, (slot, &p))| {
                                put(i, slot, f64::from(values[p.index() * width + at]))
                            })
                        }
                        Some(FeatureColumn::Wide { values, width, slot: at }) => {
                            cells.for_each(|(i, (slot, &p))| put(i, slot, values[p.index() * width + at]))
                        }
                        None => cells.for_each(|(i, (slot, _))| put(i, slot, f64::NAN)),
                    }
                    continue;
                }
            };
            for (slot, &p) in column.iter_mut().zip(posts) {
                *slot = value(p);
            }
        }
    }
}
