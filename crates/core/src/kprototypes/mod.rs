//! k-prototypes (Huang 1998): clustering of customers described by numeric *and* categorical
//! attributes (industry, region, preferred channel).
//!
//! **What it does.** The distance of a customer to a prototype is the squared Euclidean distance
//! over the numeric features (already scaled) plus `gamma` × the number of categorical attributes
//! that differ from the prototype's. A prototype is the weighted mean of its members' numeric
//! features and the weighted mode of each categorical attribute (ties: the lowest level code).
//! Iterations alternate assignment and update until no assignment changes.
//!
//! **gamma.** Unless given, gamma = 0.5 × the mean standard deviation of the numeric features
//! (Huang suggests a value between 1/3 and 2/3 of it; 0.5 is the midpoint used by the `kmodes`
//! package). With z-scored features this is 0.5: one categorical mismatch costs as much as a
//! squared numeric distance of 0.5.
//!
//! **Seeding and determinism.** Each restart seeds with k-means++ on the mixed distance from its
//! own stream of the seed; the lowest cost wins (ties: the first). Sums run over fixed row
//! chunks in order, so the result does not depend on the number of threads. An empty cluster is
//! re-seeded at the row farthest from its prototype.
//!
//! ```
//! use custseg_core::kprototypes::{KPrototypesParams, fit};
//! // one numeric feature, one categorical attribute with two levels
//! let x = [0.0, 0.1, 0.2, 5.0, 5.1, 5.2];
//! let cat = [0, 0, 0, 1, 1, 1];
//! let p = KPrototypesParams { n_clusters: 2, ..KPrototypesParams::default() }.check()?;
//! let m = fit(&x, 1, &cat, &[2], None, &p)?;
//! assert_eq!(m.labels[0], m.labels[2]);
//! assert_ne!(m.labels[0], m.labels[3]);
//! # Ok::<(), custseg_core::kprototypes::KPrototypesError>(())
//! ```

mod apply;
mod errors;
mod fit;
mod params;

pub use apply::KPrototypes;
pub use errors::KPrototypesError;
pub use params::{KPrototypesParams, ValidKPrototypesParams};

/// Fits k-prototypes on numeric `x` (`n_rows × n_numeric`) and categorical level codes `cat`
/// (`n_rows × n_categorical`, codes below `levels[j]` for attribute j), with optional weights.
///
/// # Errors
/// [`KPrototypesError`] for unusable data or too few rows.
pub fn fit(
    x: &[f64],
    n_numeric: usize,
    cat: &[u32],
    levels: &[u32],
    weights: Option<&[f64]>,
    params: &ValidKPrototypesParams,
) -> Result<KPrototypes, KPrototypesError> {
    let data = fit::Data::new(x, n_numeric, cat, levels, weights)?;
    fit::fit(&data, params)
}

#[cfg(test)]
mod tests;
