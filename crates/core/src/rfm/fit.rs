//! Fitting the scorer on a population: quantile (or breakpoint) scores per dimension.

use super::{Cn8Basis, Rfm, ValidRfmParams};
use crate::math::min_ranks;

/// R, F and M scores, one per customer in input order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RfmScores {
    /// Recency score (n = most recent).
    pub r: Vec<u8>,
    /// Frequency score.
    pub f: Vec<u8>,
    /// Monetary score.
    pub m: Vec<u8>,
}

/// Quantile scores 1..=n where higher values are better, with the tie rule of the module docs:
/// `1 + floor(n * (r - 1) / N)`, `r` the min rank.
pub fn quantile_scores(values: &[f64], n: u8) -> Vec<u8> {
    let total = values.len();
    min_ranks(values).into_iter().map(|rank0| 1 + ((usize::from(n) * rank0) / total.max(1)) as u8).collect()
}

/// Breakpoint scores where higher values are better: `1 + #{b : value >= b}`.
pub fn breakpoint_scores(values: &[f64], breaks: &[f64]) -> Vec<u8> {
    values.iter().map(|v| 1 + breaks.iter().filter(|b| v >= b).count() as u8).collect()
}

/// Fits the scorer on a population (recency days, frequency, monetary; parallel slices): the
/// model ([`Rfm`]: where each score starts, the 8 classes' centres), every customer's scores and
/// 8-class id (what [`Rfm::scores`] and [`Rfm::cn8`] give them).
pub fn fit(values: [&[f64]; 3], params: &ValidRfmParams, basis: Cn8Basis) -> (Rfm, RfmScores, Vec<&'static str>) {
    let (scores, (cn8, centres)) = rayon::join(
        || score(values[0], values[1], values[2], params),
        || super::cn8(values[0], values[1], values[2], basis),
    );
    (Rfm::from_scores(values, &scores, params, (centres, basis)), scores, cn8)
}

/// Scores every customer. `recency_days`, `frequency` and `monetary` are parallel slices.
pub fn score(recency_days: &[f64], frequency: &[f64], monetary: &[f64], params: &ValidRfmParams) -> RfmScores {
    let n = params.n_scores();
    let p = params.params();
    let r = match &p.recency_breaks {
        // lower recency is better: n minus the breakpoints the value exceeds
        Some(b) => recency_days.iter().map(|v| n - b.iter().filter(|x| v > x).count() as u8).collect(),
        None => {
            let neg: Vec<f64> = recency_days.iter().map(|v| -v).collect();
            quantile_scores(&neg, n)
        }
    };
    let by = |values: &[f64], breaks: &Option<Vec<f64>>| match breaks {
        Some(b) => breakpoint_scores(values, b),
        None => quantile_scores(values, n),
    };
    RfmScores { r, f: by(frequency, &p.frequency_breaks), m: by(monetary, &p.monetary_breaks) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn distinct_values_fill_equal_bands() {
        let v: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(quantile_scores(&v, 5), vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }

    #[test]
    fn recency_is_reversed_and_breakpoints_apply() {
        let p = crate::rfm::params::example_breaks();
        let s = score(&[10.0, 30.0, 31.0, 200.0], &[1.0, 2.0, 8.0, 100.0], &[1.0, 2.0, 3.0, 4.0], &p);
        assert_eq!(s.r, vec![5, 5, 4, 1]);
        assert_eq!(s.f, vec![1, 2, 5, 5]);
        assert_eq!(s.m, vec![1, 2, 3, 4]);
    }

    proptest! {
        #[test]
        fn scores_in_range_and_ties_equal(values in proptest::collection::vec(0u32..20, 1..200), n in 2u8..=10) {
            let v: Vec<f64> = values.iter().map(|&x| f64::from(x)).collect();
            let s = quantile_scores(&v, n);
            for i in 0..v.len() {
                prop_assert!((1..=n).contains(&s[i]));
                for j in 0..v.len() {
                    if v[i] == v[j] { prop_assert_eq!(s[i], s[j]); }
                    if v[i] < v[j] { prop_assert!(s[i] <= s[j]); }
                }
            }
        }
    }
}
