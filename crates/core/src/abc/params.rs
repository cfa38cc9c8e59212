//! ABC parameters: the cumulative revenue shares that close tiers A and B.

use serde::{Deserialize, Serialize};

use super::AbcError;

/// Unchecked ABC parameters. Defaults: A up to 80% of revenue, B up to 95%, C the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AbcParams {
    /// Cumulative revenue share that closes tier A.
    pub a_share: f64,
    /// Cumulative revenue share that closes tier B.
    pub b_share: f64,
}

impl Default for AbcParams {
    fn default() -> Self {
        AbcParams { a_share: 0.80, b_share: 0.95 }
    }
}

/// ABC parameters that passed [`AbcParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidAbcParams(pub(crate) AbcParams);

impl AbcParams {
    /// # Errors
    /// [`AbcError::Shares`] unless `0 < a_share < b_share <= 1`.
    pub fn check(&self) -> Result<ValidAbcParams, AbcError> {
        if self.a_share > 0.0 && self.a_share < self.b_share && self.b_share <= 1.0 {
            Ok(ValidAbcParams(self.clone()))
        } else {
            Err(AbcError::Shares { a_share: self.a_share, b_share: self.b_share })
        }
    }
}
