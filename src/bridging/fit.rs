//! [`BridgingModel`]: fitting `r̂ = μ + i_u + i_p + f_u·f_p` with full-batch Adam.
//!
//! Parameters live in one flat vector `θ = [μ, i_u…, f_u…, i_p…, f_p…]` so Adam is a
//! single element-wise pass. Each gradient entry is a sum over one user's (or one post's)
//! observations taken in `(user, post)` (or `(post, user)`) order by a single thread, and
//! the global sums run serially over users: the result is bit-identical for any thread
//! count (DESIGN §8: no float reductions whose order depends on threads).

use super::ratings::{checked, ratings_from_dataset, Observations};
use super::{BridgingConfig, Side};
use crate::model::{Dataset, PostId, UserId};
use crate::{Error, Result};
use ndarray::Array1;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Adam's moment decay rates and denominator guard (PyTorch defaults, as used by
/// Community Notes).
const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPSILON: f64 = 1e-8;
/// The fit has converged once the loss changed by at most `tolerance` in each of this
/// many consecutive steps. Community Notes stops after one such step, but with Adam's
/// momentum a single small change can be a turning point far from the optimum (on the
/// planted two-sided matrix of `tests/bridging.rs` one step changes the loss by < 1e-7
/// at loss 0.0500, while the optimum is 0.0483).
const CONVERGENCE_WINDOW: u32 = 10;
/// Standard deviation of the initial factors.
const INIT_STD: f64 = 0.1;
/// Below this many elements a pass runs on the calling thread.
#[cfg(feature = "parallel")]
const PAR_MIN_LEN: usize = 16_384;

/// A fitted bridging model (DESIGN §6): global intercept `μ`, per-user intercept `i_u`
/// and factor `f_u`, per-post intercept `i_p` (the bridging score) and factor `f_p`.
///
/// Users and posts without ratings keep zero parameters and report `None`; posts with
/// fewer than [`BridgingConfig::min_raters`] distinct raters report `None` for their
/// intercept and factor (but their rater counts are kept).
#[derive(Debug, Clone, PartialEq)]
pub struct BridgingModel {
    mu: f64,
    user_intercepts: Array1<f64>,
    user_factors: Array1<f64>,
    post_intercepts: Array1<f64>,
    post_factors: Array1<f64>,
    /// Posts rated by each user.
    user_ratings: Vec<u32>,
    /// Distinct raters of each post on the negative and positive side.
    post_raters: Vec<[u32; 2]>,
    min_raters: u32,
    observations: usize,
    iterations: u32,
    final_loss: f64,
    converged: bool,
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

/// Fits canonical ratings (sorted, unique pairs, ids in range) with a validated config.
fn fit_canonical(
    n_users: usize,
    n_posts: usize,
    ratings: &[(u32, u32, f64)],
    cfg: &BridgingConfig,
) -> Result<BridgingModel> {
    let obs = Observations::new(n_users, n_posts, ratings);
    let mut fitter = Fitter::new(&obs, cfg);
    let mut prev: Option<f64> = None;
    let mut iterations = 0u32;
    let mut quiet_steps = 0u32;
    let (final_loss, converged) = loop {
        let loss = fitter.evaluate();
        if !loss.is_finite() {
            return Err(Error::argument(
                "learning_rate",
                format!("the fit diverged (loss {loss} after {iterations} steps); lower the learning rate"),
            ));
        }
        if prev.is_some_and(|p| (loss - p).abs() <= cfg.tolerance) {
            quiet_steps += 1;
            if quiet_steps == CONVERGENCE_WINDOW {
                break (loss, true);
            }
        } else {
            quiet_steps = 0;
        }
        if iterations == cfg.max_iterations {
            break (loss, false);
        }
        iterations += 1;
        fitter.adam_step(iterations);
        prev = Some(loss);
    };
    let (u, p) = (n_users, n_posts);
    let theta = &mut fitter.theta;
    flip_for_identification(&obs, theta, u, p);
    let slice = |from: usize, len: usize| Array1::from(theta[from..from + len].to_vec());
    let user_factors = slice(1 + u, u);
    let post_raters = (0..p)
        .map(|post| {
            let users = &obs.by_post_user[obs.post_start[post]..obs.post_start[post + 1]];
            let negative = users.iter().filter(|&&u| user_factors[u as usize] < 0.0).count() as u32;
            [negative, users.len() as u32 - negative]
        })
        .collect();
    Ok(BridgingModel {
        mu: theta[0],
        user_intercepts: slice(1, u),
        user_factors,
        post_intercepts: slice(1 + 2 * u, p),
        post_factors: slice(1 + 2 * u + p, p),
        user_ratings: (0..u).map(|u| obs.user_degree(u) as u32).collect(),
        post_raters,
        min_raters: cfg.min_raters,
        observations: obs.len(),
        iterations,
        final_loss,
        converged,
    })
}

/// Flips the sign of every factor (users and posts, so predictions are unchanged) unless
/// most raters with a non-zero factor have a negative one. On a tie the first such rater
/// (lowest id) is made negative, so the convention is always defined.
fn flip_for_identification(obs: &Observations, theta: &mut [f64], u: usize, p: usize) {
    let rated = (0..u).filter(|&i| obs.user_degree(i) > 0).map(|i| theta[1 + u + i]);
    let (mut negative, mut positive, mut first) = (0usize, 0usize, None);
    for f in rated.filter(|&f| f != 0.0) {
        first.get_or_insert(f);
        if f < 0.0 {
            negative += 1
        } else {
            positive += 1
        }
    }
    let flip = negative < positive || (negative == positive && first.is_some_and(|f| f > 0.0));
    if flip {
        for (i, f) in theta[1 + u..1 + 2 * u].iter_mut().enumerate() {
            if obs.user_degree(i) > 0 {
                *f = -*f;
            }
        }
        for (i, f) in theta[1 + 2 * u + p..].iter_mut().enumerate() {
            if obs.post_degree(i) > 0 {
                *f = -*f;
            }
        }
    }
}

/// Optimiser state: parameters, gradient, Adam moments and scratch buffers.
struct Fitter<'a> {
    obs: &'a Observations,
    cfg: &'a BridgingConfig,
    theta: Vec<f64>,
    grad: Vec<f64>,
    m: Vec<f64>,
    v: Vec<f64>,
    residual: Vec<f64>,
    /// Per user: Σ e, Σ e·f_p, Σ e².
    user_acc: Vec<[f64; 3]>,
    /// Per post: Σ e, Σ e·f_u.
    post_acc: Vec<[f64; 2]>,
    rated_users: f64,
    rated_posts: f64,
}

impl<'a> Fitter<'a> {
    /// Intercepts and μ start at zero (as in Community Notes); factors of rated users
    /// and posts at N(0, 0.1²), drawn for every user then every post in index order.
    fn new(obs: &'a Observations, cfg: &'a BridgingConfig) -> Fitter<'a> {
        let (u, p) = (obs.n_users, obs.n_posts);
        let n = 1 + 2 * u + 2 * p;
        let mut theta = vec![0.0; n];
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let normal = Normal::new(0.0, INIT_STD).expect("valid standard deviation");
        for i in 0..u {
            let x = normal.sample(&mut rng);
            theta[1 + u + i] = if obs.user_degree(i) > 0 { x } else { 0.0 };
        }
        for i in 0..p {
            let x = normal.sample(&mut rng);
            theta[1 + 2 * u + p + i] = if obs.post_degree(i) > 0 { x } else { 0.0 };
        }
        Fitter {
            obs,
            cfg,
            theta,
            grad: vec![0.0; n],
            m: vec![0.0; n],
            v: vec![0.0; n],
            residual: vec![0.0; obs.len()],
            user_acc: vec![[0.0; 3]; u],
            post_acc: vec![[0.0; 2]; p],
            rated_users: (0..u).filter(|&i| obs.user_degree(i) > 0).count() as f64,
            rated_posts: (0..p).filter(|&i| obs.post_degree(i) > 0).count() as f64,
        }
    }

    /// The loss at `θ`; fills `grad` with its gradient.
    fn evaluate(&mut self) -> f64 {
        let (obs, cfg) = (self.obs, self.cfg);
        let (u, p, n) = (obs.n_users, obs.n_posts, obs.len());
        if n == 0 {
            self.grad.iter_mut().for_each(|g| *g = 0.0);
            return 0.0;
        }
        let theta = &self.theta;
        let mu = theta[0];
        let (iu, rest) = theta[1..].split_at(u);
        let (fu, rest) = rest.split_at(u);
        let (ip, fp) = rest.split_at(p);
        fill(&mut self.residual, |k| {
            let (a, b) = (obs.user[k] as usize, obs.post[k] as usize);
            mu + iu[a] + ip[b] + fu[a] * fp[b] - obs.value[k]
        });
        let e = &self.residual;
        fill(&mut self.user_acc, |a| {
            let mut acc = [0.0; 3];
            for k in obs.user_start[a]..obs.user_start[a + 1] {
                acc[0] += e[k];
                acc[1] += e[k] * fp[obs.post[k] as usize];
                acc[2] += e[k] * e[k];
            }
            acc
        });
        fill(&mut self.post_acc, |b| {
            let mut acc = [0.0; 2];
            for j in obs.post_start[b]..obs.post_start[b + 1] {
                let r = e[obs.by_post[j] as usize];
                acc[0] += r;
                acc[1] += r * fu[obs.by_post_user[j] as usize];
            }
            acc
        });
        let (mut sum_e, mut sum_sq) = (0.0, 0.0);
        for acc in &self.user_acc {
            sum_e += acc[0];
            sum_sq += acc[2];
        }
        let squares = |xs: &[f64]| xs.iter().fold(0.0, |s, x| s + x * x);
        let (nu, np, nf) = (self.rated_users, self.rated_posts, n as f64);
        let (li, lf, lm) = (cfg.lambda_intercept, cfg.lambda_factor, cfg.lambda_mu);
        let loss = sum_sq / nf
            + li * (squares(iu) / nu + squares(ip) / np)
            + lf * (squares(fu) / nu + squares(fp) / np)
            + lm * mu * mu;

        let c = 2.0 / nf;
        let (gmu, rest) = self.grad.split_at_mut(1);
        gmu[0] = c * sum_e + 2.0 * lm * mu;
        let (g_users, g_posts) = rest.split_at_mut(2 * u);
        let (user_acc, post_acc) = (&self.user_acc, &self.post_acc);
        // Entries of unrated users and posts get zero gradient (their params are zero).
        fill(g_users, |i| {
            let (a, is_factor) = if i < u { (i, false) } else { (i - u, true) };
            if obs.user_degree(a) == 0 {
                0.0
            } else if is_factor {
                c * user_acc[a][1] + 2.0 * lf / nu * fu[a]
            } else {
                c * user_acc[a][0] + 2.0 * li / nu * iu[a]
            }
        });
        fill(g_posts, |i| {
            let (b, is_factor) = if i < p { (i, false) } else { (i - p, true) };
            if obs.post_degree(b) == 0 {
                0.0
            } else if is_factor {
                c * post_acc[b][1] + 2.0 * lf / np * fp[b]
            } else {
                c * post_acc[b][0] + 2.0 * li / np * ip[b]
            }
        });
        loss
    }

    /// One Adam step (`t` counts from 1), element-wise.
    fn adam_step(&mut self, t: u32) {
        let step = self.cfg.learning_rate / (1.0 - BETA1.powi(t as i32));
        let bc2_sqrt = (1.0 - BETA2.powi(t as i32)).sqrt();
        let kernel = |theta: &mut [f64], m: &mut [f64], v: &mut [f64], g: &[f64]| {
            for (((x, m), v), &g) in theta.iter_mut().zip(m).zip(v).zip(g) {
                *m = BETA1 * *m + (1.0 - BETA1) * g;
                *v = BETA2 * *v + (1.0 - BETA2) * g * g;
                *x -= step * *m / (v.sqrt() / bc2_sqrt + EPSILON);
            }
        };
        #[cfg(feature = "parallel")]
        if self.theta.len() >= PAR_MIN_LEN {
            use rayon::prelude::*;
            const CHUNK: usize = 4096;
            self.theta
                .par_chunks_mut(CHUNK)
                .zip(self.m.par_chunks_mut(CHUNK))
                .zip(self.v.par_chunks_mut(CHUNK))
                .zip(self.grad.par_chunks(CHUNK))
                .for_each(|(((x, m), v), g)| kernel(x, m, v, g));
            return;
        }
        kernel(&mut self.theta, &mut self.m, &mut self.v, &self.grad);
    }
}

/// Sets `out[i] = f(i)` for every `i`, in parallel for long slices. Each element is
/// computed by one call, so the result does not depend on the thread count.
fn fill<T: Send>(out: &mut [T], f: impl Fn(usize) -> T + Sync + Send) {
    #[cfg(feature = "parallel")]
    if out.len() >= PAR_MIN_LEN {
        use rayon::prelude::*;
        out.par_iter_mut().enumerate().with_min_len(1024).for_each(|(i, o)| *o = f(i));
        return;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = f(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridging::ratings::canonical;
    use rand::Rng;

    fn random_ratings(seed: u64, users: u32, posts: u32, n: usize) -> Vec<(u32, u32, f64)> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let raw = (0..n)
            .map(|_| (rng.random_range(0..users), rng.random_range(0..posts), rng.random_range(0.0..=1.0)))
            .collect();
        canonical(raw)
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let ratings = random_ratings(3, 7, 9, 40);
        // User 7 and post 9 are unrated: their gradient must be exactly zero.
        let obs = Observations::new(8, 10, &ratings);
        let cfg = BridgingConfig::default();
        let mut fitter = Fitter::new(&obs, &cfg);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let (u, p) = (8, 10);
        let rated = |i: usize| match i {
            0 => true,
            i if i <= 2 * u => obs.user_degree((i - 1) % u) > 0,
            i => obs.post_degree((i - 1 - 2 * u) % p) > 0,
        };
        assert!(!rated(1 + 7) && !rated(1 + 2 * u + 9), "the last user and post are unrated");
        for i in 0..fitter.theta.len() {
            if rated(i) {
                fitter.theta[i] += rng.random_range(-0.5..0.5);
            }
        }
        fitter.evaluate();
        let analytic = fitter.grad.clone();
        let h = 1e-6;
        for i in 0..fitter.theta.len() {
            let x0 = fitter.theta[i];
            fitter.theta[i] = x0 + h;
            let up = fitter.evaluate();
            fitter.theta[i] = x0 - h;
            let down = fitter.evaluate();
            fitter.theta[i] = x0;
            let numeric = (up - down) / (2.0 * h);
            assert!(
                (numeric - analytic[i]).abs() < 1e-6,
                "param {i}: numeric {numeric} analytic {}",
                analytic[i]
            );
            if !rated(i) {
                assert_eq!(analytic[i], 0.0);
            }
        }
    }

    #[test]
    fn converges_and_reports_loss_at_returned_parameters() {
        let ratings = random_ratings(5, 30, 20, 300);
        let cfg = BridgingConfig::default();
        let model = BridgingModel::fit_ratings(30, 20, &ratings, &cfg).unwrap();
        assert!(model.converged(), "{} iterations", model.iterations());
        assert!(model.iterations() < cfg.max_iterations);
        let obs = Observations::new(30, 20, &ratings);
        let mut fitter = Fitter::new(&obs, &cfg);
        fitter.theta[0] = model.mu();
        fitter.theta[1..31].copy_from_slice(model.user_intercepts().as_slice().unwrap());
        fitter.theta[31..61].copy_from_slice(model.user_factors().as_slice().unwrap());
        fitter.theta[61..81].copy_from_slice(model.post_intercepts().as_slice().unwrap());
        fitter.theta[81..101].copy_from_slice(model.post_factors().as_slice().unwrap());
        assert!((fitter.evaluate() - model.final_loss()).abs() < 1e-12);
    }

    #[test]
    fn iteration_cap_and_empty_input() {
        let ratings = random_ratings(5, 30, 20, 300);
        let cfg = BridgingConfig { max_iterations: 3, ..Default::default() };
        let model = BridgingModel::fit_ratings(30, 20, &ratings, &cfg).unwrap();
        assert_eq!((model.iterations(), model.converged()), (3, false));
        let empty = BridgingModel::fit_ratings(4, 4, &[], &BridgingConfig::default()).unwrap();
        assert_eq!((empty.mu(), empty.user_factor(UserId(0)), empty.raters(PostId(3))), (0.0, None, (0, 0)));
    }

    #[test]
    fn divergence_is_an_error() {
        let ratings = random_ratings(5, 30, 20, 300);
        let cfg = BridgingConfig { learning_rate: 1e200, ..Default::default() };
        assert!(BridgingModel::fit_ratings(30, 20, &ratings, &cfg).is_err());
    }
}
