//! Value-tier parameters: the shares of the high and low tiers.

use serde::{Deserialize, Serialize};

use super::ValueTierError;

/// Unchecked value-tier parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ValueTierParams {
    /// Share of customers (by percentile) in the high tier; default 0.2.
    pub high_share: f64,
    /// Share of customers (by percentile) in the low tier; default 0.5.
    pub low_share: f64,
}

impl Default for ValueTierParams {
    fn default() -> Self {
        ValueTierParams { high_share: 0.2, low_share: 0.5 }
    }
}

/// Parameters that passed [`ValueTierParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidValueTierParams(pub(super) ValueTierParams);

impl ValueTierParams {
    /// # Errors
    /// [`ValueTierError::Shares`] for shares that do not leave a mid tier.
    pub fn check(&self) -> Result<ValidValueTierParams, ValueTierError> {
        if self.high_share > 0.0 && self.low_share > 0.0 && self.high_share + self.low_share < 1.0 {
            Ok(ValidValueTierParams(self.clone()))
        } else {
            Err(ValueTierError::Shares { high_share: self.high_share, low_share: self.low_share })
        }
    }
}
