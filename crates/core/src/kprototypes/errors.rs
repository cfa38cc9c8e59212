use thiserror::Error;

/// Errors of k-prototypes.
#[derive(Debug, Error, PartialEq)]
pub enum KPrototypesError {
    /// A parameter out of range.
    #[error("kprototypes {name} must be {rule}, got {value}")]
    InvalidParam { name: &'static str, rule: &'static str, value: f64 },
    /// The data do not have the stated shape.
    #[error("kprototypes {what} has {len} values for {n_rows} rows")]
    Shape { what: &'static str, len: usize, n_rows: usize },
    /// No attributes at all.
    #[error("kprototypes needs at least one categorical attribute")]
    NoCategorical,
    /// Fewer rows than clusters.
    #[error(
        "kprototypes needs at least {n_clusters} customers to make {n_clusters} clusters, got {n_rows}\n\
         hint: lower the number of clusters"
    )]
    TooFewRows { n_rows: usize, n_clusters: usize },
    /// A missing or infinite numeric value.
    #[error(
        "kprototypes row {row}, feature {feature}: value {value} is not finite\nhint: fill or drop missing values first"
    )]
    NonFinite { row: usize, feature: usize, value: f64 },
    /// A level code outside its attribute's levels.
    #[error("kprototypes row {row}, attribute {attribute}: level code {code} is not below {levels}")]
    Level { row: usize, attribute: usize, code: u32, levels: u32 },
    /// A negative or non-finite sample weight.
    #[error("kprototypes row {row}: weight must be finite and >= 0, got {value}")]
    Weight { row: usize, value: f64 },
}
