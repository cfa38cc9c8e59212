//! Seeding, assignment and prototype updates of k-prototypes, over fixed row chunks.

use rayon::prelude::*;

use super::{KPrototypes, KPrototypesError, ValidKPrototypesParams};
use crate::math::Rng;

/// Rows per parallel work unit; partial results are combined in chunk order.
const CHUNK: usize = 4096;

/// A checked mixed data set.
pub(crate) struct Data<'a> {
    pub x: &'a [f64],
    pub d: usize,
    pub cat: &'a [u32],
    pub levels: &'a [u32],
    pub w: Option<&'a [f64]>,
    n: usize,
}

impl<'a> Data<'a> {
    pub fn new(
        x: &'a [f64],
        d: usize,
        cat: &'a [u32],
        levels: &'a [u32],
        w: Option<&'a [f64]>,
    ) -> Result<Data<'a>, KPrototypesError> {
        let c = levels.len();
        if c == 0 {
            return Err(KPrototypesError::NoCategorical);
        }
        if !cat.len().is_multiple_of(c) {
            return Err(KPrototypesError::Shape { what: "categorical data", len: cat.len(), n_rows: cat.len() / c });
        }
        let n = cat.len() / c;
        if x.len() != n * d {
            return Err(KPrototypesError::Shape { what: "numeric data", len: x.len(), n_rows: n });
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(KPrototypesError::NonFinite { row: i / d, feature: i % d, value: x[i] });
        }
        if let Some(i) = cat.iter().enumerate().position(|(i, &v)| v >= levels[i % c]) {
            return Err(KPrototypesError::Level { row: i / c, attribute: i % c, code: cat[i], levels: levels[i % c] });
        }
        if let Some(w) = w {
            if w.len() != n {
                return Err(KPrototypesError::Shape { what: "weights", len: w.len(), n_rows: n });
            }
            if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(KPrototypesError::Weight { row: i, value: w[i] });
            }
        }
        Ok(Data { x, d, cat, levels, w, n })
    }

    pub fn n(&self) -> usize {
        self.n
    }

    fn c(&self) -> usize {
        self.levels.len()
    }

    fn num(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }

    fn cats(&self, i: usize) -> &[u32] {
        &self.cat[i * self.c()..(i + 1) * self.c()]
    }

    fn weight(&self, i: usize) -> f64 {
        self.w.map_or(1.0, |w| w[i])
    }

    /// 0.5 × the mean (unweighted) standard deviation of the numeric features; 0.5 without any.
    fn default_gamma(&self) -> f64 {
        if self.d == 0 {
            return 0.5;
        }
        let n = self.n as f64;
        let mut total = 0.0;
        for j in 0..self.d {
            let mean = (0..self.n).map(|i| self.x[i * self.d + j]).sum::<f64>() / n;
            total += ((0..self.n).map(|i| (self.x[i * self.d + j] - mean).powi(2)).sum::<f64>() / n).sqrt();
        }
        0.5 * total / self.d as f64
    }
}

/// Mixed distance of row `i` to a prototype.
fn dist(data: &Data<'_>, i: usize, centre: &[f64], mode: &[u32], gamma: f64) -> f64 {
    let num: f64 = data.num(i).iter().zip(centre).map(|(a, b)| (a - b) * (a - b)).sum();
    let mismatches = data.cats(i).iter().zip(mode).filter(|(a, b)| a != b).count();
    num + gamma * mismatches as f64
}

/// Nearest prototype of row `i` and its distance (ties: the lower index).
pub(crate) fn nearest(data: &Data<'_>, i: usize, centres: &[f64], modes: &[u32], k: usize, gamma: f64) -> (u32, f64) {
    let (d, c) = (data.d, data.c());
    let mut best = (0u32, f64::INFINITY);
    for j in 0..k {
        let v = dist(data, i, &centres[j * d..(j + 1) * d], &modes[j * c..(j + 1) * c], gamma);
        if v < best.1 {
            best = (j as u32, v);
        }
    }
    best
}

/// k-means++ on the mixed distance: each new prototype is a row drawn with probability
/// proportional to weight × distance to the nearest chosen one.
fn seed(data: &Data<'_>, k: usize, gamma: f64, rng: &mut Rng) -> (Vec<f64>, Vec<u32>) {
    let n = data.n();
    let mut centres: Vec<f64> = Vec::with_capacity(k * data.d);
    let mut modes: Vec<u32> = Vec::with_capacity(k * data.c());
    let mut closest = vec![f64::INFINITY; n];
    let mut pick = rng.below(n as u64) as usize;
    for _ in 0..k {
        let (cn, cc) = (data.num(pick).to_vec(), data.cats(pick).to_vec());
        closest.par_iter_mut().enumerate().for_each(|(i, v)| *v = v.min(dist(data, i, &cn, &cc, gamma)));
        centres.extend_from_slice(&cn);
        modes.extend_from_slice(&cc);
        let mut cum = 0.0;
        let cumulative: Vec<f64> = (0..n)
            .map(|i| {
                cum += data.weight(i) * closest[i];
                cum
            })
            .collect();
        pick = if cum > 0.0 {
            let u = rng.uniform() * cum;
            cumulative.partition_point(|&c| c <= u).min(n - 1)
        } else {
            rng.below(n as u64) as usize
        };
    }
    (centres, modes)
}

/// Prototypes from an assignment: weighted means and weighted modes (ties: the lowest code);
/// an empty cluster is re-seeded at the row farthest from its old prototype.
#[allow(clippy::needless_range_loop)]
fn update(data: &Data<'_>, labels: &[u32], old_c: &[f64], old_m: &[u32], k: usize, gamma: f64) -> (Vec<f64>, Vec<u32>) {
    let (d, c, n) = (data.d, data.c(), data.n());
    let offsets: Vec<usize> = data
        .levels
        .iter()
        .scan(0usize, |s, &l| {
            let o = *s;
            *s += l as usize;
            Some(o)
        })
        .collect();
    let total_levels: usize = data.levels.iter().map(|&l| l as usize).sum();
    let parts: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|ch| {
            let mut sums = vec![0.0; k * d];
            let mut weights = vec![0.0; k];
            let mut counts = vec![0.0; k * total_levels];
            for i in ch * CHUNK..((ch + 1) * CHUNK).min(n) {
                let a = labels[i] as usize;
                let w = data.weight(i);
                weights[a] += w;
                for (s, v) in sums[a * d..(a + 1) * d].iter_mut().zip(data.num(i)) {
                    *s += w * v;
                }
                for (j, &code) in data.cats(i).iter().enumerate() {
                    counts[a * total_levels + offsets[j] + code as usize] += w;
                }
            }
            (sums, weights, counts)
        })
        .collect();
    let mut sums = vec![0.0; k * d];
    let mut weights = vec![0.0; k];
    let mut counts = vec![0.0; k * total_levels];
    for (s, w, cn) in parts {
        sums.iter_mut().zip(s).for_each(|(a, b)| *a += b);
        weights.iter_mut().zip(w).for_each(|(a, b)| *a += b);
        counts.iter_mut().zip(cn).for_each(|(a, b)| *a += b);
    }
    let mut centres = old_c.to_vec();
    let mut modes = old_m.to_vec();
    let mut taken: Vec<usize> = Vec::new();
    for a in 0..k {
        if weights[a] > 0.0 {
            for f in 0..d {
                centres[a * d + f] = sums[a * d + f] / weights[a];
            }
            for j in 0..c {
                let row =
                    &counts[a * total_levels + offsets[j]..a * total_levels + offsets[j] + data.levels[j] as usize];
                // first maximum: the lowest code wins ties
                let best = row
                    .iter()
                    .enumerate()
                    .fold((0usize, f64::NEG_INFINITY), |b, (l, &v)| if v > b.1 { (l, v) } else { b });
                modes[a * c + j] = best.0 as u32;
            }
        } else {
            let far = (0..n)
                .filter(|i| !taken.contains(i))
                .map(|i| {
                    let l = labels[i] as usize;
                    (dist(data, i, &old_c[l * d..(l + 1) * d], &old_m[l * c..(l + 1) * c], gamma), i)
                })
                .fold((f64::NEG_INFINITY, 0), |best, x| if x.0 > best.0 { x } else { best });
            taken.push(far.1);
            centres[a * d..(a + 1) * d].copy_from_slice(data.num(far.1));
            modes[a * c..(a + 1) * c].copy_from_slice(data.cats(far.1));
        }
    }
    (centres, modes)
}

/// Assignment of every row and the total weighted cost, over fixed chunks.
fn assign(data: &Data<'_>, centres: &[f64], modes: &[u32], k: usize, gamma: f64) -> (Vec<u32>, f64) {
    let n = data.n();
    let parts: Vec<(Vec<u32>, f64)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|ch| {
            let mut cost = 0.0;
            let labels = (ch * CHUNK..((ch + 1) * CHUNK).min(n))
                .map(|i| {
                    let (a, v) = nearest(data, i, centres, modes, k, gamma);
                    cost += data.weight(i) * v;
                    a
                })
                .collect();
            (labels, cost)
        })
        .collect();
    let cost = parts.iter().map(|p| p.1).sum();
    (parts.into_iter().flat_map(|p| p.0).collect(), cost)
}

/// Runs `n_init` seeded restarts and keeps the lowest cost.
pub(crate) fn fit(data: &Data<'_>, valid: &ValidKPrototypesParams) -> Result<KPrototypes, KPrototypesError> {
    let p = valid.params();
    let k = p.n_clusters;
    if data.n() < k {
        return Err(KPrototypesError::TooFewRows { n_rows: data.n(), n_clusters: k });
    }
    let gamma = p.gamma.unwrap_or_else(|| data.default_gamma());
    let mut best: Option<KPrototypes> = None;
    for run in 0..p.n_init {
        let mut rng = Rng::for_stream(p.seed, run as u64);
        let (mut centres, mut modes) = seed(data, k, gamma, &mut rng);
        let (mut labels, mut cost) = assign(data, &centres, &modes, k, gamma);
        let mut converged = false;
        let mut n_iter = 0;
        for iter in 1..=p.max_iter {
            n_iter = iter;
            (centres, modes) = update(data, &labels, &centres, &modes, k, gamma);
            let (new_labels, new_cost) = assign(data, &centres, &modes, k, gamma);
            let same = new_labels == labels;
            labels = new_labels;
            cost = new_cost;
            if same {
                converged = true;
                break;
            }
        }
        let m = KPrototypes {
            centroids: centres,
            modes,
            n_numeric: data.d,
            n_categorical: data.c(),
            gamma,
            labels,
            cost,
            n_iter,
            converged,
        };
        if best.as_ref().is_none_or(|b| m.cost < b.cost) {
            best = Some(m);
        }
    }
    best.ok_or(KPrototypesError::InvalidParam { name: "n_init", rule: "> 0", value: 0.0 })
}
