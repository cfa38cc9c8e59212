//! Ranking with ties: the rule every score and tier in custseg uses.

use rayon::slice::ParallelSliceMut;

/// For each value, the 0-based position of the first value equal to it in ascending order
/// ("min rank" minus one). Equal values get equal ranks; NaN sorts last (values are
/// expected finite; callers filter).
///
/// ```
/// use custseg_core::math::min_ranks;
/// assert_eq!(min_ranks(&[3.0, 1.0, 3.0, 2.0]), vec![2, 0, 2, 1]);
/// ```
pub fn min_ranks(values: &[f64]) -> Vec<usize> {
    // sort (value, position) pairs in parallel: contiguous, and fully ordered so the result
    // does not depend on the sort algorithm
    let mut order: Vec<(f64, usize)> = values.iter().copied().zip(0..).collect();
    order.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut ranks = vec![0usize; values.len()];
    let mut start = 0;
    while start < order.len() {
        let v = order[start].0;
        let mut end = start + 1;
        while end < order.len() && order[end].0 == v {
            end += 1;
        }
        for &(_, i) in &order[start..end] {
            ranks[i] = start;
        }
        start = end;
    }
    ranks
}

/// The `q`-quantile (0 <= q <= 1) of `values` by linear interpolation between closest ranks
/// (the "type 7" rule of R and NumPy's default). `None` for an empty slice.
pub fn percentile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v: Vec<f64> = values.to_vec();
    v.par_sort_unstable_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

/// The median (the 0.5 [`percentile`]).
pub fn median(values: &[f64]) -> Option<f64> {
    percentile(values, 0.5)
}

/// The arithmetic mean, `None` for an empty slice.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() { None } else { Some(values.iter().sum::<f64>() / values.len() as f64) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_the_lowest_rank() {
        assert_eq!(min_ranks(&[5.0, 5.0, 5.0]), vec![0, 0, 0]);
        assert_eq!(min_ranks(&[2.0, 1.0, 2.0, 0.0]), vec![2, 1, 2, 0]);
        assert!(min_ranks(&[]).is_empty());
    }

    #[test]
    fn percentile_interpolates_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 1.0), Some(4.0));
        assert!((percentile(&v, 0.9).unwrap_or(0.0) - 3.7).abs() < 1e-12);
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(mean(&v), Some(2.5));
    }
}
