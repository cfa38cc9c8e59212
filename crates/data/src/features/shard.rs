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

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, ArrowPrimitiveType, AsArray, BooleanArray, PrimitiveArray, RecordBatch,
};
use datafusion::arrow::buffer::{BooleanBuffer, NullBuffer};
use datafusion::arrow::compute::concat;
use datafusion::arrow::datatypes::{DataType, Int32Type, Int64Type, SchemaRef, UInt32Type, UInt64Type};
use rayon::prelude::*;

use crate::error::Result;

/// Rows per batch handed to DataFusion (slices of the sorted columns; no copy).
const BATCH_ROWS: usize = 65_536;

/// `kept` (batches whose column 0 is the customer code, every code `< n_customers`) sorted by
/// customer, stably, and cut into at most `shards` row ranges of whole customers with about the
/// same number of rows. Each shard is a list of batches of at most [`BATCH_ROWS`] rows.
///
/// Rows that already arrive sorted by customer (a log exported customer by customer) are only
/// cut, not copied. Otherwise every row is written straight to its sorted place, column by
/// column (one pass over the input, no concatenated copy).
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
    if sorted_by_customer(&kept) {
        return cut(schema, &kept, &cuts);
    }
    // scatter index: input position -> sorted position
    let mut next = start;
    let mut dst = Vec::with_capacity(total);
    for b in &kept {
        for &c in b.column(0).as_primitive::<UInt32Type>().values() {
            let slot = &mut next[c as usize];
            dst.push(*slot);
            *slot += 1;
        }
    }
    drop(next);
    // column by column, so the unsorted copy of a column is freed once its sorted copy exists
    let n_cols = schema.fields().len();
    let mut by_column: Vec<Vec<ArrayRef>> =
        (0..n_cols).map(|j| kept.iter().map(|b| b.column(j).clone()).collect()).collect();
    drop(kept);
    let sorted: Vec<ArrayRef> = by_column
        .par_iter_mut()
        .map(|parts| -> Result<ArrayRef> {
            let sorted = scatter(parts, &dst)?;
            parts.clear();
            Ok(sorted)
        })
        .collect::<Result<_>>()?;
    let whole = RecordBatch::try_new(schema.clone(), sorted)?;
    cut(schema, std::slice::from_ref(&whole), &cuts)
}

/// `batches` (together `cuts.last()` rows) cut at the row positions `cuts` into shards of
/// zero-copy slices of at most [`BATCH_ROWS`] rows.
fn cut(schema: &SchemaRef, batches: &[RecordBatch], cuts: &[usize]) -> Result<Vec<Vec<RecordBatch>>> {
    let mut out = Vec::with_capacity(cuts.len().saturating_sub(1));
    for w in cuts.windows(2) {
        let (lo, hi) = (w[0], w[1]);
        let mut shard = Vec::new();
        // batch b covers rows [first, first + len)
        let mut first = 0;
        for b in batches {
            let len = b.num_rows();
            let (from, to) = (lo.max(first), hi.min(first + len));
            let mut at = from;
            while at < to {
                let n = BATCH_ROWS.min(to - at);
                shard.push(RecordBatch::try_new(schema.clone(), b.slice(at - first, n).columns().to_vec())?);
                at += n;
            }
            first += len;
        }
        out.push(shard);
    }
    Ok(out)
}

/// The column whose pieces are `parts` with row `g` (counted across the pieces) moved to
/// `dst[g]`; `dst` is a permutation.
fn scatter(parts: &[ArrayRef], dst: &[u32]) -> Result<ArrayRef> {
    let Some(first) = parts.first() else { return Ok(concat(&[])?) };
    // the kept table's column types
    Ok(match first.data_type() {
        DataType::UInt32 => scatter_primitive::<UInt32Type>(parts, dst),
        DataType::Int32 => scatter_primitive::<Int32Type>(parts, dst),
        DataType::Int64 => scatter_primitive::<Int64Type>(parts, dst),
        DataType::UInt64 => scatter_primitive::<UInt64Type>(parts, dst),
        DataType::Boolean => {
            let mut values = vec![false; dst.len()];
            let nulls = scatter_nulls(parts, dst);
            let mut g = 0;
            for p in parts {
                for v in p.as_boolean().values() {
                    values[dst[g] as usize] = v;
                    g += 1;
                }
            }
            Arc::new(BooleanArray::new(BooleanBuffer::from(values), nulls))
        }
        other => {
            return Err(crate::error::DataError::engine("sorting rows by customer")(
                datafusion::error::DataFusionError::Internal(format!("no scatter for a {other} column")),
            ));
        }
    })
}

fn scatter_primitive<T: ArrowPrimitiveType>(parts: &[ArrayRef], dst: &[u32]) -> ArrayRef {
    let mut values = vec![T::Native::default(); dst.len()];
    let nulls = scatter_nulls(parts, dst);
    let mut g = 0;
    for p in parts {
        for &v in p.as_primitive::<T>().values() {
            values[dst[g] as usize] = v;
            g += 1;
        }
    }
    Arc::new(PrimitiveArray::<T>::new(values.into(), nulls))
}

/// The validity of the scattered column, `None` when no piece has a null.
fn scatter_nulls(parts: &[ArrayRef], dst: &[u32]) -> Option<NullBuffer> {
    if parts.iter().all(|p| p.null_count() == 0) {
        return None;
    }
    let mut valid = vec![true; dst.len()];
    let mut g = 0;
    for p in parts {
        for k in 0..p.len() {
            valid[dst[g] as usize] = p.is_valid(k);
            g += 1;
        }
    }
    Some(NullBuffer::from(valid))
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
    never_decreases::<UInt32Type>(batches, 0)
}

/// Whether column `column` (of type `T`, without nulls) never decreases across `batches`.
pub(crate) fn never_decreases<T: ArrowPrimitiveType>(batches: &[RecordBatch], column: usize) -> bool
where
    T::Native: PartialOrd,
{
    let mut last: Option<T::Native> = None;
    for b in batches {
        let Some(c) = b.column(column).as_primitive_opt::<T>() else { return false };
        let v = c.values();
        if c.null_count() > 0 || !v.is_sorted() || last.zip(v.first()).is_some_and(|(l, &f)| f < l) {
            return false;
        }
        last = v.last().copied().or(last);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, UInt32Array};
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
    fn sorted_input_is_cut_inside_batches_without_copying() {
        let kept = vec![
            batch(&[0, 0, 1], &[Some(1), Some(2), None]),
            batch(&[1, 2, 2, 3], &[Some(4), Some(5), Some(6), None]),
        ];
        let day =
            |b: &RecordBatch| b.column(1).as_primitive::<datafusion::arrow::datatypes::Int32Type>().values().as_ptr();
        let second_row_of_batch_1 = day(&kept[1]).wrapping_add(1);
        let shards = by_customer(&schema(), kept, 4, 2).unwrap_or_else(|e| panic!("{e}"));
        // customers 0, 1, 2, 3 with 2, 2, 2, 1 rows: the cut is where customer 2 starts (row 4),
        // inside the second batch
        assert_eq!(
            rows(&shards),
            vec![
                vec![(0, Some(1)), (0, Some(2)), (1, None), (1, Some(4))],
                vec![(2, Some(5)), (2, Some(6)), (3, None)],
            ]
        );
        // the second shard is a slice of the input's second batch, not a copy
        assert_eq!(day(&shards[1][0]), second_row_of_batch_1);
    }

    #[test]
    fn every_kept_column_type_moves_with_its_row() {
        use crate::clean::feature_schema as kept_schema;
        use datafusion::arrow::array::{BooleanArray, Int64Array, UInt64Array};
        use datafusion::arrow::compute::take;
        let schema = kept_schema();
        let part = |codes: &[u32], k: i64| {
            let n = codes.len();
            let opt = |i: usize| (!i.is_multiple_of(3)).then_some(i as u32 + 10);
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(UInt32Array::from(codes.to_vec())),
                    Arc::new(Int32Array::from((0..n as i32).map(|i| i * 7 + k as i32).collect::<Vec<_>>())),
                    Arc::new(Int64Array::from((0..n as i64).map(|i| i * 100 - k).collect::<Vec<_>>())),
                    Arc::new(UInt64Array::from(
                        (0..n).map(|i| i.is_multiple_of(2).then_some(i as u64 * 3 + k as u64)).collect::<Vec<_>>(),
                    )),
                    Arc::new(BooleanArray::from((0..n).map(|i| i % 4 == 1).collect::<Vec<_>>())),
                    Arc::new(UInt32Array::from((0..n).map(opt).collect::<Vec<_>>())),
                    Arc::new(UInt32Array::from((0..n).map(|i| opt(i + 1)).collect::<Vec<_>>())),
                    Arc::new(BooleanArray::from(
                        (0..n).map(|i| (!i.is_multiple_of(5)).then_some(i.is_multiple_of(2))).collect::<Vec<_>>(),
                    )),
                ],
            )
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let kept = vec![part(&[3, 1, 4, 1, 5, 0, 2], 1), part(&[6, 5, 3, 5, 0], 2)];
        // the expected order: a stable sort of the rows by customer code, through Arrow's take
        let codes: Vec<u32> =
            kept.iter().flat_map(|b| b.column(0).as_primitive::<UInt32Type>().values().to_vec()).collect();
        let mut src: Vec<u32> = (0..codes.len() as u32).collect();
        src.sort_by_key(|&g| codes[g as usize]);
        let src = UInt32Array::from(src);
        let expected: Vec<ArrayRef> = (0..schema.fields().len())
            .map(|j| {
                let parts: Vec<&dyn Array> = kept.iter().map(|b| b.column(j).as_ref()).collect();
                take(concat(&parts).unwrap_or_else(|e| panic!("{e}")).as_ref(), &src, None)
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        let shards = by_customer(&schema, kept, 7, 1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(shards.len(), 1);
        for (j, want) in expected.iter().enumerate() {
            let got: Vec<&dyn Array> = shards[0].iter().map(|b| b.column(j).as_ref()).collect();
            let got = concat(&got).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&got.to_data(), &want.to_data(), "column {j}");
        }
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
