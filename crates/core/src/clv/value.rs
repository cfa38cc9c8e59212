//! Money over time: discounted CLV over a horizon, and expected lifetimes for historical LTV.

use super::PurchaseModel;
use crate::math::integrate;

/// Length of the default CLV step, in days (365.25 / 12).
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// Discounted customer lifetime value of a customer with summary (x, t_x, T):
/// `Σ_{k=1..steps} spend · (E[Y(k·step)] − E[Y((k−1)·step)]) / (1 + discount)^k`,
/// where E[Y(h)] is the model's expected number of transactions in (T, T + h], `step` the step
/// length in the model's time unit (a month is [`DAYS_PER_MONTH`] / 7 weeks) and `discount`
/// the discount rate per step (e.g. 0.01 per month ≈ 12.7% a year). Value of step k is
/// discounted at its end.
pub fn clv(
    model: &dyn PurchaseModel,
    spend: f64,
    steps: u32,
    step: f64,
    discount: f64,
    summary: (u64, f64, f64),
) -> f64 {
    spend * discounted_purchases(model, steps, step, discount, summary).0
}

/// The expected transactions of [`clv`]'s steps, discounted (CLV per unit of spend), and
/// undiscounted: the expected transactions over the whole horizon, E[Y(steps · step)].
pub fn discounted_purchases(
    model: &dyn PurchaseModel,
    steps: u32,
    step: f64,
    discount: f64,
    (x, t_x, t): (u64, f64, f64),
) -> (f64, f64) {
    let mut total = 0.0;
    let mut prev = 0.0;
    let mut factor = 1.0;
    for k in 1..=steps {
        let e = model.expected_purchases(f64::from(k) * step, x, t_x, t);
        factor /= 1.0 + discount;
        total += (e - prev) * factor;
        prev = e;
    }
    (total, prev)
}

/// Expected lifetime of a new customer, capped at `cap` (same unit as the model):
/// `E[min(τ, cap)] = ∫₀^cap S(u) du`, with S the model's survival curve. (The uncapped mean is
/// infinite whenever the dropout distribution has a heavy tail, as CDNOW's does.)
pub fn expected_lifetime(model: &dyn PurchaseModel, cap: f64) -> f64 {
    if cap <= 0.0 {
        return 0.0;
    }
    // the survival curve falls fastest near 0: integrate on geometrically growing panels
    let mut total = 0.0;
    let mut lo = 0.0;
    let mut hi = (cap / 1024.0).min(1.0);
    while lo < cap {
        total += integrate(|u| model.survival(u), lo, hi, 1);
        lo = hi;
        hi = (hi * 2.0).min(cap);
    }
    total
}
