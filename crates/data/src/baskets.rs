//! Basket-per-line files, as the public market-basket data sets come: each line one basket, its
//! items separated by commas and taken exactly as written, no header.
//!
//! A file is taken for one when no header field maps to a transaction column and its lines vary
//! in length ([`looks_like_baskets`]). Items get ids in the order of their text, so the same file
//! gives the same ids however it is read. An empty line is a basket with no items: counted and
//! reported, never a basket (`empty_lines`), so the lines add up.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{DataError, Result};
use crate::mapping::{Role, normalize};

/// The baskets of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baskets {
    /// Item texts; an item's id is its index (ascending text order).
    pub items: Vec<String>,
    /// One basket per non-empty line, item ids in line order, repeats kept.
    pub baskets: Vec<Vec<u32>>,
    /// The file line of each basket (1-based).
    pub lines: Vec<u64>,
    /// Lines read.
    pub lines_read: u64,
    /// Empty lines (no basket).
    pub empty_lines: u64,
}

/// Reads a basket-per-line file (UTF-8; a line ending `\r\n` loses its `\r`).
///
/// # Errors
/// [`DataError::Io`] when it cannot be read; [`DataError::Unreadable`] when it is not UTF-8,
/// naming the line.
pub fn read_baskets(path: &Path) -> Result<Baskets> {
    let bytes = std::fs::read(path).map_err(DataError::io("read", path))?;
    let mut raw: Vec<(u64, Vec<&str>)> = Vec::new();
    let mut out = Baskets::default();
    // the newline that ends the last line starts no line
    let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    for (k, line) in body.split(|&b| b == b'\n').enumerate().filter(|_| !bytes.is_empty()) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let number = k as u64 + 1;
        out.lines_read += 1;
        let text = std::str::from_utf8(line).map_err(|e| DataError::Unreadable {
            path: path.to_path_buf(),
            message: format!("line {number} is not UTF-8 (byte {})", e.valid_up_to() + 1),
        })?;
        if text.is_empty() {
            out.empty_lines += 1;
            continue;
        }
        raw.push((number, text.split(',').collect()));
    }
    let mut ids: BTreeMap<&str, u32> = BTreeMap::new();
    for (_, items) in &raw {
        for i in items {
            ids.entry(i).or_insert(0);
        }
    }
    for (k, v) in ids.values_mut().enumerate() {
        *v = k as u32;
    }
    out.items = ids.keys().map(|s| s.to_string()).collect();
    for (line, items) in raw {
        out.lines.push(line);
        out.baskets.push(items.iter().map(|i| ids[i]).collect());
    }
    Ok(out)
}

/// Whether the first lines of a file read as baskets: no field of the first line is a
/// transaction column's name, and the lines do not all have the same number of fields.
pub fn looks_like_baskets(first_lines: &[&str]) -> bool {
    let Some(header) = first_lines.first() else { return false };
    let names_a_column = header.split(',').any(|f| {
        let f = normalize(f.trim());
        Role::ALL.iter().any(|r| r.synonyms().iter().any(|s| normalize(s) == f))
    });
    let widths: std::collections::BTreeSet<usize> =
        first_lines.iter().filter(|l| !l.is_empty()).map(|l| l.split(',').count()).collect();
    !names_a_column && widths.len() > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_baskets_exactly_as_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("groceries.csv");
        std::fs::write(&path, "milk,bread\r\nbread, jam,milk\n\nbeer\n").expect("write");
        let b = read_baskets(&path).expect("read");
        assert_eq!(b.items, vec![" jam", "beer", "bread", "milk"], "items as written, spaces kept");
        assert_eq!(b.baskets, vec![vec![3, 2], vec![2, 0, 3], vec![1]]);
        assert_eq!(b.lines, vec![1, 2, 4]);
        assert_eq!((b.lines_read, b.empty_lines), (4, 1));
        assert_eq!(b.lines_read, b.baskets.len() as u64 + b.empty_lines, "every line accounted for");
    }

    #[test]
    fn tells_baskets_from_a_transaction_log() {
        assert!(looks_like_baskets(&["milk,bread", "bread,jam,milk", "beer"]));
        assert!(!looks_like_baskets(&["customer_id,date,amount", "a,2024-01-01,5", "b,2024-01-02"]));
        assert!(!looks_like_baskets(&["milk,bread", "jam,beer"]), "all lines the same width");
    }
}
