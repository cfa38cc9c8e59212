//! Predictions of the beta-geometric/NBD family (BG/NBD: `shift = 0`, MBG/NBD: `shift = 1`).

use crate::math::{hyp2f1, ln_beta, ln_gamma};

/// (r, α, a, b) with the family's shift.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Family {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    pub shift: f64,
}

impl Family {
    fn has_second(&self, x: u64) -> bool {
        x > 0 || self.shift > 0.0
    }

    /// `1 / (1 + a/(b+x−1+s) · ((α+T)/(α+t_x))^(r+x))`, evaluated through its logarithm so
    /// that extreme summaries give 0 or 1, never NaN.
    pub fn p_alive(&self, x: u64, t_x: f64, t: f64) -> f64 {
        if !self.has_second(x) {
            return 1.0;
        }
        let xf = x as f64;
        let e = self.a.ln() - (self.b + xf - 1.0 + self.shift).ln()
            + (self.r + xf) * ((self.alpha + t).ln() - (self.alpha + t_x).ln());
        1.0 / (1.0 + e.exp())
    }

    /// `E[Y(h) | x, t_x, T] = (a+b+x−1+s)/(a−1) · [1 − ((α+T)/(α+T+h))^(r+x)
    /// ₂F₁(r+x, b+x+s; a+b+x−1+s; h/(α+T+h))] · P(alive)`. The bracket is computed after Euler's
    /// transformation, `1 − (1−z)^(a−1) ₂F₁(a+b−1+s−r, a−1; a+b+x−1+s; z)`, whose series converges
    /// fast even for large x. At a = 1 exactly (a removable singularity) a is nudged by 1e-7.
    pub fn expected(&self, h: f64, x: u64, t_x: f64, t: f64) -> f64 {
        if h <= 0.0 {
            return 0.0;
        }
        let Family { r, alpha, b, shift, .. } = *self;
        let a = if (self.a - 1.0).abs() < 1e-7 { 1.0 + 1e-7 } else { self.a };
        let xf = x as f64;
        let z = h / (alpha + t + h);
        let c = a + b + xf - 1.0 + shift;
        let f = hyp2f1(a + b - 1.0 + shift - r, a - 1.0, c, z);
        let bracket = 1.0 - (1.0 - z).powf(a - 1.0) * f;
        let v = c / (a - 1.0) * bracket * self.p_alive(x, t_x, t);
        if v.is_finite() { v.max(0.0) } else { f64::NAN }
    }

    /// P(X(t) = n) for a new customer:
    /// `B(a, b+n+s)/B(a,b) · NB(n) + [n > 0 or s = 1] · B(a+1, b+n−1+s)/B(a,b) · P(N(t) >= n)`
    /// where NB is the negative binomial count of a customer who never drops out and
    /// `P(N(t) >= n)` its upper tail (a regularised incomplete beta function).
    pub fn prob(&self, n: u64, t: f64) -> f64 {
        let Family { r, alpha, a, b, shift } = *self;
        let nf = n as f64;
        let lb = ln_beta(a, b);
        let p = t / (alpha + t);
        let ln_nb = ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0)
            + r * (alpha / (alpha + t)).ln()
            + if n > 0 { nf * p.ln() } else { 0.0 };
        let mut v = (ln_beta(a, b + nf + shift) - lb + ln_nb).exp();
        if self.has_second(n) {
            let tail = if n == 0 { 1.0 } else { statrs::function::beta::beta_reg(nf, r, p) };
            v += (ln_beta(a + 1.0, b + nf - 1.0 + shift) - lb).exp() * tail;
        }
        v
    }

    /// P(a new customer is alive at t) = E[(1−p)^s (α/(α+pt))^r] over p ~ Beta(a, b):
    /// ₂F₁(r, a; a+b; −t/α) for BG/NBD, b/(a+b) · ₂F₁(r, a; a+b+1; −t/α) for MBG/NBD.
    pub fn survival(&self, t: f64) -> f64 {
        let Family { r, alpha, a, b, shift } = *self;
        let lead = if shift > 0.0 { b / (a + b) } else { 1.0 };
        lead * hyp2f1(r, a, a + b + shift, -t / alpha)
    }
}
