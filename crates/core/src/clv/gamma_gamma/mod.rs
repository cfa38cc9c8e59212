//! Gamma-Gamma spend model: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value".

use serde::{Deserialize, Serialize};

use super::data::chunked_sum;
use super::fit::{Problem, maximise};
use super::{ClvError, FitReport, ValidFitParams};
use crate::math::{digamma, ln_gamma};

/// A fitted Gamma-Gamma model.
///
/// **What it estimates.** A customer's transaction values are Gamma(p, ν) with ν varying across
/// customers as Gamma(q, γ); the customer's mean spend is p/ν. The model shrinks an observed
/// mean `zbar` over x transactions towards the population mean, more so the fewer the
/// transactions: `E[M | x, zbar] = p (γ + x zbar) / (p x + q − 1)`.
///
/// **Likelihood.** The density of the *mean* of x values (the Jacobian of the mean included):
/// `Γ(px+q) / (Γ(px) Γ(q)) · γ^q zbar^(px−1) x^(px) / (γ + x zbar)^(px+q)`.
///
/// **Assumptions.** Repeat buyers only (x ≥ 1), positive mean spend, and spend independent of
/// purchase frequency: [`SpendFit::corr_x_zbar`] reports the correlation so a caller can warn
/// when it is large. The mean spend exists only for q > 1.
///
/// # Errors
/// [`GammaGamma::fit`]: [`ClvError::NonPositiveSpend`] for a repeat buyer with `zbar <= 0`,
/// [`ClvError::NoData`] without repeat buyers, [`ClvError::NotConverged`].
///
/// ```
/// use custseg_core::clv::GammaGamma;
/// let m = GammaGamma { p: 6.2488, q: 3.7446, gamma: 15.4477 };
/// // a customer with no repeat purchase gets the population mean
/// assert!((m.expected_spend(0, 0.0) - 35.17).abs() < 0.01);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    /// p: shape of the transaction-value gamma.
    pub p: f64,
    /// q: shape of the gamma of ν.
    pub q: f64,
    /// γ: scale of the gamma of ν.
    pub gamma: f64,
}

/// A Gamma-Gamma fit with its diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendFit {
    /// The model.
    pub model: GammaGamma,
    /// The fit report.
    pub report: FitReport,
    /// Pearson correlation of x and zbar over the repeat buyers (the model assumes none).
    pub corr_x_zbar: f64,
}

impl GammaGamma {
    /// Parameter names in order.
    pub const NAMES: [&'static str; 3] = ["p", "q", "gamma"];

    /// Fits on the repeat buyers among the customers (entries with x = 0 are skipped).
    ///
    /// # Errors
    /// See the type documentation.
    pub fn fit(x: &[u64], zbar: &[f64], params: &ValidFitParams) -> Result<SpendFit, ClvError> {
        let mut xs = Vec::new();
        let mut zs = Vec::new();
        for (i, (&xi, &zi)) in x.iter().zip(zbar).enumerate() {
            if xi == 0 {
                continue;
            }
            if !(zi > 0.0 && zi.is_finite()) {
                return Err(ClvError::NonPositiveSpend { index: i, value: zi });
            }
            xs.push(xi as f64);
            zs.push(zi);
        }
        if xs.is_empty() {
            return Err(ClvError::NoData { model: "gamma_gamma" });
        }
        let ll = |theta: &[f64; 3], g: &mut [f64; 3]| log_likelihood(theta, &xs, &zs, g);
        let problem = Problem {
            model: "gamma_gamma",
            names: Self::NAMES,
            ll: &ll,
            weight: xs.len() as f64,
            n_customers: xs.len(),
            n_distinct: xs.len(),
            starts: vec![[0.0; 3], [1.0, 1.0, 2.0], [2.0, 0.5, 3.0]],
        };
        let ([p, q, gamma], report) = maximise(&problem, params)?;
        Ok(SpendFit { model: GammaGamma { p, q, gamma }, report, corr_x_zbar: pearson(&xs, &zs) })
    }

    /// Total log-likelihood of the repeat buyers' (x, zbar).
    pub fn log_likelihood(&self, x: &[u64], zbar: &[f64]) -> f64 {
        let (xs, zs): (Vec<f64>, Vec<f64>) =
            x.iter().zip(zbar).filter(|(x, _)| **x > 0).map(|(&x, &z)| (x as f64, z)).unzip();
        log_likelihood(&[self.p, self.q, self.gamma], &xs, &zs, &mut [0.0; 3])
    }

    /// Expected mean transaction value of a customer with x repeat transactions of mean zbar:
    /// `p (γ + x zbar) / (p x + q − 1)`; the population mean `p γ / (q − 1)` for x = 0. NaN when
    /// q <= 1 (the mean does not exist).
    pub fn expected_spend(&self, x: u64, zbar: f64) -> f64 {
        let xf = x as f64;
        let z = if x == 0 { 0.0 } else { zbar };
        if self.q <= 1.0 {
            return f64::NAN;
        }
        self.p * (self.gamma + xf * z) / (self.p * xf + self.q - 1.0)
    }
}

fn log_likelihood(theta: &[f64; 3], x: &[f64], zbar: &[f64], grad: &mut [f64; 3]) -> f64 {
    let [p, q, gamma] = *theta;
    let (lg_q, dg_q, ln_g) = (ln_gamma(q), digamma(q), gamma.ln());
    let (ll, g) = chunked_sum::<3>(x.len(), |i, g| {
        let (xi, zi) = (x[i], zbar[i]);
        let px = p * xi;
        let (lz, lx, lxz) = (zi.ln(), xi.ln(), (xi * zi + gamma).ln());
        let dg_pxq = digamma(px + q);
        g[0] += xi * (dg_pxq - digamma(px) + lz + lx - lxz);
        g[1] += dg_pxq - dg_q + ln_g - lxz;
        g[2] += q / gamma - (px + q) / (xi * zi + gamma);
        ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_g + (px - 1.0) * lz + px * lx - (px + q) * lxz
    });
    *grad = g;
    ll
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa > 0.0 && sbb > 0.0 { sab / (saa * sbb).sqrt() } else { 0.0 }
}
