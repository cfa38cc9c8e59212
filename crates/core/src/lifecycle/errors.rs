//! Invalid lifecycle parameters.

use thiserror::Error;

/// A threshold that cannot be one.
#[derive(Debug, Error, PartialEq)]
pub enum LifecycleError {
    /// Days are counted from the as-of date backwards: a threshold is at least 0.
    #[error("lifecycle.{name} must be >= 0, got {value}")]
    Negative { name: &'static str, value: i64 },
}
