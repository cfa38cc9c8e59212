//! Invalid ABC parameters.

use thiserror::Error;

/// Invalid ABC parameters.
#[derive(Debug, Error, PartialEq)]
pub enum AbcError {
    /// The cut-offs are not `0 < a_share < b_share <= 1`.
    #[error("abc shares must satisfy 0 < a_share < b_share <= 1, got a_share = {a_share}, b_share = {b_share}")]
    Shares { a_share: f64, b_share: f64 },
}
