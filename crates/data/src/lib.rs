//! custseg-data: the only custseg crate that speaks Arrow and DataFusion.
//!
//! It sits between the pure algorithms (custseg-core) and the pipeline (custseg-engine):
//! - [`source`]: find input files, detect CSV encoding (UTF-8, BOM, GBK), delimiter and header;
//! - [`mapping`]: which column is the customer, date, amount ... (English and Chinese names);
//! - [`parse`]: dates in several layouts (detected, never guessed) and amounts;
//!   [`number_format`]: a number column's decimal mark (point or comma), decided by its values;
//! - [`clean`] + [`ingest`]: every row kept or rejected with one reason, in parallel;
//! - [`quality`]: the accounting of rows (read = kept + rejected);
//! - [`features`]: per-customer features aggregated by DataFusion;
//! - [`master`]: the optional customer master file;
//! - [`sink`]: atomic CSV / Parquet / JSON writers; [`outdir`]: a run's output directory, locked,
//!   staged and published with its manifest last; [`readback`]: a run's outputs read back (for
//!   the report); [`synth_io`]: the synthetic log writer.
//!
//! ```no_run
//! # async fn demo() -> Result<(), custseg_data::DataError> {
//! use custseg_data::{ingest::{IngestOptions, ingest}, features::{Present, aggregate}, session};
//! let ctx = session(2);
//! let input = ingest(&ctx, "orders.csv".as_ref(), &IngestOptions::default(), None, ".".as_ref(), None).await?;
//! let as_of = input.max_day.unwrap_or(0) + 1;
//! let features = aggregate(&ctx, input.kept, input.names, Present::default(), as_of).await?;
//! println!("{} customers", features.len());
//! # Ok(()) }
//! ```

pub mod baskets;
pub mod clean;
mod csv_scan;
mod dictionary;
mod error;
pub mod features;
#[cfg(test)]
mod fuzz_targets;
pub mod holdout;
pub mod ingest;
mod json_lines;
pub mod mapping;
pub mod master;
pub mod number_format;
pub mod outdir;
pub mod parse;
pub mod quality;
pub mod readback;
pub mod rules;
pub mod sink;
pub mod source;
mod swar;
pub mod synth_io;
mod workers;

pub use error::{DataError, Result};

/// The DataFusion session every reader and aggregation runs in (see [`session`]).
pub use datafusion::execution::context::SessionContext;
use datafusion::prelude::SessionConfig;

/// A DataFusion session for custseg work: `threads` partitions (0 = number of cores), file
/// scans split across them.
pub fn session(threads: usize) -> SessionContext {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    let mut config =
        SessionConfig::new().with_target_partitions(threads).with_repartition_file_scans(true).with_batch_size(8192);
    // Parquet text as plain UTF-8 arrays: the cleaner reads text as `Utf8`, and view arrays
    // would be copied into that shape batch by batch (measured 5% of a Parquet ingest)
    config.options_mut().execution.parquet.schema_force_view_types = false;
    SessionContext::new_with_config(config)
}
