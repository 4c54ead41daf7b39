//! Perturbed copies of a dataset for metamorphic checks, rebuilt through
//! [`DatasetBuilder`] from the original's public accessors.
//!
//! A rebuilt dataset keeps every dense id (users and posts are added in id order), every
//! edge, post (text, labels, topics, features, reply and repost links) and engagement
//! (kind, time, rating, input order); only what the perturbation names changes.

use crate::error::Result;
use crate::model::{Dataset, DatasetBuilder, EdgeKind, Engagement, PostId, PostRecord, UserId, UserRecord};
use crate::Error;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// Rebuilds `ds` with user attributes from `attrs` and each engagement credited to
/// `owner(engagement)`.
fn rebuild(
    ds: &Dataset,
    attrs: &dyn Fn(UserId) -> BTreeMap<String, String>,
    owner: &dyn Fn(&Engagement) -> UserId,
) -> Result<Dataset> {
    let mut b = DatasetBuilder::new();
    for u in 0..ds.user_count() as u32 {
        let user = UserId(u);
        b.add_user(&UserRecord {
            id: ds.user_name(user).to_string(),
            attrs: attrs(user),
            muted_words: ds.muted_words(user).map(str::to_string).collect(),
            hidden_labels: ds.hidden_label_ids(user).iter().map(|&l| ds.label_name(l).to_string()).collect(),
        })?;
    }
    let graph = ds.graph();
    for u in 0..ds.user_count() as u32 {
        for (kind, targets) in [
            (EdgeKind::Follow, graph.followees(u)),
            (EdgeKind::Mute, graph.mutes(u)),
            (EdgeKind::Block, graph.blocks(u)),
        ] {
            for &v in targets {
                b.add_edge_by_id(UserId(u), UserId(v), kind);
            }
        }
    }
    let features: Vec<(&str, &[f64])> =
        ds.feature_names().filter_map(|name| Some((name, ds.feature_column(name)?))).collect();
    for p in 0..ds.post_count() as u32 {
        let post = PostId(p);
        let text = ds.text(post);
        b.add_post(&PostRecord {
            id: ds.post_name(post).to_string(),
            author: ds.user_name(ds.author(post)).to_string(),
            created_at: ds.created_at(post),
            text: (!text.is_empty()).then(|| text.to_string()),
            reply_to: ds.reply_to(post).map(|r| ds.post_name(r).to_string()),
            repost_of: ds.repost_of(post).map(|r| ds.post_name(r).to_string()),
            labels: ds.label_ids(post).iter().map(|&l| ds.label_name(l).to_string()).collect(),
            topics: ds.topics(post).map(str::to_string).collect(),
            features: features
                .iter()
                .filter(|(_, column)| !column[post.index()].is_nan())
                .map(|&(name, column)| (name.to_string(), column[post.index()]))
                .collect(),
        })?;
    }
    for e in ds.engagements() {
        b.add_engagement_by_id(owner(&e), e.post, e.kind, e.at, e.rating);
    }
    b.build()
}

fn attrs_of(ds: &Dataset, user: UserId) -> BTreeMap<String, String> {
    ds.user_attrs(user).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A seeded random order of `0..n` (Fisher–Yates on ChaCha8).
pub(crate) fn shuffled(n: usize, rng: &mut ChaCha8Rng) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i as u64) as usize;
        order.swap(i, j);
    }
    order
}

/// A copy of `ds` in which the audit attributes (all keys together) move between users:
/// users are put in a seeded random order and each takes the attributes of the next one
/// in that order (a cyclic shift, so with two or more users nobody keeps their own row).
/// Everything else is unchanged.
///
/// ```
/// # use glassfeed::{synth, audit::with_permuted_attrs};
/// let ds = synth::generate(&synth::SynthConfig::with_users(50))?;
/// let permuted = with_permuted_attrs(&ds, 7)?;
/// assert_eq!(permuted.user_count(), ds.user_count());
/// assert_eq!(permuted.post_count(), ds.post_count());
/// # Ok::<(), glassfeed::Error>(())
/// ```
pub fn with_permuted_attrs(ds: &Dataset, seed: u64) -> Result<Dataset> {
    let n = ds.user_count();
    let order = shuffled(n, &mut ChaCha8Rng::seed_from_u64(seed));
    let mut donor: Vec<u32> = (0..n as u32).collect();
    for i in 0..n {
        donor[order[i] as usize] = order[(i + 1) % n];
    }
    rebuild(ds, &|u| attrs_of(ds, UserId(donor[u.index()])), &|e| e.user)
}

/// A copy of `ds` in which every engagement by `from` is credited to `to`, for each pair
/// `(from, to)` (users not named as `from` keep theirs). Every post keeps exactly the
/// same engagements (kind, time, rating); only who made them changes. Each user may
/// appear at most once as `from`.
pub fn with_reassigned_histories(ds: &Dataset, moves: &[(UserId, UserId)]) -> Result<Dataset> {
    let n = ds.user_count();
    let mut owner: Vec<u32> = (0..n as u32).collect();
    let mut moved = vec![false; n];
    for &(from, to) in moves {
        for (name, u) in [("from", from), ("to", to)] {
            if u.index() >= n {
                return Err(Error::argument("moves", format!("{name} user #{} is not in the dataset", u.0)));
            }
        }
        if std::mem::replace(&mut moved[from.index()], true) {
            return Err(Error::argument(
                "moves",
                format!("`{}` appears twice as the source of a move", ds.user_name(from)),
            ));
        }
        owner[from.index()] = to.0;
    }
    rebuild(ds, &|u| attrs_of(ds, u), &|e| UserId(owner[e.user.index()]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{generate, SynthConfig};

    #[test]
    fn an_empty_perturbation_rebuilds_an_equal_dataset() {
        let ds = generate(&SynthConfig::with_users(60)).unwrap();
        let same = with_reassigned_histories(&ds, &[]).unwrap();
        assert_eq!(same.engagement_count(), ds.engagement_count());
        for u in 0..ds.user_count() as u32 {
            assert_eq!(same.user_name(UserId(u)), ds.user_name(UserId(u)));
            assert_eq!(same.history(UserId(u)).len(), ds.history(UserId(u)).len());
        }
        for p in 0..ds.post_count() as u32 {
            let p = PostId(p);
            assert_eq!(same.engagement_totals(p), ds.engagement_totals(p));
            assert_eq!(same.post_name(p), ds.post_name(p));
        }
    }

    #[test]
    fn permuted_attrs_keep_the_multiset_and_move_every_row() {
        let ds = generate(&SynthConfig::with_users(60)).unwrap();
        let p = with_permuted_attrs(&ds, 3).unwrap();
        let count = |d: &Dataset, g: &str| {
            (0..d.user_count() as u32).filter(|&u| d.user_attr(UserId(u), "viewpoint") == Some(g)).count()
        };
        assert_eq!(count(&p, "left"), count(&ds, "left"));
        assert_eq!(count(&p, "right"), count(&ds, "right"));
        let moved = (0..ds.user_count() as u32)
            .filter(|&u| p.user_attr(UserId(u), "viewpoint") != ds.user_attr(UserId(u), "viewpoint"))
            .count();
        assert!(moved > 0);
    }
}
