//! Gamma-Gamma spend model: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value".

use serde::{Deserialize, Serialize};

use super::data::chunked_sum;
use super::fit::{Problem, SCREEN_MIN, SCREEN_SIZE, maximise_screened};
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
        let grouped = Grouped::new(&xs, &zs);
        let ll = |theta: &[f64; 3], g: &mut [f64; 3]| log_likelihood_grouped(theta, &grouped, g);
        // an even sample of the repeat buyers to screen the starts on (see `SCREEN_SIZE`)
        let stride = if xs.len() > SCREEN_MIN { xs.len().div_ceil(SCREEN_SIZE) } else { 1 };
        let sampled = (stride > 1).then(|| {
            let pick = |v: &[f64]| v.iter().step_by(stride).copied().collect::<Vec<f64>>();
            let (sx, sz) = (pick(&xs), pick(&zs));
            (Grouped::new(&sx, &sz), sx.len())
        });
        // scaled up to the full count, like the weights of a BTYD sample
        let sample_ll = |theta: &[f64; 3], g: &mut [f64; 3]| match &sampled {
            Some((s, n)) => {
                let scale = xs.len() as f64 / *n as f64;
                let v = log_likelihood_grouped(theta, s, g);
                g.iter_mut().for_each(|v| *v *= scale);
                v * scale
            }
            None => f64::NAN,
        };
        let problem = Problem {
            model: "gamma_gamma",
            names: Self::NAMES,
            ll: &ll,
            weight: xs.len() as f64,
            n_customers: xs.len(),
            n_distinct: xs.len(),
            starts: vec![[0.0; 3], [1.0, 1.0, 2.0], [2.0, 0.5, 3.0]],
        };
        let screen = sampled.as_ref().map(|(_, n)| Problem { ll: &sample_ll, n_distinct: *n, ..problem.clone() });
        let ([p, q, gamma], report) = maximise_screened(&problem, screen.as_ref(), params)?;
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

/// Repeat buyers grouped by x, with what does not depend on the parameters precomputed.
struct Grouped {
    /// Distinct x values with, per x: the range of customers in `zbar`, the sums of ln zbar.
    groups: Vec<(f64, std::ops::Range<usize>, f64)>,
    /// Mean spend per customer, ordered by x.
    zbar: Vec<f64>,
    /// Per customer: index into `groups`.
    group_of: Vec<u32>,
}

impl Grouped {
    fn new(x: &[f64], zbar: &[f64]) -> Grouped {
        let mut order: Vec<usize> = (0..x.len()).collect();
        order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
        let zs: Vec<f64> = order.iter().map(|&i| zbar[i]).collect();
        let mut groups: Vec<(f64, std::ops::Range<usize>, f64)> = Vec::new();
        let mut group_of = Vec::with_capacity(x.len());
        for (k, &i) in order.iter().enumerate() {
            match groups.last_mut() {
                Some(g) if g.0 == x[i] => {
                    g.1.end = k + 1;
                    g.2 += zs[k].ln();
                }
                _ => groups.push((x[i], k..k + 1, zs[k].ln())),
            }
            group_of.push((groups.len() - 1) as u32);
        }
        Grouped { groups, zbar: zs, group_of }
    }
}

/// Total log-likelihood of the repeat buyers at θ = (p, q, γ), writing ∂LL/∂θ. The gamma
/// functions depend on x only and are computed once per distinct x; a customer costs one
/// logarithm.
fn log_likelihood_grouped(theta: &[f64; 3], d: &Grouped, grad: &mut [f64; 3]) -> f64 {
    let [p, q, gamma] = *theta;
    let (lg_q, dg_q, ln_g) = (ln_gamma(q), digamma(q), gamma.ln());
    // per x: the constant part of LL and of the gradient (sums over the group of the terms that
    // do not involve ln(x zbar + γ))
    let mut total = 0.0;
    let mut g = [0.0; 3];
    let per_x: Vec<(f64, f64)> = d
        .groups
        .iter()
        .map(|(x, range, sum_lz)| {
            let n = range.len() as f64;
            let px = p * x;
            let (dg_pxq, dg_px) = (digamma(px + q), digamma(px));
            total += n * (ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_g + px * x.ln()) + (px - 1.0) * sum_lz;
            g[0] += x * (n * (dg_pxq - dg_px + x.ln()) + sum_lz);
            g[1] += n * (dg_pxq - dg_q + ln_g);
            g[2] += n * q / gamma;
            (px + q, *x)
        })
        .collect();
    let (rest, gr) = chunked_sum::<3>(d.zbar.len(), |i, gi| {
        let (pxq, x) = per_x[d.group_of[i] as usize];
        let v = x * d.zbar[i] + gamma;
        let l = v.ln();
        gi[0] -= x * l;
        gi[1] -= l;
        gi[2] -= pxq / v;
        -pxq * l
    });
    for k in 0..3 {
        g[k] += gr[k];
    }
    *grad = g;
    total + rest
}

fn log_likelihood(theta: &[f64; 3], x: &[f64], zbar: &[f64], grad: &mut [f64; 3]) -> f64 {
    log_likelihood_grouped(theta, &Grouped::new(x, zbar), grad)
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

/// The log-likelihood over all customers (x = 0 skipped), for the gradient test.
#[cfg(test)]
pub(crate) fn test_log_likelihood(theta: &[f64; 3], x: &[u64], zbar: &[f64], g: &mut [f64; 3]) -> f64 {
    let (xs, zs): (Vec<f64>, Vec<f64>) =
        x.iter().zip(zbar).filter(|(x, _)| **x > 0).map(|(&x, &z)| (x as f64, z)).unzip();
    log_likelihood(theta, &xs, &zs, g)
}
