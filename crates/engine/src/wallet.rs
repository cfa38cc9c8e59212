//! Share of wallet (钱包份额): a customer's annual spend against their annual budget for the
//! category, from a master-file column (`budget_column`) or from configured estimates per value
//! of an attribute (`estimate_by` + `[wallet.estimates]`, e.g. per industry or size).
//!
//! share_of_wallet = annual_spend / budget; growth_potential = max(budget − annual_spend, 0).
//! Prospects have an annual spend of 0. Customers without a budget get neither figure. Without
//! any budget data the run says so (run.json and the summary) and invents nothing.

use std::collections::BTreeMap;

use custseg_core::catalog::Msg;
use custseg_data::features::Features;
use custseg_data::master::Master;
use custseg_data::sink::{Column, Table};
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::output::round;

/// `[wallet]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WalletConfig {
    /// Master-file column with each customer's annual category budget.
    pub budget_column: String,
    /// Master-file attribute whose values `estimates` are keyed by (used when a customer has no
    /// budget of their own).
    pub estimate_by: Option<String>,
    /// Annual budget estimate per value of `estimate_by`.
    pub estimates: BTreeMap<String, f64>,
    /// Rows of wallet.csv (the largest growth opportunities).
    pub top: usize,
}

impl Default for WalletConfig {
    fn default() -> Self {
        WalletConfig {
            budget_column: "category_budget".into(),
            estimate_by: None,
            estimates: BTreeMap::new(),
            top: 100,
        }
    }
}

impl WalletConfig {
    /// Whether a master file with these attributes gives budgets: its own budget column, or the
    /// `estimate_by` attribute with estimates.
    pub fn applies(&self, attributes: &[String]) -> bool {
        let has = |name: &str| attributes.iter().any(|a| a == name);
        has(&self.budget_column) || (self.estimate_by.as_deref().is_some_and(has) && !self.estimates.is_empty())
    }

    /// Validates the settings.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] for a non-positive estimate.
    pub fn check(&self) -> Result<()> {
        if let Some((k, v)) = self.estimates.iter().find(|(_, v)| !(**v > 0.0 && v.is_finite())) {
            return Err(EngineError::Invalid(format!("wallet.estimates.{k} must be > 0, got {v}")));
        }
        if !self.estimates.is_empty() && self.estimate_by.is_none() {
            return Err(EngineError::Invalid(
                "wallet.estimates need wallet.estimate_by (the attribute they are per)".into(),
            ));
        }
        Ok(())
    }
}

/// Share of wallet in run.json.
#[derive(Debug, Clone, Serialize)]
pub struct WalletRecord {
    /// Whether any customer had a budget.
    pub available: bool,
    /// Where budgets came from, or why there are none.
    pub source: Msg,
    /// Customers with a budget.
    pub customers: u64,
    /// Their total annual spend over their total budget.
    pub overall_share: Option<f64>,
    /// Sum of the growth potential.
    pub total_growth_potential: f64,
}

/// The wallet figures of a run.
#[derive(Debug, Clone)]
pub struct Wallet {
    /// Columns for customers.csv (budget, share, potential), over the output rows.
    pub columns: Table,
    /// wallet.csv: the top growth opportunities.
    pub table: Table,
    /// run.json.
    pub record: WalletRecord,
}

/// Computes share of wallet for the output rows (`rows[i]`: feature index or `None` for a
/// prospect; `master_rows[i]`: row in the master file).
pub fn compute(
    cfg: &WalletConfig,
    f: &Features,
    master: Option<(&Master, &[Option<usize>])>,
    rows: &[Option<usize>],
    ids: &[&str],
) -> Option<Wallet> {
    let (m, master_rows) = master?;
    if !cfg.applies(&m.attributes) {
        return None;
    }
    let col = |name: &str| m.attributes.iter().position(|a| a == name);
    let own = col(&cfg.budget_column);
    let by = cfg.estimate_by.as_deref().and_then(col);
    let budget: Vec<Option<f64>> = master_rows
        .iter()
        .map(|r| {
            let j = (*r)?;
            let mine = own
                .and_then(|a| m.values[a][j].as_deref())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| *v > 0.0 && v.is_finite());
            mine.or_else(|| {
                by.and_then(|a| m.values[a][j].as_deref()).and_then(|v| cfg.estimates.get(v.trim()).copied())
            })
        })
        .collect();
    let spend: Vec<f64> = rows.iter().map(|r| r.map_or(0.0, |i| f.annual_spend[i])).collect();
    let share: Vec<Option<f64>> = budget.iter().zip(&spend).map(|(b, s)| b.map(|b| s / b)).collect();
    let potential: Vec<Option<f64>> = budget.iter().zip(&spend).map(|(b, s)| b.map(|b| (b - s).max(0.0))).collect();
    let with: Vec<usize> = (0..rows.len()).filter(|&i| budget[i].is_some()).collect();
    let total_budget: f64 = with.iter().filter_map(|&i| budget[i]).sum();
    let total_spend: f64 = with.iter().map(|&i| spend[i]).sum();
    let source = match (own, by) {
        (Some(_), Some(_)) => Msg::new("wallet_master_else_estimates")
            .arg("column", &cfg.budget_column)
            .arg("by", cfg.estimate_by.clone().unwrap_or_default()),
        (Some(_), None) => Msg::new("wallet_master").arg("column", &cfg.budget_column),
        _ => Msg::new("wallet_estimates").arg("by", cfg.estimate_by.clone().unwrap_or_default()),
    };
    let record = WalletRecord {
        available: !with.is_empty(),
        source,
        customers: with.len() as u64,
        overall_share: (total_budget > 0.0).then(|| round(total_spend / total_budget, 6)),
        total_growth_potential: round(potential.iter().flatten().sum(), 2),
    };
    let mut columns = Table::default();
    columns.push("wallet_budget", Column::Float(budget.iter().map(|v| v.map(|x| round(x, 2))).collect()));
    columns.push("share_of_wallet", Column::Float(share.iter().map(|v| v.map(|x| round(x, 6))).collect()));
    columns.push("growth_potential", Column::Float(potential.iter().map(|v| v.map(|x| round(x, 2))).collect()));
    // the largest potentials first; ties by id
    let mut order = with.clone();
    order
        .sort_by(|&a, &b| potential[b].unwrap_or(0.0).total_cmp(&potential[a].unwrap_or(0.0)).then(ids[a].cmp(ids[b])));
    order.truncate(cfg.top);
    let mut table = Table::default();
    table.push("rank", Column::Int((1..=order.len() as i64).map(Some).collect()));
    table.push("customer_id", Column::Str(order.iter().map(|&i| Some(ids[i].to_string())).collect()));
    table.push("annual_spend", Column::Float(order.iter().map(|&i| Some(round(spend[i], 2))).collect()));
    table.push("wallet_budget", Column::Float(order.iter().map(|&i| budget[i].map(|x| round(x, 2))).collect()));
    table.push("share_of_wallet", Column::Float(order.iter().map(|&i| share[i].map(|x| round(x, 6))).collect()));
    table.push("growth_potential", Column::Float(order.iter().map(|&i| potential[i].map(|x| round(x, 2))).collect()));
    Some(Wallet { columns, table, record })
}

/// run.json's wallet entry when there is no budget data.
pub fn unavailable(cfg: &WalletConfig) -> WalletRecord {
    WalletRecord {
        available: false,
        source: Msg::new("wallet_none").arg("column", &cfg.budget_column),
        customers: 0,
        overall_share: None,
        total_growth_potential: 0.0,
    }
}
