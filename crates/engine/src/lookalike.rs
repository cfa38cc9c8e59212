//! Best customers and lookalikes (价值细分: 探索-评估-定位): the purchasers are split by value
//! into "better" (top 10%), "good" (next 40%) and "poor" (the rest); every master-file attribute
//! value gets its lift among the better customers (share among them / share among all customers
//! with that attribute), and every customer with master data a `lookalike_score`: the geometric
//! mean of the lifts of their attribute values (1 = like the average customer, above 1 = like the
//! best ones). The score ranks prospects and one-time buyers for acquisition and development.
//!
//! Value is predicted CLV when a CLV model was fitted, else monetary; ties at a cut-off go to the
//! higher class (min-rank, like every other tier). Attributes with more than `max_levels`
//! distinct values (ids, free text) and attributes whose values are all numbers (employees, age,
//! budgets: measures, not categories) are left out of the lift table.

use std::collections::BTreeMap;

use custseg_core::cuts::{Better, Cuts};
use custseg_core::math::min_ranks;
use custseg_data::master::Master;
use custseg_data::sink::{Column, Table};
use serde::{Deserialize, Serialize};

use crate::classify::Scheme;
use crate::error::{EngineError, Result};
use crate::output::round;

/// `[lookalike]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LookalikeConfig {
    /// Compute the value classes (`value_class`), and with a master file the lift table
    /// (lookalike.csv) and `lookalike_score`.
    pub enabled: bool,
    /// Share of purchasers that are "better" (by value, from the top).
    pub better_share: f64,
    /// Share that are "good" (the next ones).
    pub good_share: f64,
    /// Attributes with more distinct values than this are not in the lift table.
    pub max_levels: usize,
    /// Attribute values held by fewer customers than this get no lift (too few to tell).
    pub min_customers: u64,
}

impl Default for LookalikeConfig {
    fn default() -> Self {
        LookalikeConfig { enabled: true, better_share: 0.10, good_share: 0.40, max_levels: 50, min_customers: 5 }
    }
}

impl LookalikeConfig {
    /// Validates the settings.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] for shares outside (0, 1] or summing above 1.
    pub fn check(&self) -> Result<()> {
        if !(self.better_share > 0.0 && self.good_share >= 0.0 && self.better_share + self.good_share <= 1.0) {
            return Err(EngineError::Invalid(format!(
                "lookalike.better_share > 0 and better_share + good_share <= 1 must hold, got {} and {}",
                self.better_share, self.good_share
            )));
        }
        Ok(())
    }
}

/// Labels of the value classes.
pub const CLASSES: [&str; 3] = ["better", "good", "poor"];

/// The value classes and lookalike figures of a run.
#[derive(Debug, Clone)]
pub struct Lookalike {
    /// `value_class` over the output rows (purchasers only).
    pub scheme: Scheme,
    /// lookalike.csv (empty without a master file).
    pub table: Table,
    /// `lookalike_score` over the output rows.
    pub columns: Table,
}

/// Value classes of the purchasers (`value` per output row, `None` for prospects).
fn classes(value: &[Option<f64>], cfg: &LookalikeConfig) -> Vec<Option<u16>> {
    let idx: Vec<usize> = (0..value.len()).filter(|&i| value[i].is_some()).collect();
    // negated so that rank 0 is the highest value; equal values share the better rank
    let neg: Vec<f64> = idx.iter().map(|&i| -value[i].unwrap_or(0.0)).collect();
    let ranks = min_ranks(&neg);
    let n = idx.len() as f64;
    let mut out = vec![None; value.len()];
    for (k, &i) in idx.iter().enumerate() {
        let top_share = ranks[k] as f64 / n;
        out[i] = Some(if top_share < cfg.better_share {
            0
        } else if top_share < cfg.better_share + cfg.good_share {
            1
        } else {
            2
        });
    }
    out
}

/// What a saved model keeps of the value classes and lifts: applied to a customer's value and
/// master attributes, they give the same class and `lookalike_score` without the population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookalikeModel {
    /// Where "good" (level 1) and "better" (level 2) start, by value.
    pub cuts: Cuts,
    /// The lift of every attribute value (with a master file; in lift-table order of fitting).
    pub attributes: Vec<AttributeLifts>,
}

/// The lifts of one master attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeLifts {
    /// Attribute name.
    pub name: String,
    /// Customers with a value of it.
    pub customers: u64,
    /// "Better" customers with a value of it.
    pub better_customers: u64,
    /// Its values, in text order.
    pub levels: Vec<LevelLift>,
}

/// The lift of one attribute value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelLift {
    /// The value as written (trimmed).
    pub value: String,
    /// Customers with it.
    pub customers: u64,
    /// "Better" customers with it.
    pub better_customers: u64,
    /// Share among the better customers / share among all.
    pub lift: f64,
    /// Whether it counts in `lookalike_score` (held by at least `min_customers`).
    pub scored: bool,
}

/// Computes the value classes, lift table and scores, and the model that reproduces them.
pub fn compute(
    cfg: &LookalikeConfig,
    value: &[Option<f64>],
    master: Option<(&Master, &[Option<usize>])>,
) -> (Lookalike, LookalikeModel) {
    let class = classes(value, cfg);
    let attributes = master.map(|m| lifts(cfg, &class, m)).unwrap_or_default();
    let (values, levels): (Vec<f64>, Vec<u8>) =
        value.iter().zip(&class).filter_map(|(v, c)| Some((((*v)?), 2 - (*c)? as u8))).unzip();
    let model = LookalikeModel { cuts: Cuts::from_levels(&values, &levels, Better::Higher), attributes };
    (finish(&model, class, master), model)
}

/// The value classes and scores of a saved model (its lift table as lookalike.csv).
pub fn apply(model: &LookalikeModel, value: &[Option<f64>], master: Option<(&Master, &[Option<usize>])>) -> Lookalike {
    let class = value.iter().map(|v| v.map(|v| 2 - u16::from(model.cuts.level(v)))).collect();
    finish(model, class, master)
}

/// The trimmed, non-empty value of attribute `a` of output row `i`.
fn level_of<'m>(m: &'m Master, master_rows: &[Option<usize>], a: usize, i: usize) -> Option<&'m str> {
    master_rows[i].and_then(|j| m.values[a][j].as_deref()).map(str::trim).filter(|v| !v.is_empty())
}

/// The lift of every value of every attribute that describes customers (see the module notes).
fn lifts(
    cfg: &LookalikeConfig,
    class: &[Option<u16>],
    (m, master_rows): (&Master, &[Option<usize>]),
) -> Vec<AttributeLifts> {
    let mut out = Vec::new();
    for (a, name) in m.attributes.iter().enumerate() {
        let mut all: BTreeMap<&str, u64> = BTreeMap::new();
        let mut best: BTreeMap<&str, u64> = BTreeMap::new();
        for (i, c) in class.iter().enumerate() {
            if let Some(v) = level_of(m, master_rows, a, i) {
                *all.entry(v).or_default() += 1;
                if *c == Some(0) {
                    *best.entry(v).or_default() += 1;
                }
            }
        }
        // measures (employees, age, budgets: every value a number) are not categories
        let numeric = all.keys().all(|v| v.parse::<f64>().is_ok());
        if all.len() > cfg.max_levels || all.len() < 2 || numeric {
            continue;
        }
        let n_all: u64 = all.values().sum();
        let n_best: u64 = best.values().sum();
        if n_best == 0 {
            continue;
        }
        let levels = all
            .iter()
            .map(|(&v, &c)| {
                let b = best.get(v).copied().unwrap_or(0);
                let lift = (b as f64 / n_best as f64) / (c as f64 / n_all as f64);
                LevelLift {
                    value: v.to_string(),
                    customers: c,
                    better_customers: b,
                    lift,
                    scored: c >= cfg.min_customers,
                }
            })
            .collect();
        out.push(AttributeLifts { name: name.clone(), customers: n_all, better_customers: n_best, levels });
    }
    out
}

/// The scheme, lift table and scores from the classes and a model's lifts.
fn finish(model: &LookalikeModel, class: Vec<Option<u16>>, master: Option<(&Master, &[Option<usize>])>) -> Lookalike {
    let n = class.len();
    let scheme = Scheme {
        id: "value_class".into(),
        labels: CLASSES.iter().map(|s| s.to_string()).collect(),
        of_row: class,
        names: None,
    };
    let mut rows: Vec<(String, String, u64, u64, f64, f64, f64)> = Vec::new();
    let mut score: Vec<Option<f64>> = vec![None; n];
    if let Some((m, master_rows)) = master {
        // per output row: sum of log lifts and how many attributes contributed
        let mut log_sum = vec![0.0; n];
        let mut used = vec![0u32; n];
        for attr in &model.attributes {
            for l in &attr.levels {
                rows.push((
                    attr.name.clone(),
                    l.value.clone(),
                    l.customers,
                    l.better_customers,
                    round(l.customers as f64 / attr.customers as f64, 6),
                    round(l.better_customers as f64 / attr.better_customers as f64, 6),
                    round(l.lift, 4),
                ));
            }
            // a model's attribute this master file lacks scores no one
            let Some(a) = m.attributes.iter().position(|x| *x == attr.name) else { continue };
            let lift_of: BTreeMap<&str, f64> =
                attr.levels.iter().filter(|l| l.scored).map(|l| (l.value.as_str(), l.lift)).collect();
            for i in 0..n {
                if let Some(l) = level_of(m, master_rows, a, i).and_then(|v| lift_of.get(v)) {
                    // a lift of 0 (no best customer has it) counts as a small one, not minus infinity
                    log_sum[i] += l.max(0.01).ln();
                    used[i] += 1;
                }
            }
        }
        for i in 0..n {
            if used[i] > 0 {
                score[i] = Some(round((log_sum[i] / f64::from(used[i])).exp(), 4));
            }
        }
    }
    // strongest over-representation first; ties by attribute and value
    rows.sort_by(|a, b| b.6.total_cmp(&a.6).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut table = Table::default();
    table.push("attribute", Column::Str(rows.iter().map(|r| Some(r.0.clone())).collect()));
    table.push("value", Column::Str(rows.iter().map(|r| Some(r.1.clone())).collect()));
    table.push("customers", Column::Int(rows.iter().map(|r| Some(r.2 as i64)).collect()));
    table.push("better_customers", Column::Int(rows.iter().map(|r| Some(r.3 as i64)).collect()));
    table.push("share_all", Column::Float(rows.iter().map(|r| Some(r.4)).collect()));
    table.push("share_better", Column::Float(rows.iter().map(|r| Some(r.5)).collect()));
    table.push("lift", Column::Float(rows.iter().map(|r| Some(r.6)).collect()));
    let mut columns = Table::default();
    columns.push("lookalike_score", Column::Float(score));
    Lookalike { scheme, table, columns }
}
