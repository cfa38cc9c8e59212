//! MBG/NBD: the modified BG/NBD model of Batislam, Denizel & Filiztekin (2007), "Empirical
//! validation and comparison of models for customer base analysis".

use serde::{Deserialize, Serialize};

use super::bgnbd::{Family, FamilyModel, fit_family, log_likelihood};
use super::{BtydData, ClvError, FitReport, ModelKind, ValidFitParams};

/// A fitted MBG/NBD model.
///
/// **What it estimates.** As [`super::BgNbd`] (Poisson purchases with Gamma(r, α) rates, dropout
/// probability p ~ Beta(a, b)), except that a customer may also drop out right after the first
/// purchase, at time 0. One-time buyers can therefore be inactive, which BG/NBD rules out.
///
/// **Likelihood.** BG/NBD's with every B(a, b+x)-type term shifted by one (the extra dropout
/// opportunity); the two share one implementation in `bgnbd/likelihood.rs`.
///
/// # Errors
/// [`MbgNbd::fit`] fails with [`ClvError::NoData`] on an empty summary and
/// [`ClvError::NotConverged`] when no start converges.
///
/// ```
/// use custseg_core::clv::{MbgNbd, PurchaseModel};
/// // a one-time buyer is not certainly alive under MBG/NBD
/// let m = MbgNbd { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };
/// assert!(m.p_alive(0, 0.0, 38.0) < 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MbgNbd {
    /// r: shape of the purchase-rate gamma.
    pub r: f64,
    /// α: rate of the purchase-rate gamma (per time unit).
    pub alpha: f64,
    /// a: first shape of the dropout beta.
    pub a: f64,
    /// b: second shape of the dropout beta.
    pub b: f64,
}

impl MbgNbd {
    /// Maximum-likelihood fit.
    ///
    /// # Errors
    /// See the type documentation.
    pub fn fit(data: &BtydData, params: &ValidFitParams) -> Result<(MbgNbd, FitReport), ClvError> {
        let ([r, alpha, a, b], report) = fit_family("mbgnbd", data, 1.0, params)?;
        Ok((MbgNbd { r, alpha, a, b }, report))
    }

    /// Log-likelihood of `data` under this model.
    pub fn log_likelihood(&self, data: &BtydData) -> f64 {
        log_likelihood(&[self.r, self.alpha, self.a, self.b], data, 1.0, &mut [0.0; 4])
    }
}

impl FamilyModel for MbgNbd {
    fn kind(&self) -> ModelKind {
        ModelKind::Mbgnbd
    }
    fn family(&self) -> Family {
        Family { r: self.r, alpha: self.alpha, a: self.a, b: self.b, shift: 1.0 }
    }
}
