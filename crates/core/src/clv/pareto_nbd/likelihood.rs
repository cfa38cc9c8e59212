//! The Pareto/NBD log-likelihood in the numerically stable form, with its analytic gradient.
//!
//! For one customer (Fader & Hardie 2005, "A Note on Deriving the Pareto/NBD Model"),
//! `ln L = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β
//!        + logaddexp(−(r+x) ln(α+T) − s ln(β+T), ln s − ln(r+s+x) + ln A₀)`,
//! `A₀ = F(t_x) − F(T)`, where with m = max(α, β) and z(u) = |α−β|/(m+u)
//! `F(u) = ₂F₁(r+s+x, t; r+s+x+1; z(u)) / (m+u)^(r+s+x)` and t = s+1 if α ≥ β, else r+x.
//!
//! We never evaluate that ₂F₁ directly. Euler's transformation turns it into
//! `(1−z)^(1−t) ₂F₁(1, r+s+x+1−t; r+s+x+1; z)`, a series of positive terms that shrink at least
//! by the factor z each ([`crate::math::hyp2f1_one`]), which gives, in logarithms,
//! - α ≥ β: `ln F(u) = −s ln(β+u) − (r+x) ln(α+u) + ln ₂F₁(1, r+x; r+s+x+1; (α−β)/(α+u))`;
//! - α < β: `ln F(u) = (1−r−x) ln(α+u) − (s+1) ln(β+u) + ln ₂F₁(1, s+1; r+s+x+1; (β−α)/(β+u))`.
//!   The two agree at α = β. The gradient differentiates the series term by term.

// `!(v > 0.0)`-style tests are deliberate here: they treat NaN as failing the check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::clv::BtydData;
use crate::clv::data::chunked_sum;
use crate::math::{digamma, hyp2f1_one, ln_gamma};

/// `ln F(u)` and its gradient in (r, α, s, β).
pub(crate) fn ln_f(theta: &[f64; 4], x: f64, u: f64) -> (f64, [f64; 4]) {
    let [r, alpha, s, beta] = *theta;
    let rx = r + x;
    let c = r + s + x + 1.0;
    let (la, lb) = ((alpha + u).ln(), (beta + u).ln());
    if alpha >= beta {
        let z = (alpha - beta) / (alpha + u);
        let h = hyp2f1_one(rx, c, z);
        let v = -s * lb - rx * la + h.ln_value;
        let dz_da = (beta + u) / ((alpha + u) * (alpha + u));
        let dz_db = -1.0 / (alpha + u);
        (v, [-la + h.d_b + h.d_c, -rx / (alpha + u) + h.d_z * dz_da, -lb + h.d_c, -s / (beta + u) + h.d_z * dz_db])
    } else {
        let z = (beta - alpha) / (beta + u);
        let h = hyp2f1_one(s + 1.0, c, z);
        let v = (1.0 - rx) * la - (s + 1.0) * lb + h.ln_value;
        let dz_da = -1.0 / (beta + u);
        let dz_db = (alpha + u) / ((beta + u) * (beta + u));
        (
            v,
            [
                -la + h.d_c,
                (1.0 - rx) / (alpha + u) + h.d_z * dz_da,
                -lb + h.d_b + h.d_c,
                -(s + 1.0) / (beta + u) + h.d_z * dz_db,
            ],
        )
    }
}

/// `ln A₀` and its gradient; `-inf` (and a zero gradient) when t_x = T.
pub(crate) fn ln_a0(theta: &[f64; 4], x: f64, t_x: f64, t: f64) -> (f64, [f64; 4]) {
    if t_x >= t {
        return (f64::NEG_INFINITY, [0.0; 4]);
    }
    let (f1, g1) = ln_f(theta, x, t_x);
    let (f2, g2) = ln_f(theta, x, t);
    let delta = f2 - f1;
    if !(delta < 0.0) {
        return (f64::NEG_INFINITY, [0.0; 4]);
    }
    let ed = delta.exp();
    let denom = -delta.exp_m1();
    let mut g = [0.0; 4];
    for i in 0..4 {
        g[i] = (g1[i] - ed * g2[i]) / denom;
    }
    (f1 + denom.ln(), g)
}

/// Total log-likelihood at θ = (r, α, s, β), writing ∂LL/∂θ into `grad`.
pub(crate) fn log_likelihood(theta: &[f64; 4], data: &BtydData, grad: &mut [f64; 4]) -> f64 {
    let [r, alpha, s, beta] = *theta;
    let (ln_alpha, ln_beta_, lg_r, dg_r) = (alpha.ln(), beta.ln(), ln_gamma(r), digamma(r));
    // per distinct x: ln Γ(r+x) − ln Γ(r) and ψ(r+x) − ψ(r)
    let xt: Vec<(f64, f64)> =
        data.xs.iter().map(|&x| (ln_gamma(r + x as f64) - lg_r, digamma(r + x as f64) - dg_r)).collect();
    let (ll, g) = chunked_sum::<4>(data.n_tuples(), |k, g| {
        let w = data.weight[k];
        let xi = data.x_idx[k] as usize;
        let x = data.xs[xi] as f64;
        let (t_x, t) = (data.times[data.tx_idx[k] as usize], data.times[data.t_idx[k] as usize]);
        let rsx = r + s + x;
        let (la_t, lb_t) = ((alpha + t).ln(), (beta + t).ln());
        let b1 = -(r + x) * la_t - s * lb_t;
        let (la0, ga0) = ln_a0(theta, x, t_x, t);
        let b2 = s.ln() - rsx.ln() + la0;
        let m = b1.max(b2);
        let (e1, e2) = ((b1 - m).exp(), (b2 - m).exp());
        let sum = e1 + e2;
        let (w1, w2) = (e1 / sum, e2 / sum);
        let db1 = [-la_t, -(r + x) / (alpha + t), -lb_t, -s / (beta + t)];
        let db2 = [-1.0 / rsx + ga0[0], ga0[1], 1.0 / s - 1.0 / rsx + ga0[2], ga0[3]];
        let da1 = [xt[xi].1 + ln_alpha, r / alpha, ln_beta_, s / beta];
        for i in 0..4 {
            g[i] += w * (da1[i] + w1 * db1[i] + if w2 > 0.0 { w2 * db2[i] } else { 0.0 });
        }
        w * (xt[xi].0 + r * ln_alpha + s * ln_beta_ + m + sum.ln())
    });
    *grad = g;
    ll
}
