//! Schema versions and the migrations between them.

use rusqlite::Connection;

/// Version 1: runs, their schemes, and one row per customer per run.
pub const SCHEMA_V1: &str = "
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    version TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    config TEXT NOT NULL,
    inputs TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_kept INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    customers INTEGER NOT NULL,
    out_dir TEXT NOT NULL
);
CREATE TABLE run_schemes (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    scheme TEXT NOT NULL,
    labels TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
CREATE TABLE run_customers (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL,
    recency_days REAL,
    frequency REAL,
    monetary REAL,
    clv REAL,
    labels BLOB NOT NULL,
    PRIMARY KEY (run_id, customer_id)
) WITHOUT ROWID;
";

/// Version 2: P(alive) per customer (for the P(alive) alert) and an index to find one
/// customer's records across runs (`custseg show RUN --customer ID`).
pub const SCHEMA_V2: &str = "
ALTER TABLE run_customers ADD COLUMN p_alive REAL;
CREATE INDEX run_customers_by_customer ON run_customers (customer_id, run_id);
";

/// Version 3: a run is `complete` once its outputs are published (a run killed before that
/// stays in the store marked incomplete, and is never compared with), and the `dataset` it was
/// made from (runs are compared only within one dataset), and its rows dated after an explicit
/// as-of date (not rejects). Runs before it count as complete.
pub const SCHEMA_V3: &str = "
ALTER TABLE runs ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
ALTER TABLE runs ADD COLUMN dataset TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN rows_after_as_of INTEGER NOT NULL DEFAULT 0;
";

/// Version 4: the team's server (`custseg serve`): accounts with their tokens' SHA-256 (never the
/// tokens), dashboard sessions (also hashed), the audit log, uploaded datasets and run jobs. A
/// job is the server's run: queued and running jobs have no store run yet; `run_id` links a done
/// one, and runs recorded by the CLI are adopted as done jobs.
pub const SCHEMA_V4: &str = "
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    params TEXT NOT NULL
);
CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    summary TEXT NOT NULL
);
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    run_id INTEGER UNIQUE,
    error TEXT,
    finished_at TEXT
);
";

/// The migrations: `MIGRATIONS[k]` takes a store from version `k` to `k + 1`.
pub const MIGRATIONS: [&str; 4] = [SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4];

/// The schema version this custseg writes.
pub const CURRENT: i64 = MIGRATIONS.len() as i64;

/// Why a store could not be brought up to date.
#[derive(Debug)]
pub enum MigrateError {
    /// SQLite failed.
    Sql(rusqlite::Error),
    /// The store is newer than this custseg.
    Newer(i64),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sql(e)
    }
}

/// The store's schema version (0 for a new, empty file).
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Applies the missing migrations, each with its version bump in one transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let v = version(conn)?;
    if v > CURRENT {
        return Err(MigrateError::Newer(v));
    }
    for (k, sql) in MIGRATIONS.iter().enumerate().skip(v as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (k + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
