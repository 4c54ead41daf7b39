//! The order of a feed's survivors: score descending, then `created_at` descending, then
//! external post id ascending — over the whole list, or over the top of it when nothing
//! below the feed needs explaining.

use crate::model::{Dataset, PostId};

/// Reusable buffers of [`sort`].
#[derive(Debug, Default)]
pub(super) struct SortBuffers {
    /// `score key << 32 | row` of the rows being sorted.
    keys: Vec<u128>,
}

/// Sorts survivor rows: score descending, then `created_at` descending, then external post
/// id ascending (byte order).
///
/// Rows are sorted by one integer key that orders as the score does (with the row as the
/// low bits); rows that tie on the score are then put in (`created_at`, external id)
/// order, so the result is the order the rule defines, computed without reading the
/// dataset per comparison.
pub(super) fn sort(
    order: &mut [u32],
    buffers: &mut SortBuffers,
    scores: &[f64],
    created: &[i64],
    posts: &[PostId],
    ds: &Dataset,
) {
    let keys = &mut buffers.keys;
    keys.clear();
    keys.extend(order.iter().map(|&r| row_key(scores, r)));
    sort_keys(keys, created, posts, ds);
    for (slot, &key) in order.iter_mut().zip(keys.iter()) {
        *slot = key as u32;
    }
}

/// `score key << 32 | row`: orders as the row's score descending, then the row.
fn row_key(scores: &[f64], row: u32) -> u128 {
    u128::from(descending_f64(scores[row as usize])) << 32 | u128::from(row)
}

/// Sorts row keys ([`row_key`]) in the order [`sort`] defines.
fn sort_keys(keys: &mut [u128], created: &[i64], posts: &[PostId], ds: &Dataset) {
    keys.sort_unstable();
    let row = |key: u128| key as u32 as usize;
    let mut i = 0;
    while i < keys.len() {
        let score = keys[i] >> 32;
        let tied = keys[i..].iter().take_while(|&&k| k >> 32 == score).count();
        if tied > 1 {
            keys[i..i + tied].sort_unstable_by(|&a, &b| {
                let (ra, rb) = (row(a), row(b));
                created[rb].cmp(&created[ra]).then_with(|| {
                    let (a, b) = (posts[ra], posts[rb]);
                    ds.post_name(a).cmp(ds.post_name(b)).then(a.cmp(&b))
                })
            });
        }
        i += tied;
    }
}

/// A key whose unsigned order is the descending [`f64::total_cmp`] order.
fn descending_f64(x: f64) -> u64 {
    let bits = x.to_bits() as i64;
    let total = bits ^ ((((bits >> 63) as u64) >> 1) as i64); // as `total_cmp` orders, signed
    !((total as u64) ^ (1 << 63))
}

/// The top of a feed's order, grown on demand: the rows whose score is strictly better
/// than the `m`-th best, sorted as [`sort`] does. Growing it sorts only the rows it adds,
/// which all come after the rows already there.
#[derive(Debug, Default)]
pub(super) struct Top {
    /// Row keys ([`row_key`]) of the rows not yet in the top.
    rest: Vec<u128>,
}

impl Top {
    /// Starts an empty top over every row of `scores`.
    pub(super) fn start(&mut self, scores: &[f64]) {
        self.rest.clear();
        self.rest.extend((0..scores.len() as u32).map(|r| row_key(scores, r)));
    }

    /// Starts an empty top over `rows` (rows of `scores`).
    pub(super) fn start_rows(&mut self, scores: &[f64], rows: &[u32]) {
        self.rest.clear();
        self.rest.extend(rows.iter().map(|&r| row_key(scores, r)));
    }

    /// Grows `top` (the top so far, as this left it) to the rows whose score is strictly
    /// better than the `m`-th best score (0-based; rows that tie with it stay out), and
    /// returns a row with that score (the best score left out); or adds every row left and
    /// returns `None` when there are at most `m` rows.
    pub(super) fn grow(
        &mut self,
        m: usize,
        top: &mut Vec<u32>,
        created: &[i64],
        posts: &[PostId],
        ds: &Dataset,
    ) -> Option<usize> {
        let nth = m.saturating_sub(top.len());
        let (added, best_left_out) = if nth >= self.rest.len() {
            (self.rest.len(), None)
        } else {
            // Every row left has a score key at least the last one added, so the m-th best
            // of all rows is the `nth` best of these.
            let boundary = *self.rest.select_nth_unstable(nth).1;
            let (left_out, boundary) = (boundary as u32 as usize, boundary >> 32);
            let better = &mut self.rest[..nth];
            let mut added = 0;
            for i in 0..better.len() {
                if better[i] >> 32 < boundary {
                    better.swap(added, i);
                    added += 1;
                }
            }
            (added, Some(left_out))
        };
        sort_keys(&mut self.rest[..added], created, posts, ds);
        top.extend(self.rest.drain(..added).map(|key| key as u32));
        best_left_out
    }
}

#[cfg(test)]
mod tests {
    use super::descending_f64;

    #[test]
    fn sort_keys_order_as_the_values_descending() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -2.5,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            5e-324,
            1.0,
            1.0 + f64::EPSILON,
            f64::MAX,
            f64::INFINITY,
        ];
        for a in xs {
            for b in xs {
                assert_eq!(descending_f64(a).cmp(&descending_f64(b)), b.total_cmp(&a), "{a} {b}");
            }
        }
    }
}
