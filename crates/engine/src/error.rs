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
    /// The caller cancelled the job ([`crate::Monitor::cancel`]).
    #[error("the run was cancelled")]
    Cancelled,
    /// custseg or the machine failed, not the caller or the data.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Whose a failure is: what a server answers (400, 422, 500).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The caller asked for something wrong: a setting, a column mapping, a model file, a run
    /// id, an input path that does not exist, an output directory in use.
    Request,
    /// The data cannot be classified as asked: unreadable columns, dates or numbers, nothing
    /// kept, rejects under `--strict`, a model that does not converge.
    Data,
    /// custseg or the machine failed: writing outputs, the run history, the query engine.
    Internal,
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

impl EngineError {
    /// Whose the failure is.
    pub fn fault(&self) -> Fault {
        match self {
            EngineError::Config { .. }
            | EngineError::ModelFile { .. }
            | EngineError::Invalid(_)
            | EngineError::NoSuchRun { .. }
            | EngineError::Cancelled => Fault::Request,
            EngineError::Strict { .. }
            | EngineError::NothingKept { .. }
            | EngineError::Clv(_)
            | EngineError::Cluster(_) => Fault::Data,
            EngineError::Store { .. } | EngineError::Report(_) | EngineError::Internal(_) => Fault::Internal,
            EngineError::Data(e) => data_fault(e),
        }
    }
}

fn data_fault(e: &DataError) -> Fault {
    match e {
        // reading what the caller named: a path that is not there is theirs to fix
        DataError::Io { action, .. } if ["read", "open", "stat", "list"].iter().any(|a| action.starts_with(a)) => {
            Fault::Request
        }
        DataError::Io { .. } | DataError::Engine { .. } => Fault::Internal,
        DataError::Stopped(_)
        | DataError::NoFiles { .. }
        | DataError::UnknownColumn { .. }
        | DataError::UnknownRole { .. }
        | DataError::BadDateFormat { .. }
        | DataError::Busy { .. }
        | DataError::OutputPath { .. } => Fault::Request,
        DataError::Unreadable { .. }
        | DataError::NoDataRows { .. }
        | DataError::Encoding { .. }
        | DataError::MissingColumn { .. }
        | DataError::AmbiguousColumn { .. }
        | DataError::SchemaMismatch { .. }
        | DataError::DateFormat { .. }
        | DataError::NumberFormat { .. }
        | DataError::SumOverflow { .. } => Fault::Data,
    }
}

/// Result alias for the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Longest line of a message shown to a person (the rest is cut, saying how much).
pub const MAX_MESSAGE_LINE: usize = 300;
/// Most lines of a message shown to a person.
pub const MAX_MESSAGE_LINES: usize = 40;

/// A message made safe to show: control characters (a NUL from a bad header, an escape
/// sequence) written as `\u{..}`, each line cut to [`MAX_MESSAGE_LINE`] characters and the
/// message to [`MAX_MESSAGE_LINES`] lines, so a 64 KB header line in an error does not flood the
/// terminal or a log.
pub fn printable(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE_LINE * MAX_MESSAGE_LINES));
    let lines: Vec<&str> = message.lines().collect();
    for (k, line) in lines.iter().take(MAX_MESSAGE_LINES).enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let total = line.chars().count();
        for (shown, c) in line.chars().enumerate() {
            if shown == MAX_MESSAGE_LINE {
                out.push_str(&format!("... ({} more characters)", total - shown));
                break;
            }
            if c.is_control() && c != '\t' {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            } else {
                out.push(c);
            }
        }
    }
    if lines.len() > MAX_MESSAGE_LINES {
        out.push_str(&format!("\n... ({} more lines)", lines.len() - MAX_MESSAGE_LINES));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_tell_the_caller_from_the_data_from_custseg() {
        let io = |action| DataError::io(action, "x.csv")(std::io::Error::other("gone"));
        assert_eq!(EngineError::Invalid("k".into()).fault(), Fault::Request);
        assert_eq!(EngineError::Data(io("read")).fault(), Fault::Request);
        assert_eq!(EngineError::Data(io("write")).fault(), Fault::Internal);
        let nothing = EngineError::NothingKept { rejected: 3, read: 3, rejects: "r.csv".into() };
        assert_eq!(nothing.fault(), Fault::Data);
        assert_eq!(EngineError::Internal("runtime".into()).fault(), Fault::Internal);
        let missing = DataError::MissingColumn {
            role: "amount",
            path: "x.csv".into(),
            looked_for: "amount".into(),
            found: "a, b".into(),
        };
        assert_eq!(EngineError::Data(missing).fault(), Fault::Data);
    }

    #[test]
    fn messages_are_cut_and_printable() {
        assert_eq!(printable("cannot read a.csv: bad\nhint: fix"), "cannot read a.csv: bad\nhint: fix");
        assert_eq!(printable("col\0umn \u{1b}[31m"), "col\\u{0}umn \\u{1b}[31m");
        let long = format!("columns found: {}", "x,".repeat(30_000));
        let shown = printable(&long);
        assert!(shown.chars().count() < MAX_MESSAGE_LINE + 40, "{}", shown.len());
        assert!(shown.ends_with("more characters)"), "{shown}");
        let many = "line\n".repeat(100);
        assert!(printable(&many).ends_with("(60 more lines)"));
    }
}
