//! Initial factors: the leading singular vectors of the centred rating matrix.
//!
//! The one-factor objective has several local minima on sparse data: started from small
//! random factors, Adam can settle on an axis that splits raters at random. Starting
//! from the direction of largest disagreement — the top singular vectors of the ratings
//! with global, post and user means removed, found by power iteration — puts the fit in
//! the basin of the viewpoint axis. Every sum runs over one user's or one post's ratings
//! in a fixed order, so the result is deterministic and independent of the thread count.

use super::ratings::Observations;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Power iterations run at most this many times…
const MAX_POWER_ITERATIONS: usize = 100;
/// …and stop once the user vector moves less than this (Euclidean norm; the vector has
/// norm 1). Only the direction's basin matters: Adam refines it.
const POWER_TOLERANCE: f64 = 1e-6;

/// Unit vectors `(u, v)` (one entry per user and per post of `obs`) with `C·v ≈ σ·u`,
/// where `C` is the centred rating matrix; `None` if `C` is zero (nothing to explain).
/// The start vector is drawn from `rng`.
pub(crate) fn leading_singular_vectors(
    obs: &Observations,
    rng: &mut ChaCha8Rng,
) -> Option<(Vec<f64>, Vec<f64>)> {
    let centred = centre(obs);
    let mut u: Vec<f64> = (0..obs.n_users)
        .map(|i| if obs.user_degree(i) > 0 { StandardNormal.sample(rng) } else { 0.0 })
        .collect();
    normalise(&mut u)?;
    let mut v = vec![0.0; obs.n_posts];
    for _ in 0..MAX_POWER_ITERATIONS {
        super::par::fill(&mut v, |p| {
            let range = obs.post_start[p]..obs.post_start[p + 1];
            obs.by_post[range.clone()]
                .iter()
                .zip(&obs.by_post_user[range])
                .fold(0.0, |s, (&k, &a)| s + centred[k as usize] * u[a as usize])
        });
        normalise(&mut v)?;
        let mut next = vec![0.0; obs.n_users];
        super::par::fill(&mut next, |a| {
            (obs.user_start[a]..obs.user_start[a + 1])
                .fold(0.0, |s, k| s + centred[k] * v[obs.post[k] as usize])
        });
        normalise(&mut next)?;
        let moved = next.iter().zip(&u).fold(0.0, |s, (x, y)| s + (x - y) * (x - y)).sqrt();
        u = next;
        if moved < POWER_TOLERANCE {
            break;
        }
    }
    Some((u, v))
}

/// Ratings minus the global mean, then minus each post's mean residual, then minus each
/// user's mean residual (the intercepts' share), by observation.
fn centre(obs: &Observations) -> Vec<f64> {
    let n = obs.len() as f64;
    let mean = obs.value.iter().fold(0.0, |s, x| s + x) / n;
    let mut c: Vec<f64> = obs.value.iter().map(|x| x - mean).collect();
    for p in 0..obs.n_posts {
        let ks = &obs.by_post[obs.post_start[p]..obs.post_start[p + 1]];
        if ks.is_empty() {
            continue;
        }
        let m = ks.iter().fold(0.0, |s, &k| s + c[k as usize]) / ks.len() as f64;
        ks.iter().for_each(|&k| c[k as usize] -= m);
    }
    for a in 0..obs.n_users {
        let ks = obs.user_start[a]..obs.user_start[a + 1];
        if ks.is_empty() {
            continue;
        }
        let m = c[ks.clone()].iter().fold(0.0, |s, x| s + x) / ks.len() as f64;
        c[ks].iter_mut().for_each(|x| *x -= m);
    }
    c
}

/// Scales `x` to unit norm; `None` if it is (numerically) zero.
fn normalise(x: &mut [f64]) -> Option<()> {
    let norm = x.iter().fold(0.0, |s, y| s + y * y).sqrt();
    if norm.is_nan() || norm <= 1e-12 {
        return None;
    }
    x.iter_mut().for_each(|y| *y /= norm);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridging::ratings::canonical;
    use rand::SeedableRng;

    #[test]
    fn finds_the_planted_split() {
        // Users 0–2 like posts 0–1 and dislike 2–3; users 3–4 the opposite.
        let mut raw = Vec::new();
        for u in 0..5u32 {
            for p in 0..4u32 {
                raw.push((u, p, if (u < 3) == (p < 2) { 1.0 } else { 0.0 }));
            }
        }
        let obs = Observations::new(5, 4, &canonical(raw));
        let (u, v) = leading_singular_vectors(&obs, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        assert!(u[..3].iter().all(|&x| x.signum() == u[0].signum()));
        assert!(u[3..].iter().all(|&x| x.signum() == -u[0].signum()));
        assert!(v[0].signum() == v[1].signum() && v[2].signum() == -v[0].signum());
    }

    #[test]
    fn nothing_to_explain_gives_none() {
        let raw = vec![(0, 0, 1.0), (1, 0, 1.0), (1, 1, 1.0)];
        let obs = Observations::new(2, 2, &canonical(raw));
        assert!(leading_singular_vectors(&obs, &mut ChaCha8Rng::seed_from_u64(1)).is_none());
    }
}
