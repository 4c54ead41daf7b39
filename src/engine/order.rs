//! The order of a feed's survivors: score descending, then `created_at` descending, then
//! external post id ascending — over the whole list, or over the top of it when nothing
//! below the feed needs explaining.

use crate::model::{Dataset, PostId};

/// Sorts survivor rows: score descending, then `created_at` descending, then external post
/// id ascending (byte order).
///
/// Rows are sorted by one integer key that orders as the score does (with the row as the
/// low bits); rows that tie on the score are then put in (`created_at`, external id)
/// order, so the result is the order the rule defines, computed without reading the
/// dataset per comparison.
pub(super) fn sort(
    order: &mut [u32],
    keys: &mut Vec<u128>,
    scores: &[f64],
    created: &[i64],
    posts: &[PostId],
    ds: &Dataset,
) {
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

/// The rows (in `keys`, as built by [`sort`]'s key rule) whose score is strictly better
/// than that of the row with the `m`-th best key, sorted; returns that row, the best row
/// left out. `None` when there are at most `m` rows.
pub(super) fn sort_top(
    m: usize,
    top: &mut Vec<u32>,
    keys: &mut Vec<u128>,
    scores: &[f64],
    created: &[i64],
    posts: &[PostId],
    ds: &Dataset,
) -> Option<usize> {
    let n = scores.len();
    if m >= n {
        return None;
    }
    keys.clear();
    keys.extend((0..n as u32).map(|r| u128::from(descending_f64(scores[r as usize])) << 32 | u128::from(r)));
    let (_, &mut boundary, _) = keys.select_nth_unstable(m);
    top.clear();
    top.extend(keys[..m].iter().filter(|&&key| key >> 32 < boundary >> 32).map(|&key| key as u32));
    sort(top, keys, scores, created, posts, ds);
    Some(boundary as u32 as usize)
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
