//! Small numeric helpers shared by the classifiers and models: ranking with a documented tie
//! rule, percentiles, a seeded random number generator with the distributions we sample, special
//! functions (log-gamma, digamma, our own ₂F₁), quadrature, and the optimisers the likelihood fits
//! use (L-BFGS and Nelder-Mead).

pub mod optim;
mod rank;
mod rng;
mod special;

pub use rank::{argsort, mean, median, min_ranks, order_key, percentile, percentiles, radix_order, sorted};
pub use rng::Rng;
pub use special::{Hyp1, MAX_SERIES_TERMS, digamma, hyp2f1, hyp2f1_one, integrate, ln_beta, ln_gamma, log_add_exp};
