//! custseg-core: the pure algorithms of custseg, on plain Rust data.
//!
//! This crate sits at the bottom of the data flow (core <- data <- engine <- cli). It knows
//! nothing of files, Arrow, DataFusion or async.
//!
//! Every classifier module has the same furniture: `params` (settings, `check()` into the valid
//! form), `errors`, `fit` (a population's slices -> the model and every customer's assignment)
//! and `apply` (the model and one customer's values -> that customer's assignment, the one the
//! fit gave them). A model holds the cuts ([`cuts::Cuts`]) or thresholds, never the population,
//! so a server classifies one customer without refitting.
//!
//! - [`rfm`]: R/F/M scores 1..n from quantiles (ties share a score) or explicit breakpoints, the
//!   11 named Western segments from an editable rule table, and the Chinese 8-class scheme.
//! - [`abc`]: ABC (Pareto) tiers by cumulative revenue share, with the Pareto figure and Gini.
//! - [`value_tier`]: high / mid / low value by monetary percentile.
//! - [`lifecycle`]: prospect, new, active, at-risk, churned, reactivated.
//! - [`assoc`]: frequent itemsets of baskets (FP-growth), for association rules.
//! - [`synth`]: a seeded synthetic transaction log (BG/NBD purchases, Gamma-Gamma spend).
//! - [`catalog`]: the zh/en display names of every built-in label id.
//!
//! ```
//! use custseg_core::rfm::quantile_scores;
//! // frequencies of six customers; equal values always get equal scores
//! let f = [1.0, 1.0, 1.0, 2.0, 5.0, 9.0];
//! assert_eq!(quantile_scores(&f, 5), vec![1, 1, 1, 3, 4, 5]);
//! ```

pub mod abc;
pub mod assoc;
pub mod catalog;
pub mod cluster;
pub mod clv;
pub mod cuts;
pub mod kmeans;
pub mod kprototypes;
pub mod lifecycle;
pub mod math;
pub mod matrix;
pub mod rfm;
pub mod synth;
pub mod value_tier;

pub use catalog::Lang;
