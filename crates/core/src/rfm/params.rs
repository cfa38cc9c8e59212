use serde::{Deserialize, Serialize};

use super::RfmError;

/// Unchecked RFM scoring parameters. Defaults: 5 score bands, quantile scoring on every
/// dimension. Check with [`RfmParams::check`] before use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RfmParams {
    /// Number of score bands n (2..=10); scores run 1..=n, n is best.
    pub n_scores: u8,
    /// Explicit recency breakpoints in days, ascending, n - 1 of them: a customer whose recency
    /// is at most `b[i]` for the first `i` gets score n - i; above every breakpoint, score 1.
    pub recency_breaks: Option<Vec<f64>>,
    /// Explicit frequency breakpoints, ascending, n - 1 of them: score = 1 + the number of
    /// breakpoints the value reaches (`value >= b`).
    pub frequency_breaks: Option<Vec<f64>>,
    /// Explicit monetary breakpoints, same rule as frequency.
    pub monetary_breaks: Option<Vec<f64>>,
}

impl Default for RfmParams {
    fn default() -> Self {
        RfmParams { n_scores: 5, recency_breaks: None, frequency_breaks: None, monetary_breaks: None }
    }
}

/// RFM parameters that passed [`RfmParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRfmParams(RfmParams);

impl ValidRfmParams {
    /// Number of score bands.
    pub fn n_scores(&self) -> u8 {
        self.0.n_scores
    }
    /// The checked parameters.
    pub fn params(&self) -> &RfmParams {
        &self.0
    }
}

impl RfmParams {
    /// Validates the band count and every breakpoint list.
    ///
    /// # Errors
    /// [`RfmError::NScores`] outside 2..=10; [`RfmError::Breakpoints`] for a list that is not
    /// n - 1 finite strictly increasing numbers.
    pub fn check(&self) -> Result<ValidRfmParams, RfmError> {
        if !(2..=10).contains(&self.n_scores) {
            return Err(RfmError::NScores { n_scores: self.n_scores });
        }
        let expected = usize::from(self.n_scores) - 1;
        for (dimension, breaks) in [
            ("recency", &self.recency_breaks),
            ("frequency", &self.frequency_breaks),
            ("monetary", &self.monetary_breaks),
        ] {
            if let Some(b) = breaks {
                let ok = b.len() == expected && b.iter().all(|v| v.is_finite()) && b.windows(2).all(|w| w[0] < w[1]);
                if !ok {
                    return Err(RfmError::Breakpoints { dimension, expected, found: b.clone() });
                }
            }
        }
        Ok(ValidRfmParams(self.clone()))
    }
}

/// Breakpoints on recency and frequency, quantiles on monetary (the tests' example).
#[cfg(test)]
pub(crate) fn example_breaks() -> ValidRfmParams {
    RfmParams {
        recency_breaks: Some(vec![30.0, 60.0, 90.0, 180.0]),
        frequency_breaks: Some(vec![2.0, 3.0, 5.0, 8.0]),
        ..RfmParams::default()
    }
    .check()
    .unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rejects_bad_params() {
        let p = RfmParams { n_scores: 1, ..RfmParams::default() };
        assert_eq!(p.check(), Err(RfmError::NScores { n_scores: 1 }));
        let p = RfmParams { frequency_breaks: Some(vec![1.0, 3.0, 2.0, 4.0]), ..RfmParams::default() };
        assert!(matches!(p.check(), Err(RfmError::Breakpoints { dimension: "frequency", .. })));
        let p = RfmParams { monetary_breaks: Some(vec![1.0]), ..RfmParams::default() };
        assert!(matches!(p.check(), Err(RfmError::Breakpoints { expected: 4, .. })));
        assert!(RfmParams::default().check().is_ok());
    }
}
