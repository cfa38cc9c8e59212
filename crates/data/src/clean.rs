//! Row cleaning: turns raw text rows into typed transactions or rejects, one batch at a time.
//! Pure Arrow, no DataFusion: [`crate::ingest`] drives it over the partitions of a scan.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayData, ArrayRef, ArrowPrimitiveType, AsArray, BooleanArray, Date32Array, Float64Array, Int32Array,
    Int64Array, PrimitiveArray, StringArray, UInt32Array, UInt64Array,
};
use datafusion::arrow::buffer::{NullBuffer, ScalarBuffer};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::{ArrowNativeType, UInt32Type, UInt64Type};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use serde::{Deserialize, Serialize};

use crate::csv_scan::{Fault, MAX_QUOTED_LINES};
pub use crate::dictionary::Dictionary;
use crate::error::Result;
use crate::mapping::{ColumnMap, Role};
use crate::number_format::NumberFormat;
use crate::parse::{AmountError, DateFormat, format_day, is_discounted, money_units_exact, to_money_units};
use crate::quality::RejectReason;

/// What to do with zero-amount rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ZeroAmount {
    /// Keep them (default): a free order is still an order, and the published CDNOW figures
    /// count its zero-dollar purchases. They are counted in the quality report.
    #[default]
    Keep,
    /// Reject them with reason `zero_amount`.
    Reject,
}

/// What to do with returns and cancellations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Returns {
    /// Net them into monetary value and count them separately (default).
    #[default]
    Net,
    /// Reject them with reason `return_excluded`.
    Exclude,
}

/// Cleaning rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CleanRules {
    /// Zero amounts: reject (default) or keep.
    pub zero_amount: ZeroAmount,
    /// Returns: net (default) or exclude.
    pub returns: Returns,
    /// An order id starting with this marks a cancellation (UCI Online Retail: `C`); empty
    /// disables the rule. Negative amounts are always returns.
    pub cancel_prefix: String,
    /// Drop exact duplicate rows even when the data has no order id (where they may be genuine
    /// repeat purchases, so by default they are kept and reported).
    pub dedupe: bool,
}

impl Default for CleanRules {
    fn default() -> Self {
        CleanRules { zero_amount: ZeroAmount::Keep, returns: Returns::Net, cancel_prefix: "C".into(), dedupe: false }
    }
}

/// The schema of kept transactions: the table the feature aggregation reads. Every column is an
/// integer so that DataFusion groups on primitive keys: `customer`, `category` and `channel` are
/// codes into dictionaries ([`Dictionary`]; per partition while cleaning, global and sorted by
/// name after [`crate::ingest`] merges them), `order_key` is the xxh3-64 hash of the order id (two
/// orders of one customer colliding has odds of about 1e-19), `amount` is in money units.
pub fn kept_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("customer", DataType::UInt32, false),
        Field::new("day", DataType::Int32, false),
        Field::new("amount", DataType::Int64, false),
        Field::new("order_key", DataType::UInt64, true),
        Field::new("is_return", DataType::Boolean, false),
        Field::new("category", DataType::UInt32, true),
        Field::new("channel", DataType::UInt32, true),
        Field::new("discounted", DataType::Boolean, true),
        Field::new("product", DataType::UInt32, true),
    ]))
}

/// The columns of [`kept_schema`] the feature aggregation reads: all but `product`, which
/// sorting customers' rows would otherwise move for nothing.
pub const FEATURE_COLUMNS: [usize; 8] = [0, 1, 2, 3, 4, 5, 6, 7];

/// [`kept_schema`] projected to [`FEATURE_COLUMNS`].
pub fn feature_schema() -> SchemaRef {
    Arc::new(kept_schema().project(&FEATURE_COLUMNS).unwrap_or_else(|_| Schema::empty()))
}

/// The local rows (see [`RawRows::local`]) of one kept batch's rows, kept beside the batch
/// rather than as a column of it: a run of consecutive lines from the first (a block whose rows
/// were all kept, each on one line: nearly every batch), else the list. As a `UInt64` column it
/// was 8 bytes a kept row (95 MB at the 11.9M-row bench's peak) read only to drop duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeptLocals {
    /// Rows `first, first + 1, ...`.
    Run {
        /// The first row's local row.
        first: u64,
        /// How many rows.
        len: usize,
    },
    /// Each row's local row.
    List(Vec<u64>),
}

impl Default for KeptLocals {
    fn default() -> Self {
        KeptLocals::Run { first: 0, len: 0 }
    }
}

impl KeptLocals {
    /// Adds the next kept row's local row.
    #[inline]
    pub fn push(&mut self, local: u64) {
        if let KeptLocals::Run { first, len } = self
            && *first + *len as u64 == local
        {
            *len += 1;
            return;
        }
        self.push_other(local);
    }

    /// [`KeptLocals::push`] of a row that does not extend the run.
    #[cold]
    fn push_other(&mut self, local: u64) {
        match self {
            KeptLocals::Run { first, len } if *len == 0 => (*first, *len) = (local, 1),
            KeptLocals::Run { first, len } => {
                let mut list: Vec<u64> = (*first..*first + *len as u64).collect();
                list.push(local);
                *self = KeptLocals::List(list);
            }
            KeptLocals::List(list) => list.push(local),
        }
    }

    /// The local row of row `i`.
    pub fn get(&self, i: usize) -> u64 {
        match self {
            KeptLocals::Run { first, .. } => first + i as u64,
            KeptLocals::List(list) => list[i],
        }
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        match self {
            KeptLocals::Run { len, .. } => *len,
            KeptLocals::List(list) => list.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The schema of raw rows as text: every column `Utf8`, nullable, named as in the file.
pub fn text_schema(names: &[String]) -> Schema {
    Schema::new(names.iter().map(|n| Field::new(n, DataType::Utf8, true)).collect::<Vec<_>>())
}

/// The schema of a partition's reject batches: the raw columns as text, then `_local` (row in
/// the partition), `_reason`, `_column`, `_value`.
pub fn partition_reject_schema(names: &[String]) -> SchemaRef {
    let mut fields: Vec<Field> = text_schema(names).fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new("_local", DataType::UInt64, false));
    for n in ["_reason", "_column", "_value"] {
        fields.push(Field::new(n, DataType::Utf8, true));
    }
    Arc::new(Schema::new(fields))
}

/// A partition's reject batch of duplicate rows: their raw `columns` as text and their local
/// rows, with reason `duplicate_row` (no column, no value).
pub(crate) fn duplicate_rejects(
    schema: &SchemaRef,
    mut columns: Vec<ArrayRef>,
    locals: Vec<u64>,
) -> Result<RecordBatch> {
    let k = locals.len();
    columns.push(Arc::new(UInt64Array::from(locals)));
    columns.push(Arc::new(StringArray::from(vec![RejectReason::DuplicateRow.id(); k])));
    columns.push(Arc::new(StringArray::from(vec![None::<&str>; k])));
    columns.push(Arc::new(StringArray::from(vec![None::<&str>; k])));
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Column positions of each role in the raw batch.
#[derive(Debug, Clone)]
struct RoleIdx {
    customer: usize,
    date: usize,
    amount: Option<usize>,
    quantity: Option<usize>,
    unit_price: Option<usize>,
    order: Option<usize>,
    category: Option<usize>,
    channel: Option<usize>,
    discount: Option<usize>,
    product: Option<usize>,
}

/// Cleans batches of one input (all files share columns).
#[derive(Debug, Clone)]
pub struct Cleaner {
    idx: RoleIdx,
    names: Vec<String>,
    date_format: DateFormat,
    rules: CleanRules,
    as_of: Option<i32>,
    /// The decimal mark of each raw column that holds numbers (by column index).
    numbers: Vec<NumberFormat>,
    raw_schema: SchemaRef,
    reject_schema: SchemaRef,
}

/// How many latest-dated rows each partition remembers for the far-future warning.
pub const LATEST_KEPT: usize = 20;

/// How many buckets row hashes are spread over (by the hash's top byte), so duplicates are
/// found bucket by bucket: small cache-sized sorts, in parallel, instead of one sort of every
/// row (measured on 11.9M rows: 1.7 s for the single sort).
pub const HASH_BUCKETS: usize = 256;

/// A kept row's 128-bit hash and its position (`pos`: the local row while cleaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowHash {
    /// High 64 bits of the hash (the top byte picks the bucket).
    pub hi: u64,
    /// Low 64 bits.
    pub lo: u64,
    /// Where the row is.
    pub pos: u64,
}

/// Rows per day: counts in a vector over the span of days seen, which grows to cover each new
/// day up to [`DAY_SPAN`] days; days beyond it (typo years) go to a map. A hash-map entry per
/// row was 9% of the cleaner's samples on the 1M bench.
#[derive(Debug, Default)]
pub struct DayCounts {
    /// The day `counts[0]` counts.
    first: i32,
    counts: Vec<u64>,
    far: HashMap<i32, u64, foldhash::fast::FixedState>,
}

/// Most days [`DayCounts`] counts in its vector (about 180 years).
const DAY_SPAN: i64 = 1 << 16;

impl DayCounts {
    /// Counts a row on `day`.
    #[inline]
    pub fn add(&mut self, day: i32) {
        let k = i64::from(day) - i64::from(self.first);
        match usize::try_from(k).ok().and_then(|k| self.counts.get_mut(k)) {
            Some(c) => *c += 1,
            None => self.add_outside(day),
        }
    }

    /// [`DayCounts::add`] for a day outside the vector's span: the span grows to it, or the day
    /// goes to the map.
    #[inline(never)]
    fn add_outside(&mut self, day: i32) {
        if self.counts.is_empty() {
            self.first = day;
            self.counts.push(1);
            return;
        }
        let last = i64::from(self.first) + self.counts.len() as i64 - 1;
        let (lo, hi) = (i64::from(day).min(i64::from(self.first)), i64::from(day).max(last));
        if hi - lo >= DAY_SPAN {
            *self.far.entry(day).or_insert(0) += 1;
            return;
        }
        if i64::from(day) < i64::from(self.first) {
            // room for as many days again as the vector holds (within the span), so that days
            // arriving in descending order move the counts a logarithmic number of times
            let new_first =
                (i64::from(day) - self.counts.len() as i64).max(last - DAY_SPAN + 1).max(i64::from(i32::MIN));
            let before = (i64::from(self.first) - new_first) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, before));
            self.first = new_first as i32;
        } else {
            self.counts.resize((i64::from(day) - i64::from(self.first)) as usize + 1, 0);
        }
        self.add(day);
    }

    /// Every day with rows and its count, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        let dense = self.counts.iter().enumerate().filter(|&(_, &n)| n > 0).map(|(k, &n)| (self.first + k as i32, n));
        dense.chain(self.far.iter().map(|(&d, &n)| (d, n)))
    }
}

/// Row hashes bucketed by their top byte. Each bucket is a list of fixed-size chunks, so a
/// growing bucket never moves what it holds (a doubling `Vec` copied every hash about once more
/// and touched twice the memory); the merge copies the chunks once, into the bucket's sort.
/// The chunk each bucket is filling sits in one array of 256 (6 KiB, in L1), apart from the
/// filled ones: a push reads one `Vec` header, where reaching the last chunk of each bucket's
/// own list was two dependent loads that missed the cache (3% of the bench job's samples).
#[derive(Debug)]
pub struct RowHashes {
    /// Per bucket, the chunk being filled.
    current: Vec<Vec<StoredHash>>,
    /// Per bucket, the chunks filled before it.
    full: Vec<Vec<Vec<StoredHash>>>,
}

/// Bits of a row's local position kept with its hash (a partition of up to 2^36 rows; the
/// packed global position has as many).
pub const POS_BITS: u32 = 36;
const POS_MASK: u64 = (1 << POS_BITS) - 1;

/// A row hash as [`RowHashes`] keeps it, 16 bytes instead of [`RowHash`]'s 24 (95 MB less at
/// the ingest peak of the 11.9M-row bench): the high 64 bits, then the next 28 bits of the hash with
/// the local position in the low [`POS_BITS`]. Duplicates are found on those 92 bits: for two
/// distinct rows among 12 million to look alike takes a chance of about 1e-14 (n^2 / 2^93), a
/// billion rows about 1e-10.
#[derive(Debug, Clone, Copy)]
pub struct StoredHash {
    hi: u64,
    lo_pos: u64,
}

impl StoredHash {
    /// The hash (`lo` without its low [`POS_BITS`] bits) and the local position.
    #[inline]
    pub fn unpack(self) -> RowHash {
        RowHash { hi: self.hi, lo: self.lo_pos & !POS_MASK, pos: self.lo_pos & POS_MASK }
    }
}

/// Hashes per chunk of a bucket (24 KiB), and in a bucket's first chunk. A partition's last
/// chunk of each bucket is half empty on average: with eight CSV ranges per core, 96 KiB chunks
/// left ~200 MB unused on the 11.9M-row bench (its peak rose by 0.25 GB). With 16 KiB chunks
/// (1024 hashes) the features stage's peak rose by about 100 MB on that bench: memory the
/// chunks free after duplicate detection came back to it less (measured, 3 runs each).
const HASH_CHUNK: usize = 1536;
const HASH_FIRST_CHUNK: usize = 64;

impl Default for RowHashes {
    fn default() -> Self {
        RowHashes { current: vec![Vec::new(); HASH_BUCKETS], full: vec![Vec::new(); HASH_BUCKETS] }
    }
}

impl RowHashes {
    /// Adds the hash `h` of the row at `pos` (its low [`POS_BITS`] bits).
    #[inline]
    pub fn push(&mut self, h: u128, pos: u64) {
        let hi = (h >> 64) as u64;
        let stored = StoredHash { hi, lo_pos: (h as u64 & !POS_MASK) | (pos & POS_MASK) };
        let b = (hi >> 56) as usize;
        if self.current[b].len() == self.current[b].capacity() {
            self.next_chunk(b);
        }
        self.current[b].push(stored);
    }

    /// Files bucket `b`'s full chunk and starts the next one: a small first chunk, so a small
    /// input does not reserve 256 full chunks.
    #[cold]
    #[inline(never)]
    fn next_chunk(&mut self, b: usize) {
        let size = if self.current[b].capacity() == 0 { HASH_FIRST_CHUNK } else { HASH_CHUNK };
        let filled = std::mem::replace(&mut self.current[b], Vec::with_capacity(size));
        if !filled.is_empty() {
            self.full[b].push(filled);
        }
    }

    /// The hashes of bucket `b` as the chunks that hold them, in the order they were added:
    /// plain slices for the tight loops of duplicate detection.
    pub fn bucket_chunks(&self, b: usize) -> impl Iterator<Item = &[StoredHash]> {
        self.full[b].iter().map(Vec::as_slice).chain(std::iter::once(self.current[b].as_slice()))
    }

    /// Every hash, bucket by bucket, each bucket in the order they were added (`lo` without
    /// its low [`POS_BITS`] bits, which held the position).
    pub fn iter(&self) -> impl Iterator<Item = RowHash> + '_ {
        (0..HASH_BUCKETS).flat_map(|b| self.bucket_chunks(b).flatten().map(|s| s.unpack()))
    }
}

/// The dictionaries whose codes the kept table's coded columns hold.
#[derive(Debug, Default)]
pub struct Dictionaries {
    /// Customer ids (column 0 of [`kept_schema`]).
    pub customers: Dictionary,
    /// Categories (column 5).
    pub categories: Dictionary,
    /// Channels (column 6).
    pub channels: Dictionary,
    /// Products (column 8).
    pub products: Dictionary,
}

impl Dictionaries {
    /// The [`kept_schema`] columns holding codes, in the order of [`Dictionaries::each`].
    pub const COLUMNS: [usize; 4] = [0, 5, 6, 8];

    /// Customer ids, categories, channels, products.
    pub fn each(&self) -> [&Dictionary; 4] {
        [&self.customers, &self.categories, &self.channels, &self.products]
    }
}

/// What one partition of a scan produced.
#[derive(Debug, Default)]
pub struct PartitionState {
    /// Kept rows in [`kept_schema`] (codes of this partition's dictionaries, or of those of
    /// partition `codes_in`).
    pub kept: Vec<RecordBatch>,
    /// The local rows of each batch of `kept`.
    pub kept_locals: Vec<KeptLocals>,
    /// Customer ids, categories and channels of this partition.
    pub dicts: Dictionaries,
    /// The partition of the same file whose dictionaries this partition's codes index, when not
    /// its own: a reader that takes several ranges of a file in turn keeps one set of
    /// dictionaries for all of them (so a customer seen in each is stored once), held by the
    /// last range it read.
    pub codes_in: Option<usize>,
    /// Whether the dictionaries may hold names no kept row has: those of rows read from a wrong
    /// guess of a range's first line and read again (see `csv_scan`). Such names are left out
    /// when the dictionaries are merged.
    pub stray_names: bool,
    /// Rejected rows: the raw columns as text, then `_local`, `_reason`, `_column`, `_value`.
    pub rejects: Vec<RecordBatch>,
    /// The hash of every kept row, for duplicate detection.
    pub hashes: RowHashes,
    /// Rows read.
    pub rows: u64,
    /// Lines the partition spans (its rows for Arrow batches; for CSV read by
    /// [`crate::csv_scan`] every physical line, blank ones and those inside quoted values
    /// included), so line numbers are the file's.
    pub lines: u64,
    /// Rejects by reason (index into [`RejectReason::ALL`]).
    pub by_reason: [u64; RejectReason::ALL.len()],
    /// Kept return rows and their amount in money units (negative).
    pub returns_rows: u64,
    /// Sum of kept return amounts in money units.
    pub returns_units: i64,
    /// Kept zero-amount rows.
    pub zero_kept: u64,
    /// Kept rows per day.
    pub days: DayCounts,
    /// The latest-dated kept rows `(day, local, raw date text)`, at most [`LATEST_KEPT`].
    pub latest: Vec<(i32, u64, String)>,
    /// The earliest day in `latest` (a row must be later to enter a full list).
    pub latest_min: i32,
}

impl Cleaner {
    /// A cleaner for raw batches whose columns are `names`, mapped by `map`.
    pub fn new(
        names: &[String],
        map: &ColumnMap,
        date_format: DateFormat,
        rules: CleanRules,
        as_of: Option<i32>,
    ) -> Cleaner {
        let pos = |role: Role| map.get(role).and_then(|c| names.iter().position(|n| n == c));
        let idx = RoleIdx {
            customer: pos(Role::Customer).unwrap_or(0),
            date: pos(Role::Date).unwrap_or(0),
            amount: pos(Role::Amount),
            quantity: pos(Role::Quantity),
            unit_price: pos(Role::UnitPrice),
            order: pos(Role::OrderId),
            category: pos(Role::Category),
            channel: pos(Role::Channel),
            discount: pos(Role::Discount),
            product: pos(Role::Product),
        };
        Cleaner {
            idx,
            names: names.to_vec(),
            date_format,
            rules,
            as_of,
            numbers: vec![NumberFormat::Point; names.len()],
            raw_schema: Arc::new(text_schema(names)),
            reject_schema: partition_reject_schema(names),
        }
    }

    /// The cleaner with the decimal mark of some columns set (`(column index, format)`); the
    /// others keep a decimal point.
    pub fn with_number_formats(mut self, formats: &[(usize, NumberFormat)]) -> Cleaner {
        for &(i, f) in formats {
            if let Some(slot) = self.numbers.get_mut(i) {
                *slot = f;
            }
        }
        self
    }

    /// The decimal mark of each column read as a number (the amount, or the quantity and the
    /// unit price), by column name.
    pub fn number_formats(&self) -> Vec<(String, NumberFormat)> {
        let cols: Vec<usize> = match self.idx.amount {
            Some(a) => vec![a],
            None => self.idx.quantity.into_iter().chain(self.idx.unit_price).collect(),
        };
        cols.into_iter().map(|i| (self.names[i].clone(), self.numbers[i])).collect()
    }

    /// The explicit as-of date, if any.
    pub fn as_of(&self) -> Option<i32> {
        self.as_of
    }

    /// The date column's index and name.
    pub fn date_column(&self) -> (usize, &str) {
        (self.idx.date, &self.names[self.idx.date])
    }

    /// Whether the data has an order id (exact duplicates are then errors in the data).
    pub fn has_order_id(&self) -> bool {
        self.idx.order.is_some()
    }

    /// The schema of reject batches ([`partition_reject_schema`]).
    pub fn reject_schema(&self) -> SchemaRef {
        self.reject_schema.clone()
    }

    /// Cleans one raw batch into `state`.
    ///
    /// # Errors
    /// Only Arrow failures (a column that cannot be shown as text).
    pub fn process(&self, batch: &RecordBatch, state: &mut PartitionState) -> Result<()> {
        // an Arrow batch's rows are its partition's lines
        let rows = BatchRows::new(self, batch, state.lines)?;
        self.process_rows(&rows, state)?;
        state.lines += batch.num_rows() as u64;
        Ok(())
    }

    /// Cleans the rows of any [`RawRows`] into `state` (`state.lines` is the caller's: a row
    /// source knows its own line numbers).
    ///
    /// # Errors
    /// Only Arrow failures (a column that cannot be shown as text).
    pub(crate) fn process_rows<R: RawRows>(&self, rows: &R, state: &mut PartitionState) -> Result<()> {
        let typed = rows.typed();
        let get = |i: Option<usize>, row: usize| i.and_then(|i| rows.text(i, row));
        let n = rows.len();
        // plain vectors, not Arrow builders: a push is cheaper than an append, and a column's
        // rare missing values are remembered by position
        let mut customer: Vec<u32> = Vec::with_capacity(n);
        let mut day: Vec<i32> = Vec::with_capacity(n);
        let mut amount: Vec<i64> = Vec::with_capacity(n);
        let mut order = Gather::<u64>::with_capacity(n);
        let mut is_return: Vec<bool> = Vec::with_capacity(n);
        let mut category = Gather::<u32>::with_capacity(n);
        let mut channel = Gather::<u32>::with_capacity(n);
        let mut product = Gather::<u32>::with_capacity(if self.idx.product.is_some() { n } else { 0 });
        let mut discounted: Vec<bool> = Vec::with_capacity(if self.idx.discount.is_some() { n } else { 0 });
        let mut local = KeptLocals::default();
        let mut reject_mask = Vec::with_capacity(n);
        let mut reject_local = Vec::new();
        let mut reject_reason = Vec::new();
        let mut reject_column: Vec<&str> = Vec::new();
        let mut reject_value: Vec<String> = Vec::new();
        let mut rowbuf = Vec::with_capacity(256);
        let faults = rows.faults();
        let mut next_fault = 0;
        for row in 0..n {
            let local_row = rows.local(row);
            let fault = match faults.get(next_fault) {
                Some(&(r, f)) if r == row => {
                    next_fault += 1;
                    Some(f)
                }
                _ => None,
            };
            let cleaned = match fault {
                None => self.clean_row(&get, &typed, row),
                Some(Fault::ExtraFields(k)) => Err((
                    RejectReason::ExtraFields,
                    "",
                    format!("{k} values; the header has {}", self.names.len()).into(),
                )),
                Some(Fault::InvalidText) => {
                    Err((RejectReason::InvalidText, "", "bytes that are not valid UTF-8 (shown as \u{1a})".into()))
                }
                Some(Fault::UnclosedQuote) => Err((
                    RejectReason::UnclosedQuote,
                    "",
                    format!("a quote here is not closed within {MAX_QUOTED_LINES} lines").into(),
                )),
            };
            match cleaned {
                Err((reason, column, value)) => {
                    reject_mask.push(true);
                    reject_local.push(local_row);
                    reject_reason.push(reason.id());
                    reject_column.push(column);
                    reject_value.push(value.to_string());
                    state.by_reason[reason as usize] += 1;
                }
                Ok(t) => {
                    reject_mask.push(false);
                    customer.push(state.dicts.customers.code(t.customer));
                    day.push(t.day);
                    amount.push(t.amount);
                    order.push(t.order.map(|o| xxhash_rust::xxh3::xxh3_64(o.as_bytes())));
                    is_return.push(t.is_return);
                    let cat = get(self.idx.category, row).map(trim).filter(|s| !s.is_empty());
                    category.push(cat.map(|c| state.dicts.categories.code(c)));
                    let chan = get(self.idx.channel, row).map(trim).filter(|s| !s.is_empty());
                    channel.push(chan.map(|c| state.dicts.channels.code(c)));
                    if self.idx.product.is_some() {
                        let item = get(self.idx.product, row).map(trim).filter(|s| !s.is_empty());
                        product.push(item.map(|p| state.dicts.products.code(p)));
                    }
                    if self.idx.discount.is_some() {
                        discounted.push(get(self.idx.discount, row).is_some_and(is_discounted));
                    }
                    local.push(local_row);
                    if t.is_return {
                        state.returns_rows += 1;
                        state.returns_units += t.amount;
                    }
                    if t.amount == 0 {
                        state.zero_kept += 1;
                    }
                    state.days.add(t.day);
                    if state.latest.len() < LATEST_KEPT || t.day > state.latest_min {
                        let text = match typed.day {
                            Some(_) => format_day(t.day),
                            None => get(Some(self.idx.date), row).unwrap_or("").to_string(),
                        };
                        remember_latest(state, t.day, local_row, text);
                    }
                    state.hashes.push(rows.row_hash(row, &mut rowbuf), local_row);
                }
            }
        }
        state.rows += n as u64;
        let kept_rows = local.len();
        let kept_columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from(customer)),
            Arc::new(Int32Array::from(day)),
            Arc::new(Int64Array::from(amount)),
            Arc::new(order.finish::<UInt64Type>()),
            Arc::new(BooleanArray::from(is_return)),
            Arc::new(category.finish::<UInt32Type>()),
            Arc::new(channel.finish::<UInt32Type>()),
            if self.idx.discount.is_some() {
                Arc::new(BooleanArray::from(discounted))
            } else {
                datafusion::arrow::array::new_null_array(&DataType::Boolean, kept_rows)
            },
            if self.idx.product.is_some() {
                Arc::new(product.finish::<UInt32Type>())
            } else {
                datafusion::arrow::array::new_null_array(&DataType::UInt32, kept_rows)
            },
        ];
        let kept = RecordBatch::try_new(kept_schema(), kept_columns)?;
        if kept.num_rows() > 0 {
            state.kept.push(kept);
            state.kept_locals.push(local);
        }
        if !reject_local.is_empty() {
            // the rejected rows' original values as text (typed columns formatted only here)
            let mut columns = rows.reject_columns(&reject_mask)?;
            columns.push(Arc::new(UInt64Array::from(reject_local)));
            columns.push(Arc::new(StringArray::from(reject_reason)));
            columns.push(Arc::new(StringArray::from(reject_column)));
            columns.push(Arc::new(StringArray::from(reject_value)));
            state.rejects.push(RecordBatch::try_new(self.reject_schema.clone(), columns)?);
        }
        Ok(())
    }

    /// One row: a typed transaction, or the reason, the column and the offending value.
    fn clean_row<'a>(
        &'a self,
        get: &impl Fn(Option<usize>, usize) -> Option<&'a str>,
        typed: &Typed<'_>,
        row: usize,
    ) -> Result<Txn<'a>, Reject<'a>> {
        let name = |i: usize| self.names[i].as_str();
        let customer = get(Some(self.idx.customer), row).map(trim).unwrap_or("");
        if is_total_word(customer) {
            return Err((RejectReason::TotalRow, name(self.idx.customer), customer.into()));
        }
        if customer.is_empty()
            && let Some((i, v)) = (0..self.names.len())
                .find_map(|i| get(Some(i), row).map(trim).filter(|v| is_total_word(v)).map(|v| (i, v)))
        {
            return Err((RejectReason::TotalRow, name(i), v.into()));
        }
        if customer.is_empty() {
            return Err((RejectReason::MissingCustomerId, name(self.idx.customer), "".into()));
        }
        let (day, date_text) = match typed.day {
            // a typed date has no layout to detect: only nulls and dates outside the years
            // 1000-9999 (which no text date is read as either) are rejected
            Some(d) => {
                if d.is_null(row) {
                    return Err((RejectReason::UnparseableDate, name(self.idx.date), "".into()));
                }
                let v = d.value(row);
                if !(MIN_DAY..=MAX_DAY).contains(&v) {
                    return Err((RejectReason::UnparseableDate, name(self.idx.date), typed_text(d, row).into()));
                }
                (v, Cow::Owned(String::new()))
            }
            None => {
                let date_text = get(Some(self.idx.date), row).unwrap_or("");
                let Some(day) = self.date_format.parse(date_text) else {
                    return Err((RejectReason::UnparseableDate, name(self.idx.date), date_text.into()));
                };
                (day, Cow::Borrowed(date_text))
            }
        };
        let number = |i: usize| -> Result<f64, Reject<'a>> {
            let text = get(Some(i), row).unwrap_or("");
            self.numbers[i].parse(text).map_err(|e| {
                let reason = match e {
                    AmountError::Unparseable => RejectReason::UnparseableAmount,
                    AmountError::NonFinite => RejectReason::NonFiniteAmount,
                };
                (reason, name(i), text.into())
            })
        };
        let amount_col = self.idx.amount.or(self.idx.unit_price).unwrap_or(0);
        let units =
            |v: f64| to_money_units(v).map_err(|_| (RejectReason::NonFiniteAmount, name(amount_col), "".into()));
        // a typed amount: what its text would parse to, without the text (the shortest text of
        // a float reads back as the same float; integers below 1e14 are exact)
        let typed_amount = |a: &dyn Array, v: Option<f64>| -> Result<i64, Reject<'a>> {
            match v {
                None => Err((RejectReason::UnparseableAmount, name(amount_col), "".into())),
                Some(v) if !v.is_finite() || v.abs() >= 1e14 => {
                    Err((RejectReason::NonFiniteAmount, name(amount_col), typed_text(a, row).into()))
                }
                Some(v) => units(v),
            }
        };
        // typed amounts exist only where there is an amount column (`Typed::of`)
        let mut amount = match (self.idx.amount, self.idx.unit_price) {
            (Some(_), _) if let TypedAmount::F64(a) = typed.amount => {
                typed_amount(a, a.is_valid(row).then(|| a.value(row)))?
            }
            (Some(_), _) if let TypedAmount::I64(a) = typed.amount => {
                typed_amount(a, a.is_valid(row).then(|| a.value(row) as f64))?
            }
            // a quantity does not matter when there is an amount; the exact integer path reads
            // plain decimals with a point only
            (Some(a), _) if self.numbers[a] == NumberFormat::Point => {
                match get(Some(a), row).and_then(money_units_exact) {
                    Some(u) => u,
                    None => units(number(a)?)?,
                }
            }
            (Some(a), _) => units(number(a)?)?,
            (None, Some(p)) => {
                let quantity = match self.idx.quantity {
                    Some(i) => number(i)?,
                    None => 0.0,
                };
                units(quantity * number(p)?)?
            }
            (None, None) => units(unreachable_amount())?,
        };
        if self.as_of.is_some_and(|a| day > a) {
            let text = if typed.day.is_some() { format_day(day).into() } else { date_text };
            return Err((RejectReason::DateAfterAsOf, name(self.idx.date), text));
        }
        let amount_text = || -> Cow<'a, str> {
            match typed.amount {
                TypedAmount::F64(a) => typed_text(a, row).into(),
                TypedAmount::I64(a) => typed_text(a, row).into(),
                TypedAmount::Text => get(Some(amount_col), row).unwrap_or("").into(),
            }
        };
        if amount == 0 && self.rules.zero_amount == ZeroAmount::Reject {
            return Err((RejectReason::ZeroAmount, name(amount_col), amount_text()));
        }
        let order = get(self.idx.order, row).map(trim).filter(|s| !s.is_empty());
        let cancelled =
            !self.rules.cancel_prefix.is_empty() && order.is_some_and(|o| o.starts_with(&self.rules.cancel_prefix));
        let is_return = amount < 0 || cancelled;
        if is_return {
            // a cancellation written with a positive amount still takes money back
            amount = -amount.abs();
            if self.rules.returns == Returns::Exclude {
                let (c, v) = match self.idx.order {
                    Some(o) if cancelled => (name(o), order.unwrap_or("").into()),
                    _ => (name(amount_col), amount_text()),
                };
                return Err((RejectReason::ReturnExcluded, c, v));
            }
        }
        Ok(Txn { customer, day, amount, order, is_return })
    }
}

/// Whether a value is the label of a spreadsheet's total row.
fn is_total_word(v: &str) -> bool {
    const WORDS: [&str; 8] = ["合计", "总计", "總計", "合計", "小计", "total", "grand total", "totals"];
    !v.is_empty()
        && v.len() <= 12
        && WORDS.iter().any(|w| v.eq_ignore_ascii_case(w) || v.trim_end_matches([':', '：']) == *w)
}

/// A nullable kept column gathered as plain values, its missing values remembered by position
/// (they are rare, or the whole column is missing).
struct Gather<T> {
    values: Vec<T>,
    missing: Vec<usize>,
}

impl<T: ArrowNativeType> Gather<T> {
    fn with_capacity(n: usize) -> Self {
        Gather { values: Vec::with_capacity(n), missing: Vec::new() }
    }

    fn push(&mut self, v: Option<T>) {
        match v {
            Some(v) => self.values.push(v),
            None => {
                self.missing.push(self.values.len());
                self.values.push(T::default());
            }
        }
    }

    fn finish<P: ArrowPrimitiveType<Native = T>>(self) -> PrimitiveArray<P> {
        let nulls = (!self.missing.is_empty()).then(|| {
            let mut valid = vec![true; self.values.len()];
            for i in self.missing {
                valid[i] = false;
            }
            NullBuffer::from(valid)
        });
        PrimitiveArray::new(ScalarBuffer::from(self.values), nulls)
    }
}

/// The raw rows of one batch as the cleaner reads them: Arrow text or typed columns
/// ([`BatchRows`]), or fields straight from CSV bytes ([`crate::csv_scan`]).
pub(crate) trait RawRows {
    /// Number of rows.
    fn len(&self) -> usize;
    /// Column `col` of `row` as text; `None` for a null, empty or missing value.
    fn text(&self, col: usize, row: usize) -> Option<&str>;
    /// The row's local line in its partition, the key of its line in the file.
    fn local(&self, row: usize) -> u64;
    /// The 128-bit xxh3 hash of the row's identity, for exact duplicates (`buf` is scratch
    /// space). Arrow rows: per column, `0` for a null, `1` and the text for text, `2` and the
    /// value's bytes for a typed value, then `0xFF`; CSV rows: the record's text.
    fn row_hash(&self, row: usize, buf: &mut Vec<u8>) -> u128;
    /// The rows where `mask` is true, every column as text (the raw part of a reject batch).
    fn reject_columns(&self, mask: &[bool]) -> Result<Vec<ArrayRef>>;
    /// The typed amount and date columns, if any.
    fn typed(&self) -> Typed<'_>;
    /// The rows whose shape is wrong (by row, ascending); none for Arrow batches.
    fn faults(&self) -> &[(usize, Fault)] {
        &[]
    }
}

/// An Arrow batch as [`RawRows`]: text columns as they are, typed role columns read as values,
/// other typed columns hashed by their bytes and formatted only for rejects.
struct BatchRows<'b> {
    batch: &'b RecordBatch,
    typed: Typed<'b>,
    text: Vec<Option<StringArray>>,
    fixed: Vec<Option<(ArrayData, usize)>>,
    /// Lines of the partition before this batch.
    lines_before: u64,
    raw_schema: &'b SchemaRef,
}

impl<'b> BatchRows<'b> {
    fn new(cleaner: &'b Cleaner, batch: &'b RecordBatch, lines_before: u64) -> Result<BatchRows<'b>> {
        let typed = Typed::of(batch, &cleaner.idx);
        // text only where the cleaner reads text (or a column has no fixed-width values to
        // hash); other typed columns are hashed from their values, never formatted
        let text: Vec<Option<StringArray>> = batch
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| -> Result<Option<StringArray>> {
                let fixed = c.data_type().primitive_width().is_some();
                if c.data_type() != &DataType::Utf8 && fixed && !cleaner.reads_text(i, &typed) {
                    return Ok(None);
                }
                Ok(Some(text_column(c)?.as_string::<i32>().clone()))
            })
            .collect::<Result<_>>()?;
        let fixed = batch
            .columns()
            .iter()
            .zip(&text)
            .map(|(c, t)| match (t, c.data_type().primitive_width()) {
                (None, Some(w)) => Some((c.to_data(), w)),
                _ => None,
            })
            .collect();
        Ok(BatchRows { batch, typed, text, fixed, lines_before, raw_schema: &cleaner.raw_schema })
    }
}

impl BatchRows<'_> {
    /// The row's hash the plain way: per column, `0` for a null, `1` and the text for text, `2`
    /// and the value's bytes for a typed value, then `0xFF`, all into `buf`, hashed with xxh3-128.
    /// [`RawRows::row_hash`] lays out the same bytes faster; this is its way for long rows.
    fn row_hash_in(&self, row: usize, buf: &mut Vec<u8>) -> u128 {
        buf.clear();
        for (c, f) in self.text.iter().zip(&self.fixed) {
            match (c, f) {
                (Some(c), _) => match value(c, row) {
                    Some(v) => {
                        buf.push(1);
                        buf.extend_from_slice(v.as_bytes());
                    }
                    None => buf.push(0),
                },
                (None, Some((data, w))) if data.is_valid(row) => {
                    buf.push(2);
                    let at = (data.offset() + row) * w;
                    buf.extend_from_slice(&data.buffers()[0].as_slice()[at..at + w]);
                }
                (None, _) => buf.push(0),
            }
            buf.push(0xFF);
        }
        xxhash_rust::xxh3::xxh3_128(buf)
    }
}

/// Bytes of scratch space [`BatchRows`] lays a row out in for its hash.
const ROW_SCRATCH: usize = 512;

impl RawRows for BatchRows<'_> {
    fn len(&self) -> usize {
        self.batch.num_rows()
    }

    fn text(&self, col: usize, row: usize) -> Option<&str> {
        self.text[col].as_ref().and_then(|c| value(c, row))
    }

    fn local(&self, row: usize) -> u64 {
        self.lines_before + row as u64 + 1
    }

    fn row_hash(&self, row: usize, buf: &mut Vec<u8>) -> u128 {
        // the bytes laid out as `row_hash_in` lays them out, into a scratch area sized once:
        // short texts (ids, codes) copied as one 16-byte block and cut, fixed values as 4 or 8
        // bytes, so no copy of a variable length (a `memcpy` call each, and a length check per
        // push: 570M instructions and 110M in `memcpy` on the 1.19M-row Parquet log); a row that
        // does not fit, or a text near the end of its buffer, takes the plain way
        if buf.len() < ROW_SCRATCH {
            buf.resize(ROW_SCRATCH, 0);
        }
        let a = &mut buf[..ROW_SCRATCH];
        let mut pos = 0;
        for (c, f) in self.text.iter().zip(&self.fixed) {
            // room for a tag, a 16-byte block and the separator
            if pos + 18 > ROW_SCRATCH {
                return self.row_hash_in(row, buf);
            }
            match (c, f) {
                (Some(c), _) if c.is_valid(row) => {
                    let offsets = c.value_offsets();
                    let (start, end) = (offsets[row].as_usize(), offsets[row + 1].as_usize());
                    let values = c.value_data();
                    a[pos] = 1;
                    pos += 1;
                    if end - start <= 16 && start + 16 <= values.len() {
                        a[pos..pos + 16].copy_from_slice(&values[start..start + 16]);
                    } else if pos + (end - start) < ROW_SCRATCH {
                        a[pos..pos + (end - start)].copy_from_slice(&values[start..end]);
                    } else {
                        return self.row_hash_in(row, buf);
                    }
                    pos += end - start;
                }
                (Some(_), _) => {
                    a[pos] = 0;
                    pos += 1;
                }
                (None, Some((data, w))) if data.is_valid(row) => {
                    a[pos] = 2;
                    let at = (data.offset() + row) * w;
                    let bytes = &data.buffers()[0].as_slice()[at..at + w];
                    match *w {
                        4 => a[pos + 1..pos + 5].copy_from_slice(&<[u8; 4]>::try_from(bytes).unwrap_or_default()),
                        8 => a[pos + 1..pos + 9].copy_from_slice(&<[u8; 8]>::try_from(bytes).unwrap_or_default()),
                        _ if pos + 1 + w < ROW_SCRATCH => a[pos + 1..pos + 1 + w].copy_from_slice(bytes),
                        _ => return self.row_hash_in(row, buf),
                    }
                    pos += 1 + w;
                }
                (None, _) => {
                    a[pos] = 0;
                    pos += 1;
                }
            }
            a[pos] = 0xFF;
            pos += 1;
        }
        xxhash_rust::xxh3::xxh3_128(&a[..pos])
    }

    fn reject_columns(&self, mask: &[bool]) -> Result<Vec<ArrayRef>> {
        let raw = filter_record_batch(self.batch, &BooleanArray::from(mask.to_vec()))?;
        let raw = RecordBatch::try_new(self.raw_schema.clone(), text_columns(&raw)?)?;
        Ok(raw.columns().to_vec())
    }

    fn typed(&self) -> Typed<'_> {
        self.typed
    }
}

/// The mapping guarantees an amount or a unit price; reaching here is a bug in the mapping.
fn unreachable_amount() -> f64 {
    f64::NAN
}

/// A rejected row: the reason, the column and the offending value as text.
type Reject<'a> = (RejectReason, &'a str, Cow<'a, str>);

/// The first and last day a date is read as (years 1000 to 9999, as [`crate::parse`] reads text).
const MIN_DAY: i32 = -354_285;
const MAX_DAY: i32 = 2_932_896;

/// The amount and date columns of one batch when they arrive typed (Parquet, JSON): read as
/// values instead of being formatted as text and parsed back, which gives the same result.
#[derive(Clone, Copy)]
pub(crate) struct Typed<'b> {
    amount: TypedAmount<'b>,
    day: Option<&'b Date32Array>,
}

#[derive(Clone, Copy)]
pub(crate) enum TypedAmount<'b> {
    Text,
    F64(&'b Float64Array),
    I64(&'b Int64Array),
}

impl<'b> Typed<'b> {
    /// Every column text (CSV).
    pub(crate) fn text() -> Typed<'b> {
        Typed { amount: TypedAmount::Text, day: None }
    }

    fn of(batch: &'b RecordBatch, idx: &RoleIdx) -> Typed<'b> {
        let amount = match idx.amount.map(|i| batch.column(i)) {
            Some(c) if c.data_type() == &DataType::Float64 => TypedAmount::F64(c.as_primitive()),
            Some(c) if c.data_type() == &DataType::Int64 => TypedAmount::I64(c.as_primitive()),
            _ => TypedAmount::Text,
        };
        let day = Some(batch.column(idx.date)).filter(|c| c.data_type() == &DataType::Date32).map(|c| c.as_primitive());
        Typed { amount, day }
    }
}

impl Cleaner {
    /// Whether the cleaner reads column `i` as text (a role column not read as a typed value).
    fn reads_text(&self, i: usize, typed: &Typed<'_>) -> bool {
        let x = &self.idx;
        let typed_amount = !matches!(typed.amount, TypedAmount::Text);
        (i == x.customer)
            || (i == x.date && typed.day.is_none())
            || (Some(i) == x.amount && !typed_amount)
            || [x.quantity, x.unit_price, x.order, x.category, x.channel, x.discount, x.product].contains(&Some(i))
    }
}

/// One value of a typed column as the text [`text_columns`] would give it.
fn typed_text(a: &dyn Array, row: usize) -> String {
    text_column(&a.slice(row, 1))
        .ok()
        .and_then(|t| t.as_string_opt::<i32>().filter(|t| t.is_valid(0)).map(|t| t.value(0).to_string()))
        .unwrap_or_default()
}

struct Txn<'a> {
    customer: &'a str,
    day: i32,
    amount: i64,
    order: Option<&'a str>,
    is_return: bool,
}

/// `s` without surrounding whitespace; a value that starts and ends with a visible ASCII
/// character (the usual case) is returned without scanning (a multi-byte character's first and
/// last bytes are never ASCII, so Unicode spaces such as U+3000 still go to `str::trim`).
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

fn value(a: &StringArray, row: usize) -> Option<&str> {
    if a.is_null(row) { None } else { Some(a.value(row)) }
}

/// Keeps the [`LATEST_KEPT`] latest-dated rows (the earliest row wins a tie on the date).
fn remember_latest(state: &mut PartitionState, day: i32, local: u64, text: String) {
    let latest = &mut state.latest;
    if latest.len() < LATEST_KEPT {
        latest.push((day, local, text));
    } else if let Some((pos, min)) = latest.iter().enumerate().min_by_key(|(_, x)| (x.0, std::cmp::Reverse(x.1)))
        && day > min.0
    {
        latest[pos] = (day, local, text);
    }
    state.latest_min = latest.iter().map(|x| x.0).min().unwrap_or(i32::MIN);
}

/// Every column of `batch` as UTF-8 text (CSV columns already are; typed Parquet or JSON
/// columns are cast, or formatted when no cast exists).
pub fn text_columns(batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
    batch.columns().iter().map(text_column).collect()
}

/// One column as UTF-8 text (see [`text_columns`]).
fn text_column(c: &ArrayRef) -> Result<ArrayRef> {
    if c.data_type() == &DataType::Utf8 {
        return Ok(c.clone());
    }
    if let Ok(t) = cast(c, &DataType::Utf8) {
        return Ok(t);
    }
    let opts = FormatOptions::default();
    let f = ArrayFormatter::try_new(c.as_ref(), &opts)?;
    let strings: StringArray =
        (0..c.len()).map(|i| if c.is_null(i) { None } else { Some(f.value(i).to_string()) }).collect();
    Ok(Arc::new(strings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A kept batch's local rows: a run while they are consecutive, then the list; either way
    /// row i's own.
    #[test]
    fn kept_locals_run_until_a_gap_then_list() {
        let mut l = KeptLocals::default();
        assert!(l.is_empty());
        for r in [7, 8, 9] {
            l.push(r);
        }
        assert_eq!(l, KeptLocals::Run { first: 7, len: 3 });
        l.push(11);
        l.push(12);
        assert_eq!(l, KeptLocals::List(vec![7, 8, 9, 11, 12]));
        assert_eq!((0..l.len()).map(|i| l.get(i)).collect::<Vec<_>>(), vec![7, 8, 9, 11, 12]);
        let mut first_gap = KeptLocals::default();
        first_gap.push(3);
        first_gap.push(5);
        assert_eq!((first_gap.len(), first_gap.get(0), first_gap.get(1)), (2, 3, 5));
    }

    /// Day counts equal a map's, for days spread within the span, days before and after the
    /// first one (the vector grows at both ends) and typo years far outside it.
    #[test]
    fn day_counts_count_every_day() {
        let mut rng = custseg_core::math::Rng::new(3);
        let mut counts = DayCounts::default();
        let mut want: BTreeMap<i32, u64> = BTreeMap::new();
        for i in 0..20_000u64 {
            let r = rng.next_u64();
            let day = match i % 50 {
                0 => 23_000 + (r % 3) as i32 * 40_000, // 2032, 2141, 2251: beyond the span
                1 => -700_000 + (r % 5) as i32,        // year 53
                _ => 19_000 + (r % 900) as i32 - 450,
            };
            counts.add(day);
            *want.entry(day).or_insert(0) += 1;
        }
        let got: BTreeMap<i32, u64> = counts.iter().collect();
        assert_eq!(got, want);
        assert!(counts.counts.len() <= DAY_SPAN as usize);
        assert!(!counts.far.is_empty());
        // a log newest first: every day extends the front; the vector grows by doubling
        let mut counts = DayCounts::default();
        let mut moves = 0;
        for day in (0..30_000).rev() {
            let before = counts.counts.len();
            counts.add(day);
            moves += usize::from(counts.counts.len() != before);
        }
        assert!(moves < 40, "{moves} regrowths");
        assert_eq!(counts.iter().count(), 30_000);
        assert!(counts.iter().all(|(_, n)| n == 1));
    }

    fn batch(rows: &[[&str; 4]]) -> (Vec<String>, RecordBatch) {
        let names: Vec<String> =
            ["customer_id", "order_date", "amount", "order_id"].iter().map(|s| s.to_string()).collect();
        let columns: Vec<ArrayRef> = (0..4)
            .map(|c| {
                Arc::new(rows.iter().map(|r| if r[c].is_empty() { None } else { Some(r[c]) }).collect::<StringArray>())
                    as ArrayRef
            })
            .collect();
        let schema = Arc::new(text_schema(&names));
        (names.clone(), RecordBatch::try_new(schema, columns).unwrap_or_else(|e| panic!("{e}")))
    }

    fn run(rows: &[[&str; 4]], rules: CleanRules, as_of: Option<i32>) -> PartitionState {
        let (names, b) = batch(rows);
        let map = ColumnMap::resolve(&names, &BTreeMap::new(), std::path::Path::new("t.csv"))
            .unwrap_or_else(|e| panic!("{e}"));
        let cleaner = Cleaner::new(&names, &map, DateFormat::Iso, rules, as_of);
        let mut state = PartitionState::default();
        cleaner.process(&b, &mut state).unwrap_or_else(|e| panic!("{e}"));
        state
    }

    fn reasons(state: &PartitionState) -> Vec<String> {
        state
            .rejects
            .iter()
            .flat_map(|b| {
                let r = b.column_by_name("_reason").map(|c| c.as_string::<i32>().clone());
                r.into_iter().flat_map(|a| a.iter().map(|v| v.unwrap_or("").to_string()).collect::<Vec<_>>())
            })
            .collect()
    }

    #[test]
    fn each_reason_and_the_kept_rows() {
        let s = run(
            &[
                ["", "2024-01-01", "5", "o1"],
                ["c1", "2024-13-01", "5", "o2"],
                ["c1", "2024-01-01", "five", "o3"],
                ["c1", "2024-01-01", "NaN", "o4"],
                ["c1", "2024-02-01", "5", "o5"],
                ["c1", "2024-01-01", "0", "o6"],
                ["c1", "2024-01-02", "7.5", "o7"],
                ["c1", "2024-01-03", "-2", "o8"],
                ["c1", "2024-01-03", "3", "C9"],
            ],
            CleanRules { zero_amount: ZeroAmount::Reject, ..CleanRules::default() },
            crate::parse::days_from_civil(2024, 1, 31),
        );
        assert_eq!(
            reasons(&s),
            vec![
                "missing_customer_id",
                "unparseable_date",
                "unparseable_amount",
                "non_finite_amount",
                "date_after_as_of",
                "zero_amount"
            ]
        );
        assert_eq!(s.rows, 9);
        let kept: usize = s.kept.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(kept, 3);
        assert_eq!((s.returns_rows, s.returns_units), (2, -50_000));
        let s = run(
            &[["c1", "2024-01-03", "-2", "o8"]],
            CleanRules { returns: Returns::Exclude, ..CleanRules::default() },
            None,
        );
        assert_eq!(reasons(&s), vec!["return_excluded"]);
    }

    /// An Arrow row's hash laid out in the scratch area equals the plain layout's: short and
    /// 16- and 17-byte texts, a text at the very end of its buffer, empty texts, nulls of each
    /// kind, 2-, 4- and 8-byte values, and a row too long for the scratch area.
    #[test]
    fn arrow_row_hash_fast_way_equals_the_plain_way() {
        use datafusion::arrow::array::{Date32Array, Int16Array};
        let names: Vec<String> =
            ["customer_id", "order_date", "amount", "note", "qty"].iter().map(|s| s.to_string()).collect();
        let long = "x".repeat(600);
        let notes: Vec<Option<&str>> = vec![
            Some("a"),
            Some("sixteen-bytes-ab"),
            Some("seventeen-bytes-a"),
            None,
            Some(""),
            Some(long.as_str()),
            Some("end"),
        ];
        let n = notes.len();
        let schema = Arc::new(Schema::new(vec![
            Field::new("customer_id", DataType::Utf8, true),
            Field::new("order_date", DataType::Date32, true),
            Field::new("amount", DataType::Float64, true),
            Field::new("note", DataType::Utf8, true),
            Field::new("qty", DataType::Int16, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from((0..n).map(|i| Some(format!("c{i}"))).collect::<Vec<_>>())),
                Arc::new(Date32Array::from((0..n as i32).map(|i| (i != 3).then_some(19_000 + i)).collect::<Vec<_>>())),
                Arc::new(Float64Array::from((0..n).map(|i| (i != 4).then_some(i as f64 * 1.5)).collect::<Vec<_>>())),
                Arc::new(StringArray::from(notes)),
                Arc::new(Int16Array::from((0..n as i16).map(|i| (i != 1).then_some(i * 7)).collect::<Vec<_>>())),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let map =
            ColumnMap::resolve(&names, &BTreeMap::new(), std::path::Path::new("t")).unwrap_or_else(|e| panic!("{e}"));
        let cleaner = Cleaner::new(&names, &map, DateFormat::Iso, CleanRules::default(), None);
        // a slice too: offsets into shared buffers
        for b in [batch.clone(), batch.slice(2, n - 2)] {
            let rows = BatchRows::new(&cleaner, &b, 0).unwrap_or_else(|e| panic!("{e}"));
            let mut buf = Vec::new();
            let mut plain = Vec::new();
            let hashes: Vec<u128> = (0..b.num_rows()).map(|r| rows.row_hash(r, &mut buf)).collect();
            let expected: Vec<u128> = (0..b.num_rows()).map(|r| rows.row_hash_in(r, &mut plain)).collect();
            assert_eq!(hashes, expected);
            // and in the other order (the scratch area after a long row)
            let again: Vec<u128> = (0..b.num_rows()).rev().map(|r| rows.row_hash(r, &mut buf)).collect();
            assert_eq!(again, expected.iter().rev().copied().collect::<Vec<_>>());
            let distinct: std::collections::HashSet<u128> = expected.iter().copied().collect();
            assert_eq!(distinct.len(), b.num_rows());
        }
    }

    /// Typed amount and date columns (Parquet, JSON) give what their text gives: the same kept
    /// rows, the same rejects with the same values; identical typed rows hash equal.
    #[test]
    fn typed_columns_read_as_their_text_would() {
        use datafusion::arrow::array::Date32Array;
        let names: Vec<String> =
            ["customer_id", "order_date", "amount", "order_id"].iter().map(|s| s.to_string()).collect();
        let days = [Some(19_782), None, Some(19_783), Some(-400_000), Some(19_790), Some(19_790), Some(19_782)];
        let amounts = [Some(15.22), Some(1.0), None, Some(2.5), Some(f64::NAN), Some(-0.0), Some(15.22)];
        let ids = ["c1", "c1", "c2", "c2", "c3", "c3", "c1"];
        let typed_schema = Arc::new(Schema::new(vec![
            Field::new("customer_id", DataType::Utf8, true),
            Field::new("order_date", DataType::Date32, true),
            Field::new("amount", DataType::Float64, true),
            Field::new("order_id", DataType::Utf8, true),
        ]));
        let typed = RecordBatch::try_new(
            typed_schema,
            vec![
                Arc::new(StringArray::from(ids.to_vec())),
                Arc::new(Date32Array::from(days.to_vec())),
                Arc::new(Float64Array::from(amounts.to_vec())),
                Arc::new(StringArray::from(vec!["o1", "o2", "o3", "o4", "o5", "o6", "o1"])),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let text =
            RecordBatch::try_new(Arc::new(text_schema(&names)), text_columns(&typed).unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}"));
        let map =
            ColumnMap::resolve(&names, &BTreeMap::new(), std::path::Path::new("t")).unwrap_or_else(|e| panic!("{e}"));
        let cleaner = Cleaner::new(&names, &map, DateFormat::Iso, CleanRules::default(), Some(19_785));
        let run = |b: &RecordBatch| {
            let mut state = PartitionState::default();
            cleaner.process(b, &mut state).unwrap_or_else(|e| panic!("{e}"));
            state
        };
        let (a, b) = (run(&typed), run(&text));
        let kept = |s: &PartitionState| -> Vec<(u32, i32, i64, u64)> {
            s.kept
                .iter()
                .zip(&s.kept_locals)
                .flat_map(|(k, l)| {
                    let c = k.column(0).as_primitive::<datafusion::arrow::datatypes::UInt32Type>().clone();
                    let d = k.column(1).as_primitive::<datafusion::arrow::datatypes::Int32Type>().clone();
                    let m = k.column(2).as_primitive::<datafusion::arrow::datatypes::Int64Type>().clone();
                    (0..k.num_rows()).map(move |i| (c.value(i), d.value(i), m.value(i), l.get(i)))
                })
                .collect()
        };
        assert_eq!(kept(&a), kept(&b));
        assert_eq!(kept(&a), vec![(0, 19_782, 152_200, 1), (0, 19_782, 152_200, 7)]);
        let rejects = |s: &PartitionState| -> Vec<String> {
            s.rejects
                .iter()
                .flat_map(|r| {
                    let t = text_columns(r).unwrap_or_else(|e| panic!("{e}"));
                    (0..r.num_rows())
                        .map(|i| {
                            t.iter()
                                .map(|c| {
                                    let c = c.as_string::<i32>();
                                    if c.is_null(i) { "-".to_string() } else { c.value(i).to_string() }
                                })
                                .collect::<Vec<_>>()
                                .join("|")
                        })
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        assert_eq!(rejects(&a), rejects(&b));
        assert_eq!(
            reasons(&a),
            ["unparseable_date", "unparseable_amount", "unparseable_date", "non_finite_amount", "date_after_as_of"]
        );
        assert!(rejects(&a)[3].ends_with("|5|non_finite_amount|amount|NaN"), "{:?}", rejects(&a)[3]);
        let h: Vec<RowHash> = a.hashes.iter().collect();
        assert_eq!(h.len(), 2);
        assert_eq!((h[0].hi, h[0].lo), (h[1].hi, h[1].lo));
    }

    #[test]
    fn identical_rows_hash_equal() {
        let s = run(
            &[["c1", "2024-01-03", "3", "o1"], ["c1", "2024-01-03", "3", "o1"], ["c1", "2024-01-03", "3", "o2"]],
            CleanRules::default(),
            None,
        );
        let mut h: Vec<RowHash> = s.hashes.iter().collect();
        h.sort_by_key(|r| r.pos);
        assert_eq!((h[0].hi, h[0].lo), (h[1].hi, h[1].lo));
        assert_ne!((h[0].hi, h[0].lo), (h[2].hi, h[2].lo));
        assert_eq!(h[2].pos, 3);
    }
}
