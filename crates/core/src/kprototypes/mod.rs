//! k-prototypes (Huang 1998): clustering of customers described by numeric *and* categorical
//! attributes (industry, region, preferred channel).
//!
//! **What it does.** The distance of a customer to a prototype is the squared Euclidean distance
//! over the numeric features (already scaled) plus `gamma` × the number of categorical attributes
//! that differ from the prototype's. A prototype is the weighted mean of its members' numeric
//! features and the weighted mode of each categorical attribute (ties: the lowest level code).
//! Iterations alternate assignment and update until no assignment changes.
//!
//! **gamma.** Unless given, gamma = 0.5 × the mean standard deviation of the numeric features
//! (Huang suggests a value between 1/3 and 2/3 of it; 0.5 is the midpoint used by the `kmodes`
//! package). With z-scored features this is 0.5: one categorical mismatch costs as much as a
//! squared numeric distance of 0.5.
//!
//! **Seeding and determinism.** Each restart seeds with k-means++ on the mixed distance from its
//! own stream of the seed; the lowest cost wins (ties: the first). Sums run over fixed row
//! chunks in order, so the result does not depend on the number of threads. An empty cluster is
//! re-seeded at the row farthest from its prototype.
//!
//! ```
//! use custseg_core::kprototypes::{KPrototypesParams, fit};
//! // one numeric feature, one categorical attribute with two levels
//! let x = [0.0, 0.1, 0.2, 5.0, 5.1, 5.2];
//! let cat = [0, 0, 0, 1, 1, 1];
//! let p = KPrototypesParams { n_clusters: 2, ..KPrototypesParams::default() }.check()?;
//! let m = fit(&x, 1, &cat, &[2], None, &p)?;
//! assert_eq!(m.labels[0], m.labels[2]);
//! assert_ne!(m.labels[0], m.labels[3]);
//! # Ok::<(), custseg_core::kprototypes::KPrototypesError>(())
//! ```

mod errors;
mod fit;
mod params;

pub use errors::KPrototypesError;
pub use params::{KPrototypesParams, ValidKPrototypesParams};

use rayon::prelude::*;

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

/// Fits k-prototypes on numeric `x` (`n_rows × n_numeric`) and categorical level codes `cat`
/// (`n_rows × n_categorical`, codes below `levels[j]` for attribute j), with optional weights.
///
/// # Errors
/// [`KPrototypesError`] for unusable data or too few rows.
pub fn fit(
    x: &[f64],
    n_numeric: usize,
    cat: &[u32],
    levels: &[u32],
    weights: Option<&[f64]>,
    params: &ValidKPrototypesParams,
) -> Result<KPrototypes, KPrototypesError> {
    let data = fit::Data::new(x, n_numeric, cat, levels, weights)?;
    fit::fit(&data, params)
}

#[cfg(test)]
mod tests;
