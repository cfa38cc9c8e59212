//! Cut points: the value where each level of an ordered classification starts.
//!
//! Every built-in scheme whose level only grows (or only falls) with one value (the R, F and M
//! scores, value tiers, CLV tiers) is fitted on the population and then applied through its cut
//! points, so a saved classification places any customer by that customer's value alone. The
//! cut points are read off a fitted classification ([`Cuts::from_levels`]): applying them to the
//! population they came from gives back every level exactly, because the fitted rules give equal
//! values equal levels. A value between two population values takes the level of the largest
//! population value at or below it (for [`Better::Lower`], at or above it).

use serde::{Deserialize, Serialize};

/// Which values reach the higher levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Larger values (frequency, monetary).
    Higher,
    /// Smaller values (recency in days).
    Lower,
}

/// Where each level above the lowest starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cuts {
    /// Which values reach the higher levels.
    pub better: Better,
    /// `starts[k]` is where level `k + 1` starts: a value at or beyond it (`>=` for
    /// [`Better::Higher`], `<=` for [`Better::Lower`]) is at least at that level. Levels no
    /// customer reached have no entry; a skipped level (equal values spanning it) repeats the
    /// next level's start.
    pub starts: Vec<f64>,
}

impl Cuts {
    /// The cut points of a classification: `levels[i]` (0 = lowest) is the level of
    /// `values[i]`. The levels must only grow with the value in the `better` direction (equal
    /// values, equal levels), as every fitted rule here ensures; [`Cuts::level`] then gives
    /// every `levels[i]` back.
    pub fn from_levels(values: &[f64], levels: &[u8], better: Better) -> Cuts {
        let top = levels.iter().copied().max().unwrap_or(0);
        // the extreme value of each level: its smallest (Higher) or largest (Lower)
        let mut extreme: Vec<Option<f64>> = vec![None; usize::from(top) + 1];
        for (&v, &l) in values.iter().zip(levels) {
            let e = &mut extreme[usize::from(l)];
            *e = Some(match (*e, better) {
                (None, _) => v,
                (Some(x), Better::Higher) => x.min(v),
                (Some(x), Better::Lower) => x.max(v),
            });
        }
        // level k starts at the extreme of the first level reached at or above it
        let starts = (1..=usize::from(top)).filter_map(|k| extreme[k..].iter().flatten().next().copied()).collect();
        Cuts { better, starts }
    }

    /// Explicit cut points, as a user gives them.
    pub fn given(starts: &[f64], better: Better) -> Cuts {
        Cuts { better, starts: starts.to_vec() }
    }

    /// The level (0 = lowest) of `value`: how many starts it reaches. A NaN reaches none.
    pub fn level(&self, value: f64) -> u8 {
        let reached = match self.better {
            Better::Higher => self.starts.iter().filter(|s| value >= **s).count(),
            Better::Lower => self.starts.iter().filter(|s| value <= **s).count(),
        };
        reached as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rfm::quantile_scores;
    use proptest::prelude::*;

    #[test]
    fn a_skipped_level_repeats_the_next_start() {
        // scores 1, 3, 3, 4: level 1 (score 2) is skipped
        let c = Cuts::from_levels(&[1.0, 5.0, 5.0, 9.0], &[0, 2, 2, 3], Better::Higher);
        assert_eq!(c.starts, vec![5.0, 5.0, 9.0]);
        assert_eq!([1.0, 4.9, 5.0, 7.0, 9.0, 100.0].map(|v| c.level(v)), [0, 0, 2, 2, 3, 3]);
        assert_eq!(c.level(f64::NAN), 0);
        let r = Cuts::from_levels(&[300.0, 10.0, 40.0], &[0, 2, 1], Better::Lower);
        assert_eq!(r.starts, vec![40.0, 10.0]);
        assert_eq!([5.0, 10.0, 11.0, 40.0, 41.0].map(|v| r.level(v)), [2, 2, 1, 1, 0]);
        assert_eq!(Cuts::from_levels(&[], &[], Better::Higher).starts, Vec::<f64>::new());
    }

    proptest! {
        #[test]
        fn cuts_give_back_the_quantile_scores(values in proptest::collection::vec(0u32..30, 1..300), n in 2u8..=10) {
            let v: Vec<f64> = values.iter().map(|&x| f64::from(x) * 0.5).collect();
            let levels: Vec<u8> = quantile_scores(&v, n).iter().map(|s| s - 1).collect();
            let up = Cuts::from_levels(&v, &levels, Better::Higher);
            prop_assert!(v.iter().zip(&levels).all(|(x, l)| up.level(*x) == *l));
            // the same scores read as "lower is better" on the negated values
            let neg: Vec<f64> = v.iter().map(|x| -x).collect();
            let down = Cuts::from_levels(&neg, &levels, Better::Lower);
            prop_assert!(neg.iter().zip(&levels).all(|(x, l)| down.level(*x) == *l));
        }
    }
}
