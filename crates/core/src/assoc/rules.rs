//! Association rules from frequent itemsets: antecedent ⇒ consequent with the measures of
//! Agrawal et al. (support, confidence), Brin et al. (lift, conviction) and Piatetsky-Shapiro
//! (leverage), defined as mlxtend defines them.

use std::collections::HashMap;

use super::Itemset;

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Items of the antecedent, ascending.
    pub antecedent: Vec<u32>,
    /// Items of the consequent, ascending.
    pub consequent: Vec<u32>,
    /// Baskets holding both.
    pub count: u64,
    /// supp(A ∪ C): the share of baskets holding both.
    pub support: f64,
    /// supp(A ∪ C) / supp(A).
    pub confidence: f64,
    /// confidence / supp(C).
    pub lift: f64,
    /// supp(A ∪ C) − supp(A)·supp(C).
    pub leverage: f64,
    /// (1 − supp(C)) / (1 − confidence); infinite when the confidence is 1.
    pub conviction: f64,
}

/// Which rules to keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleFilter {
    /// Least confidence.
    pub min_confidence: f64,
    /// Least lift.
    pub min_lift: f64,
    /// Most items in the consequent (1: a single item, as arules).
    pub max_consequent: usize,
}

/// The rules of `itemsets` (mined from `n_baskets` baskets) that pass `filter`. Order: lift,
/// then confidence, then support, descending; ties by antecedent, then consequent, ascending.
pub fn rules(itemsets: &[Itemset], n_baskets: u64, filter: RuleFilter) -> Vec<Rule> {
    let n = n_baskets.max(1) as f64;
    let count_of: HashMap<&[u32], u64> = itemsets.iter().map(|s| (s.items.as_slice(), s.count)).collect();
    let mut out = Vec::new();
    for set in itemsets.iter().filter(|s| s.items.len() >= 2) {
        let k = set.items.len();
        // every non-empty proper subset is a consequent, up to the largest allowed
        for mask in 1u64..(1u64 << k) - 1 {
            if mask.count_ones() as usize > filter.max_consequent {
                continue;
            }
            let in_consequent = |i: usize| mask >> i & 1 == 1;
            let pick = |want: bool| -> Vec<u32> {
                (0..k).filter(|&i| in_consequent(i) == want).map(|i| set.items[i]).collect()
            };
            let (consequent, antecedent) = (pick(true), pick(false));
            // subsets of a frequent itemset are frequent, so both are found
            let (Some(&a), Some(&c)) = (count_of.get(antecedent.as_slice()), count_of.get(consequent.as_slice()))
            else {
                continue;
            };
            let support = set.count as f64 / n;
            let (supp_a, supp_c) = (a as f64 / n, c as f64 / n);
            let confidence = support / supp_a;
            let lift = confidence / supp_c;
            if confidence < filter.min_confidence || lift < filter.min_lift {
                continue;
            }
            let conviction = if confidence >= 1.0 { f64::INFINITY } else { (1.0 - supp_c) / (1.0 - confidence) };
            out.push(Rule {
                antecedent,
                consequent,
                count: set.count,
                support,
                confidence,
                lift,
                leverage: support - supp_a * supp_c,
                conviction,
            });
        }
    }
    out.sort_by(|x, y| {
        y.lift
            .total_cmp(&x.lift)
            .then(y.confidence.total_cmp(&x.confidence))
            .then(y.support.total_cmp(&x.support))
            .then_with(|| x.antecedent.cmp(&y.antecedent))
            .then_with(|| x.consequent.cmp(&y.consequent))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::super::itemsets;
    use super::*;

    /// How many baskets hold every item of `set`.
    fn holding(baskets: &[Vec<u32>], set: &[u32]) -> u64 {
        baskets.iter().filter(|b| set.iter().all(|i| b.contains(i))).count() as u64
    }

    #[test]
    fn measures_equal_their_definitions_counted_on_the_baskets() {
        let baskets = vec![vec![1, 2, 3], vec![1, 2], vec![1, 3], vec![2, 3], vec![1, 2, 3], vec![4]];
        let found = itemsets(&baskets, 1, 3);
        let all = rules(&found, 6, RuleFilter { min_confidence: 0.0, min_lift: 0.0, max_consequent: 2 });
        // every split of every itemset of 2 or 3 items: 3 pairs x 2 + 1 triple x 6
        assert_eq!(all.len(), 12);
        for r in &all {
            let both: Vec<u32> = r.antecedent.iter().chain(&r.consequent).copied().collect();
            let (n_both, n_a, n_c) =
                (holding(&baskets, &both), holding(&baskets, &r.antecedent), holding(&baskets, &r.consequent));
            let (s, sa, sc) = (n_both as f64 / 6.0, n_a as f64 / 6.0, n_c as f64 / 6.0);
            assert_eq!(r.count, n_both);
            assert!((r.support - s).abs() < 1e-12 && (r.confidence - s / sa).abs() < 1e-12);
            assert!((r.lift - s / sa / sc).abs() < 1e-12 && (r.leverage - (s - sa * sc)).abs() < 1e-12);
            let conviction = if s / sa >= 1.0 { f64::INFINITY } else { (1.0 - sc) / (1.0 - s / sa) };
            assert_eq!(r.conviction, conviction);
        }
        // ordered by lift, then confidence, support, antecedent, consequent
        assert!(all.windows(2).all(|w| w[0].lift >= w[1].lift));
        let single = rules(&found, 6, RuleFilter { min_confidence: 0.7, min_lift: 1.0, max_consequent: 1 });
        assert!(single.iter().all(|r| r.consequent.len() == 1 && r.confidence >= 0.7 && r.lift >= 1.0));
        assert_eq!(
            single.len(),
            all.iter().filter(|r| r.consequent.len() == 1 && r.confidence >= 0.7 && r.lift >= 1.0).count()
        );
    }
}
