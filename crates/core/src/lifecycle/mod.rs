//! Lifecycle stages: prospect, new, active, at-risk, churned, reactivated.
//!
//! Stages are decided per customer in this order (first that applies wins):
//! 1. **prospect**: in the customer master file, no purchase;
//! 2. **churned**: `recency_days > churn_days`;
//! 3. **new**: first purchase at most `new_days` before the as-of date (`tenure_days <= new_days`);
//! 4. **reactivated**: the gap before the latest purchase exceeded `churn_days` (the customer had
//!    churned and came back) and `recency_days <= at_risk_days`;
//! 5. **at_risk**: `recency_days > at_risk_days`;
//! 6. **active**: everyone else.
//!
//! Thresholds left unset are derived from the data ([`derive_thresholds`]): from the mean
//! inter-purchase interval of every repeat customer, `new_days` = its median, `at_risk_days` =
//! its 75th percentile and `churn_days` = its 90th percentile (rounded up to whole days, at least
//! 1 day, and kept in order `new_days <= at_risk_days < churn_days`). With fewer than 20 repeat
//! customers the fixed defaults 30 / 90 / 180 days are used. The run prints the values it used.
//!
//! ```
//! use custseg_core::lifecycle::{LifecycleInput, Thresholds, classify};
//! let t = Thresholds { new_days: 30, at_risk_days: 90, churn_days: 180 };
//! let c = |recency, tenure, gap| LifecycleInput { prospect: false, recency_days: recency, tenure_days: tenure, last_gap_days: gap };
//! let stages = classify(&[c(5, 10, None), c(200, 400, Some(20)), c(10, 500, Some(300)), c(100, 400, Some(50))], &t);
//! assert_eq!(stages, vec!["new", "churned", "reactivated", "at_risk"]);
//! ```

use serde::{Deserialize, Serialize};

use crate::math::percentiles;

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

/// Optional overrides; unset fields are derived from the data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LifecycleParams {
    /// A customer whose first purchase is at most this many days old is new.
    pub new_days: Option<i64>,
    /// A customer silent for longer than this is at risk.
    pub at_risk_days: Option<i64>,
    /// A customer silent for longer than this has churned.
    pub churn_days: Option<i64>,
}

/// The thresholds a run used, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// See [`LifecycleParams::new_days`].
    pub new_days: i64,
    /// See [`LifecycleParams::at_risk_days`].
    pub at_risk_days: i64,
    /// See [`LifecycleParams::churn_days`].
    pub churn_days: i64,
}

/// Where each threshold came from, for the run summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdSource {
    /// Set in the config or on the command line.
    Configured,
    /// Percentiles of the mean inter-purchase intervals.
    Derived,
    /// Too few repeat customers: fixed defaults.
    Fallback,
}

/// Fills unset thresholds from `mean_gaps` (the mean inter-purchase interval in days of every
/// repeat customer) as documented in the module, then applies the overrides.
pub fn derive_thresholds(params: &LifecycleParams, mean_gaps: &[f64]) -> (Thresholds, ThresholdSource) {
    let (derived, source) = if mean_gaps.len() >= 20 {
        let p: Vec<i64> = percentiles(mean_gaps, &[0.5, 0.75, 0.9]).iter().map(|v| (v.ceil() as i64).max(1)).collect();
        (Thresholds { new_days: p[0], at_risk_days: p[1], churn_days: p[2] }, ThresholdSource::Derived)
    } else {
        (Thresholds { new_days: 30, at_risk_days: 90, churn_days: 180 }, ThresholdSource::Fallback)
    };
    let mut t = Thresholds {
        new_days: params.new_days.unwrap_or(derived.new_days),
        at_risk_days: params.at_risk_days.unwrap_or(derived.at_risk_days),
        churn_days: params.churn_days.unwrap_or(derived.churn_days),
    };
    // keep derived values ordered; configured values are the user's to choose
    if params.at_risk_days.is_none() {
        t.at_risk_days = t.at_risk_days.max(t.new_days);
    }
    if params.churn_days.is_none() {
        t.churn_days = t.churn_days.max(t.at_risk_days + 1);
    }
    let all_set = params.new_days.is_some() && params.at_risk_days.is_some() && params.churn_days.is_some();
    (t, if all_set { ThresholdSource::Configured } else { source })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_derive_from_gaps_and_respect_overrides() {
        let gaps: Vec<f64> = (1..=100).map(f64::from).collect();
        let (t, s) = derive_thresholds(&LifecycleParams::default(), &gaps);
        assert_eq!(s, ThresholdSource::Derived);
        assert_eq!(t, Thresholds { new_days: 51, at_risk_days: 76, churn_days: 91 });
        let (t, s) = derive_thresholds(&LifecycleParams { churn_days: Some(365), ..Default::default() }, &gaps);
        assert_eq!((t.churn_days, s), (365, ThresholdSource::Derived));
        let (t, s) = derive_thresholds(&LifecycleParams::default(), &[3.0]);
        assert_eq!((t, s), (Thresholds { new_days: 30, at_risk_days: 90, churn_days: 180 }, ThresholdSource::Fallback));
    }

    #[test]
    fn prospects_and_boundaries() {
        let t = Thresholds { new_days: 30, at_risk_days: 90, churn_days: 180 };
        let c = |p, r, ten, g| LifecycleInput { prospect: p, recency_days: r, tenure_days: ten, last_gap_days: g };
        let stages = classify(
            &[
                c(true, 0, 0, None),
                c(false, 180, 300, None),
                c(false, 181, 300, None),
                c(false, 30, 30, None),
                c(false, 90, 200, Some(10)),
                c(false, 91, 200, Some(10)),
                c(false, 91, 400, Some(181)),
            ],
            &t,
        );
        assert_eq!(stages, vec!["prospect", "at_risk", "churned", "new", "active", "at_risk", "at_risk"]);
    }

    #[test]
    fn p_alive_replaces_the_silence_rules() {
        let t = Thresholds { new_days: 30, at_risk_days: 90, churn_days: 180 };
        let cuts = PAliveCuts { at_risk_below: 0.5, churned_below: 0.2 };
        let c = |r, ten, g| LifecycleInput { prospect: false, recency_days: r, tenure_days: ten, last_gap_days: g };
        let inputs = [c(300, 400, None), c(10, 400, None), c(10, 20, None), c(10, 400, Some(200)), c(500, 900, None)];
        let p = [Some(0.9), Some(0.1), Some(0.9), Some(0.6), None];
        assert_eq!(
            classify_with_p_alive(&inputs, &t, &p, &cuts),
            vec!["active", "churned", "new", "reactivated", "churned"]
        );
        assert_eq!(classify_with_p_alive(&inputs[..1], &t, &[Some(0.3)], &cuts), vec!["at_risk"]);
    }
}
