//! The kept rows sorted by customer and cut into shards of whole customers, so that each shard's
//! aggregation runs on its own core with ordered input.
//!
//! Why: DataFusion's hash aggregation over the unordered table held ~10M (customer, day, order)
//! groups in one hash table per partition, then repartitioned them by hash and aggregated again
//! (the partial/final pair). With input sorted by customer, declared as the table's order,
//! DataFusion aggregates in streaming mode: a customer's groups are emitted as soon as the next
//! customer starts, so the hash table stays small (cache-resident) and no repartition is needed
//! because every customer lives in one shard.
//!
//! The sort is a stable counting sort on the dense customer code: rows of one customer keep
//! their input order, so the result (and everything computed from it) is deterministic.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{concat, take};
use datafusion::arrow::datatypes::{SchemaRef, UInt32Type};
use rayon::prelude::*;

use crate::error::Result;

/// Rows per batch handed to DataFusion (slices of the sorted columns; no copy).
const BATCH_ROWS: usize = 65_536;

/// `kept` (batches whose column 0 is the customer code, every code `< n_customers`) sorted by
/// customer, stably, and cut into at most `shards` row ranges of whole customers with about the
/// same number of rows. Each shard is a list of batches of at most [`BATCH_ROWS`] rows.
///
/// # Errors
/// Arrow failures only.
pub(crate) fn by_customer(
    schema: &SchemaRef,
    kept: Vec<RecordBatch>,
    n_customers: usize,
    shards: usize,
) -> Result<Vec<Vec<RecordBatch>>> {
    let total: usize = kept.iter().map(RecordBatch::num_rows).sum();
    if total == 0 {
        return Ok(Vec::new());
    }
    // where each customer's rows start in the sorted order
    let mut start = vec![0u32; n_customers + 1];
    for b in &kept {
        for &c in b.column(0).as_primitive::<UInt32Type>().values() {
            start[c as usize + 1] += 1;
        }
    }
    for i in 0..n_customers {
        start[i + 1] += start[i];
    }
    let cuts = shard_cuts(&start, shards);
    // gather index: sorted position -> input position
    let mut next = start;
    let mut src = vec![0u32; total];
    let mut g = 0u32;
    for b in &kept {
        for &c in b.column(0).as_primitive::<UInt32Type>().values() {
            let slot = &mut next[c as usize];
            src[*slot as usize] = g;
            *slot += 1;
            g += 1;
        }
    }
    drop(next);
    let src = UInt32Array::from(src);
    // column by column, so the unsorted copy of a column is freed once its sorted copy exists
    let n_cols = schema.fields().len();
    let mut by_column: Vec<Vec<ArrayRef>> =
        (0..n_cols).map(|j| kept.iter().map(|b| b.column(j).clone()).collect()).collect();
    drop(kept);
    let sorted: Vec<ArrayRef> = by_column
        .par_iter_mut()
        .map(|parts| -> Result<ArrayRef> {
            let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
            let whole = concat(&refs)?;
            parts.clear();
            Ok(take(whole.as_ref(), &src, None)?)
        })
        .collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(cuts.len() - 1);
    for w in cuts.windows(2) {
        let (lo, hi) = (w[0], w[1]);
        let mut batches = Vec::new();
        let mut at = lo;
        while at < hi {
            let len = BATCH_ROWS.min(hi - at);
            let columns = sorted.iter().map(|c| c.slice(at, len)).collect();
            batches.push(RecordBatch::try_new(schema.clone(), columns)?);
            at += len;
        }
        out.push(batches);
    }
    Ok(out)
}

/// Row positions `0 = r_0 < r_1 < ... < r_k = total` cutting the sorted rows into at most
/// `shards` ranges at customer boundaries (`start[c]` is where customer `c` starts), each about
/// `total / shards` rows; empty ranges are dropped.
fn shard_cuts(start: &[u32], shards: usize) -> Vec<usize> {
    let total = *start.last().unwrap_or(&0) as usize;
    let shards = shards.max(1);
    let mut cuts = vec![0usize];
    for k in 1..shards {
        let target = (total * k / shards) as u32;
        // the first customer boundary at or after the target
        let at = start.partition_point(|&s| s < target);
        let pos = start.get(at).map_or(total, |&s| s as usize);
        if pos > *cuts.last().unwrap_or(&0) && pos < total {
            cuts.push(pos);
        }
    }
    cuts.push(total);
    cuts
}

/// Whether column 0 (a customer code) never decreases across `batches`.
pub(crate) fn sorted_by_customer(batches: &[RecordBatch]) -> bool {
    let mut last = 0u32;
    for b in batches {
        let Some(c) = b.column(0).as_primitive_opt::<UInt32Type>() else { return false };
        if c.null_count() > 0 {
            return false;
        }
        for &v in c.values() {
            if v < last {
                return false;
            }
            last = v;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int32Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("customer", DataType::UInt32, false),
            Field::new("day", DataType::Int32, true),
        ]))
    }

    fn batch(codes: &[u32], days: &[Option<i32>]) -> RecordBatch {
        RecordBatch::try_new(
            schema(),
            vec![Arc::new(UInt32Array::from(codes.to_vec())), Arc::new(Int32Array::from(days.to_vec()))],
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn rows(shards: &[Vec<RecordBatch>]) -> Vec<Vec<(u32, Option<i32>)>> {
        shards
            .iter()
            .map(|s| {
                s.iter()
                    .flat_map(|b| {
                        let c = b.column(0).as_primitive::<UInt32Type>().clone();
                        let d = b.column(1).as_primitive::<datafusion::arrow::datatypes::Int32Type>().clone();
                        (0..b.num_rows()).map(move |i| (c.value(i), (!d.is_null(i)).then(|| d.value(i))))
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn stable_sort_and_whole_customers_per_shard() {
        let kept = vec![
            batch(&[2, 0, 1, 2], &[Some(1), Some(2), None, Some(4)]),
            batch(&[0, 3, 2], &[Some(5), Some(6), None]),
        ];
        let shards = by_customer(&schema(), kept, 4, 2).unwrap_or_else(|e| panic!("{e}"));
        // 7 rows: customer 0 (2 rows), 1 (1), 2 (3), 3 (1); the cut goes at the first customer
        // boundary at or after row 3, which is where customer 2 starts
        assert_eq!(
            rows(&shards),
            vec![
                vec![(0, Some(2)), (0, Some(5)), (1, None)],
                vec![(2, Some(1)), (2, Some(4)), (2, None), (3, Some(6))],
            ]
        );
        assert!(shards.iter().all(|s| sorted_by_customer(s)));
    }

    #[test]
    fn cuts_never_split_a_customer_and_drop_empty_shards() {
        // one customer with every row: one shard whatever is asked
        assert_eq!(shard_cuts(&[0, 10], 4), vec![0, 10]);
        // four customers of 5 rows, asked for 2 shards
        assert_eq!(shard_cuts(&[0, 5, 10, 15, 20], 2), vec![0, 10, 20]);
        assert_eq!(shard_cuts(&[0, 5, 10, 15, 20], 1), vec![0, 20]);
        assert!(!sorted_by_customer(&[batch(&[1, 0], &[None, None])]));
    }
}
