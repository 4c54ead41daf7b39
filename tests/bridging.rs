//! Bridging: the Community Notes matrix factorisation and Polis group consensus.

use glassfeed::bridging::{
    group_consensus, group_consensus_with, user_groups, BridgingConfig, BridgingModel, Grouping, Side,
};
use glassfeed::{
    Dataset, DatasetBuilder, EngagementKind, EngagementRecord, ErrorKind, PostId, PostRecord, UserId,
    UserRecord,
};
use proptest::prelude::*;

/// A dataset with users `u0…`, posts `p0…` (all by `u0`) and the given engagements
/// `(user, post, kind, rating)`, in that order.
fn dataset(users: u32, posts: u32, engagements: &[(u32, u32, EngagementKind, Option<f64>)]) -> Dataset {
    dataset_with_attrs(users, posts, engagements, |_| "none")
}

fn dataset_with_attrs(
    users: u32,
    posts: u32,
    engagements: &[(u32, u32, EngagementKind, Option<f64>)],
    viewpoint: impl Fn(u32) -> &'static str,
) -> Dataset {
    let mut b = DatasetBuilder::new();
    for u in 0..users {
        let attrs = [("viewpoint".to_string(), viewpoint(u).to_string())].into();
        b.add_user(&UserRecord { id: format!("u{u}"), attrs, ..Default::default() }).unwrap();
    }
    for p in 0..posts {
        b.add_post(&PostRecord {
            id: format!("p{p}"),
            author: "u0".into(),
            created_at: 0,
            ..Default::default()
        })
        .unwrap();
    }
    for (i, &(u, p, kind, rating)) in engagements.iter().enumerate() {
        let e = EngagementRecord { user: format!("u{u}"), post: format!("p{p}"), kind, at: i as i64, rating };
        b.add_engagement(&e).unwrap();
    }
    b.build().unwrap()
}

/// The planted matrix: raters 0–23 are side A, 24–39 side B; posts 0–9 liked by both,
/// 10–19 by A only, 20–29 by B only, 30–39 by nobody (every rater rates every post).
fn planted() -> Vec<(u32, u32, f64)> {
    let mut ratings = Vec::new();
    for u in 0..40u32 {
        let a = u < 24;
        for p in 0..40u32 {
            let liked = match p {
                0..=9 => true,
                10..=19 => a,
                20..=29 => !a,
                _ => false,
            };
            ratings.push((u, p, if liked { 1.0 } else { 0.0 }));
        }
    }
    ratings
}

fn bits(model: &BridgingModel) -> Vec<u64> {
    let arrays =
        [model.user_intercepts(), model.user_factors(), model.post_intercepts(), model.post_factors()];
    let mut out = vec![model.mu().to_bits(), model.final_loss().to_bits(), u64::from(model.iterations())];
    out.extend(arrays.iter().flat_map(|a| a.iter().map(|x| x.to_bits())));
    out
}

fn intercepts(model: &BridgingModel, posts: std::ops::Range<u32>) -> Vec<f64> {
    posts.map(|p| model.post_intercept(PostId(p)).unwrap()).collect()
}

fn abs_factors(model: &BridgingModel, posts: std::ops::Range<u32>) -> Vec<f64> {
    posts.map(|p| model.post_factor(PostId(p)).unwrap().abs()).collect()
}

fn min(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn planted_sides_bridging_posts_score_highest() {
    let model = BridgingModel::fit_ratings(40, 40, &planted(), &BridgingConfig::default()).unwrap();
    assert!(model.converged(), "did not converge in {} steps", model.iterations());
    eprintln!(
        "planted: mu {:.4}, {} iterations, loss {:.6}",
        model.mu(),
        model.iterations(),
        model.final_loss()
    );
    for range in [0..10, 10..20, 20..30, 30..40] {
        let p = range.start;
        eprintln!(
            "posts {range:?}: i_p {:.4} f_p {:+.4}",
            model.post_intercept(PostId(p)).unwrap(),
            model.post_factor(PostId(p)).unwrap()
        );
    }

    // Liked across the divide beats liked by one side, by a clear margin.
    let (both, one_side) = (intercepts(&model, 0..10), intercepts(&model, 10..30));
    assert!(min(&both) > max(&one_side) + 0.25, "both {both:?} one side {one_side:?}");
    // …and one-sided posts sit on the axis: their factors carry the disagreement.
    let (f_both, f_one) = (abs_factors(&model, 0..10), abs_factors(&model, 10..30));
    assert!(min(&f_one) > 5.0 * max(&f_both), "{f_one:?} vs {f_both:?}");

    // The inferred sides are exactly the planted groups; the larger one is negative.
    for u in 0..40 {
        let expected = if u < 24 { Side::Negative } else { Side::Positive };
        assert_eq!(model.user_side(UserId(u)), Some(expected), "user {u}");
    }
    for p in 0..40 {
        assert_eq!(model.raters(PostId(p)), (24, 16));
    }
    // A-only and B-only posts point opposite ways along the axis.
    let sign = |p: u32| model.post_factor(PostId(p)).unwrap().signum();
    let a_sign = sign(10);
    assert!((10..20).all(|p| sign(p) == a_sign));
    assert!((20..30).all(|p| sign(p) == -a_sign));
    // A's posts are predicted liked by A (negative f_u), so A's posts have negative f_p.
    assert_eq!(a_sign, -1.0);
}

#[test]
fn planted_sides_are_found_from_any_seed() {
    for seed in [1, 2, 3, 42, 1234] {
        let cfg = BridgingConfig { seed, ..Default::default() };
        let model = BridgingModel::fit_ratings(40, 40, &planted(), &cfg).unwrap();
        let negative = (0..40).filter(|&u| model.user_side(UserId(u)) == Some(Side::Negative)).count();
        assert_eq!(negative, 24, "seed {seed}");
        assert!((0..24).all(|u| model.user_side(UserId(u)) == Some(Side::Negative)), "seed {seed}");
    }
}

/// Sparse ratings of two communities (60% / 40%): each user rates 15 random posts; a post
/// of their own community is liked with probability 0.9, another's with 0.3.
fn sparse_communities(seed: u64, users: u32, posts: u32) -> Vec<(u32, u32, f64)> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let community = |id: u32, n: u32| id * 10 < n * 6;
    let mut ratings = Vec::new();
    for u in 0..users {
        for _ in 0..15 {
            let p = rng.random_range(0..posts);
            let p_like = if community(u, users) == community(p, posts) { 0.9 } else { 0.3 };
            ratings.push((u, p, if rng.random_bool(p_like) { 1.0 } else { 0.0 }));
        }
    }
    ratings
}

#[test]
fn sparse_communities_are_recovered() {
    let (users, posts) = (500, 400);
    let model = BridgingModel::fit_ratings(
        users,
        posts,
        &sparse_communities(3, 500, 400),
        &BridgingConfig::default(),
    )
    .unwrap();
    let matches = (0..users as u32)
        .filter(|&u| {
            let planted = if u * 10 < users as u32 * 6 { Side::Negative } else { Side::Positive };
            model.user_side(UserId(u)) == Some(planted)
        })
        .count();
    eprintln!("sparse communities: {matches}/{users} sides recovered, {} iterations", model.iterations());
    assert!(matches as f64 >= 0.9 * users as f64, "{matches}/{users}");
}

#[test]
fn fit_is_bit_identical_for_a_seed() {
    let cfg = BridgingConfig { seed: 7, ..Default::default() };
    let a = BridgingModel::fit_ratings(40, 40, &planted(), &cfg).unwrap();
    let b = BridgingModel::fit_ratings(40, 40, &planted(), &cfg).unwrap();
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(a, b);
    let mut reversed = planted();
    reversed.reverse();
    assert_eq!(bits(&a), bits(&BridgingModel::fit_ratings(40, 40, &reversed, &cfg).unwrap()));
}

#[test]
fn fit_on_a_dataset_matches_fit_on_its_ratings() {
    // Likes and dislikes for the planted matrix, plus noise that is not a rating.
    let mut engagements = Vec::new();
    for &(u, p, v) in &planted() {
        engagements.push((u, p, EngagementKind::Impression, None));
        let kind = if v == 1.0 { EngagementKind::Like } else { EngagementKind::Dislike };
        engagements.push((u, p, kind, None));
    }
    let ds = dataset(40, 40, &engagements);
    let cfg = BridgingConfig::default();
    let from_ds = BridgingModel::fit(&ds, &cfg).unwrap();
    let from_ratings = BridgingModel::fit_ratings(40, 40, &planted(), &cfg).unwrap();
    assert_eq!(bits(&from_ds), bits(&from_ratings));
    assert_eq!(from_ds.observation_count(), 1600);
}

#[test]
fn viewpoint_attributes_are_never_read() {
    let engagements: Vec<_> =
        planted().iter().map(|&(u, p, v)| (u, p, EngagementKind::Click, Some(v))).collect();
    let cfg = BridgingConfig::default();
    let truthful = dataset_with_attrs(40, 40, &engagements, |u| if u < 24 { "left" } else { "right" });
    let scrambled = dataset_with_attrs(40, 40, &engagements, |u| if u % 2 == 0 { "left" } else { "right" });
    let a = BridgingModel::fit(&truthful, &cfg).unwrap();
    let b = BridgingModel::fit(&scrambled, &cfg).unwrap();
    assert_eq!(bits(&a), bits(&b));
}

#[test]
fn posts_below_min_support_have_no_score() {
    use EngagementKind::*;
    let mut engagements = Vec::new();
    // p0: 4 raters (likes); p1: 5 raters (a report counts, an impression does not, an
    // explicit rating on a click does); p2: only impressions and replies.
    for u in 0..4 {
        engagements.push((u, 0, Like, None));
    }
    for u in 0..3 {
        engagements.push((u, 1, Repost, None));
    }
    engagements.push((3, 1, Report, None));
    engagements.push((4, 1, Click, Some(0.8)));
    engagements.push((5, 1, Impression, None));
    engagements.push((5, 2, Impression, None));
    engagements.push((6, 2, Reply, None));
    let ds = dataset(8, 3, &engagements);
    let model = BridgingModel::fit(&ds, &BridgingConfig::default()).unwrap();
    assert_eq!(model.rater_count(PostId(0)), 4);
    assert_eq!(model.post_intercept(PostId(0)), None);
    assert_eq!(model.post_factor(PostId(0)), None);
    let (n, p) = model.raters(PostId(0));
    assert_eq!(n + p, 4, "counts are kept below support");
    assert_eq!(model.rater_count(PostId(1)), 5);
    assert!(model.post_intercept(PostId(1)).is_some());
    assert_eq!(model.rater_count(PostId(2)), 0);
    assert_eq!(model.bridging_scores()[2], None);
    assert_eq!(model.user_side(UserId(5)), None, "impressions are not ratings");
    assert_eq!(model.user_intercept(UserId(7)), None);
    assert_eq!(model.post_intercept(PostId(99)), None);

    let lower = BridgingConfig { min_raters: 4, ..Default::default() };
    assert!(BridgingModel::fit(&ds, &lower).unwrap().post_intercept(PostId(0)).is_some());
}

#[test]
fn invalid_arguments_are_reported() {
    let ds = dataset(2, 1, &[]);
    let bad = BridgingConfig { learning_rate: -1.0, ..Default::default() };
    let err = BridgingModel::fit(&ds, &bad).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidArgument { name, .. } if name == "learning_rate"),
        "{err}"
    );
    let err = BridgingModel::fit_ratings(2, 1, &[(2, 0, 1.0)], &BridgingConfig::default()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidArgument { name, .. } if name == "ratings"), "{err}");
    let err = BridgingModel::fit_ratings(2, 1, &[(0, 0, 2.0)], &BridgingConfig::default()).unwrap_err();
    assert!(err.to_string().contains("not in [0, 1]"), "{err}");
}

/// Side A = users 0–3, side B = users 4–6. Posts 0–2 define the axis; 3–5 are the toy.
fn consensus_toy() -> Dataset {
    use EngagementKind::*;
    let mut e = Vec::new();
    for u in 0..7 {
        let a = u < 4;
        e.push((u, 0, Like, None));
        e.push((u, 1, if a { Like } else { Dislike }, None));
        e.push((u, 2, if a { Dislike } else { Like }, None));
    }
    // Post 3: only A rates it, 2 of 3 agree.
    e.extend([(0, 3, Like, None), (1, 3, Share, None), (2, 3, NotInterested, None)]);
    // Post 4: two raters, below min_raters = 3.
    e.extend([(0, 4, Like, None), (4, 4, Like, None)]);
    // Post 5: u0 at 0.5 (agree), u4 at 0.49 (disagree), u5 likes then dislikes (0.5, agree).
    e.extend([
        (0, 5, Click, Some(0.5)),
        (4, 5, Click, Some(0.49)),
        (5, 5, Like, None),
        (5, 5, Dislike, None),
    ]);
    dataset(7, 6, &e)
}

#[test]
fn group_consensus_matches_hand_computation() {
    let ds = consensus_toy();
    let cfg = BridgingConfig { min_raters: 3, ..Default::default() };
    let model = BridgingModel::fit(&ds, &cfg).unwrap();
    for u in 0..7 {
        let expected = if u < 4 { Side::Negative } else { Side::Positive };
        assert_eq!(model.user_side(UserId(u)), Some(expected), "user {u}");
    }
    let c = group_consensus(&model, &ds);
    // Π_g (A_g + 1) / (S_g + 2), group A first.
    let expected = [
        Some(5.0 / 6.0 * (4.0 / 5.0)), // everyone agrees
        Some(5.0 / 6.0 * (1.0 / 5.0)), // A agrees, B disagrees
        Some(1.0 / 6.0 * (4.0 / 5.0)), // B agrees, A disagrees
        Some(3.0 / 5.0 * (1.0 / 2.0)), // B did not rate it
        None,                          // 2 raters < 3
        Some(2.0 / 3.0 * (2.0 / 4.0)), // A: 1 of 1; B: 1 of 2
    ];
    assert_eq!(c.len(), 6);
    for (p, (got, want)) in c.iter().zip(&expected).enumerate() {
        match (got, want) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 1e-12, "post {p}: {g} vs {w}"),
            _ => assert_eq!(got, want, "post {p}"),
        }
    }
    // Two well-separated k-means groups are the two sides.
    let ratings = glassfeed::bridging::ratings_from_dataset(&ds);
    let kmeans = group_consensus_with(&model, &ratings, Grouping::KMeans { k: 2 }).unwrap();
    assert_eq!(kmeans, c);
    let groups = user_groups(&model, Grouping::KMeans { k: 2 }).unwrap();
    assert_eq!(groups, vec![Some(0), Some(0), Some(0), Some(0), Some(1), Some(1), Some(1)]);
    assert!(user_groups(&model, Grouping::KMeans { k: 0 }).is_err());
}

/// Small random engagement sets: `(user, post, kind index, optional rating)`.
fn engagements() -> impl Strategy<Value = Vec<(u32, u32, usize, Option<f64>)>> {
    prop::collection::vec((0..8u32, 0..6u32, 0..EngagementKind::COUNT, prop::option::of(0.0..=1.0f64)), 0..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn shuffled_ratings_give_bit_identical_parameters(
        (ratings, shuffled) in prop::collection::vec((0..8u32, 0..6u32, 0.0..=1.0f64), 0..60)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
    ) {
        let cfg = BridgingConfig { min_raters: 2, ..Default::default() };
        let a = BridgingModel::fit_ratings(8, 6, &ratings, &cfg).unwrap();
        let b = BridgingModel::fit_ratings(8, 6, &shuffled, &cfg).unwrap();
        prop_assert_eq!(bits(&a), bits(&b));
        prop_assert_eq!(&a, &b);
    }

    #[test]
    fn shuffled_engagements_give_bit_identical_parameters(
        (list, shuffled) in engagements().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
    ) {
        let to_records = |v: &[(u32, u32, usize, Option<f64>)]| -> Vec<_> {
            v.iter().map(|&(u, p, k, r)| (u, p, EngagementKind::ALL[k], r)).collect()
        };
        let cfg = BridgingConfig { min_raters: 2, ..Default::default() };
        let (da, db) = (dataset(8, 6, &to_records(&list)), dataset(8, 6, &to_records(&shuffled)));
        let (a, b) = (BridgingModel::fit(&da, &cfg).unwrap(), BridgingModel::fit(&db, &cfg).unwrap());
        prop_assert_eq!(bits(&a), bits(&b));
        prop_assert_eq!(group_consensus(&a, &da), group_consensus(&b, &db));
    }
}

/// The `bridging` preset against `engagement` on a synthetic town square: more items from
/// the other viewpoint, and a smaller gap between the viewpoints' amplification.
#[test]
fn bridging_preset_crosses_the_divide_more_evenly_than_engagement() {
    use glassfeed::audit::{cross_cutting_shares, group_amplification, AmplificationConfig};
    use glassfeed::{synth, Pipeline, RankOptions, UserId};
    let ds = synth::generate(&synth::SynthConfig { users: 2_000, seed: 3, ..Default::default() }).unwrap();
    let viewers: Vec<UserId> = (0..ds.user_count() as u32).map(UserId).collect();
    let options = RankOptions::default();
    let feeds = |name: &str| Pipeline::preset(name).unwrap().rank_all(&ds, &viewers, &options).unwrap();
    let control = feeds("chronological");
    let cfg = AmplificationConfig { bootstrap: 50, ..AmplificationConfig::default() };
    let measure = |name: &str| {
        let f = feeds(name);
        let cross: Vec<f64> = cross_cutting_shares(&ds, &f, "viewpoint").into_iter().flatten().collect();
        let cross = cross.iter().sum::<f64>() / cross.len() as f64;
        let amp = group_amplification(&ds, &f, &control, &cfg).unwrap();
        let a: Vec<f64> = amp.iter().filter_map(|g| g.amplification).collect();
        (cross, (a[0] - a[1]).abs())
    };
    let (cross_engagement, gap_engagement) = measure("engagement");
    let (cross_bridging, gap_bridging) = measure("bridging");
    assert!(cross_bridging > cross_engagement + 0.02, "{cross_bridging} vs {cross_engagement}");
    assert!(gap_bridging < gap_engagement, "{gap_bridging} vs {gap_engagement}");
}
