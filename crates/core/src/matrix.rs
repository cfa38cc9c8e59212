//! The classification matrix (客户分类矩阵): customers placed on two axes — value and loyalty —
//! each split at cut-offs into bands, and each cell of the grid named.
//!
//! Bands are numbered from 0 (lowest). Only a value strictly above a cut-off goes to the band
//! above it (ties go down): with the median frequency 1 of a shop where most customers bought
//! once, "high loyalty" means bought more than once, not everyone. Default cut-offs are
//! quantiles of the values: the median for a 2 × 2 grid, tertiles for 3 × 3.
//!
//! ```
//! use custseg_core::matrix::{band, quantile_cuts};
//! let v = [1.0, 2.0, 3.0, 4.0];
//! let cuts = quantile_cuts(&v, 2);
//! assert_eq!(cuts, vec![2.5]);
//! assert_eq!(v.iter().map(|&x| band(x, &cuts)).collect::<Vec<_>>(), vec![0, 0, 1, 1]);
//! assert_eq!(band(2.5, &cuts), 0); // ties go down
//! ```

use crate::math::percentiles;

/// Cut-offs splitting `values` into `n_bands` bands of about equal size (quantiles, type 7).
/// Empty for no values or one band.
pub fn quantile_cuts(values: &[f64], n_bands: usize) -> Vec<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() || n_bands < 2 {
        return Vec::new();
    }
    let qs: Vec<f64> = (1..n_bands).map(|k| k as f64 / n_bands as f64).collect();
    percentiles(&finite, &qs)
}

/// Band of a value: the number of cut-offs strictly below it (ties go down).
pub fn band(value: f64, cuts: &[f64]) -> usize {
    cuts.iter().filter(|&&c| value > c).count()
}

/// Default cell ids and zh/en names of an n × n grid, row-major from the highest value band and
/// the highest loyalty band: (id, value band, loyalty band, en, zh).
pub fn default_cells(n: usize) -> Vec<(String, usize, usize, String, String)> {
    if n == 2 {
        return vec![
            ("stars".into(), 1, 1, "Stars".into(), "明星客户".into()),
            ("develop".into(), 1, 0, "To develop".into(), "发展客户".into()),
            ("maintain".into(), 0, 1, "To maintain".into(), "维持客户".into()),
            ("low_priority".into(), 0, 0, "Low priority".into(), "低优先级客户".into()),
        ];
    }
    let level = |b: usize, zh: bool| -> &'static str {
        let top = n - 1;
        match (b, zh) {
            (b, false) if b == top => "high",
            (0, false) => "low",
            (_, false) => "mid",
            (b, true) if b == top => "高",
            (0, true) => "低",
            (_, true) => "中",
        }
    };
    let mut out = Vec::new();
    for v in (0..n).rev() {
        for l in (0..n).rev() {
            out.push((
                format!("value_{}_loyalty_{}", level(v, false), level(l, false)),
                v,
                l,
                format!("{} value, {} loyalty", capitalise(level(v, false)), level(l, false)),
                format!("{}价值·{}忠诚", level(v, true), level(l, true)),
            ));
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_bands_and_cells() {
        let v: Vec<f64> = (1..=9).map(f64::from).collect();
        let t = quantile_cuts(&v, 3);
        assert_eq!(t.len(), 2);
        assert!((t[0] - 11.0 / 3.0).abs() < 1e-12 && (t[1] - 19.0 / 3.0).abs() < 1e-12);
        assert_eq!(band(5.0, &[5.0]), 0, "ties go down");
        assert_eq!(band(5.1, &[5.0]), 1);
        assert!(quantile_cuts(&[], 2).is_empty());
        let cells = default_cells(3);
        assert_eq!(cells.len(), 9);
        assert_eq!(cells[0].0, "value_high_loyalty_high");
        assert_eq!(cells[4].4, "中价值·中忠诚");
        assert_eq!(cells[8].3, "Low value, low loyalty");
        assert_eq!(default_cells(2)[0].4, "明星客户");
    }
}
