//! Each customer's next products, from the base's rules and their class's popular items.

use custseg_core::assoc::{Pick, Rule, RuleIndex, recommend};
use rayon::prelude::*;

use super::{Orders, Segments};

/// Recommendations of every customer with a basket.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendations {
    /// Customer codes, ascending.
    pub customers: Vec<u32>,
    /// Each customer's picks, best first.
    pub picks: Vec<Vec<Pick>>,
    /// Per customer, the class whose popular items filled the list (`None`: every basket's).
    pub segment: Vec<Option<u16>>,
}

/// The ranges of `orders.baskets` per customer (baskets are ordered by customer).
pub(crate) fn customer_ranges(orders: &Orders) -> Vec<(u32, std::ops::Range<usize>)> {
    let mut out: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
    for (b, &(c, _)) in orders.owner.iter().enumerate() {
        match out.last_mut() {
            Some((lc, r)) if *lc == c => r.end = b + 1,
            _ => out.push((c, b..b + 1)),
        }
    }
    out
}

/// The distinct items of some baskets, ascending.
pub(crate) fn history<'a>(baskets: impl Iterator<Item = &'a Vec<u32>>) -> Vec<u32> {
    let mut h: Vec<u32> = baskets.flatten().copied().collect();
    h.sort_unstable();
    h.dedup();
    h
}

/// Items by popularity with their share of baskets, most popular first.
pub type Popular = Vec<(u32, f64)>;

/// Up to `k` items for every customer of `orders` from `rules`, filled up with their class's
/// popular items (`popular[class]`), or `base_popular` without a class.
pub fn recommend_all(
    orders: &Orders,
    rules: &[Rule],
    segments: Option<(&Segments, &[Popular])>,
    base_popular: &[(u32, f64)],
    k: usize,
    include_repeats: bool,
) -> Recommendations {
    let index = RuleIndex::new(rules);
    let ranges = customer_ranges(orders);
    let done: Vec<(Vec<Pick>, Option<u16>)> = ranges
        .par_iter()
        .map(|(c, r)| {
            let h = history(orders.baskets[r.clone()].iter());
            let segment = segments.and_then(|(s, _)| s.of_customer.get(*c as usize).copied().flatten());
            let popular = match (segments, segment) {
                (Some((_, p)), Some(s)) => p.get(usize::from(s)).map_or(base_popular, Vec::as_slice),
                _ => base_popular,
            };
            (recommend(&index, &h, popular, k, include_repeats), segment)
        })
        .collect();
    let (picks, segment) = done.into_iter().unzip();
    Recommendations { customers: ranges.into_iter().map(|(c, _)| c).collect(), picks, segment }
}
