//! `[rfm]`: the RFM scheme's configuration section.

use custseg_core::rfm::{Cn8Basis, RfmParams, SegmentRule, default_segment_rules};
use serde::{Deserialize, Serialize};

/// `[rfm]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RfmConfig {
    /// Score bands (2..=10).
    pub n_scores: u8,
    /// Explicit recency breakpoints in days (n_scores - 1, ascending).
    pub recency_breaks: Option<Vec<f64>>,
    /// Explicit frequency breakpoints.
    pub frequency_breaks: Option<Vec<f64>>,
    /// Explicit monetary breakpoints.
    pub monetary_breaks: Option<Vec<f64>>,
    /// Centre of the Chinese 8-class scheme: `mean` or `median`.
    pub cn8_basis: Cn8Basis,
    /// The segment table, first match wins.
    pub segments: Vec<SegmentRule>,
}

impl Default for RfmConfig {
    fn default() -> Self {
        let p = RfmParams::default();
        RfmConfig {
            n_scores: p.n_scores,
            recency_breaks: None,
            frequency_breaks: None,
            monetary_breaks: None,
            cn8_basis: Cn8Basis::Mean,
            segments: default_segment_rules(),
        }
    }
}

impl RfmConfig {
    /// The segment table in effect: the one given, or, when the default table is left as it is
    /// and `n_scores` is not 5, the default scaled to `n_scores` bands (the 5-band table's
    /// ranges do not fit other band counts).
    pub fn segment_rules(&self) -> std::borrow::Cow<'_, [SegmentRule]> {
        if self.n_scores != 5 && self.segments == default_segment_rules() {
            std::borrow::Cow::Owned(custseg_core::rfm::default_segment_rules_for(self.n_scores))
        } else {
            std::borrow::Cow::Borrowed(&self.segments)
        }
    }

    /// The scoring parameters.
    pub fn params(&self) -> RfmParams {
        RfmParams {
            n_scores: self.n_scores,
            recency_breaks: self.recency_breaks.clone(),
            frequency_breaks: self.frequency_breaks.clone(),
            monetary_breaks: self.monetary_breaks.clone(),
        }
    }
}
