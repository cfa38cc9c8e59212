//! Itemsets and rules of a set of baskets.

use custseg_core::assoc::{Itemset, Rule, ValidAssocParams, itemsets, rules};

/// What mining a set of baskets found.
#[derive(Debug, Clone, PartialEq)]
pub struct Mined {
    /// Baskets mined.
    pub n_baskets: u64,
    /// The least support count (the share of baskets, rounded up).
    pub min_count: u64,
    /// Frequent itemsets, by length, then items.
    pub itemsets: Vec<Itemset>,
    /// Rules, by lift, confidence, support (descending), then antecedent and consequent.
    pub rules: Vec<Rule>,
}

/// Mines `baskets` (distinct items, ascending; owned or borrowed) with `params`, the support
/// count at least `floor`.
pub fn mine<B: AsRef<[u32]>>(baskets: &[B], params: &ValidAssocParams, floor: u64) -> Mined {
    let n = baskets.len() as u64;
    let min_count = params.min_count(n).max(floor);
    let found = itemsets(baskets, min_count, params.max_len());
    let rules = rules(&found, n, params.filter());
    Mined { n_baskets: n, min_count, itemsets: found, rules }
}
