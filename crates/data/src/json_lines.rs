//! JSON lines read row by row: each line one object, each value kept as its text, so one bad
//! line or one wrongly typed value is one rejected row with its true line, never a failed file.
//!
//! DataFusion's JSON reader infers one type per key and then fails the whole file at the first
//! value of another type (a numeric id among strings, `"amount": "abc"`), naming a position in
//! its decode buffer ("line 1 column N") rather than the file's line. Here a string is its text,
//! a number its JSON text, `true`/`false` the words, `null` a missing value, and a nested value
//! its JSON text; the cleaner then reads them as it reads CSV text (an amount `"abc"` or `true`
//! is an `unparseable_amount`). A line that is not a JSON object is rejected as `invalid_text`.
//! A UTF-8 byte-order mark is accepted. Files holding one JSON array still go to DataFusion.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};

use crate::clean::{Cleaner, PartitionState, RawRows, Typed, duplicate_rejects, partition_reject_schema};
use crate::csv_scan::Fault;
use crate::error::{DataError, Result};
use crate::source::SourceFile;

/// Rows handed to the cleaner at a time.
const BLOCK_ROWS: usize = 8192;

/// A JSON-lines file read into memory: its keys (the columns, in order of first appearance)
/// and per data line the values, the line number, the hash of the line's text, and whether it
/// is an object at all.
#[derive(Debug, Default)]
pub(crate) struct JsonTable {
    /// Keys in order of first appearance.
    pub columns: Vec<String>,
    /// Per row, its values by column index (shorter rows: the rest missing).
    rows: Vec<Vec<Option<String>>>,
    /// Per row, its line in the file.
    lines: Vec<u64>,
    /// Per row, xxh3-128 of the line's text (identical lines are duplicates).
    hashes: Vec<u128>,
    /// Rows that are not JSON objects, with the parser's message.
    bad: HashMap<usize, String>,
    /// Physical lines in the file.
    total_lines: u64,
}

/// Whether `src` is JSON lines (its first non-space character opens an object), rather than
/// one JSON array.
pub(crate) fn supports(src: &SourceFile) -> bool {
    crate::source::first_non_space(&src.read_path) == Some(b'{')
}

/// Reads the whole file.
///
/// # Errors
/// I/O errors naming the file, and [`DataError::NoDataRows`] when no line holds anything.
pub(crate) fn read(src: &SourceFile) -> Result<JsonTable> {
    let path = &src.path;
    let file = std::fs::File::open(&src.read_path).map_err(DataError::io("open", path))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut table = JsonTable::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(DataError::io("read", path))?;
        if n == 0 {
            break;
        }
        table.total_lines += 1;
        let mut line: &[u8] = &buf;
        if table.total_lines == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        while let [rest @ .., b'\n' | b'\r'] = line {
            line = rest;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let row = table.rows.len();
        table.lines.push(table.total_lines);
        table.hashes.push(xxhash_rust::xxh3::xxh3_128(line));
        let parsed: std::result::Result<Object, String> =
            serde_json::from_slice(line).map_err(|e| format!("not a JSON object: {e}"));
        let mut values = Vec::new();
        match parsed {
            Ok(Object(object)) => {
                for (key, value) in object {
                    let k = *index.entry(key.clone()).or_insert_with(|| {
                        table.columns.push(key);
                        table.columns.len() - 1
                    });
                    if values.len() <= k {
                        values.resize(k + 1, None);
                    }
                    values[k] = text_of(value);
                }
            }
            Err(message) => {
                table.bad.insert(row, message);
            }
        }
        table.rows.push(values);
    }
    if table.rows.is_empty() || table.columns.is_empty() {
        return Err(DataError::NoDataRows { path: path.clone() });
    }
    Ok(table)
}

/// A JSON object's members in the order written (serde_json's map sorts its keys unless its
/// `preserve_order` feature is on, which would reorder every map the report reads too).
struct Object(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Object {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Object, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = Object;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Object, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, serde_json::Value>()? {
                    members.push(member);
                }
                Ok(Object(members))
            }
        }
        d.deserialize_map(Members)
    }
}

/// A JSON value as the text the cleaner reads.
fn text_of(v: serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

impl JsonTable {
    /// Up to `n` non-empty values of each column of `cols`, from the first rows.
    pub(crate) fn sample(&self, cols: &[usize], n: usize) -> Vec<Vec<String>> {
        cols.iter()
            .map(|&c| {
                self.rows
                    .iter()
                    .take(n)
                    .filter_map(|r| r.get(c).cloned().flatten())
                    .filter(|v| !v.trim().is_empty())
                    .collect()
            })
            .collect()
    }

    /// Cleans every row into one partition (a row's local line is its line in the file).
    ///
    /// # Errors
    /// Arrow failures only.
    pub(crate) fn clean(
        &self,
        cleaner: &Cleaner,
        progress: Option<&crate::ingest::Progress>,
    ) -> Result<PartitionState> {
        let mut state = PartitionState::default();
        for start in (0..self.rows.len()).step_by(BLOCK_ROWS) {
            let end = (start + BLOCK_ROWS).min(self.rows.len());
            let faults: Vec<(usize, Fault)> =
                (start..end).filter(|r| self.bad.contains_key(r)).map(|r| (r - start, Fault::InvalidText)).collect();
            let block = JsonRows { table: self, start, end, faults };
            cleaner.process_rows(&block, &mut state)?;
            if let Some(p) = progress {
                p.fetch_add((end - start) as u64, std::sync::atomic::Ordering::Relaxed);
            }
        }
        state.lines = self.total_lines;
        Ok(state)
    }

    /// The rows at the wanted local lines, in the shape of a partition's reject batch with
    /// reason `duplicate_row`.
    ///
    /// # Errors
    /// Arrow failures only.
    pub(crate) fn collect_rows(&self, wanted: &HashSet<u64>) -> Result<Option<RecordBatch>> {
        let rows: Vec<usize> = (0..self.rows.len()).filter(|&r| wanted.contains(&self.lines[r])).collect();
        if rows.is_empty() {
            return Ok(None);
        }
        let all = JsonRows { table: self, start: 0, end: self.rows.len(), faults: Vec::new() };
        let mut mask = vec![false; self.rows.len()];
        rows.iter().for_each(|&r| mask[r] = true);
        let columns = all.reject_columns(&mask)?;
        let schema = partition_reject_schema(&self.columns);
        Ok(Some(duplicate_rejects(&schema, columns, rows.iter().map(|&r| self.lines[r]).collect())?))
    }
}

/// Rows `start..end` of a [`JsonTable`] as the cleaner reads them.
struct JsonRows<'t> {
    table: &'t JsonTable,
    start: usize,
    end: usize,
    faults: Vec<(usize, Fault)>,
}

impl RawRows for JsonRows<'_> {
    fn len(&self) -> usize {
        self.end - self.start
    }

    fn text(&self, col: usize, row: usize) -> Option<&str> {
        self.table.rows[self.start + row].get(col).and_then(|v| v.as_deref()).filter(|v| !v.is_empty())
    }

    fn local(&self, row: usize) -> u64 {
        self.table.lines[self.start + row]
    }

    fn row_hash(&self, row: usize, _buf: &mut Vec<u8>) -> u128 {
        self.table.hashes[self.start + row]
    }

    fn reject_columns(&self, mask: &[bool]) -> Result<Vec<ArrayRef>> {
        let rows: Vec<usize> = mask.iter().enumerate().filter(|(_, m)| **m).map(|(r, _)| r).collect();
        Ok((0..self.table.columns.len())
            .map(|col| {
                let values: StringArray = rows
                    .iter()
                    .map(|&r| {
                        let r = self.start + r;
                        match self.table.bad.get(&r) {
                            // a line that is not an object: its message in the first column
                            Some(m) if col == 0 => Some(m.as_str()),
                            _ => self.table.rows[r].get(col).and_then(|v| v.as_deref()),
                        }
                    })
                    .collect();
                Arc::new(values) as ArrayRef
            })
            .collect())
    }

    fn typed(&self) -> Typed<'_> {
        Typed::text()
    }

    fn faults(&self) -> &[(usize, Fault)] {
        &self.faults
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_text_and_bad_lines_are_rows() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("x.jsonl");
        let text = "\u{feff}{\"id\":\"a\",\"amount\":12.5}\n\n{\"id\":7,\"amount\":\"abc\",\"x\":[1]}\nnot json\n{\"id\":null,\"amount\":true}\n";
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let src = crate::source::open(&path, crate::source::Format::Json, &Default::default(), dir.path())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(supports(&src));
        let t = read(&src).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.columns, ["id", "amount", "x"]);
        assert_eq!(t.lines, [1, 3, 4, 5]);
        assert_eq!(t.total_lines, 5);
        assert_eq!(t.rows[0], [Some("a".to_string()), Some("12.5".to_string())]);
        assert_eq!(t.rows[1], [Some("7".to_string()), Some("abc".to_string()), Some("[1]".to_string())]);
        assert!(t.bad.contains_key(&2));
        assert_eq!(t.rows[3], [None, Some("true".to_string())]);
    }
}
