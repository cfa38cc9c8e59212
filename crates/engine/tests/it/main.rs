//! Integration tests of the custseg pipeline: hand-computed golden fixture, CDNOW end to end and
//! against the published summaries, determinism, and the error paths.

mod cdnow;
mod cluster;
mod clv;
mod determinism;
mod errors;
mod golden;
mod history;
mod layers;
mod model;
mod robust;
mod rules;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use custseg_data::source::split_record;
use custseg_engine::{Config, RunRequest, RunSummary};

/// Repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Rows of a CSV file as maps from column name to text.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = split_record(lines.next().unwrap_or(""), b',');
    lines.map(|l| header.iter().cloned().zip(split_record(l, b',')).collect()).collect()
}

/// Rows keyed by `customer_id`.
pub fn by_id(rows: Vec<HashMap<String, String>>) -> HashMap<String, HashMap<String, String>> {
    rows.into_iter().map(|r| (r["customer_id"].clone(), r)).collect()
}

/// Runs the pipeline on `transactions` into a fresh temp dir.
pub fn run_on(transactions: &Path, customers: Option<&Path>, config: Config) -> (tempfile::TempDir, RunSummary) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let summary = custseg_engine::run(RunRequest {
        transactions: transactions.to_path_buf().into(),
        customers: customers.map(Path::to_path_buf).map(Into::into),
        config,
        out_dir: dir.path().to_path_buf(),
        progress: None,
        store: None,
        report: None,
    })
    .unwrap_or_else(|e| panic!("run failed: {e}"));
    (dir, summary)
}

/// Runs the pipeline into a throw-away directory, returning its result (for error paths).
pub fn try_run(
    transactions: &Path,
    customers: Option<&Path>,
    config: Config,
) -> Result<RunSummary, custseg_engine::EngineError> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    custseg_engine::run(RunRequest {
        transactions: transactions.to_path_buf().into(),
        customers: customers.map(Path::to_path_buf).map(Into::into),
        config,
        out_dir: dir.path().to_path_buf(),
        progress: None,
        store: None,
        report: None,
    })
}

/// A float field.
pub fn num(row: &HashMap<String, String>, col: &str) -> f64 {
    row[col].parse().unwrap_or_else(|_| panic!("{col} = `{}` is not a number", row[col]))
}
