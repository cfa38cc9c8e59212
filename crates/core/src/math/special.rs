//! Special functions for the probability models: log-gamma and digamma (from `statrs`), log-beta,
//! stable log-sum-exp, and Gauss's hypergeometric function 2F1 (ours, see [`hyp2f1`]).

// `!(v > 0.0)`-style tests are deliberate here: they treat NaN as failing the check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    statrs::function::gamma::ln_gamma(x)
}

/// ψ(x) = d ln Γ(x) / dx for x > 0.
pub fn digamma(x: f64) -> f64 {
    statrs::function::gamma::digamma(x)
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ln(e^a + e^b) without overflow; `-inf` arguments are allowed.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// Most terms a hypergeometric series may take before it is declared not convergent.
pub const MAX_SERIES_TERMS: usize = 2_000_000;

/// Sums the Gauss series Σ (a)_n (b)_n / ((c)_n n!) zⁿ for |z| < 1 (or z = 1 when c − a − b > 0).
/// Returns NaN when the series has not converged within [`MAX_SERIES_TERMS`] terms or `c` is a
/// non-positive integer.
fn series(a: f64, b: f64, c: f64, z: f64) -> f64 {
    if c <= 0.0 && c.fract() == 0.0 {
        return f64::NAN;
    }
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    for n in 0..MAX_SERIES_TERMS {
        let nf = n as f64;
        term *= (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
        sum += term;
        if term == 0.0 {
            return sum;
        }
        // stop once the terms are shrinking and negligible; the ratio test guards against
        // stopping in the rising part of a series whose terms first grow
        let ratio = ((a + nf + 1.0) * (b + nf + 1.0) / ((c + nf + 1.0) * (nf + 2.0)) * z).abs();
        if ratio < 1.0 && term.abs() * ratio <= 1e-17 * sum.abs() * (1.0 - ratio) {
            return sum;
        }
    }
    f64::NAN
}

/// Gauss's hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z < 1.
///
/// - `0 <= z < 1`: the series, or Euler's transformation
///   ₂F₁(a, b; c; z) = (1 − z)^(c−a−b) ₂F₁(c−a, c−b; c; z) when that has smaller terms;
/// - `z < 0`: Pfaff's transformation ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c−b; c; z/(z−1)),
///   which maps z into [0, 1).
///
/// Returns NaN outside the domain (z ≥ 1, c a non-positive integer) or when a series fails to
/// converge.
///
/// ```
/// use custseg_core::math::hyp2f1;
/// // 2F1(1, 1; 2; z) = -ln(1 - z) / z
/// let z = 0.7_f64;
/// assert!((hyp2f1(1.0, 1.0, 2.0, z) - (-(1.0 - z).ln() / z)).abs() < 1e-14);
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    if z.is_nan() || z >= 1.0 || !(a.is_finite() && b.is_finite() && c.is_finite()) {
        return f64::NAN;
    }
    if z == 0.0 {
        return 1.0;
    }
    if z < 0.0 {
        // of the two Pfaff forms (a and b swap roles), take the one with the smaller new numerator
        let w = z / (z - 1.0);
        let (p, q) = if (c - b).abs() * a.abs() <= (c - a).abs() * b.abs() { (a, b) } else { (b, a) };
        return (1.0 - z).powf(-p) * positive(p, c - q, c, w);
    }
    positive(a, b, c, z)
}

/// ₂F₁ for 0 <= z < 1, choosing between the direct series and Euler's transformation.
fn positive(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let direct = (a * b).abs();
    let euler = ((c - a) * (c - b)).abs();
    // the tail of the direct series decays like n^(a+b-c-1) z^n: Euler's form decays faster
    // whenever a + b > c
    if euler < direct || (a + b - c > 0.0 && z > 0.5) {
        (1.0 - z).powf(c - a - b) * series(c - a, c - b, c, z)
    } else {
        series(a, b, c, z)
    }
}

/// ₂F₁(1, b; c; z) for c > b > 0 and 0 <= z < 1, with the derivatives of its logarithm.
///
/// Every term of this series is positive and each is at most z times the one before, so it
/// converges for every z < 1 and is summed directly. Its derivatives follow term by term:
/// ∂ ln tₙ/∂b = Σ_{k<n} 1/(b+k), ∂ ln tₙ/∂c = −Σ_{k<n} 1/(c+k), ∂ ln tₙ/∂z = n/z.
/// (Pareto/NBD's likelihood needs exactly this function; see `clv::pareto_nbd`.)
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hyp1 {
    /// ln ₂F₁(1, b; c; z).
    pub ln_value: f64,
    /// ∂/∂b of `ln_value`.
    pub d_b: f64,
    /// ∂/∂c of `ln_value`.
    pub d_c: f64,
    /// ∂/∂z of `ln_value`.
    pub d_z: f64,
}

/// See [`Hyp1`]. Returns NaN fields when the series does not converge.
pub fn hyp2f1_one(b: f64, c: f64, z: f64) -> Hyp1 {
    if z == 0.0 {
        return Hyp1 { ln_value: 0.0, d_b: 0.0, d_c: 0.0, d_z: b / c };
    }
    let (mut term, mut sum, mut sb, mut sc, mut sz) = (1.0_f64, 1.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
    let (mut hb, mut hc) = (0.0_f64, 0.0_f64);
    for n in 0..MAX_SERIES_TERMS {
        let nf = n as f64;
        hb += 1.0 / (b + nf);
        hc += 1.0 / (c + nf);
        term *= (b + nf) / (c + nf) * z;
        sum += term;
        sb += term * hb;
        sc -= term * hc;
        sz += term * (nf + 1.0);
        // terms fall at least geometrically with ratio z
        if term <= 1e-17 * sum * (1.0 - z) {
            return Hyp1 { ln_value: sum.ln(), d_b: sb / sum, d_c: sc / sum, d_z: sz / (sum * z) };
        }
    }
    Hyp1 { ln_value: f64::NAN, d_b: f64::NAN, d_c: f64::NAN, d_z: f64::NAN }
}

/// Nodes and weights of 32-point Gauss–Legendre quadrature on [-1, 1], computed once by Newton's
/// method on the Legendre polynomial.
fn gauss_legendre_32() -> &'static [(f64, f64); 32] {
    static NODES: std::sync::OnceLock<[(f64, f64); 32]> = std::sync::OnceLock::new();
    NODES.get_or_init(|| {
        const N: usize = 32;
        let mut out = [(0.0, 0.0); N];
        for (i, slot) in out.iter_mut().enumerate() {
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (N as f64 + 0.5)).cos();
            let mut dp = 0.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=N {
                    let kf = k as f64;
                    let p2 = ((2.0 * kf - 1.0) * x * p1 - (kf - 1.0) * p0) / kf;
                    p0 = p1;
                    p1 = p2;
                }
                dp = N as f64 * (x * p1 - p0) / (x * x - 1.0);
                let dx = p1 / dp;
                x -= dx;
                if dx.abs() < 1e-16 {
                    break;
                }
            }
            *slot = (x, 2.0 / ((1.0 - x * x) * dp * dp));
        }
        out
    })
}

/// ∫ f over [lo, hi] by composite 32-point Gauss–Legendre on `panels` equal panels.
pub fn integrate(f: impl Fn(f64) -> f64, lo: f64, hi: f64, panels: usize) -> f64 {
    let nodes = gauss_legendre_32();
    let panels = panels.max(1);
    let h = (hi - lo) / panels as f64;
    let mut total = 0.0;
    for p in 0..panels {
        let mid = lo + h * (p as f64 + 0.5);
        let half = h / 2.0;
        total += nodes.iter().map(|&(x, w)| w * f(mid + half * x)).sum::<f64>() * half;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn hyp2f1_matches_closed_forms() {
        for &z in &[-50.0, -3.0, -0.9, -0.2, 0.1, 0.5, 0.8, 0.95, 0.999] {
            // 2F1(1,1;2;z) = -ln(1-z)/z
            assert!(close(hyp2f1(1.0, 1.0, 2.0, z), -(1.0_f64 - z).ln() / z, 1e-12), "z={z}");
            // 2F1(a,b;b;z) = (1-z)^-a
            assert!(close(hyp2f1(0.7, 2.5, 2.5, z), (1.0_f64 - z).powf(-0.7), 1e-12), "z={z}");
            // 2F1(1/2,1;3/2;-z^2)... use 2F1(1/2,1/2;3/2;z) = asin(sqrt z)/sqrt z for z in (0,1)
            if z > 0.0 {
                let s = z.sqrt();
                assert!(close(hyp2f1(0.5, 0.5, 1.5, z), s.asin() / s, 1e-12), "z={z}");
            }
        }
        // 2F1(1,1;2;-z) = ln(1+z)/z with the argument far below -1
        assert!(close(hyp2f1(1.0, 1.0, 2.0, -1000.0), 1001.0_f64.ln() / 1000.0, 1e-12));
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_nan());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_nan());
    }

    /// The committed table of mpmath values (scripts/hyp2f1_reference.py).
    #[test]
    fn hyp2f1_matches_the_reference_table() {
        let text = include_str!("../../../../testdata/hyp2f1_reference.csv");
        let mut n = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
            let v: Vec<f64> = line.split(',').map(|f| f.parse().expect("number")).collect();
            let got = hyp2f1(v[0], v[1], v[2], v[3]);
            let tol = if v[3] >= 0.99 { 1e-9 } else { 1e-11 };
            assert!(
                (got - v[4]).abs() <= tol * v[4].abs().max(1e-3),
                "2F1({}, {}; {}; {}) = {got}, want {}",
                v[0],
                v[1],
                v[2],
                v[3],
                v[4]
            );
            n += 1;
        }
        assert_eq!(n, 140);
    }

    #[test]
    fn hyp2f1_one_matches_general_and_derivatives() {
        for &(b, c, z) in &[(0.3, 2.1, 0.2), (26.5, 28.1, 0.9), (1.6, 27.2, 0.999), (0.05, 1.1, 0.5)] {
            let h = hyp2f1_one(b, c, z);
            assert!(close(h.ln_value, hyp2f1(1.0, b, c, z).ln(), 1e-11), "{b} {c} {z}");
            let e = 1e-6;
            let fd = |db: f64, dc: f64, dz: f64| {
                (hyp2f1_one(b + db, c + dc, z + dz).ln_value - hyp2f1_one(b - db, c - dc, z - dz).ln_value) / 2.0
            };
            assert!(close(h.d_b, fd(e, 0.0, 0.0) / e, 1e-5), "d_b {b} {c} {z}");
            assert!(close(h.d_c, fd(0.0, e, 0.0) / e, 1e-5), "d_c {b} {c} {z}");
            let ez = 1e-7 * (1.0 - z);
            assert!(close(h.d_z, fd(0.0, 0.0, ez) / ez, 1e-5), "d_z {b} {c} {z}");
        }
    }

    #[test]
    fn quadrature_integrates_smooth_functions() {
        assert!(close(integrate(|x| x.exp(), 0.0, 2.0, 1), 2.0_f64.exp() - 1.0, 1e-14));
        assert!(close(integrate(|x| 1.0 / (1.0 + x), 0.0, 100.0, 8), 101.0_f64.ln(), 1e-10));
    }

    #[test]
    fn log_add_exp_is_stable() {
        assert_eq!(log_add_exp(f64::NEG_INFINITY, 3.0), 3.0);
        assert!(close(log_add_exp(1000.0, 1000.0), 1000.0 + 2.0_f64.ln(), 1e-15));
        assert!(close(ln_beta(2.0, 3.0), (1.0_f64 / 12.0).ln(), 1e-14));
    }
}
