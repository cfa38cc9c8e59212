//! Fitting the tiers on a population: each customer's percentile against the shares.

use super::{ValidValueTierParams, ValueTier};
use crate::math::min_ranks;

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

/// Fits the tiers on a population: the model ([`ValueTier`], where mid and high start) and every
/// customer's tier (what [`ValueTier::tier`] gives them).
pub fn fit(monetary: &[f64], params: &ValidValueTierParams) -> (ValueTier, Vec<&'static str>) {
    let tiers = classify(monetary, params);
    (ValueTier::from_tiers(monetary, &tiers), tiers)
}
