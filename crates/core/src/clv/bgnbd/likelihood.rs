//! The beta-geometric/NBD log-likelihood, shared by BG/NBD (`shift = 0`) and MBG/NBD
//! (`shift = 1`), with its analytic gradient.
//!
//! For one customer, with B the beta function,
//! `L = B(a, b+x+s)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
//!    + [x > 0 or s = 1] · B(a+1, b+x−1+s)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))`,
//! computed as `ln L = C(x) + logaddexp(−(r+x) ln(α+T), K(x) − (r+x) ln(α+t_x))` with
//! `C(x) = ln Γ(r+x) − ln Γ(r) + r ln α + ln Γ(a+b) + ln Γ(b+x+s) − ln Γ(b) − ln Γ(a+b+x+s)` and
//! `K(x) = ln a − ln(b+x−1+s)`.
//!
//! The terms in x alone are computed once per distinct x, the logarithms of α + t once per
//! distinct time.

use crate::clv::BtydData;
use crate::clv::data::chunked_sum;
use crate::math::{digamma, ln_gamma};

/// Per distinct x: the constant term and its derivatives.
struct XTerm {
    c: f64,
    dc_r: f64,
    dc_a: f64,
    dc_b: f64,
    /// `K(x)`; `None` when the second term is absent (BG/NBD with x = 0).
    k: Option<f64>,
    /// `e^K(x)`.
    ek: f64,
    /// 1 / (b + x − 1 + s), the b-derivative of −K.
    inv_bx: f64,
    rx: f64,
}

/// Total log-likelihood of the family at θ = (r, α, a, b), writing ∂LL/∂θ into `grad`.
pub(crate) fn log_likelihood(theta: &[f64; 4], data: &BtydData, shift: f64, grad: &mut [f64; 4]) -> f64 {
    let [r, alpha, a, b] = *theta;
    let (ln_alpha, lg_r, lg_b, lg_ab) = (alpha.ln(), ln_gamma(r), ln_gamma(b), ln_gamma(a + b));
    let (dg_r, dg_b, dg_ab) = (digamma(r), digamma(b), digamma(a + b));
    let xt: Vec<XTerm> = data
        .xs
        .iter()
        .map(|&x| {
            let xf = x as f64;
            let (bx, abx) = (b + xf + shift, a + b + xf + shift);
            let c = ln_gamma(r + xf) - lg_r + r * ln_alpha + lg_ab + ln_gamma(bx) - lg_b - ln_gamma(abx);
            let second = x > 0 || shift > 0.0;
            XTerm {
                c,
                dc_r: digamma(r + xf) - dg_r + ln_alpha,
                dc_a: dg_ab - digamma(abx),
                dc_b: dg_ab + digamma(bx) - dg_b - digamma(abx),
                k: second.then(|| a.ln() - (bx - 1.0).ln()),
                ek: if second { a / (bx - 1.0) } else { 0.0 },
                inv_bx: if second { 1.0 / (bx - 1.0) } else { 0.0 },
                rx: r + xf,
            }
        })
        .collect();
    let lt: Vec<f64> = data.times.iter().map(|t| (alpha + t).ln()).collect();
    let it: Vec<f64> = data.times.iter().map(|t| 1.0 / (alpha + t)).collect();
    // Powers ((α+t_min)/(α+t))^(r+x) for every distinct x and time, so a tuple needs one
    // logarithm and no exponential: with them, logaddexp(A3, A4) = −(r+x) ln(α+t_min)
    // + ln(pw(T) + e^K pw(t_x)). Built only when the table is small next to the tuples.
    let n_times = data.times.len();
    let table = 2 * xt.len() * n_times <= data.n_tuples();
    let pw: Vec<f64> = if table {
        use rayon::prelude::*;
        let lt0 = lt.first().copied().unwrap_or(0.0);
        xt.par_iter().flat_map_iter(|x| lt.iter().map(move |l| (-x.rx * (l - lt0)).exp())).collect()
    } else {
        Vec::new()
    };
    let lt0 = lt.first().copied().unwrap_or(0.0);
    let (ll, g) = chunked_sum::<4>(data.n_tuples(), |k, g| {
        let w = data.weight[k];
        let xi = data.x_idx[k] as usize;
        let x = &xt[xi];
        let (ti, txi) = (data.t_idx[k] as usize, data.tx_idx[k] as usize);
        let (lse, w3, w4) = match x.k {
            Some(_) if table && pw[xi * n_times + txi] > 0.0 => {
                let p3 = pw[xi * n_times + ti];
                let p4 = x.ek * pw[xi * n_times + txi];
                let s = p3 + p4;
                (-x.rx * lt0 + s.ln(), p3 / s, p4 / s)
            }
            Some(kx) => {
                let a3 = -x.rx * lt[ti];
                let a4 = kx - x.rx * lt[txi];
                let m = a3.max(a4);
                let (e3, e4) = ((a3 - m).exp(), (a4 - m).exp());
                let s = e3 + e4;
                (m + s.ln(), e3 / s, e4 / s)
            }
            None => (-x.rx * lt[ti], 1.0, 0.0),
        };
        g[0] += w * (x.dc_r - w3 * lt[ti] - w4 * lt[txi]);
        g[1] += w * (r / alpha - x.rx * (w3 * it[ti] + w4 * it[txi]));
        g[2] += w * (x.dc_a + w4 / a);
        g[3] += w * (x.dc_b - w4 * x.inv_bx);
        w * (x.c + lse)
    });
    *grad = g;
    ll
}
