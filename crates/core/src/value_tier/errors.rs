//! Invalid value-tier parameters.

use thiserror::Error;

/// Invalid value-tier parameters.
#[derive(Debug, Error, PartialEq)]
pub enum ValueTierError {
    /// Shares must be positive and leave room for a mid tier.
    #[error(
        "value_tier shares must satisfy 0 < high_share, 0 < low_share, high_share + low_share < 1, got high_share = {high_share}, low_share = {low_share}"
    )]
    Shares { high_share: f64, low_share: f64 },
}
