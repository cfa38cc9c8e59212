//! Reading a run's own outputs back into plain [`Table`]s, for the report (`custseg report DIR`
//! rebuilds it from the files alone, so `run` and `report` produce the same bytes).
//!
//! Parquet columns keep their types (text, integers, floats, dates); CSV files are read with
//! every column as text (ids such as `0001` must stay text), and the caller parses numbers.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::csv::ReaderBuilder;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Field, Float32Type, Float64Type, Int32Type, Int64Type, Schema, UInt32Type, UInt64Type,
};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{DataError, Result};
use crate::sink::{Column, Table};
use crate::source::split_record;

/// Reads a Parquet file written by custseg into a table, keeping only `columns` that exist (all
/// columns when `columns` is empty), in file order.
///
/// # Errors
/// [`DataError::Io`] / [`DataError::Unreadable`] naming the file.
pub fn read_parquet(path: &Path, columns: &[&str]) -> Result<Table> {
    let unreadable =
        |e: &dyn std::fmt::Display| DataError::Unreadable { path: path.to_path_buf(), message: e.to_string() };
    let file = File::open(path).map_err(DataError::io("open", path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| unreadable(&e))?;
    let schema = builder.schema().clone();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| columns.is_empty() || columns.contains(&schema.field(i).name().as_str()))
        .collect();
    let mask = datafusion::parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), keep.iter().copied());
    let reader = builder.with_projection(mask).with_batch_size(65_536).build().map_err(|e| unreadable(&e))?;
    let mut batches = Vec::new();
    for b in reader {
        batches.push(b.map_err(|e| unreadable(&e))?);
    }
    let projected = Arc::new(schema.project(&keep)?);
    table_of(&projected, &batches).map_err(|m| unreadable(&m))
}

/// Reads a CSV file written by custseg (comma-separated, header row, UTF-8) with every column
/// as text; empty fields are missing values.
///
/// # Errors
/// [`DataError::Io`] / [`DataError::Unreadable`] naming the file.
pub fn read_csv_text(path: &Path) -> Result<Table> {
    let unreadable =
        |e: &dyn std::fmt::Display| DataError::Unreadable { path: path.to_path_buf(), message: e.to_string() };
    let text = std::fs::read_to_string(path).map_err(DataError::io("read", path))?;
    let header = text.lines().next().ok_or_else(|| unreadable(&"empty file"))?;
    let names = split_record(header, b',');
    let schema = Arc::new(Schema::new(names.iter().map(|n| Field::new(n, DataType::Utf8, true)).collect::<Vec<_>>()));
    let reader = ReaderBuilder::new(schema.clone())
        .with_header(true)
        .with_batch_size(65_536)
        .build(std::io::Cursor::new(text.as_bytes()))
        .map_err(|e| unreadable(&e))?;
    let mut batches = Vec::new();
    for b in reader {
        batches.push(b.map_err(|e| unreadable(&e))?);
    }
    table_of(&schema, &batches).map_err(|m| unreadable(&m))
}

fn table_of(schema: &Schema, batches: &[RecordBatch]) -> std::result::Result<Table, String> {
    let mut table = Table::default();
    for (k, field) in schema.fields().iter().enumerate() {
        let column = match field.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Column::Str(collect(batches, k, |a, r| {
                if let Some(s) = a.as_string_opt::<i32>() {
                    Some(s.value(r).to_string())
                } else if let Some(s) = a.as_string_opt::<i64>() {
                    Some(s.value(r).to_string())
                } else {
                    a.as_string_view_opt().map(|s| s.value(r).to_string())
                }
            })),
            DataType::Int64 => Column::Int(collect(batches, k, |a, r| Some(a.as_primitive::<Int64Type>().value(r)))),
            DataType::Int32 => {
                Column::Int(collect(batches, k, |a, r| Some(i64::from(a.as_primitive::<Int32Type>().value(r)))))
            }
            DataType::UInt32 => {
                Column::Int(collect(batches, k, |a, r| Some(i64::from(a.as_primitive::<UInt32Type>().value(r)))))
            }
            DataType::UInt64 => {
                Column::Int(collect(batches, k, |a, r| i64::try_from(a.as_primitive::<UInt64Type>().value(r)).ok()))
            }
            DataType::Float64 => {
                Column::Float(collect(batches, k, |a, r| Some(a.as_primitive::<Float64Type>().value(r))))
            }
            DataType::Float32 => {
                Column::Float(collect(batches, k, |a, r| Some(f64::from(a.as_primitive::<Float32Type>().value(r)))))
            }
            DataType::Date32 => Column::Date(collect(batches, k, |a, r| Some(a.as_primitive::<Date32Type>().value(r)))),
            other => return Err(format!("column {} has type {other}, which custseg does not write", field.name())),
        };
        table.push(field.name().clone(), column);
    }
    Ok(table)
}

fn collect<T>(batches: &[RecordBatch], k: usize, value: impl Fn(&dyn Array, usize) -> Option<T>) -> Vec<Option<T>> {
    let mut out = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for b in batches {
        let a = b.column(k).as_ref();
        for r in 0..a.len() {
            out.push(if a.is_null(r) { None } else { value(a, r) });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::Sink;

    fn sample() -> Table {
        let mut t = Table::default();
        t.push("id", Column::Str(vec![Some("0001".into()), Some("0002".into()), None]));
        t.push("n", Column::Int(vec![Some(3), None, Some(-1)]));
        t.push("x", Column::Float(vec![Some(1.5), Some(f64::NAN), None]));
        t.push("d", Column::Date(vec![Some(0), Some(10_000), None]));
        t.push("seg", Column::Codes { labels: vec!["a".into(), "b, c".into()], codes: vec![Some(1), None, Some(0)] });
        t
    }

    #[test]
    fn parquet_round_trip_keeps_types_and_selects_columns() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.parquet");
        let batch = sample().into_batch().expect("batch");
        Sink::default().parquet(&path, batch.schema(), &[batch]).expect("write");
        let all = read_parquet(&path, &[]).expect("read");
        assert_eq!(all.names, ["id", "n", "x", "d", "seg"]);
        assert_eq!(all.columns[0], Column::Str(vec![Some("0001".into()), Some("0002".into()), None]));
        assert_eq!(all.columns[1], Column::Int(vec![Some(3), None, Some(-1)]));
        assert_eq!(all.columns[3], Column::Date(vec![Some(0), Some(10_000), None]));
        assert_eq!(all.columns[4], Column::Str(vec![Some("b, c".into()), None, Some("a".into())]));
        let some = read_parquet(&path, &["seg", "n", "missing"]).expect("read");
        assert_eq!(some.names, ["n", "seg"]);
    }

    #[test]
    fn csv_reads_every_column_as_text() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.csv");
        let t = sample();
        let batch = t.into_batch().expect("batch");
        Sink::default().csv(&path, &batch.schema(), &[batch]).expect("write");
        let back = read_csv_text(&path).expect("read");
        assert_eq!(back.names, ["id", "n", "x", "d", "seg"]);
        assert_eq!(back.columns[0], Column::Str(vec![Some("0001".into()), Some("0002".into()), None]));
        assert_eq!(back.columns[1], Column::Str(vec![Some("3".into()), None, Some("-1".into())]));
        assert_eq!(back.columns[3], Column::Str(vec![Some("1970-01-01".into()), Some("1997-05-19".into()), None]));
        assert_eq!(back.columns[4], Column::Str(vec![Some("b, c".into()), None, Some("a".into())]));
    }

    #[test]
    fn missing_files_name_the_path() {
        let err = read_csv_text(Path::new("/nonexistent/segments.csv")).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/segments.csv"), "{err}");
        let err = read_parquet(Path::new("/nonexistent/c.parquet"), &[]).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/c.parquet"), "{err}");
    }
}
