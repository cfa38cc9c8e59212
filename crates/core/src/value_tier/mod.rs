//! High / mid / low value tiers (高/中/低价值) by monetary percentile.
//!
//! A customer's percentile is `(r - 1) / N`, `r` the 1-based min rank of their monetary value in
//! ascending order (ties share a percentile, hence a tier). High: percentile >= `1 - high_share`;
//! low: percentile < `low_share`; mid otherwise. Defaults: top 20% high, bottom 50% low.
//!
//! ```
//! use custseg_core::value_tier::{ValueTierParams, classify};
//! let m = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0];
//! let t = classify(&m, &ValueTierParams::default().check()?);
//! assert_eq!(t, vec!["low", "low", "low", "low", "low", "mid", "mid", "mid", "high", "high"]);
//! # Ok::<(), custseg_core::value_tier::ValueTierError>(())
//! ```

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::cuts::{Better, Cuts};
use crate::math::min_ranks;

/// Invalid value-tier parameters.
#[derive(Debug, Error, PartialEq)]
pub enum ValueTierError {
    /// Shares must be positive and leave room for a mid tier.
    #[error(
        "value_tier shares must satisfy 0 < high_share, 0 < low_share, high_share + low_share < 1, got high_share = {high_share}, low_share = {low_share}"
    )]
    Shares { high_share: f64, low_share: f64 },
}

/// Unchecked value-tier parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ValueTierParams {
    /// Share of customers (by percentile) in the high tier; default 0.2.
    pub high_share: f64,
    /// Share of customers (by percentile) in the low tier; default 0.5.
    pub low_share: f64,
}

impl Default for ValueTierParams {
    fn default() -> Self {
        ValueTierParams { high_share: 0.2, low_share: 0.5 }
    }
}

/// Parameters that passed [`ValueTierParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidValueTierParams(ValueTierParams);

impl ValueTierParams {
    /// # Errors
    /// [`ValueTierError::Shares`] for shares that do not leave a mid tier.
    pub fn check(&self) -> Result<ValidValueTierParams, ValueTierError> {
        if self.high_share > 0.0 && self.low_share > 0.0 && self.high_share + self.low_share < 1.0 {
            Ok(ValidValueTierParams(self.clone()))
        } else {
            Err(ValueTierError::Shares { high_share: self.high_share, low_share: self.low_share })
        }
    }
}

/// The tier (`"high"`, `"mid"`, `"low"`) of every customer in input order.
pub fn classify(monetary: &[f64], params: &ValidValueTierParams) -> Vec<&'static str> {
    let p = &params.0;
    let n = monetary.len().max(1) as f64;
    min_ranks(monetary)
        .into_iter()
        .map(|rank0| {
            let pct = rank0 as f64 / n;
            if pct >= 1.0 - p.high_share - 1e-12 {
                "high"
            } else if pct < p.low_share - 1e-12 {
                "low"
            } else {
                "mid"
            }
        })
        .collect()
}

/// The tier ids, lowest first (the levels of [`ValueTier`]'s cuts).
const TIERS: [&str; 3] = ["low", "mid", "high"];

/// Fitted value tiers: the monetary value where mid and high start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueTier {
    /// Monetary cut points (mid, then high).
    pub monetary: Cuts,
}

impl ValueTier {
    /// The cut points behind a classification from [`classify`].
    pub fn from_tiers(monetary: &[f64], tiers: &[&str]) -> ValueTier {
        let levels: Vec<u8> = tiers.iter().map(|t| TIERS.iter().position(|x| x == t).unwrap_or(0) as u8).collect();
        ValueTier { monetary: Cuts::from_levels(monetary, &levels, Better::Higher) }
    }

    /// One customer's tier.
    pub fn tier(&self, monetary: f64) -> &'static str {
        TIERS[usize::from(self.monetary.level(monetary)).min(2)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_a_tier_and_bad_params_fail() {
        let t =
            classify(&[5.0, 5.0, 5.0, 5.0, 9.0], &ValueTierParams::default().check().unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(t, vec!["low", "low", "low", "low", "high"]);
        assert!(ValueTierParams { high_share: 0.6, low_share: 0.5 }.check().is_err());
    }

    proptest::proptest! {
        #[test]
        fn the_cuts_give_back_every_tier(values in proptest::collection::vec(0u32..50, 1..300)) {
            let m: Vec<f64> = values.iter().map(|&v| f64::from(v) * 1.25).collect();
            let t = classify(&m, &ValueTierParams::default().check().unwrap_or_else(|e| panic!("{e}")));
            let model = ValueTier::from_tiers(&m, &t);
            proptest::prop_assert!(m.iter().zip(&t).all(|(v, tier)| model.tier(*v) == *tier));
        }
    }
}
