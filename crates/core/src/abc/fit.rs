//! Fitting the tiers on a population: cumulative revenue share down the customers by revenue.

use crate::math::{order_key, radix_order, sorted};
use serde::Serialize;

use super::{Abc, ValidAbcParams};

/// Figures that describe the concentration of revenue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbcSummary {
    /// Revenue share of the top 20% of customers (by count, rounded up).
    pub top20_share: f64,
    /// Gini coefficient of revenue (0 = equal, 1 = one customer has all).
    pub gini: f64,
    /// Smallest share of customers that brings `a_share` of revenue.
    pub a_customer_share: f64,
}

/// The tier (`"a"`, `"b"`, `"c"`) of every customer in input order, and the summary.
pub fn classify(monetary: &[f64], params: &ValidAbcParams) -> (Vec<&'static str>, AbcSummary) {
    let p = &params.0;
    let n = monetary.len();
    // largest first; ties keep input order (a stable sort on the inverted order keys)
    let order: Vec<usize> =
        radix_order(monetary.iter().map(|&v| !order_key(v)).collect()).into_iter().map(|i| i as usize).collect();
    let total: f64 = monetary.iter().filter(|v| **v > 0.0).sum();
    let mut tiers = vec!["c"; n];
    let mut before = 0.0;
    let mut n_a = 0usize;
    for &i in &order {
        let v = monetary[i];
        if v <= 0.0 || total <= 0.0 {
            break;
        }
        let share_before = before / total;
        tiers[i] = if share_before < p.a_share {
            n_a += 1;
            "a"
        } else if share_before < p.b_share {
            "b"
        } else {
            "c"
        };
        before += v;
    }
    let top_n = (n as f64 * 0.2).ceil() as usize;
    let top: f64 = order.iter().take(top_n).map(|&i| monetary[i].max(0.0)).sum();
    let summary = AbcSummary {
        top20_share: if total > 0.0 { top / total } else { 0.0 },
        gini: gini(monetary),
        a_customer_share: if n > 0 { n_a as f64 / n as f64 } else { 0.0 },
    };
    (tiers, summary)
}

/// Fits the tiers on a population: the model ([`Abc`], where B and C start), every customer's
/// tier (what [`Abc::tier`] gives them) and the summary. `ids` in input order, ascending.
pub fn fit(monetary: &[f64], ids: &[&str], params: &ValidAbcParams) -> (Abc, Vec<&'static str>, AbcSummary) {
    let (tiers, summary) = classify(monetary, params);
    (Abc::from_tiers(monetary, ids, &tiers), tiers, summary)
}

/// The Gini coefficient of `values` (negatives clipped to 0): with ascending values
/// `x_1..x_n`, `G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n`; 0 for no revenue.
pub fn gini(values: &[f64]) -> f64 {
    let v = sorted(&values.iter().map(|x| x.max(0.0)).collect::<Vec<f64>>());
    let n = v.len() as f64;
    let sum: f64 = v.iter().sum();
    if sum <= 0.0 {
        return 0.0;
    }
    let weighted: f64 = v.iter().enumerate().map(|(i, x)| (i as f64 + 1.0) * x).sum();
    2.0 * weighted / (n * sum) - (n + 1.0) / n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abc::AbcParams;
    use proptest::prelude::*;

    fn params() -> ValidAbcParams {
        AbcParams::default().check().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn crossing_customer_is_a_and_non_positive_is_c() {
        let (t, s) = classify(&[10.0, 0.0, 70.0, -5.0, 20.0], &params());
        // sorted: 70 (0% before -> a), 20 (70% -> a), 10 (90% -> b), 0 -> c, -5 -> c
        assert_eq!(t, vec!["b", "c", "a", "c", "a"]);
        assert!((s.top20_share - 0.7).abs() < 1e-12);
        assert!((s.a_customer_share - 0.4).abs() < 1e-12);
    }

    #[test]
    fn gini_known_values() {
        assert_eq!(gini(&[1.0, 1.0, 1.0, 1.0]), 0.0);
        assert!((gini(&[0.0, 0.0, 0.0, 1.0]) - 0.75).abs() < 1e-12);
        assert_eq!(gini(&[]), 0.0);
        assert!(AbcParams { a_share: 0.9, b_share: 0.8 }.check().is_err());
    }

    proptest! {
        #[test]
        fn tier_revenue_shares_sum_to_one(values in proptest::collection::vec(0.01f64..1e4, 1..300)) {
            let (tiers, _) = classify(&values, &params());
            let total: f64 = values.iter().sum();
            let share = |t: &str| values.iter().zip(&tiers).filter(|(_, x)| **x == t).map(|(v, _)| v).sum::<f64>() / total;
            prop_assert!((share("a") + share("b") + share("c") - 1.0).abs() < 1e-9);
            prop_assert!(share("a") >= 0.8 - 1e-9);
            prop_assert!(tiers.contains(&"a"));
        }
    }
}
