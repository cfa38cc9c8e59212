//! Everything around the clustering algorithms ([`crate::kmeans`], [`crate::kprototypes`]) that
//! turns customer features into groups a person can name: feature preparation, the choice of k,
//! the 2-D projection for plots, and cluster profiles with generated names.
//!
//! - [`prep`]: log1p transforms (negative values clipped at 0 first), missing values filled with
//!   the feature's median, z-score or robust (median / IQR) scaling, per-feature weights.
//! - [`select`]: fits k over a range and scores each k by silhouette (on a seeded sample of at
//!   most 20,000 rows), Calinski-Harabasz, Davies-Bouldin and inertia (elbow by kneedle); the
//!   chosen k is the one with the highest silhouette (exact ties: the smaller k).
//! - [`metrics`]: those scores and the adjusted Rand index.
//! - [`pca`]: the first two principal components.
//! - [`profile`]: per-cluster size, revenue, feature means and medians, deviations in standard
//!   deviations, the three defining traits and a zh/en name; clusters numbered 1..k by mean
//!   monetary value, descending.
//!
//! ```
//! use custseg_core::cluster::metrics::adjusted_rand_index;
//! // the same partition under other names scores 1
//! assert!((adjusted_rand_index(&[0, 0, 1, 1], &[5, 5, 2, 2]) - 1.0).abs() < 1e-12);
//! ```

mod errors;
pub mod metrics;
pub mod pca;
pub mod prep;
pub mod profile;
pub mod select;

pub use errors::ClusterError;

#[cfg(test)]
mod tests;
