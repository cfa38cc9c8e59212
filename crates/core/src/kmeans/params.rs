use serde::{Deserialize, Serialize};

use super::KMeansError;

/// Unchecked k-means settings. Defaults: 8 clusters, 3 restarts (`n_init`), 300 iterations,
/// tolerance 1e-4 (relative, as in scikit-learn), seed 42, Hamerly's bounds on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KMeansParams {
    /// Number of clusters k.
    pub n_clusters: usize,
    /// Restarts from different k-means++ seeds; the lowest inertia wins (ties: the first).
    pub n_init: usize,
    /// Iteration limit per restart.
    pub max_iter: usize,
    /// Stop when the squared centre shifts sum to at most `tol` × the mean feature variance.
    pub tol: f64,
    /// Seed of the k-means++ draws.
    pub seed: u64,
    /// Skip distance computations with Hamerly's bounds (same assignments as plain Lloyd).
    pub accelerated: bool,
}

impl Default for KMeansParams {
    fn default() -> Self {
        KMeansParams { n_clusters: 8, n_init: 3, max_iter: 300, tol: 1e-4, seed: 42, accelerated: true }
    }
}

/// Settings that passed [`KMeansParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidKMeansParams(pub(crate) KMeansParams);

impl ValidKMeansParams {
    /// The checked settings.
    pub fn params(&self) -> &KMeansParams {
        &self.0
    }
}

impl KMeansParams {
    /// Validates the settings.
    ///
    /// # Errors
    /// [`KMeansError::InvalidParam`] for k = 0, no restarts or iterations, a negative tolerance.
    pub fn check(&self) -> Result<ValidKMeansParams, KMeansError> {
        let bad = |name, rule, value: f64| Err(KMeansError::InvalidParam { name, rule, value });
        if self.n_clusters == 0 {
            return bad("n_clusters", "> 0", 0.0);
        }
        if self.n_init == 0 {
            return bad("n_init", "> 0", 0.0);
        }
        if self.max_iter == 0 {
            return bad("max_iter", "> 0", 0.0);
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return bad("tol", ">= 0", self.tol);
        }
        Ok(ValidKMeansParams(self.clone()))
    }
}
