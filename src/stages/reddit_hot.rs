//! `reddit_hot` term: reddit's "hot" ranking, bit for bit.
//!
//! ```text
//! s = ups − downs
//! order = log10(max(|s|, 1)); sign = 1 if s > 0, −1 if s < 0, else 0
//! seconds = created_at − 1134028003
//! hot = round(sign · order + seconds / 45000, 7)
//! ```
//!
//! Origin: `_hot` in reddit's `r2/r2/lib/db/_sorts.pyx` (the open-source reddit, 2008–2017):
//! 1134028003 is a moment in December 2005 and every 45000 seconds (12.5 hours) of
//! newness is worth a factor of 10 in net votes. `round` there is Python's `round(x, 7)`,
//! which rounds the exact binary value half-to-even at the 7th decimal; this file does the
//! same (see [`round7`]), so values equal reddit's to the last bit.

use crate::error::Result;
use crate::model::PostId;
use crate::stages::weighted_sum::sig;
use crate::stages::{
    Combine, ExplainMode, FeatureContribution, FeatureMatrix, Input, Scorer, Stage, StageNote, ViewerInput,
};
use crate::Error;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// reddit's epoch for hot ranking (unix seconds, 2005-12-08).
pub const REDDIT_EPOCH: i64 = 1_134_028_003;
/// Seconds of newness worth one order of magnitude of net votes (12.5 hours).
pub const SECONDS_PER_ORDER: f64 = 45_000.0;

/// Parameters of [`RedditHot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedditHotParams {
    /// The feature counted as up-votes (default `likes`).
    pub ups: String,
    /// The feature counted as down-votes (default `dislikes`).
    pub downs: String,
}

impl Default for RedditHotParams {
    fn default() -> Self {
        RedditHotParams { ups: "likes".into(), downs: "dislikes".into() }
    }
}

/// reddit's hot ranking: log of net votes plus a steady bonus for newness.
#[derive(Debug, Clone)]
pub struct RedditHot {
    params: RedditHotParams,
}

impl RedditHot {
    /// Stage id.
    pub const ID: &'static str = "reddit_hot";

    /// Checks the parameters.
    pub fn new(params: RedditHotParams) -> Result<Self> {
        check_votes(Self::ID, &params.ups, &params.downs)?;
        Ok(RedditHot { params })
    }
}

/// Checks that `ups` and `downs` name features (shared with `reddit_controversy`, `lemmy_hot`).
pub(crate) fn check_votes(stage: &str, ups: &str, downs: &str) -> Result<()> {
    for (param, name) in [("ups", ups), ("downs", downs)] {
        if name.trim().is_empty() {
            return Err(Error::spec(stage, param, "must name a feature"));
        }
    }
    Ok(())
}

/// reddit's `_hot(ups, downs, date)`.
pub fn hot(ups: f64, downs: f64, created_at: i64) -> f64 {
    let s = ups - downs;
    let order = s.abs().max(1.0).log10();
    let sign = if s > 0.0 {
        1.0
    } else if s < 0.0 {
        -1.0
    } else {
        0.0
    };
    let seconds = created_at as f64 - REDDIT_EPOCH as f64;
    round7(sign * order + seconds / SECONDS_PER_ORDER)
}

/// Python's `round(x, 7)` for a float: the exact binary value of `x` rounded half-to-even
/// at the 7th decimal, then read back correctly rounded (CPython formats with
/// `_Py_dg_dtoa` mode 3 and parses with `_Py_dg_strtod`; Rust's `{:.7}` and `parse` are
/// exact in the same way). Formats into a stack buffer: no heap allocation.
pub fn round7(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // Fast path: when x·10⁷ is safely away from a rounding tie, its nearest integer n is
    // the correct 7-decimal rounding, and n / 10⁷ (both exact in f64, one correctly
    // rounded division) is exactly what parsing the decimal text gives. The product's error
    // is at most half an ulp of |x|·10⁷ < 2⁴², i.e. below 2.5·10⁻⁴, inside the 10⁻³ margin.
    let scaled = x * 1e7;
    if x.abs() < 4e5 {
        let frac = (scaled - scaled.trunc()).abs();
        if (frac - 0.5).abs() > 1e-3 {
            return scaled.round() / 1e7;
        }
    }
    round7_exact(x)
}

/// `round(x, 7)` through exact decimal formatting (the slow, always-correct path).
fn round7_exact(x: f64) -> f64 {
    let mut buf = StackText { bytes: [0; 352], len: 0 };
    // At most 1 sign + 309 integer digits + 1 point + 7 decimals = 318 bytes.
    write!(buf, "{x:.7}").expect("a float with 7 decimals fits in 352 bytes");
    let text = std::str::from_utf8(&buf.bytes[..buf.len]).expect("formatted floats are ASCII");
    text.parse().expect("a formatted float parses")
}

struct StackText {
    bytes: [u8; 352],
    len: usize,
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl Stage for RedditHot {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![
            Input::Feature(self.params.ups.clone()),
            Input::Feature(self.params.downs.clone()),
            Input::PostMetadata,
        ]
    }
}

impl Scorer for RedditHot {
    fn combine(&self) -> Combine {
        Combine::Term
    }

    fn score(&self, input: &ViewerInput<'_>, posts: &[PostId], features: &FeatureMatrix, out: &mut [f64]) {
        let ups = features.column(&self.params.ups);
        let downs = features.column(&self.params.downs);
        for (((slot, &post), &u), &d) in out.iter_mut().zip(posts).zip(ups).zip(downs) {
            *slot = hot(u, d, input.ds.created_at(post));
        }
    }

    fn explain(
        &self,
        input: &ViewerInput<'_>,
        post: PostId,
        features: &FeatureMatrix,
        row: usize,
        value: f64,
        mode: ExplainMode,
    ) -> StageNote {
        let (u, d) = (features.get(row, &self.params.ups), features.get(row, &self.params.downs));
        let created_at = input.ds.created_at(post);
        let s = u - d;
        let votes = if s == 0.0 { 0.0 } else { s.signum() * s.abs().max(1.0).log10() };
        let time = (created_at as f64 - REDDIT_EPOCH as f64) / SECONDS_PER_ORDER;
        let why = format!(
            "net votes {} ({} {} − {} {}) add {}; posting time adds {time:.4} (one point per 12.5 hours \
             since December 2005): reddit hot {value:.7}",
            sig(s),
            sig(u),
            self.params.ups,
            sig(d),
            self.params.downs,
            sig(votes),
        );
        let details = if mode == ExplainMode::Full {
            let feature = |name: &str, value: f64| FeatureContribution {
                feature: name.to_string(),
                value,
                weight: None,
                contribution: None,
                missing: false,
            };
            vec![
                feature(&self.params.ups, u),
                feature(&self.params.downs, d),
                FeatureContribution { contribution: Some(time), ..feature("created_at", created_at as f64) },
            ]
        } else {
            Vec::new()
        };
        StageNote { why, details }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_reddits_hot() {
        // Expected values from python3 with reddit's function:
        //   s = ups - downs; order = log10(max(abs(s), 1))
        //   sign = 1 if s > 0 else -1 if s < 0 else 0
        //   round(sign * order + (date - 1134028003) / 45000, 7)
        assert_eq!(hot(0.0, 0.0, 1134028003), 0.0);
        assert_eq!(hot(10.0, 0.0, 1700000000), 12578.1554889);
        assert_eq!(hot(3.0, 10.0, 1700000000), 12576.3103908, "s < 0");
        assert_eq!(hot(5.0, 5.0, 1600000123), 10354.936, "s = 0");
        assert_eq!(hot(1000000.0, 1.0, 1262304000), 2856.5777107);
        assert_eq!(hot(123456789.0, 0.0, 1800000000), 14807.4692261, "big s");
        assert_eq!(hot(1.0, 0.0, 1133893020), -2.9996222, "before reddit's epoch");
    }

    #[test]
    fn fast_path_agrees_with_exact_formatting() {
        let mut x = 0.1234567891f64;
        for i in 0..200_000u64 {
            // A deterministic spread over reddit's range (|hot| up to ~10⁴) and beyond.
            x = (x * 7919.0 + i as f64 * 0.000_013_7).rem_euclid(60_000.0) - 30_000.0;
            assert_eq!(round7(x).to_bits(), round7_exact(x).to_bits(), "{x}");
            let tie = (x * 1e7).trunc() / 1e7 + 0.000_000_05;
            assert_eq!(round7(tie).to_bits(), round7_exact(tie).to_bits(), "{tie}");
        }
    }

    #[test]
    fn rounds_like_python() {
        // python3: round(x, 7) for each x
        assert_eq!(round7(0.00390625), 0.0039062, "exact tie rounds to even");
        assert_eq!(round7(0.01171875), 0.0117188, "exact tie rounds to even");
        assert_eq!(round7(-0.00390625), -0.0039062);
        // Naive (x * 1e7).round() / 1e7 gives 2687.2848822 and 16948.6747388 here.
        assert_eq!(round7(2687.28488225), 2687.2848823);
        assert_eq!(round7(16948.67473875), 16948.6747387);
        assert_eq!(round7(12345678.12345675), 12345678.1234568);
        assert_eq!(round7(1.5e-8), 0.0);
        assert_eq!(round7(1e20), 1e20);
        assert_eq!(round7(-f64::MAX), -f64::MAX);
        assert!(round7(f64::NAN).is_nan());
    }

    #[test]
    fn rejects_empty_feature_names() {
        let e = RedditHot::new(RedditHotParams { downs: " ".into(), ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("reddit_hot") && e.to_string().contains("`downs`"), "{e}");
        let h = RedditHot::new(RedditHotParams::default()).unwrap();
        assert!(h.reads().contains(&Input::PostMetadata));
    }

    #[test]
    fn scores_posts_by_creation_time() {
        let h = RedditHot::new(RedditHotParams::default()).unwrap();
        // python3: hot(12, 3, 1700000000 - 3 * 3600), hot(0, 0, 1700000000 - 30 * 3600)
        let (values, notes) = crate::stages::reply::fixture::run(&h, ExplainMode::Full);
        assert_eq!(values, vec![12577.8697314, 12574.7554889]);
        assert_eq!(
            notes[0].why,
            "net votes 9 (12 likes − 3 dislikes) add 0.9542; posting time adds 12576.9155 (one point per \
             12.5 hours since December 2005): reddit hot 12577.8697314"
        );
        assert_eq!(notes[0].details[2].feature, "created_at");
    }
}
