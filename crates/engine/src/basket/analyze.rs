//! The basket stage as a run and `custseg basket` do it: mine, compare classes, recommend,
//! evaluate, and write the files.

use std::path::Path;

use custseg_core::Lang;
use custseg_core::assoc::popularity;
use custseg_data::sink::{Sink, Table};
use serde::Serialize;

use super::evaluate::ModelScores;
use super::{
    BasketConfig, Evaluation, Mined, Orders, Recommendations, RowUse, SegmentAnalysis, Segments, by_segment, evaluate,
    evaluation_table, itemsets_table, mine, recommend_all, recommendations_table, rules_table, segment_items_table,
    segment_rules_table,
};
use crate::error::Result;

/// Which parts to do beyond the itemsets and rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// Each customer's next products.
    pub recommend: bool,
    /// The evaluation against the baselines.
    pub evaluate: bool,
}

/// Everything the stage found.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The baskets.
    pub orders: Orders,
    /// The base's itemsets and rules.
    pub mined: Mined,
    /// Per class, when a scheme was given.
    pub segments: Option<SegmentAnalysis>,
    /// Each customer's recommendations.
    pub recommendations: Option<Recommendations>,
    /// The evaluation (`None` when not asked for or no customer bought on two days).
    pub evaluation: Option<Evaluation>,
}

/// Runs the stage on `orders`; classes and customer parts only when the baskets have customers.
///
/// # Errors
/// [`crate::EngineError::Invalid`] for thresholds out of range.
pub fn analyze(orders: Orders, segments: Option<Segments>, config: &BasketConfig, parts: Parts) -> Result<Analysis> {
    let params = config.check()?;
    let mined = mine(&orders.baskets, &params, 1);
    let customers = orders.has_customers();
    let base_popular = popularity(orders.baskets.iter().map(Vec::as_slice));
    let segments = segments.filter(|_| customers);
    let by = segments.as_ref().map(|s| by_segment(&orders, s, &params, &base_popular));
    let recommendations = (parts.recommend && customers).then(|| {
        let seg = by.as_ref().map(|a| (&a.segments, a.popular.as_slice()));
        recommend_all(&orders, &mined.rules, seg, &base_popular, config.top, config.include_repeats)
    });
    let evaluation = if parts.evaluate && customers {
        evaluate(&orders, by.as_ref().map(|a| &a.segments), &params, config)
    } else {
        None
    };
    Ok(Analysis { orders, mined, segments: by, recommendations, evaluation })
}

/// What a run records of the stage (run.json's `basket`, and basket.json).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BasketRecord {
    /// What the items are: `product`, `category`, or `item` (a basket file).
    pub item: &'static str,
    /// How the rows became baskets.
    pub rows: RowUse,
    /// Baskets.
    pub baskets: u64,
    /// Distinct items bought.
    pub items: usize,
    /// The least support count the minimum support came to.
    pub min_count: u64,
    /// Frequent itemsets.
    pub itemsets: usize,
    /// Rules.
    pub rules: usize,
    /// The scheme of the per-class rules, if any.
    pub by: Option<String>,
    /// Per-class rules, and how many are markedly stronger than the base.
    pub segment_rules: Option<SegmentCounts>,
    /// Customers with recommendations.
    pub recommended: Option<usize>,
    /// The evaluation's outline.
    pub evaluation: Option<EvaluationRecord>,
}

/// How many rules the classes have, and how many are markedly stronger than the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SegmentCounts {
    /// Rules within classes.
    pub rules: usize,
    /// Of them, markedly stronger than the same rule over every basket.
    pub stronger: usize,
}

/// The evaluation's outline: who was evaluated, NDCG@10 of each model, the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationRecord {
    /// Customers with an earlier purchase day.
    pub eligible: usize,
    /// Customers evaluated.
    pub evaluated: usize,
    /// NDCG@10 with its 95% interval per model: `[mean, low, high]`.
    pub ndcg_at_10: Vec<(&'static str, [f64; 3])>,
    /// The recommender beats global popularity ...
    pub beats_popularity: bool,
    /// ... and repeat purchases.
    pub beats_repeat: bool,
}

impl Analysis {
    /// The record of this analysis.
    pub fn record(&self) -> BasketRecord {
        let o = &self.orders;
        let used = {
            let mut seen = vec![false; o.items.len()];
            o.baskets.iter().flatten().for_each(|&i| seen[i as usize] = true);
            seen.iter().filter(|s| **s).count()
        };
        BasketRecord {
            item: o.kind,
            rows: o.rows,
            baskets: o.baskets.len() as u64,
            items: used,
            min_count: self.mined.min_count,
            itemsets: self.mined.itemsets.len(),
            rules: self.mined.rules.len(),
            by: self.segments.as_ref().map(|s| s.segments.scheme.clone()),
            segment_rules: self.segments.as_ref().map(|s| SegmentCounts {
                rules: s.rules.len(),
                stronger: s.rules.iter().filter(|r| r.stronger).count(),
            }),
            recommended: self.recommendations.as_ref().map(|r| r.customers.len()),
            evaluation: self.evaluation.as_ref().map(|e| {
                let at10 = |s: &ModelScores| [s.ndcg.mean, s.ndcg.low, s.ndcg.high];
                EvaluationRecord {
                    eligible: e.eligible,
                    evaluated: e.evaluated,
                    ndcg_at_10: e
                        .scores
                        .iter()
                        .chain(&e.differences)
                        .filter(|s| s.k == 10)
                        .map(|s| (s.model, at10(s)))
                        .collect(),
                    beats_popularity: e.beats_popularity,
                    beats_repeat: e.beats_repeat,
                }
            }),
        }
    }

    /// Writes the stage's files into `dir`; their names, in order.
    ///
    /// # Errors
    /// Write failures.
    pub fn write(&self, dir: &Path, sink: Sink, lang: Lang) -> Result<Vec<String>> {
        let o = &self.orders;
        let mut files: Vec<(&str, Table)> =
            vec![("itemsets.csv", itemsets_table(o, &self.mined)), ("rules.csv", rules_table(o, &self.mined.rules))];
        if let Some(s) = &self.segments {
            files.push(("segment_rules.csv", segment_rules_table(o, s)));
            files.push(("segment_items.csv", segment_items_table(o, s)));
        }
        if let Some(r) = &self.recommendations {
            let seg = self.segments.as_ref().map(|s| (s.segments.labels.as_slice(), s.segments.names.as_slice()));
            files.push(("recommendations.csv", recommendations_table(o, r, &self.mined.rules, seg, lang)));
        }
        if let Some(e) = &self.evaluation {
            files.push(("basket_evaluation.csv", evaluation_table(e)));
        }
        write_tables(dir, sink, files)
    }

    /// Writes basket_evaluation.csv alone (when there is an evaluation); its name.
    ///
    /// # Errors
    /// Write failures.
    pub fn write_evaluation(&self, dir: &Path, sink: Sink) -> Result<Vec<String>> {
        write_tables(
            dir,
            sink,
            self.evaluation.iter().map(|e| ("basket_evaluation.csv", evaluation_table(e))).collect(),
        )
    }
}

fn write_tables(dir: &Path, sink: Sink, files: Vec<(&str, Table)>) -> Result<Vec<String>> {
    let mut written = Vec::new();
    for (name, table) in files {
        let batch = table.into_batch()?;
        sink.csv(&dir.join(name), &batch.schema(), std::slice::from_ref(&batch))?;
        written.push(name.to_string());
    }
    Ok(written)
}

/// Whether the recommender beats both baselines, in words (English lower-case, to sit inside a
/// sentence): the one wording of the verdict, for the terminal, the report and `verdict`.
pub fn verdict_phrase(beats_both: bool, lang: Lang) -> &'static str {
    match (beats_both, lang) {
        (true, Lang::En) => "the recommender beats both baselines on NDCG@10",
        (false, Lang::En) => "the recommender does not beat both baselines on NDCG@10",
        (true, Lang::Zh) => "推荐在 NDCG@10 上优于两个基线",
        (false, Lang::Zh) => "推荐在 NDCG@10 上未能同时优于两个基线",
    }
}

/// The verdict line of an evaluation, in `lang`, with the paired differences of NDCG@10.
pub fn verdict(e: &Evaluation, lang: Lang) -> String {
    let d = |name: &str| e.differences.iter().find(|d| d.model == name && d.k == 10).map(|d| d.ndcg);
    let fmt = |i: Option<custseg_core::assoc::metrics::Interval>| {
        i.map_or_else(String::new, |i| format!("{:+.4} [{:+.4}, {:+.4}]", i.mean, i.low, i.high))
    };
    let (p, r) = (fmt(d("recommender-popularity")), fmt(d("recommender-repeat")));
    let phrase = verdict_phrase(e.beats_popularity && e.beats_repeat, lang);
    match lang {
        Lang::En => {
            // the phrase opens the sentence
            let (first, rest) = phrase.split_at(1);
            format!("{}{rest}: vs popularity {p}, vs repeat {r} (95% bootstrap intervals).", first.to_uppercase())
        }
        Lang::Zh => format!("{phrase}：对热门 {p}，对复购 {r}（95% 自助法区间）。"),
    }
}
