//! The fitted tiers applied to one customer's monetary value.

use serde::{Deserialize, Serialize};

use crate::cuts::{Better, Cuts};

/// The tier ids, lowest first (the levels of [`ValueTier`]'s cuts).
const TIERS: [&str; 3] = ["low", "mid", "high"];

/// Fitted value tiers: the monetary value where mid and high start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueTier {
    /// Monetary cut points (mid, then high).
    pub monetary: Cuts,
}

impl ValueTier {
    /// The cut points behind a classification from [`classify`].
    pub fn from_tiers(monetary: &[f64], tiers: &[&str]) -> ValueTier {
        let levels: Vec<u8> = tiers.iter().map(|t| TIERS.iter().position(|x| x == t).unwrap_or(0) as u8).collect();
        ValueTier { monetary: Cuts::from_levels(monetary, &levels, Better::Higher) }
    }

    /// One customer's tier.
    pub fn tier(&self, monetary: f64) -> &'static str {
        TIERS[usize::from(self.monetary.level(monetary)).min(2)]
    }
}
