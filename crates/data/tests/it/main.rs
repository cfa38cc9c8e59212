//! custseg-data integration tests: the DataFusion feature aggregation equals a naive pure-Rust
//! aggregation of the same kept rows, and row accounting always balances.

mod accounting;
mod equivalence;

use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap_or_else(|e| panic!("{e}"))
}
