//! Small numeric helpers shared by the classifiers: ranking with a documented tie rule,
//! percentiles, and a seeded random number generator with the distributions we sample.

mod rank;
mod rng;

pub use rank::{mean, median, min_ranks, percentile};
pub use rng::Rng;
