use serde::{Deserialize, Serialize};

use super::KMeansError;

/// Which iterations run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Full Lloyd iterations up to `minibatch_above` rows, mini-batch above.
    #[default]
    Auto,
    /// Full Lloyd iterations (with Hamerly's bounds when `accelerated`).
    Full,
    /// Mini-batch k-means (Sculley 2010) on seeded batches of `batch_size` rows.
    MiniBatch,
}

/// Unchecked k-means settings. Defaults: 8 clusters, 3 restarts (`n_init`), 300 iterations,
/// tolerance 1e-4 (relative, as in scikit-learn), seed 42, Hamerly's bounds on, full iterations
/// up to 2,000,000 rows and mini-batches of 4,096 rows above.
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
    /// Full or mini-batch iterations.
    pub algorithm: Algorithm,
    /// With `Auto`, mini-batch k-means above this many rows.
    pub minibatch_above: usize,
    /// Rows per mini-batch.
    pub batch_size: usize,
}

impl Default for KMeansParams {
    fn default() -> Self {
        KMeansParams {
            n_clusters: 8,
            n_init: 3,
            max_iter: 300,
            tol: 1e-4,
            seed: 42,
            accelerated: true,
            algorithm: Algorithm::Auto,
            minibatch_above: 2_000_000,
            batch_size: 4096,
        }
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

    /// Whether `n_rows` rows are fitted with mini-batches.
    pub fn uses_minibatch(&self, n_rows: usize) -> bool {
        match self.0.algorithm {
            Algorithm::Auto => n_rows > self.0.minibatch_above,
            Algorithm::Full => false,
            Algorithm::MiniBatch => true,
        }
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
        if self.batch_size == 0 {
            return bad("batch_size", "> 0", 0.0);
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return bad("tol", ">= 0", self.tol);
        }
        Ok(ValidKMeansParams(self.clone()))
    }
}
