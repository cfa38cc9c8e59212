//! Reading a transaction input: discover files, map columns, detect the date format, clean every
//! row in parallel over the partitions of a DataFusion scan, then find exact duplicates.
//!
//! Row numbers without a serial scan: DataFusion splits a file into byte ranges, one partition
//! each, in file order, and each partition streams its rows in order. Each partition numbers its
//! own rows from 1; once all are done, partition `p` starts after the rows of partitions `< p`,
//! which gives every reject its exact line. This holds only when the plan is a bare scan (no
//! repartitioning between scan and us): [`scan_plan`] checks that and otherwise reads the file as
//! one partition.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use custseg_core::catalog::Msg;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray, UInt32Array, UInt64Array};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::{DataType, Field, Int32Type, Int64Type, Schema, SchemaRef, UInt32Type, UInt64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::context::SessionContext;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties, displayable};
use datafusion::prelude::{CsvReadOptions, DataFrame, JsonReadOptions, ParquetReadOptions};
use futures::StreamExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::clean::{
    CleanRules, Cleaner, Dictionaries, Dictionary, HASH_BUCKETS, KeptLocals, POS_BITS, PartitionState, RowHash,
    RowHashes, StoredHash, duplicate_rejects, partition_reject_schema, text_columns, text_schema,
};
use crate::csv_scan;
use crate::error::{DataError, Result};
use crate::json_lines;
use crate::mapping::{ColumnMap, Role};
use crate::number_format::{NumberFormat, detect_number_format};
use crate::parse::{DateFormat, MONEY_SCALE, detect_date_format, format_day};
use crate::quality::{FileReport, QualityReport, RejectReason, RowRef};
use crate::source::{self, CsvOptions, Format, SourceFile};

/// How to read and clean a transaction input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestOptions {
    /// CSV encoding and delimiter.
    #[serde(flatten)]
    pub csv: CsvOptions,
    /// Explicit `role = "column"` mapping; overrides detection.
    pub map: BTreeMap<String, String>,
    /// Date layout (`iso`, `yyyymmdd`, `ymd`, `chinese`, `dmy`, `mdy`, or a chrono pattern);
    /// detected when unset.
    pub date_format: Option<String>,
    /// The decimal mark of amounts, quantities and prices (`.` or `,`); decided per column from
    /// the values when unset.
    pub decimal: Option<String>,
    /// Cleaning rules.
    #[serde(flatten)]
    pub rules: CleanRules,
}

/// An input file as recorded in the run record.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    /// Path as given.
    pub path: String,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// The global dictionaries of the kept rows' codes, each sorted by name (byte order), so a
/// code's order is its name's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    /// Customer ids; the `customer` code indexes this.
    pub customers: Vec<String>,
    /// Categories.
    pub categories: Vec<String>,
    /// Channels.
    pub channels: Vec<String>,
    /// Products (the basket analysis's items).
    pub products: Vec<String>,
}

/// The result of reading one input.
#[derive(Debug)]
pub struct Ingested {
    /// Kept transactions in [`crate::clean::kept_schema`], as partitions for a `MemTable`, with
    /// codes into `names`.
    pub kept: Vec<Vec<RecordBatch>>,
    /// What the codes stand for.
    pub names: Names,
    /// Rejected rows: `file, line, reason, column, value`, then the original columns as text;
    /// ordered by file, then line.
    pub rejects: Vec<RecordBatch>,
    /// Schema of `rejects`.
    pub reject_schema: SchemaRef,
    /// The quality report.
    pub quality: QualityReport,
    /// Last kept transaction day (days since 1970-01-01).
    pub max_day: Option<i32>,
    /// The files read.
    pub files: Vec<InputFile>,
    /// Roles present in the data.
    pub column_map: ColumnMap,
}

/// Counter of rows read so far, for a progress display.
pub type Progress = Arc<AtomicU64>;

/// What the first file of an input fixes for the others: its path, columns, mapping, date
/// format and cleaner.
type FirstFile = (PathBuf, Vec<String>, ColumnMap, DateFormat, Arc<Cleaner>);

/// Reads and cleans every file at `path`.
///
/// `as_of`, when given, rejects rows dated after it. `temp_dir` holds transcoded copies of GBK
/// input while they are read.
///
/// # Errors
/// Hard errors only (unreadable files, missing columns, undetectable date formats, files with no
/// rows); bad rows are rejects.
pub async fn ingest(
    ctx: &SessionContext,
    path: &Path,
    options: &IngestOptions,
    as_of: Option<i32>,
    temp_dir: &Path,
    progress: Option<Progress>,
) -> Result<Ingested> {
    ingest_with(ctx, path, options, as_of, temp_dir, progress, &|_| Ok(())).await
}

/// [`ingest`], calling `on_mapping` with the first file's column mapping before any row is
/// read: an `Err(message)` from it stops the ingest with [`DataError::Stopped`] (the caller's
/// own check, e.g. rules over columns the input lacks).
///
/// # Errors
/// As [`ingest`], and [`DataError::Stopped`].
pub async fn ingest_with(
    ctx: &SessionContext,
    path: &Path,
    options: &IngestOptions,
    as_of: Option<i32>,
    temp_dir: &Path,
    progress: Option<Progress>,
    on_mapping: &(dyn Fn(&ColumnMap) -> std::result::Result<(), String> + Send + Sync),
) -> Result<Ingested> {
    let found = source::discover(path)?;
    let user_format = options.date_format.as_deref().map(DateFormat::from_user).transpose()?;
    let user_decimal = options.decimal.as_deref().map(NumberFormat::from_user).transpose()?;
    let mut first: Option<FirstFile> = None;
    let mut per_file = Vec::new();
    let mut reports = Vec::new();
    let mut files = Vec::new();
    for (file_path, format) in &found {
        let mut src = source::open(file_path, *format, &options.csv, temp_dir)?;
        // CSV is read by our own scanner (see `csv_scan` for why); DataFusion reads the rest
        // and JSON lines by ours too (see `json_lines`), one bad value one bad row
        let fast = src.format == Format::Csv && csv_scan::supports(&src)?;
        let json =
            if src.format == Format::Json && json_lines::supports(&src) { Some(json_lines::read(&src)?) } else { None };
        let df = if fast || json.is_some() { None } else { Some(read(ctx, &src).await?) };
        if let Some(t) = &json {
            src.columns = t.columns.clone();
        }
        if let Some(df) = &df
            && src.columns.is_empty()
        {
            src.columns = df.schema().fields().iter().map(|f| f.name().clone()).collect();
        }
        let cleaner = match &first {
            None => {
                let map = ColumnMap::resolve(&src.columns, &options.map, file_path)?;
                on_mapping(&map).map_err(DataError::Stopped)?;
                let (date_format, numbers) =
                    detect_formats(df.as_ref(), json.as_ref(), &src, &map, user_format.as_ref(), user_decimal).await?;
                let cleaner = Arc::new(
                    Cleaner::new(&src.columns, &map, date_format.clone(), options.rules.clone(), as_of)
                        .with_number_formats(&numbers),
                );
                first = Some((file_path.clone(), src.columns.clone(), map, date_format, cleaner.clone()));
                cleaner
            }
            Some((first_path, columns, map, date_format, first_cleaner)) => {
                let mut a = columns.clone();
                let mut b = src.columns.clone();
                a.sort();
                b.sort();
                if a != b {
                    return Err(DataError::SchemaMismatch {
                        path: file_path.clone(),
                        first: first_path.clone(),
                        expected: columns.join(", "),
                        found: src.columns.join(", "),
                    });
                }
                // the first file's decimal marks, by column name (the files' columns may be in
                // another order)
                let numbers: Vec<(usize, NumberFormat)> = first_cleaner
                    .number_formats()
                    .into_iter()
                    .filter_map(|(name, f)| src.columns.iter().position(|c| *c == name).map(|i| (i, f)))
                    .collect();
                Arc::new(
                    Cleaner::new(&src.columns, map, date_format.clone(), options.rules.clone(), as_of)
                        .with_number_formats(&numbers),
                )
            }
        };
        let t0 = std::time::Instant::now();
        let (states, csv_plan) = match df {
            Some(df) => {
                let plan = scan_plan(ctx, &src, df).await?;
                (clean_partitions(ctx, plan, &cleaner, &src.path, progress.clone())?, None)
            }
            None if let Some(t) = &json => (vec![t.clean(&cleaner, progress.as_ref())?], None),
            None => {
                let parts = ctx.copied_config().target_partitions();
                let (states, plan) = csv_scan::clean(&src, &cleaner, parts, progress.clone())?;
                (states, Some(plan))
            }
        };
        tracing::debug!(ms = t0.elapsed().as_millis() as u64, "scan and clean");
        let rows: u64 = states.iter().map(|s| s.rows).sum();
        if rows == 0 {
            return Err(DataError::NoDataRows { path: file_path.clone() });
        }
        files.push(InputFile { path: file_path.display().to_string(), size_bytes: src.size_bytes });
        reports.push(FileReport {
            path: file_path.display().to_string(),
            format: src.format,
            encoding: src.encoding,
            encoding_note: src.encoding_note.clone(),
            bom: src.bom,
            delimiter: (src.format == Format::Csv).then(|| delimiter_name(src.delimiter)),
            size_bytes: src.size_bytes,
            rows_read: rows,
            rows_kept: 0,
            rows_rejected: 0,
            rows_after_as_of: 0,
        });
        per_file.push(FileScan { src, states, csv_plan, json });
    }
    let Some((_, columns, column_map, date_format, cleaner)) = first else {
        return Err(DataError::NoFiles { path: path.to_path_buf() });
    };
    merge(ctx, per_file, reports, files, &columns, column_map, date_format, &cleaner, &options.rules).await
}

/// Rows sampled from the start of the first file to detect its date layout and decimal marks.
const SAMPLE_ROWS: usize = 2000;

/// The date layout and the decimal mark of each number column of the first file: given, or
/// decided from the values of its first [`SAMPLE_ROWS`] rows.
async fn detect_formats(
    df: Option<&DataFrame>,
    json: Option<&json_lines::JsonTable>,
    src: &SourceFile,
    map: &ColumnMap,
    user_date: Option<&DateFormat>,
    user_decimal: Option<NumberFormat>,
) -> Result<(DateFormat, Vec<(usize, NumberFormat)>)> {
    let index = |name: &str| src.columns.iter().position(|c| c == name);
    let date_col = map.get(Role::Date).unwrap_or_default().to_string();
    let number_cols: Vec<String> = match map.get(Role::Amount) {
        Some(a) => vec![a.to_string()],
        None => [Role::Quantity, Role::UnitPrice].iter().filter_map(|r| map.get(*r)).map(str::to_string).collect(),
    };
    let mut wanted: Vec<String> = Vec::new();
    if user_date.is_none() {
        wanted.push(date_col.clone());
    }
    if user_decimal.is_none() {
        wanted.extend(number_cols.iter().cloned());
    }
    let samples: Vec<Vec<String>> = match df {
        _ if wanted.is_empty() => Vec::new(),
        _ if let Some(t) = json => {
            let cols: Vec<usize> = wanted.iter().map(|c| index(c).unwrap_or(0)).collect();
            t.sample(&cols, SAMPLE_ROWS)
        }
        Some(df) => {
            let mut out = Vec::new();
            for c in &wanted {
                out.push(sample_column(df, c, &src.path).await?);
            }
            out
        }
        None => {
            let cols: Vec<usize> = wanted.iter().map(|c| index(c).unwrap_or(0)).collect();
            csv_scan::sample(src, &cols, SAMPLE_ROWS)?
        }
    };
    let of = |name: &str| -> Vec<&str> {
        wanted
            .iter()
            .position(|c| c == name)
            .map(|k| samples[k].iter().map(String::as_str).collect())
            .unwrap_or_default()
    };
    let date_format = match user_date {
        Some(f) => f.clone(),
        None => detect_date_format(&of(&date_col), &src.path, &date_col)?,
    };
    let mut numbers = Vec::new();
    for c in &number_cols {
        let format = match user_decimal {
            Some(f) => f,
            None => detect_number_format(&of(c), &src.path, c)?,
        };
        if let Some(i) = index(c) {
            numbers.push((i, format));
        }
    }
    Ok((date_format, numbers))
}

fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        other => (other as char).to_string(),
    }
}

/// A DataFrame over one file: CSV with every column as text (cleaning converts), Parquet and
/// JSON with their own types.
async fn read(ctx: &SessionContext, src: &SourceFile) -> Result<DataFrame> {
    let path = src.read_path.to_str().ok_or_else(|| DataError::Unreadable {
        path: src.path.clone(),
        message: "the path is not valid UTF-8".into(),
    })?;
    let ext = src.read_path.extension().and_then(|e| e.to_str()).map(|e| format!(".{e}")).unwrap_or_default();
    let context = format!("cannot read {}", src.path.display());
    match src.format {
        Format::Csv => {
            let schema = text_schema(&src.columns);
            let opts = CsvReadOptions::new()
                .has_header(true)
                .delimiter(src.delimiter)
                .schema(&schema)
                .file_extension(&ext)
                .truncated_rows(true);
            ctx.read_csv(path, opts).await.map_err(DataError::engine(context))
        }
        Format::Parquet => {
            let opts = ParquetReadOptions { file_extension: &ext, ..Default::default() };
            ctx.read_parquet(path, opts).await.map_err(DataError::engine(context))
        }
        Format::Json => {
            let array = source::first_non_space(&src.read_path) == Some(b'[');
            let opts = JsonReadOptions { file_extension: &ext, newline_delimited: !array, ..Default::default() };
            ctx.read_json(path, opts).await.map_err(DataError::engine(context))
        }
    }
}

/// Up to 1,000 values of `column` as text, for date-format detection.
async fn sample_column(df: &DataFrame, column: &str, path: &Path) -> Result<Vec<String>> {
    let context = || format!("cannot read {}", path.display());
    let batches = df
        .clone()
        .select_columns(&[column])
        .and_then(|d| d.limit(0, Some(SAMPLE_ROWS)))
        .map_err(DataError::engine(context()))?
        .collect()
        .await
        .map_err(DataError::engine(context()))?;
    let mut out = Vec::new();
    for b in batches {
        let text = text_columns(&b)?;
        out.extend(text[0].as_string::<i32>().iter().flatten().map(str::to_string));
    }
    Ok(out)
}

/// The physical plan of a bare scan whose partitions are consecutive ranges of the file.
async fn scan_plan(ctx: &SessionContext, src: &SourceFile, df: DataFrame) -> Result<Arc<dyn ExecutionPlan>> {
    let context = || format!("cannot plan a scan of {}", src.path.display());
    let plan = df.create_physical_plan().await.map_err(DataError::engine(context()))?;
    let text = displayable(plan.as_ref()).indent(false).to_string();
    if text.contains("RepartitionExec")
        || text.contains("CoalesceBatchesExec")
        || text.contains("SortPreservingMergeExec")
    {
        // not a bare scan: read it as one ordered partition instead
        let single = SessionContext::new_with_config(
            ctx.copied_config().with_target_partitions(1).with_repartition_file_scans(false),
        );
        let df = read(&single, src).await?;
        return df.create_physical_plan().await.map_err(DataError::engine(context()));
    }
    Ok(plan)
}

/// Runs `cleaner` over every partition of `plan` in parallel: one thread per core takes the
/// partitions in turn ([`crate::workers`]: threads that end with the scan, so the memory of the
/// kept rows they allocate is reused once freed).
fn clean_partitions(
    ctx: &SessionContext,
    plan: Arc<dyn ExecutionPlan>,
    cleaner: &Cleaner,
    path: &Path,
    progress: Option<Progress>,
) -> Result<Vec<PartitionState>> {
    let n = plan.output_partitioning().partition_count();
    let context = format!("cannot read {}", path.display());
    let threads = ctx.copied_config().target_partitions();
    crate::workers::in_turn(threads, (0..n).collect(), "the scan", |rt, p| {
        rt.block_on(async {
            let mut stream = plan.execute(p, ctx.task_ctx()).map_err(DataError::engine("cannot start the scan"))?;
            let mut state = PartitionState::default();
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(DataError::engine(context.clone()))?;
                cleaner.process(&batch, &mut state)?;
                if let Some(p) = &progress {
                    p.fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
                }
            }
            Ok(state)
        })
    })
}

/// One file's cleaned partitions, and for CSV read by `csv_scan` where its ranges were.
struct FileScan {
    src: SourceFile,
    states: Vec<PartitionState>,
    csv_plan: Option<csv_scan::CsvPlan>,
    /// A JSON-lines file's rows (one partition), kept to re-read rows set aside.
    json: Option<json_lines::JsonTable>,
}

/// Global position of a kept row: file, partition (8 bits), local row (the [`POS_BITS`] a row
/// hash keeps), packed for sorting.
fn pack(file: usize, partition: usize, local: u64) -> u64 {
    ((file as u64) << (POS_BITS + 8)) | ((partition as u64) << POS_BITS) | local
}

fn unpack(key: u64) -> (usize, usize, u64) {
    ((key >> (POS_BITS + 8)) as usize, ((key >> POS_BITS) & 0xFF) as usize, key & ((1 << POS_BITS) - 1))
}

#[allow(clippy::too_many_arguments)]
async fn merge(
    ctx: &SessionContext,
    mut per_file: Vec<FileScan>,
    mut reports: Vec<FileReport>,
    files: Vec<InputFile>,
    columns: &[String],
    column_map: ColumnMap,
    date_format: DateFormat,
    cleaner: &Cleaner,
    rules: &CleanRules,
) -> Result<Ingested> {
    // line of local row 1 of each partition, minus one
    let offsets: Vec<Vec<u64>> = per_file
        .iter()
        .map(|FileScan { src, states, .. }| {
            let header = u64::from(src.format == Format::Csv);
            let mut acc = header;
            states
                .iter()
                .map(|s| {
                    let o = acc;
                    acc += s.lines;
                    o
                })
                .collect()
        })
        .collect();
    let line_of = |file: usize, partition: usize, local: u64| offsets[file][partition] + local;

    // exact duplicates: identical in every column to an earlier row
    let t0 = std::time::Instant::now();
    // bucket by bucket (a duplicate has its original's hash, so the same bucket), in parallel
    let found: Vec<(Vec<u64>, u64)> = (0..HASH_BUCKETS)
        .into_par_iter()
        .map(|b| {
            let mut chunks: Vec<(u64, &[StoredHash])> = Vec::new();
            for (f, file) in per_file.iter().enumerate() {
                for (p, s) in file.states.iter().enumerate() {
                    chunks.extend(s.hashes.bucket_chunks(b).map(|c| (pack(f, p, 0), c)));
                }
            }
            bucket_duplicates(&chunks)
        })
        .collect();
    for file in &mut per_file {
        for s in &mut file.states {
            s.hashes = RowHashes::default();
        }
    }
    let duplicate_groups: u64 = found.iter().map(|(_, g)| g).sum();
    let mut duplicates: Vec<u64> = found.into_iter().flat_map(|(d, _)| d).collect();
    duplicates.sort_unstable();
    let reject_duplicates = cleaner.has_order_id() || rules.dedupe;
    tracing::debug!(ms = t0.elapsed().as_millis() as u64, "duplicates found");

    // rows dated far after the rest: with no explicit as-of they would decide it (a typo year
    // gave every other customer decades of recency), so they are set aside with their reason
    // kept rows per day, over every partition (rows set aside below are taken off)
    let mut days: BTreeMap<i32, u64> = BTreeMap::new();
    for s in per_file.iter().flat_map(|f| &f.states) {
        for (d, n) in s.days.iter() {
            *days.entry(d).or_insert(0) += n;
        }
    }
    let outlier_after = match cleaner.as_of() {
        Some(_) => None,
        None => outlier_threshold(&days),
    };
    let mut outliers: Vec<u64> = Vec::new();
    if let Some(last_regular) = outlier_after {
        for (f, file) in per_file.iter().enumerate() {
            for (p, s) in file.states.iter().enumerate() {
                for (b, l) in s.kept.iter().zip(&s.kept_locals) {
                    let day = b.column(1).as_primitive::<Int32Type>();
                    let late = day.values().iter().enumerate().filter(|(_, d)| **d > last_regular);
                    outliers.extend(late.map(|(i, _)| pack(f, p, l.get(i))));
                }
            }
        }
        outliers.sort_unstable();
        // such a row is set aside as an outlier, not as a duplicate (that reason comes first)
        duplicates.retain(|k| outliers.binary_search(k).is_err());
    }

    let mut by_reason: BTreeMap<&'static str, u64> =
        RejectReason::ALL.iter().filter(|r| **r != RejectReason::DateAfterAsOf).map(|r| (r.id(), 0)).collect();
    let mut quality_warnings = Vec::new();
    let mut dup_examples = Vec::new();
    let mut duplicate_rows_kept = 0;
    // rows kept by the cleaner and rejected here: duplicates (where they are errors) and outliers
    let mut set_aside: Vec<(usize, usize, u64)> = outliers.iter().map(|&k| unpack(k)).collect();
    if reject_duplicates {
        set_aside.extend(duplicates.iter().map(|&k| unpack(k)));
    }
    // the days of the rows set aside, taken off the day counts below
    let mut removed_days: BTreeMap<i32, u64> = BTreeMap::new();
    if !set_aside.is_empty() {
        let mut by_part: HashMap<(usize, usize), HashSet<u64>> = HashMap::new();
        for &(f, p, l) in &set_aside {
            by_part.entry((f, p)).or_default().insert(l);
        }
        for ((f, p), locals) in &by_part {
            let state = &mut per_file[*f].states[*p];
            let mut kept = Vec::with_capacity(state.kept.len());
            let mut kept_locals = Vec::with_capacity(state.kept.len());
            let batches = std::mem::take(&mut state.kept);
            let batch_locals = std::mem::take(&mut state.kept_locals);
            for (b, l) in batches.iter().zip(&batch_locals) {
                let (b, l) = drop_locals(b, l, locals, state, &mut removed_days)?;
                if b.num_rows() > 0 {
                    kept.push(b);
                    kept_locals.push(l);
                }
            }
            (state.kept, state.kept_locals) = (kept, kept_locals);
        }
    }
    if reject_duplicates {
    } else if !duplicates.is_empty() {
        duplicate_rows_kept = duplicates.len() as u64;
        for &k in duplicates.iter().take(10) {
            let (f, p, l) = unpack(k);
            dup_examples.push(RowRef {
                file: per_file[f].src.path.display().to_string(),
                line: line_of(f, p, l),
                value: String::new(),
            });
        }
        quality_warnings
            .push(Msg::new("duplicate_rows_kept").arg("rows", duplicates.len()).arg("groups", duplicate_groups));
    }

    // rejects in file and line order, with the original columns in the first file's order
    let mut reject_fields = vec![
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::UInt64, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("column", DataType::Utf8, true),
        Field::new("value", DataType::Utf8, true),
    ];
    reject_fields.extend(columns.iter().map(|c| Field::new(c, DataType::Utf8, true)));
    let reject_schema = Arc::new(Schema::new(reject_fields));
    let mut rejects = Vec::new();
    let mut kept_parts = Vec::new();
    let mut dicts = Vec::new();
    // for each kept part, the index in `dicts` of the dictionaries its codes index
    let mut dict_of = Vec::new();
    let mut returns_rows = 0;
    let mut returns_units = 0i64;
    let mut zero_kept = 0;
    let mut latest: Vec<(i32, usize, u64, String)> = Vec::new();
    // rows set aside to re-read: file -> partition -> local rows
    let mut dup_by_file: BTreeMap<usize, HashMap<usize, HashSet<u64>>> = BTreeMap::new();
    for &(f, p, l) in &set_aside {
        dup_by_file.entry(f).or_default().entry(p).or_default().insert(l);
    }
    let outlier_set: HashSet<u64> = outliers.iter().copied().collect();
    let (date_idx, date_name) = cleaner.date_column();
    for (f, FileScan { src, states, csv_plan, json }) in per_file.into_iter().enumerate() {
        let file_name = src.path.display().to_string();
        // the file's partitions' dictionaries start here in `dicts`
        let dict_base = dicts.len();
        let mut rejected = 0u64;
        let dup_raw = match (dup_by_file.get(&f), &csv_plan) {
            (Some(wanted), _) if let Some(t) = &json => match wanted.get(&0) {
                Some(lines) => t.collect_rows(lines)?.map(|b| HashMap::from([(0, b)])).unwrap_or_default(),
                None => HashMap::new(),
            },
            (Some(wanted), Some(plan)) => csv_scan::collect_rows(&src, plan, wanted)?,
            (Some(wanted), None) => collect_rows(ctx, &src, wanted).await?,
            (None, _) => HashMap::new(),
        };
        let mut after = 0u64;
        for (p, mut s) in states.into_iter().enumerate() {
            for (i, n) in s.by_reason.iter().enumerate() {
                // rows after an explicit as-of date are not bad data: counted apart
                if RejectReason::ALL[i] == RejectReason::DateAfterAsOf {
                    after += n;
                    continue;
                }
                *by_reason.entry(RejectReason::ALL[i].id()).or_insert(0) += n;
                rejected += n;
            }
            returns_rows += s.returns_rows;
            returns_units += s.returns_units;
            zero_kept += s.zero_kept;
            latest.extend(s.latest.drain(..).map(|(d, l, t)| (d, f, line_of(f, p, l), t)));
            // this partition's rejects and the rows set aside, merged by line
            let mut batches: Vec<RecordBatch> =
                s.rejects.drain(..).map(|b| without_reason(&b, RejectReason::DateAfterAsOf)).collect::<Result<_>>()?;
            let set_aside_rows = match dup_raw.get(&p) {
                Some(b) => Some(label_outliers(b, |l| outlier_set.contains(&pack(f, p, l)), date_idx, date_name)?),
                None => None,
            };
            if let Some(b) = &set_aside_rows {
                batches.push(b.clone());
            }
            for b in &batches {
                rejects.push(reject_rows(b, &file_name, offsets[f][p], columns, &reject_schema)?);
            }
            if let Some(b) = &set_aside_rows {
                rejected += b.num_rows() as u64;
                let reasons = b.column_by_name("_reason").map(|c| c.as_string::<i32>().clone());
                for reason in reasons.iter().flat_map(|r| r.iter().flatten()) {
                    let id = RejectReason::ALL.iter().find(|r| r.id() == reason).map_or("", |r| r.id());
                    *by_reason.entry(id).or_insert(0) += 1;
                }
            }
            kept_parts.push(std::mem::take(&mut s.kept));
            dict_of.push(dict_base + s.codes_in.unwrap_or(p));
            dicts.push(PartDictionaries { dicts: std::mem::take(&mut s.dicts), stray_names: s.stray_names });
        }
        reports[f].rows_rejected = rejected;
        reports[f].rows_after_as_of = after;
        reports[f].rows_kept = reports[f].rows_read - rejected - after;
    }
    let rejects = sort_rejects(rejects, &reject_schema)?;

    for (d, n) in &removed_days {
        if let Some(c) = days.get_mut(d) {
            *c = c.saturating_sub(*n);
        }
    }
    days.retain(|_, n| *n > 0);
    let (far_future_rows, far_future_examples) = match outlier_after {
        Some(last_regular) => {
            let examples = latest_examples(&mut latest, last_regular, &reports);
            quality_warnings.push(
                Msg::new("outlier_dates_set_aside")
                    .arg("rows", outliers.len())
                    .arg("last", format_day(last_regular))
                    .arg("line", examples.first().map_or(0, |e| e.line)),
            );
            (outliers.len() as u64, examples)
        }
        None => far_future_warning(&days, &mut latest, &reports, &mut quality_warnings),
    };
    let rows_read: u64 = reports.iter().map(|r| r.rows_read).sum();
    let rows_rejected: u64 = reports.iter().map(|r| r.rows_rejected).sum();
    let rows_after_as_of: u64 = reports.iter().map(|r| r.rows_after_as_of).sum();
    let quality = QualityReport {
        files: reports,
        rows_read,
        rows_kept: rows_read - rows_rejected - rows_after_as_of,
        rows_rejected,
        rows_after_as_of,
        rejected_by_reason: by_reason,
        returns_rows,
        returns_amount: -(returns_units as f64) / MONEY_SCALE,
        zero_amount_rows_kept: zero_kept,
        duplicate_rows_kept,
        duplicate_groups,
        duplicate_examples: dup_examples,
        far_future_rows,
        far_future_examples,
        columns: columns.to_vec(),
        column_map: column_map.clone(),
        date_format,
        first_date: days.keys().next().map(|d| format_day(*d)),
        last_date: days.keys().next_back().map(|d| format_day(*d)),
        warnings: quality_warnings,
    };
    let max_day = days.keys().next_back().copied();
    tracing::debug!(ms = t0.elapsed().as_millis() as u64, "merged");
    let (names, kept_parts) = recode(kept_parts, dicts, &dict_of)?;
    tracing::debug!(ms = t0.elapsed().as_millis() as u64, "recoded");
    check_sums(&kept_parts, &names)?;
    Ok(Ingested { kept: kept_parts, names, rejects, reject_schema, quality, max_day, files, column_map })
}

/// The duplicates among one bucket of row hashes (all with the same top byte): the positions of
/// the rows whose hash an earlier row (smaller position) has, in no particular order, and how
/// many distinct hashes have such rows.
///
/// `chunks`: the bucket's hashes as they are kept, each slice with the packed position of its
/// partition's local row 0 (a chunk's positions are local ones).
///
/// A counting pass on the next byte of `hi`, then the hashes scattered straight from where they
/// are (read twice, in plain loops over the chunks, never copied to a list first; walking them
/// through nested `flat_map`s cost about 4% of the bench job's samples) into 256 runs; each run
/// (about 180 hashes on the 11.9M-row bench, in L1) is checked with a small open-addressing
/// table of the earliest row of each hash. This replaced sorting every run by (hash, position),
/// whose comparisons were 2-3% of the bench's samples.
fn bucket_duplicates(chunks: &[(u64, &[StoredHash])]) -> (Vec<u64>, u64) {
    let byte = |h: &RowHash| ((h.hi >> 48) & 0xFF) as usize;
    let mut start = [0usize; 257];
    for (_, chunk) in chunks {
        for s in *chunk {
            start[byte(&s.unpack()) + 1] += 1;
        }
    }
    for b in 0..256 {
        start[b + 1] += start[b];
    }
    let mut next = start;
    let mut spread = vec![RowHash { hi: 0, lo: 0, pos: 0 }; start[256]];
    for &(base, chunk) in chunks {
        for s in chunk {
            let h = s.unpack();
            let slot = &mut next[byte(&h)];
            spread[*slot] = RowHash { pos: base | h.pos, ..h };
            *slot += 1;
        }
    }
    let mut dups = Vec::new();
    let mut groups = 0u64;
    // per run: slots holding 1 + the index of the first row seen with each hash (0: empty), and
    // whether that hash has had a duplicate yet
    let mut table: Vec<u32> = Vec::new();
    let mut repeated: Vec<bool> = Vec::new();
    for b in 0..256 {
        let run = &spread[start[b]..start[b + 1]];
        if run.len() < 2 {
            continue;
        }
        let size = (2 * run.len()).next_power_of_two();
        let mask = size - 1;
        table.clear();
        table.resize(size, 0);
        repeated.clear();
        repeated.resize(run.len(), false);
        for (i, h) in run.iter().enumerate() {
            // both words: the high one's top 16 bits are shared within a run
            let mut slot = (h.lo ^ h.hi) as usize & mask;
            loop {
                let t = table[slot];
                if t == 0 {
                    table[slot] = i as u32 + 1;
                    break;
                }
                let j = (t - 1) as usize;
                if run[j].hi == h.hi && run[j].lo == h.lo {
                    if !repeated[j] {
                        repeated[j] = true;
                        groups += 1;
                    }
                    if h.pos > run[j].pos {
                        dups.push(h.pos);
                    } else {
                        // an earlier row than the one kept so far: it becomes the one kept
                        dups.push(run[j].pos);
                        table[slot] = i as u32 + 1;
                        repeated[i] = true;
                    }
                    break;
                }
                slot = (slot + 1) & mask;
            }
        }
    }
    (dups, groups)
}

/// The dictionaries one partition's codes index (see `PartitionState::codes_in`), or none (the
/// partition's codes are in another's).
#[derive(Default)]
struct PartDictionaries {
    dicts: Dictionaries,
    /// They may hold names no kept row has (`PartitionState::stray_names`).
    stray_names: bool,
}

/// Sorted union of the names of several dictionaries, and for each dictionary the global code of
/// each of its local codes: one sort of every `(name, dictionary, local code)`, then a walk that
/// starts a new global code at each new name (no search per name). A dictionary given with a
/// `used` mask contributes only the names it marks (the others keep code 0: no row has them).
fn merge_names<'a>(dicts: impl Iterator<Item = (&'a Dictionary, Option<&'a [bool]>)>) -> (Vec<String>, Vec<Vec<u32>>) {
    let dicts: Vec<(&Dictionary, Option<&[bool]>)> = dicts.collect();
    let mut all: Vec<(&str, u32, u32)> = dicts
        .iter()
        .enumerate()
        .flat_map(|(d, (dict, used))| {
            dict.names
                .iter()
                .enumerate()
                .filter(move |(k, _)| used.is_none_or(|u| u[*k]))
                .map(move |(k, n)| (n.as_str(), d as u32, k as u32))
        })
        .collect();
    // a stable sort (the keys are unique, so the order is the same): it finds runs already in
    // order and merges them, and a log sorted by customer gives one sorted run per dictionary
    all.par_sort();
    let mut remaps: Vec<Vec<u32>> = dicts.iter().map(|(d, _)| vec![0; d.names.len()]).collect();
    let mut names: Vec<String> = Vec::new();
    let mut last: Option<&str> = None;
    for &(name, d, k) in &all {
        if last != Some(name) {
            names.push(name.to_string());
            last = Some(name);
        }
        remaps[d as usize][k as usize] = (names.len() - 1) as u32;
    }
    (names, remaps)
}

/// Which codes of column `col` of the parts whose dictionaries are `d` occur, `n` codes in all.
fn used_codes(kept: &[Vec<RecordBatch>], dict_of: &[usize], d: usize, col: usize, n: usize) -> Vec<bool> {
    let mut used = vec![false; n];
    for (batches, _) in kept.iter().zip(dict_of).filter(|(_, of)| **of == d) {
        for b in batches {
            for c in b.column(col).as_primitive::<UInt32Type>().iter().flatten() {
                used[c as usize] = true;
            }
        }
    }
    used
}

/// Replaces the per-partition codes of every kept batch by global ones; part `p`'s codes index
/// `dicts[dict_of[p]]`.
fn recode(
    kept: Vec<Vec<RecordBatch>>,
    dicts: Vec<PartDictionaries>,
    dict_of: &[usize],
) -> Result<(Names, Vec<Vec<RecordBatch>>)> {
    // for dictionaries that may hold stray names, the names the kept rows use
    let masks: Vec<Option<[Vec<bool>; 4]>> = dicts
        .iter()
        .enumerate()
        .map(|(d, part)| {
            part.stray_names.then(|| {
                let each = part.dicts.each();
                std::array::from_fn(|k| used_codes(&kept, dict_of, d, Dictionaries::COLUMNS[k], each[k].names.len()))
            })
        })
        .collect();
    // per coded column: the merged names and each dictionary's local -> global codes
    let [(customers, rc), (categories, rcat), (channels, rch), (products, rp)] = std::array::from_fn(|k| {
        merge_names(
            dicts
                .iter()
                .enumerate()
                .map(|(d, part)| (part.dicts.each()[k], masks[d].as_ref().map(|m| m[k].as_slice()))),
        )
    });
    let remaps = [&rc, &rcat, &rch, &rp];
    // in place where the column's buffer is the batch's alone (as the cleaner makes it): a new
    // array for each of three columns was 12 bytes a row of fresh memory (143 MB on the 11.9M-row
    // bench) for the kernel to clear
    let dense = |column: ArrayRef, map: &[u32]| -> ArrayRef {
        let a = column.as_primitive::<UInt32Type>().clone();
        drop(column);
        if a.null_count() == 0 {
            let recoded = a.unary_mut(|c| map[c as usize]).unwrap_or_else(|shared| shared.unary(|c| map[c as usize]));
            Arc::new(recoded)
        } else {
            // the values under nulls may be any code: only valid ones are looked up
            Arc::new(a.iter().map(|v| v.map(|c| map[c as usize])).collect::<UInt32Array>())
        }
    };
    let kept = kept
        .into_par_iter()
        .enumerate()
        .map(|(p, batches)| {
            let d = dict_of[p];
            batches
                .into_iter()
                .map(|b| {
                    let (schema, mut columns, _) = b.into_parts();
                    for (col, remap) in Dictionaries::COLUMNS.into_iter().zip(remaps) {
                        let taken =
                            std::mem::replace(&mut columns[col], Arc::new(UInt32Array::from(Vec::<u32>::new())));
                        columns[col] = dense(taken, &remap[d]);
                    }
                    RecordBatch::try_new(schema, columns).map_err(DataError::from)
                })
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((Names { customers, categories, channels, products }, kept))
}

/// Removes the rows of `batch` (whose local rows are `local`) whose local row is in `locals`.
/// The rows of a kept batch whose local rows are not in `locals`, and their local rows. The
/// counts the cleaner kept of the rows taken out (returns, zero amounts) are taken off `state`
/// and their days added to `removed_days`, so the accounting describes the rows kept.
fn drop_locals(
    batch: &RecordBatch,
    local: &KeptLocals,
    locals: &HashSet<u64>,
    state: &mut PartitionState,
    removed_days: &mut BTreeMap<i32, u64>,
) -> Result<(RecordBatch, KeptLocals)> {
    let keep: Vec<bool> = (0..batch.num_rows()).map(|i| !locals.contains(&local.get(i))).collect();
    let mut left = KeptLocals::default();
    let day = batch.column(1).as_primitive::<Int32Type>();
    let amount = batch.column(2).as_primitive::<Int64Type>();
    let is_return = batch.column(4).as_boolean();
    for (i, k) in keep.iter().enumerate() {
        if *k {
            left.push(local.get(i));
            continue;
        }
        *removed_days.entry(day.value(i)).or_insert(0) += 1;
        if is_return.value(i) {
            state.returns_rows -= 1;
            state.returns_units -= amount.value(i);
        }
        if amount.value(i) == 0 {
            state.zero_kept -= 1;
        }
    }
    Ok((filter_record_batch(batch, &BooleanArray::from(keep))?, left))
}

/// Checks that every sum of amounts the features take (a customer's spend, returns, spend per
/// day, category or channel) fits the 64-bit integer money units they are added in, so none can
/// wrap. Every such sum is at most the sum of the absolute amounts, so when that fits (nearly
/// always: up to about 922 trillion in money) nothing more is done; otherwise each customer's
/// absolute amounts are added up and the first customer (by id) whose total does not fit is
/// named.
///
/// # Errors
/// [`DataError::SumOverflow`].
fn check_sums(kept: &[Vec<RecordBatch>], names: &Names) -> Result<()> {
    let amounts = || kept.iter().flatten().map(|b| b.column(2).as_primitive::<Int64Type>());
    let total: u128 = amounts().map(|a| a.values().iter().map(|v| u128::from(v.unsigned_abs())).sum::<u128>()).sum();
    if total <= i64::MAX as u128 {
        return Ok(());
    }
    let mut per_customer = vec![0u128; names.customers.len()];
    for b in kept.iter().flatten() {
        let customer = b.column(0).as_primitive::<UInt32Type>();
        let amount = b.column(2).as_primitive::<Int64Type>();
        for (c, a) in customer.values().iter().zip(amount.values()) {
            per_customer[*c as usize] += u128::from(a.unsigned_abs());
        }
    }
    match per_customer.iter().position(|t| *t > i64::MAX as u128) {
        Some(c) => Err(DataError::SumOverflow {
            customer: names.customers[c].clone(),
            total: format!("{}", per_customer[c] as f64 / MONEY_SCALE),
        }),
        None => Ok(()),
    }
}

/// The last day of the regular data when a few rows are dated more than a year after it: the
/// earliest gap of over 365 days between consecutive dates with at most a few rows after it (5,
/// or 1% of the rows, but never over a tenth). `None` when there is no such gap. Unlike a
/// percentile, this finds one typo year in a 300-row sheet as well as in millions of rows.
fn outlier_threshold(days: &BTreeMap<i32, u64>) -> Option<i32> {
    let total: u64 = days.values().sum();
    let allowance = (total / 100).max(5).min(total / 10);
    let mut after = 0u64;
    let mut found = None;
    let mut later: Option<i32> = None;
    for (&day, &n) in days.iter().rev() {
        if let Some(next) = later
            && next - day > 365
        {
            found = Some(day);
        }
        after += n;
        if after > allowance {
            break;
        }
        later = Some(day);
    }
    found
}

/// Up to ten of the `latest` rows dated after `after`, latest first (ties by file and line).
fn latest_examples(latest: &mut [(i32, usize, u64, String)], after: i32, reports: &[FileReport]) -> Vec<RowRef> {
    latest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    latest
        .iter()
        .filter(|x| x.0 > after)
        .take(10)
        .map(|(_, f, line, text)| RowRef { file: reports[*f].path.clone(), line: *line, value: text.clone() })
        .collect()
}

/// With an explicit as-of, kept rows dated more than a year after 99.9% of the data are only
/// reported (the user chose the as-of date): how many, examples, and a warning.
fn far_future_warning(
    days: &BTreeMap<i32, u64>,
    latest: &mut [(i32, usize, u64, String)],
    reports: &[FileReport],
    warnings: &mut Vec<Msg>,
) -> (u64, Vec<RowRef>) {
    let kept_total: u64 = days.values().sum();
    if kept_total == 0 {
        return (0, Vec::new());
    }
    let target = (kept_total as f64 * 0.999).ceil() as u64;
    let mut acc = 0;
    let p999 = days
        .iter()
        .find(|(_, n)| {
            acc += **n;
            acc >= target
        })
        .map_or(0, |(d, _)| *d);
    let threshold = p999 + 365;
    let rows: u64 = days.range(threshold + 1..).map(|(_, n)| n).sum();
    let examples = latest_examples(latest, threshold, reports);
    if rows > 0 {
        warnings.push(
            Msg::new("far_future_rows")
                .arg("rows", rows)
                .arg("after", format_day(threshold))
                .arg("line", examples.first().map_or(0, |e| e.line)),
        );
    }
    (rows, examples)
}

/// A batch of rows set aside (reason `duplicate_row`) with the outliers among them (`is_outlier`
/// of the local row) given reason `outlier_date`, the date column and its text.
fn label_outliers(
    batch: &RecordBatch,
    is_outlier: impl Fn(u64) -> bool,
    date_idx: usize,
    date_name: &str,
) -> Result<RecordBatch> {
    let local = batch.column_by_name("_local").map(|c| c.as_primitive::<UInt64Type>().clone());
    let Some(local) = local else { return Ok(batch.clone()) };
    let outlier: Vec<bool> = local.values().iter().map(|l| is_outlier(*l)).collect();
    if !outlier.contains(&true) {
        return Ok(batch.clone());
    }
    let dates = batch.column(date_idx).as_string::<i32>();
    let reason: StringArray = outlier
        .iter()
        .map(|o| Some(if *o { RejectReason::OutlierDate.id() } else { RejectReason::DuplicateRow.id() }))
        .collect();
    let column: StringArray = outlier.iter().map(|o| o.then_some(date_name)).collect();
    let value: StringArray = outlier
        .iter()
        .enumerate()
        .map(|(i, o)| o.then(|| dates.is_valid(i).then(|| dates.value(i))).flatten())
        .collect();
    let mut columns = batch.columns().to_vec();
    let n = columns.len();
    columns[n - 3] = Arc::new(reason);
    columns[n - 2] = Arc::new(column);
    columns[n - 1] = Arc::new(value);
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

/// Re-reads `src` and returns, per partition, the raw rows at the wanted local positions in the
/// shape of a partition's reject batch (reason `duplicate_row`).
async fn collect_rows(
    ctx: &SessionContext,
    src: &SourceFile,
    by_part: &HashMap<usize, HashSet<u64>>,
) -> Result<HashMap<usize, RecordBatch>> {
    let df = read(ctx, src).await?;
    let plan = scan_plan(ctx, src, df).await?;
    let schema = partition_reject_schema(&src.columns);
    let mut out = HashMap::new();
    for (&p, locals) in by_part {
        let mut stream = plan.execute(p, ctx.task_ctx()).map_err(DataError::engine("cannot start the scan"))?;
        let mut seen = 0u64;
        let mut parts = Vec::new();
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(DataError::engine(format!("re-reading {}", src.path.display())))?;
            let n = batch.num_rows() as u64;
            let keep: BooleanArray = (0..n).map(|i| Some(locals.contains(&(seen + i + 1)))).collect();
            let chosen: Vec<u64> = (0..n).filter(|i| locals.contains(&(seen + i + 1))).map(|i| seen + i + 1).collect();
            seen += n;
            if chosen.is_empty() {
                continue;
            }
            let text = text_columns(&batch)?;
            let columns: Vec<ArrayRef> = text
                .iter()
                .map(|c| datafusion::arrow::compute::filter(c.as_ref(), &keep))
                .collect::<std::result::Result<_, _>>()?;
            parts.push(duplicate_rejects(&schema, columns, chosen)?);
        }
        if let Some(first) = parts.first() {
            let schema = first.schema();
            out.insert(p, datafusion::arrow::compute::concat_batches(&schema, &parts)?);
        }
    }
    Ok(out)
}

/// A partition's reject batch without the rows of `reason`.
fn without_reason(batch: &RecordBatch, reason: RejectReason) -> Result<RecordBatch> {
    let Some(reasons) = batch.column_by_name("_reason").map(|c| c.as_string::<i32>().clone()) else {
        return Ok(batch.clone());
    };
    if !reasons.iter().any(|r| r == Some(reason.id())) {
        return Ok(batch.clone());
    }
    let keep: BooleanArray = reasons.iter().map(|r| Some(r != Some(reason.id()))).collect();
    Ok(filter_record_batch(batch, &keep)?)
}

/// A partition's reject batch in the output shape.
fn reject_rows(
    batch: &RecordBatch,
    file: &str,
    offset: u64,
    columns: &[String],
    schema: &SchemaRef,
) -> Result<RecordBatch> {
    let n = batch.num_rows();
    let col = |name: &str| batch.column_by_name(name).cloned();
    let local = col("_local").map(|c| c.as_primitive::<UInt64Type>().clone());
    let line: UInt64Array = local
        .map(|l| l.iter().map(|v| v.map(|v| v + offset)).collect())
        .unwrap_or_else(|| UInt64Array::from(vec![0; n]));
    let mut out: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec![file; n])), Arc::new(line)];
    for name in ["_reason", "_column", "_value"] {
        out.push(col(name).unwrap_or_else(|| Arc::new(StringArray::from(vec![None::<&str>; n]))));
    }
    for c in columns {
        out.push(col(c).unwrap_or_else(|| Arc::new(StringArray::from(vec![None::<&str>; n]))));
    }
    Ok(RecordBatch::try_new(schema.clone(), out)?)
}

/// Orders reject rows by file (input order) then line.
fn sort_rejects(batches: Vec<RecordBatch>, schema: &SchemaRef) -> Result<Vec<RecordBatch>> {
    if batches.is_empty() {
        return Ok(batches);
    }
    let all = datafusion::arrow::compute::concat_batches(schema, &batches)?;
    // files were appended in input order, so a stable sort on (file position, line) works
    let files = all.column(0).as_string::<i32>();
    let lines = all.column(1).as_primitive::<UInt64Type>();
    let mut order_of_file: HashMap<&str, usize> = HashMap::new();
    for f in files.iter().flatten() {
        let k = order_of_file.len();
        order_of_file.entry(f).or_insert(k);
    }
    let mut idx: Vec<u32> = (0..all.num_rows() as u32).collect();
    idx.sort_by_key(|&i| (order_of_file.get(files.value(i as usize)).copied().unwrap_or(0), lines.value(i as usize)));
    let indices = datafusion::arrow::array::UInt32Array::from(idx);
    let columns = all
        .columns()
        .iter()
        .map(|c| datafusion::arrow::compute::take(c.as_ref(), &indices, None))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(vec![RecordBatch::try_new(schema.clone(), columns)?])
}

/// Every row of one file as text columns, in file order (partitions read one after another).
pub(crate) async fn read_ordered(ctx: &SessionContext, src: &mut SourceFile) -> Result<Vec<RecordBatch>> {
    let df = read(ctx, src).await?;
    if src.columns.is_empty() {
        src.columns = df.schema().fields().iter().map(|f| f.name().clone()).collect();
    }
    let plan = scan_plan(ctx, src, df).await?;
    let schema = Arc::new(text_schema(&src.columns));
    let mut out = Vec::new();
    for p in 0..plan.output_partitioning().partition_count() {
        let mut stream = plan.execute(p, ctx.task_ctx()).map_err(DataError::engine("cannot start the scan"))?;
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(DataError::engine(format!("cannot read {}", src.path.display())))?;
            out.push(RecordBatch::try_new(schema.clone(), text_columns(&batch)?)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The duplicates and groups found in a bucket are those a full sort by (hash, position)
    /// shows: every row after the first of its hash.
    #[test]
    fn bucket_duplicates_equal_a_sort() {
        let mut rng = custseg_core::math::Rng::new(7);
        let mut next = || rng.next_u64();
        for n in [0, 1, 5, 1023, 1024, 20_000] {
            // one top byte, as in a bucket, and a second byte from 4 values (long runs); every
            // fifth hash repeats an earlier one, and positions are shuffled, so a repeat can
            // come before its original
            let mut v: Vec<RowHash> = Vec::new();
            for i in 0..n {
                let h = if i % 5 == 4 {
                    v[i / 2]
                } else {
                    // `lo` in the bits a kept hash keeps (its low POS_BITS hold the position)
                    RowHash { hi: (next() >> 16) | ((next() % 4) << 48) | (7 << 56), lo: (next() % 3) << 40, pos: 0 }
                };
                v.push(RowHash { pos: i as u64, ..h });
            }
            for i in (1..v.len()).rev() {
                let j = (next() % (i as u64 + 1)) as usize;
                let (a, b) = (v[i].pos, v[j].pos);
                v[i].pos = b;
                v[j].pos = a;
            }
            // rows from 10,000 on are in a second partition: local rows from 0 again, under
            // its packed position
            for h in &mut v {
                if h.pos >= 10_000 {
                    h.pos = pack(0, 1, h.pos - 10_000);
                }
            }
            // the reference: sorted by (hash, position), every row after the first of its hash
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let same = |a: &RowHash, b: &RowHash| a.hi == b.hi && a.lo == b.lo;
            let mut want_dups = Vec::new();
            let mut want_groups = 0;
            for (i, w) in sorted.windows(2).enumerate() {
                if same(&w[0], &w[1]) {
                    want_dups.push(w[1].pos);
                    want_groups += u64::from(i == 0 || !same(&sorted[i - 1], &w[0]));
                }
            }
            // kept as the cleaner keeps them, partition by partition
            let mut parts = [RowHashes::default(), RowHashes::default()];
            for h in &v {
                let (_, p, local) = unpack(h.pos);
                parts[p].push((u128::from(h.hi) << 64) | u128::from(h.lo), local);
            }
            let chunks: Vec<(u64, &[StoredHash])> =
                (0..2).flat_map(|p| parts[p].bucket_chunks(7).map(move |c| (pack(0, p, 0), c))).collect();
            let (mut dups, groups) = bucket_duplicates(&chunks);
            dups.sort_unstable();
            want_dups.sort_unstable();
            assert_eq!((dups, groups), (want_dups, want_groups), "{n} hashes");
            if n >= 1000 {
                assert!(want_groups > 100, "{want_groups}");
            }
        }
    }

    /// Parts whose codes are in another part's dictionaries are recoded through those; names of
    /// dictionaries marked as holding stray names are kept only when a kept row has them.
    #[test]
    fn recode_follows_shared_dictionaries_and_leaves_out_stray_names() {
        use datafusion::arrow::array::{BooleanArray, Int32Array, Int64Array, UInt64Array};
        let dict = |names: &[&str]| {
            let mut d = Dictionary::default();
            for n in names {
                d.code(n);
            }
            d
        };
        // customer and category codes of each row; channel always missing
        let batch = |rows: &[(u32, Option<u32>)]| {
            let n = rows.len();
            let columns: Vec<ArrayRef> = vec![
                Arc::new(UInt32Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
                Arc::new(Int32Array::from(vec![0; n])),
                Arc::new(Int64Array::from(vec![1; n])),
                Arc::new(UInt64Array::from(vec![None::<u64>; n])),
                Arc::new(BooleanArray::from(vec![false; n])),
                Arc::new(rows.iter().map(|r| r.1).collect::<UInt32Array>()),
                Arc::new(UInt32Array::from(vec![None::<u32>; n])),
                Arc::new(BooleanArray::from(vec![None::<bool>; n])),
                // the product codes are the category codes, in dictionaries of their own
                Arc::new(rows.iter().map(|r| r.1).collect::<UInt32Array>()),
            ];
            RecordBatch::try_new(crate::clean::kept_schema(), columns).unwrap_or_else(|e| panic!("{e}"))
        };
        // part 0's codes are in part 1's dictionaries, which hold the stray "ghost" and "junk";
        // part 2 has its own, clean ones (its unused "idle" stays: no stray names there)
        let dicts = vec![
            PartDictionaries::default(),
            PartDictionaries {
                dicts: Dictionaries {
                    customers: dict(&["b", "ghost", "a"]),
                    categories: dict(&["junk", "toys"]),
                    channels: Dictionary::default(),
                    products: dict(&["x-ray", "apple"]),
                },
                stray_names: true,
            },
            PartDictionaries {
                dicts: Dictionaries {
                    customers: dict(&["c", "a", "idle"]),
                    categories: dict(&["books"]),
                    channels: Dictionary::default(),
                    products: dict(&["mango"]),
                },
                stray_names: false,
            },
        ];
        let kept = vec![
            vec![batch(&[(0, Some(1)), (2, None)])],
            vec![batch(&[(2, Some(1))])],
            vec![batch(&[(1, Some(0)), (0, None)])],
        ];
        let (names, kept) = recode(kept, dicts, &[1, 1, 2]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names.customers, ["a", "b", "c", "idle"]);
        assert_eq!(names.categories, ["books", "toys"]);
        assert_eq!(names.products, ["apple", "mango"]);
        let codes = |p: usize, col: usize| -> Vec<Option<u32>> {
            kept[p].iter().flat_map(|b| b.column(col).as_primitive::<UInt32Type>().iter().collect::<Vec<_>>()).collect()
        };
        assert_eq!(codes(0, 0), [Some(1), Some(0)]);
        assert_eq!(codes(1, 0), [Some(0)]);
        assert_eq!(codes(2, 0), [Some(0), Some(2)]);
        assert_eq!(codes(0, 5), [Some(1), None]);
        assert_eq!(codes(1, 5), [Some(1)]);
        assert_eq!(codes(2, 5), [Some(0), None]);
        assert_eq!(codes(0, 8), [Some(0), None]);
        assert_eq!(codes(2, 8), [Some(1), None]);
    }

    #[test]
    fn pack_round_trips() {
        assert_eq!(unpack(pack(3, 1, 123_456)), (3, 1, 123_456));
        assert!(pack(0, 1, 1) > pack(0, 0, 999_999));
        assert!(pack(1, 0, 1) > pack(0, 200, 1));
    }
}
