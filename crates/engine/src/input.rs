//! The input stage every command shares (`run`, `score`, `cluster`, `clv ...`,
//! `pipeline::read_features`): the master file, then the transactions read, cleaned and
//! accounted for, rejects.csv written, and the checks in one order:
//! 1. a rule scheme the columns cannot satisfy, before any row is read (a run's rules only);
//! 2. nothing kept (every row rejected or after the as-of date);
//! 3. a reject under `[run] strict`.
//!
//! The as-of date is the caller's typed date (the configured one, or a command's own calibration
//! date), else the day after the last kept row.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Instant;

use custseg_data::SessionContext;
use custseg_data::features::{Features, Present, aggregate};
use custseg_data::ingest::{Ingested, Progress, ingest_with};
use custseg_data::mapping::{ColumnMap, Role};
use custseg_data::master::{Master, Personal, read_master};
use custseg_data::sink::Sink;
use custseg_data::source::fingerprint;

use crate::config::Config;
use crate::error::{EngineError, Result};
use crate::output::InputRecord;
use crate::preflight::{self, Shape};

/// Where a command's rows come from. Files today; the database and cluster sources of later
/// versions are further variants, so a caller matches on it rather than assuming a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// A file, or a directory of files of one format (CSV, JSON lines or arrays, Parquet).
    Files(PathBuf),
}

impl Source {
    /// The local file or directory the rows are read from, if they come from one.
    pub fn files(&self) -> Option<&Path> {
        match self {
            Source::Files(p) => Some(p),
        }
    }
}

impl From<PathBuf> for Source {
    fn from(p: PathBuf) -> Source {
        Source::Files(p)
    }
}

impl From<&Path> for Source {
    fn from(p: &Path) -> Source {
        Source::Files(p.to_path_buf())
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Files(p) => write!(f, "{}", p.display()),
        }
    }
}

/// What to read, and how.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stage<'a> {
    /// The transactions.
    pub transactions: &'a Source,
    /// The customer master file.
    pub customers: Option<&'a Source>,
    /// The configuration.
    pub config: &'a Config,
    /// Rows dated after it are set apart, not kept.
    pub as_of: Option<i32>,
    /// Where rejects.csv is written (a run's staging directory) ...
    pub write_dir: &'a Path,
    /// ... and where the user will find it (named in messages).
    pub shown_dir: &'a Path,
    /// Rows read so far, for a progress display.
    pub progress: Option<&'a Progress>,
    /// Check the configuration's rule schemes against the columns before any row is read.
    pub rules: bool,
    /// Fingerprint the input files on a thread of their own while the caller works on.
    pub fingerprints: bool,
}

/// The checked inputs.
#[derive(Debug)]
pub(crate) struct Checked {
    /// The kept transactions, their quality report and rejects.
    pub input: Ingested,
    /// The master file.
    pub master: Option<Master>,
    /// The files' fingerprints, when asked for.
    pub fingerprints: Fingerprints,
    /// Milliseconds reading the master file, the transactions, and writing rejects.csv.
    pub ms: [u64; 3],
}

/// The input files' fingerprints, computed on a thread of their own ([`Stage::fingerprints`]).
#[derive(Debug)]
pub(crate) struct Fingerprints(Option<JoinHandle<Vec<Result<InputRecord>>>>);

impl Fingerprints {
    /// Waits for them.
    ///
    /// # Errors
    /// A file that cannot be read; [`EngineError::Internal`] when they were not asked for.
    pub fn wait(self) -> Result<Vec<InputRecord>> {
        self.0
            .ok_or_else(|| EngineError::Internal("the input fingerprints were not asked for".into()))?
            .join()
            .map_err(|_| EngineError::Internal("the input fingerprint thread failed".into()))?
            .into_iter()
            .collect()
    }
}

impl Checked {
    /// The as-of date: the given one, else the day after the last kept transaction.
    pub fn as_of(&self, given: Option<i32>) -> i32 {
        given.unwrap_or(self.input.max_day.unwrap_or(0) + 1)
    }
}

/// Reads and checks the inputs of `stage` (see the module).
///
/// # Errors
/// Read errors, a refused rule, [`EngineError::NothingKept`], [`EngineError::Strict`].
pub(crate) async fn check(ctx: &SessionContext, stage: Stage<'_>) -> Result<Checked> {
    let config = stage.config;
    std::fs::create_dir_all(stage.write_dir)
        .map_err(custseg_data::DataError::io("create directory", stage.write_dir))?;
    let t = Instant::now();
    // the master file first: the rules are checked against its attributes before the (much
    // larger) transactions are read
    let master = match stage.customers {
        Some(Source::Files(p)) => Some(
            read_master(
                ctx,
                p,
                &config.input.ingest_options().csv,
                &config.input.map,
                stage.write_dir,
                Personal::LeaveOut(&config.privacy.pii),
            )
            .await?,
        ),
        None => None,
    };
    let master_ms = t.elapsed().as_millis() as u64;
    let t = Instant::now();
    let refused: Mutex<Option<EngineError>> = Mutex::new(None);
    let preflight = |map: &ColumnMap| {
        if !stage.rules {
            return Ok(());
        }
        let shape =
            Shape { present: present_of(map), channels: Vec::new(), master: master.as_ref().map(Shape::master_of) };
        preflight::check_rules(config, &shape).map_err(|e| {
            let message = e.to_string();
            *refused.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
            message
        })
    };
    let Source::Files(transactions) = stage.transactions;
    let ingested = ingest_with(
        ctx,
        transactions,
        &config.input.ingest_options(),
        stage.as_of,
        stage.write_dir,
        stage.progress.cloned(),
        &preflight,
    )
    .await;
    let input = match ingested {
        Ok(input) => input,
        Err(e) => {
            return Err(refused.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).unwrap_or(e.into()));
        }
    };
    let ingest_ms = t.elapsed().as_millis() as u64;
    let fingerprints = Fingerprints(stage.fingerprints.then(|| {
        fingerprint_all(input.files.iter().map(|f| (f.path.clone(), PathBuf::from(&f.path), f.size_bytes)).collect())
    }));
    let t = Instant::now();
    Sink::new(config.run.fsync).csv(&stage.write_dir.join("rejects.csv"), &input.reject_schema, &input.rejects)?;
    let rejects_ms = t.elapsed().as_millis() as u64;
    let q = &input.quality;
    let rejects = stage.shown_dir.join("rejects.csv");
    if q.rows_kept == 0 {
        return Err(EngineError::NothingKept { rejected: q.rows_rejected, read: q.rows_read, rejects });
    }
    if config.run.strict && q.rows_rejected > 0 {
        return Err(EngineError::Strict { rejected: q.rows_rejected, read: q.rows_read, rejects });
    }
    Ok(Checked { input, master, fingerprints, ms: [master_ms, ingest_ms, rejects_ms] })
}

/// What [`features`] gives: the customer features, the master file and the transactions'
/// quality.
#[derive(Debug)]
pub(crate) struct Read {
    pub features: Features,
    pub master: Option<Master>,
    pub quality: custseg_data::quality::QualityReport,
}

/// The checked inputs of `stage` aggregated into customer features as of its date.
///
/// # Errors
/// As [`check`], and aggregation errors.
pub(crate) async fn features(ctx: &SessionContext, stage: Stage<'_>) -> Result<Read> {
    let checked = check(ctx, stage).await?;
    let as_of = checked.as_of(stage.as_of);
    let Checked { input, master, .. } = checked;
    let quality = input.quality.clone();
    let features = aggregate(ctx, input.kept, input.names, present_of(&input.column_map), as_of).await?;
    Ok(Read { features, master, quality })
}

/// The optional transaction columns a mapping has.
pub(crate) fn present_of(map: &ColumnMap) -> Present {
    Present {
        order_id: map.get(Role::OrderId).is_some(),
        category: map.get(Role::Category).is_some(),
        channel: map.get(Role::Channel).is_some(),
        discount: map.get(Role::Discount).is_some(),
    }
}

/// Fingerprints `(path as given, path, size)` on a thread of its own.
fn fingerprint_all(paths: Vec<(String, PathBuf, u64)>) -> JoinHandle<Vec<Result<InputRecord>>> {
    std::thread::spawn(move || {
        paths
            .into_iter()
            .map(|(path, p, size_bytes)| Ok(InputRecord { path, size_bytes, xxh3_128: fingerprint(&p)? }))
            .collect()
    })
}
