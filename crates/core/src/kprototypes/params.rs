use serde::{Deserialize, Serialize};

use super::KPrototypesError;

/// Unchecked k-prototypes settings. Defaults: 8 clusters, 3 restarts, 100 iterations, seed 42,
/// gamma estimated from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KPrototypesParams {
    /// Number of clusters k.
    pub n_clusters: usize,
    /// Restarts from different seeds; the lowest cost wins (ties: the first).
    pub n_init: usize,
    /// Iteration limit per restart.
    pub max_iter: usize,
    /// Seed of the seeding draws.
    pub seed: u64,
    /// Weight of one categorical mismatch; unset: 0.5 × the mean standard deviation of the
    /// numeric features.
    pub gamma: Option<f64>,
}

impl Default for KPrototypesParams {
    fn default() -> Self {
        KPrototypesParams { n_clusters: 8, n_init: 3, max_iter: 100, seed: 42, gamma: None }
    }
}

/// Settings that passed [`KPrototypesParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidKPrototypesParams(pub(crate) KPrototypesParams);

impl ValidKPrototypesParams {
    /// The checked settings.
    pub fn params(&self) -> &KPrototypesParams {
        &self.0
    }
}

impl KPrototypesParams {
    /// Validates the settings.
    ///
    /// # Errors
    /// [`KPrototypesError::InvalidParam`] for k = 0, no restarts or iterations, a negative or
    /// non-finite gamma.
    pub fn check(&self) -> Result<ValidKPrototypesParams, KPrototypesError> {
        let bad = |name, rule, value: f64| Err(KPrototypesError::InvalidParam { name, rule, value });
        if self.n_clusters == 0 {
            return bad("n_clusters", "> 0", 0.0);
        }
        if self.n_init == 0 {
            return bad("n_init", "> 0", 0.0);
        }
        if self.max_iter == 0 {
            return bad("max_iter", "> 0", 0.0);
        }
        if let Some(g) = self.gamma
            && !(g >= 0.0 && g.is_finite())
        {
            return bad("gamma", ">= 0", g);
        }
        Ok(ValidKPrototypesParams(self.clone()))
    }
}
