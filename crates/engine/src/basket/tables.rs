//! The basket analysis's tables: itemsets.csv, rules.csv, segment_rules.csv,
//! segment_items.csv, recommendations.csv, basket_evaluation.csv.
//!
//! An itemset's items are written as their names joined by [`SEP`], in name order. Supports,
//! confidences and lifts are written unrounded (they are compared with mlxtend's to 1e-9); an
//! infinite conviction (confidence 1) is written `inf`.

use custseg_core::Lang;
use custseg_core::assoc::{Itemset, Pick, Rule, Why};
use custseg_data::sink::{Column, Table};

use super::evaluate::ModelScores;
use super::{Evaluation, Mined, Orders, Recommendations, SegmentAnalysis};
use crate::output::round;

/// What joins the items of an itemset in a cell.
pub const SEP: &str = "|";

fn names(orders: &Orders, items: &[u32]) -> String {
    items.iter().map(|&i| orders.items[i as usize].as_str()).collect::<Vec<_>>().join(SEP)
}

fn text(v: Vec<String>) -> Column {
    Column::Str(v.into_iter().map(Some).collect())
}

fn ints(v: impl Iterator<Item = u64>) -> Column {
    Column::Int(v.map(|x| Some(x as i64)).collect())
}

fn floats(v: impl Iterator<Item = f64>) -> Column {
    Column::Float(v.map(Some).collect())
}

/// itemsets.csv: `items, size, count, support`.
pub fn itemsets_table(orders: &Orders, mined: &Mined) -> Table {
    let sets: &[Itemset] = &mined.itemsets;
    let n = mined.n_baskets.max(1) as f64;
    let mut t = Table::default();
    t.push("items", text(sets.iter().map(|s| names(orders, &s.items)).collect()));
    t.push("size", ints(sets.iter().map(|s| s.items.len() as u64)));
    t.push("count", ints(sets.iter().map(|s| s.count)));
    t.push("support", floats(sets.iter().map(|s| s.count as f64 / n)));
    t
}

/// The measure columns of some rules.
fn rule_columns(t: &mut Table, orders: &Orders, rules: &[&Rule]) {
    t.push("antecedent", text(rules.iter().map(|r| names(orders, &r.antecedent)).collect()));
    t.push("consequent", text(rules.iter().map(|r| names(orders, &r.consequent)).collect()));
    t.push("count", ints(rules.iter().map(|r| r.count)));
    t.push("support", floats(rules.iter().map(|r| r.support)));
    t.push("confidence", floats(rules.iter().map(|r| r.confidence)));
    t.push("lift", floats(rules.iter().map(|r| r.lift)));
}

/// rules.csv: `rank, antecedent, consequent, count, support, confidence, lift, leverage,
/// conviction`, in the rules' order.
pub fn rules_table(orders: &Orders, rules: &[Rule]) -> Table {
    let refs: Vec<&Rule> = rules.iter().collect();
    let mut t = Table::default();
    t.push("rank", ints(1..=rules.len() as u64));
    rule_columns(&mut t, orders, &refs);
    t.push("leverage", floats(rules.iter().map(|r| r.leverage)));
    t.push("conviction", floats(rules.iter().map(|r| r.conviction)));
    t
}

/// segment_rules.csv: each class's rules with the same rules' confidence and lift over every
/// basket, how many times stronger the class's confidence is, and whether markedly so.
pub fn segment_rules_table(orders: &Orders, a: &SegmentAnalysis) -> Table {
    let s = &a.segments;
    let label = |k: u16| s.labels[usize::from(k)].clone();
    let name = |k: u16| s.names[usize::from(k)].clone();
    let refs: Vec<&Rule> = a.rules.iter().map(|r| &r.rule).collect();
    let mut t = Table::default();
    t.push("scheme", text(vec![s.scheme.clone(); a.rules.len()]));
    t.push("segment", text(a.rules.iter().map(|r| label(r.segment)).collect()));
    t.push("segment_name", text(a.rules.iter().map(|r| name(r.segment)).collect()));
    rule_columns(&mut t, orders, &refs);
    t.push("base_confidence", floats(a.rules.iter().map(|r| r.base_confidence)));
    t.push("base_lift", floats(a.rules.iter().map(|r| r.base_lift)));
    t.push("vs_base", floats(a.rules.iter().map(|r| r.vs_base)));
    t.push("stronger", Column::Str(a.rules.iter().map(|r| Some(r.stronger.to_string())).collect()));
    t
}

/// segment_items.csv: each class's top items, their share of the class's baskets and of every
/// basket, and the index (class share over base share).
pub fn segment_items_table(orders: &Orders, a: &SegmentAnalysis) -> Table {
    let s = &a.segments;
    let items = &a.items;
    let mut t = Table::default();
    t.push("scheme", text(vec![s.scheme.clone(); items.len()]));
    t.push("segment", text(items.iter().map(|i| s.labels[usize::from(i.segment)].clone()).collect()));
    t.push("segment_name", text(items.iter().map(|i| s.names[usize::from(i.segment)].clone()).collect()));
    t.push("segment_baskets", ints(items.iter().map(|i| a.baskets[usize::from(i.segment)])));
    t.push("rank", ints(items.iter().map(|i| i.rank as u64)));
    t.push("item", text(items.iter().map(|i| orders.items[i.item as usize].clone()).collect()));
    t.push("share", floats(items.iter().map(|i| round(i.share, 6))));
    t.push("base_share", floats(items.iter().map(|i| round(i.base_share, 6))));
    t.push(
        "index",
        Column::Float(items.iter().map(|i| (i.base_share > 0.0).then(|| round(i.share / i.base_share, 4))).collect()),
    );
    t
}

/// What a recommendation rests on, to be put in words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Because<'a> {
    /// A rule fired: the items bought that it starts from, its confidence and lift.
    Rule {
        /// The antecedent's items.
        bought: &'a [&'a str],
        /// The rule's confidence.
        confidence: f64,
        /// Its lift.
        lift: f64,
    },
    /// A popular item: the class it is popular in (none: every basket), its share of baskets.
    Popular {
        /// The class's display name.
        segment: Option<&'a str>,
        /// Share of the class's baskets holding the item.
        share: f64,
    },
}

/// A recommendation of `item`'s reason in `lang`: the one wording, shared by recommendations.csv
/// and the server (which speaks the reader's language).
pub fn reason_text(item: &str, because: Because<'_>, lang: Lang) -> String {
    match because {
        Because::Rule { bought, confidence, lift } => match lang {
            Lang::En => {
                format!("bought {} → {item} (confidence {confidence:.2}, lift {lift:.2})", bought.join(" and "))
            }
            Lang::Zh => format!("买过 {} → {item}（置信度 {confidence:.2}，提升度 {lift:.2}）", bought.join("、")),
        },
        Because::Popular { segment, share } => {
            let pct = format!("{:.0}%", share * 100.0);
            match (lang, segment) {
                (Lang::En, Some(s)) => format!("popular in {s}: in {pct} of its baskets"),
                (Lang::En, None) => format!("popular: in {pct} of all baskets"),
                (Lang::Zh, Some(s)) => format!("{s}热门：{pct}的购物篮含此商品"),
                (Lang::Zh, None) => format!("热门：{pct}的购物篮含此商品"),
            }
        }
    }
}

/// A pick's reason in `lang` (`segment`: the display name of the class whose popular items
/// filled the list).
pub fn reason(orders: &Orders, pick: &Pick, rules: &[Rule], segment: Option<&str>, lang: Lang) -> String {
    let item = &orders.items[pick.item as usize];
    match pick.why {
        Why::Rule(r) => {
            let rule = &rules[r];
            let bought: Vec<&str> = rule.antecedent.iter().map(|&i| orders.items[i as usize].as_str()).collect();
            reason_text(item, Because::Rule { bought: &bought, confidence: rule.confidence, lift: rule.lift }, lang)
        }
        Why::Popular(share) => reason_text(item, Because::Popular { segment, share }, lang),
    }
}

/// recommendations.csv: `customer_id, rank, item, score, source, rule, because, confidence,
/// lift, segment, reason`. `source` is `rule` (then `rule` is the rule's rank in rules.csv,
/// `because` its antecedent, with its confidence and lift) or `popular` (then `segment` is the
/// label whose popular items filled the list, empty for every basket's); `score` is the rule's
/// confidence or the item's share of baskets; `reason` says it in the run's language.
pub fn recommendations_table(
    orders: &Orders,
    recs: &Recommendations,
    rules: &[Rule],
    segments: Option<(&[String], &[String])>,
    lang: Lang,
) -> Table {
    let n: usize = recs.picks.iter().map(Vec::len).sum();
    let mut customer = Vec::with_capacity(n);
    let mut rank = Vec::with_capacity(n);
    let mut item = Vec::with_capacity(n);
    let mut score = Vec::with_capacity(n);
    let mut source = Vec::with_capacity(n);
    let mut rule = Vec::with_capacity(n);
    let mut because = Vec::with_capacity(n);
    let mut confidence = Vec::with_capacity(n);
    let mut lift = Vec::with_capacity(n);
    let mut segment = Vec::with_capacity(n);
    let mut why = Vec::with_capacity(n);
    for ((c, picks), seg) in recs.customers.iter().zip(&recs.picks).zip(&recs.segment) {
        let seg = seg.and_then(|s| segments.map(|(labels, names)| (&labels[usize::from(s)], &names[usize::from(s)])));
        for (k, p) in picks.iter().enumerate() {
            customer.push(Some(orders.customers[*c as usize].clone()));
            rank.push(Some(k as i64 + 1));
            item.push(Some(orders.items[p.item as usize].clone()));
            score.push(Some(round(p.score, 6)));
            match p.why {
                Why::Rule(r) => {
                    source.push(Some("rule".to_string()));
                    rule.push(Some(r as i64 + 1));
                    because.push(Some(names(orders, &rules[r].antecedent)));
                    confidence.push(Some(round(rules[r].confidence, 6)));
                    lift.push(Some(round(rules[r].lift, 6)));
                    segment.push(None);
                }
                Why::Popular(_) => {
                    source.push(Some("popular".to_string()));
                    rule.push(None);
                    because.push(None);
                    confidence.push(None);
                    lift.push(None);
                    segment.push(seg.map(|(l, _)| l.clone()));
                }
            }
            why.push(Some(reason(orders, p, rules, seg.map(|(_, n)| n.as_str()), lang)));
        }
    }
    let mut t = Table::default();
    t.push("customer_id", Column::Str(customer));
    t.push("rank", Column::Int(rank));
    t.push("item", Column::Str(item));
    t.push("score", Column::Float(score));
    t.push("source", Column::Str(source));
    t.push("rule", Column::Int(rule));
    t.push("because", Column::Str(because));
    t.push("confidence", Column::Float(confidence));
    t.push("lift", Column::Float(lift));
    t.push("segment", Column::Str(segment));
    t.push("reason", Column::Str(why));
    t
}

/// basket_evaluation.csv: `model, k, metric, value, low, high` (the 95% bootstrap interval), the
/// models, then the paired differences.
pub fn evaluation_table(e: &Evaluation) -> Table {
    let mut rows: Vec<(&str, usize, &str, f64, f64, f64)> = Vec::new();
    let all: Vec<&ModelScores> = e.scores.iter().chain(&e.differences).collect();
    for s in all {
        for (metric, i) in
            [("hit_rate", s.hit_rate), ("precision", s.precision), ("recall", s.recall), ("ndcg", s.ndcg)]
        {
            rows.push((s.model, s.k, metric, i.mean, i.low, i.high));
        }
    }
    let mut t = Table::default();
    t.push("model", text(rows.iter().map(|r| r.0.to_string()).collect()));
    t.push("k", ints(rows.iter().map(|r| r.1 as u64)));
    t.push("metric", text(rows.iter().map(|r| r.2.to_string()).collect()));
    t.push("value", floats(rows.iter().map(|r| round(r.3, 6))));
    t.push("low", floats(rows.iter().map(|r| round(r.4, 6))));
    t.push("high", floats(rows.iter().map(|r| round(r.5, 6))));
    t
}
