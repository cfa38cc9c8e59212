//! The optional customer master file: one row per customer with any attributes (industry, size,
//! region, age, gender, signup date, ...). Joined to the transactions by customer id; customers
//! in it without transactions become prospects. Rows without an id, and repeats of an id already
//! seen (the first row wins), are rejected and counted.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::execution::context::SessionContext;
use serde::Serialize;

use crate::error::{DataError, Result};
use crate::ingest::read_ordered;
use crate::mapping::{Role, normalize};
use crate::quality::RowRef;
use crate::source::{self, CsvOptions, Format};

/// The master file, as text.
#[derive(Debug, Clone, Default)]
pub struct Master {
    /// The id column's name.
    pub id_column: String,
    /// Attribute column names, in file order.
    pub attributes: Vec<String>,
    /// Customer ids, in file order, unique.
    pub ids: Vec<String>,
    /// `values[a][i]`: attribute `a` of customer `ids[i]`.
    pub values: Vec<Vec<Option<String>>>,
    /// What happened to the rows.
    pub report: MasterReport,
}

/// Row accounting for the master file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MasterReport {
    /// File path.
    pub path: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows kept.
    pub rows_kept: u64,
    /// Rows rejected, by reason (`missing_customer_id`, `duplicate_customer_id`).
    pub rejected_by_reason: BTreeMap<&'static str, u64>,
    /// Every rejected row (line and id).
    pub rejects: Vec<RowRef>,
}

impl Master {
    /// Position of each id.
    pub fn index(&self) -> HashMap<&str, usize> {
        self.ids.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect()
    }
}

/// Reads the master file at `path`. The id column is found like the transactions' customer
/// column (or given as `customer` in `map`).
///
/// # Errors
/// Unreadable file, no id column, or no data rows.
pub async fn read_master(
    ctx: &SessionContext,
    path: &Path,
    csv: &CsvOptions,
    map: &BTreeMap<String, String>,
    temp_dir: &Path,
) -> Result<Master> {
    let format = Format::of(path).unwrap_or(Format::Csv);
    let mut src = source::open(path, format, csv, temp_dir)?;
    let batches = read_ordered(ctx, &mut src).await?;
    let columns = src.columns.clone();
    let id_column = match map.get("customer") {
        Some(c) => columns.iter().find(|x| *x == c || normalize(x) == normalize(c)).cloned().ok_or_else(|| {
            DataError::UnknownColumn {
                role: "customer".into(),
                column: c.clone(),
                path: path.to_path_buf(),
                found: columns.join(", "),
            }
        })?,
        None => {
            let candidates: Vec<&String> =
                columns.iter().filter(|c| Role::Customer.synonyms().contains(&normalize(c).as_str())).collect();
            match candidates.as_slice() {
                [one] => (*one).clone(),
                [] => {
                    return Err(DataError::MissingColumn {
                        role: "customer",
                        path: path.to_path_buf(),
                        looked_for: Role::Customer.synonyms().iter().take(6).copied().collect::<Vec<_>>().join(", "),
                        found: columns.join(", "),
                    });
                }
                many => {
                    return Err(DataError::AmbiguousColumn {
                        role: "customer",
                        path: path.to_path_buf(),
                        candidates: many.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                    });
                }
            }
        }
    };
    let id_pos = columns.iter().position(|c| *c == id_column).unwrap_or(0);
    let attributes: Vec<String> = columns.iter().filter(|c| **c != id_column).cloned().collect();
    let attr_pos: Vec<usize> = (0..columns.len()).filter(|&i| i != id_pos).collect();
    let mut m = Master { id_column, attributes, values: vec![Vec::new(); attr_pos.len()], ..Master::default() };
    m.report.path = path.display().to_string();
    m.report.rejected_by_reason = BTreeMap::from([("missing_customer_id", 0), ("duplicate_customer_id", 0)]);
    let header = u64::from(format == Format::Csv);
    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut line = header;
    for b in &batches {
        let ids = b.column(id_pos).as_string::<i32>();
        for r in 0..b.num_rows() {
            line += 1;
            m.report.rows_read += 1;
            let id = if ids.is_null(r) { "" } else { ids.value(r).trim() };
            let reason = if id.is_empty() {
                Some("missing_customer_id")
            } else if seen.contains_key(id) {
                Some("duplicate_customer_id")
            } else {
                None
            };
            if let Some(reason) = reason {
                *m.report.rejected_by_reason.entry(reason).or_insert(0) += 1;
                m.report.rejects.push(RowRef { file: m.report.path.clone(), line, value: format!("{reason}: `{id}`") });
                continue;
            }
            seen.insert(id.to_string(), ());
            m.ids.push(id.to_string());
            for (a, &p) in attr_pos.iter().enumerate() {
                let c = b.column(p).as_string::<i32>();
                m.values[a].push((!c.is_null(r)).then(|| c.value(r).trim().to_string()).filter(|s| !s.is_empty()));
            }
            m.report.rows_kept += 1;
        }
    }
    if m.report.rows_read == 0 {
        return Err(DataError::NoDataRows { path: path.to_path_buf() });
    }
    Ok(m)
}
