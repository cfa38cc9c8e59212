//! `cluster_model.json`: the preparation recipe, the centres in cluster-number order, the
//! profiles and the k search, enough to assign new customers without refitting.

use custseg_core::cluster::pca::Pca;
use custseg_core::cluster::prep::{FeatureReport, FeatureScale, Prepared, apply_keeping_transformed};
use custseg_core::cluster::profile::Profile;
use custseg_core::cluster::select::Candidate;
use custseg_core::kmeans::KMeans;
use custseg_core::kprototypes::KPrototypes;
use serde::{Deserialize, Serialize};

use super::ClusterConfig;
use super::{Columns, Fit, Inputs, MISSING_LEVEL, columns};
use crate::error::{EngineError, Result};

/// A categorical attribute and its levels (codes are positions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalLevels {
    /// Attribute name.
    pub name: String,
    /// Level names, sorted.
    pub levels: Vec<String>,
}

/// One cluster of a saved model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCluster {
    /// Number 1..k.
    pub cluster: u32,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// Centre in the prepared (scaled, weighted) feature space.
    pub centroid: Vec<f64>,
    /// Mode of each categorical attribute (k-prototypes).
    pub modes: Vec<String>,
    /// Training customers in it.
    pub size: u64,
    /// Their share.
    pub share: f64,
    /// Share of the revenue.
    pub revenue_share: f64,
    /// Defining traits, as `feature +1.23 SD` (or `attribute = level (85%)`).
    pub traits: Vec<String>,
}

/// cluster_model.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterModel {
    /// Always "custseg".
    pub tool: String,
    /// custseg version that wrote it.
    pub version: String,
    /// `kmeans` or `kprototypes`.
    pub algorithm: String,
    /// Number of clusters.
    pub k: usize,
    /// `fixed` (configured k) or `silhouette` (chosen over a range).
    pub chosen_by: String,
    /// The preparation recipe per numeric feature.
    pub features: Vec<FeatureScale>,
    /// Categorical attributes (k-prototypes).
    pub categorical: Vec<CategoricalLevels>,
    /// k-prototypes mismatch weight.
    pub gamma: Option<f64>,
    /// The clusters in number order.
    pub clusters: Vec<ModelCluster>,
    /// Inertia (k-means) or cost (k-prototypes) of the training customers.
    pub cost: f64,
    /// Iterations.
    pub n_iter: usize,
    /// Whether the iterations converged.
    pub converged: bool,
    /// Seed.
    pub seed: u64,
    /// Scores per k searched.
    pub selection: Vec<Candidate>,
    /// Customers the silhouette was measured on.
    pub silhouette_rows: usize,
    /// The 2-D projection (absent without numeric features).
    pub pca: Option<Pca>,
    /// What preparation did per feature.
    pub preparation: Vec<FeatureReport>,
}

pub(crate) struct ModelParts<'a> {
    pub cfg: &'a ClusterConfig,
    pub scales: Vec<FeatureScale>,
    pub report: Vec<FeatureReport>,
    pub categorical: Vec<(String, Vec<String>)>,
    pub fit: &'a Fit,
    pub numbers: &'a [u32],
    pub profiles: &'a [Profile],
    pub pca: Option<Pca>,
    pub silhouette_rows: usize,
}

/// A trait as one line of text.
pub fn trait_text(t: &custseg_core::cluster::profile::Trait) -> String {
    match &t.level {
        Some(level) => format!("{} = {} ({:.0}%)", t.feature, level, t.value * 100.0),
        None => format!("{} {:+.2} SD", t.feature, t.value),
    }
}

impl ClusterModel {
    pub(crate) fn new(p: ModelParts<'_>) -> ClusterModel {
        let d = p.scales.len();
        let c = p.categorical.len();
        let clusters = p
            .profiles
            .iter()
            .map(|prof| {
                // the algorithm's index of this number
                let j = p.numbers.iter().position(|&num| num == prof.cluster).unwrap_or(0);
                ModelCluster {
                    cluster: prof.cluster,
                    name_zh: prof.name_zh.clone(),
                    name_en: prof.name_en.clone(),
                    centroid: p.fit.centroids[j * d..(j + 1) * d].to_vec(),
                    modes: (0..c)
                        .map(|a| p.categorical[a].1.get(p.fit.modes[j * c + a] as usize).cloned().unwrap_or_default())
                        .collect(),
                    size: prof.size,
                    share: prof.share,
                    revenue_share: prof.revenue_share,
                    traits: prof.traits.iter().map(trait_text).collect(),
                }
            })
            .collect();
        ClusterModel {
            tool: "custseg".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            algorithm: p.fit.algorithm.into(),
            k: p.fit.k,
            chosen_by: p.fit.chosen_by.into(),
            features: p.scales,
            categorical: p.categorical.into_iter().map(|(name, levels)| CategoricalLevels { name, levels }).collect(),
            gamma: p.fit.gamma,
            clusters,
            cost: p.fit.cost,
            n_iter: p.fit.n_iter,
            converged: p.fit.converged,
            seed: p.cfg.seed,
            selection: p.fit.candidates.clone(),
            silhouette_rows: p.silhouette_rows,
            pca: p.pca,
            preparation: p.report,
        }
    }

    /// Checks that a model read from a file is usable.
    ///
    /// # Errors
    /// A message for [`EngineError::ModelFile`].
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.tool != "custseg" {
            return Err(format!("`tool` is `{}`, not custseg", self.tool));
        }
        if self.clusters.is_empty() || self.clusters.len() != self.k {
            return Err(format!("{} clusters listed for k = {}", self.clusters.len(), self.k));
        }
        let d = self.features.len();
        for c in &self.clusters {
            if c.centroid.len() != d || c.centroid.iter().any(|v| !v.is_finite()) {
                return Err(format!("cluster {}: centroid does not have {d} finite values", c.cluster));
            }
            if c.modes.len() != self.categorical.len() {
                return Err(format!(
                    "cluster {}: {} modes for {} attributes",
                    c.cluster,
                    c.modes.len(),
                    self.categorical.len()
                ));
            }
        }
        if self.features.iter().any(|f| !(f.scale > 0.0 && f.scale.is_finite() && f.weight > 0.0)) {
            return Err("a feature has a non-positive scale or weight".into());
        }
        if !self.categorical.is_empty() && self.gamma.is_none() {
            return Err("categorical attributes without gamma".into());
        }
        Ok(())
    }
}

/// Cluster number (1..k) of every purchaser under a saved model: prepared with the saved recipe,
/// assigned to the nearest centre (ties: the lower number). A level the model has never seen
/// matches no mode.
///
/// # Errors
/// [`EngineError::Invalid`] when the run lacks a feature the model uses.
pub fn assign(model: &ClusterModel, inputs: &Inputs<'_>) -> Result<Vec<u32>> {
    let a = assigned(model, inputs)?;
    Ok(a.index.into_iter().map(|j| model.clusters[j as usize].cluster).collect())
}

/// The purchasers under a saved model: their columns, prepared values and nearest centre.
pub(crate) struct Assigned {
    /// The model's columns of the purchasers.
    pub cols: Columns,
    /// Prepared with the model's recipe (`transformed` kept for the profiles).
    pub prepared: Prepared,
    /// Position in `model.clusters` of each purchaser's nearest centre.
    pub index: Vec<u32>,
}

pub(crate) fn assigned(model: &ClusterModel, inputs: &Inputs<'_>) -> Result<Assigned> {
    let numeric: Vec<String> = model.features.iter().map(|f| f.name.clone()).collect();
    let categorical: Vec<String> = model.categorical.iter().map(|c| c.name.clone()).collect();
    let cols = columns(inputs, &numeric, &categorical)?;
    let refs: Vec<&[Option<f64>]> = cols.numeric.iter().map(|(_, c)| c.as_slice()).collect();
    let n = inputs.n();
    let d = model.features.len();
    let prepared = if d == 0 {
        Prepared { x: Vec::new(), transformed: Vec::new(), scales: Vec::new(), report: Vec::new() }
    } else {
        apply_keeping_transformed(&model.features, &refs).map_err(|e| EngineError::Internal(e.to_string()))?
    };
    let x = &prepared.x;
    let centroids: Vec<f64> = model.clusters.iter().flat_map(|c| c.centroid.iter().copied()).collect();
    let index = if model.categorical.is_empty() {
        let km = KMeans { centroids, n_features: d, labels: Vec::new(), inertia: 0.0, n_iter: 0, converged: true };
        km.predict(x).map_err(|e| EngineError::Internal(e.to_string()))?
    } else {
        let c = model.categorical.len();
        let mut cat = vec![0u32; n * c];
        for (a, ((_, values), levels)) in cols.categorical.iter().zip(&model.categorical).enumerate() {
            for (i, v) in values.iter().enumerate() {
                let s = v.as_deref().unwrap_or(MISSING_LEVEL);
                // unseen levels get a code past the known ones: a mismatch with every mode
                cat[i * c + a] = levels.levels.iter().position(|l| l == s).unwrap_or(levels.levels.len()) as u32;
            }
        }
        let modes: Vec<u32> = model
            .clusters
            .iter()
            .flat_map(|cl| {
                cl.modes
                    .iter()
                    .zip(&model.categorical)
                    .map(|(m, lv)| lv.levels.iter().position(|l| l == m).unwrap_or(0) as u32)
            })
            .collect();
        let kp = KPrototypes {
            centroids,
            modes,
            n_numeric: d,
            n_categorical: c,
            gamma: model.gamma.unwrap_or(0.5),
            labels: Vec::new(),
            cost: 0.0,
            n_iter: 0,
            converged: true,
        };
        kp.predict(x, &cat).map_err(|e| EngineError::Internal(e.to_string()))?
    };
    Ok(Assigned { cols, prepared, index })
}
