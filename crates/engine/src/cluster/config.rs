//! `[cluster]`: the clustering stage's configuration section.

use std::collections::BTreeMap;

use custseg_core::cluster::prep::{Scaling, Transform};
use custseg_core::cluster::select::SILHOUETTE_SAMPLE;
use custseg_core::kmeans::{Algorithm, KMeansParams};
use custseg_core::kprototypes::KPrototypesParams;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// `[cluster]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    /// Cluster the purchasers in every run.
    pub enabled: bool,
    /// Fixed number of clusters; unset: chosen over `k_min..=k_max`.
    pub k: Option<usize>,
    /// Smallest k searched.
    pub k_min: usize,
    /// Largest k searched.
    pub k_max: usize,
    /// Numeric features: customer features, CLV columns or master-file attributes.
    pub features: Vec<String>,
    /// Categorical attributes (master-file columns, `top_category`, `channel`); any makes the
    /// algorithm k-prototypes.
    pub categorical: Vec<String>,
    /// `zscore` (default), `robust` or `none`.
    pub scaling: Scaling,
    /// Per feature `log1p` or `none`; default log1p for the amount and count features, none for
    /// the rest.
    pub transform: BTreeMap<String, Transform>,
    /// Per feature weight in the distance (default 1).
    pub weights: BTreeMap<String, f64>,
    /// Restarts per k (k-means++ seeding; the lowest inertia wins).
    pub n_init: usize,
    /// Iteration limit.
    pub max_iter: usize,
    /// Relative tolerance of the centre shifts.
    pub tol: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// `auto`, `full` or `mini_batch`.
    pub algorithm: Algorithm,
    /// With `auto`, mini-batch k-means above this many customers.
    pub minibatch_above: usize,
    /// Customers the silhouette is measured on (seeded sample).
    pub silhouette_sample: usize,
    /// k-prototypes mismatch weight; unset: 0.5 × mean SD of the numeric features.
    pub gamma: Option<f64>,
    /// Names replacing the generated ones, by cluster number: `"1" = "VIP"`.
    pub names: BTreeMap<String, String>,
    /// Customers (seeded sample) in cluster_points.csv for the scatter plot.
    pub plot_points: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        let km = KMeansParams::default();
        ClusterConfig {
            enabled: true,
            k: None,
            k_min: 2,
            k_max: 10,
            features: vec!["recency_days".into(), "frequency".into(), "monetary".into()],
            categorical: Vec::new(),
            scaling: Scaling::Zscore,
            transform: BTreeMap::new(),
            weights: BTreeMap::new(),
            n_init: 1,
            max_iter: km.max_iter,
            tol: km.tol,
            seed: km.seed,
            algorithm: Algorithm::Auto,
            minibatch_above: km.minibatch_above,
            silhouette_sample: SILHOUETTE_SAMPLE,
            gamma: None,
            names: BTreeMap::new(),
            plot_points: 5000,
        }
    }
}

impl ClusterConfig {
    /// The k-means settings (`n_clusters` from `k`, else `k_min`).
    pub fn kmeans(&self) -> KMeansParams {
        KMeansParams {
            n_clusters: self.k.unwrap_or(self.k_min),
            n_init: self.n_init,
            max_iter: self.max_iter,
            tol: self.tol,
            seed: self.seed,
            accelerated: true,
            algorithm: self.algorithm,
            minibatch_above: self.minibatch_above,
            batch_size: KMeansParams::default().batch_size,
        }
    }

    /// Validates the settings.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] naming the setting and value.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(EngineError::Invalid(format!("cluster.{m}")));
        if self.k == Some(0) {
            return bad("k must be >= 1, got 0".into());
        }
        if self.k_min < 2 || self.k_max < self.k_min || self.k_max > 50 {
            return bad(format!(
                "k_min..=k_max must satisfy 2 <= k_min <= k_max <= 50, got {}..={}",
                self.k_min, self.k_max
            ));
        }
        if self.features.is_empty() && self.categorical.is_empty() {
            return bad("features must name at least one feature".into());
        }
        for (name, w) in &self.weights {
            if !(*w > 0.0 && w.is_finite()) {
                return bad(format!("weights.{name} must be > 0, got {w}"));
            }
        }
        if self.silhouette_sample < 2 {
            return bad(format!("silhouette_sample must be >= 2, got {}", self.silhouette_sample));
        }
        for n in self.names.keys() {
            if n.parse::<u32>().map_or(true, |v| v == 0) {
                return bad(format!("names keys are cluster numbers 1, 2, ..., got `{n}`"));
            }
        }
        self.kmeans().check().map_err(|e| EngineError::Invalid(format!("cluster: {e}")))?;
        KPrototypesParams { gamma: self.gamma, ..KPrototypesParams::default() }
            .check()
            .map_err(|e| EngineError::Invalid(format!("cluster: {e}")))?;
        Ok(())
    }
}
