//! The maximum-likelihood driver every model shares: log-parameters, L-BFGS from several starts,
//! a Nelder-Mead fallback, standard errors from the Hessian, and an honest report.

// `!(v > 0.0)`-style tests are deliberate here: they treat NaN as failing the check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use serde::{Deserialize, Serialize};

use super::{BtydData, ClvError, ValidFitParams};
use crate::math::optim::{self, Minimum, Options, Status};

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamEstimate {
    /// Name as in the paper (`r`, `alpha`, `a`, `b`, `s`, `beta`, `p`, `q`, `gamma`).
    pub name: String,
    /// Maximum-likelihood estimate.
    pub value: f64,
    /// Standard error from the inverse Hessian of the log-likelihood (delta method from the
    /// log-parameters); `None` when the Hessian is not positive definite.
    pub std_error: Option<f64>,
}

/// What a fit did: parameters, fit quality and how the optimiser got there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Model id (`bgnbd`, `mbgnbd`, `pnbd`, `gamma_gamma`).
    pub model: String,
    /// Estimates in the model's parameter order.
    pub params: Vec<ParamEstimate>,
    /// Total log-likelihood at the estimate, in the time unit of the data (penalty excluded).
    pub log_likelihood: f64,
    /// Customers the fit used.
    pub n_customers: usize,
    /// Distinct summaries the likelihood was evaluated on.
    pub n_distinct: usize,
    /// Iterations of the winning start.
    pub iterations: usize,
    /// `converged`, `max_iterations`, `line_search_failed`, `non_finite`, `boundary` or
    /// `singular` (no finite standard errors at the point reached).
    pub status: Status,
    /// `lbfgs` or `nelder_mead` (fallback, then polished by L-BFGS); `screened` is appended when
    /// the starts ran on a sample of the data first (see [`SCREEN_SIZE`]).
    pub method: String,
    /// Starting points tried.
    pub starts_tried: usize,
    /// Largest gradient component of the mean objective at the estimate (log-parameters).
    pub grad_max: f64,
    /// The L2 penalty used.
    pub penalty: f64,
}

impl FitReport {
    /// The estimates as a plain vector.
    pub fn values(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.value).collect()
    }
}

/// A likelihood to maximise.
#[derive(Clone)]
pub(crate) struct Problem<'a, const N: usize> {
    pub model: &'static str,
    pub names: [&'static str; N],
    /// Total log-likelihood at θ (original parameters), writing ∂LL/∂θ.
    pub ll: &'a (dyn Fn(&[f64; N], &mut [f64; N]) -> f64 + Sync),
    /// Total weight (customers) for scaling the objective.
    pub weight: f64,
    pub n_customers: usize,
    pub n_distinct: usize,
    /// Starting points in log-parameter space, in order of preference.
    pub starts: Vec<[f64; N]>,
}

/// Largest |log-parameter| the search may visit: parameters stay within [1.5e-8, 6.6e7], where
/// the gamma-function differences of the likelihoods keep their precision. A likelihood still
/// rising at the edge means the data push a parameter to its boundary (e.g. no dropout at all):
/// the fit then reports that it did not converge.
pub const MAX_LOG_PARAM: f64 = 18.0;

/// Mean negative penalised log-likelihood in log-parameter space, with its gradient.
fn objective<const N: usize>(p: &Problem<'_, N>, penalty: f64, u: &[f64], grad: &mut [f64]) -> f64 {
    let theta: [f64; N] = std::array::from_fn(|i| u[i].exp());
    if u.iter().any(|v| !(v.abs() <= MAX_LOG_PARAM)) {
        grad.iter_mut().for_each(|g| *g = f64::NAN);
        return f64::NAN;
    }
    let mut g = [0.0; N];
    let ll = (p.ll)(&theta, &mut g);
    let mut f = -ll / p.weight;
    for i in 0..N {
        f += penalty * theta[i] * theta[i];
        grad[i] = (-g[i] / p.weight + 2.0 * penalty * theta[i]) * theta[i];
    }
    f
}

/// Size of the sample the starting points are screened on: with more than [`SCREEN_MIN`]
/// distinct summaries, every start runs on an even sample of this many (weights scaled up),
/// and only the best result is refined on all the data, preconditioned by the sample's inverse
/// Hessian. The starts still guard against a poor local optimum, at a fraction of the cost.
pub const SCREEN_SIZE: usize = 50_000;

/// Fewest distinct summaries for which the starts are screened on a sample.
pub const SCREEN_MIN: usize = 4 * SCREEN_SIZE;

/// Maximises the likelihood, screening the starts on `sample` first when there is one; returns θ
/// and the report. If refining the sample's best point fails, every start is run on the full data.
pub(crate) fn maximise_screened<const N: usize>(
    full: &Problem<'_, N>,
    sample: Option<&Problem<'_, N>>,
    fp: &ValidFitParams,
) -> Result<([f64; N], FitReport), ClvError> {
    let Some(sample) = sample else { return maximise(full, fp) };
    let Ok((theta, screen, inv_hess)) = maximise_from(sample, fp, None) else { return maximise(full, fp) };
    let refine = Problem { starts: vec![std::array::from_fn(|i| theta[i].ln())], ..*full };
    let one = ValidFitParams(crate::clv::FitParams { starts: 1, ..fp.params().clone() });
    // the sample's inverse Hessian preconditions the refinement: a few iterations suffice
    match maximise_from(&refine, &one, inv_hess.as_deref()) {
        Ok((theta, mut report, _)) if report.method == "lbfgs" => {
            report.starts_tried += screen.starts_tried;
            report.method = format!("lbfgs, starts screened on {} of {} summaries", sample.n_distinct, full.n_distinct);
            Ok((theta, report))
        }
        _ => maximise(full, fp),
    }
}

/// Fits a four-parameter purchase model whose log-likelihood over a [`BtydData`] is `ll`: the
/// problem on all tuples, and above [`SCREEN_MIN`] tuples the starts screened on an even sample.
pub(crate) fn fit_btyd(
    model: &'static str,
    names: [&'static str; 4],
    starts: Vec<[f64; 4]>,
    data: &BtydData,
    ll: impl Fn(&[f64; 4], &BtydData, &mut [f64; 4]) -> f64 + Sync,
    params: &ValidFitParams,
) -> Result<([f64; 4], FitReport), ClvError> {
    if data.n_tuples() == 0 {
        return Err(ClvError::NoData { model });
    }
    let full_ll = |theta: &[f64; 4], g: &mut [f64; 4]| ll(theta, data, g);
    let problem = Problem {
        model,
        names,
        ll: &full_ll,
        weight: data.total_weight(),
        n_customers: data.n_customers(),
        n_distinct: data.n_tuples(),
        starts,
    };
    let sample = if data.n_tuples() > SCREEN_MIN { data.sample(SCREEN_SIZE) } else { None };
    let sample_ll = |theta: &[f64; 4], g: &mut [f64; 4]| match &sample {
        Some(s) => ll(theta, s, g),
        None => f64::NAN,
    };
    let screen = sample.as_ref().map(|s| Problem { ll: &sample_ll, n_distinct: s.n_tuples(), ..problem.clone() });
    maximise_screened(&problem, screen.as_ref(), params)
}

/// Maximises the likelihood; returns θ and the report.
pub(crate) fn maximise<const N: usize>(
    p: &Problem<'_, N>,
    fp: &ValidFitParams,
) -> Result<([f64; N], FitReport), ClvError> {
    maximise_from(p, fp, None).map(|(theta, report, _)| (theta, report))
}

/// Inverse Hessian of the mean objective in log-parameters (None when not positive definite).
type InvHessian = Option<Vec<Vec<f64>>>;

/// [`maximise`], with an optional initial inverse Hessian for L-BFGS; also returns the inverse
/// Hessian of the mean objective at the optimum.
fn maximise_from<const N: usize>(
    p: &Problem<'_, N>,
    fp: &ValidFitParams,
    h0: Option<&[Vec<f64>]>,
) -> Result<([f64; N], FitReport, InvHessian), ClvError> {
    let fp = fp.params();
    let opts = Options { max_iter: fp.max_iter, grad_tol: fp.grad_tol, ..Options::default() };
    let obj = |u: &[f64], g: &mut [f64]| objective(p, fp.penalty, u, g);
    let mut best: Option<Minimum> = None;
    let mut converged: Vec<f64> = Vec::new();
    let mut tried = 0;
    for start in p.starts.iter().take(fp.starts) {
        tried += 1;
        let m = optim::lbfgs_from(obj, start, &opts, h0);
        if m.status == Status::Converged {
            let agrees = converged.iter().any(|f| (f - m.f).abs() <= 1e-9 * m.f.abs().max(1.0));
            converged.push(m.f);
            if best.as_ref().is_none_or(|b| b.status != Status::Converged || m.f < b.f) {
                best = Some(m);
            }
            if agrees {
                break;
            }
        } else if best.as_ref().is_none_or(|b| b.status != Status::Converged && m.f.is_finite() && !(b.f <= m.f)) {
            best = Some(m);
        }
    }
    let mut method = "lbfgs";
    let mut m = best.unwrap_or(Minimum {
        x: vec![0.0; N],
        f: f64::NAN,
        grad_max: f64::NAN,
        iterations: 0,
        status: Status::NonFinite,
    });
    if m.status != Status::Converged {
        // derivative-free fallback from the best point seen, then polish with L-BFGS
        method = "nelder_mead";
        let from = if m.f.is_finite() { m.x.clone() } else { p.starts.first().map(|s| s.to_vec()).unwrap_or_default() };
        let mut scratch = vec![0.0; N];
        let nm_opts = Options { max_iter: fp.max_iter * 10, ..opts };
        let nm = optim::nelder_mead(|u| obj(u, &mut scratch), &from, 0.5, &nm_opts);
        let polished = optim::lbfgs(obj, &nm.x, &opts);
        m = if polished.f.is_finite() && !(polished.f > nm.f) { polished } else { nm };
        tried += 1;
    }
    if m.status == Status::Converged && m.x.iter().any(|v| v.abs() > MAX_LOG_PARAM - 1.0) {
        m.status = Status::Boundary;
    }
    let theta: [f64; N] = std::array::from_fn(|i| m.x[i].exp());
    let mut g = [0.0; N];
    let log_likelihood = (p.ll)(&theta, &mut g);
    // standard errors: Hessian of the total negative LL in log-parameters, delta method back
    let hess = optim::hessian(
        |u, grad| {
            objective(p, fp.penalty, u, grad);
            grad.iter_mut().for_each(|v| *v *= p.weight);
        },
        &m.x,
        1e-6,
    );
    let cov = optim::inverse_spd(&hess);
    let inv_mean = cov.as_ref().map(|c| c.iter().map(|row| row.iter().map(|v| v * p.weight).collect()).collect());
    let params: Vec<ParamEstimate> = (0..N)
        .map(|i| ParamEstimate {
            name: p.names[i].to_string(),
            value: theta[i],
            std_error: cov.as_ref().map(|c| theta[i] * c[i][i].sqrt()).filter(|v| v.is_finite()),
        })
        .collect();
    let mut status = m.status;
    if status == Status::Converged && params.iter().any(|e| e.std_error.is_none()) {
        // a "converged" point without finite standard errors is not an estimate (it was seen
        // on the UCI Online Retail log: a = 0.0001, b = 82,644, CLV shown as -0.00)
        status = Status::Singular;
    }
    let report = FitReport {
        model: p.model.to_string(),
        params,
        log_likelihood,
        n_customers: p.n_customers,
        n_distinct: p.n_distinct,
        iterations: m.iterations,
        status,
        method: method.to_string(),
        starts_tried: tried,
        grad_max: m.grad_max,
        penalty: fp.penalty,
    };
    if status != Status::Converged || !log_likelihood.is_finite() {
        return Err(ClvError::NotConverged { report: Box::new(report) });
    }
    Ok((theta, report, inv_mean))
}
