//! Invalid association parameters.

use thiserror::Error;

/// Invalid association parameters.
#[derive(Debug, Error, PartialEq)]
pub enum AssocError {
    /// A threshold is out of its range.
    #[error("{name} must be {range}, got {value}")]
    OutOfRange {
        /// The setting.
        name: &'static str,
        /// Its range, in words.
        range: &'static str,
        /// The value given.
        value: f64,
    },
}
