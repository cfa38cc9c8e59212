//! Association analysis of the customers' baskets (关联分析): frequent itemsets and rules over the
//! whole base and within each class of a scheme, each customer's next products with a reason,
//! and an evaluation of those against two baselines. The algorithms are custseg-core's
//! (`assoc`); this stage builds the baskets, names the items and makes the tables.
//!
//! Decisions:
//! - A basket is an order (customer and order id); without order ids, a customer's day. Return
//!   rows are not purchases and rows without an item are in no basket; both are counted.
//! - A basket's items are distinct (a product bought twice in one order counts once), as in
//!   arules and mlxtend.
//! - Per class, the thresholds are the base's, as shares of the class's baskets, with a support
//!   count of at least [`SEGMENT_MIN_COUNT`]; classes with fewer baskets than
//!   [`SEGMENT_MIN_BASKETS`] get top items, not rules.
//! - A class's rule is markedly stronger than the base when its confidence is at least 1.5
//!   times the same rule's confidence over every basket and the class's count is above what
//!   the base's confidence predicts by a one-sided binomial z of at least 1.96.

mod analyze;
mod build;
mod config;
mod evaluate;
mod mine;
mod recommend;
mod segment;
mod tables;

pub use analyze::{Analysis, BasketRecord, EvaluationRecord, Parts, analyze, verdict, verdict_phrase};
pub use build::{no_items, orders_of};
pub use config::{BasketConfig, ItemKind};
pub use custseg_core::assoc::metrics::Interval;
pub use custseg_data::baskets::{ItemColumn, Orders, RowUse, from_file, from_kept};
pub use evaluate::{Evaluation, ModelScores, evaluate};
pub use mine::{Mined, mine};
pub use recommend::{Recommendations, recommend_all};
pub use segment::{SegmentAnalysis, Segments, by_segment};
pub use tables::{Because, SEP, reason, reason_text};
pub use tables::{
    evaluation_table, itemsets_table, recommendations_table, rules_table, segment_items_table, segment_rules_table,
};

/// The least support count of a class's itemsets.
pub const SEGMENT_MIN_COUNT: u64 = 10;

/// The fewest baskets a class needs for rules of its own.
pub const SEGMENT_MIN_BASKETS: usize = 50;
