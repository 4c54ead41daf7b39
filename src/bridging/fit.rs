//! Fitting `r̂ = μ + i_u + i_p + f_u·f_p` with full-batch Adam.
//!
//! Parameters live in one flat vector `θ = [μ, i_u…, f_u…, i_p…, f_p…]` so Adam is a
//! single element-wise pass. Each gradient entry is a sum over one user's (or one post's)
//! observations taken in `(user, post)` (or `(post, user)`) order by a single thread, and
//! the global sums run serially over users: the result is bit-identical for any thread
//! count (DESIGN §8: no float reductions whose order depends on threads).

use super::init::leading_singular_vectors;
use super::par::{elementwise, fill, per_user};
use super::ratings::Observations;
use super::{BridgingConfig, BridgingModel};
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
/// momentum a single small change can be a turning point far from the optimum (seen on
/// the planted two-sided matrix of `tests/bridging.rs` from a random start: one step
/// changed the loss by < 1e-7 at loss 0.0500, while the optimum is 0.0483).
const CONVERGENCE_WINDOW: u32 = 10;
/// Root mean square of the initial factors.
const INIT_STD: f64 = 0.1;

/// Fits canonical ratings (sorted, unique pairs, ids in range) with a validated config.
///
/// Only rated users and posts take part: they are renumbered densely (in id order) for
/// the optimisation and mapped back at the end; everyone else keeps zero parameters.
pub(super) fn fit_canonical(
    n_users: usize,
    n_posts: usize,
    ratings: &[(u32, u32, f64)],
    cfg: &BridgingConfig,
) -> Result<BridgingModel> {
    let (users, user_map) = dense_ids(n_users, ratings.iter().map(|r| r.0));
    let (posts, post_map) = dense_ids(n_posts, ratings.iter().map(|r| r.1));
    // Both maps are increasing, so the renumbered ratings stay sorted by (user, post).
    let compact: Vec<(u32, u32, f64)> =
        ratings.iter().map(|&(u, p, v)| (user_map[u as usize], post_map[p as usize], v)).collect();
    let obs = Observations::new(users.len(), posts.len(), &compact);
    let mut fitter = Fitter::new(&obs, cfg);
    let mut prev: Option<f64> = None;
    let mut iterations = 0u32;
    let mut quiet_steps = 0u32;
    let (final_loss, converged) = loop {
        let loss = fitter.evaluate();
        if obs.len() == 0 {
            break (loss, true); // nothing to fit
        }
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
    let (u, p) = (obs.n_users, obs.n_posts);
    let theta = &mut fitter.theta;
    let (user_params, post_params) = theta[1..].split_at_mut(2 * u);
    flip_for_identification(&mut user_params[u..], &mut post_params[p..]);
    let expand = |ids: &[u32], n: usize, from: usize| {
        let mut full = Array1::zeros(n);
        for (i, &id) in ids.iter().enumerate() {
            full[id as usize] = theta[from + i];
        }
        full
    };
    let user_factors = expand(&users, n_users, 1 + u);
    let mut post_raters = vec![[0u32; 2]; n_posts];
    for (j, &post) in posts.iter().enumerate() {
        let raters = &obs.by_post_user[obs.post_start[j]..obs.post_start[j + 1]];
        let negative = raters.iter().filter(|&&a| theta[1 + u + a as usize] < 0.0).count() as u32;
        post_raters[post as usize] = [negative, raters.len() as u32 - negative];
    }
    let mut user_ratings = vec![0u32; n_users];
    for (a, &user) in users.iter().enumerate() {
        user_ratings[user as usize] = obs.user_degree(a) as u32;
    }
    Ok(BridgingModel {
        mu: theta[0],
        user_intercepts: expand(&users, n_users, 1),
        user_factors,
        post_intercepts: expand(&posts, n_posts, 1 + 2 * u),
        post_factors: expand(&posts, n_posts, 1 + 2 * u + p),
        user_ratings,
        post_raters,
        min_raters: cfg.min_raters,
        observations: obs.len(),
        iterations,
        final_loss,
        converged,
    })
}

/// The distinct ids among `ids` in increasing order, and the map from id to its rank
/// (`u32::MAX` for ids that do not occur).
fn dense_ids(n: usize, ids: impl Iterator<Item = u32>) -> (Vec<u32>, Vec<u32>) {
    let mut map = vec![u32::MAX; n];
    for id in ids {
        map[id as usize] = 0;
    }
    let mut dense = Vec::new();
    for (id, slot) in map.iter_mut().enumerate() {
        if *slot == 0 {
            *slot = dense.len() as u32;
            dense.push(id as u32);
        }
    }
    (dense, map)
}

/// Flips the sign of every factor (users and posts, so predictions are unchanged) unless
/// most raters with a non-zero factor have a negative one. On a tie the first such rater
/// (lowest id) is made negative, so the convention is always defined.
fn flip_for_identification(user_factors: &mut [f64], post_factors: &mut [f64]) {
    let (mut negative, mut positive, mut first) = (0usize, 0usize, None);
    for &f in user_factors.iter().filter(|&&f| f != 0.0) {
        first.get_or_insert(f);
        if f < 0.0 {
            negative += 1
        } else {
            positive += 1
        }
    }
    if negative < positive || (negative == positive && first.is_some_and(|f| f > 0.0)) {
        user_factors.iter_mut().chain(post_factors.iter_mut()).for_each(|f| *f = -*f);
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
}

impl<'a> Fitter<'a> {
    /// `μ` and the intercepts start at zero (as in Community Notes). The factors start
    /// along the leading singular vectors of the centred ratings (see [`init`](super::init);
    /// the power iteration's start vector is drawn from the seed), scaled to root mean
    /// square 0.1; if the centred ratings are all zero, at N(0, 0.1²) from the seed.
    /// Every user and post of `obs` is rated.
    fn new(obs: &'a Observations, cfg: &'a BridgingConfig) -> Fitter<'a> {
        let (u, p) = (obs.n_users, obs.n_posts);
        let n = 1 + 2 * u + 2 * p;
        let mut theta = vec![0.0; n];
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let (fu, fp) = theta[1 + u..].split_at_mut(u + p);
        let fp = &mut fp[p..];
        if let Some((su, sp)) = leading_singular_vectors(obs, &mut rng) {
            let (cu, cp) = (INIT_STD * (u as f64).sqrt(), INIT_STD * (p as f64).sqrt());
            fu.iter_mut().zip(&su).for_each(|(f, x)| *f = cu * x);
            fp.iter_mut().zip(&sp).for_each(|(f, x)| *f = cp * x);
        } else {
            let normal = Normal::new(0.0, INIT_STD).expect("valid standard deviation");
            fu.iter_mut().chain(fp.iter_mut()).for_each(|f| *f = normal.sample(&mut rng));
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
        // Residuals and per-user sums in one pass over each user's ratings.
        per_user(obs, &mut self.residual, &mut self.user_acc, |a, first, e| {
            let (base, f) = (mu + iu[a], fu[a]);
            let mut acc = [0.0; 3];
            for (i, r) in e.iter_mut().enumerate() {
                let (b, value) = (obs.post[first + i] as usize, obs.value[first + i]);
                *r = base + ip[b] + f * fp[b] - value;
                acc[0] += *r;
                acc[1] += *r * fp[b];
                acc[2] += *r * *r;
            }
            acc
        });
        let e = &self.residual;
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
        let (nu, np, nf) = (u as f64, p as f64, n as f64);
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
        fill(g_users, |i| {
            if i < u {
                c * user_acc[i][0] + 2.0 * li / nu * iu[i]
            } else {
                c * user_acc[i - u][1] + 2.0 * lf / nu * fu[i - u]
            }
        });
        fill(g_posts, |i| {
            if i < p {
                c * post_acc[i][0] + 2.0 * li / np * ip[i]
            } else {
                c * post_acc[i - p][1] + 2.0 * lf / np * fp[i - p]
            }
        });
        loss
    }

    /// One Adam step (`t` counts from 1), element-wise.
    fn adam_step(&mut self, t: u32) {
        let t = t.min(i32::MAX as u32) as i32;
        let step = self.cfg.learning_rate / (1.0 - BETA1.powi(t));
        let bc2_sqrt = (1.0 - BETA2.powi(t)).sqrt();
        let kernel = |x: &mut f64, m: &mut f64, v: &mut f64, g: f64| {
            *m = BETA1 * *m + (1.0 - BETA1) * g;
            *v = BETA2 * *v + (1.0 - BETA2) * g * g;
            *x -= step * *m / (v.sqrt() / bc2_sqrt + EPSILON);
        };
        elementwise(&mut self.theta, &mut self.m, &mut self.v, &self.grad, kernel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridging::ratings::canonical;
    use crate::{PostId, UserId};
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
        for (i, &exact) in analytic.iter().enumerate() {
            let x0 = fitter.theta[i];
            fitter.theta[i] = x0 + h;
            let up = fitter.evaluate();
            fitter.theta[i] = x0 - h;
            let down = fitter.evaluate();
            fitter.theta[i] = x0;
            let numeric = (up - down) / (2.0 * h);
            assert!((numeric - exact).abs() < 1e-6, "param {i}: numeric {numeric} analytic {exact}");
            if !rated(i) {
                assert_eq!(exact, 0.0);
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
        assert!((0..30).all(|u| obs.user_degree(u) > 0) && (0..20).all(|p| obs.post_degree(p) > 0));
        let mut fitter = Fitter::new(&obs, &cfg);
        fitter.theta[0] = model.mu();
        fitter.theta[1..31].copy_from_slice(model.user_intercepts().as_slice().unwrap());
        fitter.theta[31..61].copy_from_slice(model.user_factors().as_slice().unwrap());
        fitter.theta[61..81].copy_from_slice(model.post_intercepts().as_slice().unwrap());
        fitter.theta[81..101].copy_from_slice(model.post_factors().as_slice().unwrap());
        assert!((fitter.evaluate() - model.final_loss()).abs() < 1e-12);
        // Stopping at the tolerance leaves the loss within 1e-5 of a 5000-step run.
        let long = BridgingConfig { tolerance: 0.0, max_iterations: 5_000, ..Default::default() };
        let long = BridgingModel::fit_ratings(30, 20, &ratings, &long).unwrap();
        assert!(
            model.final_loss() - long.final_loss() < 1e-5,
            "{} vs {}",
            model.final_loss(),
            long.final_loss()
        );
    }

    #[test]
    fn iteration_cap_and_empty_input() {
        let ratings = random_ratings(5, 30, 20, 300);
        let cfg = BridgingConfig { max_iterations: 3, ..Default::default() };
        let model = BridgingModel::fit_ratings(30, 20, &ratings, &cfg).unwrap();
        assert_eq!((model.iterations(), model.converged()), (3, false));
        let empty = BridgingModel::fit_ratings(4, 4, &[], &BridgingConfig::default()).unwrap();
        assert_eq!((empty.mu(), empty.user_factor(UserId(0)), empty.raters(PostId(3))), (0.0, None, (0, 0)));
        assert_eq!((empty.iterations(), empty.converged()), (0, true));
    }

    #[cfg(feature = "parallel")]
    #[test]
    fn thread_count_does_not_change_the_fit() {
        let ratings = random_ratings(11, 2_000, 3_000, 40_000);
        let cfg = BridgingConfig { max_iterations: 30, ..Default::default() };
        let fit = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| BridgingModel::fit_ratings(2_000, 3_000, &ratings, &cfg).unwrap())
        };
        let one = fit(1);
        let bits = |m: &BridgingModel| m.post_factors().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for threads in [2, 3, 4] {
            let other = fit(threads);
            assert_eq!(bits(&one), bits(&other));
            assert_eq!(one, other);
        }
    }

    #[test]
    fn divergence_is_an_error() {
        let ratings = random_ratings(5, 30, 20, 300);
        let cfg = BridgingConfig { learning_rate: 1e200, ..Default::default() };
        assert!(BridgingModel::fit_ratings(30, 20, &ratings, &cfg).is_err());
    }
}
