//! The one pipeline the CLI (and later the server) calls: ingest -> features -> master join ->
//! classifiers -> outputs. Every stage is timed; every output is written atomically.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use custseg_core::Lang;
use custseg_core::abc::AbcSummary;
use custseg_data::features::{Present, aggregate};
use custseg_data::ingest::{Progress, ingest};
use custseg_data::mapping::Role;
use custseg_data::master::{Master, MasterReport, read_master};
use custseg_data::parse::format_day;
use custseg_data::quality::QualityReport;
use custseg_data::sink::{write_csv, write_json, write_parquet};
use custseg_data::source::fingerprint;
use serde::Serialize;

use crate::classify::{ThresholdRecord, classify, lifecycle_stages, schemes};
use crate::config::{Config, parse_as_of};
use crate::error::{EngineError, Result};
use crate::output::{SegmentRow, customers_table, segment_rows, segments_table};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Transaction file or directory.
    pub transactions: PathBuf,
    /// Optional customer master file.
    pub customers: Option<PathBuf>,
    /// The checked configuration.
    pub config: Config,
    /// Output directory (created if missing).
    pub out_dir: PathBuf,
    /// Row counter for a progress display.
    pub progress: Option<Progress>,
}

/// An input as recorded in run.json.
#[derive(Debug, Clone, Serialize)]
pub struct InputRecord {
    /// Path as given.
    pub path: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// xxh3-128 of the bytes, hex.
    pub xxh3_128: String,
}

/// Row and customer counts.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    /// Transaction rows read.
    pub rows_read: u64,
    /// Rows kept.
    pub rows_kept: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
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
    /// As-of date used (ISO).
    pub as_of: String,
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
    /// The effective configuration.
    pub config: Config,
    /// Files written.
    pub outputs: Vec<String>,
    /// Wall time per stage, milliseconds (the only field that varies between identical runs).
    pub timings_ms: BTreeMap<&'static str, u64>,
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

/// Names of the files a run writes, in order.
pub const OUTPUTS: [&str; 6] =
    ["customers.csv", "customers.parquet", "segments.csv", "quality.json", "rejects.csv", "run.json"];

/// Runs the whole job on a fresh multi-threaded runtime.
///
/// # Errors
/// See [`EngineError`].
pub fn run(req: RunRequest) -> Result<RunSummary> {
    runtime(req.config.run.threads)?.block_on(run_async(req))
}

pub(crate) fn runtime(threads: usize) -> Result<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if threads > 0 {
        b.worker_threads(threads);
    }
    b.enable_all().build().map_err(|e| EngineError::Invalid(format!("cannot start the runtime: {e}")))
}

fn fingerprint_all(paths: Vec<(String, PathBuf, u64)>) -> std::thread::JoinHandle<Vec<Result<InputRecord>>> {
    std::thread::spawn(move || {
        paths
            .into_iter()
            .map(|(path, p, size_bytes)| Ok(InputRecord { path, size_bytes, xxh3_128: fingerprint(&p)? }))
            .collect()
    })
}

/// The async pipeline.
///
/// # Errors
/// See [`EngineError`].
pub async fn run_async(req: RunRequest) -> Result<RunSummary> {
    req.config.check()?;
    // the language is resolved once and recorded, so run.json says what the names were made in
    let lang = req.config.run.lang.unwrap_or_else(Lang::from_env);
    let mut effective = req.config.clone();
    effective.run.lang = Some(lang);
    let config = &effective;
    let mut timings: BTreeMap<&'static str, u64> = BTreeMap::new();
    let total = Instant::now();
    std::fs::create_dir_all(&req.out_dir).map_err(|e| {
        EngineError::Data(custseg_data::DataError::Io {
            action: "create directory",
            path: req.out_dir.clone(),
            source: e,
        })
    })?;
    let ctx = custseg_data::session(config.run.threads);
    let as_of_given = config.run.as_of.as_deref().map(parse_as_of).transpose()?;

    let t = Instant::now();
    let input = ingest(
        &ctx,
        &req.transactions,
        &config.input.ingest_options(),
        as_of_given,
        &req.out_dir,
        req.progress.clone(),
    )
    .await?;
    timings.insert("ingest", t.elapsed().as_millis() as u64);
    // fingerprints run on their own thread while the rest of the pipeline works
    let fp =
        fingerprint_all(input.files.iter().map(|f| (f.path.clone(), PathBuf::from(&f.path), f.size_bytes)).collect());

    let rejects_path = req.out_dir.join("rejects.csv");
    let t = Instant::now();
    write_csv(&rejects_path, &input.reject_schema, &input.rejects)?;
    timings.insert("rejects", t.elapsed().as_millis() as u64);
    let t = Instant::now();
    let quality = input.quality.clone();
    if config.run.strict && quality.rows_rejected > 0 {
        return Err(EngineError::Strict {
            rejected: quality.rows_rejected,
            read: quality.rows_read,
            rejects: rejects_path,
        });
    }
    if quality.rows_kept == 0 {
        return Err(EngineError::NothingKept {
            rejected: quality.rows_rejected,
            read: quality.rows_read,
            rejects: rejects_path,
        });
    }
    let (as_of, as_of_source) = match as_of_given {
        Some(a) => (a, "given"),
        None => (input.max_day.unwrap_or(0) + 1, "derived"),
    };
    let present = Present {
        order_id: input.column_map.get(Role::OrderId).is_some(),
        category: input.column_map.get(Role::Category).is_some(),
        channel: input.column_map.get(Role::Channel).is_some(),
    };
    let features = aggregate(&ctx, input.kept, &input.names, present, as_of).await?;
    timings.insert("features", t.elapsed().as_millis() as u64);

    let t = Instant::now();
    let master = match &req.customers {
        Some(p) => {
            Some(read_master(&ctx, p, &config.input.ingest_options().csv, &config.input.map, &req.out_dir).await?)
        }
        None => None,
    };
    // output rows: purchasers and prospects, sorted by id (features are already sorted)
    let Layout { rows, ids, master_rows, not_in_master } = layout(&features.customer, master.as_ref());
    timings.insert("customers_file", t.elapsed().as_millis() as u64);

    let t = Instant::now();
    let classified = classify(&features, config)?;
    let stages = lifecycle_stages(&features, &rows, &classified.thresholds);
    let schemes = schemes(&classified, &stages, &rows, &config.rfm.segments);
    let segments = segment_rows(&features, &schemes, &rows, lang, &config.rfm.segments);
    timings.insert("classify", t.elapsed().as_millis() as u64);

    let t = Instant::now();
    let customers = customers_table(
        &features,
        &classified,
        &schemes,
        &rows,
        &ids,
        master.as_ref().map(|m| (m, master_rows.as_slice())),
    );
    let batch = customers.to_batch()?;
    write_csv(&req.out_dir.join("customers.csv"), &batch.schema(), std::slice::from_ref(&batch))?;
    write_parquet(&req.out_dir.join("customers.parquet"), batch.schema(), std::slice::from_ref(&batch))?;
    let seg = segments_table(&segments).to_batch()?;
    write_csv(&req.out_dir.join("segments.csv"), &seg.schema(), std::slice::from_ref(&seg))?;
    write_json(
        &req.out_dir.join("quality.json"),
        &QualityFile { transactions: &quality, customers_file: master.as_ref().map(|m| &m.report) },
    )?;
    timings.insert("write", t.elapsed().as_millis() as u64);

    let inputs = fp
        .join()
        .map_err(|_| EngineError::Invalid("fingerprint thread failed".into()))?
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let customers_file = match &req.customers {
        Some(p) => Some(InputRecord {
            path: p.display().to_string(),
            size_bytes: std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            xxh3_128: fingerprint(p)?,
        }),
        None => None,
    };
    timings.insert("total", total.elapsed().as_millis() as u64);
    let n_prospects = rows.iter().filter(|r| r.is_none()).count() as u64;
    let record = RunRecord {
        tool: "custseg",
        version: env!("CARGO_PKG_VERSION"),
        as_of: format_day(as_of),
        as_of_source,
        inputs,
        customers_file,
        counts: Counts {
            rows_read: quality.rows_read,
            rows_kept: quality.rows_kept,
            rows_rejected: quality.rows_rejected,
            customers: rows.len() as u64,
            purchasers: features.len() as u64,
            prospects: n_prospects,
            not_in_master,
        },
        lifecycle: ThresholdRecord { thresholds: classified.thresholds, source: classified.threshold_source },
        rfm_cn8_centres: classified.cn8_centres,
        abc: classified.abc_summary.clone(),
        config: config.clone(),
        outputs: OUTPUTS.iter().map(|s| s.to_string()).collect(),
        timings_ms: timings,
    };
    write_json(&req.out_dir.join("run.json"), &record)?;
    Ok(RunSummary { record, quality, master: master.map(|m| m.report), segments, lang, out_dir: req.out_dir })
}

/// The rows of customers.csv.
struct Layout<'a> {
    /// Per row: the feature index of a purchaser, `None` for a prospect.
    rows: Vec<Option<usize>>,
    /// Per row: the customer id.
    ids: Vec<&'a str>,
    /// Per row: the index in the master file, if there.
    master_rows: Vec<Option<usize>>,
    /// Purchasers missing from the master file.
    not_in_master: u64,
}

/// Merges purchasers (sorted ids) with master-file prospects into one id-sorted list of rows.
fn layout<'a>(customers: &'a [String], master: Option<&'a Master>) -> Layout<'a> {
    let Some(m) = master else {
        return Layout {
            rows: (0..customers.len()).map(Some).collect(),
            ids: customers.iter().map(String::as_str).collect(),
            master_rows: vec![None; customers.len()],
            not_in_master: 0,
        };
    };
    let index = m.index();
    let known: std::collections::HashSet<&str> = customers.iter().map(String::as_str).collect();
    let mut prospects: Vec<&str> = m.ids.iter().map(String::as_str).filter(|id| !known.contains(id)).collect();
    prospects.sort_unstable();
    let mut rows = Vec::with_capacity(customers.len() + prospects.len());
    let mut ids = Vec::with_capacity(rows.capacity());
    let (mut i, mut j) = (0, 0);
    while i < customers.len() || j < prospects.len() {
        if j >= prospects.len() || (i < customers.len() && customers[i].as_str() < prospects[j]) {
            rows.push(Some(i));
            ids.push(customers[i].as_str());
            i += 1;
        } else {
            rows.push(None);
            ids.push(prospects[j]);
            j += 1;
        }
    }
    let master_rows: Vec<Option<usize>> = ids.iter().map(|id| index.get(id).copied()).collect();
    let not_in_master = rows.iter().zip(&master_rows).filter(|(r, m)| r.is_some() && m.is_none()).count() as u64;
    Layout { rows, ids, master_rows, not_in_master }
}
