//! custseg-engine: the one pipeline from a configuration to classified customers.
//!
//! `config -> ingest (custseg-data) -> features (custseg-data) -> classifiers (custseg-core) ->
//! outputs`. The CLI and, later, the server call [`run_async`] on their own runtime (or [`run`]
//! without one); neither holds business logic.
//!
//! ```no_run
//! use custseg_engine::{Config, RunRequest, Source, run};
//! let summary = run(RunRequest {
//!     transactions: Source::Files("orders.csv".into()),
//!     customers: None,
//!     config: Config::default(),
//!     out_dir: "out".into(),
//!     progress: None,
//!     store: None,
//!     report: None,
//! })?;
//! println!("{} customers as of {}", summary.record.counts.customers, summary.record.as_of);
//! # Ok::<(), custseg_engine::EngineError>(())
//! ```

pub mod alerts;
pub mod basket;
pub mod classify;
pub mod cluster;
pub mod clv;
pub mod commands;
pub mod config;
pub mod demo;
pub mod error;
pub mod history;
mod input;
pub mod inspect;
pub mod label;
pub mod lookalike;
pub mod matrix;
pub mod migration;
pub mod model;
pub mod monitor;
pub mod one;
pub mod output;
pub mod pipeline;
pub mod playbook;
pub mod preflight;
pub mod rules;
pub mod store;
pub mod track;
pub mod wallet;

pub use config::{AsOf, Config, DEFAULT_TOML};
pub use error::{EngineError, Fault, Result};
pub use input::Source;
pub use monitor::Monitor;
pub use pipeline::{REPORT_FILE, Renderer, RunRequest, RunSummary, run, run_async, runtime};

pub use custseg_core::synth::SynthParams;
pub use custseg_data::synth_io::{SynthFormat, write_synth, write_synth_master};

// What callers (the CLI, the server) need of the lower crates, so that they depend on the
// engine alone: the language and name catalog, the option enums a configuration holds, the
// quality reports a run returns, the I/O error and progress counter, and the readers and writers
// of a run's tables (for the report crate).
pub use custseg_core::clv::ModelKind;
pub use custseg_core::lifecycle::ThresholdSource;
pub use custseg_core::{Lang, catalog};
pub use custseg_data::DataError;
pub use custseg_data::clean::{Returns, ZeroAmount};
pub use custseg_data::ingest::Progress;
pub use custseg_data::mapping::PersonalData;
pub use custseg_data::master::MasterReport;
pub use custseg_data::quality::QualityReport;
pub use custseg_data::readback::{read_csv_text, read_parquet};
pub use custseg_data::sink::{Column, Sink, Table};
pub use custseg_data::source::{Encoding, split_record};
