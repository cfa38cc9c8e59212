//! Unconstrained minimisation for the small likelihood fits: L-BFGS with a backtracking Armijo
//! line search (the workhorse, using analytic gradients), Nelder-Mead (the derivative-free
//! fallback), a Hessian by central differences of the gradient, and a small matrix inverse.
//!
//! Both optimisers report how they stopped; neither hides a failure.

// `!(v > 0.0)`-style tests are deliberate here: they treat NaN as failing the check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use serde::{Deserialize, Serialize};

/// How an optimiser stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The gradient (L-BFGS) or the simplex (Nelder-Mead) met its tolerance.
    Converged,
    /// The iteration limit was reached first.
    MaxIterations,
    /// No step along the search direction decreased the objective (L-BFGS).
    LineSearchFailed,
    /// The objective or gradient was not finite at the start.
    NonFinite,
    /// The best point lies on the edge of the allowed parameter range (set by the caller): the
    /// objective still improves towards the edge, so there is no interior optimum.
    Boundary,
    /// The optimiser stopped, but the curvature there is not that of a maximum in every
    /// direction (the Hessian is not positive definite, so there are no finite standard
    /// errors): the likelihood is flat or still rising along some direction, typically a
    /// parameter drifting off towards zero or infinity, and the point is not an estimate.
    Singular,
}

/// Result of a minimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// Minimiser.
    pub x: Vec<f64>,
    /// Objective at `x`.
    pub f: f64,
    /// Largest absolute gradient component at `x` (NaN for Nelder-Mead).
    pub grad_max: f64,
    /// Iterations taken.
    pub iterations: usize,
    /// How it stopped.
    pub status: Status,
}

/// Settings shared by both optimisers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Iteration limit.
    pub max_iter: usize,
    /// L-BFGS stops when every gradient component is below this.
    pub grad_tol: f64,
    /// Nelder-Mead stops when the simplex's objective values differ by less than this.
    pub f_tol: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options { max_iter: 1000, grad_tol: 1e-9, f_tol: 1e-13 }
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0_f64, |m, g| m.max(g.abs()))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises `f` (which writes its gradient into the second argument and returns the value)
/// from `x0` with limited-memory BFGS (memory 10).
///
/// The line search backtracks from the quasi-Newton step until the Armijo condition holds, and
/// treats a non-finite objective as "too far". Curvature pairs with `s·y <= 0` are skipped, so
/// the implied Hessian stays positive definite.
pub fn lbfgs(f: impl FnMut(&[f64], &mut [f64]) -> f64, x0: &[f64], opts: &Options) -> Minimum {
    lbfgs_from(f, x0, opts, None)
}

/// [`lbfgs`] with an initial inverse-Hessian approximation `h0` (a symmetric positive-definite
/// matrix, e.g. the inverse Hessian of the same objective on a sample of the data) in place of
/// the usual scaled identity: from a point near the optimum it converges in a few iterations.
pub fn lbfgs_from(
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: &[f64],
    opts: &Options,
    h0: Option<&[Vec<f64>]>,
) -> Minimum {
    const MEMORY: usize = 10;
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Minimum { x, f: fx, grad_max: f64::NAN, iterations: 0, status: Status::NonFinite };
    }
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    for iter in 0..opts.max_iter {
        let grad_max = max_abs(&g);
        if grad_max <= opts.grad_tol {
            return Minimum { x, f: fx, grad_max, iterations: iter, status: Status::Converged };
        }
        // two-loop recursion: d = -H g
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(s_hist.len());
        for (s, y) in s_hist.iter().zip(&y_hist).rev() {
            let rho = 1.0 / dot(y, s);
            let a = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push((a, rho));
        }
        match h0 {
            Some(h) => q = h.iter().map(|row| dot(row, &q)).collect(),
            None => {
                let gamma = match (s_hist.last(), y_hist.last()) {
                    (Some(s), Some(y)) => dot(s, y) / dot(y, y),
                    // first step: move at most 1 in any coordinate (the parameters are logarithms)
                    _ => 1.0 / grad_max.max(1.0),
                };
                q.iter_mut().for_each(|v| *v *= gamma);
            }
        }
        for ((s, y), (a, rho)) in s_hist.iter().zip(&y_hist).zip(alphas.iter().rev()) {
            let b = rho * dot(y, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
        }
        let mut d: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut slope = dot(&g, &d);
        if !(slope < 0.0) {
            // not a descent direction: restart from steepest descent
            s_hist.clear();
            y_hist.clear();
            let scale = 1.0 / grad_max.max(1.0);
            d = g.iter().map(|v| -v * scale).collect();
            slope = dot(&g, &d);
        }
        // backtracking Armijo line search
        let mut step = 1.0;
        let mut accepted = false;
        let mut f_new = f64::NAN;
        for _ in 0..60 {
            x_new.iter_mut().zip(&x).zip(&d).for_each(|((xn, xi), di)| *xn = xi + step * di);
            f_new = f(&x_new, &mut g_new);
            if f_new.is_finite() && g_new.iter().all(|v| v.is_finite()) && f_new <= fx + 1e-4 * step * slope {
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            let status = if grad_max <= opts.grad_tol * 1e3 { Status::Converged } else { Status::LineSearchFailed };
            return Minimum { x, f: fx, grad_max, iterations: iter, status };
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        if dot(&s, &y) > 1e-16 * dot(&y, &y).sqrt() * dot(&s, &s).sqrt() {
            if s_hist.len() == MEMORY {
                s_hist.remove(0);
                y_hist.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
        }
        let stalled = (fx - f_new).abs() <= 1e-16 * fx.abs().max(1.0);
        x.copy_from_slice(&x_new);
        g.copy_from_slice(&g_new);
        fx = f_new;
        if stalled && max_abs(&g) <= opts.grad_tol * 1e3 {
            // the objective no longer changes in double precision and the gradient is tiny
            return Minimum { x, f: fx, grad_max: max_abs(&g), iterations: iter + 1, status: Status::Converged };
        }
    }
    let grad_max = max_abs(&g);
    let status = if grad_max <= opts.grad_tol { Status::Converged } else { Status::MaxIterations };
    Minimum { x, f: fx, grad_max, iterations: opts.max_iter, status }
}

/// Minimises `f` from `x0` with the Nelder-Mead simplex (standard coefficients 1, 2, 1/2, 1/2),
/// starting from a simplex with edges `step` along each axis.
pub fn nelder_mead(mut f: impl FnMut(&[f64]) -> f64, x0: &[f64], step: f64, opts: &Options) -> Minimum {
    let n = x0.len();
    let eval = |f: &mut dyn FnMut(&[f64]) -> f64, x: &[f64]| {
        let v = f(x);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut pts: Vec<Vec<f64>> = vec![x0.to_vec()];
    for i in 0..n {
        let mut p = x0.to_vec();
        p[i] += step;
        pts.push(p);
    }
    let mut vals: Vec<f64> = pts.iter().map(|p| eval(&mut f, p)).collect();
    for iter in 0..opts.max_iter {
        // order best..worst; ties keep their previous order (stable sort)
        let mut idx: Vec<usize> = (0..=n).collect();
        idx.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
        pts = idx.iter().map(|&i| pts[i].clone()).collect();
        vals = idx.iter().map(|&i| vals[i]).collect();
        let spread = vals[n] - vals[0];
        let size = pts[1..].iter().map(|p| p.iter().zip(&pts[0]).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max));
        if spread.is_finite() && spread <= opts.f_tol * vals[0].abs().max(1.0) && size.fold(0.0, f64::max) <= 1e-8 {
            return Minimum {
                x: pts[0].clone(),
                f: vals[0],
                grad_max: f64::NAN,
                iterations: iter,
                status: Status::Converged,
            };
        }
        let centroid: Vec<f64> = (0..n).map(|j| pts[..n].iter().map(|p| p[j]).sum::<f64>() / n as f64).collect();
        let along = |t: f64| -> Vec<f64> { centroid.iter().zip(&pts[n]).map(|(c, w)| c + t * (c - w)).collect() };
        let xr = along(1.0);
        let fr = eval(&mut f, &xr);
        if fr < vals[0] {
            let xe = along(2.0);
            let fe = eval(&mut f, &xe);
            if fe < fr {
                (pts[n], vals[n]) = (xe, fe);
            } else {
                (pts[n], vals[n]) = (xr, fr);
            }
        } else if fr < vals[n - 1] {
            (pts[n], vals[n]) = (xr, fr);
        } else {
            let (xc, fc) = if fr < vals[n] {
                let xc = along(0.5);
                let fc = eval(&mut f, &xc);
                (xc, fc)
            } else {
                let xc = along(-0.5);
                let fc = eval(&mut f, &xc);
                (xc, fc)
            };
            if fc < vals[n].min(fr) {
                (pts[n], vals[n]) = (xc, fc);
            } else {
                // shrink towards the best point
                for i in 1..=n {
                    let p: Vec<f64> = pts[0].iter().zip(&pts[i]).map(|(b, q)| b + 0.5 * (q - b)).collect();
                    vals[i] = eval(&mut f, &p);
                    pts[i] = p;
                }
            }
        }
    }
    let best = (0..=n).min_by(|&a, &b| vals[a].total_cmp(&vals[b])).unwrap_or(0);
    Minimum {
        x: pts[best].clone(),
        f: vals[best],
        grad_max: f64::NAN,
        iterations: opts.max_iter,
        status: Status::MaxIterations,
    }
}

#[allow(clippy::needless_range_loop)] // index loops read best in matrix code
/// Hessian of a function at `x` by forward differences of its analytic gradient (step `h` in
/// each coordinate, n + 1 gradient evaluations), symmetrised. Accurate to about `h` relative:
/// plenty for standard errors.
pub fn hessian(mut grad: impl FnMut(&[f64], &mut [f64]), x: &[f64], h: f64) -> Vec<Vec<f64>> {
    let n = x.len();
    let mut hess = vec![vec![0.0; n]; n];
    let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
    grad(x, &mut gm);
    let mut xp = x.to_vec();
    for j in 0..n {
        xp[j] = x[j] + 2.0 * h;
        grad(&xp, &mut gp);
        xp[j] = x[j];
        for i in 0..n {
            hess[i][j] = (gp[i] - gm[i]) / (2.0 * h);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (hess[i][j] + hess[j][i]);
            hess[i][j] = m;
            hess[j][i] = m;
        }
    }
    hess
}

#[allow(clippy::needless_range_loop)]
/// Inverse of a small symmetric positive-definite matrix by Cholesky factorisation; `None` when
/// it is not positive definite.
pub fn inverse_spd(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - s;
                if !(d > 0.0) || !d.is_finite() {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    // invert column by column: solve L L^T x = e_j
    let mut inv = vec![vec![0.0; n]; n];
    for j in 0..n {
        let mut y = vec![0.0; n];
        for i in 0..n {
            let e = if i == j { 1.0 } else { 0.0 };
            y[i] = (e - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
        }
        let mut xs = vec![0.0; n];
        for i in (0..n).rev() {
            xs[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * xs[k]).sum::<f64>()) / l[i][i];
        }
        for i in 0..n {
            inv[i][j] = xs[i];
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn lbfgs_finds_the_rosenbrock_minimum() {
        let m = lbfgs(rosenbrock, &[-1.2, 1.0], &Options::default());
        assert_eq!(m.status, Status::Converged);
        assert!((m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6, "{:?}", m.x);
    }

    #[test]
    fn nelder_mead_finds_the_rosenbrock_minimum() {
        let mut g = [0.0; 2];
        let opts = Options { max_iter: 5000, ..Options::default() };
        let m = nelder_mead(|x| rosenbrock(x, &mut g), &[-1.2, 1.0], 0.5, &opts);
        assert_eq!(m.status, Status::Converged);
        assert!((m.x[0] - 1.0).abs() < 1e-4 && (m.x[1] - 1.0).abs() < 1e-4, "{:?}", m.x);
    }

    #[test]
    fn lbfgs_reports_a_non_finite_start() {
        let m = lbfgs(
            |_, g| {
                g[0] = 0.0;
                f64::NAN
            },
            &[0.0],
            &Options::default(),
        );
        assert_eq!(m.status, Status::NonFinite);
    }

    #[test]
    fn hessian_and_inverse_of_a_quadratic() {
        // f = x^T A x / 2 with A = [[4, 1], [1, 3]]
        let grad = |x: &[f64], g: &mut [f64]| {
            g[0] = 4.0 * x[0] + x[1];
            g[1] = x[0] + 3.0 * x[1];
        };
        let h = hessian(grad, &[0.3, -0.2], 1e-4);
        assert!((h[0][0] - 4.0).abs() < 1e-9 && (h[0][1] - 1.0).abs() < 1e-9 && (h[1][1] - 3.0).abs() < 1e-9);
        let inv = inverse_spd(&h).expect("positive definite");
        // A^-1 = [[3, -1], [-1, 4]] / 11
        assert!((inv[0][0] - 3.0 / 11.0).abs() < 1e-9 && (inv[0][1] + 1.0 / 11.0).abs() < 1e-9);
        assert!(inverse_spd(&[vec![1.0, 2.0], vec![2.0, 1.0]]).is_none());
    }
}
