//! The value × loyalty matrix (客户分类矩阵): every purchaser placed by a value measure (default:
//! predicted CLV when a CLV model was fitted, else monetary) and a loyalty measure (default:
//! frequency), each split at cut-offs (default: the median, or tertiles with `bands = 3`), into
//! named cells. Output: the `matrix` scheme (a label per purchaser) and matrix.csv.

use std::collections::BTreeMap;

use custseg_core::Lang;
use custseg_core::catalog::Names;
/// The matrix cells in their default order (for readers of matrix.csv).
pub use custseg_core::matrix::default_cells;
use custseg_core::matrix::{band, quantile_cuts};
use custseg_data::sink::{Column, Table};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::classify::Scheme;
use crate::cluster::Inputs;
use crate::error::{EngineError, Result};
use crate::output::round;

/// `[matrix]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatrixConfig {
    /// Place customers on the matrix in every run.
    pub enabled: bool,
    /// Value axis: `auto` (clv when a CLV model was fitted, else monetary) or any numeric
    /// customer column (monetary, annual_spend, clv, historical_ltv, a master attribute, ...).
    pub value: String,
    /// Loyalty axis: frequency (default), p_alive, tenure_days, or any numeric column.
    pub loyalty: String,
    /// Bands per axis: 2 (2 × 2, median cut) or 3 (3 × 3, tertiles).
    pub bands: usize,
    /// Explicit value cut-offs (bands − 1, ascending); unset: quantiles.
    pub value_cuts: Option<Vec<f64>>,
    /// Explicit loyalty cut-offs.
    pub loyalty_cuts: Option<Vec<f64>>,
    /// Cell names replacing the defaults, by cell id (`stars = "VIP"`).
    pub names: BTreeMap<String, String>,
}

impl Default for MatrixConfig {
    fn default() -> Self {
        MatrixConfig {
            enabled: true,
            value: "auto".into(),
            loyalty: "frequency".into(),
            bands: 2,
            value_cuts: None,
            loyalty_cuts: None,
            names: BTreeMap::new(),
        }
    }
}

impl MatrixConfig {
    /// Validates the settings.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] naming the setting.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(EngineError::Invalid(format!("matrix.{m}")));
        if !(2..=3).contains(&self.bands) {
            return bad(format!("bands must be 2 or 3, got {}", self.bands));
        }
        for (name, cuts) in [("value_cuts", &self.value_cuts), ("loyalty_cuts", &self.loyalty_cuts)] {
            if let Some(c) = cuts
                && (c.len() != self.bands - 1 || c.iter().any(|v| !v.is_finite()) || c.windows(2).any(|w| w[0] >= w[1]))
            {
                return bad(format!("{name} must be {} ascending numbers, got {c:?}", self.bands - 1));
            }
        }
        let ids: Vec<String> = default_cells(self.bands).into_iter().map(|c| c.0).collect();
        if let Some(k) = self.names.keys().find(|k| !ids.contains(k)) {
            return bad(format!("names: `{k}` is not a cell; cells: {}", ids.join(", ")));
        }
        Ok(())
    }
}

/// The matrix of a run.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// The `matrix` scheme over the output rows.
    pub scheme: Scheme,
    /// matrix.csv.
    pub table: Table,
    /// What run.json records.
    pub record: MatrixRecord,
}

/// The matrix in run.json.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRecord {
    /// Value axis column.
    pub value: String,
    /// Loyalty axis column.
    pub loyalty: String,
    /// Value cut-offs used.
    pub value_cuts: Vec<f64>,
    /// Loyalty cut-offs used.
    pub loyalty_cuts: Vec<f64>,
}

impl MatrixConfig {
    /// The matrix as a saved model keeps it: this configuration with the axes a run resolved
    /// and the cut-offs it used, so that placing a customer needs no other customer.
    pub fn frozen(&self, used: &MatrixRecord) -> MatrixConfig {
        MatrixConfig {
            value: used.value.clone(),
            loyalty: used.loyalty.clone(),
            value_cuts: Some(used.value_cuts.clone()),
            loyalty_cuts: Some(used.loyalty_cuts.clone()),
            ..self.clone()
        }
    }
}

/// Places the purchasers (`rows[i]`: feature index or `None` for a prospect) on the matrix.
///
/// # Errors
/// [`EngineError::Invalid`] when an axis names a column the run does not have.
pub fn place(inputs: &Inputs<'_>, cfg: &MatrixConfig, rows: &[Option<usize>], lang: Lang) -> Result<Matrix> {
    let value_name = match cfg.value.as_str() {
        "auto" if inputs.scores.is_some_and(|s| s.clv.iter().any(Option::is_some)) => "clv".to_string(),
        "auto" => "monetary".to_string(),
        other => other.to_string(),
    };
    let axis = |name: &str| -> Result<Vec<Option<f64>>> {
        inputs.numeric(name)?.ok_or_else(|| {
            EngineError::Invalid(format!(
                "matrix axis `{name}` is not a numeric column of this run\navailable: {}",
                inputs.available()
            ))
        })
    };
    let value = axis(&value_name)?;
    let loyalty = axis(&cfg.loyalty)?;
    let finite = |v: &[Option<f64>]| -> Vec<f64> { v.iter().flatten().copied().filter(|x| x.is_finite()).collect() };
    // the two axes' cut-offs (each a sort of every customer's value) side by side
    let (value_cuts, loyalty_cuts) = rayon::join(
        || cfg.value_cuts.clone().unwrap_or_else(|| quantile_cuts(&finite(&value), cfg.bands)),
        || cfg.loyalty_cuts.clone().unwrap_or_else(|| quantile_cuts(&finite(&loyalty), cfg.bands)),
    );
    let cells = default_cells(cfg.bands);
    let labels: Vec<String> = cells.iter().map(|c| c.0.clone()).collect();
    let names: Vec<Names> =
        cells.iter().map(|c| cfg.names.get(&c.0).map_or_else(|| Names::new(&c.3, &c.4), Names::same)).collect();
    let cell_of = |i: usize| -> Option<u16> {
        let (v, l) = (value[i].filter(|x| x.is_finite())?, loyalty[i].filter(|x| x.is_finite())?);
        let (bv, bl) = (band(v, &value_cuts), band(l, &loyalty_cuts));
        cells.iter().position(|c| c.1 == bv && c.2 == bl).map(|p| p as u16)
    };
    let per_feature: Vec<Option<u16>> = (0..inputs.features.len()).into_par_iter().map(cell_of).collect();
    let of_row: Vec<Option<u16>> = rows.iter().map(|r| r.and_then(|i| per_feature[i])).collect();
    // matrix.csv
    let k = cells.len();
    let mut n = vec![0u64; k];
    let mut revenue = vec![0.0; k];
    let mut clv_sum = vec![0.0; k];
    let mut clv_n = vec![0u64; k];
    let mut value_sum = vec![0.0; k];
    let mut loyalty_sum = vec![0.0; k];
    let clv = inputs.scores.map(|s| &s.clv);
    for (i, c) in per_feature.iter().enumerate() {
        let Some(c) = c else { continue };
        let c = usize::from(*c);
        n[c] += 1;
        revenue[c] += inputs.features.monetary[i];
        value_sum[c] += value[i].unwrap_or(0.0);
        loyalty_sum[c] += loyalty[i].unwrap_or(0.0);
        if let Some(v) = clv.and_then(|s| s[i]) {
            clv_sum[c] += v;
            clv_n[c] += 1;
        }
    }
    // shares of all the run's customers, as in segments.csv
    let total_n = rows.len() as u64;
    let total_rev: f64 = revenue.iter().sum();
    let mean = |s: f64, c: u64| (c > 0).then(|| round(s / c as f64, 4));
    let mut t = Table::default();
    t.push("cell", Column::Str(labels.iter().map(|l| Some(l.clone())).collect()));
    t.push("name", Column::Str(names.iter().map(|l| Some(l.get(lang).to_string())).collect()));
    t.push("value_band", Column::Int(cells.iter().map(|c| Some(c.1 as i64 + 1)).collect()));
    t.push("loyalty_band", Column::Int(cells.iter().map(|c| Some(c.2 as i64 + 1)).collect()));
    t.push("customers", Column::Int(n.iter().map(|&v| Some(v as i64)).collect()));
    t.push("share", Column::Float(n.iter().map(|&v| Some(round(v as f64 / total_n.max(1) as f64, 6))).collect()));
    t.push("revenue", Column::Float(revenue.iter().map(|&v| Some(round(v, 2))).collect()));
    t.push(
        "revenue_share",
        Column::Float(
            revenue.iter().map(|&v| Some(if total_rev != 0.0 { round(v / total_rev, 6) } else { 0.0 })).collect(),
        ),
    );
    t.push("mean_value", Column::Float((0..k).map(|c| mean(value_sum[c], n[c])).collect()));
    t.push("mean_loyalty", Column::Float((0..k).map(|c| mean(loyalty_sum[c], n[c])).collect()));
    t.push("mean_clv", Column::Float((0..k).map(|c| mean(clv_sum[c], clv_n[c])).collect()));
    Ok(Matrix {
        scheme: Scheme { id: "matrix".into(), labels, of_row, names: Some(names) },
        table: t,
        record: MatrixRecord { value: value_name, loyalty: cfg.loyalty.clone(), value_cuts, loyalty_cuts },
    })
}
