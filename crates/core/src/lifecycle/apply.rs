//! The thresholds applied to one customer: their stage.

use serde::{Deserialize, Serialize};

use super::Thresholds;

/// What the stage rules need to know of one customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifecycleInput {
    /// In the master file with no purchase.
    pub prospect: bool,
    /// Days from the last purchase to the as-of date.
    pub recency_days: i64,
    /// Days from the first purchase to the as-of date.
    pub tenure_days: i64,
    /// Days between the last two distinct purchase days (`None` for one purchase day).
    pub last_gap_days: Option<i64>,
}

/// The stage id of every customer in input order.
pub fn classify(customers: &[LifecycleInput], t: &Thresholds) -> Vec<&'static str> {
    customers.iter().map(|c| stage(c, t)).collect()
}

/// One customer's stage by the recency rules of [`classify`].
pub fn stage(c: &LifecycleInput, t: &Thresholds) -> &'static str {
    if c.prospect {
        "prospect"
    } else if c.recency_days > t.churn_days {
        "churned"
    } else if c.tenure_days <= t.new_days {
        "new"
    } else if c.last_gap_days.is_some_and(|g| g > t.churn_days) && c.recency_days <= t.at_risk_days {
        "reactivated"
    } else if c.recency_days > t.at_risk_days {
        "at_risk"
    } else {
        "active"
    }
}

/// P(alive) cut-offs for [`classify_with_p_alive`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PAliveCuts {
    /// Below this P(alive) a customer is at risk.
    pub at_risk_below: f64,
    /// Below this P(alive) a customer has churned.
    pub churned_below: f64,
}

/// Stages with the silence rules replaced by a model's P(alive) (from a fitted BTYD model):
/// prospect; churned when `p < churned_below`; new (`tenure_days <= new_days`); reactivated
/// (last gap > `churn_days` and `p >= at_risk_below`); at_risk when `p < at_risk_below`; else
/// active. A customer without a P(alive) is staged by [`classify`]'s recency rules.
pub fn classify_with_p_alive(
    customers: &[LifecycleInput],
    t: &Thresholds,
    p_alive: &[Option<f64>],
    cuts: &PAliveCuts,
) -> Vec<&'static str> {
    customers.iter().zip(p_alive).map(|(c, p)| stage_with_p_alive(c, t, *p, cuts)).collect()
}

/// One customer's stage by the rules of [`classify_with_p_alive`].
pub fn stage_with_p_alive(c: &LifecycleInput, t: &Thresholds, p_alive: Option<f64>, cuts: &PAliveCuts) -> &'static str {
    match p_alive {
        _ if c.prospect => "prospect",
        None => stage(c, t),
        Some(p) if p < cuts.churned_below => "churned",
        Some(_) if c.tenure_days <= t.new_days => "new",
        Some(p) if c.last_gap_days.is_some_and(|g| g > t.churn_days) && p >= cuts.at_risk_below => "reactivated",
        Some(p) if p < cuts.at_risk_below => "at_risk",
        Some(_) => "active",
    }
}
