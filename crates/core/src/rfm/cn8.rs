//! The Chinese 8-class RFM scheme (RFM 八类客户): each of R, F and M is "high" or "low" against
//! its mean (default) or median over the scored customers, on the raw values:
//! R is high when `recency_days` is *below* the centre (bought more recently than average),
//! F and M are high when strictly above it. A value equal to the centre counts as low.
//!
//! | R | F | M | id | 名称 |
//! |---|---|---|---|---|
//! | high | high | high | important_value | 重要价值客户 |
//! | high | low | high | important_develop | 重要发展客户 |
//! | low | high | high | important_retain | 重要保持客户 |
//! | low | low | high | important_winback | 重要挽留客户 |
//! | high | high | low | general_value | 一般价值客户 |
//! | high | low | low | general_develop | 一般发展客户 |
//! | low | high | low | general_retain | 一般保持客户 |
//! | low | low | low | general_winback | 一般挽留客户 |

use serde::{Deserialize, Serialize};

use crate::math::{mean, median};

/// The centre each dimension is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Cn8Basis {
    /// Arithmetic mean (the textbook rule).
    #[default]
    Mean,
    /// Median, robust to a few very large customers.
    Median,
}

/// The class id of every customer plus the three centres used `(recency, frequency, monetary)`.
pub fn cn8(
    recency_days: &[f64],
    frequency: &[f64],
    monetary: &[f64],
    basis: Cn8Basis,
) -> (Vec<&'static str>, [f64; 3]) {
    let centre = |v: &[f64]| {
        match basis {
            Cn8Basis::Mean => mean(v),
            Cn8Basis::Median => median(v),
        }
        .unwrap_or(0.0)
    };
    let centres = [centre(recency_days), centre(frequency), centre(monetary)];
    let labels =
        (0..recency_days.len()).map(|i| cn8_class(recency_days[i], frequency[i], monetary[i], &centres)).collect();
    (labels, centres)
}

/// One customer's class against fitted `centres` (recency, frequency, monetary).
pub fn cn8_class(recency_days: f64, frequency: f64, monetary: f64, centres: &[f64; 3]) -> &'static str {
    let r = recency_days < centres[0];
    let f = frequency > centres[1];
    let m = monetary > centres[2];
    match (r, f, m) {
        (true, true, true) => "important_value",
        (true, false, true) => "important_develop",
        (false, true, true) => "important_retain",
        (false, false, true) => "important_winback",
        (true, true, false) => "general_value",
        (true, false, false) => "general_develop",
        (false, true, false) => "general_retain",
        (false, false, false) => "general_winback",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_against_the_mean_and_the_median() {
        // means: recency 25, frequency 3, monetary 250
        let r = [10.0, 10.0, 40.0, 40.0, 25.0];
        let f = [5.0, 1.0, 5.0, 1.0, 3.0];
        let m = [500.0, 400.0, 300.0, 50.0, 0.0];
        let (labels, centres) = cn8(&r, &f, &m, Cn8Basis::Mean);
        assert_eq!(centres, [25.0, 3.0, 250.0]);
        assert_eq!(
            labels,
            vec!["important_value", "important_develop", "important_retain", "general_winback", "general_winback"]
        );
        let (labels, centres) = cn8(&r, &f, &m, Cn8Basis::Median);
        assert_eq!(centres, [25.0, 3.0, 300.0]);
        assert_eq!(labels[2], "general_retain");
    }
}
