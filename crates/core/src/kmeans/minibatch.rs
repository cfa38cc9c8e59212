//! Mini-batch k-means (Sculley 2010) for inputs too large for full iterations: each step draws
//! a seeded batch of rows, assigns it to the nearest centres, and moves each centre towards its
//! rows with a per-centre learning rate of weight / (weight seen so far). A few full Lloyd
//! iterations at the end make the labels, centres and inertia consistent with each other.

use rayon::prelude::*;

use super::KMeans;
use super::fit::{Data, kmeans_plus_plus, lloyd, nearest_two};
use crate::math::Rng;

/// Rows of the seeded sample k-means++ seeds on.
const SEED_SAMPLE: usize = 100_000;
/// Steps without a better smoothed batch inertia before stopping (as scikit-learn).
const MAX_NO_IMPROVEMENT: usize = 10;
/// Full Lloyd iterations that finish the fit.
const POLISH_ITERATIONS: usize = 3;

/// Fits from seeded batches of `batch` rows, for at most `max_epochs` passes' worth of steps.
pub(crate) fn fit(data: &Data<'_>, k: usize, batch: usize, max_epochs: usize, tol_abs: f64, rng: &mut Rng) -> KMeans {
    let (n, d) = (data.n(), data.d);
    let batch = batch.min(n);
    // seed on a sample: k-means++ over every row of a very large input costs k passes
    let sample: Vec<usize> = if n <= SEED_SAMPLE { (0..n).collect() } else { draw(rng, n, SEED_SAMPLE) };
    let sample_x: Vec<f64> = sample.iter().flat_map(|&i| data.row(i).iter().copied()).collect();
    let sample_w: Option<Vec<f64>> = data.w.map(|_| sample.iter().map(|&i| data.weight(i)).collect());
    let sample_data = Data { x: &sample_x, d, w: sample_w.as_deref() };
    let mut centres = kmeans_plus_plus(&sample_data, k, rng);
    let mut seen = vec![0.0f64; k];
    let max_steps = (max_epochs * n).div_ceil(batch).max(1);
    let alpha = (2.0 * batch as f64 / (n as f64 + 1.0)).min(1.0);
    let (mut ewa, mut best, mut stale) = (f64::NAN, f64::INFINITY, 0usize);
    let mut steps = 0;
    for _ in 0..max_steps {
        steps += 1;
        let rows = draw(rng, n, batch);
        let assigned: Vec<(u32, f64)> = rows
            .par_iter()
            .map(|&i| {
                let (a, d1, _) = nearest_two(data.row(i), &centres, d);
                (a, d1)
            })
            .collect();
        let old = centres.clone();
        let mut batch_cost = 0.0;
        let mut batch_weight = 0.0;
        for (&i, &(a, dist)) in rows.iter().zip(&assigned) {
            let w = data.weight(i);
            if w == 0.0 {
                continue;
            }
            batch_cost += w * dist;
            batch_weight += w;
            let a = a as usize;
            seen[a] += w;
            let eta = w / seen[a];
            for (c, v) in centres[a * d..(a + 1) * d].iter_mut().zip(data.row(i)) {
                *c += eta * (v - *c);
            }
        }
        let shift_sq: f64 = centres.iter().zip(&old).map(|(a, b)| (a - b) * (a - b)).sum();
        let cost = if batch_weight > 0.0 { batch_cost / batch_weight } else { 0.0 };
        ewa = if ewa.is_nan() { cost } else { ewa * (1.0 - alpha) + cost * alpha };
        if ewa < best {
            best = ewa;
            stale = 0;
        } else {
            stale += 1;
        }
        if shift_sq <= tol_abs || stale >= MAX_NO_IMPROVEMENT {
            break;
        }
    }
    let mut m = lloyd(data, centres, POLISH_ITERATIONS, tol_abs, true);
    m.n_iter += steps;
    m
}

/// `m` row indices drawn uniformly with replacement, in draw order.
fn draw(rng: &mut Rng, n: usize, m: usize) -> Vec<usize> {
    (0..m).map(|_| rng.below(n as u64) as usize).collect()
}
