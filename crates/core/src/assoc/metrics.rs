//! Top-k measures of a recommended list against the items a customer then bought, and
//! bootstrap intervals of their means.

use rayon::prelude::*;

use crate::math::Rng;

/// The measures of one list at one k.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TopK {
    /// 1 when any of the first k items was bought, else 0.
    pub hit: f64,
    /// Items of the first k bought, over k.
    pub precision: f64,
    /// Items of the first k bought, over the items bought.
    pub recall: f64,
    /// Discounted gain of the first k (binary relevance, `1 / log2(rank + 1)`) over the best
    /// possible for this many bought items.
    pub ndcg: f64,
}

/// The measures at `k` of `ranked` (best first) against `truth` (distinct, ascending); all 0
/// when `truth` is empty or `k` is 0.
pub fn at_k(ranked: &[u32], truth: &[u32], k: usize) -> TopK {
    if truth.is_empty() || k == 0 {
        return TopK { hit: 0.0, precision: 0.0, recall: 0.0, ndcg: 0.0 };
    }
    let gain = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let mut hits = 0usize;
    let mut dcg = 0.0;
    for (rank, item) in ranked.iter().take(k).enumerate() {
        if truth.binary_search(item).is_ok() {
            hits += 1;
            dcg += gain(rank);
        }
    }
    let ideal: f64 = (0..k.min(truth.len())).map(gain).sum();
    TopK {
        hit: if hits > 0 { 1.0 } else { 0.0 },
        precision: hits as f64 / k as f64,
        recall: hits as f64 / truth.len() as f64,
        ndcg: dcg / ideal,
    }
}

/// A mean and its bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The mean over every observation.
    pub mean: f64,
    /// The 2.5th percentile of the resampled means.
    pub low: f64,
    /// The 97.5th percentile.
    pub high: f64,
}

/// The mean of each column of observations (all of one length) and its 95% interval from
/// `resamples` bootstrap resamples (see [`resampled_means`]).
pub fn bootstrap(columns: &[&[f64]], resamples: usize, seed: u64) -> Vec<Interval> {
    let draws = resampled_means(columns, resamples, seed);
    columns.iter().enumerate().map(|(j, c)| interval(mean(c), draws.iter().map(|d| d[j]).collect())).collect()
}

/// The mean of `c` (0 when empty).
pub fn mean(c: &[f64]) -> f64 {
    if c.is_empty() { 0.0 } else { c.iter().sum::<f64>() / c.len() as f64 }
}

/// Per bootstrap resample of the observations (rows of the columns, all of one length), each
/// column's mean. A resample is drawn once for all columns, so differences between columns are
/// paired: the difference of two columns' resampled means is the resampled mean of their
/// difference. Resample `b` draws from its own seeded stream, so the result does not depend on
/// the thread count. A resample is kept as how often it drew each row, so each column is summed
/// in order (a gather of random rows per column was memory-bound).
pub fn resampled_means(columns: &[&[f64]], resamples: usize, seed: u64) -> Vec<Vec<f64>> {
    let n = columns.first().map_or(0, |c| c.len());
    if n == 0 {
        return vec![vec![0.0; columns.len()]; resamples];
    }
    (0..resamples as u64)
        .into_par_iter()
        .map(|b| {
            let mut rng = Rng::for_stream(seed, b);
            let mut times = vec![0u32; n];
            for _ in 0..n {
                times[rng.below(n as u64) as usize] += 1;
            }
            columns
                .iter()
                .map(|c| c.iter().zip(&times).map(|(x, &t)| x * f64::from(t)).sum::<f64>() / n as f64)
                .collect()
        })
        .collect()
}

/// A mean with the 2.5th and 97.5th percentiles of its resampled values. Percentiles
/// interpolate linearly between order statistics (numpy's default); no resamples: the mean.
pub fn interval(mean: f64, mut draws: Vec<f64>) -> Interval {
    if draws.is_empty() {
        return Interval { mean, low: mean, high: mean };
    }
    draws.sort_by(f64::total_cmp);
    Interval { mean, low: percentile(&draws, 0.025), high: percentile(&draws, 0.975) }
}

/// The `q` quantile of sorted `v` by linear interpolation.
fn percentile(v: &[f64], q: f64) -> f64 {
    let h = q * (v.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_equal_a_hand_computed_list() {
        // recommended 4, 7, 2, 9, 5; bought 2, 3, 4
        let (ranked, truth) = ([4, 7, 2, 9, 5], [2, 3, 4]);
        let m = at_k(&ranked, &truth, 5);
        assert_eq!(m.hit, 1.0);
        assert_eq!(m.precision, 2.0 / 5.0);
        assert_eq!(m.recall, 2.0 / 3.0);
        // DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) + 1/log2(4)
        let ideal = 1.0 + 1.0 / 3f64.log2() + 0.5;
        assert!((m.ndcg - 1.5 / ideal).abs() < 1e-15);
        // at 2: only 4 is within; ideal of two items
        let m2 = at_k(&ranked, &truth, 2);
        assert_eq!((m2.hit, m2.precision, m2.recall), (1.0, 0.5, 1.0 / 3.0));
        assert!((m2.ndcg - 1.0 / (1.0 + 1.0 / 3f64.log2())).abs() < 1e-15);
        // a list shorter than k still divides precision by k; a miss is all zeros
        assert_eq!(at_k(&[3], &truth, 10).precision, 0.1);
        assert_eq!(at_k(&[8], &truth, 5), TopK { hit: 0.0, precision: 0.0, recall: 0.0, ndcg: 0.0 });
        assert_eq!(at_k(&[1, 2], &[], 5).hit, 0.0);
    }

    #[test]
    fn bootstrap_intervals_bracket_the_mean_and_shrink_with_n() {
        let small: Vec<f64> = (0..50).map(|i| (i % 2) as f64).collect();
        let large: Vec<f64> = (0..5000).map(|i| (i % 2) as f64).collect();
        let [s] = bootstrap(&[&small], 500, 7)[..] else { panic!("one column") };
        let [l] = bootstrap(&[&large], 500, 7)[..] else { panic!("one column") };
        assert_eq!((s.mean, l.mean), (0.5, 0.5));
        assert!(s.low < 0.5 && s.high > 0.5 && l.low < 0.5 && l.high > 0.5);
        // the standard error is sqrt(0.25 / n): the interval is about 4 of them wide
        let width = |i: Interval, n: f64| (i.high - i.low) / (0.25f64 / n).sqrt();
        assert!((3.3..4.5).contains(&width(s, 50.0)), "{}", width(s, 50.0));
        assert!((3.3..4.5).contains(&width(l, 5000.0)), "{}", width(l, 5000.0));
        // the same seed, the same interval; paired columns: a constant difference has no spread
        assert_eq!(bootstrap(&[&small], 500, 7), bootstrap(&[&small], 500, 7));
        let shifted: Vec<f64> = small.iter().map(|x| x + 1.0).collect();
        let both = bootstrap(&[&small, &shifted], 200, 3);
        assert!(((both[1].low - both[0].low) - 1.0).abs() < 1e-12);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
    }
}
