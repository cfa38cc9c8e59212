//! A run's customers, indexed for lookups: customers.csv stays on disk, and the index keeps each
//! record's byte offset, the ids (sorted), every scheme's label codes and the sort keys. A
//! lookup is a binary search and one read of one record; a segment's members are a scan of one
//! code column. Built once per run on a blocking thread and kept for the few runs in use.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::ApiError;
use crate::state::lock;

/// How a segment's members are ordered. Ties: customer id, ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Customer id, ascending (the default).
    Id,
    /// Monetary value, highest first.
    Monetary,
    /// 12-month CLV, highest first (customers without one last).
    Clv,
    /// Days since the last purchase, fewest first.
    Recency,
}

/// One run's customers.
#[derive(Debug)]
pub struct RunIndex {
    /// customers.csv.
    path: PathBuf,
    /// It, open: a record is one positioned read, no open and close per lookup.
    file: File,
    /// Its column names.
    pub header: Vec<String>,
    /// Customer ids in file order (customers.csv is sorted by id).
    ids: Vec<Box<str>>,
    /// Where each record starts; one more for the end of the last.
    offsets: Vec<u64>,
    /// Per scheme column: its labels and each customer's label code (u16::MAX: none).
    schemes: HashMap<String, (Vec<String>, Vec<u16>)>,
    /// Sort keys (NaN: missing).
    keys: HashMap<Sort, Vec<f64>>,
    /// Members of (scheme, label) in an order, built on first use.
    members: Mutex<HashMap<MembersKey, Arc<Vec<u32>>>>,
}

/// A segment's members in an order: (scheme, label, order).
type MembersKey = (String, String, Sort);

/// A label column being read: the label codes so far, the labels, each row's code.
type LabelColumn = (HashMap<String, u16>, Vec<String>, Vec<u16>);

const NONE: u16 = u16::MAX;

/// One field list of a CSV record written by custseg (RFC 4180 quotes).
pub fn fields(record: &str) -> Vec<String> {
    custseg_engine::split_record(record, b',')
}

impl RunIndex {
    /// Indexes a run directory's customers.csv, with the label columns of `schemes`.
    ///
    /// # Errors
    /// When the file is missing or unreadable.
    pub fn build(dir: &Path, schemes: &[String]) -> Result<RunIndex, ApiError> {
        RunIndex::build_file(&dir.join("customers.csv"), schemes)
    }

    /// Indexes a CSV file written by custseg whose first column is the customer id, sorted.
    ///
    /// # Errors
    /// When the file is missing or unreadable.
    pub fn build_file(path: &Path, schemes: &[String]) -> Result<RunIndex, ApiError> {
        RunIndex::build_inner(path, schemes, false)
    }

    /// Indexes a CSV file written by custseg whose first column is the customer id, sorted, with
    /// several records per customer (recommendations.csv): a customer's entry spans them all
    /// ([`RunIndex::records`]).
    ///
    /// # Errors
    /// When the file is missing or unreadable.
    pub fn build_grouped(path: &Path) -> Result<RunIndex, ApiError> {
        RunIndex::build_inner(path, &[], true)
    }

    fn build_inner(path: &Path, schemes: &[String], grouped: bool) -> Result<RunIndex, ApiError> {
        let path = path.to_path_buf();
        let file =
            File::open(&path).map_err(|e| ApiError::NotFound(format!("{} cannot be read: {e}", path.display())))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut record = Vec::new();
        let mut offset = read_record(&mut reader, &mut record)?;
        let header = fields(&String::from_utf8_lossy(&record));
        let col = |name: &str| header.iter().position(|h| h == name);
        let scheme_cols: Vec<(String, usize)> = schemes.iter().filter_map(|s| col(s).map(|c| (s.clone(), c))).collect();
        let key_cols: Vec<(Sort, usize)> =
            [(Sort::Monetary, "monetary"), (Sort::Clv, "clv_12m"), (Sort::Recency, "recency_days")]
                .into_iter()
                .filter_map(|(k, name)| col(name).map(|c| (k, c)))
                .collect();
        let mut ids = Vec::new();
        let mut offsets = Vec::new();
        let mut codes: Vec<LabelColumn> =
            scheme_cols.iter().map(|_| (HashMap::new(), Vec::new(), Vec::new())).collect();
        let mut keys: Vec<Vec<f64>> = key_cols.iter().map(|_| Vec::new()).collect();
        loop {
            let n = read_record(&mut reader, &mut record)?;
            if n == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&record);
            if text.trim().is_empty() {
                offset += n;
                continue;
            }
            let f = fields(&text);
            let id = f.first().map(String::as_str).unwrap_or_default();
            if grouped && ids.last().map(AsRef::as_ref) == Some(id) {
                // the same customer's next record: its entry grows
                offset += n;
                continue;
            }
            offsets.push(offset);
            offset += n;
            ids.push(id.to_string().into_boxed_str());
            for ((_, c), (dict, labels, column)) in scheme_cols.iter().zip(codes.iter_mut()) {
                let value = f.get(*c).map(String::as_str).unwrap_or("");
                let code = if value.is_empty() {
                    NONE
                } else {
                    *dict.entry(value.to_string()).or_insert_with(|| {
                        labels.push(value.to_string());
                        (labels.len() - 1) as u16
                    })
                };
                column.push(code);
            }
            for ((_, c), column) in key_cols.iter().zip(keys.iter_mut()) {
                column.push(f.get(*c).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN));
            }
        }
        offsets.push(offset);
        if !ids.windows(2).all(|w| w[0] < w[1]) {
            return Err(ApiError::Internal(format!("{} is not sorted by customer id", path.display())));
        }
        let file = File::open(&path)?;
        Ok(RunIndex {
            path,
            file,
            header,
            ids,
            offsets,
            schemes: scheme_cols.into_iter().map(|(s, _)| s).zip(codes.into_iter().map(|(_, l, c)| (l, c))).collect(),
            keys: key_cols.into_iter().map(|(k, _)| k).zip(keys).collect(),
            members: Mutex::new(HashMap::new()),
        })
    }

    /// Customers in the run.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the run has no customers.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// A customer's row number.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.ids.binary_search_by(|p| (**p).cmp(id)).ok()
    }

    /// A customer's id.
    pub fn id(&self, row: usize) -> &str {
        &self.ids[row]
    }

    /// Rows whose id contains `q` (case-insensitively), in id order.
    pub fn search_ids(&self, q: &str) -> Vec<u32> {
        let q = q.to_lowercase();
        (0..self.ids.len()).filter(|&i| self.ids[i].to_lowercase().contains(&q)).map(|i| i as u32).collect()
    }

    /// A customer's label in a scheme.
    pub fn label(&self, scheme: &str, row: usize) -> Option<&str> {
        let (labels, codes) = self.schemes.get(scheme)?;
        let c = *codes.get(row)?;
        (c != NONE).then(|| labels[usize::from(c)].as_str())
    }

    /// Whether the run has this scheme.
    pub fn has_scheme(&self, scheme: &str) -> bool {
        self.schemes.contains_key(scheme)
    }

    /// The members of a scheme's label, ordered by `sort` (ties by id).
    pub fn members(&self, scheme: &str, label: &str, sort: Sort) -> Arc<Vec<u32>> {
        let key = (scheme.to_string(), label.to_string(), sort);
        if let Some(m) = lock(&self.members).get(&key) {
            return m.clone();
        }
        let mut rows: Vec<u32> = match self.schemes.get(scheme) {
            Some((labels, codes)) => match labels.iter().position(|l| l == label) {
                Some(code) => (0..codes.len()).filter(|&i| usize::from(codes[i]) == code).map(|i| i as u32).collect(),
                None => Vec::new(),
            },
            None => Vec::new(),
        };
        self.order(&mut rows, sort);
        let rows = Arc::new(rows);
        let mut cache = lock(&self.members);
        // a few hundred lists at most (schemes x labels x orders); a bound all the same
        if cache.len() > 512 {
            cache.clear();
        }
        cache.insert(key, rows.clone());
        rows
    }

    /// Orders rows (given in id order) by `sort`; the sort is stable, so ties stay by id.
    pub fn order(&self, rows: &mut [u32], sort: Sort) {
        let Some(k) = self.keys.get(&sort) else { return };
        let value = |r: &u32| k[*r as usize];
        match sort {
            Sort::Id => {}
            Sort::Recency => rows.sort_by(|a, b| missing_last(value(a), value(b), false)),
            Sort::Monetary | Sort::Clv => rows.sort_by(|a, b| missing_last(value(a), value(b), true)),
        }
    }

    /// Calls `f` with every record's row number and fields, reading the file once, in order.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn scan(&self, mut f: impl FnMut(usize, Vec<String>)) -> Result<(), ApiError> {
        let mut reader = BufReader::with_capacity(1 << 20, File::open(&self.path)?);
        let mut record = Vec::new();
        read_record(&mut reader, &mut record)?;
        let mut row = 0;
        while read_record(&mut reader, &mut record)? > 0 {
            let text = String::from_utf8_lossy(&record);
            if text.trim().is_empty() {
                continue;
            }
            f(row, fields(&text));
            row += 1;
        }
        Ok(())
    }

    /// Every record of a grouped index's entry ([`RunIndex::build_grouped`]), each as (column,
    /// value) in file order.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn records(&self, row: usize) -> Result<Vec<Vec<(String, String)>>, ApiError> {
        let (start, end) = (self.offsets[row], self.offsets[row + 1]);
        let mut bytes = vec![0u8; (end - start) as usize];
        read_at(&self.file, &mut bytes, start)?;
        let mut reader = std::io::Cursor::new(bytes);
        let mut record = Vec::new();
        let mut out = Vec::new();
        while read_record(&mut reader, &mut record)? > 0 {
            let text = String::from_utf8_lossy(&record);
            if !text.trim().is_empty() {
                out.push(self.header.iter().cloned().zip(fields(&text)).collect());
            }
        }
        Ok(out)
    }

    /// A customer's record: (column, value) in file order.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn record(&self, row: usize) -> Result<Vec<(String, String)>, ApiError> {
        let (start, end) = (self.offsets[row], self.offsets[row + 1]);
        let mut bytes = vec![0u8; (end - start) as usize];
        read_at(&self.file, &mut bytes, start)?;
        let values = fields(&String::from_utf8_lossy(&bytes));
        Ok(self.header.iter().cloned().zip(values).collect())
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(not(unix))]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(at))?;
    f.read_exact(buf)
}

fn missing_last(a: f64, b: f64, descending: bool) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        _ if descending => b.total_cmp(&a),
        _ => a.total_cmp(&b),
    }
}

/// Reads one CSV record (a newline inside quotes does not end it) into `out`; returns its
/// length in bytes with the newline (0 at the end).
fn read_record(reader: &mut impl BufRead, out: &mut Vec<u8>) -> Result<u64, ApiError> {
    out.clear();
    let mut total = 0u64;
    loop {
        let n = reader.read_until(b'\n', out)?;
        total += n as u64;
        let quotes = out.iter().filter(|&&b| b == b'"').count();
        if n == 0 || quotes % 2 == 0 {
            return Ok(total);
        }
    }
}

/// What an index is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    /// A store run's customers.csv.
    Run(i64),
    /// An uploaded master file's attributes, by dataset id.
    Master(i64),
    /// A store run's recommendations.csv (several records per customer).
    Recommendations(i64),
}

/// The indexes in use.
#[derive(Debug, Default)]
pub struct Indexes {
    runs: Mutex<Vec<(Of, Arc<RunIndex>)>>,
    /// One build at a time: two requests for a new run wait for one build.
    building: tokio::sync::Mutex<()>,
}

/// Indexes kept (a run and its master file count two).
const KEPT: usize = 6;

impl Indexes {
    /// The index of a file, built when missing.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub async fn get(&self, of: Of, file: PathBuf, schemes: Vec<String>) -> Result<Arc<RunIndex>, ApiError> {
        if let Some(i) = self.cached(of) {
            return Ok(i);
        }
        let _one = self.building.lock().await;
        if let Some(i) = self.cached(of) {
            return Ok(i);
        }
        let built = Arc::new(
            tokio::task::spawn_blocking(move || match of {
                Of::Recommendations(_) => RunIndex::build_grouped(&file),
                _ => RunIndex::build_file(&file, &schemes),
            })
            .await??,
        );
        let mut runs = lock(&self.runs);
        runs.retain(|(id, _)| *id != of);
        runs.insert(0, (of, built.clone()));
        runs.truncate(KEPT);
        Ok(built)
    }

    fn cached(&self, of: Of) -> Option<Arc<RunIndex>> {
        let mut runs = lock(&self.runs);
        let k = runs.iter().position(|(id, _)| *id == of)?;
        // most recently used first
        let hit = runs.remove(k);
        runs.insert(0, hit.clone());
        Some(hit.1)
    }

    /// Forgets an index (its run was deleted).
    pub fn forget(&self, of: Of) {
        lock(&self.runs).retain(|(id, _)| *id != of);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_records_with_quoted_newlines() {
        let dir = tempfile::tempdir().expect("test setup");
        std::fs::write(
            dir.path().join("customers.csv"),
            "customer_id,monetary,clv_12m,recency_days,abc,note\n\
             a,5,1.5,3,a,x\n\
             b,9,,10,b,\"two\nlines\"\n\
             c,9,2,1,a,\"q \"\"x\"\"\"\n",
        )
        .expect("test setup");
        let ix = RunIndex::build(dir.path(), &["abc".into(), "missing".into()]).expect("test setup");
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.find("b"), Some(1));
        assert_eq!(ix.find("bb"), None);
        assert_eq!(ix.record(1).expect("test setup")[5], ("note".into(), "two\nlines".into()));
        assert_eq!(ix.record(2).expect("test setup")[5].1, "q \"x\"");
        assert_eq!(ix.label("abc", 2), Some("a"));
        assert!(!ix.has_scheme("missing"));
        assert_eq!(*ix.members("abc", "a", Sort::Id), vec![0, 2]);
        // ties by id: b and c both 9
        let mut all = vec![0, 1, 2];
        ix.order(&mut all, Sort::Monetary);
        assert_eq!(all, vec![1, 2, 0]);
        ix.order(&mut all, Sort::Clv);
        assert_eq!(all, vec![2, 0, 1], "missing CLV last");
        ix.order(&mut all, Sort::Recency);
        assert_eq!(all, vec![2, 0, 1]);
        assert_eq!(ix.search_ids("B"), vec![1]);
    }

    #[test]
    fn a_grouped_index_spans_each_customers_records() {
        let dir = tempfile::tempdir().expect("test setup");
        let path = dir.path().join("recommendations.csv");
        std::fs::write(&path, "customer_id,rank,item\na,1,x\na,2,\"y\nz\"\nb,1,w\nc,1,v\nc,2,u\n").expect("test setup");
        let ix = RunIndex::build_grouped(&path).expect("test setup");
        assert_eq!(ix.len(), 3);
        let a = ix.records(ix.find("a").expect("a")).expect("read");
        assert_eq!(a.len(), 2);
        assert_eq!(a[1][2], ("item".into(), "y\nz".into()));
        let c = ix.records(ix.find("c").expect("c")).expect("read");
        assert_eq!(c.iter().map(|r| r[2].1.as_str()).collect::<Vec<_>>(), ["v", "u"]);
    }
}
