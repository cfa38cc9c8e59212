//! Writes the synthetic log of [`custseg_core::synth`] as CSV or Parquet, generating chunks in
//! parallel and writing them in order (the bytes do not depend on the thread count).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use custseg_core::synth::{CATEGORIES, CHANNELS, SynthParams, SynthRow, generate_chunk, n_chunks};
use datafusion::arrow::array::{ArrayRef, Float64Builder, Int64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use rayon::prelude::*;

use crate::error::{DataError, Result};
use crate::parse::civil_from_days;
use crate::sink::Sink;

/// Output format of `generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynthFormat {
    /// CSV with header `customer_id,order_id,order_date,amount,quantity,category,channel` (and
    /// `discount` with [`SynthParams::discounts`]).
    Csv,
    /// Parquet with the same columns (date as text, amount as double).
    Parquet,
}

/// Chunks generated in parallel before being written.
const WAVE: u64 = 16;

/// Generates the log and writes it atomically to `path` through `sink`; returns the number of
/// rows.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_synth(params: &SynthParams, path: &Path, format: SynthFormat, sink: Sink) -> Result<u64> {
    let total = n_chunks(params);
    let mut rows = 0u64;
    match format {
        SynthFormat::Csv => sink.atomic(path, |w| {
            let header: &[u8] = if params.discounts {
                b"customer_id,order_id,order_date,amount,quantity,category,channel,discount\n"
            } else {
                b"customer_id,order_id,order_date,amount,quantity,category,channel\n"
            };
            w.write_all(header).map_err(DataError::io("write", path))?;
            let mut start = 0;
            while start < total {
                let end = (start + WAVE).min(total);
                let parts: Vec<(u64, Vec<u8>)> = (start..end)
                    .into_par_iter()
                    .map(|c| {
                        let chunk = generate_chunk(params, c);
                        (chunk.len() as u64, csv_bytes(&chunk, params.discounts))
                    })
                    .collect();
                for (n, bytes) in parts {
                    rows += n;
                    w.write_all(&bytes).map_err(DataError::io("write", path))?;
                }
                start = end;
            }
            Ok(())
        })?,
        SynthFormat::Parquet => {
            let mut fields = vec![
                Field::new("customer_id", DataType::Utf8, false),
                Field::new("order_id", DataType::Utf8, false),
                Field::new("order_date", DataType::Utf8, false),
                Field::new("amount", DataType::Float64, false),
                Field::new("quantity", DataType::Int64, false),
                Field::new("category", DataType::Utf8, false),
                Field::new("channel", DataType::Utf8, false),
            ];
            if params.discounts {
                fields.push(Field::new("discount", DataType::Float64, false));
            }
            let schema = Arc::new(Schema::new(fields));
            sink.atomic(path, |w| {
                let mut writer = datafusion::parquet::arrow::ArrowWriter::try_new(w, schema.clone(), None)
                    .map_err(|e| DataError::Unreadable { path: path.to_path_buf(), message: e.to_string() })?;
                let mut start = 0;
                while start < total {
                    let end = (start + WAVE).min(total);
                    let parts: Vec<Result<RecordBatch>> =
                        (start..end).into_par_iter().map(|c| batch(&schema, &generate_chunk(params, c))).collect();
                    for b in parts {
                        let b = b?;
                        rows += b.num_rows() as u64;
                        writer
                            .write(&b)
                            .map_err(|e| DataError::Unreadable { path: path.to_path_buf(), message: e.to_string() })?;
                    }
                    start = end;
                }
                writer
                    .close()
                    .map_err(|e| DataError::Unreadable { path: path.to_path_buf(), message: e.to_string() })?;
                Ok(())
            })?;
        }
    }
    Ok(rows)
}

fn order_id(r: &SynthRow) -> String {
    format!("{}{:07}-{}", if r.is_return { 'C' } else { 'O' }, r.customer + 1, r.order + 1)
}

fn date(day: i32) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

fn csv_bytes(rows: &[SynthRow], discounts: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 64);
    for r in rows {
        let _ = write!(
            out,
            "C{:07},{},{},{},{},{},{}",
            r.customer + 1,
            order_id(r),
            date(r.day),
            money(r.amount_cents),
            if r.is_return { -(r.quantity as i64) } else { r.quantity as i64 },
            CATEGORIES[r.category as usize],
            CHANNELS[r.channel as usize]
        );
        if discounts {
            let _ = write!(out, ",{}", money(r.discount_cents));
        }
        out.push(b'\n');
    }
    out
}

fn batch(schema: &Arc<Schema>, rows: &[SynthRow]) -> Result<RecordBatch> {
    let mut customer = StringBuilder::new();
    let mut order = StringBuilder::new();
    let mut day = StringBuilder::new();
    let mut amount = Float64Builder::new();
    let mut quantity = Int64Builder::new();
    let mut category = StringBuilder::new();
    let mut channel = StringBuilder::new();
    let mut discount = Float64Builder::new();
    for r in rows {
        discount.append_value(r.discount_cents as f64 / 100.0);
        customer.append_value(format!("C{:07}", r.customer + 1));
        order.append_value(order_id(r));
        day.append_value(date(r.day));
        amount.append_value(r.amount_cents as f64 / 100.0);
        quantity.append_value(if r.is_return { -(r.quantity as i64) } else { r.quantity as i64 });
        category.append_value(CATEGORIES[r.category as usize]);
        channel.append_value(CHANNELS[r.channel as usize]);
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(customer.finish()),
        Arc::new(order.finish()),
        Arc::new(day.finish()),
        Arc::new(amount.finish()),
        Arc::new(quantity.finish()),
        Arc::new(category.finish()),
        Arc::new(channel.finish()),
    ];
    if schema.fields().len() > columns.len() {
        columns.push(Arc::new(discount.finish()));
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Writes the customer master file that goes with the synthetic log of `params` (see
/// [`custseg_core::synth::master`]): `customer_id,industry,employees,annual_revenue,region,
/// category_budget`, buyers first, then prospects. Returns the number of rows.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_synth_master(params: &SynthParams, path: &Path, sink: Sink) -> Result<u64> {
    use custseg_core::synth::master::master_chunk;
    let total = n_chunks(params);
    let mut rows = 0u64;
    let mut prospects: Vec<u8> = Vec::new();
    sink.atomic(path, |w| {
        w.write_all(b"customer_id,industry,employees,annual_revenue,region,category_budget\n")
            .map_err(DataError::io("write", path))?;
        let mut start = 0;
        while start < total {
            let end = (start + WAVE).min(total);
            let parts: Vec<Vec<custseg_core::synth::master::SynthCustomer>> =
                (start..end).into_par_iter().map(|c| master_chunk(params, c, &generate_chunk(params, c))).collect();
            for part in parts {
                for m in part {
                    rows += 1;
                    let line = format!(
                        "C{:07},{},{},{:.0},{},{}\n",
                        m.customer + 1,
                        m.industry,
                        m.employees,
                        m.annual_revenue,
                        m.region,
                        m.category_budget.map(|b| format!("{b:.0}")).unwrap_or_default()
                    );
                    // buyers in id order first, prospects (higher ids) after all of them
                    if m.customer < params.n_customers {
                        w.write_all(line.as_bytes()).map_err(DataError::io("write", path))?;
                    } else {
                        prospects.extend_from_slice(line.as_bytes());
                    }
                }
            }
            start = end;
        }
        w.write_all(&prospects).map_err(DataError::io("write", path))
    })?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_dates_format() {
        assert_eq!(money(2933), "29.33");
        assert_eq!(money(-5), "-0.05");
        assert_eq!(date(9862), "1997-01-01");
    }
}
