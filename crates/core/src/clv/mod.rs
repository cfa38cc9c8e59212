//! Predictive customer lifetime value: the "buy till you die" purchase models and the
//! Gamma-Gamma spend model.
//!
//! - [`BgNbd`]: BG/NBD (Fader, Hardie & Lee 2005), dropout after a purchase;
//! - [`MbgNbd`]: MBG/NBD (Batislam, Denizel & Filiztekin 2007), dropout also possible right after
//!   the first purchase, so one-time buyers can be "dead";
//! - [`ParetoNbd`]: Pareto/NBD (Schmittlein, Morrison & Colombo 1987), dropout at any time;
//! - [`GammaGamma`]: mean spend per transaction (Fader & Hardie 2013).
//!
//! **Data.** Each customer is summarised as `x` (repeat transactions: distinct purchase days − 1),
//! `t_x` (time of the last purchase) and `T` (end of observation), both measured from the first
//! purchase, plus `zbar` (mean value of the repeat transactions) for the spend model. Fits run on
//! the distinct (x, t_x, T) tuples ([`BtydData`]).
//!
//! **Time unit.** The models do not care which unit is used, but parameters, log-likelihoods
//! and predictions are in the unit of the data: custseg uses weeks (days / 7), as the published
//! CDNOW results do. `alpha` and `beta` are rates per week, horizons are in weeks.
//!
//! **Fitting.** Maximum likelihood on log-parameters with analytic gradients, by L-BFGS from
//! several starts ([`FitParams`]), with a Nelder-Mead fallback; standard errors come from the
//! Hessian. A fit that does not converge is [`ClvError::NotConverged`] carrying the report.
//!
//! **CLV.** [`clv`] sums expected spend × expected transactions per step over a horizon of
//! steps (default: months of 30.4375 days), discounting each step's value by `(1 + d)^k`, where
//! `d` is the discount rate *per step* (a monthly rate by default).
//!
//! ```
//! use custseg_core::clv::{BgNbd, PurchaseModel};
//! // the published CDNOW estimates (Fader, Hardie & Lee 2005)
//! let m = BgNbd { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 };
//! let p = m.p_alive(2, 30.43, 38.86);
//! assert!((p - 0.7266).abs() < 1e-3);
//! ```

mod bgnbd;
mod data;
mod errors;
mod fit;
mod gamma_gamma;
mod mbgnbd;
mod params;
mod pareto_nbd;
mod value;

pub use bgnbd::BgNbd;
pub use data::BtydData;
pub use errors::ClvError;
pub use fit::{FitReport, ParamEstimate};
pub use gamma_gamma::{GammaGamma, SpendFit};
pub use mbgnbd::MbgNbd;
pub use params::{FitParams, ValidFitParams};
pub use pareto_nbd::ParetoNbd;
pub use value::{DAYS_PER_MONTH, clv, discounted_purchases, expected_lifetime};

use serde::{Deserialize, Serialize};

/// A fitted purchase ("buy till you die") model. Times are in the unit of the data it was fitted
/// on (weeks in custseg).
pub trait PurchaseModel: Send + Sync {
    /// Model id: `bgnbd`, `mbgnbd` or `pnbd`.
    fn id(&self) -> ModelKind;
    /// Probability that a customer with summary (x, t_x, T) is still alive at T.
    fn p_alive(&self, x: u64, t_x: f64, t: f64) -> f64;
    /// Expected transactions in (T, T + horizon] of a customer with summary (x, t_x, T).
    fn expected_purchases(&self, horizon: f64, x: u64, t_x: f64, t: f64) -> f64;
    /// Expected transactions in (0, t] of a new customer, E[X(t)].
    fn expected_purchases_new(&self, t: f64) -> f64;
    /// Probability that a new customer makes exactly `n` repeat transactions in (0, t].
    fn prob_purchases(&self, n: u64, t: f64) -> f64;
    /// Probability that a new customer is still alive at time t.
    fn survival(&self, t: f64) -> f64;
    /// Parameters as (name, value) pairs.
    fn params(&self) -> Vec<(&'static str, f64)>;
}

/// Which purchase model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// BG/NBD.
    #[default]
    Bgnbd,
    /// MBG/NBD.
    Mbgnbd,
    /// Pareto/NBD.
    Pnbd,
}

impl ModelKind {
    /// The id used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Bgnbd => "bgnbd",
            ModelKind::Mbgnbd => "mbgnbd",
            ModelKind::Pnbd => "pnbd",
        }
    }

    /// Fits this model.
    ///
    /// # Errors
    /// See the models' `fit`.
    pub fn fit(
        self,
        data: &BtydData,
        params: &ValidFitParams,
    ) -> Result<(Box<dyn PurchaseModel>, FitReport), ClvError> {
        Ok(match self {
            ModelKind::Bgnbd => {
                let (m, r) = BgNbd::fit(data, params)?;
                (Box::new(m), r)
            }
            ModelKind::Mbgnbd => {
                let (m, r) = MbgNbd::fit(data, params)?;
                (Box::new(m), r)
            }
            ModelKind::Pnbd => {
                let (m, r) = ParetoNbd::fit(data, params)?;
                (Box::new(m), r)
            }
        })
    }

    /// Rebuilds a model from its parameters in the model's order.
    ///
    /// # Errors
    /// [`ClvError::InvalidParam`] for the wrong number of parameters or a non-positive one.
    pub fn from_params(self, values: &[f64]) -> Result<Box<dyn PurchaseModel>, ClvError> {
        if values.len() != 4 || values.iter().any(|v| !(*v > 0.0 && v.is_finite())) {
            return Err(ClvError::InvalidParam {
                name: "model parameters",
                rule: "four positive finite numbers",
                value: values.iter().copied().find(|v| !(*v > 0.0 && v.is_finite())).unwrap_or(values.len() as f64),
            });
        }
        let [p0, p1, p2, p3] = [values[0], values[1], values[2], values[3]];
        Ok(match self {
            ModelKind::Bgnbd => Box::new(BgNbd { r: p0, alpha: p1, a: p2, b: p3 }),
            ModelKind::Mbgnbd => Box::new(MbgNbd { r: p0, alpha: p1, a: p2, b: p3 }),
            ModelKind::Pnbd => Box::new(ParetoNbd { r: p0, alpha: p1, s: p2, beta: p3 }),
        })
    }
}

impl std::str::FromStr for ModelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace(['/', '-', '_'], "").as_str() {
            "bgnbd" => Ok(ModelKind::Bgnbd),
            "mbgnbd" => Ok(ModelKind::Mbgnbd),
            "pnbd" | "paretonbd" => Ok(ModelKind::Pnbd),
            _ => Err(format!("unknown model `{s}`, expected bgnbd, mbgnbd or pnbd")),
        }
    }
}

#[cfg(test)]
mod tests;
