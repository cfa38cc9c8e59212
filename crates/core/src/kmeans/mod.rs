//! k-means clustering: k-means++ seeding, restarts, and Lloyd iterations accelerated with
//! Hamerly's bounds.
//!
//! **What it does.** Splits customers (rows of numeric features, already scaled) into k groups
//! so that the weighted sum of squared distances to the group means (the *inertia*) is small.
//! Each restart seeds with greedy k-means++ from its own stream of the seed; the restart with
//! the lowest inertia wins (ties: the first). Iterations stop when no assignment changes or
//! when the centres' squared shifts sum to at most `tol` × the mean feature variance.
//!
//! **Large inputs.** Above `minibatch_above` rows (2,000,000 by default; `algorithm` overrides)
//! each restart runs mini-batch k-means (Sculley 2010) on seeded batches, seeded by k-means++ on
//! a seeded 100,000-row sample, and ends with three full Lloyd iterations.
//!
//! **Determinism.** Every parallel sum runs over fixed chunks of rows combined in order, so the
//! result depends on the seed only, never on the number of threads. Distance ties go to the
//! lower centre index. An empty cluster is re-seeded at the row farthest from its centre.
//!
//! ```
//! use custseg_core::kmeans::{KMeansParams, fit};
//! // two obvious groups on a line
//! let x = [0.0, 0.1, 0.2, 10.0, 10.1, 10.2];
//! let p = KMeansParams { n_clusters: 2, ..KMeansParams::default() }.check()?;
//! let m = fit(&x, 1, None, &p)?;
//! assert_eq!(m.labels[0], m.labels[2]);
//! assert_ne!(m.labels[0], m.labels[3]);
//! # Ok::<(), custseg_core::kmeans::KMeansError>(())
//! ```

mod apply;
mod errors;
pub(crate) mod fit;
mod minibatch;
mod params;

pub use apply::KMeans;
pub use errors::KMeansError;
pub use params::{Algorithm, KMeansParams, ValidKMeansParams};

/// Fits k-means on `x` (`n_rows × n_features`, row-major) with optional sample weights.
///
/// # Errors
/// [`KMeansError::Shape`], [`KMeansError::NonFinite`], [`KMeansError::Weight`] for unusable data;
/// [`KMeansError::TooFewRows`] when there are fewer rows than clusters.
pub fn fit(
    x: &[f64],
    n_features: usize,
    weights: Option<&[f64]>,
    params: &ValidKMeansParams,
) -> Result<KMeans, KMeansError> {
    let data = fit::Data::new(x, n_features, weights)?;
    fit::fit(&data, params)
}

/// The k-means++ centres the first restart of [`fit`] starts from (`k × n_features`).
///
/// # Errors
/// As [`fit`].
pub fn seed_centres(
    x: &[f64],
    n_features: usize,
    weights: Option<&[f64]>,
    params: &ValidKMeansParams,
) -> Result<Vec<f64>, KMeansError> {
    let data = fit::Data::new(x, n_features, weights)?;
    let p = params.params();
    if data.n() < p.n_clusters {
        return Err(KMeansError::TooFewRows { n_rows: data.n(), n_clusters: p.n_clusters });
    }
    let mut rng = crate::math::Rng::for_stream(p.seed, 0);
    Ok(fit::kmeans_plus_plus(&data, p.n_clusters, &mut rng))
}

/// Runs the iterations from given initial centres (`k × n_features`), with no seeding or
/// restarts: for comparisons with other implementations from the same start.
///
/// # Errors
/// As [`fit`]; [`KMeansError::Shape`] for centres of the wrong width.
pub fn fit_from(
    x: &[f64],
    n_features: usize,
    weights: Option<&[f64]>,
    centres: &[f64],
    params: &ValidKMeansParams,
) -> Result<KMeans, KMeansError> {
    let data = fit::Data::new(x, n_features, weights)?;
    if centres.is_empty() || n_features == 0 || !centres.len().is_multiple_of(n_features) {
        return Err(KMeansError::Shape { len: centres.len(), n_features });
    }
    let p = params.params();
    Ok(fit::lloyd(&data, centres.to_vec(), p.max_iter, p.tol * data.mean_variance(), p.accelerated))
}

#[cfg(test)]
mod tests;
