//! RFM: recency, frequency and monetary scores, and the two named-segment schemes built on them.
//!
//! **Scores.** Each dimension gets a score 1..=n (default n = 5, higher is better; recency is
//! reversed so 5 = most recent). By default scores come from quantiles with one tie rule:
//! a customer's score is `1 + floor(n * (r - 1) / N)`, where `N` is the number of scored
//! customers and `r` the 1-based rank, in ascending order of goodness, of the *first* customer
//! with the same value. Equal values therefore always get equal scores (a heavy tie, such as the
//! many one-time buyers of a shop, lands in one low band instead of being split arbitrarily), and
//! for distinct values the bands are equal-sized quantiles like SQL `NTILE`. Explicit breakpoints
//! replace quantiles per dimension (see [`RfmParams`]).
//!
//! **Segments.** [`SegmentRule`]s map score combinations to the 11 standard Western segments
//! (Champions .. Lost; first matching rule wins, editable in the config), and [`cn8`] classifies
//! R, F and M as high or low against their mean or median into the Chinese 8-class scheme
//! (重要价值客户 .. 一般挽留客户).
//!
//! ```
//! use custseg_core::rfm::{RfmParams, score};
//! let recency = [5.0, 40.0, 300.0, 12.0];
//! let frequency = [9.0, 2.0, 1.0, 4.0];
//! let monetary = [900.0, 80.0, 15.0, 300.0];
//! let s = score(&recency, &frequency, &monetary, &RfmParams::default().check()?);
//! // with 4 customers and 5 bands the best gets 1 + floor(5 * 3 / 4) = 4
//! assert_eq!(s.r, vec![4, 2, 1, 3]);
//! assert_eq!(s.m, vec![4, 2, 1, 3]);
//! # Ok::<(), custseg_core::rfm::RfmError>(())
//! ```

mod apply;
pub mod cn8;
mod errors;
mod fit;
mod params;
mod segments;

pub use apply::Rfm;
pub use cn8::{Cn8Basis, cn8, cn8_class};
pub use errors::RfmError;
pub use fit::{RfmScores, breakpoint_scores, fit, quantile_scores, score};
pub use params::{RfmParams, ValidRfmParams};
pub use segments::{SegmentRule, default_segment_rules, default_segment_rules_for, segment, validate_rules};
