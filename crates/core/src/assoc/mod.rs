//! Association analysis (关联分析): frequent itemsets of baskets, exactly, and the rules between
//! them ([`rules`]).
//!
//! [`itemsets`] mines every itemset whose support count reaches the minimum, up to a length,
//! by FP-growth's divide and conquer: items are ranked by frequency (ties by id), each basket
//! keeps its frequent items in rank order, and for each item the baskets' prefixes before it
//! form its conditional database, where identical prefixes are merged with summed counts (the
//! FP-tree's compression) and mined again with the item added to the suffix. Every itemset is
//! found once. Output order is documented: by length, then by the items' ids.
//!
//! ```
//! use custseg_core::assoc::{Itemset, itemsets};
//! let baskets = vec![vec![1, 2], vec![1, 2, 3], vec![1, 3], vec![2]];
//! let found = itemsets(&baskets, 2, 3);
//! assert_eq!(found[..3], [Itemset { items: vec![1], count: 3 }, Itemset { items: vec![2], count: 3 },
//!                          Itemset { items: vec![3], count: 2 }]);
//! assert!(found.contains(&Itemset { items: vec![1, 2], count: 2 }));
//! ```

mod errors;
mod fpgrowth;
pub mod metrics;
mod params;
pub mod recommend;
mod rules;

pub use errors::AssocError;
pub use fpgrowth::{Itemset, itemsets};
pub use params::{AssocParams, ValidAssocParams};
pub use recommend::{Pick, RuleIndex, Why, popularity, recommend};
pub use rules::{Rule, RuleFilter, rules};
