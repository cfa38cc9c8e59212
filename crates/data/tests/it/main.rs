//! custseg-data integration tests: the DataFusion feature aggregation equals a naive pure-Rust
//! aggregation of the same kept rows, and row accounting always balances.

mod accounting;
mod equivalence;

// `cargo bolero test` instruments every test binary of the package for coverage: this one links
// the fuzzer's runtime too, or it fails to link (its targets are in the library's tests)
#[cfg(fuzzing)]
extern crate bolero;

use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap_or_else(|e| panic!("{e}"))
}
