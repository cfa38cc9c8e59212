use std::path::PathBuf;

use datafusion::error::DataFusionError;
use thiserror::Error;

/// Everything that stops custseg-data from reading or writing. Bad *rows* are not errors:
/// they are counted and written to the rejects file (see [`crate::quality`]).
#[derive(Debug, Error)]
pub enum DataError {
    /// The caller's own check on the input's columns failed (the message says why).
    #[error("{0}")]
    Stopped(String),
    /// A file or directory could not be opened, read or written.
    #[error("cannot {action} {path}: {source}")]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    /// The input path names no supported file.
    #[error(
        "no input files found at {path}\nhint: give a .csv, .tsv, .txt, .parquet, .json, .jsonl or .ndjson file, or a directory of them"
    )]
    NoFiles { path: PathBuf },
    /// A file exists but has a format custseg cannot read.
    #[error("cannot read {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    /// A file has a header but no data rows.
    #[error("{path} has no data rows")]
    NoDataRows { path: PathBuf },
    /// The bytes are neither UTF-8 nor GBK/GB18030.
    #[error(
        "{path} is not valid {encoding} text (first bad byte near offset {offset})\nhint: set the encoding with --encoding utf8|gbk"
    )]
    Encoding { path: PathBuf, encoding: &'static str, offset: usize },
    /// A required column was not found.
    #[error(
        "{path}: no column for {role} (looked for {looked_for}); columns found: {found}\nhint: name it with --map {role}=COLUMN"
    )]
    MissingColumn { role: &'static str, path: PathBuf, looked_for: String, found: String },
    /// Several columns could be the same role.
    #[error("{path}: columns {candidates} could each be the {role} column\nhint: choose one with --map {role}=COLUMN")]
    AmbiguousColumn { role: &'static str, path: PathBuf, candidates: String },
    /// `--map role=column` names a column the file does not have.
    #[error("{path}: --map {role}={column} names no column; columns found: {found}")]
    UnknownColumn { role: String, column: String, path: PathBuf, found: String },
    /// `--map` names a role custseg does not know.
    #[error("unknown column role `{role}`; roles: {roles}")]
    UnknownRole { role: String, roles: String },
    /// Files of one input disagree on their columns.
    #[error("{path} has columns {found}, but {first} has {expected}\nhint: files read together must share one header")]
    SchemaMismatch { path: PathBuf, first: PathBuf, expected: String, found: String },
    /// The date format could not be told from the data.
    #[error("{path}: cannot tell the date format of column `{column}` from values such as {examples}\n{hint}")]
    DateFormat { path: PathBuf, column: String, examples: String, hint: String },
    /// A number column's values prove a decimal point and a decimal comma equally often.
    #[error(
        "{path}: column `{column}` has values that read only with a decimal point ({point}) and as many that read only with a decimal comma ({comma})\nhint: say which with --decimal . or --decimal ,"
    )]
    NumberFormat { path: PathBuf, column: String, point: String, comma: String },
    /// A customer's amounts add up to more than the money units can hold exactly.
    #[error(
        "the amounts of customer `{customer}` add up to about {total} in absolute value, more than custseg can add exactly (922,337,203,685,477)\nhint: check the amount column for values in the wrong unit or column"
    )]
    SumOverflow { customer: String, total: String },
    /// Another custseg run is writing into the output directory.
    #[error(
        "another custseg run is writing into {dir}\nhint: wait for it to finish, or give this run another output directory with --out"
    )]
    Busy { dir: PathBuf },
    /// An output path cannot be written.
    #[error("cannot write {path}: {why}\nhint: give the run another output directory with --out")]
    OutputPath { path: PathBuf, why: String },
    /// A user-given date format is not valid.
    #[error("invalid --date-format `{format}`: {message}")]
    BadDateFormat { format: String, message: String },
    /// DataFusion or Arrow failed while reading or aggregating.
    #[error("{context}: {source}{}", engine_hint(source))]
    Engine { context: String, source: DataFusionError },
}

/// A hint for engine errors a user can fix in the file.
fn engine_hint(e: &DataFusionError) -> &'static str {
    if e.to_string().contains("incorrect number of fields") {
        "\nhint: a row has more fields than the header (an unquoted delimiter inside a value?); quote that value or remove the extra field (the line number counts from the start of the part of the file being read when it is split for parallel reading)"
    } else {
        ""
    }
}

impl DataError {
    /// Wraps an I/O error with the action and path.
    pub fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> DataError {
        let path = path.into();
        move |source| DataError::Io { action, path, source }
    }

    /// Wraps an engine error with what was being done.
    pub fn engine(context: impl Into<String>) -> impl FnOnce(DataFusionError) -> DataError {
        let context = context.into();
        move |source| DataError::Engine { context, source }
    }
}

impl From<datafusion::arrow::error::ArrowError> for DataError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        DataError::Engine { context: "arrow".into(), source: DataFusionError::ArrowError(Box::new(e), None) }
    }
}

/// Result alias for this crate.
pub type Result<T, E = DataError> = std::result::Result<T, E>;
