//! The clustering stage: builds the feature matrix of the purchasers from the customer features,
//! the CLV scores and the master file, runs k-means (or k-prototypes when categorical attributes
//! are configured) with an automatic or fixed k, numbers and profiles the clusters, and keeps
//! the recipe (`cluster_model.json`) that assigns new customers the same way.
//!
//! Prospects (master-file customers without purchases) are not clustered: their behavioural
//! features do not exist, and filling them in would invent a cluster of "average" customers.

mod config;
mod model;
mod output;

use std::collections::BTreeSet;

use custseg_core::cluster::ClusterError;
use custseg_core::cluster::pca::Pca;
use custseg_core::cluster::prep::{FeatureSpec, Prepared, Transform, prepare};
use custseg_core::cluster::profile::{Categorical, Profile, ProfileInput, numbering, profiles};
use custseg_core::cluster::select::{self, Candidate, Fitted, sample_rows, score, select_k};
use custseg_core::kmeans::{self, KMeansParams};
use custseg_core::kprototypes::{self, KPrototypesParams};
use custseg_data::features::Features;
use custseg_data::master::Master;

pub use config::ClusterConfig;
pub use model::{CategoricalLevels, ClusterModel, ModelCluster, assign};
pub use output::{clusters_table, points_table, selection_table, write_outputs};

use crate::clv::Scores;
use crate::error::{EngineError, Result};

/// The numeric features every run has.
const BASE_FEATURES: [&str; 9] = [
    "recency_days",
    "frequency",
    "monetary",
    "aov",
    "tenure_days",
    "returns_count",
    "returns_amount",
    "avg_interpurchase_days",
    "annual_spend",
];

/// The CLV columns usable as features (runs with a CLV model).
pub(crate) const CLV_FEATURES: [&str; 5] = ["p_alive", "expected_purchases", "expected_spend", "clv", "historical_ltv"];

/// Whether a feature gets log1p unless configured otherwise: the amounts and counts (every base
/// feature, category counts, the CLV amounts), whose skew would otherwise let a few large
/// customers decide the clusters; not probabilities or master attributes.
pub fn log1p_by_default(name: &str) -> bool {
    BASE_FEATURES.contains(&name)
        || ["n_categories", "x"].contains(&name)
        || (CLV_FEATURES.contains(&name) && name != "p_alive")
}

/// What the clustering can draw on, per purchaser (feature index).
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The customer features.
    pub features: &'a Features,
    /// The master file and, per purchaser, its row there.
    pub master: Option<(&'a Master, &'a [Option<usize>])>,
    /// CLV scores, when a model was fitted.
    pub scores: Option<&'a Scores>,
}

impl Inputs<'_> {
    fn n(&self) -> usize {
        self.features.len()
    }

    /// A numeric column by name; `Ok(None)` for an unknown name.
    pub(crate) fn numeric(&self, name: &str) -> Result<Option<Vec<Option<f64>>>> {
        let f = self.features;
        let all = |v: &dyn Fn(usize) -> f64| Some((0..f.len()).map(|i| Some(v(i))).collect());
        let opt = |v: &[Option<f64>]| Some(v.to_vec());
        Ok(match name {
            "recency_days" => all(&|i| f.recency_days[i] as f64),
            "frequency" => all(&|i| f.frequency[i] as f64),
            "monetary" => all(&|i| f.monetary[i]),
            "aov" => opt(&f.aov),
            "tenure_days" => all(&|i| f.tenure_days[i] as f64),
            "returns_count" => all(&|i| f.returns_count[i] as f64),
            "returns_amount" => all(&|i| f.returns_amount[i]),
            "avg_interpurchase_days" => opt(&f.avg_interpurchase_days),
            "annual_spend" => all(&|i| f.annual_spend[i]),
            "x" => all(&|i| f.x[i] as f64),
            "n_categories" => f.n_categories.as_ref().map(|n| n.iter().map(|&v| Some(v as f64)).collect()),
            "p_alive" => self.scores.map(|s| s.p_alive.clone()),
            "expected_purchases" => self.scores.map(|s| s.expected_purchases.clone()),
            "expected_spend" => self.scores.map(|s| s.expected_spend.clone()),
            "clv" => self.scores.map(|s| s.clv.clone()),
            "historical_ltv" => self.scores.map(|s| s.historical_ltv.clone()),
            _ => match self.master_column(name) {
                Some(values) => {
                    let mut out = Vec::with_capacity(values.len());
                    for (i, v) in values.into_iter().enumerate() {
                        out.push(match v.as_deref().map(str::trim) {
                            None | Some("") => None,
                            Some(s) => Some(s.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                                EngineError::Invalid(format!(
                                    "cluster feature `{name}`: value `{s}` of customer {} is not a number\n\
                                     hint: list the attribute under [cluster] categorical instead",
                                    f.customer[i]
                                ))
                            })?),
                        });
                    }
                    Some(out)
                }
                None => None,
            },
        })
    }

    /// A categorical column by name; `None` for an unknown name.
    fn categorical(&self, name: &str) -> Option<Vec<Option<String>>> {
        let f = self.features;
        match name {
            "top_category" => f.top_category.clone(),
            "channel" if !f.channels.is_empty() => Some(
                (0..f.len()).map(|i| crate::output::preferred_channel(f, i).map(|c| f.channels[c].clone())).collect(),
            ),
            _ => self.master_column(name),
        }
    }

    fn master_column(&self, name: &str) -> Option<Vec<Option<String>>> {
        let (m, rows) = self.master?;
        let a = m.attributes.iter().position(|c| c == name)?;
        Some(rows.iter().map(|r| r.and_then(|j| m.values[a][j].clone())).collect())
    }

    /// Names usable as numeric features and as categorical attributes, for error messages.
    pub(crate) fn available(&self) -> String {
        let mut names: Vec<&str> = BASE_FEATURES.to_vec();
        if self.features.n_categories.is_some() {
            names.extend(["n_categories", "top_category"]);
        }
        if !self.features.channels.is_empty() {
            names.push("channel");
        }
        if self.scores.is_some() {
            names.extend(CLV_FEATURES);
        }
        let mut s = names.join(", ");
        if let Some((m, _)) = self.master {
            for a in &m.attributes {
                s.push_str(", ");
                s.push_str(a);
            }
        }
        s
    }
}

/// The clustering of the purchasers.
#[derive(Debug, Clone)]
pub struct Clustering {
    /// The saved model (cluster_model.json).
    pub model: ClusterModel,
    /// Cluster number (1..k) per purchaser, in feature order.
    pub labels: Vec<u32>,
    /// Profiles in number order.
    pub profiles: Vec<Profile>,
    /// Scores per k searched (one row with a fixed k).
    pub candidates: Vec<Candidate>,
    /// Sampled purchasers with their 2-D coordinates: (feature index, cluster, [pc1, pc2]).
    pub points: Vec<(usize, u32, [f64; 2])>,
    /// Raw values of the numeric features used, per feature (for customers.csv).
    pub raw: Vec<(String, Vec<Option<f64>>)>,
    /// Values of the categorical attributes used.
    pub raw_categorical: Vec<(String, Vec<Option<String>>)>,
}

/// The columns a configuration asks for.
pub(crate) struct Columns {
    pub numeric: Vec<(String, Vec<Option<f64>>)>,
    pub categorical: Vec<(String, Vec<Option<String>>)>,
}

/// Resolves the configured features against what the run has.
///
/// # Errors
/// [`EngineError::Invalid`] for an unknown name (listing the available ones) or a master
/// attribute that is not numeric.
pub(crate) fn columns(inputs: &Inputs<'_>, numeric: &[String], categorical: &[String]) -> Result<Columns> {
    let unknown = |name: &str, kind: &str| {
        EngineError::Invalid(format!(
            "cluster {kind} `{name}` is not a feature of this run\navailable: {}\n\
             hint: CLV columns need [clv] enabled; master attributes need --customers",
            inputs.available()
        ))
    };
    let mut seen = BTreeSet::new();
    let mut out = Columns { numeric: Vec::new(), categorical: Vec::new() };
    for name in numeric {
        if !seen.insert(name.as_str()) {
            return Err(EngineError::Invalid(format!("cluster feature `{name}` is listed twice")));
        }
        let col = inputs.numeric(name)?.ok_or_else(|| unknown(name, "feature"))?;
        out.numeric.push((name.clone(), col));
    }
    for name in categorical {
        if !seen.insert(name.as_str()) {
            return Err(EngineError::Invalid(format!("cluster attribute `{name}` is listed twice")));
        }
        let col = inputs.categorical(name).ok_or_else(|| unknown(name, "attribute"))?;
        out.categorical.push((name.clone(), col));
    }
    Ok(out)
}

/// The missing-value stand-in of a categorical attribute.
pub const MISSING_LEVEL: &str = "(missing)";

/// Level names (sorted, so codes do not depend on row order) and codes of a categorical column.
fn encode(values: &[Option<String>]) -> (Vec<String>, Vec<u32>) {
    let levels: Vec<String> = values
        .iter()
        .map(|v| v.clone().unwrap_or_else(|| MISSING_LEVEL.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let codes = values
        .iter()
        .map(|v| {
            let s = v.as_deref().unwrap_or(MISSING_LEVEL);
            levels.binary_search_by(|l| l.as_str().cmp(s)).unwrap_or(0) as u32
        })
        .collect();
    (levels, codes)
}

fn cluster_err(e: impl Into<ClusterError>) -> EngineError {
    EngineError::Cluster(e.into())
}

/// Clusters the purchasers as configured.
///
/// # Errors
/// [`EngineError::Invalid`] for features the run does not have; [`EngineError::Cluster`] when
/// the data cannot be clustered (too few distinct customers, ...).
pub fn cluster(inputs: &Inputs<'_>, cfg: &ClusterConfig) -> Result<Clustering> {
    let cols = columns(inputs, &cfg.features, &cfg.categorical)?;
    let n = inputs.n();
    if n == 0 {
        return Err(cluster_err(ClusterError::TooFewDistinct { distinct: 0, min_k: cfg.k.unwrap_or(cfg.k_min) }));
    }
    let specs: Vec<FeatureSpec> = cols
        .numeric
        .iter()
        .map(|(name, _)| FeatureSpec {
            name: name.clone(),
            transform: cfg.transform.get(name).copied().unwrap_or(if log1p_by_default(name) {
                Transform::Log1p
            } else {
                Transform::None
            }),
            weight: cfg.weights.get(name).copied().unwrap_or(1.0),
        })
        .collect();
    let refs: Vec<&[Option<f64>]> = cols.numeric.iter().map(|(_, c)| c.as_slice()).collect();
    let prepared = if specs.is_empty() {
        Prepared { x: Vec::new(), transformed: Vec::new(), scales: Vec::new(), report: Vec::new() }
    } else {
        prepare(&refs, &specs, cfg.scaling).map_err(cluster_err)?
    };
    let d = specs.len();
    let encoded: Vec<(Vec<String>, Vec<u32>)> = cols.categorical.iter().map(|(_, c)| encode(c)).collect();
    let sample = sample_rows(n, cfg.silhouette_sample, cfg.seed);
    let km = cfg.kmeans();
    let fit = if encoded.is_empty() {
        fit_kmeans(&prepared.x, d, cfg, &km, &sample)?
    } else {
        fit_kprototypes(&prepared.x, d, &encoded, cfg, &sample)?
    };
    // stable numbers by mean monetary value
    let numbers = numbering(&fit.labels, &inputs.features.monetary, fit.k);
    let labels: Vec<u32> = fit.labels.iter().map(|&l| numbers[l as usize]).collect();
    let mut profiles = profile(&cols, &encoded, &prepared.transformed, inputs, (&fit.labels, &numbers));
    for p in &mut profiles {
        if let Some(name) = cfg.names.get(&p.cluster.to_string()) {
            p.name_zh = name.clone();
            p.name_en = name.clone();
        }
    }
    let pca = (d > 0).then(|| Pca::fit(&prepared.x, d));
    let points = match &pca {
        Some(p) => sample_rows(n, cfg.plot_points, cfg.seed)
            .into_iter()
            .map(|i| (i, labels[i], p.project(&prepared.x[i * d..(i + 1) * d])))
            .collect(),
        None => Vec::new(),
    };
    let model = ClusterModel::new(model::ModelParts {
        cfg,
        scales: prepared.scales,
        report: prepared.report,
        categorical: cols
            .categorical
            .iter()
            .zip(&encoded)
            .map(|((name, _), (levels, _))| (name.clone(), levels.clone()))
            .collect(),
        fit: &fit,
        numbers: &numbers,
        profiles: &profiles,
        pca,
        silhouette_rows: sample.len(),
    });
    Ok(Clustering {
        model,
        labels,
        profiles,
        candidates: fit.candidates,
        points,
        raw: cols.numeric,
        raw_categorical: cols.categorical,
    })
}

/// The purchasers clustered by a saved model: each assigned to its nearest centre (see
/// [`assign`]) and the clusters profiled on these customers, under the model's numbers and names.
/// The model itself is kept as it is (cluster_model.json is written unchanged).
///
/// # Errors
/// [`EngineError::Invalid`] when the run lacks a feature the model uses.
pub fn apply(model: &ClusterModel, inputs: &Inputs<'_>, plot_points: usize) -> Result<Clustering> {
    let model::Assigned { cols, prepared, index } = model::assigned(model, inputs)?;
    let numbers: Vec<u32> = model.clusters.iter().map(|c| c.cluster).collect();
    let labels: Vec<u32> = index.iter().map(|&j| numbers[j as usize]).collect();
    // the profiles describe these customers' levels (the model's are for assignment)
    let encoded: Vec<(Vec<String>, Vec<u32>)> = cols.categorical.iter().map(|(_, c)| encode(c)).collect();
    let mut profiles = profile(&cols, &encoded, &prepared.transformed, inputs, (&index, &numbers));
    for p in &mut profiles {
        if let Some(c) = model.clusters.iter().find(|c| c.cluster == p.cluster) {
            p.name_zh = c.name_zh.clone();
            p.name_en = c.name_en.clone();
        }
    }
    let d = model.features.len();
    let points = match &model.pca {
        Some(p) if d > 0 => sample_rows(inputs.n(), plot_points, model.seed)
            .into_iter()
            .map(|i| (i, labels[i], p.project(&prepared.x[i * d..(i + 1) * d])))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Clustering {
        model: model.clone(),
        labels,
        profiles,
        candidates: model.selection.clone(),
        points,
        raw: cols.numeric,
        raw_categorical: cols.categorical,
    })
}

/// The profiles of the clusters in number order: `labels` are algorithm indices (into
/// `numbers`, the cluster number of each).
fn profile(
    cols: &Columns,
    encoded: &[(Vec<String>, Vec<u32>)],
    transformed: &[Vec<f64>],
    inputs: &Inputs<'_>,
    (labels, numbers): (&[u32], &[u32]),
) -> Vec<Profile> {
    let cats: Vec<Categorical<'_>> = cols
        .categorical
        .iter()
        .zip(encoded)
        .map(|((name, _), (levels, codes))| Categorical { name, levels, codes })
        .collect();
    let names: Vec<String> = cols.numeric.iter().map(|(n, _)| n.clone()).collect();
    let refs: Vec<&[Option<f64>]> = cols.numeric.iter().map(|(_, c)| c.as_slice()).collect();
    let input =
        ProfileInput { names: &names, raw: &refs, transformed, categorical: &cats, revenue: &inputs.features.monetary };
    profiles(&input, labels, numbers)
}

/// A fit in the algorithm's own cluster order.
pub(crate) struct Fit {
    pub algorithm: &'static str,
    pub k: usize,
    pub labels: Vec<u32>,
    /// `k × d` numeric centres.
    pub centroids: Vec<f64>,
    /// `k × attributes` level codes (k-prototypes).
    pub modes: Vec<u32>,
    pub gamma: Option<f64>,
    pub cost: f64,
    pub n_iter: usize,
    pub converged: bool,
    pub candidates: Vec<Candidate>,
    pub chosen_by: &'static str,
}

fn fit_kmeans(x: &[f64], d: usize, cfg: &ClusterConfig, km: &KMeansParams, sample: &[usize]) -> Result<Fit> {
    let (m, candidates, chosen_by) = match cfg.k {
        Some(k) => {
            let distinct = select::distinct_rows(x, d, k);
            if distinct < k {
                return Err(cluster_err(ClusterError::TooFewDistinct { distinct, min_k: k }));
            }
            let p = KMeansParams { n_clusters: k, ..km.clone() }.check().map_err(cluster_err)?;
            let m = kmeans::fit(x, d, None, &p).map_err(cluster_err)?;
            let fitted = [Fitted::of_kmeans(&m)];
            let c = score(x, d, &fitted, sample);
            (m, c, "fixed")
        }
        None => {
            let s = select_k(x, d, None, cfg.k_min, cfg.k_max, km, cfg.silhouette_sample).map_err(cluster_err)?;
            (s.model, s.candidates, "silhouette")
        }
    };
    Ok(Fit {
        algorithm: "kmeans",
        k: m.n_clusters(),
        labels: m.labels,
        centroids: m.centroids,
        modes: Vec::new(),
        gamma: None,
        cost: m.inertia,
        n_iter: m.n_iter,
        converged: m.converged,
        candidates,
        chosen_by,
    })
}

fn fit_kprototypes(
    x: &[f64],
    d: usize,
    encoded: &[(Vec<String>, Vec<u32>)],
    cfg: &ClusterConfig,
    sample: &[usize],
) -> Result<Fit> {
    let n = encoded[0].1.len();
    let c = encoded.len();
    let levels: Vec<u32> = encoded.iter().map(|(l, _)| l.len() as u32).collect();
    let mut cat = vec![0u32; n * c];
    for (j, (_, codes)) in encoded.iter().enumerate() {
        for (i, &code) in codes.iter().enumerate() {
            cat[i * c + j] = code;
        }
    }
    let ks: Vec<usize> = match cfg.k {
        Some(k) => vec![k],
        None => (cfg.k_min..=cfg.k_max).collect(),
    };
    let mut models = Vec::new();
    for &k in &ks {
        if k > n {
            break;
        }
        let p = KPrototypesParams {
            n_clusters: k,
            n_init: cfg.n_init,
            max_iter: cfg.max_iter,
            seed: cfg.seed,
            gamma: cfg.gamma,
        }
        .check()
        .map_err(cluster_err)?;
        models.push(kprototypes::fit(x, d, &cat, &levels, None, &p).map_err(cluster_err)?);
    }
    if models.is_empty() {
        return Err(cluster_err(ClusterError::TooFewDistinct { distinct: n, min_k: ks[0] }));
    }
    // scores on the numeric features plus one-hot levels scaled by √(γ/2): between two
    // customers that is exactly the k-prototypes distance
    let gamma = models[0].gamma;
    let s = (gamma / 2.0).sqrt();
    let total_levels: usize = levels.iter().map(|&l| l as usize).sum();
    let wide = d + total_levels;
    let mut aug = vec![0.0; n * wide];
    for i in 0..n {
        aug[i * wide..i * wide + d].copy_from_slice(&x[i * d..(i + 1) * d]);
        let mut off = d;
        for j in 0..c {
            aug[i * wide + off + cat[i * c + j] as usize] = s;
            off += levels[j] as usize;
        }
    }
    let fitted: Vec<Fitted<'_>> = models.iter().map(Fitted::of_kprototypes).collect();
    let candidates = score(&aug, wide, &fitted, sample);
    let best = candidates.iter().position(|c| c.chosen).unwrap_or(0);
    let m = models.swap_remove(best);
    Ok(Fit {
        algorithm: "kprototypes",
        k: m.n_clusters(),
        labels: m.labels,
        centroids: m.centroids,
        modes: m.modes,
        gamma: Some(m.gamma),
        cost: m.cost,
        n_iter: m.n_iter,
        converged: m.converged,
        candidates,
        chosen_by: if cfg.k.is_some() { "fixed" } else { "silhouette" },
    })
}
