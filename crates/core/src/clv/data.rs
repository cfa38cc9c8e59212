use super::ClvError;

/// The BTYD summary of a customer base, compressed to its distinct (x, t_x, T) tuples.
///
/// Customers with the same summary contribute the same likelihood term, so every fit and every
/// prediction works on the distinct tuples with their counts as weights: a million customers
/// usually shrink to a few hundred thousand tuples or fewer. The distinct times (t_x and T
/// values together) and distinct x values are kept in their own tables so a likelihood can
/// compute `ln(α + t)` once per time and the gamma functions once per x.
///
/// Tuples are sorted by (x, t_x, T); the order of the input customers does not matter.
#[derive(Debug, Clone, PartialEq)]
pub struct BtydData {
    /// Distinct x values, ascending.
    pub xs: Vec<u64>,
    /// Distinct time values (every t_x and T), ascending.
    pub times: Vec<f64>,
    /// Per tuple: index into `xs`.
    pub x_idx: Vec<u32>,
    /// Per tuple: index into `times` of t_x.
    pub tx_idx: Vec<u32>,
    /// Per tuple: index into `times` of T.
    pub t_idx: Vec<u32>,
    /// Per tuple: number of customers (or summed weights).
    pub weight: Vec<f64>,
    /// Per input customer: index of its tuple.
    pub tuple_of: Vec<u32>,
}

impl BtydData {
    /// Groups per-customer summaries: `x` repeat purchases (x in Fader, Hardie & Lee 2005),
    /// `t_x` time of the last purchase and `t` (T) length of observation, both from the first
    /// purchase and in the same unit.
    ///
    /// # Errors
    /// [`ClvError::InvalidSummary`] for non-finite or negative times, `t_x > T`, or `x = 0` with
    /// `t_x > 0`; [`ClvError::InvalidParam`] when the slices differ in length.
    pub fn new(x: &[u64], t_x: &[f64], t: &[f64]) -> Result<BtydData, ClvError> {
        if x.len() != t_x.len() || x.len() != t.len() {
            return Err(ClvError::InvalidParam {
                name: "summary columns",
                rule: "of equal length",
                value: t_x.len().abs_diff(x.len()).max(t.len().abs_diff(x.len())) as f64,
            });
        }
        for i in 0..x.len() {
            let reason = if !(t_x[i].is_finite() && t[i].is_finite()) {
                Some("times must be finite")
            } else if t_x[i] < 0.0 || t[i] < 0.0 {
                Some("times must be >= 0")
            } else if t_x[i] > t[i] {
                Some("t_x must not exceed T")
            } else if x[i] == 0 && t_x[i] != 0.0 {
                Some("t_x must be 0 when x = 0")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(ClvError::InvalidSummary { index: i, reason, x: x[i], t_x: t_x[i], t: t[i] });
            }
        }
        use rayon::prelude::*;
        let mut times: Vec<f64> = t_x.iter().chain(t).copied().collect();
        times.par_sort_unstable_by(f64::total_cmp);
        times.dedup();
        let mut xs = x.to_vec();
        xs.par_sort_unstable();
        xs.dedup();
        let time_index = |v: f64| times.partition_point(|&u| u < v) as u32;
        let keys: Vec<(u32, u32, u32)> = (0..x.len())
            .into_par_iter()
            .map(|i| (xs.partition_point(|&u| u < x[i]) as u32, time_index(t_x[i]), time_index(t[i])))
            .collect();
        // sort customers by key (ties by input position, so the grouping is deterministic)
        let mut order: Vec<((u32, u32, u32), u32)> = keys.iter().enumerate().map(|(i, &k)| (k, i as u32)).collect();
        order.par_sort_unstable();
        let order: Vec<u32> = order.into_iter().map(|(_, i)| i).collect();
        let mut data = BtydData {
            xs,
            times,
            x_idx: Vec::new(),
            tx_idx: Vec::new(),
            t_idx: Vec::new(),
            weight: Vec::new(),
            tuple_of: vec![0; x.len()],
        };
        let mut last = None;
        for &i in &order {
            let k = keys[i as usize];
            if last != Some(k) {
                data.x_idx.push(k.0);
                data.tx_idx.push(k.1);
                data.t_idx.push(k.2);
                data.weight.push(0.0);
                last = Some(k);
            }
            let tuple = data.weight.len() - 1;
            data.weight[tuple] += 1.0;
            data.tuple_of[i as usize] = tuple as u32;
        }
        Ok(data)
    }

    /// An even sample of at most `max` tuples (every k-th in (x, t_x, T) order), weights scaled
    /// so the total weight is unchanged; `None` when there are no more than `max` tuples. The
    /// sample has no customers (`tuple_of` is empty).
    pub fn sample(&self, max: usize) -> Option<BtydData> {
        let n = self.n_tuples();
        if n <= max || max == 0 {
            return None;
        }
        let stride = n.div_ceil(max);
        let keep: Vec<usize> = (0..n).step_by(stride).collect();
        let kept_weight: f64 = keep.iter().map(|&k| self.weight[k]).sum();
        let scale = self.total_weight() / kept_weight;
        Some(BtydData {
            xs: self.xs.clone(),
            times: self.times.clone(),
            x_idx: keep.iter().map(|&k| self.x_idx[k]).collect(),
            tx_idx: keep.iter().map(|&k| self.tx_idx[k]).collect(),
            t_idx: keep.iter().map(|&k| self.t_idx[k]).collect(),
            weight: keep.iter().map(|&k| self.weight[k] * scale).collect(),
            tuple_of: Vec::new(),
        })
    }

    /// Number of distinct tuples.
    pub fn n_tuples(&self) -> usize {
        self.weight.len()
    }

    /// Number of customers summarised.
    pub fn n_customers(&self) -> usize {
        self.tuple_of.len()
    }

    /// Sum of the weights.
    pub fn total_weight(&self) -> f64 {
        self.weight.iter().sum()
    }

    /// The (x, t_x, T) of tuple `k`.
    pub fn tuple(&self, k: usize) -> (u64, f64, f64) {
        (self.xs[self.x_idx[k] as usize], self.times[self.tx_idx[k] as usize], self.times[self.t_idx[k] as usize])
    }

    /// Computes `f(x, t_x, T)` once per distinct tuple (in parallel) and spreads the results
    /// over the customers, in input order.
    pub fn per_customer<T: Clone + Send + Sync>(&self, f: impl Fn(u64, f64, f64) -> T + Sync) -> Vec<T> {
        use rayon::prelude::*;
        let per_tuple: Vec<T> = (0..self.n_tuples())
            .into_par_iter()
            .map(|k| {
                let (x, t_x, t) = self.tuple(k);
                f(x, t_x, t)
            })
            .collect();
        self.tuple_of.iter().map(|&k| per_tuple[k as usize].clone()).collect()
    }
}

/// Sums `term(k, &mut grad)` over the tuples `0..n` in fixed chunks, in parallel, adding the chunk
/// results in chunk order so the total does not depend on the number of threads.
pub(crate) fn chunked_sum<const N: usize>(
    n: usize,
    term: impl Fn(usize, &mut [f64; N]) -> f64 + Sync,
) -> (f64, [f64; N]) {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    let parts: Vec<(f64, [f64; N])> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut g = [0.0; N];
            let mut v = 0.0;
            for k in c * CHUNK..((c + 1) * CHUNK).min(n) {
                v += term(k, &mut g);
            }
            (v, g)
        })
        .collect();
    let mut total = 0.0;
    let mut grad = [0.0; N];
    for (v, g) in parts {
        total += v;
        grad.iter_mut().zip(g).for_each(|(a, b)| *a += b);
    }
    (total, grad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_equal_summaries_and_maps_customers_back() {
        let d = BtydData::new(&[2, 0, 2, 0], &[3.0, 0.0, 3.0, 0.0], &[5.0, 4.0, 5.0, 5.0]).expect("valid");
        assert_eq!(d.n_tuples(), 3);
        assert_eq!(d.xs, vec![0, 2]);
        assert_eq!(d.times, vec![0.0, 3.0, 4.0, 5.0]);
        assert_eq!(d.tuple(d.tuple_of[0] as usize), (2, 3.0, 5.0));
        assert_eq!(d.tuple(d.tuple_of[3] as usize), (0, 0.0, 5.0));
        assert_eq!(d.weight[d.tuple_of[2] as usize], 2.0);
        assert_eq!(d.total_weight(), 4.0);
        assert_eq!(d.per_customer(|x, _, t| x as f64 + t), vec![7.0, 4.0, 7.0, 5.0]);
    }

    #[test]
    fn rejects_impossible_summaries() {
        let e = BtydData::new(&[1], &[6.0], &[5.0]).expect_err("t_x > T");
        assert!(matches!(e, ClvError::InvalidSummary { index: 0, reason: "t_x must not exceed T", .. }));
        let e = BtydData::new(&[0, 0], &[0.0, 1.0], &[5.0, 5.0]).expect_err("x = 0, t_x > 0");
        assert!(matches!(e, ClvError::InvalidSummary { index: 1, .. }));
        assert!(BtydData::new(&[0], &[0.0], &[f64::NAN]).is_err());
    }
}
