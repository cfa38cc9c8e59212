//! The fitted model applied to new rows: each to its nearest centre.

use rayon::prelude::*;

use super::{KPrototypesError, fit};

/// A fitted k-prototypes model.
#[derive(Debug, Clone, PartialEq)]
pub struct KPrototypes {
    /// Numeric part of the prototypes, `k × n_numeric`, row-major.
    pub centroids: Vec<f64>,
    /// Categorical part, `k × n_categorical` level codes, row-major.
    pub modes: Vec<u32>,
    /// Numeric features per row.
    pub n_numeric: usize,
    /// Categorical attributes per row.
    pub n_categorical: usize,
    /// Weight of one categorical mismatch.
    pub gamma: f64,
    /// Cluster of each training row.
    pub labels: Vec<u32>,
    /// Weighted sum of the mixed distances to the assigned prototypes.
    pub cost: f64,
    /// Iterations of the winning restart.
    pub n_iter: usize,
    /// Whether it stopped because no assignment changed.
    pub converged: bool,
}

impl KPrototypes {
    /// Number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.modes.len().checked_div(self.n_categorical).unwrap_or(self.centroids.len() / self.n_numeric.max(1))
    }

    /// The nearest prototype of each row (ties: the lower index).
    ///
    /// # Errors
    /// [`KPrototypesError::Shape`], [`KPrototypesError::NonFinite`] for unusable rows.
    pub fn predict(&self, x: &[f64], cat: &[u32]) -> Result<Vec<u32>, KPrototypesError> {
        let levels: Vec<u32> = vec![u32::MAX; self.n_categorical];
        let data = fit::Data::new(x, self.n_numeric, cat, &levels, None)?;
        let k = self.n_clusters();
        Ok((0..data.n())
            .into_par_iter()
            .map(|i| fit::nearest(&data, i, &self.centroids, &self.modes, k, self.gamma).0)
            .collect())
    }
}
