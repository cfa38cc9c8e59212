use thiserror::Error;

/// Errors of k-means.
#[derive(Debug, Error, PartialEq)]
pub enum KMeansError {
    /// A parameter out of range.
    #[error("kmeans {name} must be {rule}, got {value}")]
    InvalidParam { name: &'static str, rule: &'static str, value: f64 },
    /// The data matrix is not `n_rows x n_features`.
    #[error("kmeans data has {len} values, not a multiple of {n_features} features")]
    Shape { len: usize, n_features: usize },
    /// Fewer distinct rows than clusters.
    #[error(
        "kmeans needs at least {n_clusters} customers to make {n_clusters} clusters, got {n_rows}\n\
         hint: lower the number of clusters"
    )]
    TooFewRows { n_rows: usize, n_clusters: usize },
    /// A missing or infinite value.
    #[error(
        "kmeans row {row}, feature {feature}: value {value} is not finite\nhint: fill or drop missing values first"
    )]
    NonFinite { row: usize, feature: usize, value: f64 },
    /// A negative or non-finite sample weight.
    #[error("kmeans row {row}: weight must be finite and >= 0, got {value}")]
    Weight { row: usize, value: f64 },
}
