//! `custseg inspect`: what custseg sees in a file (columns and their roles, encoding, delimiter,
//! date format and range, row counts, rejects by reason) without classifying anything.

use std::path::{Path, PathBuf};

use custseg_data::ingest::ingest;
use custseg_data::master::{Master, MasterReport, Personal, read_master};
use custseg_data::quality::QualityReport;
use custseg_data::sink::{Column, Table};

use crate::config::{AsOf, Config};
use crate::error::Result;
use crate::pipeline::{off_workers, runtime};

/// Reads and cleans `path` with `config` and returns the quality report.
///
/// # Errors
/// Hard read errors (see [`crate::EngineError`]).
pub fn inspect(path: &Path, config: &Config) -> Result<QualityReport> {
    runtime(config.run.threads)?.block_on(inspect_async(path.to_path_buf(), config.clone()))
}

/// [`inspect`] on the caller's runtime (see [`crate::pipeline::run_async`]).
///
/// # Errors
/// As [`inspect`].
pub async fn inspect_async(path: PathBuf, config: Config) -> Result<QualityReport> {
    config.check()?;
    let as_of = config.run.as_of.map(AsOf::day);
    off_workers(move |rt| {
        rt.block_on(async {
            let ctx = custseg_data::session(config.run.threads);
            let temp = std::env::temp_dir();
            let input = ingest(&ctx, &path, &config.input.ingest_options(), as_of, &temp, None).await?;
            Ok(input.quality)
        })
    })
    .await
}

/// What custseg sees in a customer master file: its id column, the attributes it would read,
/// the personal-data columns it leaves out, and the rows kept and rejected.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MasterSummary {
    /// The customer id column.
    pub id_column: String,
    /// Attribute columns read, in file order.
    pub attributes: Vec<String>,
    /// The rows.
    pub report: MasterReport,
}

/// Reads a master file with `config`'s input settings, as a run does (personal data left out).
///
/// # Errors
/// Hard read errors (see [`crate::EngineError`]).
pub async fn inspect_master_async(path: PathBuf, config: Config) -> Result<MasterSummary> {
    let m = master(path, config, false).await?;
    Ok(MasterSummary { id_column: m.id_column, attributes: m.attributes, report: m.report })
}

/// A master file's attributes with its personal data, for the server to show masked.
#[derive(Debug, Clone)]
pub struct Attributes {
    /// `customer_id` and every attribute column, one row per customer, sorted by id.
    pub table: Table,
    /// The columns holding personal data.
    pub personal: Vec<String>,
}

/// Reads every column of a master file, personal data included.
///
/// # Errors
/// Hard read errors (see [`crate::EngineError`]).
pub async fn master_attributes_async(path: PathBuf, config: Config) -> Result<Attributes> {
    let m = master(path, config, true).await?;
    let mut order: Vec<usize> = (0..m.ids.len()).collect();
    order.sort_by(|&a, &b| m.ids[a].cmp(&m.ids[b]));
    let mut table = Table::default();
    table.push("customer_id", Column::Str(order.iter().map(|&i| Some(m.ids[i].clone())).collect()));
    for (name, values) in m.attributes.iter().zip(&m.values) {
        table.push(name.clone(), Column::Str(order.iter().map(|&i| values[i].clone()).collect()));
    }
    Ok(Attributes { table, personal: m.personal })
}

/// Reads a master file on the caller's runtime, personal data kept or left out.
async fn master(path: PathBuf, config: Config, keep_personal: bool) -> Result<Master> {
    config.check()?;
    off_workers(move |rt| {
        rt.block_on(async {
            let ctx = custseg_data::session(config.run.threads);
            let declared = &config.privacy.pii;
            let personal = if keep_personal { Personal::Keep(declared) } else { Personal::LeaveOut(declared) };
            let options = config.input.ingest_options();
            Ok(read_master(&ctx, &path, &options.csv, &config.input.map, &std::env::temp_dir(), personal).await?)
        })
    })
    .await
}
