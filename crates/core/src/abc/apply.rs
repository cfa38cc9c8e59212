//! The fitted ABC tiers: where B and C start in the fit's order (monetary value, largest first,
//! equal values by customer id ascending). A customer is placed by their own net revenue and id:
//! above the B cut is A, above the C cut is B, the rest (and every non-positive revenue) is C.

use serde::{Deserialize, Serialize};

/// The first customer of a tier in the fit's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierStart {
    /// Their net revenue.
    pub monetary: f64,
    /// Their id (equal revenues: a smaller id ranks first).
    pub customer_id: String,
}

impl TierStart {
    /// Whether a customer ranks before this one.
    fn is_after(&self, monetary: f64, customer_id: &str) -> bool {
        monetary > self.monetary || (monetary == self.monetary && customer_id < self.customer_id.as_str())
    }
}

/// Fitted ABC tiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Abc {
    /// The first B customer (none: every customer with a positive revenue was A).
    pub b_starts: Option<TierStart>,
    /// The first C customer with a positive revenue (none: they were all A or B).
    pub c_starts: Option<TierStart>,
}

impl Abc {
    /// The tiers behind a classification: `ids` in input order, which must be ascending (as the
    /// pipeline's customers are), and `tiers` from [`super::classify`].
    pub fn from_tiers(monetary: &[f64], ids: &[&str], tiers: &[&str]) -> Abc {
        // the first (best-ranked) customer of a tier with a positive revenue
        let first = |tier: &str| {
            (0..monetary.len())
                .filter(|&i| tiers[i] == tier && monetary[i] > 0.0)
                .min_by(|&a, &b| monetary[b].total_cmp(&monetary[a]).then(ids[a].cmp(ids[b])))
                .map(|i| TierStart { monetary: monetary[i], customer_id: ids[i].to_string() })
        };
        Abc { b_starts: first("b"), c_starts: first("c") }
    }

    /// One customer's tier.
    pub fn tier(&self, monetary: f64, customer_id: &str) -> &'static str {
        let before = |s: &Option<TierStart>| s.as_ref().is_none_or(|s| s.is_after(monetary, customer_id));
        if monetary.is_nan() || monetary <= 0.0 {
            "c"
        } else if before(&self.b_starts) && (self.b_starts.is_some() || before(&self.c_starts)) {
            "a"
        } else if before(&self.c_starts) {
            "b"
        } else {
            "c"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abc::{AbcParams, fit};
    use proptest::prelude::*;

    #[test]
    fn equal_revenues_at_a_cut_split_by_id() {
        // five times 50: with a_share 0.8 the fifth (80% before it) is the first B
        let m = [50.0, 50.0, 50.0, 50.0, 50.0, 0.0];
        let ids = ["a1", "a2", "a3", "a4", "a5", "z"];
        let p = AbcParams::default().check().unwrap_or_else(|e| panic!("{e}"));
        let (model, tiers, _) = fit(&m, &ids, &p);
        assert_eq!(model.b_starts, Some(TierStart { monetary: 50.0, customer_id: "a5".into() }));
        assert_eq!(model.c_starts, None);
        assert_eq!(ids.iter().zip(m).map(|(id, v)| model.tier(v, id)).collect::<Vec<_>>(), tiers);
        // a new customer with the same revenue: by id
        assert_eq!((model.tier(50.0, "a45"), model.tier(50.0, "b")), ("a", "b"));
        assert_eq!((model.tier(1e9, "zz"), model.tier(-3.0, "0")), ("a", "c"));
    }

    proptest! {
        #[test]
        fn the_tiers_give_back_every_customer(values in proptest::collection::vec(-5i32..60, 1..200), a in 0.5f64..0.9) {
            let m: Vec<f64> = values.iter().map(|&v| f64::from(v) * 2.5).collect();
            let ids: Vec<String> = (0..m.len()).map(|i| format!("c{i:04}")).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let p = AbcParams { a_share: a, b_share: (a + 0.5) / 1.5 }.check().unwrap_or_else(|e| panic!("{e}"));
            let (model, tiers, _) = fit(&m, &ids, &p);
            for i in 0..m.len() {
                prop_assert_eq!(model.tier(m[i], ids[i]), tiers[i], "customer {}", i);
            }
        }
    }
}
