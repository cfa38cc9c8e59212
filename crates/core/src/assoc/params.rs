//! Association parameters: the thresholds of itemsets and rules.

use serde::{Deserialize, Serialize};

use super::{AssocError, RuleFilter};

/// Unchecked association parameters. Defaults: support 0.01, confidence 0.2, lift 1, itemsets
/// of up to 4 items, a single-item consequent (as arules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssocParams {
    /// Least share of baskets an itemset is in.
    pub min_support: f64,
    /// Least confidence of a rule.
    pub min_confidence: f64,
    /// Least lift of a rule.
    pub min_lift: f64,
    /// Most items in an itemset.
    pub max_len: usize,
    /// Most items in a rule's consequent.
    pub max_consequent: usize,
}

impl Default for AssocParams {
    fn default() -> Self {
        AssocParams { min_support: 0.01, min_confidence: 0.2, min_lift: 1.0, max_len: 4, max_consequent: 1 }
    }
}

/// Association parameters that passed [`AssocParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidAssocParams(pub(crate) AssocParams);

impl AssocParams {
    /// # Errors
    /// [`AssocError::OutOfRange`] unless `0 < min_support <= 1`, `0 <= min_confidence <= 1`,
    /// `min_lift >= 0` (all finite), `max_len >= 1` and `1 <= max_consequent < max_len` (a rule
    /// needs an antecedent).
    pub fn check(&self) -> Result<ValidAssocParams, AssocError> {
        let out = |name, range, value| Err(AssocError::OutOfRange { name, range, value });
        if !(self.min_support > 0.0 && self.min_support <= 1.0) {
            return out("min_support", "in (0, 1]", self.min_support);
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return out("min_confidence", "in [0, 1]", self.min_confidence);
        }
        if !(self.min_lift.is_finite() && self.min_lift >= 0.0) {
            return out("min_lift", "a finite number >= 0", self.min_lift);
        }
        if self.max_len == 0 {
            return out("max_len", "at least 1", 0.0);
        }
        if self.max_consequent == 0 || (self.max_len > 1 && self.max_consequent >= self.max_len) {
            return out("max_consequent", "at least 1 and below max_len", self.max_consequent as f64);
        }
        Ok(ValidAssocParams(self.clone()))
    }
}

impl ValidAssocParams {
    /// The least support count among `n_baskets` baskets: the share rounded up, at least 1.
    pub fn min_count(&self, n_baskets: u64) -> u64 {
        ((self.0.min_support * n_baskets as f64) - 1e-9).ceil().max(1.0) as u64
    }

    /// The most items in an itemset.
    pub fn max_len(&self) -> usize {
        self.0.max_len
    }

    /// The rule filter.
    pub fn filter(&self) -> RuleFilter {
        RuleFilter {
            min_confidence: self.0.min_confidence,
            min_lift: self.0.min_lift,
            max_consequent: self.0.max_consequent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_every_threshold() {
        assert!(AssocParams::default().check().is_ok());
        let bad = |p: AssocParams| p.check().expect_err("out of range").to_string();
        let d = AssocParams::default();
        assert_eq!(bad(AssocParams { min_support: 0.0, ..d.clone() }), "min_support must be in (0, 1], got 0");
        assert_eq!(bad(AssocParams { min_confidence: 1.5, ..d.clone() }), "min_confidence must be in [0, 1], got 1.5");
        assert!(bad(AssocParams { min_lift: f64::NAN, ..d.clone() }).starts_with("min_lift"));
        assert!(bad(AssocParams { max_len: 0, ..d.clone() }).starts_with("max_len"));
        assert!(bad(AssocParams { max_consequent: 4, ..d.clone() }).starts_with("max_consequent"));
    }

    #[test]
    fn the_least_count_rounds_the_share_up() {
        let p = AssocParams { min_support: 0.01, ..AssocParams::default() }.check().expect("valid");
        assert_eq!(p.min_count(1000), 10);
        assert_eq!(p.min_count(1001), 11);
        assert_eq!(p.min_count(10), 1);
        let third = AssocParams { min_support: 1.0 / 3.0, ..AssocParams::default() }.check().expect("valid");
        assert_eq!(third.min_count(3), 1, "a share exactly one basket is one basket, not two");
    }
}
