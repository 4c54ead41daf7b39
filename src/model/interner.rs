//! String interning: external string ids ↔ dense `u32` ids, and ragged rows.

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// Maps strings to dense `u32` ids in insertion order and back.
///
/// All strings live in one buffer. While strings are being added, lookups go through a
/// hash table of `u32` ids (about 9 bytes per string); [`Interner::freeze`] replaces it
/// with the ids sorted by string (4 bytes per string, lookups by binary search), which is
/// what a built [`Dataset`](crate::Dataset) keeps. Interning into a frozen interner
/// rebuilds the hash table first.
#[derive(Clone, Default)]
pub struct Interner {
    bytes: String,
    ends: Vec<u32>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// When frozen: every id, sorted by its string (and `table` is empty).
    sorted: Vec<u32>,
    frozen: bool,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Interner {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes && self.ends == other.ends
    }
}

impl Interner {
    /// Number of interned strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The string with dense id `id`. Panics if `id` is out of range.
    pub fn get(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// The dense id of `s`, if interned.
    pub fn lookup(&self, s: &str) -> Option<u32> {
        if self.frozen {
            return self.sorted.binary_search_by(|&id| self.get(id).cmp(s)).ok().map(|i| self.sorted[i]);
        }
        let hash = self.hasher.hash_one(s);
        self.table.find(hash, |&id| self.get(id) == s).copied()
    }

    /// Trades the hash table for the ids sorted by string (4 bytes per string instead of
    /// about 9; lookups by binary search) and releases spare capacity. For interners that
    /// are done growing; [`Interner::intern`] undoes it.
    pub fn freeze(&mut self) {
        if self.frozen {
            return;
        }
        self.table = HashTable::new();
        let mut sorted: Vec<u32> = (0..self.ends.len() as u32).collect();
        sorted.sort_unstable_by(|&a, &b| self.get(a).cmp(self.get(b)));
        self.sorted = sorted;
        self.frozen = true;
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Rebuilds the hash table of a frozen interner, to intern more strings.
    fn thaw(&mut self) {
        self.frozen = false;
        self.sorted = Vec::new();
        let (bytes, ends, hasher) = (&self.bytes, &self.ends, &self.hasher);
        let hash_of = |id: u32| {
            let i = id as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            hasher.hash_one(&bytes[start..ends[i] as usize])
        };
        let mut table = HashTable::with_capacity(ends.len());
        for id in 0..ends.len() as u32 {
            table.insert_unique(hash_of(id), id, |&other| hash_of(other));
        }
        self.table = table;
    }

    /// Interns `s`, returning its id and whether it was new.
    pub fn intern(&mut self, s: &str) -> (u32, bool) {
        if self.frozen {
            self.thaw();
        }
        let hash = self.hasher.hash_one(s);
        if let Some(&id) = self.table.find(hash, |&id| self.get(id) == s) {
            return (id, false);
        }
        let id = self.ends.len() as u32;
        self.bytes.push_str(s);
        let end = u32::try_from(self.bytes.len()).expect("interned strings exceed 4 GiB");
        self.ends.push(end);
        let (bytes, ends, hasher) = (&self.bytes, &self.ends, &self.hasher);
        self.table.insert_unique(hash, id, |&other| {
            let o = other as usize;
            let start = if o == 0 { 0 } else { ends[o - 1] as usize };
            hasher.hash_one(&bytes[start..ends[o] as usize])
        });
        (id, true)
    }

    /// The string buffer, the end offset of each string, and (when frozen) the ids sorted
    /// by string, for the snapshot writer.
    pub(crate) fn raw_parts(&self) -> (&str, &[u32], Option<&[u32]>) {
        (&self.bytes, &self.ends, self.frozen.then_some(self.sorted.as_slice()))
    }

    /// A frozen interner from the parts [`Interner::raw_parts`] gives, checked: ends
    /// non-decreasing, within `bytes` and on character boundaries, the last one at the end
    /// of `bytes`; `sorted` a permutation of the ids whose strings strictly increase (so
    /// no string appears twice). Returns what is wrong otherwise.
    pub(crate) fn from_raw_parts(bytes: String, ends: Vec<u32>, sorted: Vec<u32>) -> Result<Self, String> {
        let mut start = 0u32;
        for (i, &end) in ends.iter().enumerate() {
            if end < start || end as usize > bytes.len() || !bytes.is_char_boundary(end as usize) {
                return Err(format!(
                    "string {i} ends at byte {end}, not a valid end in {} bytes",
                    bytes.len()
                ));
            }
            start = end;
        }
        if start as usize != bytes.len() {
            return Err(format!("the strings end at byte {start} but the buffer holds {}", bytes.len()));
        }
        if sorted.len() != ends.len() {
            return Err(format!("{} sorted ids for {} strings", sorted.len(), ends.len()));
        }
        let mut seen = vec![false; ends.len()];
        for &id in &sorted {
            match seen.get_mut(id as usize) {
                Some(slot) if !*slot => *slot = true,
                _ => return Err(format!("sorted ids are not a permutation (id {id})")),
            }
        }
        let interner = Interner { bytes, ends, sorted, frozen: true, ..Default::default() };
        if let Some(w) = interner.sorted.windows(2).find(|w| interner.get(w[0]) >= interner.get(w[1])) {
            return Err(format!("`{}` is repeated or out of order", interner.get(w[1])));
        }
        Ok(interner)
    }

    /// All strings in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len() as u32).map(move |i| self.get(i))
    }

    /// Bytes held (string buffer, offsets, lookup table or sorted ids).
    pub fn memory_usage(&self) -> usize {
        // A hash table of `u32` ids holds one control byte per bucket besides each id;
        // buckets are a power of two at least 8/7 of the capacity.
        let buckets =
            if self.table.capacity() == 0 { 0 } else { (self.table.capacity() * 8 / 7).next_power_of_two() };
        self.bytes.capacity() + self.ends.capacity() * 4 + buckets * 5 + self.sorted.capacity() * 4
    }
}

/// Rows of variable length stored contiguously (compressed sparse rows).
#[derive(Clone, Debug, PartialEq)]
pub struct Ragged<T> {
    ends: Vec<u32>,
    values: Vec<T>,
}

impl<T> Default for Ragged<T> {
    fn default() -> Self {
        Ragged { ends: Vec::new(), values: Vec::new() }
    }
}

impl<T: Copy> Ragged<T> {
    /// Appends a row.
    pub fn push_row(&mut self, row: impl IntoIterator<Item = T>) {
        self.values.extend(row);
        self.ends.push(u32::try_from(self.values.len()).expect("ragged storage exceeds 4G values"));
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[T] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.values[start..self.ends[i] as usize]
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Total number of values over all rows.
    pub fn value_count(&self) -> usize {
        self.values.len()
    }

    /// Every value, row after row.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// Where row `i` lies in [`Ragged::values`] (for columns kept alongside).
    pub fn row_range(&self, i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        start..self.ends[i] as usize
    }

    /// The same rows with every value mapped.
    pub fn map_values<U>(self, f: impl FnMut(T) -> U) -> Ragged<U> {
        Ragged { ends: self.ends, values: self.values.into_iter().map(f).collect() }
    }

    /// Builds rows from `(row, value)` pairs sorted by row; `rows` is the row count.
    pub fn from_sorted_pairs(rows: usize, pairs: impl IntoIterator<Item = (u32, T)>) -> Self {
        let mut out = Ragged { ends: Vec::with_capacity(rows), values: Vec::new() };
        for (row, value) in pairs {
            while out.ends.len() < row as usize {
                out.ends.push(out.values.len() as u32);
            }
            out.values.push(value);
        }
        while out.ends.len() < rows {
            out.ends.push(out.values.len() as u32);
        }
        out
    }

    /// Bytes held.
    pub fn memory_usage(&self) -> usize {
        self.ends.capacity() * 4 + self.values.capacity() * std::mem::size_of::<T>()
    }

    /// The end of each row in [`Ragged::values`].
    pub(crate) fn ends(&self) -> &[u32] {
        &self.ends
    }

    /// Rows from their ends and values, checked: ends non-decreasing, the last one (or 0)
    /// equal to the number of values. Returns what is wrong otherwise.
    pub(crate) fn from_parts(ends: Vec<u32>, values: Vec<T>) -> Result<Self, String> {
        if let Some(w) = ends.windows(2).find(|w| w[0] > w[1]) {
            return Err(format!("row ends decrease ({} then {})", w[0], w[1]));
        }
        let last = ends.last().map_or(0, |&e| e as usize);
        if last != values.len() {
            return Err(format!("rows end at {last} but {} values are stored", values.len()));
        }
        Ok(Ragged { ends, values })
    }

    /// Releases spare capacity (rows grow by doubling while they are pushed).
    pub fn shrink_to_fit(&mut self) {
        self.ends.shrink_to_fit();
        self.values.shrink_to_fit();
    }
}

impl Ragged<u32> {
    /// Groups the indices `0..keys.len()` by `keys[i]` (one row per key in `0..rows`), each
    /// row sorted by `(order_key(i), i)`. A counting sort plus a sort of each (small) row.
    pub fn group_by_key<K: Ord>(rows: usize, keys: &[u32], order_key: impl Fn(u32) -> K) -> Self {
        Self::group_by_key_filtered(rows, keys, |_| true, order_key)
    }

    /// Like [`Ragged::group_by_key`], keeping only the indices for which `keep` is true.
    pub fn group_by_key_filtered<K: Ord>(
        rows: usize,
        keys: &[u32],
        keep: impl Fn(u32) -> bool,
        order_key: impl Fn(u32) -> K,
    ) -> Self {
        let mut ends = vec![0u32; rows];
        for (i, &k) in keys.iter().enumerate() {
            if keep(i as u32) {
                ends[k as usize] += 1;
            }
        }
        let mut total = 0u32;
        for end in &mut ends {
            total += *end;
            *end = total;
        }
        // Fill each row from its end backwards, visiting indices in reverse: rows come out
        // in ascending index order.
        let mut next = ends.clone();
        let mut values = vec![0u32; total as usize];
        for (i, &k) in keys.iter().enumerate().rev() {
            if keep(i as u32) {
                next[k as usize] -= 1;
                values[next[k as usize] as usize] = i as u32;
            }
        }
        let mut start = 0usize;
        for &end in &ends {
            values[start..end as usize].sort_by_key(|&i| (order_key(i), i));
            start = end as usize;
        }
        Ragged { ends, values }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_lookups_match_and_interning_thaws() {
        let mut i = Interner::default();
        for s in ["p10", "p2", "", "p1", "zeta", "alpha"] {
            i.intern(s);
        }
        let before: Vec<Option<u32>> =
            ["p1", "p2", "p10", "alpha", "", "nope"].iter().map(|s| i.lookup(s)).collect();
        let bytes_before = i.memory_usage();
        i.freeze();
        let after: Vec<Option<u32>> =
            ["p1", "p2", "p10", "alpha", "", "nope"].iter().map(|s| i.lookup(s)).collect();
        assert_eq!(before, after);
        assert_eq!(before[5], None);
        assert!(i.memory_usage() <= bytes_before);
        assert_eq!(i.intern("p2"), (1, false));
        assert_eq!(i.intern("new"), (6, true));
        assert_eq!(i.lookup("new"), Some(6));
        assert_eq!(i.lookup("zeta"), Some(4));
        i.freeze();
        assert_eq!(i.lookup("new"), Some(6));
        assert_eq!(i.iter().collect::<Vec<_>>(), ["p10", "p2", "", "p1", "zeta", "alpha", "new"]);
    }
}
