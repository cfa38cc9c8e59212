//! Recommendations tested on what customers bought next: each customer's last purchase day is
//! held out, the rules are mined on every other basket, and the lists made from the baskets
//! before that day are scored against it, next to two baselines.
//!
//! Decisions: the held-out basket is everything bought on the customer's last purchase day (its
//! orders of that day together, so no tie between same-day orders is broken arbitrarily); only
//! customers with an earlier day are evaluated, at most `max_evaluated` of them (a seeded
//! sample). The baselines are the most popular items over the training baskets (left out when
//! bought, as the recommender's, unless repeats are asked for) and the customer's own items by
//! how many of their baskets held them (ties: popularity, then item). The classes that fill the
//! recommender's lists are the run's, fitted on the whole period. The verdict compares NDCG@10:
//! the recommender beats a baseline when the 95% interval of the paired difference is above 0.

use custseg_core::assoc::metrics::{Interval, at_k, interval, mean, resampled_means};
use custseg_core::assoc::{RuleIndex, ValidAssocParams, popularity, recommend};
use custseg_core::math::Rng;
use rayon::prelude::*;

use super::recommend::{customer_ranges, history};
use super::{BasketConfig, Orders, Segments, mine};

/// The cut-offs measured.
pub const KS: [usize; 2] = [5, 10];

/// The models compared: the recommender, then the baselines.
pub const MODELS: [&str; 3] = ["recommender", "popularity", "repeat"];

/// One model's (or one difference's) measures at one k.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelScores {
    /// `recommender`, `popularity`, `repeat`, or `recommender-popularity` / `recommender-repeat`
    /// for the paired differences.
    pub model: &'static str,
    /// The cut-off.
    pub k: usize,
    /// HitRate@k.
    pub hit_rate: Interval,
    /// Precision@k.
    pub precision: Interval,
    /// Recall@k.
    pub recall: Interval,
    /// NDCG@k.
    pub ndcg: Interval,
}

/// The evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Customers with a purchase day before their last.
    pub eligible: usize,
    /// Customers evaluated.
    pub evaluated: usize,
    /// Baskets the rules were mined on.
    pub training_baskets: u64,
    /// Rules mined on them.
    pub training_rules: usize,
    /// Every model at every k, models in [`MODELS`] order, then k.
    pub scores: Vec<ModelScores>,
    /// The recommender minus each baseline, paired per customer.
    pub differences: Vec<ModelScores>,
    /// NDCG@10's paired difference is above 0 with 95% confidence, against popularity ...
    pub beats_popularity: bool,
    /// ... and against repeat purchases.
    pub beats_repeat: bool,
    /// Bootstrap resamples behind the intervals.
    pub resamples: usize,
}

/// Evaluates the recommender on `orders` (see the module); `None` without a customer with an
/// earlier purchase day.
pub fn evaluate(
    orders: &Orders,
    segments: Option<&Segments>,
    params: &ValidAssocParams,
    config: &BasketConfig,
) -> Option<Evaluation> {
    let ranges = customer_ranges(orders);
    // each customer's first held-out basket (its last day's first); `end` when none
    let split: Vec<usize> = ranges
        .iter()
        .map(|(_, r)| {
            let last = orders.owner[r.end - 1].1;
            r.clone().find(|&b| orders.owner[b].1 == last).unwrap_or(r.end)
        })
        .collect();
    let mut eligible: Vec<usize> = (0..ranges.len()).filter(|&k| split[k] > ranges[k].1.start).collect();
    if eligible.is_empty() {
        return None;
    }
    let n_eligible = eligible.len();
    if eligible.len() > config.max_evaluated {
        let mut rng = Rng::new(config.seed);
        for i in (1..eligible.len()).rev() {
            eligible.swap(i, rng.below(i as u64 + 1) as usize);
        }
        eligible.truncate(config.max_evaluated);
        eligible.sort_unstable();
    }
    // training: every basket but the evaluated customers' held-out ones
    let mut held = vec![false; orders.baskets.len()];
    for &k in &eligible {
        held[split[k]..ranges[k].1.end].iter_mut().for_each(|h| *h = true);
    }
    let training: Vec<usize> = (0..orders.baskets.len()).filter(|&b| !held[b]).collect();
    let slices: Vec<&[u32]> = training.iter().map(|&b| orders.baskets[b].as_slice()).collect();
    let mined = mine(&slices, params, 1);
    let base_popular = popularity(slices.into_iter());
    let rank_of: std::collections::HashMap<u32, usize> =
        base_popular.iter().enumerate().map(|(r, &(i, _))| (i, r)).collect();
    // each class's training baskets, gathered in one pass
    let segment_popular: Option<Vec<Vec<(u32, f64)>>> = segments.map(|s| {
        let mut of_label: Vec<Vec<&[u32]>> = vec![Vec::new(); s.labels.len()];
        for &b in &training {
            if let Some(l) = s.of_basket(orders, b) {
                of_label[usize::from(l)].push(orders.baskets[b].as_slice());
            }
        }
        of_label.into_iter().map(|baskets| popularity(baskets.into_iter())).collect()
    });
    drop(training);
    let index = RuleIndex::new(&mined.rules);
    let k_max = KS[KS.len() - 1];
    let repeats = config.include_repeats;
    // per evaluated customer: models x ks x 4 measures
    let rows: Vec<Vec<f64>> = eligible
        .par_iter()
        .map(|&k| {
            let (c, r) = &ranges[k];
            let before = &orders.baskets[r.start..split[k]];
            // the items bought before, each with how many baskets held it (a basket's items are
            // distinct)
            let mut bought: Vec<u32> = before.iter().flatten().copied().collect();
            bought.sort_unstable();
            let mut own: Vec<(u32, usize)> = bought.chunk_by(|a, b| a == b).map(|g| (g[0], g.len())).collect();
            let h: Vec<u32> = own.iter().map(|&(i, _)| i).collect();
            let truth = history(orders.baskets[split[k]..r.end].iter());
            let popular = match (segments, &segment_popular) {
                (Some(s), Some(p)) => s
                    .of_customer
                    .get(*c as usize)
                    .copied()
                    .flatten()
                    .and_then(|l| p.get(usize::from(l)))
                    .map_or(base_popular.as_slice(), Vec::as_slice),
                _ => base_popular.as_slice(),
            };
            let rec: Vec<u32> = recommend(&index, &h, popular, k_max, repeats).iter().map(|p| p.item).collect();
            let pop: Vec<u32> = base_popular
                .iter()
                .map(|&(i, _)| i)
                .filter(|i| repeats || h.binary_search(i).is_err())
                .take(k_max)
                .collect();
            own.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then(rank_of.get(&a.0).unwrap_or(&usize::MAX).cmp(rank_of.get(&b.0).unwrap_or(&usize::MAX)))
                    .then(a.0.cmp(&b.0))
            });
            let repeat: Vec<u32> = own.into_iter().take(k_max).map(|(i, _)| i).collect();
            let mut row = Vec::with_capacity(MODELS.len() * KS.len() * 4);
            for list in [&rec, &pop, &repeat] {
                for &kk in &KS {
                    let m = at_k(list, &truth, kk);
                    row.extend([m.hit, m.precision, m.recall, m.ndcg]);
                }
            }
            row
        })
        .collect();
    let width = MODELS.len() * KS.len() * 4;
    let columns: Vec<Vec<f64>> = (0..width).map(|j| rows.iter().map(|r| r[j]).collect()).collect();
    drop(rows);
    let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    let draws = resampled_means(&refs, config.resamples, config.seed);
    let column = |m: usize, kk: usize, measure: usize| (m * KS.len() + kk) * 4 + measure;
    let scores_of = |model: &'static str, kk: usize, value: &dyn Fn(usize) -> Interval| ModelScores {
        model,
        k: KS[kk],
        hit_rate: value(0),
        precision: value(1),
        recall: value(2),
        ndcg: value(3),
    };
    let mut scores = Vec::new();
    for (m, &model) in MODELS.iter().enumerate() {
        for kk in 0..KS.len() {
            let j = |measure| column(m, kk, measure);
            scores.push(scores_of(model, kk, &|measure| {
                interval(mean(&columns[j(measure)]), draws.iter().map(|d| d[j(measure)]).collect())
            }));
        }
    }
    let mut differences = Vec::new();
    for (m, name) in [(1, "recommender-popularity"), (2, "recommender-repeat")] {
        for kk in 0..KS.len() {
            differences.push(scores_of(name, kk, &|measure| {
                let (a, b) = (column(0, kk, measure), column(m, kk, measure));
                interval(mean(&columns[a]) - mean(&columns[b]), draws.iter().map(|d| d[a] - d[b]).collect())
            }));
        }
    }
    let beats = |name: &str| differences.iter().any(|d| d.model == name && d.k == k_max && d.ndcg.low > 0.0);
    Some(Evaluation {
        eligible: n_eligible,
        evaluated: eligible.len(),
        training_baskets: mined.n_baskets,
        training_rules: mined.rules.len(),
        beats_popularity: beats("recommender-popularity"),
        beats_repeat: beats("recommender-repeat"),
        scores,
        differences,
        resamples: config.resamples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use custseg_core::assoc::AssocParams;

    /// Three customers, hand-checked: customer 0 bought A+B then B, then on the last day C;
    /// customer 1 bought A+C then A+C, then on the last day B and C (two orders); customer 2
    /// bought once (not evaluated). Items: A 0, B 1, C 2, D 3.
    #[test]
    fn held_out_days_and_scores_match_a_hand_computed_case() {
        let orders = Orders {
            kind: "product",
            items: ["A", "B", "C", "D"].map(String::from).to_vec(),
            baskets: vec![vec![0, 1], vec![1], vec![2], vec![0, 2], vec![0, 2], vec![1], vec![2], vec![3]],
            owner: vec![(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 5), (1, 5), (2, 4)],
            customers: vec!["a".into(), "b".into(), "c".into()],
            ..Default::default()
        };
        let params = AssocParams { min_support: 0.2, min_confidence: 0.5, ..Default::default() }.check().expect("ok");
        let config = BasketConfig { resamples: 0, ..Default::default() };
        let e = evaluate(&orders, None, &params, &config).expect("two customers evaluated");
        assert_eq!((e.eligible, e.evaluated), (2, 2));
        // training: [A,B], [B], [A,C], [A,C], [D]: 5 baskets
        assert_eq!(e.training_baskets, 5);
        // popularity: A 3/5, B 2/5, C 2/5, D 1/5 (ties by id). Rules at support 0.2 (count 1),
        // confidence 0.5, lift 1: A=>C (2/3, lift 5/3) and C=>A (1, lift 5/3); B=>A (1/2) has
        // lift 5/6 and A=>B confidence 1/3: out
        let get =
            |model: &str, k: usize| e.scores.iter().find(|s| s.model == model && s.k == k).copied().expect("scores");
        // customer 0 (history A, B; truth C): recommender C first (A=>C), hit, NDCG 1;
        // popularity without bought items: C, D: hit at rank 1; repeat: B (2 baskets), A: miss
        // customer 1 (history A, C; truth B, C): both rules name bought items, so popular items
        // fill the list: B, D, a hit at rank 1 of 2 truths; popularity: B, D, the same; repeat:
        // A, C (2 baskets each; A more popular): C at rank 2
        let rec = get("recommender", 5);
        assert_eq!(rec.hit_rate.mean, 1.0);
        let ideal2 = 1.0 + 1.0 / 3f64.log2();
        assert!((rec.ndcg.mean - (1.0 + 1.0 / ideal2) / 2.0).abs() < 1e-12, "{}", rec.ndcg.mean);
        assert!((rec.precision.mean - (1.0 / 5.0 + 1.0 / 5.0) / 2.0).abs() < 1e-12);
        assert!((rec.recall.mean - (1.0 + 0.5) / 2.0).abs() < 1e-12);
        let rep = get("repeat", 5);
        assert_eq!(rep.hit_rate.mean, 0.5);
        assert!((rep.ndcg.mean - (0.0 + (1.0 / 3f64.log2()) / ideal2) / 2.0).abs() < 1e-12);
        let pop = get("popularity", 10);
        assert!((pop.ndcg.mean - rec.ndcg.mean).abs() < 1e-12, "the same lists here");
        // without resamples the intervals are the means; no interval above 0, no verdict
        assert_eq!(rec.hit_rate.low, rec.hit_rate.mean);
        assert!(!e.beats_popularity);
    }
}
