//! The built-in demo: the CDNOW sample (2,357 customers, 6,919 transactions, 1997-01 to 1998-06),
//! embedded in the binary so `custseg demo` works from any directory.

use std::path::{Path, PathBuf};

use custseg_data::sink::Sink;

use crate::config::Config;
use crate::error::{EngineError, Result};
use crate::pipeline::{Renderer, RunRequest, RunSummary, run};

/// The raw sample: whitespace-separated master id, sample id, date `YYYYMMDD`, CDs, dollars.
pub const CDNOW_SAMPLE: &str = include_str!("../../../testdata/cdnow/CDNOW_sample.txt");

/// The sample as a CSV with a header (`customer_id` is the 4-digit sample id).
pub fn cdnow_csv() -> String {
    let mut out = String::with_capacity(CDNOW_SAMPLE.len() + 64);
    out.push_str("customer_id,master_id,order_date,quantity,amount\n");
    for line in CDNOW_SAMPLE.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let [master, sample, date, cds, dollars] = f.as_slice() {
            out.push_str(&format!("{sample},{master},{date},{cds},{dollars}\n"));
        }
    }
    out
}

/// Writes the sample to `out_dir/cdnow_transactions.csv` and runs the pipeline on it.
///
/// # Errors
/// See [`EngineError`].
pub fn run_demo(out_dir: &Path, config: Config, report: Option<Renderer>) -> Result<(PathBuf, RunSummary)> {
    let input = out_dir.join("cdnow_transactions.csv");
    Sink::new(config.run.fsync)
        .atomic(&input, |w| {
            use std::io::Write;
            w.write_all(cdnow_csv().as_bytes()).map_err(custseg_data::DataError::io("write", &input))
        })
        .map_err(EngineError::Data)?;
    let summary = run(RunRequest {
        transactions: input.clone().into(),
        customers: None,
        config,
        out_dir: out_dir.to_path_buf(),
        progress: None,
        store: None,
        report,
    })?;
    Ok((input, summary))
}

/// Customers of the generated B2B demo.
pub const B2B_CUSTOMERS: u64 = 5_000;

/// Generates a B2B data set (a seeded synthetic log of [`B2B_CUSTOMERS`] customers and its
/// customer master file: industry, employees, annual revenue, region, category budget,
/// prospects) into `out_dir` and runs the pipeline on it, so the master-data features (size,
/// lift table, share of wallet, prospects) all show.
///
/// # Errors
/// See [`EngineError`].
pub fn run_b2b_demo(out_dir: &Path, config: Config, report: Option<Renderer>) -> Result<(PathBuf, RunSummary)> {
    let params = custseg_core::synth::SynthParams {
        n_customers: B2B_CUSTOMERS,
        seed: 42,
        discounts: true,
        ..Default::default()
    };
    let input = out_dir.join("b2b_transactions.csv");
    let master = out_dir.join("b2b_customers.csv");
    let sink = Sink::new(config.run.fsync);
    custseg_data::synth_io::write_synth(&params, &input, custseg_data::synth_io::SynthFormat::Csv, sink)?;
    custseg_data::synth_io::write_synth_master(&params, &master, sink)?;
    let summary = run(RunRequest {
        transactions: input.clone().into(),
        customers: Some(master.into()),
        config,
        out_dir: out_dir.to_path_buf(),
        progress: None,
        store: None,
        report,
    })?;
    Ok((input, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_sample_converts_every_row() {
        let csv = cdnow_csv();
        assert_eq!(csv.lines().count(), 6919 + 1);
        assert!(csv.lines().nth(1).is_some_and(|l| l == "0001,00004,19970101,2,29.33"));
    }
}
