//! BG/NBD: the beta-geometric / negative binomial distribution model of Fader, Hardie & Lee
//! (2005), "Counting Your Customers the Easy Way: An Alternative to the Pareto/NBD Model".

mod likelihood;
mod predict;

pub(crate) use likelihood::log_likelihood;
pub(crate) use predict::Family;

use serde::{Deserialize, Serialize};

use super::fit::fit_btyd;
use super::{BtydData, ClvError, FitReport, ModelKind, PurchaseModel, ValidFitParams};

/// A fitted BG/NBD model.
///
/// **What it estimates.** While alive, a customer buys as a Poisson process with rate λ;
/// λ varies across customers as Gamma(r, α). After every purchase the customer drops out for
/// good with probability p; p varies across customers as Beta(a, b). Only purchases are
/// observed; the model infers who is still alive and how much they will buy.
///
/// **Likelihood.** For a customer with x repeat purchases, the last at t_x, observed until T:
/// either alive at T (no dropout after any of the x purchases, no purchase in (t_x, T]), or
/// dropped out right after the x-th purchase (x > 0). Mixing over λ and p gives the closed form
/// in `likelihood.rs`; the fit maximises its sum over customers.
///
/// **Assumptions.** Purchases counted per distinct day; λ and p independent across customers;
/// a customer with no repeat purchase cannot have dropped out (use [`super::MbgNbd`] when that is
/// doubtful). α is a rate in the data's time unit (weeks in custseg).
///
/// **Defaults.** See [`super::FitParams`].
///
/// # Errors
/// [`BgNbd::fit`] fails with [`ClvError::NoData`] on an empty summary and
/// [`ClvError::NotConverged`] when no start converges.
///
/// ```
/// use custseg_core::clv::{BgNbd, BtydData, ClvError, FitParams, PurchaseModel, ValidFitParams};
/// let data = BtydData::new(&[0, 1, 3, 0, 2], &[0.0, 4.0, 20.0, 0.0, 9.0], &[30.0, 30.0, 30.0, 25.0, 12.0])?;
/// // five customers who all look alive: the likelihood keeps rising as dropout vanishes (a, b -> inf),
/// // and the fit says so instead of returning a meaningless point
/// let err = BgNbd::fit(&data, &ValidFitParams::default()).unwrap_err();
/// assert!(matches!(err, ClvError::NotConverged { .. }));
/// // a small L2 penalty gives a finite estimate
/// let penalised = FitParams { penalty: 0.01, ..FitParams::default() }.check()?;
/// let (model, report) = BgNbd::fit(&data, &penalised)?;
/// assert_eq!(report.n_customers, 5);
/// let p = model.p_alive(3, 20.0, 30.0);
/// assert!(p > 0.0 && p < 1.0);
/// # Ok::<(), custseg_core::clv::ClvError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    /// r: shape of the purchase-rate gamma.
    pub r: f64,
    /// α: rate of the purchase-rate gamma (per time unit).
    pub alpha: f64,
    /// a: first shape of the dropout beta.
    pub a: f64,
    /// b: second shape of the dropout beta.
    pub b: f64,
}

impl BgNbd {
    /// Parameter names in order.
    pub const NAMES: [&'static str; 4] = ["r", "alpha", "a", "b"];

    /// Maximum-likelihood fit.
    ///
    /// # Errors
    /// See the type documentation.
    pub fn fit(data: &BtydData, params: &ValidFitParams) -> Result<(BgNbd, FitReport), ClvError> {
        let ([r, alpha, a, b], report) = fit_family("bgnbd", data, 0.0, params)?;
        Ok((BgNbd { r, alpha, a, b }, report))
    }

    /// Log-likelihood of `data` under this model.
    pub fn log_likelihood(&self, data: &BtydData) -> f64 {
        log_likelihood(&[self.r, self.alpha, self.a, self.b], data, 0.0, &mut [0.0; 4])
    }
}

/// Fits the family with the given shift.
pub(crate) fn fit_family(
    model: &'static str,
    data: &BtydData,
    shift: f64,
    params: &ValidFitParams,
) -> Result<([f64; 4], FitReport), ClvError> {
    // all ones (as `lifetimes` starts), then two spread-out points
    let starts = vec![[0.0; 4], [-1.0, 1.0, -0.5, 1.0], [0.5, 2.5, 0.5, 2.0]];
    fit_btyd(model, BgNbd::NAMES, starts, data, |theta, d, g| log_likelihood(theta, d, shift, g), params)
}

/// A model of the beta-geometric family: BG/NBD and MBG/NBD share their predictions.
pub(crate) trait FamilyModel: Send + Sync {
    /// Which model.
    fn kind(&self) -> ModelKind;
    /// Its parameters with the family's shift.
    fn family(&self) -> Family;
}

impl<M: FamilyModel> PurchaseModel for M {
    fn id(&self) -> ModelKind {
        self.kind()
    }
    fn p_alive(&self, x: u64, t_x: f64, t: f64) -> f64 {
        self.family().p_alive(x, t_x, t)
    }
    fn expected_purchases(&self, horizon: f64, x: u64, t_x: f64, t: f64) -> f64 {
        self.family().expected(horizon, x, t_x, t)
    }
    fn expected_purchases_new(&self, t: f64) -> f64 {
        self.family().expected(t, 0, 0.0, 0.0)
    }
    fn prob_purchases(&self, n: u64, t: f64) -> f64 {
        self.family().prob(n, t)
    }
    fn survival(&self, t: f64) -> f64 {
        self.family().survival(t)
    }
    fn params(&self) -> Vec<(&'static str, f64)> {
        let f = self.family();
        BgNbd::NAMES.into_iter().zip([f.r, f.alpha, f.a, f.b]).collect()
    }
}

impl FamilyModel for BgNbd {
    fn kind(&self) -> ModelKind {
        ModelKind::Bgnbd
    }
    fn family(&self) -> Family {
        Family { r: self.r, alpha: self.alpha, a: self.a, b: self.b, shift: 0.0 }
    }
}
