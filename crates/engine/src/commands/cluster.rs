//! `custseg cluster`: clusters the customers of a transaction log on their own (or assigns them
//! to the clusters of a saved `cluster_model.json`), without the rest of the run.

use std::path::{Path, PathBuf};

use custseg_core::Lang;
use custseg_data::quality::QualityReport;
use custseg_data::sink::{Column, Sink, Table};

use crate::cluster::{CLV_FEATURES, ClusterModel, Inputs, assign, cluster, columns, write_outputs};
use crate::clv::Scores;
use crate::config::AsOf;
use crate::config::Config;
use crate::error::{EngineError, Result};
use crate::input::{Read, Source, Stage};
use crate::output::round;
use crate::pipeline::runtime;

/// What `custseg cluster` needs.
#[derive(Debug, Clone)]
pub struct ClusterRequest {
    /// Transaction file or directory.
    pub transactions: Source,
    /// Optional customer master file (attributes usable as features).
    pub customers: Option<Source>,
    /// Configuration (`[cluster]` says what to do).
    pub config: Config,
    /// A saved cluster_model.json to assign customers to instead of fitting.
    pub model: Option<PathBuf>,
    /// Output directory.
    pub out_dir: PathBuf,
}

/// What `custseg cluster` did.
#[derive(Debug, Clone)]
pub struct ClusterOutcome {
    /// Transaction row accounting.
    pub quality: QualityReport,
    /// Customers clustered.
    pub customers: usize,
    /// The model fitted or used.
    pub model: ClusterModel,
    /// Customers per cluster number (index 0 = cluster 1).
    pub sizes: Vec<u64>,
    /// Whether the model was fitted here (false: assigned to a saved one).
    pub fitted: bool,
    /// Files written.
    pub outputs: Vec<PathBuf>,
}

/// Reads a cluster_model.json.
///
/// # Errors
/// [`EngineError::ModelFile`] when it cannot be read or is not a usable model.
pub fn read_model(path: &Path) -> Result<ClusterModel> {
    let err = |message: String| EngineError::ModelFile { path: path.to_path_buf(), message };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let m: ClusterModel = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    m.validate().map_err(err)?;
    Ok(m)
}

/// Runs `custseg cluster`.
///
/// # Errors
/// See [`EngineError`].
pub fn cluster_command(req: ClusterRequest) -> Result<ClusterOutcome> {
    runtime(req.config.run.threads)?.block_on(cluster_async(req))
}

async fn cluster_async(req: ClusterRequest) -> Result<ClusterOutcome> {
    let config = &req.config;
    config.check()?;
    let sink = Sink::new(config.run.fsync);
    let saved = req.model.as_deref().map(read_model).transpose()?;
    let ctx = custseg_data::session(config.run.threads);
    let Read { features, master, quality } = crate::input::features(
        &ctx,
        Stage {
            transactions: &req.transactions,
            customers: req.customers.as_ref(),
            config,
            as_of: config.run.as_of.map(AsOf::day),
            write_dir: &req.out_dir,
            shown_dir: &req.out_dir,
            progress: None,
            rules: false,
            fingerprints: false,
        },
    )
    .await?;
    let rejects = req.out_dir.join("rejects.csv");
    let master_rows: Vec<Option<usize>> = match &master {
        Some(m) => {
            let index = m.index();
            features.customer.iter().map(|id| index.get(id.as_str()).copied()).collect()
        }
        None => Vec::new(),
    };
    let wanted: Vec<&str> = match &saved {
        Some(m) => m.features.iter().map(|f| f.name.as_str()).collect(),
        None => config.cluster.features.iter().map(String::as_str).collect(),
    };
    let scores: Option<Scores> = if wanted.iter().any(|f| CLV_FEATURES.contains(f)) {
        let s = crate::clv::summary(&features)?;
        let m = crate::clv::fit(&features, &s, &config.clv)?;
        Some(crate::clv::score(&features, &s, &m, &config.clv))
    } else {
        None
    };
    let inputs = Inputs {
        features: &features,
        master: master.as_ref().map(|m| (m, master_rows.as_slice())),
        scores: scores.as_ref(),
    };
    let lang = config.run.lang.unwrap_or_else(Lang::from_env);
    let mut outputs = vec![rejects];
    let (model, labels, fitted) = match saved {
        Some(model) => {
            let labels = assign(&model, &inputs)?;
            let cols = columns(
                &inputs,
                &model.features.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
                &model.categorical.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            )?;
            let names: Vec<String> = model.clusters.iter().map(|c| name_in(lang, &c.name_zh, &c.name_en)).collect();
            let path = req.out_dir.join("customers.csv");
            let t = customers_table(&features.customer, &cols.numeric, &cols.categorical, &labels, &names);
            let batch = t.into_batch()?;
            sink.csv(&path, &batch.schema(), std::slice::from_ref(&batch))?;
            outputs.push(path);
            (model, labels, false)
        }
        None => {
            let c = cluster(&inputs, &config.cluster)?;
            outputs.extend(write_outputs(&c, &features.customer, lang, &req.out_dir, sink)?);
            let names: Vec<String> = c.profiles.iter().map(|p| p.name(lang).to_string()).collect();
            let path = req.out_dir.join("customers.csv");
            let t = customers_table(&features.customer, &c.raw, &c.raw_categorical, &c.labels, &names);
            let batch = t.into_batch()?;
            sink.csv(&path, &batch.schema(), std::slice::from_ref(&batch))?;
            outputs.insert(1, path);
            (c.model, c.labels, true)
        }
    };
    let mut sizes = vec![0u64; model.k];
    for &l in &labels {
        sizes[l as usize - 1] += 1;
    }
    Ok(ClusterOutcome { quality, customers: labels.len(), model, sizes, fitted, outputs })
}

fn name_in(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// customers.csv of `custseg cluster`: the id, the raw values used, the cluster and its name.
fn customers_table(
    ids: &[String],
    numeric: &[(String, Vec<Option<f64>>)],
    categorical: &[(String, Vec<Option<String>>)],
    labels: &[u32],
    names: &[String],
) -> Table {
    let mut t = Table::default();
    t.push("customer_id", Column::Str(ids.iter().map(|s| Some(s.clone())).collect()));
    for (name, v) in numeric {
        t.push(name.clone(), Column::Float(v.iter().map(|x| x.map(|x| round(x, 6))).collect()));
    }
    for (name, v) in categorical {
        t.push(name.clone(), Column::Str(v.clone()));
    }
    t.push("cluster", Column::Int(labels.iter().map(|&l| Some(i64::from(l))).collect()));
    t.push(
        "cluster_name",
        Column::Codes { labels: names.to_vec(), codes: labels.iter().map(|&l| Some((l - 1) as u16)).collect() },
    );
    t
}
