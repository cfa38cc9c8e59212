use std::path::PathBuf;

use custseg_data::DataError;
use thiserror::Error;

/// Why a pipeline run stopped.
#[derive(Debug, Error)]
pub enum EngineError {
    /// Reading, cleaning, aggregating or writing data failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The config file could not be read or is invalid.
    #[error("config {path}: {message}")]
    Config { path: PathBuf, message: String },
    /// A model file could not be read or is not a custseg model.json.
    #[error("model file {path}: {message}\nhint: use a model.json written by `custseg clv fit` or `custseg run`")]
    ModelFile { path: PathBuf, message: String },
    /// A parameter is out of range.
    #[error("invalid setting: {0}")]
    Invalid(String),
    /// `--strict` and some rows were rejected.
    #[error("{rejected} of {read} rows were rejected and --strict is set (see {rejects})")]
    Strict { rejected: u64, read: u64, rejects: PathBuf },
    /// A CLV model could not be fitted or used.
    #[error("clv: {0}")]
    Clv(Box<custseg_core::clv::ClvError>),
    /// The customers could not be clustered.
    #[error("cluster: {0}")]
    Cluster(custseg_core::cluster::ClusterError),
    /// The run history database failed.
    #[error("store {path}: {message}")]
    Store { path: PathBuf, message: String },
    /// A run id that the store does not have.
    #[error("store {path} has no run {id}\nhint: `custseg history` lists the runs")]
    NoSuchRun { id: i64, path: PathBuf },
    /// A report could not be made from a directory.
    #[error("report: {0}")]
    Report(String),
    /// No customer remained after cleaning.
    #[error("no rows were kept ({rejected} of {read} rejected), so there are no customers to classify (see {rejects})")]
    NothingKept { rejected: u64, read: u64, rejects: PathBuf },
}

impl EngineError {
    /// Process exit code: 1 when the run failed on the data (`--strict`, nothing kept, a model
    /// that does not converge), 2 for
    /// usage errors and unreadable input.
    pub fn exit_code(&self) -> i32 {
        match self {
            EngineError::Strict { .. }
            | EngineError::NothingKept { .. }
            | EngineError::Clv(_)
            | EngineError::Cluster(_)
            | EngineError::Data(DataError::SumOverflow { .. }) => 1,
            _ => 2,
        }
    }
}

/// Result alias for the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
