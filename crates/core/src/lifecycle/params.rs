//! Lifecycle parameters and the thresholds a fit gives.

use serde::{Deserialize, Serialize};

use super::LifecycleError;

/// Optional overrides; unset fields are derived from the data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LifecycleParams {
    /// A customer whose first purchase is at most this many days old is new.
    pub new_days: Option<i64>,
    /// A customer silent for longer than this is at risk.
    pub at_risk_days: Option<i64>,
    /// A customer silent for longer than this has churned.
    pub churn_days: Option<i64>,
}

impl LifecycleParams {
    /// # Errors
    /// [`LifecycleError::Negative`] for a threshold below 0.
    pub fn check(&self) -> Result<(), LifecycleError> {
        for (name, v) in
            [("new_days", self.new_days), ("at_risk_days", self.at_risk_days), ("churn_days", self.churn_days)]
        {
            if let Some(value) = v.filter(|v| *v < 0) {
                return Err(LifecycleError::Negative { name, value });
            }
        }
        Ok(())
    }
}

/// The thresholds a run used, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// See [`LifecycleParams::new_days`].
    pub new_days: i64,
    /// See [`LifecycleParams::at_risk_days`].
    pub at_risk_days: i64,
    /// See [`LifecycleParams::churn_days`].
    pub churn_days: i64,
}

/// Where each threshold came from, for the run summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdSource {
    /// Set in the config or on the command line.
    Configured,
    /// Percentiles of the mean inter-purchase intervals.
    Derived,
    /// Too few repeat customers: fixed defaults.
    Fallback,
}
