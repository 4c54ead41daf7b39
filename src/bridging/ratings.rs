//! Ratings from engagements, and the sparse observation matrix the fit runs on.

use crate::model::{Dataset, EngagementKind};
use crate::{Error, Result};

/// The rating an engagement expresses, if any.
///
/// An explicit `rating` always wins. Otherwise like, repost, quote and share are 1.0;
/// dislike, not-interested and report are 0.0; impression, click, reply and profile click
/// are not ratings (`None`).
///
/// ```
/// use glassfeed::{bridging::rating_value, EngagementKind};
/// assert_eq!(rating_value(EngagementKind::Repost, None), Some(1.0));
/// assert_eq!(rating_value(EngagementKind::Report, None), Some(0.0));
/// assert_eq!(rating_value(EngagementKind::Reply, None), None);
/// assert_eq!(rating_value(EngagementKind::Click, Some(0.25)), Some(0.25));
/// ```
pub fn rating_value(kind: EngagementKind, rating: Option<f64>) -> Option<f64> {
    use EngagementKind as K;
    rating.or(match kind {
        K::Like | K::Repost | K::Quote | K::Share => Some(1.0),
        K::Dislike | K::NotInterested | K::Report => Some(0.0),
        K::Impression | K::Click | K::Reply | K::ProfileClick => None,
    })
}

/// Every user's rating of every post they rated, as `(user, post, value)` sorted by
/// `(user, post)`, one entry per pair (several ratings of a post by a user are averaged).
///
/// The result depends only on the multiset of engagements, not on their order: ratings
/// are sorted by `(user, post, value)` before the average is summed.
pub fn ratings_from_dataset(ds: &Dataset) -> Vec<(u32, u32, f64)> {
    let raw: Vec<(u32, u32, f64)> = ds
        .engagements()
        .filter_map(|e| rating_value(e.kind, e.rating).map(|v| (e.user.0, e.post.0, v)))
        .collect();
    canonical(raw)
}

/// Sorts ratings by `(user, post, value)` and averages each `(user, post)` group in that
/// order, so equal multisets give bit-identical results.
pub(crate) fn canonical(mut raw: Vec<(u32, u32, f64)>) -> Vec<(u32, u32, f64)> {
    raw.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
    let mut out: Vec<(u32, u32, f64)> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let (u, p, first) = raw[i];
        let mut j = i + 1;
        let mut sum = first;
        while j < raw.len() && raw[j].0 == u && raw[j].1 == p {
            sum += raw[j].2;
            j += 1;
        }
        let value = if j - i == 1 { first } else { sum / (j - i) as f64 };
        out.push((u, p, value));
        i = j;
    }
    out
}

/// Checks that every rating refers to a user `< n_users` and a post `< n_posts` and has a
/// value in `[0, 1]`, then returns them in canonical form (see [`canonical`]).
pub(crate) fn checked(
    n_users: usize,
    n_posts: usize,
    ratings: &[(u32, u32, f64)],
) -> Result<Vec<(u32, u32, f64)>> {
    for (k, &(u, p, v)) in ratings.iter().enumerate() {
        if u as usize >= n_users {
            return Err(Error::argument("ratings", format!("rating {k}: user {u} ≥ n_users {n_users}")));
        }
        if p as usize >= n_posts {
            return Err(Error::argument("ratings", format!("rating {k}: post {p} ≥ n_posts {n_posts}")));
        }
        if !(0.0..=1.0).contains(&v) {
            return Err(Error::argument("ratings", format!("rating {k}: value {v} is not in [0, 1]")));
        }
    }
    Ok(canonical(ratings.to_vec()))
}

/// Canonical ratings laid out for the fit: observations sorted by `(user, post)` with
/// per-user offsets, plus a permutation that visits them sorted by `(post, user)`.
#[derive(Debug, Clone)]
pub(crate) struct Observations {
    pub n_users: usize,
    pub n_posts: usize,
    pub post: Vec<u32>,
    pub value: Vec<f64>,
    /// Observations of user `u` are `user_start[u]..user_start[u + 1]`.
    pub user_start: Vec<usize>,
    /// Observation indices sorted by `(post, user)`.
    pub by_post: Vec<u32>,
    /// `user[by_post[j]]`, stored to save one indirection.
    pub by_post_user: Vec<u32>,
    /// Entries of post `p` in `by_post` are `post_start[p]..post_start[p + 1]`.
    pub post_start: Vec<usize>,
}

impl Observations {
    /// Lays out canonical ratings (sorted by `(user, post)`, unique pairs, ids in range).
    pub fn new(n_users: usize, n_posts: usize, ratings: &[(u32, u32, f64)]) -> Observations {
        debug_assert!(ratings.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
        let user: Vec<u32> = ratings.iter().map(|r| r.0).collect();
        let post: Vec<u32> = ratings.iter().map(|r| r.1).collect();
        let value: Vec<f64> = ratings.iter().map(|r| r.2).collect();
        let user_start = offsets(n_users, &user);
        let post_start = offsets(n_posts, &post);
        // Counting sort by post; stable, so users stay ascending within a post.
        let mut next = post_start.clone();
        let mut by_post = vec![0u32; ratings.len()];
        for (k, &p) in post.iter().enumerate() {
            by_post[next[p as usize]] = k as u32;
            next[p as usize] += 1;
        }
        let by_post_user = by_post.iter().map(|&k| user[k as usize]).collect();
        Observations { n_users, n_posts, post, value, user_start, by_post, by_post_user, post_start }
    }

    /// Number of observations.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// Number of posts rated by user `u`.
    pub fn user_degree(&self, u: usize) -> usize {
        self.user_start[u + 1] - self.user_start[u]
    }

    /// Number of users who rated post `p`.
    #[cfg(test)]
    pub fn post_degree(&self, p: usize) -> usize {
        self.post_start[p + 1] - self.post_start[p]
    }
}

/// CSR offsets: `start[i]..start[i + 1]` counts the entries equal to `i`.
fn offsets(n: usize, ids: &[u32]) -> Vec<usize> {
    let mut start = vec![0usize; n + 1];
    for &i in ids {
        start[i as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_sorts_and_averages_in_a_fixed_order() {
        let a = canonical(vec![(1, 0, 0.1), (0, 2, 1.0), (1, 0, 0.7), (0, 1, 0.0), (1, 0, 0.2)]);
        let b = canonical(vec![(1, 0, 0.2), (1, 0, 0.7), (0, 1, 0.0), (1, 0, 0.1), (0, 2, 1.0)]);
        assert_eq!(a.len(), 3);
        assert_eq!((a[0].0, a[0].1, a[1].1, a[2].0), (0, 1, 2, 1));
        assert!((a[2].2 - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            a.iter().map(|r| r.2.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|r| r.2.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn checked_rejects_bad_ids_and_values() {
        assert!(checked(2, 2, &[(2, 0, 1.0)]).is_err());
        assert!(checked(2, 2, &[(0, 2, 1.0)]).is_err());
        assert!(checked(2, 2, &[(0, 0, 1.5)]).is_err());
        assert!(checked(2, 2, &[(0, 0, f64::NAN)]).is_err());
        assert_eq!(checked(2, 2, &[(1, 1, 0.5)]).unwrap(), vec![(1, 1, 0.5)]);
    }

    #[test]
    fn observations_index_both_ways() {
        let r = canonical(vec![(0, 1, 1.0), (0, 2, 0.0), (2, 1, 0.5), (2, 0, 1.0)]);
        let obs = Observations::new(3, 3, &r);
        assert_eq!(obs.user_start, vec![0, 2, 2, 4]);
        assert_eq!(obs.post_start, vec![0, 1, 3, 4]);
        // Post 0: obs 2 (user 2, post 0); post 1: users 0 and 2; post 2: user 0.
        assert_eq!(obs.by_post, vec![2, 0, 3, 1]);
        assert_eq!(obs.by_post_user, vec![2, 0, 2, 0]);
        assert_eq!((obs.user_degree(1), obs.post_degree(1)), (0, 2));
    }
}
