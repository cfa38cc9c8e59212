//! Frequent itemsets by FP-growth's conditional databases.

use std::collections::HashMap;

use rayon::prelude::*;

/// A frequent itemset: its items (ids, ascending) and how many baskets hold them all.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Itemset {
    /// Item ids, ascending.
    pub items: Vec<u32>,
    /// Baskets holding every item (the support count).
    pub count: u64,
}

/// Every itemset of at most `max_len` items held by at least `min_count` baskets (`min_count`
/// of 0 is taken as 1), by length, then by items. Repeated items in a basket count once. A basket
/// is anything that reads as a slice of item ids (owned or borrowed), so a subset of baskets is
/// mined without copying them.
pub fn itemsets<B: AsRef<[u32]>>(baskets: &[B], min_count: u64, max_len: usize) -> Vec<Itemset> {
    let min_count = min_count.max(1);
    if max_len == 0 {
        return Vec::new();
    }
    // items ranked by frequency, descending, ties by id: rank 0 is the most frequent
    let mut freq: HashMap<u32, u64> = HashMap::new();
    let mut seen: Vec<u32> = Vec::new();
    for b in baskets {
        seen.clear();
        seen.extend(b.as_ref());
        seen.sort_unstable();
        seen.dedup();
        for &i in &seen {
            *freq.entry(i).or_insert(0) += 1;
        }
    }
    let mut ranked: Vec<(u32, u64)> = freq.into_iter().filter(|&(_, c)| c >= min_count).collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rank_of: HashMap<u32, u32> = ranked.iter().enumerate().map(|(r, &(i, _))| (i, r as u32)).collect();
    // each basket as its frequent items' ranks, ascending; identical ones merged
    let mut db: HashMap<Vec<u32>, u64> = HashMap::new();
    for b in baskets {
        let mut ranks: Vec<u32> = b.as_ref().iter().filter_map(|i| rank_of.get(i).copied()).collect();
        ranks.sort_unstable();
        ranks.dedup();
        if !ranks.is_empty() {
            *db.entry(ranks).or_insert(0) += 1;
        }
    }
    let mut top = Db::default();
    for (t, c) in db {
        top.push(&t, c);
    }
    // the first level's conditional databases in one pass, then mined in parallel (the output
    // is sorted below, so the order the parts come in does not matter)
    let n = ranked.len();
    let children = if max_len > 1 { top.children(&vec![true; n]) } else { (0..n).map(|_| Db::default()).collect() };
    drop(top);
    let out: Vec<(Vec<u32>, u64)> = children
        .into_par_iter()
        .enumerate()
        .flat_map_iter(|(r, cond)| {
            let r = r as u32;
            let mut out = vec![(vec![r], ranked[r as usize].1)];
            if !cond.is_empty() {
                mine(&cond, &mut vec![r], min_count, max_len, &mut out);
            }
            out
        })
        .collect();
    let ids: Vec<u32> = ranked.iter().map(|&(i, _)| i).collect();
    let mut found: Vec<Itemset> = out
        .into_iter()
        .map(|(ranks, count)| {
            let mut items: Vec<u32> = ranks.iter().map(|&r| ids[r as usize]).collect();
            items.sort_unstable();
            Itemset { items, count }
        })
        .collect();
    found.sort_unstable_by(|a, b| a.items.len().cmp(&b.items.len()).then_with(|| a.items.cmp(&b.items)));
    found
}

/// A (conditional) database: transactions of ranks, ascending, each with a count, stored flat
/// (one allocation for all, not one per transaction).
#[derive(Debug, Default)]
struct Db {
    items: Vec<u32>,
    /// Where each transaction ends in `items`.
    ends: Vec<usize>,
    counts: Vec<u64>,
}

impl Db {
    fn push(&mut self, t: &[u32], count: u64) {
        self.items.extend_from_slice(t);
        self.ends.push(self.items.len());
        self.counts.push(count);
    }

    fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = (&[u32], u64)> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).zip(&self.counts).map(|((a, &b), &c)| (&self.items[a..b], c))
    }

    /// Each rank's conditional database (the transactions' prefixes before it), for the ranks
    /// below `keep.len()` that `keep` marks, in one pass; a prefix keeps only marked ranks.
    fn children(&self, keep: &[bool]) -> Vec<Db> {
        let mut out: Vec<Db> = (0..keep.len()).map(|_| Db::default()).collect();
        let mut kept: Vec<u32> = Vec::new();
        for (t, c) in self.iter() {
            kept.clear();
            kept.extend(t.iter().copied().filter(|&r| keep.get(r as usize).copied().unwrap_or(false)));
            for k in 1..kept.len() {
                out[kept[k] as usize].push(&kept[..k], c);
            }
        }
        out
    }
}

/// Mines a conditional database for itemsets that extend `suffix` (every rank in it is below
/// the suffix's last).
fn mine(db: &Db, suffix: &mut Vec<u32>, min: u64, max_len: usize, out: &mut Vec<(Vec<u32>, u64)>) {
    let bound = suffix.last().map_or(0, |&r| r as usize);
    let mut counts = vec![0u64; bound];
    for (t, c) in db.iter() {
        for &r in t {
            counts[r as usize] += c;
        }
    }
    let keep: Vec<bool> = counts.iter().map(|&c| c >= min).collect();
    if !keep.iter().any(|&k| k) {
        return;
    }
    let deeper = suffix.len() + 1 < max_len;
    let children = if deeper { db.children(&keep) } else { Vec::new() };
    for (r, &c) in counts.iter().enumerate().filter(|(r, _)| keep[*r]) {
        suffix.push(r as u32);
        out.push((suffix.clone(), c));
        if let Some(cond) = children.get(r).filter(|d| !d.is_empty()) {
            mine(cond, suffix, min, max_len, out);
        }
        suffix.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every itemset of every basket, counted by enumeration.
    fn brute(baskets: &[Vec<u32>], min: u64, max_len: usize) -> Vec<Itemset> {
        let mut counts: std::collections::BTreeMap<Vec<u32>, u64> = std::collections::BTreeMap::new();
        for b in baskets {
            let mut items = b.clone();
            items.sort_unstable();
            items.dedup();
            let n = items.len();
            for mask in 1u32..(1 << n) {
                let set: Vec<u32> = (0..n).filter(|k| mask >> k & 1 == 1).map(|k| items[k]).collect();
                if set.len() <= max_len {
                    *counts.entry(set).or_insert(0) += 1;
                }
            }
        }
        let mut v: Vec<Itemset> = counts
            .into_iter()
            .filter(|&(_, c)| c >= min.max(1))
            .map(|(items, count)| Itemset { items, count })
            .collect();
        v.sort_unstable_by(|a, b| a.items.len().cmp(&b.items.len()).then_with(|| a.items.cmp(&b.items)));
        v
    }

    #[test]
    fn equals_brute_force_on_random_baskets() {
        // a small LCG: seeded, no dependency
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for case in 0..200 {
            let n_items = 2 + next(9) as u32;
            let baskets: Vec<Vec<u32>> =
                (0..1 + next(40)).map(|_| (0..next(7)).map(|_| next(u64::from(n_items)) as u32).collect()).collect();
            let min = 1 + next(4);
            let max_len = 1 + next(5) as usize;
            assert_eq!(itemsets(&baskets, min, max_len), brute(&baskets, min, max_len), "case {case}");
        }
    }

    #[test]
    fn nothing_below_the_minimum_or_past_the_length() {
        let baskets = vec![vec![5, 5, 6], vec![6], vec![7]];
        assert_eq!(
            itemsets(&baskets, 2, 2),
            vec![Itemset { items: vec![6], count: 2 }],
            "5 twice in one basket counts once"
        );
        assert!(itemsets(&baskets, 1, 0).is_empty());
        assert!(itemsets::<Vec<u32>>(&[], 1, 3).is_empty());
    }
}
