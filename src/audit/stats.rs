//! Small, deterministic statistics shared by the audits: means, quantiles (linear
//! interpolation between order statistics, NumPy's default `linear` method) and
//! distribution summaries with histograms.

use serde::Serialize;

/// The arithmetic mean, summed in input order; `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// The `q`-quantile (`q` in `[0, 1]`) of ascending `sorted` values by linear
/// interpolation: `h = (n − 1)·q`, `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`.
/// `None` for no values.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = h - lo as f64;
    if frac == 0.0 || sorted[lo] == sorted[hi] {
        return Some(sorted[lo]);
    }
    Some(sorted[lo] + frac * (sorted[hi] - sorted[lo]))
}

/// The median (the 0.5-quantile); `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile(&sorted, 0.5)
}

/// One histogram bin: values in `[lo, hi)` (the last bin also holds `hi`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    /// Lower edge.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Number of values in the bin.
    pub count: usize,
}

/// A summary of a distribution: count, mean, five-number summary and a histogram over a
/// fixed range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    /// Number of values summarised.
    pub count: usize,
    /// Values that were undefined and left out (e.g. empty feeds).
    pub undefined: usize,
    /// Mean.
    pub mean: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// First quartile.
    pub q1: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// Third quartile.
    pub q3: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Equal-width bins over `[lo, hi]`; values outside the range go to the end bins.
    pub histogram: Vec<Bin>,
}

impl Distribution {
    /// Most bins a histogram may have.
    pub const MAX_BINS: usize = 1 << 16;

    /// Summarises `values` (`None` entries are counted as undefined), with `bins`
    /// equal-width bins over `[lo, hi]`: 1 to [`Distribution::MAX_BINS`] bins over a
    /// finite range with `lo ≤ hi`, else an `InvalidArgument` error.
    ///
    /// ```
    /// use glassfeed::audit::stats::Distribution;
    /// let d = Distribution::of(&[Some(0.2), None, Some(0.9)], 2, 0.0, 1.0)?;
    /// assert_eq!((d.count, d.undefined, d.histogram[1].count), (2, 1, 1));
    /// assert!(Distribution::of(&[], usize::MAX, 0.0, 1.0).is_err());
    /// # Ok::<(), glassfeed::Error>(())
    /// ```
    pub fn of(values: &[Option<f64>], bins: usize, lo: f64, hi: f64) -> crate::Result<Distribution> {
        if bins == 0 || bins > Self::MAX_BINS {
            return Err(crate::Error::argument(
                "bins",
                format!("{bins} bins: between 1 and {} are allowed", Self::MAX_BINS),
            ));
        }
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(crate::Error::argument("lo, hi", format!("[{lo}, {hi}] is not a finite range")));
        }
        Ok(Self::summarise(values, bins, lo, hi))
    }

    /// [`Distribution::of`] for arguments known to be valid.
    pub(crate) fn summarise(values: &[Option<f64>], bins: usize, lo: f64, hi: f64) -> Distribution {
        let defined: Vec<f64> = values.iter().flatten().copied().collect();
        let mut sorted = defined.clone();
        sorted.sort_by(f64::total_cmp);
        let span = hi - lo;
        let edge = |b: usize| if b == bins { hi } else { lo + span * b as f64 / bins as f64 };
        let mut histogram: Vec<Bin> =
            (0..bins).map(|b| Bin { lo: edge(b), hi: edge(b + 1), count: 0 }).collect();
        if bins > 0 && span > 0.0 {
            for &v in &defined {
                let b = ((v - lo) / span * bins as f64).floor();
                let b = if b < 0.0 { 0 } else { (b as usize).min(bins - 1) };
                histogram[b].count += 1;
            }
        }
        Distribution {
            count: defined.len(),
            undefined: values.len() - defined.len(),
            mean: mean(&defined),
            min: sorted.first().copied(),
            q1: quantile(&sorted, 0.25),
            median: quantile(&sorted, 0.5),
            q3: quantile(&sorted, 0.75),
            max: sorted.last().copied(),
            histogram,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&x, 0.0), Some(1.0));
        assert_eq!(quantile(&x, 1.0), Some(4.0));
        assert_eq!(quantile(&x, 0.5), Some(2.5));
        assert_eq!(quantile(&x, 0.25), Some(1.75));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    }

    #[test]
    fn distribution_bins_and_quartiles() {
        let d = Distribution::of(&[Some(0.0), Some(0.5), Some(1.0), None, Some(0.25)], 4, 0.0, 1.0).unwrap();
        assert_eq!(d.count, 4);
        assert_eq!(d.undefined, 1);
        assert_eq!(d.mean, Some(0.4375));
        assert_eq!(d.median, Some(0.375));
        assert_eq!(d.histogram.iter().map(|b| b.count).collect::<Vec<_>>(), [1, 1, 1, 1]);
        assert_eq!(d.histogram[3].hi, 1.0);
        let tenths = Distribution::of(&[Some(0.3)], 10, 0.0, 1.0).unwrap();
        assert_eq!((tenths.histogram[3].lo, tenths.histogram[3].count), (0.3, 1));
    }
}
