//! Columnar storage of users, posts and engagements.
//!
//! Posts keep the fields every feed reads together (time, author, reply and repost links,
//! labels) in one 32-byte record per post, so that a candidate costs one cache line, not
//! one per column; engagement counters take a byte per kind; caller-supplied features
//! are stored in single precision when that loses nothing.

use crate::model::interner::{Interner, Ragged};
use crate::model::kinds::EngagementKind;
use std::sync::OnceLock;

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

impl UserColumns {
    /// Freezes the interners and releases spare capacity.
    pub fn compact(&mut self) {
        for interner in [&mut self.ids, &mut self.attr_keys, &mut self.attr_values, &mut self.words] {
            interner.freeze();
        }
        self.attrs.shrink_to_fit();
        self.muted_words.shrink_to_fit();
        self.hidden_labels.shrink_to_fit();
    }
}

/// Equality of float columns where NaN (the "absent" marker) equals NaN.
fn same_floats(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

/// Caller-supplied numeric features by name; NaN marks "not supplied" (inputs are finite).
///
/// While a dataset is built they are `f64` columns. A built dataset keeps them row-major,
/// so that ranking reads all the features of a candidate from one or two cache lines:
/// the columns whose every value converts to `f32` and back exactly share a block of
/// `f32` rows (4 bytes a value, nothing lost), the others a block of `f64` rows. A
/// column's contiguous `f64` copy ([`FeatureColumns::as_f64`]) is made on first request.
#[derive(Clone, Debug, Default)]
pub(crate) struct FeatureColumns {
    pub names: Interner,
    /// While building: one column per name.
    pub(crate) building: Vec<Vec<f64>>,
    /// Once built: where each column lives (`None` while building).
    pub(crate) slots: Option<Vec<Slot>>,
    pub(crate) narrow: Vec<f32>,
    pub(crate) narrow_width: usize,
    pub(crate) wide: Vec<f64>,
    pub(crate) wide_width: usize,
    pub(crate) rows: usize,
    /// Contiguous `f64` copies of built columns, made on request.
    pub(crate) views: Vec<OnceLock<Vec<f64>>>,
}

/// Where a built feature column lives: its position in the rows of one of the blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Narrow(usize),
    Wide(usize),
}

/// One feature column of a [`FeatureColumns`], for reading values by row.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FeatureColumn<'a> {
    /// `values[i * width + slot]`.
    Narrow { values: &'a [f32], width: usize, slot: usize },
    /// `values[i * width + slot]`.
    Wide { values: &'a [f64], width: usize, slot: usize },
}

impl FeatureColumn<'_> {
    /// The value of row `i` (NaN when not supplied).
    #[inline]
    pub fn get(&self, i: usize) -> f64 {
        match *self {
            FeatureColumn::Narrow { values, width, slot } => f64::from(values[i * width + slot]),
            FeatureColumn::Wide { values, width, slot } => values[i * width + slot],
        }
    }
}

impl PartialEq for FeatureColumns {
    fn eq(&self, other: &Self) -> bool {
        self.names == other.names
            && self.rows == other.rows
            && (0..self.names.len()).all(|c| {
                let (a, b) = (self.column(c), other.column(c));
                (0..self.rows).all(|i| {
                    let (x, y) = (a.get(i), b.get(i));
                    x == y || (x.is_nan() && y.is_nan())
                })
            })
    }
}

impl FeatureColumns {
    /// Column `c` (by name id).
    pub fn column(&self, c: usize) -> FeatureColumn<'_> {
        match &self.slots {
            None => FeatureColumn::Wide { values: &self.building[c], width: 1, slot: 0 },
            Some(slots) => match slots[c] {
                Slot::Narrow(slot) => {
                    FeatureColumn::Narrow { values: &self.narrow, width: self.narrow_width, slot }
                }
                Slot::Wide(slot) => FeatureColumn::Wide { values: &self.wide, width: self.wide_width, slot },
            },
        }
    }

    /// Column `c` as a contiguous `f64` slice (copied once for a built dataset, then kept).
    pub fn as_f64(&self, c: usize) -> &[f64] {
        if self.slots.is_none() {
            return &self.building[c];
        }
        self.views[c].get_or_init(|| {
            let column = self.column(c);
            (0..self.rows).map(|i| column.get(i)).collect()
        })
    }

    /// Back to one `f64` column per name, to append rows.
    fn unpack(&mut self) {
        if self.slots.is_some() {
            self.building = (0..self.names.len()).map(|c| self.as_f64(c).to_vec()).collect();
            self.slots = None;
            self.narrow = Vec::new();
            self.wide = Vec::new();
            self.views = Vec::new();
        }
    }

    /// Appends one row: NaN everywhere, then the given values (new names get new columns).
    pub fn push_row<'a>(&mut self, rows_before: usize, values: impl IntoIterator<Item = (&'a str, f64)>) {
        self.unpack();
        for column in &mut self.building {
            column.push(f64::NAN);
        }
        for (name, value) in values {
            let (id, new) = self.names.intern(name);
            if new {
                let mut column = vec![f64::NAN; rows_before + 1];
                column[rows_before] = value;
                self.building.push(column);
            } else {
                self.building[id as usize][rows_before] = value;
            }
        }
        self.rows = rows_before + 1;
    }

    /// Lays the columns out row-major (see the type's docs); freezes the names. `rows` is
    /// the number of posts (columns are only made by [`FeatureColumns::push_row`], so
    /// they are all that long, or there are none).
    pub fn compact(&mut self, rows: usize) {
        self.names.freeze();
        if self.slots.is_some() {
            return;
        }
        let exact = |column: &[f64]| {
            column.iter().all(|&x| x.is_nan() || f64::from(x as f32).to_bits() == x.to_bits())
        };
        let mut slots = Vec::with_capacity(self.building.len());
        let (mut narrow, mut wide) = (Vec::new(), Vec::new());
        for column in &self.building {
            if exact(column) {
                slots.push(Slot::Narrow(narrow.len()));
                narrow.push(column);
            } else {
                slots.push(Slot::Wide(wide.len()));
                wide.push(column);
            }
        }
        self.rows = rows;
        self.narrow_width = narrow.len();
        self.wide_width = wide.len();
        self.narrow = Vec::with_capacity(rows * narrow.len());
        self.narrow.extend((0..rows).flat_map(|i| narrow.iter().map(move |c| c[i] as f32)));
        self.wide = Vec::with_capacity(rows * wide.len());
        self.wide.extend((0..rows).flat_map(|i| wide.iter().map(move |c| c[i])));
        self.views = (0..slots.len()).map(|_| OnceLock::new()).collect();
        self.slots = Some(slots);
        self.building = Vec::new();
    }

    /// Bytes held (including any contiguous `f64` copies made).
    pub fn memory_usage(&self) -> usize {
        self.names.memory_usage()
            + self.building.iter().map(|c| c.capacity() * 8).sum::<usize>()
            + self.narrow.capacity() * 4
            + self.wide.capacity() * 8
            + self.views.iter().filter_map(OnceLock::get).map(|v| v.capacity() * 8).sum::<usize>()
    }
}

/// Short rows (a post's labels, its topics) kept inline: a few `u32` slots per row hold
/// its values followed by [`EMPTY`] padding, or, for a longer row (or one with a value of
/// 2³¹ or more), [`SPILL`] plus the index of the row in a [`Ragged`] of such rows.
pub(crate) const EMPTY: u32 = u32::MAX;
/// Marks a spilled row (see [`EMPTY`]).
pub(crate) const SPILL: u32 = 1 << 31;

/// The row that inline slots stand for.
#[inline]
pub(crate) fn inline_row<'a>(slots: &'a [u32], spilled: &'a Ragged<u32>) -> &'a [u32] {
    match slots[0] {
        EMPTY => &[],
        v if v & SPILL != 0 => spilled.row((v & !SPILL) as usize),
        _ => &slots[..slots.iter().position(|&v| v == EMPTY).unwrap_or(slots.len())],
    }
}

/// The inline slots of a row, spilling it when it does not fit.
fn inline_slots<const N: usize>(row: &[u32], spilled: &mut Ragged<u32>) -> [u32; N] {
    let mut slots = [EMPTY; N];
    if row.len() <= N && row.iter().all(|&v| v & SPILL == 0) {
        slots[..row.len()].copy_from_slice(row);
    } else {
        spilled.push_row(row.iter().copied());
        slots[0] = SPILL | (spilled.len() - 1) as u32;
    }
    slots
}

/// The fields of a post that ranking reads for every candidate, in one cache line
/// (32 bytes, 32-aligned).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(32))]
pub(crate) struct PostMeta {
    pub created_at: i64,
    pub author: u32,
    /// [`NO_POST`] when not a reply.
    pub reply_to: u32,
    /// [`NO_POST`] when not a repost.
    pub repost_of: u32,
    /// Label ids, inline (see [`inline_row`]).
    pub labels: [u32; 1],
    /// Topic ids, inline.
    pub topics: [u32; 2],
}

/// Posts, one entry per post in every column.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PostColumns {
    pub ids: Interner,
    pub meta: Vec<PostMeta>,
    /// All texts concatenated; `text_ends[i]` is the end of post `i`'s text.
    pub text: String,
    pub text_ends: Vec<u64>,
    /// Label rows of posts with several labels.
    pub spilled_labels: Ragged<u32>,
    /// Topic vocabulary.
    pub topic_names: Interner,
    /// Topic rows of posts with several topics.
    pub spilled_topics: Ragged<u32>,
    pub features: FeatureColumns,
}

impl PostColumns {
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    pub fn text(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.text_ends[i - 1] as usize };
        &self.text[start..self.text_ends[i] as usize]
    }

    /// Appends a post's fixed fields (features and text are appended separately).
    pub fn push_meta(&mut self, author: u32, created_at: i64, labels: &[u32], topics: &[u32]) {
        let labels = inline_slots(labels, &mut self.spilled_labels);
        let topics = inline_slots(topics, &mut self.spilled_topics);
        self.meta.push(PostMeta {
            created_at,
            author,
            reply_to: NO_POST,
            repost_of: NO_POST,
            labels,
            topics,
        });
    }

    /// A post's label ids.
    #[inline]
    pub fn labels(&self, i: usize) -> &[u32] {
        inline_row(&self.meta[i].labels, &self.spilled_labels)
    }

    /// A post's topic ids.
    pub fn topics(&self, i: usize) -> &[u32] {
        inline_row(&self.meta[i].topics, &self.spilled_topics)
    }

    /// Freezes the interners, narrows the features, releases spare capacity.
    pub fn compact(&mut self) {
        self.ids.freeze();
        self.topic_names.freeze();
        self.meta.shrink_to_fit();
        self.text.shrink_to_fit();
        self.text_ends.shrink_to_fit();
        self.spilled_labels.shrink_to_fit();
        self.spilled_topics.shrink_to_fit();
        self.features.compact(self.meta.len());
    }

    /// Bytes held, excluding text.
    pub fn memory_usage(&self) -> usize {
        self.ids.memory_usage()
            + self.meta.capacity() * std::mem::size_of::<PostMeta>()
            + self.spilled_labels.memory_usage()
            + self.topic_names.memory_usage()
            + self.spilled_topics.memory_usage()
            + self.features.memory_usage()
    }
}

/// Per-post engagement counters: one byte per kind; a counter that reaches 255 is kept
/// exactly in an overflow table (the byte then reads 255).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct EngagementCounts {
    small: Vec<[u8; EngagementKind::COUNT]>,
    /// `(post, counters)` of posts with a counter of 255 or more, sorted by post.
    large: Vec<(u32, [u32; EngagementKind::COUNT])>,
}

impl EngagementCounts {
    /// Counts each post's engagements by kind.
    pub fn count(posts: usize, post: &[u32], kind: &[EngagementKind]) -> Self {
        let mut small = vec![[0u8; EngagementKind::COUNT]; posts];
        let mut overflowed: Vec<u32> = Vec::new();
        for (&p, &k) in post.iter().zip(kind) {
            let c = &mut small[p as usize][k.index()];
            if *c == 254 {
                overflowed.push(p);
            }
            *c = c.saturating_add(1);
        }
        overflowed.sort_unstable();
        overflowed.dedup();
        let mut large: Vec<(u32, [u32; EngagementKind::COUNT])> =
            overflowed.iter().map(|&p| (p, [0; EngagementKind::COUNT])).collect();
        if !large.is_empty() {
            for (&p, &k) in post.iter().zip(kind) {
                if small[p as usize][k.index()] == u8::MAX {
                    let i = large.binary_search_by_key(&p, |&(q, _)| q).expect("overflowed post");
                    large[i].1[k.index()] += 1;
                }
            }
        }
        EngagementCounts { small, large }
    }

    /// How many engagements of kind `k` (by index) post `p` has.
    #[inline]
    pub fn get(&self, p: usize, k: usize) -> u32 {
        match self.small[p][k] {
            u8::MAX => self.overflow(p)[k],
            c => u32::from(c),
        }
    }

    /// Every counter of post `p`.
    pub fn row(&self, p: usize) -> [u32; EngagementKind::COUNT] {
        let small = &self.small[p];
        if small.contains(&u8::MAX) {
            let mut row = *self.overflow(p);
            for (r, &c) in row.iter_mut().zip(small) {
                if c < u8::MAX {
                    *r = u32::from(c);
                }
            }
            row
        } else {
            small.map(u32::from)
        }
    }

    fn overflow(&self, p: usize) -> &[u32; EngagementKind::COUNT] {
        let i = self.large.binary_search_by_key(&(p as u32), |&(q, _)| q).expect("overflowed post");
        &self.large[i].1
    }

    /// Bytes held.
    pub fn memory_usage(&self) -> usize {
        self.small.capacity() * EngagementKind::COUNT
            + self.large.capacity() * std::mem::size_of::<(u32, [u32; EngagementKind::COUNT])>()
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

    /// Releases spare capacity.
    pub fn compact(&mut self) {
        self.user.shrink_to_fit();
        self.post.shrink_to_fit();
        self.kind.shrink_to_fit();
        self.at.shrink_to_fit();
        self.rating.shrink_to_fit();
    }

    /// Bytes held.
    pub fn memory_usage(&self) -> usize {
        self.user.capacity() * 4
            + self.post.capacity() * 4
            + self.kind.capacity()
            + self.at.capacity() * 8
            + self.rating.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_rows_round_trip() {
        let mut spilled = Ragged::default();
        let rows: [&[u32]; 7] = [&[], &[7], &[1, 2, 3], &[SPILL + 1], &[0], &[4, 5], &[6, SPILL]];
        let slots: Vec<[u32; 2]> = rows.iter().map(|r| inline_slots(r, &mut spilled)).collect();
        for (row, slot) in rows.iter().zip(&slots) {
            assert_eq!(inline_row(slot, &spilled), *row);
        }
        assert_eq!(spilled.len(), 3);
        let one: Vec<[u32; 1]> = rows.iter().map(|r| inline_slots(r, &mut spilled)).collect();
        for (row, slot) in rows.iter().zip(&one) {
            assert_eq!(inline_row(slot, &spilled), *row);
        }
    }

    #[test]
    fn a_post_record_is_one_aligned_half_cache_line() {
        assert_eq!(std::mem::size_of::<PostMeta>(), 32);
        assert_eq!(std::mem::align_of::<PostMeta>(), 32);
    }

    #[test]
    fn counters_past_a_byte_are_exact() {
        use EngagementKind::*;
        let mut post = vec![];
        let mut kind = vec![];
        for i in 0..1000u32 {
            post.push(1);
            kind.push(Impression);
            if i % 3 == 0 {
                post.push(0);
                kind.push(Like);
            }
        }
        post.extend([2, 2]);
        kind.extend([Like, Report]);
        let c = EngagementCounts::count(3, &post, &kind);
        assert_eq!(c.get(1, Impression.index()), 1000);
        assert_eq!(c.get(0, Like.index()), 334);
        assert_eq!(c.get(2, Report.index()), 1);
        assert_eq!(c.row(1)[Impression.index()], 1000);
        assert_eq!(c.row(1)[Like.index()], 0);
        assert_eq!(c.row(2), [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn features_are_row_major_and_narrow_only_when_exact() {
        let mut f = FeatureColumns::default();
        f.push_row(0, [("a", 0.25), ("b", 0.1)]);
        f.push_row(1, [("a", 0.5), ("c", 2.0)]);
        let before = f.clone();
        f.compact(2);
        assert_eq!(f.slots, Some(vec![Slot::Narrow(0), Slot::Wide(0), Slot::Narrow(1)]));
        assert_eq!(f, before);
        assert_eq!(f.as_f64(0), &[0.25, 0.5]);
        assert_eq!(f.column(2).get(1), 2.0);
        assert!(f.column(1).get(1).is_nan());
        assert!(f.column(2).get(0).is_nan());
        f.push_row(2, [("a", 0.1)]);
        assert_eq!(f.column(0).get(2), 0.1);
        assert_eq!(f.as_f64(1)[0], 0.1);
    }
}
