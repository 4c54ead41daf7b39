//! `author_diversity` rescorer: each further post by the same author counts for less.
//!
//! X's home mixer `AuthorBasedListwiseRescoringProvider`: the k-th (0-based) post of an
//! author in the ranked list is multiplied by `(1 − floor)·decay^k + floor`
//! (X: decay 0.5, floor 0.25), then the list is re-sorted.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::filters::stage_basics;
use crate::stages::{Input, Rescorer, ViewerInput};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`AuthorDiversity`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthorDiversityParams {
    /// Geometric decay per further post by the same author (default 0.5, in [0, 1]).
    pub decay: f64,
    /// The multiplier never goes below this (default 0.25, in [0, 1]).
    pub floor: f64,
}

impl Default for AuthorDiversityParams {
    fn default() -> Self {
        AuthorDiversityParams { decay: 0.5, floor: 0.25 }
    }
}

/// Multiplies the k-th post of each author by `(1 − floor)·decay^k + floor`.
#[derive(Debug, Clone)]
pub struct AuthorDiversity {
    params: AuthorDiversityParams,
    /// The multipliers of an author's first [`TABLED`] posts, worked out once.
    first: [f64; TABLED],
}

/// How many multipliers [`AuthorDiversity`] works out when built.
const TABLED: usize = 32;

impl AuthorDiversity {
    /// Stage id.
    pub const ID: &'static str = "author_diversity";

    /// Checks the parameters.
    pub fn new(params: AuthorDiversityParams) -> Result<Self> {
        for (name, v) in [("decay", params.decay), ("floor", params.floor)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::spec(Self::ID, name, format!("must be in [0, 1], got {v}")));
            }
        }
        let first = std::array::from_fn(|k| multiplier(&params, k as u32));
        Ok(AuthorDiversity { params, first })
    }

    /// The multiplier of an author's k-th (0-based) post.
    pub fn multiplier(&self, k: u32) -> f64 {
        match self.first.get(k as usize) {
            Some(&m) => m,
            None => multiplier(&self.params, k),
        }
    }
}

/// `(1 − floor)·decay^k + floor`.
fn multiplier(params: &AuthorDiversityParams, k: u32) -> f64 {
    let AuthorDiversityParams { decay, floor } = *params;
    (1.0 - floor) * decay.powi(k as i32) + floor
}

stage_basics!(AuthorDiversity, AuthorDiversity::ID, [Input::PostMetadata]);

/// `1st`, `2nd`, `3rd`, `4th`, … `11th`, … `21st`.
struct Ordinal(u32);

impl std::fmt::Display for Ordinal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0;
        let suffix = match (n % 10, n % 100) {
            (_, 11..=13) => "th",
            (1, _) => "st",
            (2, _) => "nd",
            (3, _) => "rd",
            _ => "th",
        };
        write!(f, "{n}{suffix}")
    }
}

impl Rescorer for AuthorDiversity {
    fn rescore(&self, input: &ViewerInput<'_>, ordered: &[PostId], out: &mut [(f64, u32)]) {
        // `author << 32 | position`, sorted: each author's posts together, in list order.
        let mut by_author: Vec<u64> = ordered
            .iter()
            .enumerate()
            .map(|(i, &p)| u64::from(input.ds.author(p).0) << 32 | i as u64)
            .collect();
        by_author.sort_unstable();
        let mut k = 0;
        for j in 0..by_author.len() {
            k = if j > 0 && by_author[j - 1] >> 32 == by_author[j] >> 32 { k + 1 } else { 0 };
            out[(by_author[j] & u64::from(u32::MAX)) as usize] = (self.multiplier(k), k);
        }
    }

    /// The first post's multiplier, `(1 − floor) + floor`: with `decay` and `floor` in
    /// [0, 1] every later one is at most that (rounding is monotone), and each depends only
    /// on the posts above it.
    fn max_multiplier(&self) -> Option<f64> {
        Some(self.multiplier(0))
    }

    fn why(&self, input: &ViewerInput<'_>, post: PostId, multiplier: f64, note: u32) -> String {
        let author = input.ds.user_name(input.ds.author(post));
        if note == 0 {
            format!("first post by @{author} in this feed (×1)")
        } else {
            format!("{} post by @{author} in this feed (×{multiplier})", Ordinal(note + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_defaults_give_published_multipliers() {
        let d = AuthorDiversity::new(AuthorDiversityParams::default()).unwrap();
        let m: Vec<f64> = (0..4).map(|k| d.multiplier(k)).collect();
        assert_eq!(m, vec![1.0, 0.625, 0.4375, 0.34375]);
        assert_eq!(Ordinal(2).to_string(), "2nd");
        assert_eq!(Ordinal(12).to_string(), "12th");
        assert_eq!(Ordinal(21).to_string(), "21st");
    }

    #[test]
    fn rejects_out_of_range() {
        let e = AuthorDiversity::new(AuthorDiversityParams { decay: 1.5, floor: 0.2 }).unwrap_err();
        assert!(e.to_string().contains("author_diversity") && e.to_string().contains("decay"));
    }
}
