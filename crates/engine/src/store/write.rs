//! Recording a run: one transaction, prepared statements.

use custseg_core::catalog::Names;
use rusqlite::params;

use super::Store;
use crate::error::Result;

/// A scheme as stored: its id, its names, and its labels `(id, names)` in order; a customer's
/// code indexes `labels`. Names are kept in both languages, so that `show`, `diff` and
/// migration.csv speak the reader's language whatever the run's was.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeLabels {
    /// Scheme id (`rfm_segment`, `lifecycle`, a rule scheme's id ...).
    pub scheme: String,
    /// The scheme's display names.
    pub name: Names,
    /// `(label id, display names)` per code.
    pub labels: Vec<(String, Names)>,
}

/// How `run_schemes.labels` holds a scheme: since version 0.2 an object with both languages;
/// before, a list of `[id, name]` pairs in the run's language.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub(super) enum StoredLabels {
    Names { name: Names, labels: Vec<(String, Names)> },
    Pairs(Vec<(String, String)>),
}

impl SchemeLabels {
    pub(super) fn to_json(&self) -> String {
        let stored = StoredLabels::Names { name: self.name.clone(), labels: self.labels.clone() };
        serde_json::to_string(&stored).unwrap_or_default()
    }

    pub(super) fn from_json(scheme: String, json: &str) -> SchemeLabels {
        match serde_json::from_str(json) {
            Ok(StoredLabels::Names { name, labels }) => SchemeLabels { scheme, name, labels },
            Ok(StoredLabels::Pairs(pairs)) => SchemeLabels {
                name: Names::of_scheme(&scheme).unwrap_or_else(|| Names::same(&scheme)),
                labels: pairs.into_iter().map(|(id, name)| (id, Names::same(name))).collect(),
                scheme,
            },
            Err(_) => SchemeLabels { name: Names::same(&scheme), scheme, labels: Vec::new() },
        }
    }
}

/// A run to record.
#[derive(Debug)]
pub struct NewRun<'a> {
    /// As-of date, `YYYY-MM-DD`.
    pub as_of: &'a str,
    /// custseg version.
    pub version: &'a str,
    /// [`super::config_hash`] of the run's configuration.
    pub config_hash: String,
    /// The effective configuration as JSON.
    pub config_json: String,
    /// The inputs (paths, sizes, fingerprints) as JSON.
    pub inputs_json: String,
    /// Rows read, kept, rejected.
    pub rows: (u64, u64, u64),
    /// Rows dated after the explicit as-of date.
    pub rows_after_as_of: u64,
    /// The run's output directory.
    pub out_dir: String,
    /// The dataset the run was made from (see [`crate::history::dataset_of`]).
    pub dataset: String,
    /// The schemes, in order.
    pub schemes: Vec<SchemeLabels>,
    /// Customer ids, one per customer row, sorted (byte order).
    pub ids: &'a [&'a str],
    /// Per scheme, per customer row: the label code.
    pub codes: Vec<&'a [Option<u16>]>,
    /// Per customer row (None for prospects where a value has no meaning).
    pub recency_days: Vec<Option<f64>>,
    /// Orders.
    pub frequency: Vec<Option<f64>>,
    /// Net revenue.
    pub monetary: Vec<Option<f64>>,
    /// Predicted CLV, when the run has it.
    pub clv: Vec<Option<f64>>,
    /// P(alive), when the run has it.
    pub p_alive: Vec<Option<f64>>,
}

/// Environment variable that makes the store abort the process after writing that many customer
/// rows of a run (inside its transaction): the test seam for "a run killed mid-write".
pub const CRASH_AFTER_VAR: &str = "CUSTSEG_STORE_CRASH_AFTER";

impl Store {
    /// Marks a run complete: its outputs are published. Until then it is listed as incomplete
    /// and never compared with.
    ///
    /// # Errors
    /// [`crate::EngineError::Store`]; [`crate::EngineError::NoSuchRun`].
    pub fn complete(&mut self, id: i64) -> Result<()> {
        let path = self.path.clone();
        let n = self
            .conn
            .execute("UPDATE runs SET complete = 1 WHERE id = ?1", [id])
            .map_err(|e| super::store_err(&path, e))?;
        if n == 0 {
            return Err(crate::EngineError::NoSuchRun { id, path });
        }
        Ok(())
    }

    /// Records a run and all its customers in one transaction, as incomplete (see
    /// [`Store::complete`]); returns the run id.
    ///
    /// # Errors
    /// [`crate::EngineError::Store`] when SQLite fails (nothing of the run is then stored).
    pub fn record(&mut self, run: &NewRun<'_>) -> Result<i64> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| super::store_err(&path, e);
        let crash_after: Option<usize> = std::env::var(CRASH_AFTER_VAR).ok().and_then(|v| v.parse().ok());
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT INTO runs (created_at, as_of, version, config_hash, config, inputs, rows_read, rows_kept,
                               rows_rejected, customers, out_dir, dataset, rows_after_as_of, complete)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0)",
            params![
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                run.as_of,
                run.version,
                run.config_hash,
                run.config_json,
                run.inputs_json,
                run.rows.0 as i64,
                run.rows.1 as i64,
                run.rows.2 as i64,
                run.ids.len() as i64,
                run.out_dir,
                run.dataset,
                run.rows_after_as_of as i64
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx
                .prepare("INSERT INTO run_schemes (run_id, position, scheme, labels) VALUES (?1, ?2, ?3, ?4)")
                .map_err(err)?;
            for (k, s) in run.schemes.iter().enumerate() {
                let labels = s.to_json();
                st.execute(params![id, k as i64, s.scheme, labels]).map_err(err)?;
            }
            let mut st = tx
                .prepare(
                    "INSERT INTO run_customers (run_id, customer_id, recency_days, frequency, monetary, clv, p_alive, labels)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(err)?;
            let mut blob = Vec::with_capacity(2 * run.codes.len());
            for (i, cid) in run.ids.iter().enumerate() {
                blob.clear();
                for codes in &run.codes {
                    let c = codes.get(i).copied().flatten().unwrap_or(u16::MAX);
                    blob.extend_from_slice(&c.to_le_bytes());
                }
                st.execute(params![
                    id,
                    cid,
                    run.recency_days.get(i).copied().flatten(),
                    run.frequency.get(i).copied().flatten(),
                    run.monetary.get(i).copied().flatten(),
                    run.clv.get(i).copied().flatten(),
                    run.p_alive.get(i).copied().flatten(),
                    blob
                ])
                .map_err(err)?;
                if crash_after == Some(i + 1) {
                    // the fault-injection seam: die inside the open transaction
                    std::process::abort();
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }
}
