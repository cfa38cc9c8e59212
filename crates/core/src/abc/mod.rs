//! ABC (Pareto) classification by cumulative share of revenue.
//!
//! Customers are sorted by monetary value, largest first; ties keep input order (the pipeline
//! passes customers sorted by id, so ties break by customer id ascending). Walking down the list,
//! a customer is A while the revenue of the customers *before* them is below `a_share` of total
//! positive revenue (so the customer who crosses the line is still A), then B up to `b_share`,
//! then C. Customers with zero or negative net revenue are always C.
//!
//! The summary carries the Pareto figure (revenue share of the top 20% of customers, rounded up
//! to whole customers) and the Gini coefficient of revenue (negative values clipped to 0).
//!
//! ```
//! use custseg_core::abc::{AbcParams, classify};
//! let revenue = [500.0, 300.0, 100.0, 60.0, 40.0];
//! let (tiers, summary) = classify(&revenue, &AbcParams::default().check()?);
//! assert_eq!(tiers, vec!["a", "a", "b", "b", "c"]);
//! assert!((summary.top20_share - 0.5).abs() < 1e-12);
//! # Ok::<(), custseg_core::abc::AbcError>(())
//! ```

mod apply;
mod errors;
mod fit;
mod params;

pub use apply::{Abc, TierStart};
pub use errors::AbcError;
pub use fit::{AbcSummary, classify, fit, gini};
pub use params::{AbcParams, ValidAbcParams};
