//! [`BridgingModel`]: the fitted parameters and what they say about users and posts.

use super::fit::fit_canonical;
use super::ratings::{checked, ratings_from_dataset};
use super::{BridgingConfig, Side};
use crate::model::{Dataset, PostId, UserId};
use crate::Result;
use ndarray::Array1;

/// A fitted bridging model (DESIGN §6): global intercept `μ`, per-user intercept `i_u`
/// and factor `f_u`, per-post intercept `i_p` (the bridging score) and factor `f_p`.
///
/// Users and posts without ratings keep zero parameters and report `None`; posts with
/// fewer than [`BridgingConfig::min_raters`] distinct raters report `None` for their
/// intercept and factor (but their rater counts are kept).
#[derive(Debug, Clone, PartialEq)]
pub struct BridgingModel {
    pub(crate) mu: f64,
    pub(crate) user_intercepts: Array1<f64>,
    pub(crate) user_factors: Array1<f64>,
    pub(crate) post_intercepts: Array1<f64>,
    pub(crate) post_factors: Array1<f64>,
    /// Posts rated by each user.
    pub(crate) user_ratings: Vec<u32>,
    /// Distinct raters of each post on the negative and positive side.
    pub(crate) post_raters: Vec<[u32; 2]>,
    pub(crate) min_raters: u32,
    pub(crate) observations: usize,
    pub(crate) iterations: u32,
    pub(crate) final_loss: f64,
    pub(crate) converged: bool,
}

impl BridgingModel {
    /// Fits the model on the ratings derived from a dataset's engagements
    /// (see [`rating_value`](super::rating_value)).
    ///
    /// Errors with [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) if
    /// the configuration is invalid or the fit diverges (non-finite loss).
    pub fn fit(ds: &Dataset, cfg: &BridgingConfig) -> Result<BridgingModel> {
        cfg.validate()?;
        let ratings = ratings_from_dataset(ds);
        fit_canonical(ds.user_count(), ds.post_count(), &ratings, cfg)
    }

    /// Fits the model on explicit `(user, post, value)` ratings over `n_users` users and
    /// `n_posts` posts, in any order; repeated `(user, post)` pairs are averaged.
    ///
    /// Errors with [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) if
    /// the configuration is invalid, an id is out of range, a value is outside `[0, 1]`
    /// or the fit diverges.
    ///
    /// ```
    /// use glassfeed::bridging::{BridgingConfig, BridgingModel, Side};
    /// // Users 0–5 and 6–9 disagree on posts 1 and 2 but all like post 0.
    /// let mut ratings = Vec::new();
    /// for u in 0..10u32 {
    ///     let a = u < 6;
    ///     ratings.push((u, 0, 1.0));
    ///     ratings.push((u, 1, if a { 1.0 } else { 0.0 }));
    ///     ratings.push((u, 2, if a { 0.0 } else { 1.0 }));
    /// }
    /// let model = BridgingModel::fit_ratings(10, 3, &ratings, &BridgingConfig::default())?;
    /// // The post liked across the divide has the highest intercept…
    /// assert!(model.post_intercept(glassfeed::PostId(0)) > model.post_intercept(glassfeed::PostId(1)));
    /// // …and the majority of raters is on the negative side.
    /// assert_eq!(model.user_side(glassfeed::UserId(0)), Some(Side::Negative));
    /// assert_eq!(model.raters(glassfeed::PostId(1)), (6, 4));
    /// # Ok::<(), glassfeed::Error>(())
    /// ```
    pub fn fit_ratings(
        n_users: usize,
        n_posts: usize,
        ratings: &[(u32, u32, f64)],
        cfg: &BridgingConfig,
    ) -> Result<BridgingModel> {
        cfg.validate()?;
        let ratings = checked(n_users, n_posts, ratings)?;
        fit_canonical(n_users, n_posts, &ratings, cfg)
    }

    /// The global intercept `μ`.
    pub fn mu(&self) -> f64 {
        self.mu
    }

    /// The post's intercept `i_p` (its bridging score), or `None` if it has fewer than
    /// `min_raters` raters or is out of range.
    pub fn post_intercept(&self, post: PostId) -> Option<f64> {
        self.has_support(post).then(|| self.post_intercepts[post.index()])
    }

    /// The post's factor `f_p`, or `None` like [`BridgingModel::post_intercept`].
    pub fn post_factor(&self, post: PostId) -> Option<f64> {
        self.has_support(post).then(|| self.post_factors[post.index()])
    }

    /// The user's intercept `i_u`, or `None` if they rated nothing (or are out of range).
    pub fn user_intercept(&self, user: UserId) -> Option<f64> {
        self.is_rater(user).then(|| self.user_intercepts[user.index()])
    }

    /// The user's factor `f_u`, or `None` if they rated nothing.
    pub fn user_factor(&self, user: UserId) -> Option<f64> {
        self.is_rater(user).then(|| self.user_factors[user.index()])
    }

    /// The side of the inferred viewpoint axis the user is on, or `None` if they rated
    /// nothing.
    pub fn user_side(&self, user: UserId) -> Option<Side> {
        self.user_factor(user).map(Side::of)
    }

    /// Number of posts the user rated (0 if out of range).
    pub fn user_rating_count(&self, user: UserId) -> u32 {
        self.user_ratings.get(user.index()).copied().unwrap_or(0)
    }

    /// Distinct raters of the post on the (negative, positive) side of the axis, whether
    /// or not the post reaches `min_raters`; `(0, 0)` if out of range.
    pub fn raters(&self, post: PostId) -> (u32, u32) {
        self.post_raters.get(post.index()).map_or((0, 0), |r| (r[0], r[1]))
    }

    /// Distinct raters of the post (both sides).
    pub fn rater_count(&self, post: PostId) -> u32 {
        let (n, p) = self.raters(post);
        n + p
    }

    /// True if the post has at least `min_raters` raters, so it has a bridging score.
    pub fn has_support(&self, post: PostId) -> bool {
        self.rater_count(post) >= self.min_raters
    }

    /// Every post's bridging score ([`BridgingModel::post_intercept`]), by post index.
    pub fn bridging_scores(&self) -> Vec<Option<f64>> {
        (0..self.post_count() as u32).map(|p| self.post_intercept(PostId(p))).collect()
    }

    /// The fitted rating `μ + i_u + i_p + f_u·f_p` (users and posts without ratings, or
    /// out of range, contribute zeros).
    pub fn predict(&self, user: UserId, post: PostId) -> f64 {
        let u = |a: &Array1<f64>| a.get(user.index()).copied().unwrap_or(0.0);
        let p = |a: &Array1<f64>| a.get(post.index()).copied().unwrap_or(0.0);
        self.mu
            + u(&self.user_intercepts)
            + p(&self.post_intercepts)
            + u(&self.user_factors) * p(&self.post_factors)
    }

    /// All user intercepts, by user index (zero for users without ratings).
    pub fn user_intercepts(&self) -> &Array1<f64> {
        &self.user_intercepts
    }

    /// All user factors, by user index (zero for users without ratings).
    pub fn user_factors(&self) -> &Array1<f64> {
        &self.user_factors
    }

    /// All post intercepts, by post index, including posts below `min_raters`.
    pub fn post_intercepts(&self) -> &Array1<f64> {
        &self.post_intercepts
    }

    /// All post factors, by post index, including posts below `min_raters`.
    pub fn post_factors(&self) -> &Array1<f64> {
        &self.post_factors
    }

    /// Number of users the model covers (rated or not).
    pub fn user_count(&self) -> usize {
        self.user_intercepts.len()
    }

    /// Number of posts the model covers (rated or not).
    pub fn post_count(&self) -> usize {
        self.post_intercepts.len()
    }

    /// Number of `(user, post)` observations fitted (after averaging repeats).
    pub fn observation_count(&self) -> usize {
        self.observations
    }

    /// The minimum number of raters for a bridging score.
    pub fn min_raters(&self) -> u32 {
        self.min_raters
    }

    /// Adam steps taken.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// The loss at the returned parameters.
    pub fn final_loss(&self) -> f64 {
        self.final_loss
    }

    /// True if the fit stopped because the loss changed by at most `tolerance` in each of
    /// the last 10 steps, false if it hit `max_iterations`.
    pub fn converged(&self) -> bool {
        self.converged
    }

    fn is_rater(&self, user: UserId) -> bool {
        self.user_rating_count(user) > 0
    }
}
