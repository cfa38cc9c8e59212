//! The one pipeline the CLI (and later the server) calls: ingest -> features -> master join ->
//! classifiers -> outputs. Every stage is timed; every output is written atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use custseg_data::outdir::OutputDir;
use std::time::Instant;

use custseg_core::Lang;
use custseg_core::abc::AbcSummary;
use custseg_core::catalog::Msg;
use custseg_data::features::aggregate;

use custseg_data::master::MasterReport;
use custseg_data::parse::format_day;
use custseg_data::quality::QualityReport;
use custseg_data::sink::Sink;
use custseg_data::source::fingerprint;
use serde::Serialize;

use crate::basket::{self, Segments};
use crate::classify::ThresholdRecord;
use crate::cluster::{self, Clustering};
use crate::clv::{ModelFile, RowCounts};
use crate::config::{AsOf, Config, LifecycleBasis};
use crate::error::{EngineError, Result};
use crate::input::{Checked, Source, Stage, present_of};
use crate::label::{Labelled, Layout, Population, Predicted, label, layout};
use crate::matrix::MatrixRecord;
use crate::model::{Classifier, ClvPart, FittedRun, ModelSource, Parts, fitted_model};
use crate::monitor::{Monitor, enter};
pub use crate::output::InputRecord;
use crate::output::{SegmentRow, crosstab_table, segment_rows, segments_table};
use crate::playbook;
use crate::rules;
use crate::wallet::{self, WalletRecord};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The transactions (a file or directory).
    pub transactions: Source,
    /// The customer master file, if any.
    pub customers: Option<Source>,
    /// The checked configuration.
    pub config: Config,
    /// Output directory (created if missing).
    pub out_dir: PathBuf,
    /// Rows read and the stage, for a progress display; its cancel flag stops the run at the
    /// next stage boundary with [`EngineError::Cancelled`].
    pub progress: Option<Monitor>,
    /// The run history database to record the run in (`None`: not recorded).
    pub store: Option<PathBuf>,
    /// What writes report.html when `[run] report` is on (`custseg_report::write`); `None`: no
    /// report, whatever the configuration says.
    pub report: Option<Renderer>,
}

/// The report's file name inside a run directory.
pub const REPORT_FILE: &str = "report.html";

/// Writes the report of the run directory `dir` (its other files all written) in the given
/// language, to `dir/`[`REPORT_FILE`]. The report crate provides it, so the engine never knows
/// HTML, and a run and `custseg report DIR` give the same bytes.
pub type Renderer = fn(&Path, Lang, Sink) -> Result<PathBuf>;

/// Row and customer counts.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    /// Transaction rows read.
    pub rows_read: u64,
    /// Rows kept.
    pub rows_kept: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// Rows dated after the explicit as-of date (not rejects).
    pub rows_after_as_of: u64,
    /// Customers in customers.csv.
    pub customers: u64,
    /// Customers with transactions.
    pub purchasers: u64,
    /// Master-file customers without transactions.
    pub prospects: u64,
    /// Purchasers not in the master file (when one is given).
    pub not_in_master: u64,
}

/// run.json: everything needed to explain and repeat a run. All fields but `timings_ms` are
/// the same for the same input and config.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// Always "custseg".
    pub tool: &'static str,
    /// custseg version.
    pub version: &'static str,
    /// As-of date used.
    pub as_of: AsOf,
    /// `given` or `derived` (day after the last kept transaction).
    pub as_of_source: &'static str,
    /// Transaction inputs.
    pub inputs: Vec<InputRecord>,
    /// Master file, if any.
    pub customers_file: Option<InputRecord>,
    /// Counts.
    pub counts: Counts,
    /// Lifecycle thresholds used.
    pub lifecycle: ThresholdRecord,
    /// Centres of the 8-class scheme (recency, frequency, monetary).
    pub rfm_cn8_centres: [f64; 3],
    /// ABC concentration figures.
    pub abc: AbcSummary,
    /// The CLV models and totals (absent when `[clv] enabled = false`).
    pub clv: Option<ClvRecord>,
    /// The clustering (absent when `[cluster] enabled = false`).
    pub cluster: Option<ClusterRecord>,
    /// The value × loyalty matrix axes and cut-offs.
    pub matrix: Option<MatrixRecord>,
    /// Share of wallet, or why there is none.
    pub wallet: WalletRecord,
    /// Rule schemes and cross-tabulations left out for lack of columns.
    pub skipped: Skipped,
    /// The basket analysis (absent when off, or the log has no product or category).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basket: Option<basket::BasketRecord>,
    /// The effective configuration.
    pub config: Config,
    /// The saved model the built-in classifications came from (`run --model`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSource>,
    /// Files written.
    pub outputs: Vec<String>,
    /// The run history (with a store): this run's id, the run compared with and its alerts;
    /// depends on what the store held before, like `timings_ms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<crate::history::HistoryRecord>,
    /// Wall time per stage, milliseconds (the only field that varies between identical runs).
    pub timings_ms: BTreeMap<&'static str, u64>,
}

/// The CLV part of run.json.
#[derive(Debug, Clone, Serialize)]
pub struct ClvRecord {
    /// The model file also written as model.json (when the fit succeeded).
    pub model: Option<ModelFile>,
    /// Why there are no CLV columns, when the purchase model could not be fitted.
    pub error: Option<String>,
    /// Warnings about the spend model.
    pub warnings: Vec<Msg>,
    /// Horizon in steps, discount per step, step length in days.
    pub horizon_months: u32,
    /// Discount rate per step.
    pub discount: f64,
    /// Step length, days.
    pub step_days: f64,
    /// Expected lifetime used for the historical LTV, years.
    pub lifetime_years: Option<f64>,
    /// Customers scored.
    pub customers: u64,
    /// Sum of predicted CLV over the horizon.
    pub total_clv: f64,
    /// Sum of expected transactions over the horizon.
    pub total_expected_purchases: f64,
}

/// What the configuration asked for but the data could not give.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Skipped {
    /// Rule schemes whose required columns are missing (and that have no fallback).
    pub schemes: Vec<rules::Skipped>,
    /// Cross-tabulations naming a dimension the run does not have.
    pub crosstabs: Vec<[String; 2]>,
}

/// The clustering part of run.json (the model itself is in cluster_model.json).
#[derive(Debug, Clone, Serialize, Default)]
pub struct ClusterRecord {
    /// `kmeans` or `kprototypes`.
    pub algorithm: String,
    /// Number of clusters.
    pub k: usize,
    /// `fixed` or `silhouette`.
    pub chosen_by: String,
    /// Silhouette of the chosen k.
    pub silhouette: Option<f64>,
    /// Customers clustered.
    pub customers: u64,
    /// Cluster names in number order (run language).
    pub names: Vec<String>,
    /// Why there is no cluster column, when clustering failed.
    pub error: Option<String>,
}

impl From<&Clustering> for ClusterRecord {
    fn from(c: &Clustering) -> Self {
        ClusterRecord {
            algorithm: c.model.algorithm.clone(),
            k: c.model.k,
            chosen_by: c.model.chosen_by.clone(),
            silhouette: c.candidates.iter().find(|x| x.chosen).map(|x| x.silhouette),
            customers: c.labels.len() as u64,
            names: c.profiles.iter().map(|p| p.name_en.clone()).collect(),
            error: None,
        }
    }
}

/// What a run produced, for the terminal summary.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The run record (also in run.json).
    pub record: RunRecord,
    /// Transaction quality.
    pub quality: QualityReport,
    /// Master-file quality.
    pub master: Option<MasterReport>,
    /// segments.csv rows.
    pub segments: Vec<SegmentRow>,
    /// Display language.
    pub lang: Lang,
    /// Output directory.
    pub out_dir: PathBuf,
}

/// quality.json.
#[derive(Debug, Serialize)]
struct QualityFile<'a> {
    transactions: &'a QualityReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    customers_file: Option<&'a MasterReport>,
}

/// Names of the files every run writes, in order (plus model.json when a CLV model was fitted).
pub const OUTPUTS: [&str; 8] = [
    "customers.csv",
    "customers.parquet",
    "segments.csv",
    "crosstab.csv",
    "playbook.csv",
    "quality.json",
    "rejects.csv",
    "run.json",
];

/// Runs the whole job and waits for it: for a caller without a tokio runtime (the CLI, tests),
/// on one made for the job with `[run] threads` workers. A caller with a runtime (the server)
/// awaits [`run_async`] on its own.
///
/// # Errors
/// See [`EngineError`].
pub fn run(req: RunRequest) -> Result<RunSummary> {
    runtime(req.config.run.threads)?.block_on(run_async(req))
}

/// Runs `job` on the caller's runtime without holding up its workers: on one of its blocking
/// threads, which drives the job's async reads through the runtime's handle, while the
/// CPU-heavy stages run on the engine's own threads (rayon, the scan workers) as they do in a
/// blocking run. A panic in the job is the caller's panic, as in a blocking run.
pub(crate) async fn off_workers<T: Send + 'static>(
    job: impl FnOnce(&tokio::runtime::Handle) -> Result<T> + Send + 'static,
) -> Result<T> {
    let handle = tokio::runtime::Handle::current();
    match tokio::task::spawn_blocking(move || job(&handle)).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(EngineError::Internal("the job was cancelled".into())),
    }
}

/// A multi-threaded tokio runtime with `threads` workers (0: one per core), for a caller that has
/// none (the CLI; [`run`] and the other blocking entry points).
///
/// # Errors
/// [`EngineError::Internal`] when the runtime cannot start.
pub fn runtime(threads: usize) -> Result<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if threads > 0 {
        b.worker_threads(threads);
    }
    b.enable_all().build().map_err(|e| EngineError::Internal(format!("cannot start the runtime: {e}")))
}

/// The customer features of a transaction log (and its master file), as a run computes them:
/// for classifying customers with a [`crate::one::Scorer`] outside a run. The rejected rows go
/// to `out_dir/rejects.csv`; the as-of date is the configured one, else the day after the last
/// kept transaction.
///
/// # Errors
/// See [`EngineError`]; nothing kept, or a reject under `strict`, is an error as in a run.
pub fn read_features(
    transactions: &Source,
    customers: Option<&Source>,
    config: &Config,
    out_dir: &Path,
) -> Result<(custseg_data::features::Features, Option<custseg_data::master::Master>)> {
    runtime(config.run.threads)?.block_on(read_features_async(
        transactions.clone(),
        customers.cloned(),
        config.clone(),
        out_dir.to_path_buf(),
    ))
}

/// [`read_features`] on the caller's runtime (see [`run_async`]).
///
/// # Errors
/// As [`read_features`].
pub async fn read_features_async(
    transactions: Source,
    customers: Option<Source>,
    config: Config,
    out_dir: PathBuf,
) -> Result<(custseg_data::features::Features, Option<custseg_data::master::Master>)> {
    config.check()?;
    off_workers(move |rt| {
        rt.block_on(async {
            let ctx = custseg_data::session(config.run.threads);
            let read = crate::input::features(
                &ctx,
                Stage {
                    transactions: &transactions,
                    customers: customers.as_ref(),
                    config: &config,
                    as_of: config.run.as_of.map(AsOf::day),
                    write_dir: &out_dir,
                    shown_dir: &out_dir,
                    progress: None,
                    rules: false,
                    fingerprints: false,
                },
            )
            .await?;
            Ok((read.features, read.master))
        })
    })
    .await
}

/// The whole job on the caller's tokio runtime: awaiting it never holds up the runtime's
/// workers (see [`off_workers`]), so a server can run jobs and answer requests side by side.
///
/// # Errors
/// See [`EngineError`].
pub async fn run_async(req: RunRequest) -> Result<RunSummary> {
    req.config.check()?;
    off_workers(move |rt| rt.block_on(job(req))).await
}

/// The job itself: staged, then published.
async fn job(req: RunRequest) -> Result<RunSummary> {
    // the output directory is locked, written in a staging directory and published with
    // run.json last (see custseg_data::outdir), so no reader ever sees two runs mixed
    let inputs: Vec<&Path> =
        std::iter::once(&req.transactions).chain(req.customers.as_ref()).filter_map(Source::files).collect();
    let out = OutputDir::open(&req.out_dir, &inputs)?;
    let staging = out.staging().to_path_buf();
    let store = req.store.clone();
    match run_in(req, &staging).await {
        Ok(summary) => {
            custseg_data::outdir::crash_point("staged");
            out.publish()?;
            // the run is in the history from here on: its outputs exist
            if let (Some(path), Some(h)) = (&store, &summary.record.history) {
                crate::store::Store::open(path)?.complete(h.run_id)?;
            }
            Ok(summary)
        }
        // the rows and their reasons are what the user needs to see; the directory then has no
        // run.json, as no run completed
        Err(e @ (EngineError::Strict { .. } | EngineError::NothingKept { .. })) => {
            out.publish()?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// [`run_async`] writing its files into `dir` (the staging directory).
async fn run_in(req: RunRequest, dir: &Path) -> Result<RunSummary> {
    // the language is resolved once and recorded, so run.json says what the names were made in
    let lang = req.config.run.lang.unwrap_or_else(Lang::from_env);
    let mut effective = req.config.clone();
    effective.run.lang = Some(lang);
    // a saved model is read before any data, so that a wrong file fails at once; its parameters
    // replace the configuration's
    let model = effective.run.model.as_deref().map(|p| Classifier::read(Path::new(p))).transpose()?;
    if let Some(m) = &model {
        m.govern(&mut effective);
    }
    let config = &effective;
    let sink = Sink::new(config.run.fsync);
    let mut timings: BTreeMap<&'static str, u64> = BTreeMap::new();
    let total = Instant::now();
    let ctx = custseg_data::session(config.run.threads);
    let as_of_given = config.run.as_of.map(AsOf::day);
    let monitor = req.progress.as_ref();
    enter(monitor, "ingest")?;
    let checked = crate::input::check(
        &ctx,
        Stage {
            transactions: &req.transactions,
            customers: req.customers.as_ref(),
            config,
            as_of: as_of_given,
            write_dir: dir,
            shown_dir: &req.out_dir,
            progress: monitor.map(Monitor::rows),
            rules: true,
            fingerprints: true,
        },
    )
    .await?;
    let [master_ms, ingest_ms, rejects_ms] = checked.ms;
    timings.insert("ingest", ingest_ms);
    trace_stage("ingest", &timings);
    timings.insert("rejects", rejects_ms);
    trace_stage("rejects", &timings);
    let t = Instant::now();
    let as_of = checked.as_of(as_of_given);
    let as_of_source = if as_of_given.is_some() { "given" } else { "derived" };
    let Checked { input, master, fingerprints, .. } = checked;
    let quality = input.quality.clone();
    // the baskets are taken before the features consume the kept rows
    let tb = Instant::now();
    let orders = if config.basket.enabled { basket::orders_of(config.basket.item, &input)? } else { None };
    if orders.is_some() {
        timings.insert("baskets", tb.elapsed().as_millis() as u64);
    }
    enter(monitor, "features")?;
    let features = aggregate(&ctx, input.kept, input.names, present_of(&input.column_map), as_of).await?;
    timings.insert("features", t.elapsed().as_millis() as u64);
    trace_stage("features", &timings);

    let t = Instant::now();
    // output rows: purchasers and prospects, sorted by id (features are already sorted)
    let Layout { rows, ids, master_rows, not_in_master } = layout(&features.customer, master.as_ref());
    timings.insert("customers_file", master_ms + t.elapsed().as_millis() as u64);
    trace_stage("customers_file", &timings);

    enter(monitor, "classify")?;
    let Labelled {
        predicted,
        clustered,
        classified,
        stages,
        schemes,
        matrix,
        lookalike,
        wallet,
        batch,
        skipped_schemes,
        p_alive_used,
        clv_tier_cuts,
    } = label(
        &Population { features: &features, master: master.as_ref(), rows: &rows, ids: &ids, master_rows: &master_rows },
        config,
        model.as_ref(),
        lang,
        &custseg_data::rules::RuleCache::default(),
        &mut |stage, ms| {
            timings.insert(stage, ms);
            trace_stage(stage, &timings);
        },
    )?;
    enter(monitor, "write")?;
    let saved_clv = model.as_ref().and_then(|m| m.parts.clv.as_ref());
    let scores = predicted.as_ref().and_then(|p| p.as_ref().ok()).map(|(_, s)| s);
    let lookalike_lifts = lookalike.as_ref().map(|(l, _)| l).filter(|_| master.is_some());
    let t = Instant::now();
    // the segment summary and crosstabs, and the playbook, are independent: one per core
    let plays = model.as_ref().map_or_else(|| playbook::effective(&config.playbook), |m| m.parts.playbook.clone());
    let ((segments, (crosstab, skipped_crosstabs)), (playbook_table, next_action)) = rayon::join(
        || {
            let segments = segment_rows(&features, &schemes, &rows, lang, &config.rfm.segment_rules());
            let crosstab = crosstab_table(
                &config.crosstab.pairs,
                &schemes,
                master.as_ref().map(|m| (m, master_rows.as_slice())),
                &rows,
                &features.monetary,
            );
            (segments, crosstab)
        },
        || {
            // the playbook over every scheme of the run, and each customer's next action
            let revenue_row: Vec<f64> = rows.iter().map(|r| r.map_or(0.0, |i| features.monetary[i])).collect();
            let clv_row: Option<Vec<Option<f64>>> = scores
                .filter(|s| s.clv.iter().any(Option::is_some))
                .map(|s| rows.iter().map(|r| r.and_then(|i| s.clv[i])).collect());
            let table = playbook::apply(&plays, &schemes, &revenue_row, clv_row.as_deref(), lang);
            (table, config.run.next_action.then(|| playbook::next_actions(&plays, &schemes, rows.len(), lang)))
        },
    );
    let batch = match next_action {
        Some(columns) => columns.append_to(&batch)?,
        None => batch,
    };
    // what the history keeps per customer, taken while the CLV scores are at hand
    let history_features: Option<[Vec<Option<f64>>; 5]> = req.store.as_ref().map(|_| {
        let per_row = |f: &dyn Fn(usize) -> Option<f64>| rows.iter().map(|r| r.and_then(f)).collect::<Vec<_>>();
        [
            per_row(&|i| Some(features.recency_days[i] as f64)),
            per_row(&|i| Some(features.frequency[i] as f64)),
            per_row(&|i| Some(features.monetary[i])),
            per_row(&|i| scores.and_then(|s| s.clv[i])),
            per_row(&|i| scores.and_then(|s| s.p_alive[i])),
        ]
    });
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "rule schemes and playbook applied");
    // the two files are written side by side: the Parquet columns and the CSV slices are both
    // encoded on the rayon pool, so whichever finishes first leaves its cores to the other
    let (csv_written, parquet_written) = std::thread::scope(|scope| {
        let parquet = scope.spawn(|| {
            let t = Instant::now();
            let r = sink.parquet(&dir.join("customers.parquet"), batch.schema(), std::slice::from_ref(&batch));
            tracing::debug!(ms = t.elapsed().as_millis() as u64, "customers.parquet written");
            r
        });
        let t = Instant::now();
        let csv = sink.csv(&dir.join("customers.csv"), &batch.schema(), std::slice::from_ref(&batch));
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "customers.csv written");
        (csv, parquet.join())
    });
    csv_written?;
    match parquet_written {
        Ok(written) => written?,
        Err(panic) => std::panic::resume_unwind(panic),
    }
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "customers.csv and customers.parquet written");
    let seg = segments_table(&segments).into_batch()?;
    sink.csv(&dir.join("segments.csv"), &seg.schema(), std::slice::from_ref(&seg))?;
    if let Some(w) = &wallet {
        let wt = w.table.clone().into_batch()?;
        sink.csv(&dir.join("wallet.csv"), &wt.schema(), std::slice::from_ref(&wt))?;
    }
    if let Some(l) = lookalike_lifts {
        let lt = l.table.clone().into_batch()?;
        sink.csv(&dir.join("lookalike.csv"), &lt.schema(), std::slice::from_ref(&lt))?;
    }
    if let Some(m) = &matrix {
        let mt = m.table.clone().into_batch()?;
        sink.csv(&dir.join("matrix.csv"), &mt.schema(), std::slice::from_ref(&mt))?;
    }
    let pt = playbook_table.into_batch()?;
    sink.csv(&dir.join("playbook.csv"), &pt.schema(), std::slice::from_ref(&pt))?;
    let ct = crosstab.into_batch()?;
    sink.csv(&dir.join("crosstab.csv"), &ct.schema(), std::slice::from_ref(&ct))?;
    sink.json(
        &dir.join("quality.json"),
        &QualityFile { transactions: &quality, customers_file: master.as_ref().map(|m| &m.report) },
    )?;
    let mut outputs: Vec<String> = OUTPUTS.iter().map(|s| s.to_string()).collect();
    outputs.push(crate::model::MODEL_FILE.into());
    let mut clv_record = predicted.map(|p| clv_record(p, &quality, as_of, config, saved_clv));
    if clv_record.as_ref().is_some_and(|c| c.model.is_some()) {
        outputs.insert(7, "model.json".into());
    }
    if matrix.is_some() {
        outputs.push("matrix.csv".into());
    }
    if wallet.is_some() {
        outputs.push("wallet.csv".into());
    }
    if lookalike_lifts.is_some() {
        outputs.push("lookalike.csv".into());
    }
    let report = req.report.filter(|_| config.run.report);
    if report.is_some() {
        outputs.push(REPORT_FILE.into());
    }
    let cluster_model = match &clustered {
        Some(Ok(c)) => Some(c.model.clone()),
        _ => None,
    };
    let matrix_used = matrix.as_ref().map(|m| config.matrix.frozen(&m.record));
    let cluster_record = match clustered {
        Some(Ok(c)) => {
            for p in cluster::write_outputs(&c, &features.customer, lang, dir, sink)? {
                outputs.push(p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default());
            }
            Some(ClusterRecord::from(&c))
        }
        Some(Err(e)) => Some(ClusterRecord { error: Some(e), ..ClusterRecord::default() }),
        None => None,
    };
    timings.insert("write", t.elapsed().as_millis() as u64);
    trace_stage("write", &timings);
    let basket_record = match orders {
        Some(orders) => {
            enter(monitor, "basket")?;
            let t = Instant::now();
            let segments = match config.basket.by.as_str() {
                "" => None,
                by => Some(basket_segments(by, &schemes, config, lang, &rows, &features.customer, &orders.customers)?),
            };
            let parts = basket::Parts { recommend: true, evaluate: config.basket.evaluate };
            let analysis = basket::analyze(orders, segments, &config.basket, parts)?;
            outputs.extend(analysis.write(dir, sink, lang)?);
            timings.insert("basket", t.elapsed().as_millis() as u64);
            trace_stage("basket", &timings);
            Some(analysis.record())
        }
        None => None,
    };

    let inputs = fingerprints.wait()?;
    let customers_file = match req.customers.as_ref().and_then(Source::files) {
        Some(p) => Some(InputRecord {
            path: p.display().to_string(),
            size_bytes: std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            xxh3_128: fingerprint(p)?,
        }),
        None => None,
    };
    // model.json carries the input fingerprints, so it is written once they are known
    if let Some(clv_model) = clv_record.as_mut().and_then(|c| c.model.as_mut()) {
        if saved_clv.is_none() {
            clv_model.inputs = inputs.clone();
        }
        sink.json(&dir.join("model.json"), clv_model)?;
    }
    // the classification model: the one applied, else the one this run fitted
    let classifier = match &model {
        Some(m) => m.clone(),
        None => fitted_model(
            &classified,
            config,
            FittedRun {
                as_of: format_day(as_of),
                inputs: serde_json::to_value(&inputs).unwrap_or_default(),
                p_alive: p_alive_used,
                parts: Parts {
                    clv: clv_record.as_ref().and_then(|c| c.model.as_ref()).map(|fit| ClvPart {
                        settings: config.clv.clone(),
                        fit: fit.clone(),
                        tier: clv_tier_cuts,
                    }),
                    cluster: cluster_model,
                    matrix: matrix_used,
                    value_class: lookalike.as_ref().map(|(_, m)| m.clone()),
                    schemes: config.schemes.clone(),
                    playbook: plays.clone(),
                },
            },
        )?,
    };
    sink.json(&dir.join(crate::model::MODEL_FILE), &classifier)?;
    // the run history: record, compare with the previous run of the same configuration
    enter(monitor, "store")?;
    let history = match (&req.store, history_features) {
        (Some(path), Some(features_per_row)) => {
            let t = Instant::now();
            let (rec, _) = crate::history::record(
                path,
                crate::history::RunFacts {
                    as_of: &format_day(as_of),
                    config,
                    inputs_json: serde_json::to_string(&inputs).unwrap_or_default(),
                    rows: (quality.rows_read, quality.rows_kept, quality.rows_rejected),
                    rows_after_as_of: quality.rows_after_as_of,
                    ids: &ids,
                    schemes: &schemes,
                    segments: &segments,
                    features: features_per_row,
                    out_dir: &req.out_dir,
                    dataset: crate::history::dataset_of(config, &req.transactions),
                    model_config_hash: model.as_ref().map(|m| m.config_hash.as_str()),
                },
                dir,
                &plays,
                lang,
            )?;
            outputs.extend(rec.outputs.iter().cloned());
            timings.insert("store", t.elapsed().as_millis() as u64);
            trace_stage("store", &timings);
            Some(rec)
        }
        _ => None,
    };
    timings.insert("total", total.elapsed().as_millis() as u64);
    let n_prospects = rows.iter().filter(|r| r.is_none()).count() as u64;
    let record = RunRecord {
        tool: "custseg",
        version: env!("CARGO_PKG_VERSION"),
        as_of: AsOf::from_day(as_of),
        as_of_source,
        inputs,
        customers_file,
        counts: Counts {
            rows_read: quality.rows_read,
            rows_kept: quality.rows_kept,
            rows_rejected: quality.rows_rejected,
            rows_after_as_of: quality.rows_after_as_of,
            customers: rows.len() as u64,
            purchasers: features.len() as u64,
            prospects: n_prospects,
            not_in_master,
        },
        lifecycle: ThresholdRecord { thresholds: classified.thresholds, source: classified.threshold_source },
        rfm_cn8_centres: classified.cn8_centres,
        abc: classified.abc_summary.clone(),
        clv: clv_record,
        cluster: cluster_record,
        matrix: matrix.map(|m| m.record),
        wallet: wallet.map_or_else(|| wallet::unavailable(&config.wallet), |w| w.record),
        skipped: Skipped { schemes: skipped_schemes, crosstabs: skipped_crosstabs },
        basket: basket_record,
        config: config.clone(),
        model: model.as_ref().zip(config.run.model.as_deref()).map(|(m, p)| m.source(Path::new(p))),
        outputs,
        history,
        timings_ms: timings,
    };
    sink.json(&dir.join("run.json"), &record)?;
    let mut record = record;
    // the report reads the files back: the run's own tables go first, so the two never add up
    // to the run's peak memory
    drop((batch, schemes, stages, lookalike, classified, ids, rows, master_rows));
    drop(features);
    if let Some(write_report) = report {
        // the report is made from the files just written (as `custseg report DIR` makes it);
        // run.json is then rewritten with the report's time, which the report does not show
        let t = Instant::now();
        write_report(dir, lang, sink)?;
        record.timings_ms.insert("report", t.elapsed().as_millis() as u64);
        record.timings_ms.insert("total", total.elapsed().as_millis() as u64);
        sink.json(&dir.join("run.json"), &record)?;
    }
    Ok(RunSummary { record, quality, master: master.map(|m| m.report), segments, lang, out_dir: req.out_dir })
}

/// Logs (at debug level, `CUSTSEG_LOG=debug`) a stage's time, the process's CPU time so far (user
/// and system, all threads: the difference between two stages over their wall time is how many
/// cores the stage kept busy) and its peak resident memory so far (the stage that raised the peak
/// is the one to look at), the last two read from /proc on Linux.
fn trace_stage(stage: &str, timings: &BTreeMap<&'static str, u64>) {
    let peak_kb = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
    });
    // utime and stime, fields 14 and 15 of /proc/self/stat, in clock ticks (100 per second on
    // Linux); counted after the command name, which is in parentheses and may hold spaces
    let cpu_ms = std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| {
        let mut f = s.get(s.rfind(')')? + 2..)?.split_whitespace().skip(11);
        Some((f.next()?.parse::<u64>().ok()? + f.next()?.parse::<u64>().ok()?) * 10)
    });
    tracing::debug!(
        stage,
        ms = timings.get(stage).copied().unwrap_or(0),
        cpu_ms_so_far = cpu_ms,
        peak_rss_mb = peak_kb.map(|k| k / 1024),
        "stage done"
    );
}

fn clv_record(p: Predicted, q: &QualityReport, as_of: i32, config: &Config, saved: Option<&ClvPart>) -> ClvRecord {
    let c = &config.clv;
    let mut rec = ClvRecord {
        model: None,
        error: None,
        warnings: Vec::new(),
        horizon_months: c.horizon_months,
        discount: c.discount,
        step_days: c.step_days,
        lifetime_years: None,
        customers: 0,
        total_clv: 0.0,
        total_expected_purchases: 0.0,
    };
    match p {
        Ok((m, s)) => {
            let rows =
                RowCounts { read: q.rows_read, kept: q.rows_kept, rejected: q.rows_rejected, after_calibration: 0 };
            // a saved model's file is its fit's, inputs and all
            rec.model = Some(match saved {
                Some(p) => p.fit.clone(),
                None => ModelFile::new(c, as_of, &m, Vec::new(), rows),
            });
            rec.warnings = m.warnings;
            rec.lifetime_years = Some(s.lifetime_years);
            rec.customers = s.p_alive.iter().flatten().count() as u64;
            rec.total_clv = s.clv.iter().flatten().sum();
            rec.total_expected_purchases = s.expected_purchases.iter().flatten().sum();
        }
        Err(e) => rec.error = Some(e),
    }
    if c.lifecycle == LifecycleBasis::PAlive && rec.model.is_none() {
        rec.warnings.push(Msg::new("lifecycle_recency_fallback"));
    }
    rec
}

/// The classes of scheme `by` among a run's schemes for the customers of some baskets, named in
/// `lang`.
///
/// # Errors
/// [`EngineError::Invalid`] when no scheme of the run has that id.
pub(crate) fn basket_segments(
    by: &str,
    schemes: &[crate::classify::Scheme],
    config: &Config,
    lang: Lang,
    rows: &[Option<usize>],
    purchasers: &[String],
    customers: &[String],
) -> Result<Segments> {
    let Some(k) = schemes.iter().position(|s| s.id == by) else {
        let known: Vec<&str> = schemes.iter().map(|s| s.id.as_str()).collect();
        return Err(EngineError::Invalid(format!(
            "[basket] by = \"{by}\" is not a scheme of this run; it has: {}",
            known.join(", ")
        )));
    };
    let labels = crate::history::scheme_labels(&schemes[k..=k], config);
    let names =
        labels.first().map(|l| l.labels.iter().map(|(_, n)| n.get(lang).to_string()).collect()).unwrap_or_default();
    Ok(Segments::of_scheme(&schemes[k], names, rows, purchasers, customers))
}
