//! The fitted model applied to new rows: each to its nearest centre.

use rayon::prelude::*;

use super::{KMeansError, fit};

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    /// Centres, `k × n_features`, row-major.
    pub centroids: Vec<f64>,
    /// Features per row.
    pub n_features: usize,
    /// Cluster of each training row.
    pub labels: Vec<u32>,
    /// Weighted sum of squared distances to the assigned centres.
    pub inertia: f64,
    /// Iterations of the winning restart.
    pub n_iter: usize,
    /// Whether it stopped by its tolerance (not the iteration limit).
    pub converged: bool,
}

impl KMeans {
    /// Number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.centroids.len() / self.n_features.max(1)
    }

    /// The nearest centre of each row of `x` (ties: the lower index).
    ///
    /// # Errors
    /// [`KMeansError::Shape`] or [`KMeansError::NonFinite`] for unusable rows.
    pub fn predict(&self, x: &[f64]) -> Result<Vec<u32>, KMeansError> {
        let data = fit::Data::new(x, self.n_features, None)?;
        let d = self.n_features;
        Ok((0..data.n())
            .into_par_iter()
            .map(|i| {
                let row = data.row(i);
                let mut best = (0u32, f64::INFINITY);
                for (j, c) in self.centroids.chunks_exact(d).enumerate() {
                    let v = fit::sq_dist(row, c);
                    if v < best.1 {
                        best = (j as u32, v);
                    }
                }
                best.0
            })
            .collect())
    }
}
