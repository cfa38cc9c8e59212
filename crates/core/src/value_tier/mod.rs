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

mod apply;
mod errors;
mod fit;
mod params;

pub use apply::ValueTier;
pub use errors::ValueTierError;
pub use fit::{classify, fit};
pub use params::{ValidValueTierParams, ValueTierParams};

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
            let (model, t) = fit(&m, &ValueTierParams::default().check().unwrap_or_else(|e| panic!("{e}")));
            proptest::prop_assert!(m.iter().zip(&t).all(|(v, tier)| model.tier(*v) == *tier));
        }
    }
}
