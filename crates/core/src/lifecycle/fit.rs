//! Fitting the thresholds on a population: percentiles of the mean inter-purchase intervals.

use super::{LifecycleParams, ThresholdSource, Thresholds};
use crate::math::percentiles;

/// Fills unset thresholds from `mean_gaps` (the mean inter-purchase interval in days of every
/// repeat customer) as documented in the module, then applies the overrides.
pub fn fit(params: &LifecycleParams, mean_gaps: &[f64]) -> (Thresholds, ThresholdSource) {
    let (derived, source) = if mean_gaps.len() >= 20 {
        let p: Vec<i64> = percentiles(mean_gaps, &[0.5, 0.75, 0.9]).iter().map(|v| (v.ceil() as i64).max(1)).collect();
        (Thresholds { new_days: p[0], at_risk_days: p[1], churn_days: p[2] }, ThresholdSource::Derived)
    } else {
        (Thresholds { new_days: 30, at_risk_days: 90, churn_days: 180 }, ThresholdSource::Fallback)
    };
    let mut t = Thresholds {
        new_days: params.new_days.unwrap_or(derived.new_days),
        at_risk_days: params.at_risk_days.unwrap_or(derived.at_risk_days),
        churn_days: params.churn_days.unwrap_or(derived.churn_days),
    };
    // keep derived values ordered; configured values are the user's to choose
    if params.at_risk_days.is_none() {
        t.at_risk_days = t.at_risk_days.max(t.new_days);
    }
    if params.churn_days.is_none() {
        t.churn_days = t.churn_days.max(t.at_risk_days + 1);
    }
    let all_set = params.new_days.is_some() && params.at_risk_days.is_some() && params.churn_days.is_some();
    (t, if all_set { ThresholdSource::Configured } else { source })
}
