//! The workspace store: a SQLite database (default `./custseg.db`) that keeps every run and
//! every customer's labels and key features per run, so classifications can be compared over
//! time (`custseg history`, `show`, `diff`, `track`, alerts).
//!
//! - **Schema:** versioned with SQLite's `user_version`; [`schema::MIGRATIONS`] are applied in
//!   order when a store opens, each in its own transaction, so an older store is upgraded in
//!   place and a newer one is refused with a message.
//! - **One transaction per run:** the run row, its schemes and all its customers are written in
//!   one transaction with prepared statements, so a run killed mid-write leaves no trace (tested
//!   by aborting the process halfway through the customers).
//! - **Compact rows:** one row per customer per run; its labels are a BLOB of little-endian u16
//!   label codes, one per scheme in the run's scheme order (0xFFFF = no label), decoded with the
//!   run's own scheme table, so 1M customers × 15 schemes are 1M rows, not 15M.
//! - **Config identity:** `config_hash` is the xxh3-64 of the effective configuration without its
//!   `[run]` section (as-of date, language, threads, strictness, report) and `[privacy]`, so runs
//!   of the same classification rules at different dates share it.

mod read;
pub mod schema;
mod team;
mod write;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use read::{CustomerHistory, HistoryLabel, HistoryRow, RunInfo, StoredRun};
pub use team::{AuditEntry, Dataset, Job, User, now};
pub use write::{NewRun, SchemeLabels};

use crate::error::{EngineError, Result};

/// Default store path (in the working directory).
pub const DEFAULT_STORE: &str = "custseg.db";

/// An open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if missing) the store at `path` and brings its schema up to date.
    ///
    /// # Errors
    /// [`EngineError::Store`] when the file cannot be opened, is not a custseg store, or was
    /// written by a newer custseg.
    pub fn open(path: &Path) -> Result<Store> {
        let err = |e: rusqlite::Error| store_err(path, e);
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(err)?;
        // WAL: readers never block the writer, and a crash leaves the last committed state
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(err)?;
        schema::migrate(&mut conn).map_err(|e| match e {
            schema::MigrateError::Sql(e) => store_err(path, e),
            schema::MigrateError::Newer(v) => EngineError::Store {
                path: path.to_path_buf(),
                message: format!(
                    "schema version {v} is newer than this custseg knows ({}); use a newer custseg",
                    schema::CURRENT
                ),
            },
        })?;
        Ok(Store { conn, path: path.to_path_buf() })
    }

    /// Opens a store that must exist already (for commands that only read it).
    ///
    /// # Errors
    /// [`EngineError::Store`] when there is no such file, and as [`Store::open`].
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(EngineError::Store {
                path: path.to_path_buf(),
                message: "no such store\nhint: `custseg run` records every run in ./custseg.db unless --no-store; give --store FILE for another one".into(),
            });
        }
        Store::open(path)
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> EngineError + '_ {
        move |e| store_err(&self.path, e)
    }
}

fn store_err(path: &Path, e: rusqlite::Error) -> EngineError {
    EngineError::Store { path: path.to_path_buf(), message: e.to_string() }
}

/// The hash that says two runs classify with the same configuration: xxh3-64 of the
/// configuration's JSON without the `[run]` section.
pub fn config_hash(config: &crate::Config) -> String {
    let mut v = serde_json::to_value(config).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.remove("run");
        m.remove("privacy");
    }
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(v.to_string().as_bytes()))
}

#[cfg(test)]
mod tests;
