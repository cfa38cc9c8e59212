use thiserror::Error;

use crate::kmeans::KMeansError;
use crate::kprototypes::KPrototypesError;

/// Errors of feature preparation and model selection.
#[derive(Debug, Error, PartialEq)]
pub enum ClusterError {
    /// No features to cluster on.
    #[error("clustering needs at least one feature")]
    NoFeatures,
    /// Every value of a feature is missing.
    #[error("cluster feature {feature} has no values\nhint: drop it from [cluster] features")]
    AllMissing { feature: String },
    /// A weight that is negative or not finite.
    #[error("cluster feature {feature}: weight must be finite and > 0, got {value}")]
    Weight { feature: String, value: f64 },
    /// Columns of different lengths.
    #[error("cluster feature {feature} has {len} values, expected {expected}")]
    Length { feature: String, len: usize, expected: usize },
    /// A k range that cannot be searched.
    #[error("cluster k range {min}..={max} is empty or starts below 1")]
    KRange { min: usize, max: usize },
    /// Fewer distinct customers than the smallest k.
    #[error(
        "only {distinct} distinct customers (after preparation) for at least {min_k} clusters\n\
         hint: lower k or add features"
    )]
    TooFewDistinct { distinct: usize, min_k: usize },
    /// k-means failed.
    #[error(transparent)]
    KMeans(#[from] KMeansError),
    /// k-prototypes failed.
    #[error(transparent)]
    KPrototypes(#[from] KPrototypesError),
}
