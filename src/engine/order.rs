//! The order of a feed's survivors: score descending, then `created_at` descending, then
//! external post id ascending — over the whole list, or over the top of it when nothing
//! below the feed needs explaining.

use crate::model::{Dataset, PostId};

/// Reusable buffers of [`sort`] and [`sort_top`].
#[derive(Debug, Default)]
pub(super) struct SortBuffers {
    /// `score key << 32 | row` of the rows being sorted.
    keys: Vec<u128>,
    /// The score key of every row, for selecting the top.
    score_keys: Vec<u64>,
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
    keys.extend(order.iter().map(|&r| u128::from(descending_f64(scores[r as usize])) << 32 | u128::from(r)));
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
    for (slot, &key) in order.iter_mut().zip(keys.iter()) {
        *slot = key as u32;
    }
}

/// A key whose unsigned order is the descending [`f64::total_cmp`] order.
fn descending_f64(x: f64) -> u64 {
    let bits = x.to_bits() as i64;
    let total = bits ^ ((((bits >> 63) as u64) >> 1) as i64); // as `total_cmp` orders, signed
    !((total as u64) ^ (1 << 63))
}

/// The rows whose score is strictly better than the `m`-th best score (0-based), sorted
/// as [`sort`] does; returns a row with that `m`-th best score (the best score left out;
/// only its score is used).
/// `None` when there are at most `m` rows.
pub(super) fn sort_top(
    m: usize,
    top: &mut Vec<u32>,
    buffers: &mut SortBuffers,
    scores: &[f64],
    created: &[i64],
    posts: &[PostId],
    ds: &Dataset,
) -> Option<usize> {
    let n = scores.len();
    if m >= n {
        return None;
    }
    // Select on the scores alone (rows that tie with the boundary stay out), then sort
    // only the rows above it.
    let score_keys = &mut buffers.score_keys;
    score_keys.clear();
    score_keys.extend(scores.iter().map(|&s| descending_f64(s)));
    let boundary = *score_keys.select_nth_unstable(m).1;
    top.clear();
    top.extend((0..n as u32).filter(|&r| descending_f64(scores[r as usize]) < boundary));
    let left_out =
        scores.iter().position(|&s| descending_f64(s) == boundary).expect("the boundary is a score");
    sort(top, buffers, scores, created, posts, ds);
    Some(left_out)
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
