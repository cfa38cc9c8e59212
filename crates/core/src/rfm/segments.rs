use serde::{Deserialize, Serialize};

use super::{RfmError, RfmScores};

/// One row of the segment table: customers whose scores fall in every given inclusive range
/// get `id`. An omitted range matches any score. Rules are tried in order; the first match wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRule {
    /// Stable label id written to data files (`champions`).
    pub id: String,
    /// Inclusive recency score range `[lo, hi]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r: Option<[u8; 2]>,
    /// Inclusive frequency score range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f: Option<[u8; 2]>,
    /// Inclusive monetary score range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<[u8; 2]>,
    /// Display name in English for an id the catalog does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Display name in Chinese for an id the catalog does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
}

impl SegmentRule {
    fn new(id: &str, r: [u8; 2], f: [u8; 2]) -> Self {
        SegmentRule { id: id.to_string(), r: Some(r), f: Some(f), m: None, name_en: None, name_zh: None }
    }

    fn matches(&self, r: u8, f: u8, m: u8) -> bool {
        let within = |range: &Option<[u8; 2]>, v: u8| range.is_none_or(|[lo, hi]| lo <= v && v <= hi);
        within(&self.r, r) && within(&self.f, f) && within(&self.m, m)
    }
}

/// The standard 11-segment table on the 5-band R x F grid (the widely used "RFM segment map",
/// with Lost carved out of Hibernating at R = 1, F = 1). It covers all 25 cells, so with 5 bands
/// no customer is unclassified:
///
/// | R \ F | 1 | 2 | 3 | 4 | 5 |
/// |---|---|---|---|---|---|
/// | 5 | new_customers | potential_loyalist | potential_loyalist | champions | champions |
/// | 4 | promising | potential_loyalist | potential_loyalist | loyal | loyal |
/// | 3 | about_to_sleep | about_to_sleep | need_attention | loyal | loyal |
/// | 2 | hibernating | hibernating | at_risk | at_risk | cant_lose_them |
/// | 1 | lost | hibernating | at_risk | at_risk | cant_lose_them |
pub fn default_segment_rules() -> Vec<SegmentRule> {
    vec![
        SegmentRule::new("champions", [5, 5], [4, 5]),
        SegmentRule::new("loyal", [3, 4], [4, 5]),
        SegmentRule::new("potential_loyalist", [4, 5], [2, 3]),
        SegmentRule::new("new_customers", [5, 5], [1, 1]),
        SegmentRule::new("promising", [4, 4], [1, 1]),
        SegmentRule::new("need_attention", [3, 3], [3, 3]),
        SegmentRule::new("about_to_sleep", [3, 3], [1, 2]),
        SegmentRule::new("cant_lose_them", [1, 2], [5, 5]),
        SegmentRule::new("at_risk", [1, 2], [3, 4]),
        SegmentRule::new("lost", [1, 1], [1, 1]),
        SegmentRule::new("hibernating", [1, 2], [1, 2]),
    ]
}

/// [`default_segment_rules`] for `n_scores` bands: each band is placed on the 5-band grid in
/// proportion (`1 + round(4 (s - 1) / (n - 1))`) and takes that cell's segment, so the table
/// covers every cell of the n x n grid (with 4 bands, a 4 x 4 map of the same 11 segments, some
/// of which then have no cell). Rules are one per segment and recency band, over runs of
/// frequency bands, in the order of the 5-band table.
pub fn default_segment_rules_for(n_scores: u8) -> Vec<SegmentRule> {
    let five = default_segment_rules();
    if n_scores == 5 || n_scores < 2 {
        return five;
    }
    let to_five = |s: u8| 1 + ((4.0 * f64::from(s - 1) / f64::from(n_scores - 1)).round() as u8);
    let cell = |r: u8, f: u8| five.iter().position(|rule| rule.matches(to_five(r), to_five(f), 1));
    let mut rules = Vec::new();
    for (k, rule) in five.iter().enumerate() {
        for r in (1..=n_scores).rev() {
            let mut f = 1;
            while f <= n_scores {
                if cell(r, f) != Some(k) {
                    f += 1;
                    continue;
                }
                let start = f;
                while f < n_scores && cell(r, f + 1) == Some(k) {
                    f += 1;
                }
                rules.push(SegmentRule::new(&rule.id, [r, r], [start, f]));
                f += 1;
            }
        }
    }
    rules
}

/// Checks that every range lies within `1..=n_scores` and is not empty.
///
/// # Errors
/// [`RfmError::RuleRange`] naming the rule and dimension.
pub fn validate_rules(rules: &[SegmentRule], n_scores: u8) -> Result<(), RfmError> {
    for rule in rules {
        for (dimension, range) in [("r", rule.r), ("f", rule.f), ("m", rule.m)] {
            if let Some([lo, hi]) = range
                && (lo < 1 || hi > n_scores || lo > hi)
            {
                return Err(RfmError::RuleRange { id: rule.id.clone(), dimension, lo, hi, n_scores });
            }
        }
    }
    Ok(())
}

/// The segment index into `rules` of every customer (first match), or `None` (unclassified).
pub fn segment(scores: &RfmScores, rules: &[SegmentRule]) -> Vec<Option<usize>> {
    (0..scores.r.len())
        .map(|i| rules.iter().position(|rule| rule.matches(scores.r[i], scores.f[i], scores.m[i])))
        .collect()
}

#[cfg(test)]
mod scaled_tests {
    use super::*;

    #[test]
    fn the_default_table_scales_to_any_number_of_bands() {
        assert_eq!(default_segment_rules_for(5), default_segment_rules());
        for n in [2u8, 3, 4, 6, 7, 10] {
            let rules = default_segment_rules_for(n);
            assert!(validate_rules(&rules, n).is_ok(), "{n}");
            // every cell of the grid has exactly one segment
            for r in 1..=n {
                for f in 1..=n {
                    let hits = rules.iter().filter(|x| x.matches(r, f, 1)).count();
                    assert_eq!(hits, 1, "n = {n}, r = {r}, f = {f}");
                }
            }
            // the corners keep their meaning
            let at = |r: u8, f: u8| rules.iter().find(|x| x.matches(r, f, 1)).map(|x| x.id.clone());
            assert_eq!(at(n, n).as_deref(), Some("champions"), "{n}");
            assert_eq!(at(1, 1).as_deref(), Some("lost"), "{n}");
            assert_eq!(at(1, n).as_deref(), Some("cant_lose_them"), "{n}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_covers_the_grid_as_documented() {
        let rules = default_segment_rules();
        validate_rules(&rules, 5).unwrap_or_else(|e| panic!("{e}"));
        let expected = [
            ["lost", "hibernating", "at_risk", "at_risk", "cant_lose_them"],
            ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"],
            ["about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"],
            ["promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"],
            ["new_customers", "potential_loyalist", "potential_loyalist", "champions", "champions"],
        ];
        for r in 1..=5u8 {
            for f in 1..=5u8 {
                for m in 1..=5u8 {
                    let s = RfmScores { r: vec![r], f: vec![f], m: vec![m] };
                    let idx = segment(&s, &rules)[0].unwrap_or_else(|| panic!("{r}{f}{m} unclassified"));
                    assert_eq!(rules[idx].id, expected[usize::from(r) - 1][usize::from(f) - 1], "r={r} f={f}");
                }
            }
        }
        // all 11 segments are reachable
        assert_eq!(rules.len(), 11);
    }

    #[test]
    fn invalid_ranges_and_unmatched_customers() {
        let mut rules = vec![SegmentRule::new("x", [4, 6], [1, 1])];
        assert!(matches!(validate_rules(&rules, 5), Err(RfmError::RuleRange { dimension: "r", .. })));
        rules[0].r = Some([5, 5]);
        let s = RfmScores { r: vec![5, 1], f: vec![1, 1], m: vec![3, 3] };
        assert_eq!(segment(&s, &rules), vec![Some(0), None]);
    }
}
