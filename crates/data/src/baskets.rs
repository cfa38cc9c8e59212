//! Basket-per-line files, as the public market-basket data sets come: each line one basket, its
//! items separated by commas and taken exactly as written, no header.
//!
//! A file is taken for one when no header field maps to a transaction column and its lines vary
//! in length ([`looks_like_baskets`]). Items get ids in the order of their text, so the same file
//! gives the same ids however it is read. An empty line is a basket with no items: counted and
//! reported, never a basket (`empty_lines`), so the lines add up.

use std::collections::BTreeMap;
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::datatypes::{Int32Type, UInt32Type, UInt64Type};
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{DataError, Result};
use crate::ingest::Names;
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

/// Whether the file at `path` reads as baskets ([`looks_like_baskets`] on its first 20 lines); a
/// directory, an empty file or text that is not UTF-8 does not.
///
/// # Errors
/// [`DataError::Io`] when the file cannot be read.
pub fn sniff(path: &Path) -> Result<bool> {
    use std::io::Read;
    if path.is_dir() {
        return Ok(false);
    }
    let mut head = Vec::with_capacity(1 << 16);
    std::fs::File::open(path)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
        .map_err(DataError::io("read", path))?;
    let full = head.len() == 1 << 16;
    let text = match std::str::from_utf8(&head) {
        Ok(t) => t,
        // a character cut at the end of what was read
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
        Err(_) => return Ok(false),
    };
    let mut lines: Vec<&str> = text.lines().collect();
    if full {
        // the last line may be cut short
        lines.pop();
    }
    lines.truncate(20);
    Ok(looks_like_baskets(&lines))
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

/// The kept-table column holding a basket's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemColumn {
    /// The product.
    Product,
    /// The category.
    Category,
}

/// Baskets and what they were made of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Orders {
    /// The item kind the baskets hold (`product`, `category`; `item` for a basket file).
    pub kind: &'static str,
    /// Item names; an item's id indexes this (names ascending).
    pub items: Vec<String>,
    /// Each basket's items: distinct, ascending. Ordered by customer, then day, then order.
    pub baskets: Vec<Vec<u32>>,
    /// Per basket, its customer (a code into `customers`) and day; empty for a basket file.
    pub owner: Vec<(u32, i32)>,
    /// Customer ids (a code indexes this).
    pub customers: Vec<String>,
    /// How the rows became baskets.
    pub rows: RowUse,
}

/// How the input's kept rows (or lines) were used: `in_baskets + returns + without_item = kept`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RowUse {
    /// Kept rows (lines of a basket file).
    pub kept: u64,
    /// Rows (lines) in a basket.
    pub in_baskets: u64,
    /// Kept return rows: not purchases.
    pub returns: u64,
    /// Rows without an item (empty lines of a basket file).
    pub without_item: u64,
}

impl Orders {
    /// Whether the baskets have customers (a transaction log, not a basket file).
    pub fn has_customers(&self) -> bool {
        !self.owner.is_empty()
    }
}

/// The baskets of the kept transactions (batches of [`crate::clean::kept_schema`], codes into
/// `names`), their items from the `item` column. An order id makes a
/// basket (with the day of its first row); without one, a customer's day does.
pub fn from_kept(kept: &[Vec<RecordBatch>], names: &Names, item: ItemColumn) -> Orders {
    let (column, kind) = match item {
        ItemColumn::Product => (8, "product"),
        ItemColumn::Category => (5, "category"),
    };
    let mut rows = RowUse::default();
    // (customer, order key, day, item); the key is the order id's hash, or the day with the top
    // bit set when a row has no order id
    let mut lines: Vec<(u32, u64, i32, u32)> = Vec::new();
    for b in kept.iter().flatten() {
        let customer = b.column(0).as_primitive::<UInt32Type>();
        let day = b.column(1).as_primitive::<Int32Type>();
        let order = b.column(3).as_primitive::<UInt64Type>();
        let is_return: &BooleanArray = b.column(4).as_boolean();
        let item = b.column(column).as_primitive::<UInt32Type>();
        rows.kept += b.num_rows() as u64;
        for r in 0..b.num_rows() {
            if is_return.value(r) {
                rows.returns += 1;
                continue;
            }
            if item.is_null(r) {
                rows.without_item += 1;
                continue;
            }
            rows.in_baskets += 1;
            let d = day.value(r);
            let key = if order.is_null(r) { (1 << 63) | u64::from(d as u32) } else { order.value(r) };
            lines.push((customer.value(r), key, d, item.value(r)));
        }
    }
    lines.par_sort_unstable();
    // one basket per (customer, key): its day the first, its items distinct
    let mut found: Vec<(u32, i32, u64, Vec<u32>)> = Vec::new();
    for &(c, key, d, item) in &lines {
        match found.last_mut() {
            Some((lc, ld, lk, items)) if *lc == c && *lk == key => {
                *ld = (*ld).min(d);
                items.push(item);
            }
            _ => found.push((c, d, key, vec![item])),
        }
    }
    drop(lines);
    found.par_iter_mut().for_each(|(_, _, _, items)| {
        items.sort_unstable();
        items.dedup();
    });
    found.par_sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    let items = match kind {
        "product" => names.products.clone(),
        _ => names.categories.clone(),
    };
    let (owner, baskets) = found.into_iter().map(|(c, d, _, items)| ((c, d), items)).unzip();
    Orders { kind, items, baskets, owner, customers: names.customers.clone(), rows }
}

/// The baskets of a basket-per-line file: items exactly as written, no customers.
///
/// # Errors
/// The file cannot be read or is not UTF-8.
pub fn from_file(path: &Path) -> Result<Orders> {
    let b = read_baskets(path)?;
    let in_baskets = b.lines.len() as u64;
    let baskets = b
        .baskets
        .into_par_iter()
        .map(|mut items| {
            items.sort_unstable();
            items.dedup();
            items
        })
        .collect();
    Ok(Orders {
        kind: "item",
        items: b.items,
        baskets,
        owner: Vec::new(),
        customers: Vec::new(),
        rows: RowUse { kept: b.lines_read, in_baskets, returns: 0, without_item: b.empty_lines },
    })
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
