//! Columnar storage of users, posts and engagements (struct of arrays).

use crate::model::interner::{Interner, Ragged};
use crate::model::kinds::EngagementKind;

/// Marks an absent post reference in `reply_to` / `repost_of`.
pub(crate) const NO_POST: u32 = u32::MAX;

/// Users: ids, audit attributes, muted words, hidden labels.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct UserColumns {
    pub ids: Interner,
    /// Attribute names (`viewpoint`, …).
    pub attr_keys: Interner,
    /// Attribute values.
    pub attr_values: Interner,
    /// Per user: (key id, value id), sorted by key name.
    pub attrs: Ragged<(u32, u32)>,
    /// Vocabulary of muted words.
    pub words: Interner,
    /// Per user: word ids.
    pub muted_words: Ragged<u32>,
    /// Per user: label ids (shared label vocabulary).
    pub hidden_labels: Ragged<u32>,
}

/// Equality of float columns where NaN (the "absent" marker) equals NaN.
fn same_floats(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

/// Named numeric feature columns; NaN marks "not supplied" (inputs are always finite).
#[derive(Clone, Debug, Default)]
pub(crate) struct FeatureColumns {
    pub names: Interner,
    pub columns: Vec<Vec<f64>>,
}

impl PartialEq for FeatureColumns {
    fn eq(&self, other: &Self) -> bool {
        self.names == other.names
            && self.columns.len() == other.columns.len()
            && self.columns.iter().zip(&other.columns).all(|(a, b)| same_floats(a, b))
    }
}

impl FeatureColumns {
    /// Appends one row: NaN everywhere, then the given values (new names get new columns).
    pub fn push_row<'a>(&mut self, rows_before: usize, values: impl IntoIterator<Item = (&'a str, f64)>) {
        for column in &mut self.columns {
            column.push(f64::NAN);
        }
        for (name, value) in values {
            let (id, new) = self.names.intern(name);
            if new {
                let mut column = vec![f64::NAN; rows_before + 1];
                column[rows_before] = value;
                self.columns.push(column);
            } else {
                self.columns[id as usize][rows_before] = value;
            }
        }
    }
}

/// Posts, one entry per post in every column.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PostColumns {
    pub ids: Interner,
    pub author: Vec<u32>,
    pub created_at: Vec<i64>,
    /// All texts concatenated; `text_ends[i]` is the end of post `i`'s text.
    pub text: String,
    pub text_ends: Vec<u64>,
    pub reply_to: Vec<u32>,
    pub repost_of: Vec<u32>,
    pub labels: Ragged<u32>,
    /// Topic vocabulary.
    pub topic_names: Interner,
    pub topics: Ragged<u32>,
    pub features: FeatureColumns,
}

impl PostColumns {
    pub fn len(&self) -> usize {
        self.author.len()
    }

    pub fn text(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.text_ends[i - 1] as usize };
        &self.text[start..self.text_ends[i] as usize]
    }
}

/// Engagements, one entry per engagement in every column, in input order.
#[derive(Clone, Debug, Default)]
pub(crate) struct EngagementColumns {
    pub user: Vec<u32>,
    pub post: Vec<u32>,
    pub kind: Vec<EngagementKind>,
    pub at: Vec<i64>,
    /// NaN when no explicit rating was given.
    pub rating: Vec<f64>,
}

impl PartialEq for EngagementColumns {
    fn eq(&self, other: &Self) -> bool {
        self.user == other.user
            && self.post == other.post
            && self.kind == other.kind
            && self.at == other.at
            && same_floats(&self.rating, &other.rating)
    }
}

impl EngagementColumns {
    pub fn len(&self) -> usize {
        self.user.len()
    }
}
