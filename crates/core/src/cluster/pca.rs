//! The first two principal components of the prepared features, for the report's scatter plot
//! of customers and cluster centres.
//!
//! The covariance matrix (features × features) is diagonalised with cyclic Jacobi rotations;
//! each component's sign is fixed so that its largest-magnitude loading is positive, so the
//! same data always gives the same picture.

use serde::{Deserialize, Serialize};

/// A fitted 2-D projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pca {
    /// Feature means subtracted before projecting.
    pub mean: Vec<f64>,
    /// The two components (unit vectors), `2 × features`.
    pub components: [Vec<f64>; 2],
    /// Share of the total variance each component explains.
    pub explained: [f64; 2],
}

impl Pca {
    /// Fits on `x` (`n × d`, row-major). With one feature the second component is zero.
    // matrix code reads best with explicit indices
    #[allow(clippy::needless_range_loop)]
    pub fn fit(x: &[f64], d: usize) -> Pca {
        let n = x.len().checked_div(d).unwrap_or(0);
        let nf = n.max(1) as f64;
        let mut mean = vec![0.0; d];
        for row in x.chunks_exact(d.max(1)) {
            mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
        }
        mean.iter_mut().for_each(|m| *m /= nf);
        let mut cov = vec![vec![0.0; d]; d];
        for row in x.chunks_exact(d.max(1)) {
            for a in 0..d {
                let da = row[a] - mean[a];
                for b in a..d {
                    cov[a][b] += da * (row[b] - mean[b]);
                }
            }
        }
        for a in 0..d {
            for b in a..d {
                cov[a][b] /= nf;
                cov[b][a] = cov[a][b];
            }
        }
        let (values, vectors) = jacobi(cov);
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
        let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
        let component = |r: usize| -> (Vec<f64>, f64) {
            let Some(&j) = order.get(r) else { return (vec![0.0; d], 0.0) };
            let mut v: Vec<f64> = (0..d).map(|i| vectors[i][j]).collect();
            let lead = v.iter().copied().fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
            if lead < 0.0 {
                v.iter_mut().for_each(|x| *x = -*x);
            }
            (v, if total > 0.0 { values[j].max(0.0) / total } else { 0.0 })
        };
        let (c1, e1) = component(0);
        let (c2, e2) = component(1);
        Pca { mean, components: [c1, c2], explained: [e1, e2] }
    }

    /// Coordinates of one row on the two components.
    pub fn project(&self, row: &[f64]) -> [f64; 2] {
        let dot = |c: &[f64]| row.iter().zip(&self.mean).zip(c).map(|((v, m), w)| (v - m) * w).sum::<f64>();
        [dot(&self.components[0]), dot(&self.components[1])]
    }
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.
#[allow(clippy::needless_range_loop)]
fn jacobi(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let d = a.len();
    let mut v: Vec<Vec<f64>> = (0..d).map(|i| (0..d).map(|j| f64::from(u8::from(i == j))).collect()).collect();
    for _sweep in 0..100 {
        let off: f64 = (0..d)
            .flat_map(|i| (0..d).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-22 {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let (akp, akq) = (a[k][p], a[k][q]);
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..d {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..d).map(|i| a[i][i]).collect(), v)
}
