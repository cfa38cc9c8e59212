//! Rules and top items within each class of a scheme, against the whole base.

use std::collections::HashMap;

use custseg_core::assoc::{Rule, ValidAssocParams, popularity};
use rayon::prelude::*;

use crate::classify::Scheme;

use super::{Mined, Orders, SEGMENT_MIN_BASKETS, SEGMENT_MIN_COUNT, mine};

/// A scheme's classes over the customers of some baskets.
#[derive(Debug, Clone, PartialEq)]
pub struct Segments {
    /// The scheme's id.
    pub scheme: String,
    /// Label ids, in display order.
    pub labels: Vec<String>,
    /// Display names (the run's language), parallel to `labels`.
    pub names: Vec<String>,
    /// Per customer code, its label's index (`None`: not classified by the scheme).
    pub of_customer: Vec<Option<u16>>,
}

impl Segments {
    /// The classes of `scheme` (over customers.csv's rows; `rows[r]` the purchaser index of row
    /// `r`, whose id is `purchasers[i]`) for the customers of some baskets (`customers`, by
    /// code), with display names `names`.
    pub fn of_scheme(
        scheme: &Scheme,
        names: Vec<String>,
        rows: &[Option<usize>],
        purchasers: &[String],
        customers: &[String],
    ) -> Segments {
        let mut row_of: Vec<Option<usize>> = vec![None; purchasers.len()];
        for (r, p) in rows.iter().enumerate() {
            if let Some(i) = p {
                row_of[*i] = Some(r);
            }
        }
        let of_customer = customers
            .iter()
            .map(|id| {
                let i = purchasers.binary_search(id).ok()?;
                scheme.of_row.get(row_of[i]?).copied().flatten()
            })
            .collect();
        Segments { scheme: scheme.id.clone(), labels: scheme.labels.clone(), names, of_customer }
    }

    /// The class of basket `b`'s customer.
    pub fn of_basket(&self, orders: &Orders, b: usize) -> Option<u16> {
        orders.owner.get(b).and_then(|&(c, _)| self.of_customer.get(c as usize).copied().flatten())
    }
}

/// A class's rule next to the same rule over every basket.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRule {
    /// The class (index into the labels).
    pub segment: u16,
    /// The rule within the class's baskets.
    pub rule: Rule,
    /// Its confidence over every basket.
    pub base_confidence: f64,
    /// Its lift over every basket.
    pub base_lift: f64,
    /// The class's confidence over the base's (how many times more often the class's customers
    /// who buy the antecedent buy the consequent).
    pub vs_base: f64,
    /// Markedly stronger in the class (see the module).
    pub stronger: bool,
}

/// An item's popularity in a class against the base.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentItem {
    /// The class.
    pub segment: u16,
    /// 1 = the class's most popular item.
    pub rank: usize,
    /// The item id.
    pub item: u32,
    /// Share of the class's baskets holding it.
    pub share: f64,
    /// Share of every basket holding it.
    pub base_share: f64,
}

/// Per class: its baskets, rules and top items.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentAnalysis {
    /// The classes.
    pub segments: Segments,
    /// Baskets per class (parallel to the labels).
    pub baskets: Vec<u64>,
    /// Whether the class had baskets enough for rules.
    pub mined: Vec<bool>,
    /// Every class's rules, class by class, each class's in the rules' order.
    pub rules: Vec<SegmentRule>,
    /// Each class's top items, class by class.
    pub items: Vec<SegmentItem>,
    /// Each class's items by popularity (for recommendations' fallback), parallel to the labels.
    pub popular: Vec<Vec<(u32, f64)>>,
}

/// Top items listed per class.
const TOP_ITEMS: usize = 10;

/// The rules and top items of each class of `segments`, with `params` as shares of the class's
/// baskets, against every basket (`base_popular`: every basket's item popularity).
pub fn by_segment(
    orders: &Orders,
    segments: &Segments,
    params: &ValidAssocParams,
    base_popular: &[(u32, f64)],
) -> SegmentAnalysis {
    let n_labels = segments.labels.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_labels];
    for b in 0..orders.baskets.len() {
        if let Some(s) = segments.of_basket(orders, b) {
            members[usize::from(s)].push(b);
        }
    }
    let base_share: HashMap<u32, f64> = base_popular.iter().copied().collect();
    let index = Inverted::new(&orders.baskets);
    let n_all = orders.baskets.len() as f64;
    // per class: its rules, top items, items by popularity, and whether it had rules mined
    type PerClass = (Vec<SegmentRule>, Vec<SegmentItem>, Vec<(u32, f64)>, bool);
    let per: Vec<PerClass> = members
        .par_iter()
        .enumerate()
        .map(|(s, ids)| {
            let popular = popularity(ids.iter().map(|&b| orders.baskets[b].as_slice()));
            let items = popular
                .iter()
                .take(TOP_ITEMS)
                .enumerate()
                .map(|(k, &(item, share))| SegmentItem {
                    segment: s as u16,
                    rank: k + 1,
                    item,
                    share,
                    base_share: base_share.get(&item).copied().unwrap_or(0.0),
                })
                .collect();
            if ids.len() < SEGMENT_MIN_BASKETS {
                return (Vec::new(), items, popular, false);
            }
            let baskets: Vec<&[u32]> = ids.iter().map(|&b| orders.baskets[b].as_slice()).collect();
            let Mined { rules, .. } = mine(&baskets, params, SEGMENT_MIN_COUNT);
            let seg_rules = rules
                .into_iter()
                .map(|rule| {
                    let both: Vec<u32> = merged(&rule.antecedent, &rule.consequent);
                    let (n_both, n_a, n_c) = (
                        index.count(&both) as f64,
                        index.count(&rule.antecedent) as f64,
                        index.count(&rule.consequent) as f64,
                    );
                    let base_confidence = if n_a > 0.0 { n_both / n_a } else { 0.0 };
                    let base_lift = if n_c > 0.0 { base_confidence / (n_c / n_all) } else { 0.0 };
                    let vs_base = if base_confidence > 0.0 { rule.confidence / base_confidence } else { f64::INFINITY };
                    // the class's antecedent baskets: its count over its confidence
                    let n_seg_a = (rule.count as f64 / rule.confidence).round();
                    let expected = n_seg_a * base_confidence;
                    let sd = (n_seg_a * base_confidence * (1.0 - base_confidence)).sqrt();
                    let z = if sd > 0.0 { (rule.count as f64 - expected) / sd } else { f64::INFINITY };
                    let stronger = vs_base >= 1.5 && z >= 1.96;
                    SegmentRule { segment: s as u16, rule, base_confidence, base_lift, vs_base, stronger }
                })
                .collect();
            (seg_rules, items, popular, true)
        })
        .collect();
    let mut out = SegmentAnalysis {
        segments: segments.clone(),
        baskets: members.iter().map(|m| m.len() as u64).collect(),
        mined: Vec::with_capacity(n_labels),
        rules: Vec::new(),
        items: Vec::new(),
        popular: Vec::with_capacity(n_labels),
    };
    for (rules, items, popular, mined) in per {
        out.rules.extend(rules);
        out.items.extend(items);
        out.popular.push(popular);
        out.mined.push(mined);
    }
    out
}

/// Two ascending item lists as one.
fn merged(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut v: Vec<u32> = a.iter().chain(b).copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// For each item, the baskets holding it (ascending), to count any itemset's baskets.
struct Inverted {
    of_item: HashMap<u32, Vec<u32>>,
}

impl Inverted {
    fn new(baskets: &[Vec<u32>]) -> Inverted {
        let mut of_item: HashMap<u32, Vec<u32>> = HashMap::new();
        for (b, items) in baskets.iter().enumerate() {
            for &i in items {
                of_item.entry(i).or_default().push(b as u32);
            }
        }
        Inverted { of_item }
    }

    /// How many baskets hold every item of `set`.
    fn count(&self, set: &[u32]) -> usize {
        let mut lists: Vec<&[u32]> = set.iter().map(|i| self.of_item.get(i).map_or(&[][..], Vec::as_slice)).collect();
        lists.sort_by_key(|l| l.len());
        let Some((first, rest)) = lists.split_first() else { return 0 };
        first.iter().filter(|b| rest.iter().all(|l| l.binary_search(b).is_ok())).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use custseg_core::assoc::AssocParams;

    #[test]
    fn a_class_rule_is_compared_with_the_same_rule_over_every_basket() {
        // class 0: 60 baskets, A (0) with B (1) in 48 of them and A alone in 12; class 1: 200
        // baskets, A with B in 20, A alone in 180
        let mut baskets = Vec::new();
        let mut owner = Vec::new();
        let mut of_customer = Vec::new();
        for k in 0..260u32 {
            let items = if (k < 48) || (60..80).contains(&k) { vec![0, 1] } else { vec![0] };
            baskets.push(items);
            owner.push((k, 0));
            of_customer.push(Some(u16::from(k >= 60)));
        }
        let orders =
            Orders { kind: "product", items: vec!["A".into(), "B".into()], baskets, owner, ..Default::default() };
        let segments = Segments {
            scheme: "s".into(),
            labels: vec!["x".into(), "y".into()],
            names: vec!["X".into(), "Y".into()],
            of_customer,
        };
        let params =
            AssocParams { min_support: 0.05, min_confidence: 0.5, ..Default::default() }.check().expect("valid");
        let base = popularity(orders.baskets.iter().map(Vec::as_slice));
        let a = by_segment(&orders, &segments, &params, &base);
        assert_eq!(a.baskets, vec![60, 200]);
        // class 0: A => B at confidence 0.8; over every basket 68 / 260
        let r = a.rules.iter().find(|r| r.segment == 0 && r.rule.antecedent == [0]).expect("A => B in class 0");
        assert!((r.rule.confidence - 0.8).abs() < 1e-12);
        assert!((r.base_confidence - 68.0 / 260.0).abs() < 1e-12);
        assert!((r.vs_base - 0.8 / (68.0 / 260.0)).abs() < 1e-12);
        assert!(r.stronger);
        // class 1's confidence 0.1 is below the threshold: no A => B there
        assert!(!a.rules.iter().any(|r| r.segment == 1 && r.rule.antecedent == [0]));
        // top items: A in every basket of both classes; B in 80% of class 0's
        let top0: Vec<(u32, f64)> = a.items.iter().filter(|i| i.segment == 0).map(|i| (i.item, i.share)).collect();
        assert_eq!(top0, vec![(0, 1.0), (1, 0.8)]);
    }
}
