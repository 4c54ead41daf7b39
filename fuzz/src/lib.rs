//! Shared by the fuzz targets: every ranking call on one dataset and pipeline, checking
//! that each returns `Ok` or a typed error (a panic is the crash libFuzzer reports) and
//! that what comes back keeps the documented invariants.

use glassfeed::audit::{self, ImpressionModel};
use glassfeed::{Dataset, ExplainMode, Feed, Pipeline, PostId, RankOptions, UserId};

/// What to ask of the pipeline: viewer, posts for `why_not`/`compare`, `k` and `now`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Calls {
    /// Dense viewer id (may be out of range: that must be an error, not a panic).
    pub viewer: u32,
    /// Dense ids of the posts to explain and compare (may be out of range).
    pub posts: (u32, u32),
    /// `RankOptions::k` (`None`: the selector's).
    pub k: Option<usize>,
    /// `RankOptions::now` (`None`: the dataset's latest timestamp).
    pub now: Option<i64>,
}

/// Ranks with every explain mode, then `rank_all`, `why_not`, `compare` and the audits
/// that read feeds.
pub fn exercise(ds: &Dataset, pipeline: &Pipeline, calls: Calls) {
    let viewer = UserId(calls.viewer);
    for explain in [ExplainMode::Off, ExplainMode::Summary, ExplainMode::Full] {
        let options = RankOptions { k: calls.k, explain, now: calls.now };
        if let Ok(feed) = pipeline.rank(ds, viewer, &options) {
            check_feed(&feed, explain);
        }
    }
    let options = RankOptions { k: calls.k, explain: ExplainMode::Off, now: calls.now };
    let (a, b) = (PostId(calls.posts.0), PostId(calls.posts.1));
    if let Ok(e) = pipeline.why_not(ds, viewer, a, &options) {
        assert_eq!(e.post, ds.post_name(a));
        let _ = e.to_sentences();
    }
    let _ = pipeline.compare(ds, viewer, a, b, &options);
    let viewers: Vec<UserId> = (0..ds.user_count() as u32).map(UserId).collect();
    let Ok(feeds) = pipeline.rank_all(ds, &viewers, &options) else { return };
    audit_feeds(ds, &feeds);
}

/// Items in feed order with consecutive ranks and non-increasing scores; every scored
/// explanation recomputes to its score bit for bit.
fn check_feed(feed: &Feed, explain: ExplainMode) {
    for (i, item) in feed.items.iter().enumerate() {
        assert_eq!(item.rank as usize, i + 1);
        assert!(item.score.is_finite(), "non-finite score in a feed");
    }
    assert!(feed.items.windows(2).all(|w| w[0].score >= w[1].score), "feed not sorted by score");
    assert_eq!(feed.explanations.is_empty(), explain == ExplainMode::Off || feed.sourced == 0);
    for e in &feed.explanations {
        if let Some(score) = e.score {
            assert_eq!(
                e.recompute_score().to_bits(),
                score.to_bits(),
                "score of {} does not recompute",
                e.post
            );
        }
        let _ = e.to_sentences();
    }
}

/// The audits over feeds (the ones that rank again are left to the rank target's
/// dataset sizes: they are exercised through `rank_all` above).
fn audit_feeds(ds: &Dataset, feeds: &[Feed]) {
    for model in [
        ImpressionModel::TopK { k: 3 },
        ImpressionModel::Logarithmic,
        ImpressionModel::RankBiased { gamma: 0.8 },
    ] {
        let _ = audit::exposure_by_author(ds, feeds, model);
        let _ = audit::author_exposure_gini(ds, feeds, model);
        let _ = audit::group_shares(ds, feeds, model, "viewpoint");
    }
    let _ = audit::cross_cutting_shares(ds, feeds, "viewpoint");
    let _ = audit::cross_cutting_summary(ds, feeds, "viewpoint");
    let _ = audit::source_diversity(ds, feeds);
    let _ = audit::popularity_bias(ds, feeds);
    let reversed: Vec<Feed> =
        feeds.iter().map(|f| Feed { items: f.items.iter().rev().cloned().collect(), ..f.clone() }).collect();
    let _ = audit::diff_feeds(ds, feeds, &reversed, 0.9);
}
