//! Cluster quality scores. All are unweighted (each customer counts once) and computed in a
//! fixed order, so they do not depend on the number of threads.

use rayon::prelude::*;

fn sq(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Mean silhouette (Rousseeuw 1987) over the rows in `sample`, measured within the sample, for
/// several labelings at once (each pairwise distance is computed once). For row i with mean
/// distance a to the other sampled members of its cluster and b to the nearest other cluster,
/// s(i) = (b − a) / max(a, b); a row alone in its cluster (within the sample) scores 0, as in
/// scikit-learn. `labelings[m][row]` are cluster indices below `ks[m]`.
pub fn silhouette_many(x: &[f64], d: usize, sample: &[usize], labelings: &[&[u32]], ks: &[usize]) -> Vec<f64> {
    let offsets: Vec<usize> = ks
        .iter()
        .scan(0usize, |s, &k| {
            let o = *s;
            *s += k;
            Some(o)
        })
        .collect();
    let total: usize = ks.iter().sum();
    let n_lab = labelings.len();
    // the sample's rows and labels, contiguous: the pair loop then stays in cache instead of
    // touching every labeling's full array at random places
    let rows: Vec<f64> = sample.iter().flat_map(|&j| x[j * d..(j + 1) * d].iter().copied()).collect();
    let slots: Vec<usize> =
        sample.iter().flat_map(|&j| labelings.iter().zip(&offsets).map(move |(l, o)| o + l[j] as usize)).collect();
    // cluster sizes within the sample, per labeling
    let mut counts = vec![0usize; total];
    for &slot in &slots {
        counts[slot] += 1;
    }
    let per_row: Vec<Vec<f64>> = (0..sample.len())
        .into_par_iter()
        .map(|p| {
            let row = &rows[p * d..(p + 1) * d];
            let mut sums = vec![0.0; total];
            for (q, other) in rows.chunks_exact(d).enumerate() {
                let dist = sq(row, other).sqrt();
                for &slot in &slots[q * n_lab..(q + 1) * n_lab] {
                    sums[slot] += dist;
                }
            }
            (0..n_lab)
                .map(|m| {
                    let base = offsets[m];
                    let own = slots[p * n_lab + m] - base;
                    let n_own = counts[base + own];
                    if n_own <= 1 {
                        return 0.0;
                    }
                    let a = sums[base + own] / (n_own - 1) as f64;
                    let b = (0..ks[m])
                        .filter(|&c| c != own && counts[base + c] > 0)
                        .map(|c| sums[base + c] / counts[base + c] as f64)
                        .fold(f64::INFINITY, f64::min);
                    if !b.is_finite() {
                        return 0.0;
                    }
                    let top = a.max(b);
                    if top > 0.0 { (b - a) / top } else { 0.0 }
                })
                .collect()
        })
        .collect();
    let n = sample.len().max(1) as f64;
    (0..labelings.len()).map(|m| per_row.iter().map(|r| r[m]).sum::<f64>() / n).collect()
}

/// Calinski-Harabasz index: between-cluster dispersion / (k − 1) over within-cluster dispersion
/// / (n − k); higher is better. `None` for k < 2 or n <= k.
pub fn calinski_harabasz(x: &[f64], d: usize, labels: &[u32], centres: &[f64]) -> Option<f64> {
    let n = labels.len();
    let k = centres.len() / d;
    if k < 2 || n <= k {
        return None;
    }
    let mut mean = vec![0.0; d];
    let mut sizes = vec![0usize; k];
    let mut within = 0.0;
    for (i, &l) in labels.iter().enumerate() {
        let row = &x[i * d..(i + 1) * d];
        mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
        sizes[l as usize] += 1;
        within += sq(row, &centres[l as usize * d..(l as usize + 1) * d]);
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let between: f64 = (0..k).map(|c| sizes[c] as f64 * sq(&centres[c * d..(c + 1) * d], &mean)).sum();
    if within <= 0.0 {
        return Some(f64::INFINITY);
    }
    Some(between / (k - 1) as f64 / (within / (n - k) as f64))
}

/// Davies-Bouldin index: mean over clusters of the worst (s_i + s_j) / distance(c_i, c_j), with
/// s the mean distance of a cluster's rows to its centre; lower is better. `None` for k < 2.
pub fn davies_bouldin(x: &[f64], d: usize, labels: &[u32], centres: &[f64]) -> Option<f64> {
    let k = centres.len() / d;
    if k < 2 {
        return None;
    }
    let mut spread = vec![0.0; k];
    let mut sizes = vec![0usize; k];
    for (i, &l) in labels.iter().enumerate() {
        let l = l as usize;
        spread[l] += sq(&x[i * d..(i + 1) * d], &centres[l * d..(l + 1) * d]).sqrt();
        sizes[l] += 1;
    }
    let s: Vec<f64> = spread.iter().zip(&sizes).map(|(t, &n)| if n > 0 { t / n as f64 } else { 0.0 }).collect();
    let used: Vec<usize> = (0..k).filter(|&c| sizes[c] > 0).collect();
    if used.len() < 2 {
        return None;
    }
    let worst: f64 = used
        .iter()
        .map(|&a| {
            used.iter()
                .filter(|&&b| b != a)
                .map(|&b| {
                    let sep = sq(&centres[a * d..(a + 1) * d], &centres[b * d..(b + 1) * d]).sqrt();
                    if sep > 0.0 { (s[a] + s[b]) / sep } else { f64::INFINITY }
                })
                .fold(0.0, f64::max)
        })
        .sum();
    Some(worst / used.len() as f64)
}

/// The knee of a decreasing, convex curve by the kneedle rule (Satopää et al. 2011): both axes
/// scaled to [0, 1], the point farthest below the straight line from the first point to the
/// last. `None` with fewer than 3 points or no point below the line.
pub fn kneedle(xs: &[f64], ys: &[f64]) -> Option<usize> {
    if xs.len() < 3 || xs.len() != ys.len() {
        return None;
    }
    let (x0, x1) = (xs[0], xs[xs.len() - 1]);
    let (ymin, ymax) = ys.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &y| (a.min(y), b.max(y)));
    if x1 <= x0 || ymax <= ymin {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
        let xn = (x - x0) / (x1 - x0);
        let yn = (y - ymin) / (ymax - ymin);
        let gap = (1.0 - xn) - yn;
        if gap > 1e-12 && best.is_none_or(|(_, g)| gap > g) {
            best = Some((i, gap));
        }
    }
    best.map(|(i, _)| i)
}

/// Adjusted Rand index (Hubert & Arabie 1985) of two labelings: 1 for the same partition, about
/// 0 for independent ones.
pub fn adjusted_rand_index(a: &[u32], b: &[u32]) -> f64 {
    let n = a.len().min(b.len());
    let mut table: std::collections::BTreeMap<(u32, u32), u64> = std::collections::BTreeMap::new();
    let mut ra: std::collections::BTreeMap<u32, u64> = std::collections::BTreeMap::new();
    let mut rb: std::collections::BTreeMap<u32, u64> = std::collections::BTreeMap::new();
    for i in 0..n {
        *table.entry((a[i], b[i])).or_default() += 1;
        *ra.entry(a[i]).or_default() += 1;
        *rb.entry(b[i]).or_default() += 1;
    }
    let pairs = |v: u64| (v * v.saturating_sub(1) / 2) as f64;
    let index: f64 = table.values().map(|&v| pairs(v)).sum();
    let sa: f64 = ra.values().map(|&v| pairs(v)).sum();
    let sb: f64 = rb.values().map(|&v| pairs(v)).sum();
    let total = pairs(n as u64);
    if total == 0.0 {
        return 1.0;
    }
    let expected = sa * sb / total;
    let max = (sa + sb) / 2.0;
    if (max - expected).abs() < 1e-12 {
        return 1.0;
    }
    (index - expected) / (max - expected)
}
