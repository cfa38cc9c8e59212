//! The choice of k: fit every k of a range, score each, pick one by a documented rule.
//!
//! **Rule.** The chosen k has the highest mean silhouette (measured on a seeded sample of at
//! most `sample_size` customers, 20,000 by default); exact ties go to the smaller k. The
//! silhouette rewards clusters that are both tight and apart, and unlike inertia it does not
//! improve just because k grows. Calinski-Harabasz, Davies-Bouldin, inertia and the kneedle
//! elbow of the inertia curve are reported beside it for a person who wants to overrule it
//! (`k = N` in the config).
//!
//! The range is capped at the number of distinct prepared rows (identical customers cannot
//! be told apart); a range that starts above it is [`ClusterError::TooFewDistinct`].

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::ClusterError;
use super::metrics::{calinski_harabasz, davies_bouldin, kneedle, silhouette_many};
use crate::kmeans::{self, KMeans, KMeansParams};
use crate::math::Rng;

/// Scores of one k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Number of clusters.
    pub k: usize,
    /// Within-cluster sum of squares.
    pub inertia: f64,
    /// Mean silhouette on the sample (higher is better).
    pub silhouette: f64,
    /// Calinski-Harabasz index (higher is better).
    pub calinski_harabasz: Option<f64>,
    /// Davies-Bouldin index (lower is better).
    pub davies_bouldin: Option<f64>,
    /// Iterations of the winning restart.
    pub n_iter: usize,
    /// Whether it converged.
    pub converged: bool,
    /// This k is the kneedle elbow of the inertia curve.
    pub elbow: bool,
    /// This k was chosen.
    pub chosen: bool,
}

/// The outcome of a search.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Scores per k, ascending k.
    pub candidates: Vec<Candidate>,
    /// The chosen model.
    pub model: KMeans,
    /// Rows the silhouette was measured on.
    pub silhouette_rows: usize,
}

/// Default silhouette sample size.
pub const SILHOUETTE_SAMPLE: usize = 20_000;

/// Fits k-means for every k in `k_min..=k_max` (capped at the distinct rows) with `params`
/// (its `n_clusters` ignored) and picks k by the rule above.
///
/// # Errors
/// [`ClusterError::KRange`], [`ClusterError::TooFewDistinct`], or a k-means error.
pub fn select_k(
    x: &[f64],
    d: usize,
    weights: Option<&[f64]>,
    k_min: usize,
    k_max: usize,
    params: &KMeansParams,
    sample_size: usize,
) -> Result<Selection, ClusterError> {
    if k_min < 1 || k_max < k_min {
        return Err(ClusterError::KRange { min: k_min, max: k_max });
    }
    if d == 0 || !x.len().is_multiple_of(d) {
        return Err(kmeans::KMeansError::Shape { len: x.len(), n_features: d }.into());
    }
    let n = x.len() / d;
    let distinct = distinct_rows(x, d, k_max);
    if distinct < k_min {
        return Err(ClusterError::TooFewDistinct { distinct, min_k: k_min });
    }
    let k_max = k_max.min(distinct);
    let mut models = Vec::new();
    for k in k_min..=k_max {
        let p = KMeansParams { n_clusters: k, ..params.clone() }.check()?;
        models.push(kmeans::fit(x, d, weights, &p)?);
    }
    let fits: Vec<Fitted<'_>> = models.iter().map(Fitted::of_kmeans).collect();
    let sample = sample_rows(n, sample_size, params.seed);
    let candidates = score(x, d, &fits, &sample);
    let best = candidates.iter().position(|c| c.chosen).unwrap_or(0);
    let model = models.swap_remove(best);
    Ok(Selection { candidates, model, silhouette_rows: sample.len() })
}

/// One fitted k, as [`score`] needs it.
#[derive(Debug, Clone, Copy)]
pub struct Fitted<'a> {
    /// Number of clusters.
    pub k: usize,
    /// Cluster index of every row.
    pub labels: &'a [u32],
    /// The algorithm's cost (inertia, or the k-prototypes cost).
    pub inertia: f64,
    /// Iterations.
    pub n_iter: usize,
    /// Whether it converged.
    pub converged: bool,
}

impl<'a> Fitted<'a> {
    /// A fitted k-means model as a candidate.
    pub fn of_kmeans(m: &'a KMeans) -> Fitted<'a> {
        Fitted { k: m.n_clusters(), labels: &m.labels, inertia: m.inertia, n_iter: m.n_iter, converged: m.converged }
    }

    /// A fitted k-prototypes model as a candidate (its cost as the inertia).
    pub fn of_kprototypes(m: &'a crate::kprototypes::KPrototypes) -> Fitted<'a> {
        Fitted { k: m.n_clusters(), labels: &m.labels, inertia: m.cost, n_iter: m.n_iter, converged: m.converged }
    }
}

/// Scores fitted labelings of the rows of `x` (`n × d`): silhouette on the rows in `sample`,
/// Calinski-Harabasz and Davies-Bouldin around the clusters' means, the elbow of the cost
/// curve; marks the chosen k by the rule of the module docs.
pub fn score(x: &[f64], d: usize, fits: &[Fitted<'_>], sample: &[usize]) -> Vec<Candidate> {
    let labelings: Vec<&[u32]> = fits.iter().map(|f| f.labels).collect();
    let ks: Vec<usize> = fits.iter().map(|f| f.k).collect();
    let sil = silhouette_many(x, d, sample, &labelings, &ks);
    let mut candidates: Vec<Candidate> = fits
        .iter()
        .zip(&sil)
        .map(|(f, &s)| {
            let centres = means(x, d, f.labels, f.k);
            Candidate {
                k: f.k,
                inertia: f.inertia,
                silhouette: if f.k == 1 { 0.0 } else { s },
                calinski_harabasz: calinski_harabasz(x, d, f.labels, &centres),
                davies_bouldin: davies_bouldin(x, d, f.labels, &centres),
                n_iter: f.n_iter,
                converged: f.converged,
                elbow: false,
                chosen: false,
            }
        })
        .collect();
    let xs: Vec<f64> = ks.iter().map(|&k| k as f64).collect();
    let ys: Vec<f64> = candidates.iter().map(|c| c.inertia).collect();
    if let Some(e) = kneedle(&xs, &ys) {
        candidates[e].elbow = true;
    }
    if !candidates.is_empty() {
        let best = choose(&candidates);
        candidates[best].chosen = true;
    }
    candidates
}

/// Unweighted mean of each cluster's rows (`k × d`; an empty cluster's mean is 0).
pub fn means(x: &[f64], d: usize, labels: &[u32], k: usize) -> Vec<f64> {
    let mut sums = vec![0.0; k * d];
    let mut sizes = vec![0usize; k];
    for (row, &l) in x.chunks_exact(d).zip(labels) {
        let l = l as usize;
        sizes[l] += 1;
        sums[l * d..(l + 1) * d].iter_mut().zip(row).for_each(|(s, v)| *s += v);
    }
    for (j, &n) in sizes.iter().enumerate() {
        if n > 0 {
            sums[j * d..(j + 1) * d].iter_mut().for_each(|s| *s /= n as f64);
        }
    }
    sums
}

/// Index of the candidate with the highest silhouette (exact ties: the first, i.e. smaller k).
pub fn choose(candidates: &[Candidate]) -> usize {
    let mut best = 0;
    for (i, c) in candidates.iter().enumerate() {
        if c.silhouette > candidates[best].silhouette {
            best = i;
        }
    }
    best
}

/// Number of distinct rows, counted up to `cap + 1` (enough to cap a k range).
pub fn distinct_rows(x: &[f64], d: usize, cap: usize) -> usize {
    let mut seen: HashSet<Vec<u64>> = HashSet::new();
    for row in x.chunks_exact(d) {
        seen.insert(row.iter().map(|v| if *v == 0.0 { 0 } else { v.to_bits() }).collect());
        if seen.len() > cap {
            break;
        }
    }
    seen.len()
}

/// A seeded sample of `m` distinct row indices in ascending order (all rows when n <= m).
pub fn sample_rows(n: usize, m: usize, seed: u64) -> Vec<usize> {
    if n <= m {
        return (0..n).collect();
    }
    // partial Fisher-Yates on an index vector: m draws, no repeats
    let mut rng = Rng::for_stream(seed, 1 << 32);
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..m {
        let j = i + rng.below((n - i) as u64) as usize;
        idx.swap(i, j);
    }
    let mut s = idx[..m].to_vec();
    s.sort_unstable();
    s
}
