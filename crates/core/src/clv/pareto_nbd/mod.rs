//! Pareto/NBD: Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They and
//! What Will They Do Next?".

mod likelihood;

use serde::{Deserialize, Serialize};

use super::fit::fit_btyd;
use super::{BtydData, ClvError, FitReport, ModelKind, PurchaseModel, ValidFitParams};
use crate::math::{integrate, ln_gamma};

/// A fitted Pareto/NBD model.
///
/// **What it estimates.** While alive, a customer buys as a Poisson process with rate
/// λ ~ Gamma(r, α); their lifetime is exponential with rate μ ~ Gamma(s, β), so dropout can
/// happen at any time, not only after a purchase (the difference from [`super::BgNbd`]).
///
/// **Likelihood.** Alive at T, or dropped out at some τ in (t_x, T]; mixing over λ and μ needs
/// the Gauss hypergeometric function. `likelihood.rs` uses a transformed form whose series
/// never overflows and whose gradient is analytic (see there). The likelihood is known to be
/// flat in s and β: their standard errors are large, and different optimisers agree on them to
/// about three digits only.
///
/// # Errors
/// [`ParetoNbd::fit`] fails with [`ClvError::NoData`] on an empty summary and
/// [`ClvError::NotConverged`] when no start converges.
///
/// ```
/// use custseg_core::clv::{ParetoNbd, PurchaseModel};
/// let m = ParetoNbd { r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 };
/// assert!((m.p_alive(26, 30.86, 31.0) - 0.9979).abs() < 1e-4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParetoNbd {
    /// r: shape of the purchase-rate gamma.
    pub r: f64,
    /// α: rate of the purchase-rate gamma (per time unit).
    pub alpha: f64,
    /// s: shape of the dropout-rate gamma.
    pub s: f64,
    /// β: rate of the dropout-rate gamma (per time unit).
    pub beta: f64,
}

impl ParetoNbd {
    /// Parameter names in order.
    pub const NAMES: [&'static str; 4] = ["r", "alpha", "s", "beta"];

    /// Maximum-likelihood fit.
    ///
    /// # Errors
    /// See the type documentation.
    pub fn fit(data: &BtydData, params: &ValidFitParams) -> Result<(ParetoNbd, FitReport), ClvError> {
        let starts = vec![[0.0; 4], [-0.5, 2.0, -0.5, 2.0], [0.5, 1.0, 0.5, 3.0]];
        let ll = |theta: &[f64; 4], d: &BtydData, g: &mut [f64; 4]| likelihood::log_likelihood(theta, d, g);
        let ([r, alpha, s, beta], report) = fit_btyd("pnbd", Self::NAMES, starts, data, ll, params)?;
        Ok((ParetoNbd { r, alpha, s, beta }, report))
    }

    /// Log-likelihood of `data` under this model.
    pub fn log_likelihood(&self, data: &BtydData) -> f64 {
        likelihood::log_likelihood(&[self.r, self.alpha, self.s, self.beta], data, &mut [0.0; 4])
    }

    fn theta(&self) -> [f64; 4] {
        [self.r, self.alpha, self.s, self.beta]
    }

    /// `[1 − (k/(k+h))^(s−1)] / (s−1)`, with its limit `ln((k+h)/k)` at s = 1.
    fn growth(&self, k: f64, h: f64) -> f64 {
        let l = (k / (k + h)).ln();
        let e = self.s - 1.0;
        if e.abs() < 1e-10 { -l } else { -(e * l).exp_m1() / e }
    }
}

impl PurchaseModel for ParetoNbd {
    fn id(&self) -> ModelKind {
        ModelKind::Pnbd
    }

    /// `1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s A₀)`, through logarithms.
    fn p_alive(&self, x: u64, t_x: f64, t: f64) -> f64 {
        let xf = x as f64;
        let (la0, _) = likelihood::ln_a0(&self.theta(), xf, t_x, t);
        let e = self.s.ln() - (self.r + self.s + xf).ln()
            + (self.r + xf) * (self.alpha + t).ln()
            + self.s * (self.beta + t).ln()
            + la0;
        1.0 / (1.0 + e.exp())
    }

    /// `(r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+h))^(s−1)] · P(alive)`.
    fn expected_purchases(&self, horizon: f64, x: u64, t_x: f64, t: f64) -> f64 {
        if horizon <= 0.0 {
            return 0.0;
        }
        let k = self.beta + t;
        (self.r + x as f64) / (self.alpha + t) * k * self.growth(k, horizon) * self.p_alive(x, t_x, t)
    }

    /// `r β / (α (s−1)) · [1 − (β/(β+t))^(s−1)]`.
    fn expected_purchases_new(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        self.r / self.alpha * self.beta * self.growth(self.beta, t)
    }

    /// By quadrature over the dropout time τ:
    /// `NB(n; t) (β/(β+t))^s + ∫₀ᵗ (s/β)(β/(β+τ))^(s+1) NB(n; τ) dτ`, where NB(n; τ) is the
    /// negative binomial count of a customer alive for τ.
    fn prob_purchases(&self, n: u64, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let nf = n as f64;
        let lead = ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0);
        let nb = |tau: f64| {
            let tail = if n > 0 { nf * (tau / (alpha + tau)).ln() } else { 0.0 };
            (lead + r * (alpha / (alpha + tau)).ln() + tail).exp()
        };
        let alive = nb(t) * (beta / (beta + t)).powf(s);
        let died = integrate(|tau| s / beta * (beta / (beta + tau)).powf(s + 1.0) * nb(tau), 0.0, t, 64);
        alive + died
    }

    /// `(β/(β+t))^s`.
    fn survival(&self, t: f64) -> f64 {
        (self.beta / (self.beta + t)).powf(self.s)
    }

    fn params(&self) -> Vec<(&'static str, f64)> {
        Self::NAMES.into_iter().zip(self.theta()).collect()
    }
}

#[cfg(test)]
pub(crate) fn test_log_likelihood(theta: &[f64; 4], data: &BtydData, g: &mut [f64; 4]) -> f64 {
    likelihood::log_likelihood(theta, data, g)
}
