//! k-means++ seeding and Lloyd iterations with Hamerly's bounds, parallel over fixed row chunks
//! (results do not depend on the number of threads).

use rayon::prelude::*;

use super::{KMeans, KMeansError, ValidKMeansParams};
use crate::math::Rng;

/// Rows per parallel work unit; partial sums are combined in chunk order.
const CHUNK: usize = 4096;

/// Changes to the cluster sums and weights from the rows of one chunk that changed cluster.
type SumsDelta = (Vec<f64>, Vec<f64>);

/// A checked data matrix: `n_rows × n_features`, row-major, finite, with weights.
pub(crate) struct Data<'a> {
    pub x: &'a [f64],
    pub d: usize,
    pub w: Option<&'a [f64]>,
}

impl<'a> Data<'a> {
    pub fn new(x: &'a [f64], d: usize, w: Option<&'a [f64]>) -> Result<Data<'a>, KMeansError> {
        if d == 0 || !x.len().is_multiple_of(d) {
            return Err(KMeansError::Shape { len: x.len(), n_features: d });
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(KMeansError::NonFinite { row: i / d, feature: i % d, value: x[i] });
        }
        if let Some(w) = w {
            if w.len() != x.len() / d {
                return Err(KMeansError::Shape { len: w.len(), n_features: 1 });
            }
            if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(KMeansError::Weight { row: i, value: w[i] });
            }
        }
        Ok(Data { x, d, w })
    }

    pub fn n(&self) -> usize {
        self.x.len() / self.d
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }

    pub fn weight(&self, i: usize) -> f64 {
        self.w.map_or(1.0, |w| w[i])
    }

    /// Mean of the per-feature variances (unweighted), the scale of the tolerance: one parallel
    /// pass over the rows in fixed chunks (sums, then sums of squared deviations).
    pub fn mean_variance(&self) -> f64 {
        let (n, d) = (self.n(), self.d);
        let chunks = n.div_ceil(CHUNK);
        let sums: Vec<Vec<f64>> = (0..chunks)
            .into_par_iter()
            .map(|ch| {
                let mut s = vec![0.0; d];
                for row in self.x[ch * CHUNK * d..((ch + 1) * CHUNK).min(n) * d].chunks_exact(d) {
                    s.iter_mut().zip(row).for_each(|(a, v)| *a += v);
                }
                s
            })
            .collect();
        let mut mean = vec![0.0; d];
        for s in &sums {
            mean.iter_mut().zip(s).for_each(|(a, v)| *a += v);
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let parts: Vec<f64> = (0..chunks)
            .into_par_iter()
            .map(|ch| {
                self.x[ch * CHUNK * d..((ch + 1) * CHUNK).min(n) * d]
                    .chunks_exact(d)
                    .map(|row| row.iter().zip(&mean).map(|(v, m)| (v - m) * (v - m)).sum::<f64>())
                    .sum::<f64>()
            })
            .collect();
        parts.iter().sum::<f64>() / n as f64 / d as f64
    }
}

pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Index and squared distance of the nearest centre (ties: the lower index), and the squared
/// distance of the second nearest.
pub(crate) fn nearest_two(row: &[f64], centres: &[f64], d: usize) -> (u32, f64, f64) {
    let (mut best, mut d1, mut d2) = (0u32, f64::INFINITY, f64::INFINITY);
    // selects instead of branches: which centre is nearest is data-dependent and mispredicted
    // branches cost more than the distance itself
    for (j, c) in centres.chunks_exact(d).enumerate() {
        let v = sq_dist(row, c);
        let closer = v < d1;
        d2 = if closer { d1 } else { d2.min(v) };
        best = if closer { j as u32 } else { best };
        d1 = if closer { v } else { d1 };
    }
    (best, d1, d2)
}

/// Rows per block of [`nearest_two_block`].
const BLOCK: usize = 8;

/// [`nearest_two`] for [`BLOCK`] rows at once (a short block repeats a row; callers ignore the
/// extra results). The rows are copied feature-major into
/// `buf`, so each centre's distances to the block are eight independent sums that the compiler
/// vectorises, instead of one latency-bound chain per distance. Each distance adds the same terms
/// in the same order as [`sq_dist`], so the results are bit-for-bit those of [`nearest_two`].
///
/// On x86-64 CPUs with AVX2 (or AVX-512) the same code is compiled for those instructions and
/// picked at run time: 4 (8) lanes instead of SSE2's 2. No FMA is enabled and LLVM does not
/// reassociate floating-point sums, so every lane computes exactly what the portable code does
/// (the results do not depend on the CPU; `kmeans::tests` compares with [`nearest_two`]).
#[allow(unsafe_code)]
fn nearest_two_block(
    rows: &[&[f64]; BLOCK],
    centres: &[f64],
    d: usize,
    buf: &mut Vec<f64>,
) -> [(u32, f64, f64); BLOCK] {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked on the line above).
            return unsafe { nearest_two_block_avx512(rows, centres, d, buf) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked on the line above).
            return unsafe { nearest_two_block_avx2(rows, centres, d, buf) };
        }
    }
    nearest_two_block_portable(rows, centres, d, buf)
}

/// [`nearest_two_block_portable`] compiled with a target feature (called only after checking
/// that the CPU has it).
macro_rules! block_scan_with {
    ($name:ident, $feature:literal) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        fn $name(rows: &[&[f64]; BLOCK], centres: &[f64], d: usize, buf: &mut Vec<f64>) -> [(u32, f64, f64); BLOCK] {
            nearest_two_block_portable(rows, centres, d, buf)
        }
    };
}
block_scan_with!(nearest_two_block_avx2, "avx2");
block_scan_with!(nearest_two_block_avx512, "avx512f");

#[inline(always)]
fn nearest_two_block_portable(
    rows: &[&[f64]; BLOCK],
    centres: &[f64],
    d: usize,
    buf: &mut Vec<f64>,
) -> [(u32, f64, f64); BLOCK] {
    buf.clear();
    buf.resize(d * BLOCK, 0.0);
    for (r, row) in rows.iter().enumerate() {
        for (slot, &v) in buf[r..].iter_mut().step_by(BLOCK).zip(row.iter()) {
            *slot = v;
        }
    }
    let mut best = [0u32; BLOCK];
    let mut d1 = [f64::INFINITY; BLOCK];
    let mut d2 = [f64::INFINITY; BLOCK];
    for (j, c) in centres.chunks_exact(d).enumerate() {
        let mut acc = [0.0f64; BLOCK];
        for (f, &cf) in c.iter().enumerate() {
            let col: &[f64; BLOCK] = buf[f * BLOCK..(f + 1) * BLOCK].try_into().unwrap_or(&[0.0; BLOCK]);
            for r in 0..BLOCK {
                let t = col[r] - cf;
                acc[r] += t * t;
            }
        }
        // the two smallest, as plain min / max selections (vectorised; ties keep the lower index)
        for r in 0..BLOCK {
            let v = acc[r];
            let hi = if v > d1[r] { v } else { d1[r] };
            d2[r] = if hi < d2[r] { hi } else { d2[r] };
            best[r] = if v < d1[r] { j as u32 } else { best[r] };
            d1[r] = if v < d1[r] { v } else { d1[r] };
        }
    }
    std::array::from_fn(|r| (best[r], d1[r], d2[r]))
}

/// Greedy k-means++ (Arthur & Vassilvitskii 2007, with the 2 + ln k candidates per step of
/// scikit-learn): each new centre is the candidate, drawn with probability proportional to
/// weight × squared distance to the nearest chosen centre, that lowers the potential most.
pub(crate) fn kmeans_plus_plus(data: &Data<'_>, k: usize, rng: &mut Rng) -> Vec<f64> {
    let n = data.n();
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centres: Vec<f64> = Vec::with_capacity(k * data.d);
    let draw = |rng: &mut Rng, cum: &[f64]| -> usize {
        let total = cum.last().copied().unwrap_or(0.0);
        if total.is_nan() || total <= 0.0 {
            return rng.below(n as u64) as usize;
        }
        let u = rng.uniform() * total;
        cum.partition_point(|&c| c <= u).min(n - 1)
    };
    let weights: Vec<f64> = (0..n).map(|i| data.weight(i)).collect();
    let cum_w: Vec<f64> = weights
        .iter()
        .scan(0.0, |s, w| {
            *s += w;
            Some(*s)
        })
        .collect();
    let first = draw(rng, &cum_w);
    centres.extend_from_slice(data.row(first));
    let mut closest: Vec<f64> = (0..n).into_par_iter().map(|i| sq_dist(data.row(i), data.row(first))).collect();
    for _ in 1..k {
        let cum: Vec<f64> = closest
            .iter()
            .zip(&weights)
            .scan(0.0, |s, (d, w)| {
                *s += d * w;
                Some(*s)
            })
            .collect();
        let candidates: Vec<usize> = (0..trials).map(|_| draw(rng, &cum)).collect();
        // potential after adding each candidate, summed over fixed chunks
        let mut best: Option<(f64, usize)> = None;
        for &c in &candidates {
            let cand = data.row(c);
            let parts: Vec<f64> = (0..n.div_ceil(CHUNK))
                .into_par_iter()
                .map(|ch| {
                    (ch * CHUNK..((ch + 1) * CHUNK).min(n))
                        .map(|i| weights[i] * closest[i].min(sq_dist(data.row(i), cand)))
                        .sum::<f64>()
                })
                .collect();
            let potential: f64 = parts.iter().sum();
            if best.is_none_or(|(p, _)| potential < p) {
                best = Some((potential, c));
            }
        }
        let chosen = best.map_or(0, |(_, c)| c);
        let row = data.row(chosen).to_vec();
        closest.par_iter_mut().enumerate().for_each(|(i, d)| *d = d.min(sq_dist(data.row(i), &row)));
        centres.extend_from_slice(&row);
    }
    centres
}

/// Per row: the cluster, an upper bound on the distance to its centre and a lower bound on the
/// distance to the second nearest (Hamerly 2010). (Keeping the bounds as `f32` rounded outwards
/// was tried: no measurable gain on the 1M × 6 benchmark.)
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bound {
    label: u32,
    upper: f64,
    lower: f64,
}

impl Bound {
    fn new(label: u32, upper: f64, lower: f64) -> Bound {
        Bound { label, upper, lower }
    }
}

/// Lloyd's algorithm from `centres` (k × d). With `accelerated`, Hamerly's (2010) bounds skip
/// distance computations that cannot change an assignment; the assignments are those of the
/// plain algorithm. Stops when no assignment changes, or when the squared centre shifts sum to
/// at most `tol_abs`; the labels returned always belong to the centres returned.
pub(crate) fn lloyd(
    data: &Data<'_>,
    mut centres: Vec<f64>,
    max_iter: usize,
    tol_abs: f64,
    accelerated: bool,
) -> KMeans {
    let (n, d) = (data.n(), data.d);
    let k = centres.len() / d;
    let mut state: Vec<Bound> = vec![Bound { label: 0, upper: 0.0, lower: 0.0 }; n];
    state.par_chunks_mut(CHUNK).enumerate().for_each(|(ch, part)| {
        let mut buf = Vec::new();
        for (b, block) in part.chunks_mut(BLOCK).enumerate() {
            let start = ch * CHUNK + b * BLOCK;
            let mut rows: [&[f64]; BLOCK] = [data.row(start); BLOCK];
            for (r, i) in (start..start + block.len()).enumerate() {
                rows[r] = data.row(i);
            }
            let near = nearest_two_block(&rows, &centres, d, &mut buf);
            for (s, &(a, d1, d2)) in block.iter_mut().zip(&near) {
                *s = Bound::new(a, d1.sqrt(), d2.sqrt());
            }
        }
    });
    let mut converged = false;
    let mut n_iter = 0;
    // cluster sums are kept up to date by the rows that change cluster, so an iteration reads
    // the rows only where a distance is needed
    let (mut sums, mut weights) = accumulate(data, &state, k);
    for iter in 1..=max_iter {
        n_iter = iter;
        let new_centres = centres_from(data, &state, &centres, &sums, &weights);
        let shifts: Vec<f64> =
            new_centres.chunks_exact(d).zip(centres.chunks_exact(d)).map(|(a, b)| sq_dist(a, b).sqrt()).collect();
        let shift_sq: f64 = shifts.iter().map(|s| s * s).sum();
        centres = new_centres;
        // half the distance from each centre to its nearest other centre
        let half: Vec<f64> = (0..k)
            .map(|j| {
                let cj = &centres[j * d..(j + 1) * d];
                (0..k)
                    .filter(|&m| m != j)
                    .map(|m| sq_dist(cj, &centres[m * d..(m + 1) * d]).sqrt())
                    .fold(f64::INFINITY, f64::min)
                    / 2.0
            })
            .collect();
        let (max1, arg1) =
            shifts.iter().enumerate().fold((0.0f64, usize::MAX), |(m, a), (j, &s)| if s > m { (s, j) } else { (m, a) });
        let max2 = shifts.iter().enumerate().filter(|&(j, _)| j != arg1).map(|(_, &s)| s).fold(0.0f64, f64::max);
        let moves: Vec<(usize, Option<SumsDelta>)> = state
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(ch, part)| {
                let mut changed = 0;
                let mut delta: Option<SumsDelta> = None;
                // rows whose bounds cannot rule out a change, scanned in blocks afterwards;
                // collected without a branch (about half the rows are pending early on, so a
                // branch on the test is mispredicted half the time)
                let mut pending: Vec<usize> = vec![0; part.len()];
                let mut n_pending = 0;
                if accelerated {
                    for (off, s) in part.iter_mut().enumerate() {
                        // Hamerly's test on the bounds moved by the centre shifts. (Hamerly also
                        // tightens the upper bound with one exact distance before a full scan;
                        // with the blocked scan below that costs about as much as it saves.)
                        let a = s.label as usize;
                        let u = s.upper + shifts[a];
                        let l = s.lower - if a == arg1 { max2 } else { max1 };
                        // a pending row's bounds are replaced after its scan
                        s.upper = u;
                        s.lower = l;
                        pending[n_pending] = off;
                        n_pending += usize::from(u > half[a].max(l));
                    }
                } else {
                    pending.iter_mut().enumerate().for_each(|(off, p)| *p = off);
                    n_pending = part.len();
                }
                pending.truncate(n_pending);
                let mut buf = Vec::new();
                for block in pending.chunks(BLOCK) {
                    let mut rows: [&[f64]; BLOCK] = [data.row(ch * CHUNK + block[0]); BLOCK];
                    for (r, &off) in block.iter().enumerate() {
                        rows[r] = data.row(ch * CHUNK + off);
                    }
                    let near = nearest_two_block(&rows, &centres, d, &mut buf);
                    for (&off, &(b, d1, d2)) in block.iter().zip(&near) {
                        let i = ch * CHUNK + off;
                        let a = part[off].label;
                        if b != a {
                            changed += 1;
                            let (ds, dw) = delta.get_or_insert_with(|| (vec![0.0; k * d], vec![0.0; k]));
                            let w = data.weight(i);
                            dw[a as usize] -= w;
                            dw[b as usize] += w;
                            for (f, v) in data.row(i).iter().enumerate() {
                                ds[a as usize * d + f] -= w * v;
                                ds[b as usize * d + f] += w * v;
                            }
                        }
                        part[off] = Bound::new(b, d1.sqrt(), d2.sqrt());
                    }
                }
                (changed, delta)
            })
            .collect();
        let mut changed = 0;
        for (c, delta) in moves {
            changed += c;
            if let Some((ds, dw)) = delta {
                sums.iter_mut().zip(ds).for_each(|(a, b)| *a += b);
                weights.iter_mut().zip(dw).for_each(|(a, b)| *a += b);
            }
        }
        if changed == 0 || shift_sq <= tol_abs {
            converged = true;
            break;
        }
    }
    let labels: Vec<u32> = state.iter().map(|s| s.label).collect();
    let inertia = inertia(data, &centres, &labels);
    KMeans { centroids: centres, n_features: d, labels, inertia, n_iter, converged }
}

/// Weighted sums of the rows and total weights per cluster, over fixed chunks in order.
fn accumulate(data: &Data<'_>, state: &[Bound], k: usize) -> (Vec<f64>, Vec<f64>) {
    let d = data.d;
    let n = data.n();
    let parts: Vec<(Vec<f64>, Vec<f64>)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|ch| {
            let mut sums = vec![0.0; k * d];
            let mut weights = vec![0.0; k];
            let start = ch * CHUNK;
            for (off, s) in state[start..((ch + 1) * CHUNK).min(n)].iter().enumerate() {
                let i = start + off;
                let a = s.label as usize;
                let w = data.weight(i);
                weights[a] += w;
                for (s, v) in sums[a * d..(a + 1) * d].iter_mut().zip(data.row(i)) {
                    *s += w * v;
                }
            }
            (sums, weights)
        })
        .collect();
    let mut sums = vec![0.0; k * d];
    let mut weights = vec![0.0; k];
    for (s, w) in parts {
        sums.iter_mut().zip(s).for_each(|(a, b)| *a += b);
        weights.iter_mut().zip(w).for_each(|(a, b)| *a += b);
    }
    (sums, weights)
}

/// New centres from the cluster sums: weighted means. A cluster left empty is re-seeded at the
/// row farthest from its own centre (ties: the lower row), one row per empty cluster.
fn centres_from(data: &Data<'_>, state: &[Bound], old: &[f64], sums: &[f64], weights: &[f64]) -> Vec<f64> {
    let d = data.d;
    let n = data.n();
    let k = weights.len();
    let mut centres = old.to_vec();
    let mut taken: Vec<usize> = Vec::new();
    for j in 0..k {
        if weights[j] > 0.0 {
            for f in 0..d {
                centres[j * d + f] = sums[j * d + f] / weights[j];
            }
        } else {
            let far = (0..n)
                .filter(|i| !taken.contains(i))
                .map(|i| {
                    let a = state[i].label as usize;
                    (sq_dist(data.row(i), &old[a * d..(a + 1) * d]), i)
                })
                .fold((f64::NEG_INFINITY, 0), |best, c| if c.0 > best.0 { c } else { best });
            taken.push(far.1);
            centres[j * d..(j + 1) * d].copy_from_slice(data.row(far.1));
        }
    }
    centres
}

/// Σ weight × squared distance to the assigned centre, over fixed chunks.
pub(crate) fn inertia(data: &Data<'_>, centres: &[f64], labels: &[u32]) -> f64 {
    let d = data.d;
    let n = data.n();
    let parts: Vec<f64> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|ch| {
            (ch * CHUNK..((ch + 1) * CHUNK).min(n))
                .map(|i| {
                    let a = labels[i] as usize;
                    data.weight(i) * sq_dist(data.row(i), &centres[a * d..(a + 1) * d])
                })
                .sum::<f64>()
        })
        .collect();
    parts.iter().sum()
}

/// Runs `n_init` seeded restarts and keeps the lowest inertia.
pub(crate) fn fit(data: &Data<'_>, valid: &ValidKMeansParams) -> Result<KMeans, KMeansError> {
    let p = valid.params();
    if data.n() < p.n_clusters {
        return Err(KMeansError::TooFewRows { n_rows: data.n(), n_clusters: p.n_clusters });
    }
    let tol_abs = p.tol * data.mean_variance();
    let minibatch = valid.uses_minibatch(data.n());
    let mut best: Option<KMeans> = None;
    for run in 0..p.n_init {
        let mut rng = Rng::for_stream(p.seed, run as u64);
        let m = if minibatch {
            super::minibatch::fit(data, p.n_clusters, p.batch_size, p.max_iter, tol_abs, &mut rng)
        } else {
            let centres = kmeans_plus_plus(data, p.n_clusters, &mut rng);
            lloyd(data, centres, p.max_iter, tol_abs, p.accelerated)
        };
        if best.as_ref().is_none_or(|b| m.inertia < b.inertia) {
            best = Some(m);
        }
    }
    best.ok_or(KMeansError::InvalidParam { name: "n_init", rule: "> 0", value: 0.0 })
}

#[cfg(test)]
mod block_tests {
    use super::*;

    /// The blocked scan (on this CPU's widest instructions) gives bit for bit what the scalar
    /// scan and the portable block code give, for several feature counts.
    #[test]
    fn blocked_scan_is_the_scalar_scan_bit_for_bit() {
        let mut rng = Rng::new(11);
        for d in [1usize, 2, 3, 6, 9] {
            let k = 7;
            let centres: Vec<f64> = (0..k * d).map(|_| rng.normal() * 3.0).collect();
            let x: Vec<f64> = (0..BLOCK * d).map(|_| rng.normal() * 3.0).collect();
            let rows: [&[f64]; BLOCK] = std::array::from_fn(|r| &x[r * d..(r + 1) * d]);
            let mut buf = Vec::new();
            let fast = nearest_two_block(&rows, &centres, d, &mut buf);
            let portable = nearest_two_block_portable(&rows, &centres, d, &mut buf);
            for r in 0..BLOCK {
                let (a, d1, d2) = nearest_two(rows[r], &centres, d);
                assert_eq!((fast[r].0, fast[r].1.to_bits(), fast[r].2.to_bits()), (a, d1.to_bits(), d2.to_bits()));
                assert_eq!(fast[r].0, portable[r].0);
                assert_eq!(
                    (fast[r].1.to_bits(), fast[r].2.to_bits()),
                    (portable[r].1.to_bits(), portable[r].2.to_bits())
                );
            }
        }
    }
}
