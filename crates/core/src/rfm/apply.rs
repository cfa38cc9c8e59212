//! The fitted RFM scorer: where each score starts on each dimension, and the 8-class centres.
//! Applied to one customer's recency, frequency and monetary value it gives the scores and class
//! the fit gave (see [`crate::cuts`]), without the rest of the population.

use serde::{Deserialize, Serialize};

use super::{Cn8Basis, RfmScores, ValidRfmParams, cn8_class};
use crate::cuts::{Better, Cuts};

/// A fitted RFM scorer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rfm {
    /// Score bands n: scores run 1..=n.
    pub n_scores: u8,
    /// Recency in days (lower is better): score = 1 + the starts the value reaches.
    pub recency: Cuts,
    /// Frequency (orders).
    pub frequency: Cuts,
    /// Monetary value.
    pub monetary: Cuts,
    /// The 8-class centres (recency, frequency, monetary) and what they are.
    pub cn8_centres: [f64; 3],
    /// Mean or median.
    pub cn8_basis: Cn8Basis,
}

impl Rfm {
    /// The scorer behind a population's scores: explicit breakpoints as configured, quantile
    /// scores by their cut points (every configured breakpoint is kept, reached or not).
    pub fn from_scores(
        values: [&[f64]; 3],
        scores: &RfmScores,
        params: &ValidRfmParams,
        cn8: ([f64; 3], Cn8Basis),
    ) -> Rfm {
        let p = params.params();
        let cuts = |v: &[f64], s: &[u8], given: &Option<Vec<f64>>, better: Better| match given {
            Some(b) => Cuts::given(b, better),
            None => {
                let levels: Vec<u8> = s.iter().map(|x| x.saturating_sub(1)).collect();
                Cuts::from_levels(v, &levels, better)
            }
        };
        Rfm {
            n_scores: params.n_scores(),
            recency: cuts(values[0], &scores.r, &p.recency_breaks, Better::Lower),
            frequency: cuts(values[1], &scores.f, &p.frequency_breaks, Better::Higher),
            monetary: cuts(values[2], &scores.m, &p.monetary_breaks, Better::Higher),
            cn8_centres: cn8.0,
            cn8_basis: cn8.1,
        }
    }

    /// One customer's R, F and M scores.
    pub fn scores(&self, recency_days: f64, frequency: f64, monetary: f64) -> (u8, u8, u8) {
        (1 + self.recency.level(recency_days), 1 + self.frequency.level(frequency), 1 + self.monetary.level(monetary))
    }

    /// One customer's 8-class id.
    pub fn cn8(&self, recency_days: f64, frequency: f64, monetary: f64) -> &'static str {
        cn8_class(recency_days, frequency, monetary, &self.cn8_centres)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rfm::{RfmParams, fit};
    use proptest::prelude::*;

    #[test]
    fn configured_breakpoints_are_kept_though_nobody_reaches_them() {
        let p = crate::rfm::params::example_breaks();
        let (model, s, _) = fit([&[10.0, 200.0], &[1.0, 2.0], &[5.0, 6.0]], &p, Cn8Basis::Mean);
        assert_eq!((s.r.clone(), s.f.clone()), (vec![5, 1], vec![1, 2]));
        // a later customer with 9 orders, 60 days ago: the breakpoints, not the population
        assert_eq!(model.scores(60.0, 9.0, 5.5).0, 4);
        assert_eq!(model.scores(60.0, 9.0, 5.5).1, 5);
        // the JSON form reads back to the same scorer
        let json = serde_json::to_string(&model).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Rfm>(&json).ok(), Some(model));
    }

    proptest! {
        #[test]
        fn the_scorer_gives_back_every_score_and_class(
            rows in proptest::collection::vec((0u32..400, 1u32..12, 0u32..5000), 1..300),
            n in 2u8..=10,
        ) {
            let r: Vec<f64> = rows.iter().map(|x| f64::from(x.0)).collect();
            let f: Vec<f64> = rows.iter().map(|x| f64::from(x.1)).collect();
            let m: Vec<f64> = rows.iter().map(|x| f64::from(x.2) / 100.0).collect();
            let p = RfmParams { n_scores: n, ..RfmParams::default() }.check().unwrap_or_else(|e| panic!("{e}"));
            let (model, s, classes) = fit([&r, &f, &m], &p, Cn8Basis::Mean);
            for i in 0..r.len() {
                prop_assert_eq!(model.scores(r[i], f[i], m[i]), (s.r[i], s.f[i], s.m[i]));
                prop_assert_eq!(model.cn8(r[i], f[i], m[i]), classes[i]);
            }
        }
    }
}
