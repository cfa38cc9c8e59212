//! `[clv]`: the CLV stage's configuration section.

use custseg_core::clv::{DAYS_PER_MONTH, FitParams, ModelKind};
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// How lifecycle stages judge silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleBasis {
    /// Days since the last purchase against the at-risk and churn thresholds.
    #[default]
    Recency,
    /// The CLV model's P(alive) against `p_alive_at_risk` and `p_alive_churned`.
    PAlive,
}

/// `[clv]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClvConfig {
    /// Fit a purchase model and add the CLV columns to every run.
    pub enabled: bool,
    /// `bgnbd`, `mbgnbd` or `pnbd`.
    pub model: ModelKind,
    /// CLV horizon in steps (months by default).
    pub horizon_months: u32,
    /// Discount rate per step (0.01 a month is about 12.7% a year).
    pub discount: f64,
    /// Length of a step in days (30.4375 = 365.25 / 12).
    pub step_days: f64,
    /// Expected customer lifetime in years for the historical LTV; unset: from the fitted
    /// model's survival curve, capped at `max_lifetime_years`.
    pub lifetime_years: Option<f64>,
    /// Cap of the model-derived expected lifetime, years.
    pub max_lifetime_years: f64,
    /// `recency` (default) or `p_alive`: what decides active / at-risk / churned.
    pub lifecycle: LifecycleBasis,
    /// P(alive) below which a customer is at risk (with `lifecycle = "p_alive"`).
    pub p_alive_at_risk: f64,
    /// P(alive) below which a customer has churned.
    pub p_alive_churned: f64,
    /// `[clv.fit]`: the likelihood maximisation.
    pub fit: FitParams,
}

impl Default for ClvConfig {
    fn default() -> Self {
        ClvConfig {
            enabled: true,
            model: ModelKind::Bgnbd,
            horizon_months: 12,
            discount: 0.01,
            step_days: DAYS_PER_MONTH,
            lifetime_years: None,
            max_lifetime_years: 10.0,
            lifecycle: LifecycleBasis::Recency,
            p_alive_at_risk: 0.5,
            p_alive_churned: 0.2,
            fit: FitParams::default(),
        }
    }
}

impl ClvConfig {
    /// Validates the settings.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] naming the setting and value.
    pub fn check(&self) -> Result<()> {
        let bad =
            |name: &str, rule: &str, v: f64| Err(EngineError::Invalid(format!("clv.{name} must be {rule}, got {v}")));
        if self.horizon_months == 0 || self.horizon_months > 1200 {
            return bad("horizon_months", "in 1..=1200", f64::from(self.horizon_months));
        }
        if !(self.discount >= 0.0 && self.discount < 1.0) {
            return bad("discount", "in [0, 1)", self.discount);
        }
        if !(self.step_days > 0.0 && self.step_days.is_finite()) {
            return bad("step_days", "> 0", self.step_days);
        }
        if let Some(y) = self.lifetime_years
            && !(y > 0.0 && y.is_finite())
        {
            return bad("lifetime_years", "> 0", y);
        }
        if !(self.max_lifetime_years > 0.0 && self.max_lifetime_years.is_finite()) {
            return bad("max_lifetime_years", "> 0", self.max_lifetime_years);
        }
        if !(0.0 <= self.p_alive_churned && self.p_alive_churned <= self.p_alive_at_risk && self.p_alive_at_risk <= 1.0)
        {
            return Err(EngineError::Invalid(format!(
                "clv.p_alive_churned <= clv.p_alive_at_risk must hold within [0, 1], got {} and {}",
                self.p_alive_churned, self.p_alive_at_risk
            )));
        }
        self.fit.check().map_err(|e| EngineError::Invalid(format!("clv.fit.{e}")))?;
        Ok(())
    }
}
