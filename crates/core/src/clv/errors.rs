use thiserror::Error;

use super::FitReport;

/// Errors of the CLV models.
#[derive(Debug, Error, PartialEq)]
pub enum ClvError {
    /// A customer's summary is impossible (negative counts or times, t_x > T, x = 0 with t_x > 0).
    #[error("customer {index}: {reason} (x = {x}, t_x = {t_x}, T = {t})")]
    InvalidSummary { index: usize, reason: &'static str, x: u64, t_x: f64, t: f64 },
    /// Nothing to fit on.
    #[error("no customers to fit the {model} model on")]
    NoData { model: &'static str },
    /// Gamma-Gamma needs positive mean spend for every repeat buyer.
    #[error(
        "customer {index}: mean repeat spend must be > 0 for the Gamma-Gamma model, got {value}\n\
         hint: the spend model covers repeat buyers with positive purchases only; net returns out first"
    )]
    NonPositiveSpend { index: usize, value: f64 },
    /// A fit parameter or model parameter out of its domain.
    #[error("{name} must be {rule}, got {value}")]
    InvalidParam { name: &'static str, rule: &'static str, value: f64 },
    /// The likelihood maximisation did not converge from any start.
    #[error(
        "the {} fit did not converge: {:?} after {} iterations, log-likelihood {:.4}, largest gradient {:.3e}\n\
         hint: a parameter running to its boundary, or without a finite standard error, usually means too few \
         customers or no sign of dropout; try another model, or a small penalty (`penalty = 0.001` under \
         `[clv.fit]` in the config file given with --config)",
        report.model, report.status, report.iterations, report.log_likelihood, report.grad_max
    )]
    NotConverged { report: Box<FitReport> },
}
