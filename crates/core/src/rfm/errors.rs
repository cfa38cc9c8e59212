use thiserror::Error;

/// Invalid RFM parameters.
#[derive(Debug, Error, PartialEq)]
pub enum RfmError {
    /// The number of score bands is outside 2..=10.
    #[error("rfm n_scores must be between 2 and 10, got {n_scores}")]
    NScores { n_scores: u8 },
    /// Explicit breakpoints of the wrong length or not strictly increasing.
    #[error("rfm {dimension} breakpoints must be {expected} finite, strictly increasing numbers, got {found:?}")]
    Breakpoints { dimension: &'static str, expected: usize, found: Vec<f64> },
    /// A segment rule with an empty or out-of-range score interval.
    #[error("rfm segment rule `{id}`: {dimension} range {lo}..={hi} is not within 1..={n_scores}")]
    RuleRange { id: String, dimension: &'static str, lo: u8, hi: u8, n_scores: u8 },
}
