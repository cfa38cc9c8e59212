//! Group keys packed into one integer column, so DataFusion groups on a single primitive.
//!
//! Why: a GROUP BY on several columns runs through DataFusion's `GroupValuesColumn`, which
//! compares the key column by column, and with ordered input (our shards are sorted by
//! customer) takes a row-at-a-time streaming path. On the 100K-customer bench log the three
//! multi-column GROUP BYs of the aggregation took 1.2 G of the run's 8.2 G instructions. One
//! integer column goes through `GroupValuesPrimitive` instead: one hash and one comparison per
//! row.
//!
//! The keys, each an exact (collision-free) packing of the columns it stands for:
//! - `cd` (`UInt64`): customer and day, order-preserving ([`customer_day`]). The day levels
//!   group on it when the shard's rows are in (customer, day) order (checked on the key),
//!   so the aggregation still streams; otherwise they group on (customer, day) as before,
//!   since re-sorting the rows cost more than the packed key saves (0.4 s against about 0.3 s
//!   on the 11.9M-row bench log, whose returns follow each customer's purchases).
//! - `lg`: customer, category and channel, nulls included ([`LineKey`]); a `UInt64` when the
//!   dictionaries are small enough (in practice always), else a `Decimal128(38, 0)` used only as
//!   a 128-bit integer. Not sorted, so that GROUP BY hashes; its groups (a few per customer)
//!   stay far fewer than the rows.
//!
//! - `new_order` (`Int8`): 1 on the first purchase line of each (customer, day, order), else 0
//!   ([`new_order_flags`]). With it the day level counts a day's orders as `SUM(new_order)`
//!   straight from the lines, and the order level (a GROUP BY of every line on three columns,
//!   only there to count each order once) is gone. It is computed from each customer's rows in
//!   one pass, which needs the shard's rows grouped by customer; they are by construction, and
//!   this is checked (otherwise the order level stays).
//!
//! Decimal128 is DataFusion's only 128-bit primitive group key; the values are never read as
//! decimals, and some exceed the type's 38-digit precision, which nothing on this path checks.

use std::sync::Arc;

use std::collections::HashSet;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, Int8Array, RecordBatch, UInt32Array, UInt64Array,
};
use datafusion::arrow::datatypes::{
    DataType, Decimal128Type, Field, Int32Type, Schema, SchemaRef, UInt32Type, UInt64Type,
};

use super::Present;
use crate::error::Result;

/// The Arrow type of the 128-bit keys.
const WIDE: DataType = DataType::Decimal128(38, 0);

/// Customer and day in one `u64`: the customer in the high half, the day (sign bit flipped) in
/// the low half, so the keys sort as `(customer, day)` does.
pub(crate) fn customer_day(customer: u32, day: i32) -> u64 {
    (u64::from(customer) << 32) | u64::from(day.cast_unsigned() ^ 0x8000_0000)
}

/// The `(customer, day)` of a [`customer_day`] key.
pub(crate) fn split_customer_day(key: u64) -> (u32, i32) {
    ((key >> 32) as u32, ((key as u32) ^ 0x8000_0000).cast_signed())
}

/// How (customer, category, channel) packs into one key: 32 bits of customer, then just enough
/// bits for each of category and channel (0 for null, code + 1 otherwise). The key is a
/// `UInt64` column when it fits in 64 bits (the two codes in 32 bits together, e.g. up to
/// 65,535 categories and 65,535 channels: in practice always), else a 128-bit one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineKey {
    category_bits: u32,
    channel_bits: u32,
}

impl LineKey {
    /// The packing for dictionaries of `n_categories` and `n_channels` names.
    pub(crate) fn new(n_categories: usize, n_channels: usize) -> LineKey {
        // codes 0..=n (0 for null)
        let bits = |n: usize| u64::BITS - (n as u64).leading_zeros();
        LineKey { category_bits: bits(n_categories), channel_bits: bits(n_channels) }
    }

    fn narrow(self) -> bool {
        32 + self.category_bits + self.channel_bits <= 64
    }

    /// The key column's Arrow type.
    fn data_type(self) -> DataType {
        if self.narrow() { DataType::UInt64 } else { WIDE }
    }

    /// The key of one line.
    pub(crate) fn pack(self, customer: u32, category: Option<u32>, channel: Option<u32>) -> u128 {
        let opt = |c: Option<u32>| c.map_or(0, |c| u128::from(c) + 1);
        (u128::from(customer) << (self.category_bits + self.channel_bits))
            | (opt(category) << self.channel_bits)
            | opt(channel)
    }

    /// The `(customer, category, channel)` of a key.
    pub(crate) fn split(self, key: u128) -> (u32, Option<u32>, Option<u32>) {
        let field = |shift: u32, bits: u32| {
            let v = (key >> shift) & ((1u128 << bits) - 1);
            (v != 0).then(|| (v - 1) as u32)
        };
        (
            (key >> (self.category_bits + self.channel_bits)) as u32,
            field(self.channel_bits, self.category_bits),
            field(0, self.channel_bits),
        )
    }

    /// The values of a key column made by [`add_keys`] (or of the GROUP BY on it).
    pub(crate) fn keys_of(column: &dyn Array) -> Vec<u128> {
        match column.as_primitive_opt::<UInt64Type>() {
            Some(a) => a.values().iter().map(|&k| u128::from(k)).collect(),
            None => column.as_primitive::<Decimal128Type>().values().iter().map(|k| k.cast_unsigned()).collect(),
        }
    }
}

/// `schema` (the kept columns the aggregation reads) with the key columns added: `cd` always,
/// `lg` with a category, channel or discount column, `ret` (the return flag as 1 or 0, which
/// the sums multiply by) always, `new_order` with order flags.
pub(crate) fn schema_with_keys(
    schema: &SchemaRef,
    present: Present,
    line_key: LineKey,
    order_flags: bool,
) -> SchemaRef {
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new("cd", DataType::UInt64, false));
    if needs_line_group(present) {
        fields.push(Field::new("lg", line_key.data_type(), false));
    }
    fields.push(Field::new("ret", DataType::Int8, false));
    if order_flags {
        fields.push(Field::new("new_order", DataType::Int8, false));
    }
    Arc::new(Schema::new(fields))
}

/// Whether the aggregation makes the per-line (customer, category, channel) table.
pub(crate) fn needs_line_group(present: Present) -> bool {
    present.category || present.channel || present.discount
}

/// `batch` (the kept columns the aggregation reads, in kept order: customer, day, amount,
/// order_key, is_return, category, channel, discounted) with the key columns of
/// [`schema_with_keys`] appended, the batch's [`new_order_flags`] column last when given.
///
/// # Errors
/// Arrow failures only.
pub(crate) fn add_keys(
    batch: &RecordBatch,
    with_keys: &SchemaRef,
    present: Present,
    line_key: LineKey,
    order_flags: Option<&ArrayRef>,
) -> Result<RecordBatch> {
    let customer = batch.column(0).as_primitive::<UInt32Type>();
    let day = batch.column(1).as_primitive::<datafusion::arrow::datatypes::Int32Type>();
    let cd: Vec<u64> = customer.values().iter().zip(day.values().iter()).map(|(&c, &d)| customer_day(c, d)).collect();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns.push(Arc::new(UInt64Array::from(cd)));
    if needs_line_group(present) {
        let category = batch.column(5).as_primitive::<UInt32Type>();
        let channel = batch.column(6).as_primitive::<UInt32Type>();
        let value = |a: &UInt32Array, r: usize| (!a.is_null(r)).then(|| a.value(r));
        columns.push(match line_key.narrow() {
            // the usual case, in one loop over the values without a null check per row (each
            // code + 1, a null's 0 put back after): what `pack` makes, cut to 64 bits
            true if category.null_count() == 0 && channel.null_count() == 0 => {
                let (cat_shift, customer_shift) =
                    (line_key.channel_bits, line_key.category_bits + line_key.channel_bits);
                let keys = customer.values().iter().zip(category.values().iter()).zip(channel.values().iter()).map(
                    |((&cu, &ca), &ch)| {
                        (u64::from(cu) << customer_shift) | ((u64::from(ca) + 1) << cat_shift) | (u64::from(ch) + 1)
                    },
                );
                Arc::new(UInt64Array::from_iter_values(keys))
            }
            true => {
                let lg = (0..batch.num_rows())
                    .map(|r| line_key.pack(customer.value(r), value(category, r), value(channel, r)) as u64);
                Arc::new(UInt64Array::from_iter_values(lg))
            }
            false => {
                let lg = (0..batch.num_rows())
                    .map(|r| line_key.pack(customer.value(r), value(category, r), value(channel, r)));
                Arc::new(lg.map(u128::cast_signed).collect::<Decimal128Array>().with_data_type(WIDE))
            }
        });
    }
    let is_return = batch.column(4).as_boolean();
    columns.push(Arc::new(Int8Array::from_iter_values(is_return.values().iter().map(i8::from))));
    columns.extend(order_flags.cloned());
    Ok(RecordBatch::try_new(with_keys.clone(), columns)?)
}

/// Per batch of a shard's rows (grouped by customer), the `new_order` column: 1 on the first
/// purchase (non-return) line of each (customer, day, order key), 0 on every other line; a
/// missing order key is one order per (customer, day), as it is one group in a GROUP BY. `None`
/// when a customer's rows are not together (a customer code that comes back after another one).
///
/// Columns read: 0 customer, 1 day, 3 order key, 4 is_return ([`crate::clean::kept_schema`]).
pub(crate) fn new_order_flags(rows: &[RecordBatch]) -> Option<Vec<ArrayRef>> {
    // the current customer's (day, order) pairs with a purchase line: a short list, checked
    // from its end (lines of one order are usually next to each other), then a hash set for a
    // customer with many orders
    const LIST: usize = 32;
    let mut customer: Option<u32> = None;
    let mut list: Vec<(i32, Option<u64>)> = Vec::with_capacity(LIST);
    let mut set: HashSet<(i32, Option<u64>), foldhash::fast::FixedState> = HashSet::default();
    let mut out = Vec::with_capacity(rows.len());
    for b in rows {
        let c = b.column(0).as_primitive::<UInt32Type>();
        let day = b.column(1).as_primitive::<Int32Type>();
        let order = b.column(3).as_primitive::<UInt64Type>();
        let is_return = b.column(4).as_boolean();
        let mut flags: Vec<i8> = Vec::with_capacity(b.num_rows());
        for r in 0..b.num_rows() {
            let cust = c.value(r);
            if customer != Some(cust) {
                if customer.is_some_and(|prev| prev > cust) {
                    return None;
                }
                customer = Some(cust);
                list.clear();
                set.clear();
            }
            if is_return.value(r) {
                flags.push(0);
                continue;
            }
            let key = (day.value(r), (!order.is_null(r)).then(|| order.value(r)));
            let new = if set.is_empty() {
                let new = !list.iter().rev().any(|k| *k == key);
                if new {
                    if list.len() == LIST {
                        set.extend(list.drain(..));
                        set.insert(key);
                    } else {
                        list.push(key);
                    }
                }
                new
            } else {
                set.insert(key)
            };
            flags.push(i8::from(new));
        }
        out.push(Arc::new(Int8Array::from(flags)) as ArrayRef);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_day_round_trips_and_sorts_like_the_pair() {
        let pairs = [(0, i32::MIN), (0, -1), (0, 0), (0, 1), (0, i32::MAX), (1, i32::MIN), (7, 20_000), (u32::MAX, 5)];
        for w in pairs.windows(2) {
            assert!(customer_day(w[0].0, w[0].1) < customer_day(w[1].0, w[1].1), "{w:?}");
        }
        for (c, d) in pairs {
            assert_eq!(split_customer_day(customer_day(c, d)), (c, d));
        }
    }

    #[test]
    fn line_keys_round_trip_narrow_and_wide_with_nulls_and_extremes() {
        for (n_cat, n_ch, narrow) in
            [(1, 1, true), (7, 3, true), (65_535, 65_535, true), (70_000, 1, true), (1 << 20, 1 << 13, false)]
        {
            let key = LineKey::new(n_cat, n_ch);
            assert_eq!(key.narrow(), narrow, "{n_cat} {n_ch}");
            let (top_cat, top_ch) = (n_cat.saturating_sub(1) as u32, n_ch.saturating_sub(1) as u32);
            let mut seen = std::collections::HashSet::new();
            for (c, k, h) in [
                (0, None, None),
                (0, Some(0), None),
                (0, None, Some(0)),
                (1, None, None),
                (9, Some(top_cat), Some(top_ch)),
                (u32::MAX, Some(top_cat), None),
                (u32::MAX, Some(0), Some(top_ch)),
            ] {
                let packed = key.pack(c, k, h);
                assert!(!narrow || packed <= u128::from(u64::MAX));
                assert_eq!(key.split(packed), (c, k, h), "{n_cat} {n_ch}");
                assert!(seen.insert(packed));
            }
        }
    }

    #[test]
    fn key_columns_hold_the_packed_keys_narrow_and_wide() {
        use datafusion::arrow::array::{BooleanArray, Int32Array, Int64Array};
        let schema = crate::clean::feature_schema();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(UInt32Array::from(vec![0, 5, u32::MAX])),
                Arc::new(Int32Array::from(vec![-3, 0, 20_000])),
                Arc::new(Int64Array::from(vec![1, 2, 3])),
                Arc::new(UInt64Array::from(vec![Some(1), None, Some(3)])),
                Arc::new(BooleanArray::from(vec![false, true, false])),
                Arc::new(UInt32Array::from(vec![Some(2), None, Some(69_999)])),
                Arc::new(UInt32Array::from(vec![None, Some(0), Some(1)])),
                Arc::new(BooleanArray::from(vec![None, Some(true), Some(false)])),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let present = Present { order_id: true, category: true, channel: true, discount: false };
        for line_key in [LineKey::new(70_000, 2), LineKey::new(1 << 20, 1 << 13)] {
            let with_keys = schema_with_keys(&schema, present, line_key, false);
            let b = add_keys(&batch, &with_keys, present, line_key, None).unwrap_or_else(|e| panic!("{e}"));
            let cd = b.column_by_name("cd").map(|c| c.as_primitive::<UInt64Type>().values().to_vec());
            assert_eq!(cd, Some(vec![customer_day(0, -3), customer_day(5, 0), customer_day(u32::MAX, 20_000)]));
            let lg = b.column_by_name("lg").map(|c| LineKey::keys_of(c.as_ref())).unwrap_or_default();
            let split: Vec<_> = lg.iter().map(|&k| line_key.split(k)).collect();
            assert_eq!(split, vec![(0, Some(2), None), (5, None, Some(0)), (u32::MAX, Some(69_999), Some(1))]);
            assert_eq!(b.column_by_name("lg").map(|c| c.data_type().clone()), Some(line_key.data_type()));
            let ret = b
                .column_by_name("ret")
                .map(|c| c.as_primitive::<datafusion::arrow::datatypes::Int8Type>().values().to_vec());
            assert_eq!(ret, Some(vec![0, 1, 0]));
        }
        // without nulls in the category and channel (the one-loop path of narrow keys)
        let mut columns = batch.columns().to_vec();
        columns[5] = Arc::new(UInt32Array::from(vec![2, 0, 69_999]));
        columns[6] = Arc::new(UInt32Array::from(vec![1, 0, 1]));
        let full = RecordBatch::try_new(schema.clone(), columns).unwrap_or_else(|e| panic!("{e}"));
        let line_key = LineKey::new(70_000, 2);
        let with_keys = schema_with_keys(&schema, present, line_key, false);
        let b = add_keys(&full, &with_keys, present, line_key, None).unwrap_or_else(|e| panic!("{e}"));
        let lg = b.column_by_name("lg").map(|c| LineKey::keys_of(c.as_ref())).unwrap_or_default();
        let split: Vec<_> = lg.iter().map(|&k| line_key.split(k)).collect();
        assert_eq!(split, vec![(0, Some(2), Some(1)), (5, Some(0), Some(0)), (u32::MAX, Some(69_999), Some(1))]);
        assert_eq!(
            lg,
            vec![
                line_key.pack(0, Some(2), Some(1)),
                line_key.pack(5, Some(0), Some(0)),
                line_key.pack(u32::MAX, Some(69_999), Some(1))
            ]
        );
    }

    /// Flags on a hand-checked shard in two batches: a customer's order split by another order
    /// and across the batch edge, a return line (never flagged) in a purchase order, an order on
    /// two days, lines without an order id (one order per day); and `None` when a customer comes
    /// back after another one.
    #[test]
    fn new_order_flags_mark_each_orders_first_purchase_line() {
        use datafusion::arrow::array::{BooleanArray, Int32Array, Int64Array};
        let schema = crate::clean::feature_schema();
        let batch = |c: &[u32], d: &[i32], o: &[Option<u64>], r: &[bool]| {
            let n = c.len();
            let columns: Vec<ArrayRef> = vec![
                Arc::new(UInt32Array::from(c.to_vec())),
                Arc::new(Int32Array::from(d.to_vec())),
                Arc::new(Int64Array::from(vec![100; n])),
                Arc::new(UInt64Array::from(o.to_vec())),
                Arc::new(BooleanArray::from(r.to_vec())),
                Arc::new(UInt32Array::from(vec![None; n])),
                Arc::new(UInt32Array::from(vec![None; n])),
                Arc::new(BooleanArray::from(vec![None; n])),
            ];
            RecordBatch::try_new(schema.clone(), columns).unwrap_or_else(|e| panic!("{e}"))
        };
        let (a, b) = (Some(1), Some(2));
        let shard = [
            // customer 0: order a, b, a again, a return in b, a on the next day
            batch(&[0, 0, 0, 0, 0], &[5, 5, 5, 5, 6], &[a, b, a, b, a], &[false, false, false, true, false]),
            // customer 0 again (after the batch edge): b again; customer 1: a return-only order,
            // two lines without an id on one day, one on another, order a
            batch(
                &[0, 1, 1, 1, 1, 1],
                &[5, 5, 5, 5, 6, 5],
                &[b, a, None, None, None, a],
                &[false, true, false, false, false, false],
            ),
        ];
        let flags: Vec<Vec<i8>> = new_order_flags(&shard)
            .unwrap_or_default()
            .iter()
            .map(|f| f.as_primitive::<datafusion::arrow::datatypes::Int8Type>().values().to_vec())
            .collect();
        assert_eq!(flags, vec![vec![1, 1, 0, 0, 1], vec![0, 0, 1, 0, 1, 1]]);
        let back = [batch(&[0, 1], &[5, 5], &[a, a], &[false, false]), batch(&[0], &[5], &[b], &[false])];
        assert!(new_order_flags(&back).is_none());
    }
}
