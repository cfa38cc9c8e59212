//! Reading runs back.

use custseg_core::catalog::Names;
use rusqlite::{OptionalExtension, params};

use super::{SchemeLabels, Store};
use crate::error::{EngineError, Result};

/// A run's header row.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RunInfo {
    /// Run id.
    pub id: i64,
    /// When it was recorded (UTC).
    pub created_at: String,
    /// As-of date.
    pub as_of: String,
    /// custseg version.
    pub version: String,
    /// Configuration identity (see [`super::config_hash`]).
    pub config_hash: String,
    /// Customers recorded.
    pub customers: i64,
    /// Rows read, kept, rejected.
    pub rows: (i64, i64, i64),
    /// Output directory.
    pub out_dir: String,
    /// Inputs as JSON.
    pub inputs: String,
    /// The dataset it was made from.
    pub dataset: String,
    /// Rows dated after the explicit as-of date.
    pub rows_after_as_of: i64,
    /// Whether its outputs were published (a run killed before that is incomplete).
    pub complete: bool,
}

/// A run with all its customers.
#[derive(Debug, Clone)]
pub struct StoredRun {
    /// The header.
    pub info: RunInfo,
    /// Schemes in order.
    pub schemes: Vec<SchemeLabels>,
    /// Customer ids (sorted).
    pub ids: Vec<String>,
    /// `codes[scheme][customer]`.
    pub codes: Vec<Vec<Option<u16>>>,
    /// Per customer.
    pub recency_days: Vec<Option<f64>>,
    /// Per customer.
    pub frequency: Vec<Option<f64>>,
    /// Per customer.
    pub monetary: Vec<Option<f64>>,
    /// Per customer.
    pub clv: Vec<Option<f64>>,
    /// Per customer.
    pub p_alive: Vec<Option<f64>>,
}

impl StoredRun {
    /// The run just recorded from `new`, as [`Store::load`] would read it back.
    pub fn of_new(info: RunInfo, new: super::NewRun<'_>) -> StoredRun {
        StoredRun {
            info,
            schemes: new.schemes,
            ids: new.ids.iter().map(|s| s.to_string()).collect(),
            codes: new.codes.iter().map(|c| c.to_vec()).collect(),
            recency_days: new.recency_days,
            frequency: new.frequency,
            monetary: new.monetary,
            clv: new.clv,
            p_alive: new.p_alive,
        }
    }

    /// Position of a scheme.
    pub fn scheme(&self, id: &str) -> Option<usize> {
        self.schemes.iter().position(|s| s.scheme == id)
    }

    /// Label id of customer `i` in scheme `s`.
    pub fn label(&self, s: usize, i: usize) -> Option<&str> {
        let c = self.codes.get(s)?.get(i).copied().flatten()?;
        self.schemes[s].labels.get(usize::from(c)).map(|l| l.0.as_str())
    }
}

/// One customer's record in one run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HistoryRow {
    /// Run id.
    pub run_id: i64,
    /// As-of date.
    pub as_of: String,
    /// Features.
    pub recency_days: Option<f64>,
    /// Features.
    pub frequency: Option<f64>,
    /// Features.
    pub monetary: Option<f64>,
    /// CLV.
    pub clv: Option<f64>,
    /// P(alive).
    pub p_alive: Option<f64>,
    /// The customer's label in each scheme of the run.
    pub labels: Vec<HistoryLabel>,
}

/// A customer's label in one scheme of one run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HistoryLabel {
    /// Scheme id.
    pub scheme: String,
    /// The scheme's names.
    pub scheme_name: Names,
    /// Label id.
    pub label: String,
    /// The label's names.
    pub name: Names,
}

/// A customer's classification history (客户档案): their record in every run that has them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CustomerHistory {
    /// Customer id.
    pub customer_id: String,
    /// One row per run, oldest first.
    pub rows: Vec<HistoryRow>,
}

const INFO_COLUMNS: &str = "id, created_at, as_of, version, config_hash, customers, rows_read, rows_kept, rows_rejected, \
                            out_dir, inputs, dataset, complete, rows_after_as_of";

fn info_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunInfo> {
    Ok(RunInfo {
        id: r.get(0)?,
        created_at: r.get(1)?,
        as_of: r.get(2)?,
        version: r.get(3)?,
        config_hash: r.get(4)?,
        customers: r.get(5)?,
        rows: (r.get(6)?, r.get(7)?, r.get(8)?),
        out_dir: r.get(9)?,
        inputs: r.get(10)?,
        dataset: r.get(11)?,
        complete: r.get::<_, i64>(12)? != 0,
        rows_after_as_of: r.get(13)?,
    })
}

fn decode(blob: &[u8], n: usize) -> impl Iterator<Item = Option<u16>> + '_ {
    (0..n).map(move |k| {
        let c = blob.get(2 * k..2 * k + 2).map_or(u16::MAX, |b| u16::from_le_bytes([b[0], b[1]]));
        (c != u16::MAX).then_some(c)
    })
}

impl Store {
    /// SQLite's integrity check: `ok`, or what is wrong.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn integrity_check(&self) -> Result<String> {
        self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(self.err())
    }

    /// Every run, oldest first.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn runs(&self) -> Result<Vec<RunInfo>> {
        let mut st = self.conn.prepare(&format!("SELECT {INFO_COLUMNS} FROM runs ORDER BY id")).map_err(self.err())?;
        let rows = st.query_map([], info_of).map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(self.err())
    }

    /// One run's header.
    ///
    /// # Errors
    /// [`EngineError::Store`]; [`EngineError::NoSuchRun`] when there is no such run.
    pub fn run_info(&self, id: i64) -> Result<RunInfo> {
        self.conn
            .query_row(&format!("SELECT {INFO_COLUMNS} FROM runs WHERE id = ?1"), [id], info_of)
            .optional()
            .map_err(self.err())?
            .ok_or_else(|| EngineError::NoSuchRun { id, path: self.path.clone() })
    }

    /// The configuration a run was made with (`None` when the run's JSON no longer reads as a
    /// configuration of this custseg).
    ///
    /// # Errors
    /// [`EngineError::Store`]; [`EngineError::NoSuchRun`].
    pub fn config_of(&self, id: i64) -> Result<Option<crate::Config>> {
        let text: String = self
            .conn
            .query_row("SELECT config FROM runs WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(self.err())?
            .ok_or_else(|| EngineError::NoSuchRun { id, path: self.path.clone() })?;
        Ok(serde_json::from_str(&text).ok())
    }

    /// The latest complete run before `before` of the same dataset with the same configuration
    /// hash.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn previous_with_config(&self, config_hash: &str, dataset: &str, before: i64) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT id FROM runs WHERE config_hash = ?1 AND dataset = ?2 AND id < ?3 AND complete = 1
                 ORDER BY id DESC LIMIT 1",
                params![config_hash, dataset, before],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }

    /// A run's schemes and their labels, in order.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn load_schemes(&self, id: i64) -> Result<Vec<SchemeLabels>> {
        let mut st = self
            .conn
            .prepare("SELECT scheme, labels FROM run_schemes WHERE run_id = ?1 ORDER BY position")
            .map_err(self.err())?;
        let rows = st
            .query_map([id], |r| {
                let scheme: String = r.get(0)?;
                let labels: String = r.get(1)?;
                Ok(SchemeLabels::from_json(scheme, &labels))
            })
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(self.err())
    }

    /// A run with all its customers.
    ///
    /// # Errors
    /// [`EngineError::Store`]; [`EngineError::NoSuchRun`].
    pub fn load(&self, id: i64) -> Result<StoredRun> {
        let info = self.run_info(id)?;
        let schemes = self.load_schemes(id)?;
        let n = usize::try_from(info.customers).unwrap_or(0);
        let mut run = StoredRun {
            info,
            codes: vec![Vec::with_capacity(n); schemes.len()],
            schemes,
            ids: Vec::with_capacity(n),
            recency_days: Vec::with_capacity(n),
            frequency: Vec::with_capacity(n),
            monetary: Vec::with_capacity(n),
            clv: Vec::with_capacity(n),
            p_alive: Vec::with_capacity(n),
        };
        let mut st = self
            .conn
            .prepare(
                "SELECT customer_id, recency_days, frequency, monetary, clv, p_alive, labels
                 FROM run_customers WHERE run_id = ?1 ORDER BY customer_id",
            )
            .map_err(self.err())?;
        let mut rows = st.query([id]).map_err(self.err())?;
        let n_schemes = run.schemes.len();
        while let Some(r) = rows.next().map_err(self.err())? {
            run.ids.push(r.get(0).map_err(self.err())?);
            run.recency_days.push(r.get(1).map_err(self.err())?);
            run.frequency.push(r.get(2).map_err(self.err())?);
            run.monetary.push(r.get(3).map_err(self.err())?);
            run.clv.push(r.get(4).map_err(self.err())?);
            run.p_alive.push(r.get(5).map_err(self.err())?);
            let blob: Vec<u8> = r.get(6).map_err(self.err())?;
            for (s, c) in decode(&blob, n_schemes).enumerate() {
                run.codes[s].push(c);
            }
        }
        Ok(run)
    }

    /// One customer's record in every complete run that has them, oldest first.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn customer_history(&self, customer_id: &str) -> Result<CustomerHistory> {
        self.customer_history_using(customer_id, &std::collections::HashMap::new())
    }

    /// [`Store::customer_history`] with the schemes of some runs already at hand (a run's
    /// schemes never change), so only the others are read.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn customer_history_using(
        &self,
        customer_id: &str,
        known: &std::collections::HashMap<i64, Vec<SchemeLabels>>,
    ) -> Result<CustomerHistory> {
        let mut st = self
            .conn
            .prepare(
                "SELECT c.run_id, r.as_of, c.recency_days, c.frequency, c.monetary, c.clv, c.p_alive, c.labels
                 FROM run_customers c JOIN runs r ON r.id = c.run_id
                 WHERE c.customer_id = ?1 AND r.complete = 1 ORDER BY c.run_id",
            )
            .map_err(self.err())?;
        let raw = st
            .query_map([customer_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
                    r.get::<_, Vec<u8>>(7)?,
                ))
            })
            .map_err(self.err())?
            .collect::<rusqlite::Result<Vec<(i64, String, [Option<f64>; 5], Vec<u8>)>>>()
            .map_err(self.err())?;
        let mut rows = Vec::with_capacity(raw.len());
        for (run_id, as_of, f, blob) in raw {
            let read;
            let schemes = match known.get(&run_id) {
                Some(s) => s,
                None => {
                    read = self.load_schemes(run_id)?;
                    &read
                }
            };
            let labels = decode(&blob, schemes.len())
                .zip(schemes)
                .filter_map(|(c, s)| {
                    let (id, name) = s.labels.get(usize::from(c?))?;
                    Some(HistoryLabel {
                        scheme: s.scheme.clone(),
                        scheme_name: s.name.clone(),
                        label: id.clone(),
                        name: name.clone(),
                    })
                })
                .collect();
            rows.push(HistoryRow {
                run_id,
                as_of,
                recency_days: f[0],
                frequency: f[1],
                monetary: f[2],
                clv: f[3],
                p_alive: f[4],
                labels,
            });
        }
        Ok(CustomerHistory { customer_id: customer_id.to_string(), rows })
    }
}
