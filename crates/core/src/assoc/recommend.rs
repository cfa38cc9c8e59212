//! Next products for a customer from the rules that fire on their history, filled up with the
//! most popular items of their segment.
//!
//! A rule fires when the customer has bought every item of its antecedent. An item of a fired
//! rule's consequent is a candidate; its score is the highest confidence among the fired rules
//! naming it, and its reason that rule (ties: higher lift, then the earlier rule in the rules'
//! order). Candidates are ranked by score, then their rule's lift, descending, then item id.
//! Items the customer bought are left out unless repeats are asked for. When fewer than `k`
//! candidates remain, the popular items fill the list, in their given order.

use std::collections::HashMap;

use super::Rule;

/// Rules indexed by their antecedent's first item, so a customer's history finds the rules that
/// may fire without scanning them all.
#[derive(Debug, Clone)]
pub struct RuleIndex<'a> {
    rules: &'a [Rule],
    by_first: HashMap<u32, Vec<u32>>,
}

impl<'a> RuleIndex<'a> {
    /// Indexes `rules` (kept in their order: a rule's position is its tie rank).
    pub fn new(rules: &'a [Rule]) -> RuleIndex<'a> {
        let mut by_first: HashMap<u32, Vec<u32>> = HashMap::new();
        for (k, r) in rules.iter().enumerate() {
            if let Some(&first) = r.antecedent.first() {
                by_first.entry(first).or_default().push(k as u32);
            }
        }
        RuleIndex { rules, by_first }
    }

    /// The rules.
    pub fn rules(&self) -> &'a [Rule] {
        self.rules
    }
}

/// Why an item is recommended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Why {
    /// This rule (an index into the rules) fired.
    Rule(usize),
    /// It is popular: in this share of the segment's baskets.
    Popular(f64),
}

/// One recommended item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    /// The item id.
    pub item: u32,
    /// The rule's confidence, or the item's popularity share.
    pub score: f64,
    /// Why.
    pub why: Why,
}

/// At most `k` items for a customer whose distinct items bought are `history` (ascending), from
/// the rules of `index`, then from `popular` (`(item, share)`, most popular first).
pub fn recommend(
    index: &RuleIndex<'_>,
    history: &[u32],
    popular: &[(u32, f64)],
    k: usize,
    include_repeats: bool,
) -> Vec<Pick> {
    let bought = |i: u32| history.binary_search(&i).is_ok();
    // candidate -> its best rule
    let mut best: HashMap<u32, usize> = HashMap::new();
    for &first in history {
        let Some(ids) = index.by_first.get(&first) else { continue };
        for &id in ids {
            let rule = &index.rules[id as usize];
            if !rule.antecedent[1..].iter().all(|&i| bought(i)) {
                continue;
            }
            for &c in &rule.consequent {
                if !include_repeats && bought(c) {
                    continue;
                }
                let better = |old: usize| {
                    let o = &index.rules[old];
                    rule.confidence
                        .total_cmp(&o.confidence)
                        .then(rule.lift.total_cmp(&o.lift))
                        .then((old).cmp(&(id as usize)))
                        .is_gt()
                };
                best.entry(c)
                    .and_modify(|old| {
                        if better(*old) {
                            *old = id as usize
                        }
                    })
                    .or_insert(id as usize);
            }
        }
    }
    let mut picks: Vec<Pick> =
        best.into_iter().map(|(item, r)| Pick { item, score: index.rules[r].confidence, why: Why::Rule(r) }).collect();
    let lift = |p: &Pick| match p.why {
        Why::Rule(r) => index.rules[r].lift,
        Why::Popular(_) => 0.0,
    };
    picks.sort_by(|a, b| b.score.total_cmp(&a.score).then(lift(b).total_cmp(&lift(a))).then(a.item.cmp(&b.item)));
    picks.truncate(k);
    for &(item, share) in popular {
        if picks.len() >= k {
            break;
        }
        if (!include_repeats && bought(item)) || picks.iter().any(|p| p.item == item) {
            continue;
        }
        picks.push(Pick { item, score: share, why: Why::Popular(share) });
    }
    picks
}

/// Items by the share of `baskets` holding them, most popular first (ties: item id), each with
/// that share.
pub fn popularity<'b>(baskets: impl Iterator<Item = &'b [u32]>) -> Vec<(u32, f64)> {
    let mut count: HashMap<u32, u64> = HashMap::new();
    let mut n = 0u64;
    for b in baskets {
        n += 1;
        for (k, &i) in b.iter().enumerate() {
            // a basket's items are distinct and ascending: count each once
            if k == 0 || b[k - 1] != i {
                *count.entry(i).or_insert(0) += 1;
            }
        }
    }
    let mut v: Vec<(u32, u64)> = count.into_iter().collect();
    v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter().map(|(i, c)| (i, c as f64 / n.max(1) as f64)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(a: &[u32], c: &[u32], confidence: f64, lift: f64) -> Rule {
        Rule {
            antecedent: a.to_vec(),
            consequent: c.to_vec(),
            count: 1,
            support: 0.1,
            confidence,
            lift,
            leverage: 0.0,
            conviction: 1.0,
        }
    }

    #[test]
    fn fired_rules_rank_candidates_and_popular_items_fill_up() {
        let rules = vec![
            rule(&[1, 2], &[5], 0.6, 3.0),
            rule(&[1], &[6], 0.6, 4.0),
            rule(&[1], &[2], 0.9, 2.0),  // 2 was bought: no candidate
            rule(&[3], &[7], 0.99, 9.0), // 3 not bought: does not fire
            rule(&[2], &[5], 0.4, 5.0),  // 5 again, lower confidence: not its reason
        ];
        let index = RuleIndex::new(&rules);
        let popular = [(2, 0.5), (9, 0.3), (6, 0.2), (8, 0.1)];
        let picks = recommend(&index, &[1, 2], &popular, 4, false);
        // 6 and 5 tie on confidence 0.6; 6's rule has the higher lift
        assert_eq!(
            picks,
            vec![
                Pick { item: 6, score: 0.6, why: Why::Rule(1) },
                Pick { item: 5, score: 0.6, why: Why::Rule(0) },
                Pick { item: 9, score: 0.3, why: Why::Popular(0.3) },
                Pick { item: 8, score: 0.1, why: Why::Popular(0.1) },
            ]
        );
        // with repeats, 2 is a candidate of its rule, and the list stops at k
        let picks = recommend(&index, &[1, 2], &popular, 2, true);
        assert_eq!(picks.iter().map(|p| p.item).collect::<Vec<_>>(), [2, 6]);
        // no history: popular items only
        let picks = recommend(&index, &[], &popular, 2, false);
        assert_eq!(picks.iter().map(|p| p.item).collect::<Vec<_>>(), [2, 9]);
    }

    #[test]
    fn popularity_is_the_share_of_baskets_holding_an_item() {
        let baskets: Vec<Vec<u32>> = vec![vec![1, 2], vec![2], vec![2, 3], vec![1]];
        let p = popularity(baskets.iter().map(Vec::as_slice));
        assert_eq!(p, vec![(2, 0.75), (1, 0.5), (3, 0.25)]);
    }
}
