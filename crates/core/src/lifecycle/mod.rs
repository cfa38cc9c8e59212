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
//! Thresholds left unset are derived from the data ([`fit`]): from the mean
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

mod apply;
mod errors;
mod fit;
mod params;

pub use apply::{LifecycleInput, PAliveCuts, classify, classify_with_p_alive, stage, stage_with_p_alive};
pub use errors::LifecycleError;
pub use fit::fit;
pub use params::{LifecycleParams, ThresholdSource, Thresholds};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_derive_from_gaps_and_respect_overrides() {
        let gaps: Vec<f64> = (1..=100).map(f64::from).collect();
        let (t, s) = fit(&LifecycleParams::default(), &gaps);
        assert_eq!(s, ThresholdSource::Derived);
        assert_eq!(t, Thresholds { new_days: 51, at_risk_days: 76, churn_days: 91 });
        let (t, s) = fit(&LifecycleParams { churn_days: Some(365), ..Default::default() }, &gaps);
        assert_eq!((t.churn_days, s), (365, ThresholdSource::Derived));
        let (t, s) = fit(&LifecycleParams::default(), &[3.0]);
        assert_eq!((t, s), (Thresholds { new_days: 30, at_risk_days: 90, churn_days: 180 }, ThresholdSource::Fallback));
    }

    #[test]
    fn negative_thresholds_are_refused_by_name() {
        assert!(LifecycleParams::default().check().is_ok());
        let e = LifecycleParams { at_risk_days: Some(-1), ..LifecycleParams::default() }.check();
        assert_eq!(e.map_err(|e| e.to_string()), Err("lifecycle.at_risk_days must be >= 0, got -1".into()));
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
