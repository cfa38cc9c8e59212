//! `[basket]`: what the basket analysis does in a run and in `custseg basket`.

use custseg_core::assoc::{AssocParams, ValidAssocParams};
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// Which column names a basket's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// The product when the log has one, else the category.
    #[default]
    Auto,
    /// The product (SKU).
    Product,
    /// The product category.
    Category,
}

/// `[basket]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BasketConfig {
    /// Analyse baskets in every run whose log has a product or category column.
    pub enabled: bool,
    /// The items: `auto`, `product` or `category`.
    pub item: ItemKind,
    /// Least share of baskets an itemset is in.
    pub min_support: f64,
    /// Least confidence of a rule.
    pub min_confidence: f64,
    /// Least lift of a rule.
    pub min_lift: f64,
    /// Most items in an itemset.
    pub max_len: usize,
    /// Most items in a rule's consequent (1, as arules).
    pub max_consequent: usize,
    /// The scheme whose classes get rules and top items of their own, and whose popular items
    /// fill a customer's recommendations (empty: none; popular over every basket).
    pub by: String,
    /// Recommendations per customer.
    pub top: usize,
    /// Recommend items the customer already bought.
    pub include_repeats: bool,
    /// Evaluate the recommendations on each customer's last purchase day.
    pub evaluate: bool,
    /// Most customers evaluated (a seeded sample beyond it).
    pub max_evaluated: usize,
    /// Bootstrap resamples of the evaluation's intervals.
    pub resamples: usize,
    /// Seed of the evaluation's sample and resamples.
    pub seed: u64,
}

impl Default for BasketConfig {
    fn default() -> Self {
        let p = AssocParams::default();
        BasketConfig {
            enabled: true,
            item: ItemKind::Auto,
            min_support: p.min_support,
            min_confidence: p.min_confidence,
            min_lift: p.min_lift,
            max_len: p.max_len,
            max_consequent: p.max_consequent,
            by: "rfm_segment".into(),
            top: 5,
            include_repeats: false,
            evaluate: true,
            max_evaluated: 100_000,
            resamples: 1000,
            seed: 42,
        }
    }
}

impl BasketConfig {
    /// The association thresholds.
    pub fn params(&self) -> AssocParams {
        AssocParams {
            min_support: self.min_support,
            min_confidence: self.min_confidence,
            min_lift: self.min_lift,
            max_len: self.max_len,
            max_consequent: self.max_consequent,
        }
    }

    /// # Errors
    /// [`EngineError::Invalid`] naming the setting out of range.
    pub fn check(&self) -> Result<ValidAssocParams> {
        let valid = self.params().check().map_err(|e| EngineError::Invalid(format!("[basket] {e}")))?;
        if !(1..=100).contains(&self.top) {
            return Err(EngineError::Invalid(format!("[basket] top must be 1 to 100, got {}", self.top)));
        }
        if self.resamples > 100_000 {
            return Err(EngineError::Invalid(format!(
                "[basket] resamples must be at most 100000, got {}",
                self.resamples
            )));
        }
        Ok(valid)
    }
}
