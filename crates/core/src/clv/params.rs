// `!(v > 0.0)`-style tests are deliberate here: they treat NaN as failing the check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
use serde::{Deserialize, Serialize};

use super::ClvError;

/// Settings of a maximum-likelihood fit. Defaults: no penalty, 3 starts, 1000 iterations, gradient
/// tolerance 1e-9 on the mean log-likelihood per customer (in log-parameter space).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FitParams {
    /// L2 penalty λ: the fit maximises mean LL − λ Σ θ² over the model parameters θ (as
    /// `penalizer_coef` in `lifetimes`). 0 turns it off.
    pub penalty: f64,
    /// Starting points tried (at most; the fit stops early once two converged starts agree).
    pub starts: usize,
    /// Iteration limit per start.
    pub max_iter: usize,
    /// Convergence tolerance on the largest gradient component.
    pub grad_tol: f64,
}

impl Default for FitParams {
    fn default() -> Self {
        FitParams { penalty: 0.0, starts: 3, max_iter: 1000, grad_tol: 1e-9 }
    }
}

/// Fit settings that passed [`FitParams::check`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidFitParams(pub(crate) FitParams);

impl ValidFitParams {
    /// The checked settings.
    pub fn params(&self) -> &FitParams {
        &self.0
    }
}

impl FitParams {
    /// Validates the settings.
    ///
    /// # Errors
    /// [`ClvError::InvalidParam`] for a negative or non-finite penalty, zero starts or
    /// iterations, or a non-positive tolerance.
    pub fn check(&self) -> Result<ValidFitParams, ClvError> {
        let bad = |name, rule, value: f64| Err(ClvError::InvalidParam { name, rule, value });
        if !(self.penalty >= 0.0 && self.penalty.is_finite()) {
            return bad("penalty", ">= 0", self.penalty);
        }
        if self.starts == 0 {
            return bad("starts", ">= 1", 0.0);
        }
        if self.max_iter == 0 {
            return bad("max_iter", ">= 1", 0.0);
        }
        if !(self.grad_tol > 0.0) {
            return bad("grad_tol", "> 0", self.grad_tol);
        }
        Ok(ValidFitParams(self.clone()))
    }
}
