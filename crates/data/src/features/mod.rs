//! Per-customer features, aggregated by DataFusion from the kept transactions.
//!
//! The plan is a chain of small GROUP BYs rather than one statement with `COUNT(DISTINCT)`
//! (which DataFusion runs far slower): lines -> (customer, day) -> customer. Orders are counted
//! at the day level from a flag on each order's first purchase line ([`keys::new_order_flags`]);
//! where that flag cannot be made, an order level (customer, day, order) comes first. Money is
//! summed as integers (see [`crate::parse::MONEY_SCALE`]), so results do not depend on the order
//! partitions are combined in.
//!
//! Definitions (all as of the as-of date `A`, days since 1970-01-01):
//! - a *purchase day* is a day with at least one non-return order; returns are not orders;
//! - `first_purchase` / `last_purchase`: first and last purchase day (a customer with returns
//!   only falls back to their first and last transaction day and has `frequency` 0);
//! - `recency_days = A - last_purchase`, `tenure_days = A - first_purchase`;
//! - `frequency`: distinct orders (order id if the data has one, else purchase days);
//! - `monetary`: net total (purchases minus returns); `aov`: purchases / frequency;
//! - `returns_count`: return lines; `returns_amount`: their total as a positive number;
//! - `avg_interpurchase_days = (last - first) / (purchase days - 1)` for 2+ purchase days;
//! - `annual_spend = monetary * 365 / max(tenure_days, 365)` (no extrapolation below a year);
//! - BTYD summary: `x` = purchase days - 1, `t_x = (last - first) / 7`, `T = (A - first) / 7`
//!   (weeks), `zbar` = mean purchase total of the repeat purchase days (first day excluded; 0
//!   when x = 0). Same-day purchases merge.
//! - `last_gap_days`: days between the last two purchase days (for the lifecycle stage).

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::datatypes::{Int32Type, Int64Type, UInt32Type};
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use datafusion::prelude::col;

use crate::clean::{FEATURE_COLUMNS, feature_schema};
use crate::error::{DataError, Result};
use crate::ingest::Names;
use crate::parse::MONEY_SCALE;

mod keys;
mod second_max;
mod shard;

/// The day level's sums, by arithmetic on `ret`, the return flag as 1 or 0 ([`keys::add_keys`]),
/// rather than `CASE WHEN is_return ...` (DataFusion evaluates a CASE branch by branch and
/// merges the results: 6% of the bench job's instructions for these four) or a cast of the flag
/// (Arrow's boolean-to-integer cast takes a value at a time). The same integers.
const GROSS: &str = "SUM(amount * (1 - ret)) AS gross";
/// Returned amount, positive.
const RET_AMOUNT: &str = "-SUM(amount * ret) AS ret_amount";
/// Return lines.
const RET_LINES: &str = "SUM(ret) AS ret_lines";
/// 1 when a group has a purchase line.
const PURCHASE: &str = "MAX(1 - ret)";

/// Shards of whole customers per core for the aggregation (see [`aggregate`]).
const SHARDS_PER_CORE: usize = 4;

/// Most distinct channels turned into share columns; more than this and no shares are made.
pub const MAX_CHANNELS: usize = 20;

/// Per-customer features, one entry per customer, sorted by customer id (byte order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// As-of date, days since 1970-01-01.
    pub as_of: i32,
    /// Customer ids.
    pub customer: Vec<String>,
    /// First purchase day.
    pub first_purchase: Vec<i32>,
    /// Last purchase day.
    pub last_purchase: Vec<i32>,
    /// Days since the last purchase.
    pub recency_days: Vec<i64>,
    /// Distinct orders.
    pub frequency: Vec<u64>,
    /// Net revenue.
    pub monetary: Vec<f64>,
    /// Average order value (purchases / orders); `None` without orders.
    pub aov: Vec<Option<f64>>,
    /// Days since the first purchase.
    pub tenure_days: Vec<i64>,
    /// Return lines.
    pub returns_count: Vec<u64>,
    /// Returned amount, positive.
    pub returns_amount: Vec<f64>,
    /// Mean days between purchase days.
    pub avg_interpurchase_days: Vec<Option<f64>>,
    /// Net revenue per year of tenure (tenure floored at one year).
    pub annual_spend: Vec<f64>,
    /// Distinct categories bought (when the data has categories).
    pub n_categories: Option<Vec<u64>>,
    /// Category with the most spend (ties: alphabetical).
    pub top_category: Option<Vec<Option<String>>>,
    /// The top category's share of the customer's purchase spend with a category (`None`
    /// without such spend).
    pub top_category_share: Option<Vec<Option<f64>>>,
    /// Share of the customer's purchase spend on discounted lines (when the data has a discount
    /// column; `None` for a customer without purchase spend).
    pub discounted_share: Option<Vec<Option<f64>>>,
    /// Channel names, when the data has at most [`MAX_CHANNELS`] of them.
    pub channels: Vec<String>,
    /// Share of purchase spend per channel, `channel_share[c][i]` for customer i.
    pub channel_share: Vec<Vec<f64>>,
    /// x: repeat purchase days.
    pub x: Vec<u64>,
    /// t_x: weeks from first to last purchase.
    pub t_x: Vec<f64>,
    /// T: weeks from first purchase to the as-of date.
    pub t_cal: Vec<f64>,
    /// zbar: mean repeat purchase-day value.
    pub zbar: Vec<f64>,
    /// Days between the last two purchase days.
    pub last_gap_days: Vec<Option<i64>>,
}

impl Features {
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// Whether there are no customers.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// The customers at `idx` (in that order), as features of their own: one customer's row
    /// for a lookup, a sample for a test.
    pub fn select(&self, idx: &[usize]) -> Features {
        fn pick<T: Clone>(v: &[T], idx: &[usize]) -> Vec<T> {
            idx.iter().map(|&i| v[i].clone()).collect()
        }
        Features {
            as_of: self.as_of,
            customer: pick(&self.customer, idx),
            first_purchase: pick(&self.first_purchase, idx),
            last_purchase: pick(&self.last_purchase, idx),
            recency_days: pick(&self.recency_days, idx),
            frequency: pick(&self.frequency, idx),
            monetary: pick(&self.monetary, idx),
            aov: pick(&self.aov, idx),
            tenure_days: pick(&self.tenure_days, idx),
            returns_count: pick(&self.returns_count, idx),
            returns_amount: pick(&self.returns_amount, idx),
            avg_interpurchase_days: pick(&self.avg_interpurchase_days, idx),
            annual_spend: pick(&self.annual_spend, idx),
            n_categories: self.n_categories.as_ref().map(|v| pick(v, idx)),
            top_category: self.top_category.as_ref().map(|v| pick(v, idx)),
            top_category_share: self.top_category_share.as_ref().map(|v| pick(v, idx)),
            discounted_share: self.discounted_share.as_ref().map(|v| pick(v, idx)),
            channels: self.channels.clone(),
            channel_share: self.channel_share.iter().map(|v| pick(v, idx)).collect(),
            x: pick(&self.x, idx),
            t_x: pick(&self.t_x, idx),
            t_cal: pick(&self.t_cal, idx),
            zbar: pick(&self.zbar, idx),
            last_gap_days: pick(&self.last_gap_days, idx),
        }
    }
}

/// Which optional columns the transactions have.
#[derive(Debug, Clone, Copy, Default)]
pub struct Present {
    /// An order id column.
    pub order_id: bool,
    /// A category column.
    pub category: bool,
    /// A channel column.
    pub channel: bool,
    /// A discount column.
    pub discount: bool,
}

/// Aggregates the kept transactions (partitions of [`crate::clean::kept_schema`] batches with codes into
/// `names`) into features as of `as_of`.
///
/// The rows are first sorted by customer and cut into [`SHARDS_PER_CORE`] shards of whole
/// customers per core ([`shard::by_customer`]); each shard runs the same SQL in its own
/// single-partition session with the sort order declared, so DataFusion aggregates in streaming mode and never
/// repartitions. Customers are independent, so the shards' results are simply put together.
///
/// # Errors
/// [`DataError::Engine`] if DataFusion fails.
pub async fn aggregate(
    ctx: &SessionContext,
    kept: Vec<Vec<RecordBatch>>,
    names: Names,
    present: Present,
    as_of: i32,
) -> Result<Features> {
    let schema = feature_schema();
    let t0 = std::time::Instant::now();
    let batches: Vec<RecordBatch> =
        kept.into_iter().flatten().map(|b| b.project(&FEATURE_COLUMNS)).collect::<std::result::Result<_, _>>()?;
    // a few shards per core, taken by whichever core is free: with one shard per core, the
    // last one to finish ran alone for up to 0.7 s on the 11.9M-row bench
    let n_shards = SHARDS_PER_CORE * ctx.copied_config().target_partitions();
    let Names { customers: ids, categories, channels, .. } = names;
    let shards = shard::by_customer(&schema, batches, ids.len(), n_shards)?;
    tracing::debug!(ms = t0.elapsed().as_millis() as u64, shards = shards.len(), "rows sorted by customer");
    let config = ctx.copied_config().with_target_partitions(1);
    let line_key = keys::LineKey::new(categories.len(), channels.len());
    let n = ids.len();
    // shard k holds the customers with codes in [bounds[k], bounds[k + 1]): its rows' first
    // customer on (the first from 0, the last to n, so customers without rows are covered)
    let mut bounds: Vec<usize> = Vec::with_capacity(shards.len() + 1);
    for rows in &shards {
        let first = rows.iter().find(|b| b.num_rows() > 0).map(|b| b.column(0).as_primitive::<UInt32Type>().value(0));
        bounds.push(first.map_or_else(|| bounds.last().copied().unwrap_or(0), |c| c as usize));
    }
    if let Some(b) = bounds.first_mut() {
        *b = 0;
    }
    bounds.push(n);
    let labels = (categories, channels);
    // one worker thread per core takes the shards in turn ([`crate::workers`]): a shard's rows
    // (and its keys, day table and hash tables) are freed when it is done, before the next is
    // started, so the next reuses that memory; run as tasks all at once, every shard's tables
    // were alive together (200 MB more at the 11.9M-row bench's peak)
    let runtime = ctx.runtime_env();
    let threads = ctx.copied_config().target_partitions();
    let shards: Vec<(usize, Vec<RecordBatch>)> = shards.into_iter().enumerate().collect();
    let results = crate::workers::in_turn(threads, shards, "the customer features", |rt, (k, rows)| {
        let shard_ctx = SessionContext::new_with_config_rt(config.clone(), runtime.clone());
        let (customers, categories) =
            rt.block_on(shard_aggregate(&shard_ctx, schema.clone(), rows, present, line_key))?;
        // the category and channel features of the shard's customers, here, on the core that
        // aggregated them (done after all shards, this ran on one core alone)
        let extra = keys::needs_line_group(present).then(|| {
            categories_and_channels(&categories, bounds[k]..bounds[k + 1], &labels.0, &labels.1, present, line_key)
        });
        Ok((customers, extra))
    })?;
    let mut customers = Vec::new();
    let mut parts = Vec::new();
    for (c, extra) in results {
        customers.extend(c);
        parts.extend(extra);
    }
    tracing::debug!(ms = t0.elapsed().as_millis() as u64, "customers aggregated");
    // the per-customer columns and the shards' category/channel ones put together: one core each
    let (mut f, extra) = rayon::join(
        || from_batches(&customers, ids, as_of),
        || {
            keys::needs_line_group(present).then(|| match parts.is_empty() {
                // no rows, no shards: every customer without categories and channels
                true => categories_and_channels(&[], 0..n, &labels.0, &labels.1, present, line_key),
                false => CategoryFeatures::concat(parts),
            })
        },
    );
    if let Some(extra) = extra {
        extra.add_to(&mut f);
    }
    Ok(f)
}

/// One shard's aggregation: `(customer rows, (customer, category, channel) rows)`.
async fn shard_aggregate(
    ctx: &SessionContext,
    schema: SchemaRef,
    rows: Vec<RecordBatch>,
    present: Present,
    line_key: keys::LineKey,
) -> Result<(Vec<RecordBatch>, Vec<RecordBatch>)> {
    let err = |what: &str| DataError::engine(format!("computing customer features ({what})"));
    let by_customer = || vec![vec![col("customer").sort(true, false)]];
    // packed integer keys (see `keys`): `cd` for (customer, day), `lg` for (customer, category,
    // channel), and with order ids each order's first purchase line flagged, so the day level
    // counts orders without an order level
    let flags = if present.order_id { keys::new_order_flags(&rows) } else { None };
    let order_flags = flags.is_some();
    let with_keys = keys::schema_with_keys(&schema, present, line_key, order_flags);
    let rows = rows
        .iter()
        .enumerate()
        .map(|(k, b)| keys::add_keys(b, &with_keys, present, line_key, flags.as_ref().map(|f| &f[k])))
        .collect::<Result<Vec<_>>>()?;
    // with each customer's rows in day order (a log in time order, or one exported customer
    // by customer in time order), the day levels group on the packed `cd` key, which is then
    // sorted; otherwise on (customer, day), sorted by its first column (see `keys`)
    let day_key_sorted = with_keys
        .index_of("cd")
        .is_ok_and(|cd| shard::never_decreases::<datafusion::arrow::datatypes::UInt64Type>(&rows, cd));
    let mut order = by_customer();
    if day_key_sorted {
        order.push(vec![col("cd").sort(true, false)]);
    }
    let table = MemTable::try_new(with_keys, vec![rows]).map_err(err("table"))?.with_sort_order(order);
    ctx.register_table("tx", Arc::new(table)).map_err(err("table"))?;
    let day_key = if day_key_sorted { "cd" } else { "customer, day" };
    let day_level = if order_flags {
        format!(
            "SELECT {day_key},
                    {GROSS},
                    {RET_AMOUNT},
                    {RET_LINES},
                    SUM(new_order) AS orders
             FROM tx GROUP BY {day_key}"
        )
    } else if present.order_id {
        format!(
            "WITH orders AS (
                SELECT {day_key},
                       {GROSS},
                       {RET_AMOUNT},
                       {RET_LINES},
                       {PURCHASE} AS is_purchase
                FROM tx GROUP BY {day_key}, order_key)
             SELECT {day_key}, SUM(gross) AS gross, SUM(ret_amount) AS ret_amount,
                    SUM(ret_lines) AS ret_lines, SUM(is_purchase) AS orders
             FROM orders GROUP BY {day_key}"
        )
    } else {
        format!(
            "SELECT {day_key},
                    {GROSS},
                    {RET_AMOUNT},
                    {RET_LINES},
                    {PURCHASE} AS orders
             FROM tx GROUP BY {day_key}"
        )
    };
    let t0 = std::time::Instant::now();
    let categories = if keys::needs_line_group(present) {
        let discounted =
            if present.discount { ", SUM(CASE WHEN discounted THEN amount ELSE 0 END) AS disc" } else { "" };
        let sql = format!("SELECT lg, SUM(amount) AS spend{discounted} FROM tx WHERE NOT is_return GROUP BY lg");
        let e = || DataError::engine("computing customer features (categories, channels and discounts)");
        ctx.sql(&sql).await.map_err(e())?.collect().await.map_err(e())?
    } else {
        Vec::new()
    };
    tracing::debug!(ms = t0.elapsed().as_millis() as u64, "shard: categories");
    // materialise the day table, so that its order by customer can be checked and declared
    let days = ctx.sql(&day_level).await.map_err(err("days"))?;
    let (days_schema, days) = if day_key_sorted {
        // the day key back into customer and day columns
        let schema = unpacked_days_schema(days.schema().as_arrow());
        let days = days.collect().await.map_err(err("days"))?;
        let days = days.iter().map(|b| unpack_days(b, &schema)).collect::<Result<Vec<_>>>()?;
        (schema, days)
    } else {
        (Arc::new(days.schema().as_arrow().clone()), days.collect().await.map_err(err("days"))?)
    };
    // the line-level rows are no longer needed
    ctx.deregister_table("tx").map_err(err("table"))?;
    // the streaming aggregation emits customers in input order; declared only when checked
    let sorted = shard::sorted_by_customer(&days);
    let mut days = MemTable::try_new(days_schema, vec![days]).map_err(err("days"))?;
    if sorted {
        days = days.with_sort_order(by_customer());
    }
    ctx.register_table("days", Arc::new(days)).map_err(err("days"))?;
    ctx.register_udaf(second_max::udaf());
    tracing::debug!(ms = t0.elapsed().as_millis() as u64, "shard: days");
    // one aggregation: the first purchase day's spend by FIRST_VALUE, the purchase day before
    // the last by our SECOND_MAX (both over purchase days only), instead of joining the day
    // table with its own per-customer aggregate
    let sql = "SELECT customer,
                   MIN(day) FILTER (WHERE orders > 0) AS first_p,
                   MAX(day) FILTER (WHERE orders > 0) AS last_p,
                   MIN(day) AS first_any, MAX(day) AS last_any,
                   SUM(orders) AS frequency,
                   COUNT(*) FILTER (WHERE orders > 0) AS purchase_days,
                   SUM(gross) AS gross, SUM(ret_amount) AS ret_amount, SUM(ret_lines) AS ret_lines,
                   FIRST_VALUE(gross ORDER BY day) FILTER (WHERE orders > 0) AS first_day_gross,
                   SECOND_MAX(day) FILTER (WHERE orders > 0) AS prev_p
            FROM days GROUP BY customer";
    let customers = ctx.sql(sql).await.map_err(err("customers"))?.collect().await.map_err(err("customers"))?;
    ctx.deregister_table("days").map_err(err("days"))?;
    tracing::debug!(ms = t0.elapsed().as_millis() as u64, "shard: customers");
    Ok((customers, categories))
}

/// The day table's schema with its first column, the packed `cd` key, replaced by `customer`
/// and `day`.
fn unpacked_days_schema(packed: &datafusion::arrow::datatypes::Schema) -> SchemaRef {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    let mut fields = vec![Field::new("customer", DataType::UInt32, false), Field::new("day", DataType::Int32, false)];
    fields.extend(packed.fields().iter().skip(1).map(|f| f.as_ref().clone()));
    Arc::new(Schema::new(fields))
}

/// A day-table batch (`cd` key first) in the [`unpacked_days_schema`].
fn unpack_days(b: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    use datafusion::arrow::array::{ArrayRef, Int32Array, UInt32Array};
    use datafusion::arrow::datatypes::UInt64Type;
    let (customer, day): (Vec<u32>, Vec<i32>) =
        b.column(0).as_primitive::<UInt64Type>().values().iter().map(|&k| keys::split_customer_day(k)).unzip();
    let mut columns: Vec<ArrayRef> = vec![Arc::new(UInt32Array::from(customer)), Arc::new(Int32Array::from(day))];
    columns.extend(b.columns().iter().skip(1).cloned());
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

fn i64_col(b: &RecordBatch, i: usize) -> impl Fn(usize) -> Option<i64> + '_ {
    let c = b.column(i);
    move |r| {
        if c.is_null(r) {
            None
        } else if let Some(a) = c.as_primitive_opt::<Int64Type>() {
            Some(a.value(r))
        } else {
            c.as_primitive_opt::<Int32Type>().map(|a| i64::from(a.value(r)))
        }
    }
}

fn from_batches(batches: &[RecordBatch], customers: Vec<String>, as_of: i32) -> Features {
    let n = customers.len();
    let a = i64::from(as_of);
    let mut f = Features {
        as_of,
        customer: customers,
        first_purchase: vec![as_of; n],
        last_purchase: vec![as_of; n],
        recency_days: vec![0; n],
        frequency: vec![0; n],
        monetary: vec![0.0; n],
        aov: vec![None; n],
        tenure_days: vec![0; n],
        returns_count: vec![0; n],
        returns_amount: vec![0.0; n],
        avg_interpurchase_days: vec![None; n],
        annual_spend: vec![0.0; n],
        x: vec![0; n],
        t_x: vec![0.0; n],
        t_cal: vec![0.0; n],
        zbar: vec![0.0; n],
        last_gap_days: vec![None; n],
        ..Features::default()
    };
    for b in batches {
        let code = b.column(0).as_primitive::<UInt32Type>();
        let [
            first_p,
            last_p,
            first_any,
            last_any,
            frequency,
            purchase_days,
            gross,
            ret_amount,
            ret_lines,
            first_day_gross,
            prev_p,
        ] = std::array::from_fn(|k| i64_col(b, k + 1));
        for r in 0..b.num_rows() {
            let i = code.value(r) as usize;
            let first = first_p(r).or(first_any(r)).unwrap_or(a);
            let last = last_p(r).or(last_any(r)).unwrap_or(a);
            let freq = frequency(r).unwrap_or(0).max(0) as u64;
            let pdays = purchase_days(r).unwrap_or(0).max(0) as u64;
            let gross_units = gross(r).unwrap_or(0);
            let purchases = gross_units as f64 / MONEY_SCALE;
            let monetary = (gross_units - ret_amount(r).unwrap_or(0)) as f64 / MONEY_SCALE;
            let tenure = a - first;
            let x = pdays.saturating_sub(1);
            let repeat_gross = (gross_units - first_day_gross(r).unwrap_or(0)) as f64 / MONEY_SCALE;
            f.first_purchase[i] = first as i32;
            f.last_purchase[i] = last as i32;
            f.recency_days[i] = a - last;
            f.frequency[i] = freq;
            f.monetary[i] = monetary;
            f.aov[i] = (freq > 0).then(|| purchases / freq as f64);
            f.tenure_days[i] = tenure;
            f.returns_count[i] = ret_lines(r).unwrap_or(0).max(0) as u64;
            f.returns_amount[i] = ret_amount(r).unwrap_or(0) as f64 / MONEY_SCALE;
            f.avg_interpurchase_days[i] = (pdays >= 2).then(|| (last - first) as f64 / (pdays - 1) as f64);
            f.annual_spend[i] = monetary * 365.0 / (tenure.max(365) as f64);
            f.x[i] = x;
            f.t_x[i] = if pdays > 0 { (last - first) as f64 / 7.0 } else { 0.0 };
            f.t_cal[i] = tenure as f64 / 7.0;
            f.zbar[i] = if x > 0 { repeat_gross / x as f64 } else { 0.0 };
            f.last_gap_days[i] = prev_p(r).map(|p| last - p);
        }
    }
    f
}

/// Category, channel and discount features of the customers with codes in `range`, from one
/// aggregation by (customer, category, channel) over their purchase rows: the number of
/// categories, the top category by spend (ties: the smaller name, which is the smaller code
/// since codes are name-sorted), spend shares per channel, and the discounted share of spend.
/// Row `k` of each column is customer `range.start + k`.
fn categories_and_channels(
    batches: &[RecordBatch],
    range: std::ops::Range<usize>,
    categories: &[String],
    channels: &[String],
    present: Present,
    line_key: keys::LineKey,
) -> CategoryFeatures {
    let mut f = CategoryFeatures::default();
    let n = range.len();
    let shares = present.channel && !channels.is_empty() && channels.len() <= MAX_CHANNELS;
    let n_ch = if shares { channels.len() } else { 0 };
    let mut chan_spend = vec![0i64; n * n_ch];
    // (purchase spend, discounted spend) per customer
    let mut disc_spend = vec![(0i64, 0i64); if present.discount { n } else { 0 }];
    // (customer, category) -> spend, summed over channels
    let mut cat_spend: Vec<(u32, u32, i64)> = Vec::new();
    for b in batches {
        // column 0: the packed (customer, category, channel) key
        let key = keys::LineKey::keys_of(b.column(0).as_ref());
        let spend = i64_col(b, 1);
        let disc = present.discount.then(|| i64_col(b, 2));
        for (r, &k) in key.iter().enumerate() {
            let (i, cat, ch) = line_key.split(k);
            let i = i - range.start as u32;
            let v = spend(r).unwrap_or(0);
            if let Some(disc) = &disc {
                let d = &mut disc_spend[i as usize];
                d.0 += v;
                d.1 += disc(r).unwrap_or(0);
            }
            if shares && let Some(ch) = ch {
                chan_spend[i as usize * n_ch + ch as usize] += v;
            }
            if present.category
                && let Some(cat) = cat
            {
                cat_spend.push((i, cat, v));
            }
        }
    }
    if present.category {
        // the shards' rows come out grouped by customer (streaming aggregation over rows sorted
        // by customer), so sorting each customer's few rows is enough; checked, not assumed
        if cat_spend.windows(2).all(|w| w[0].0 <= w[1].0) {
            for run in cat_spend.chunk_by_mut(|a, b| a.0 == b.0) {
                run.sort_unstable_by_key(|&(_, k, _)| k);
            }
        } else {
            cat_spend.sort_unstable_by_key(|&(i, k, _)| (i, k));
        }
        let mut n_categories = vec![0u64; n];
        let mut top: Vec<Option<(u32, i64)>> = vec![None; n];
        let mut total = vec![0i64; n];
        let mut k = 0;
        while k < cat_spend.len() {
            let (i, cat, mut v) = cat_spend[k];
            k += 1;
            while k < cat_spend.len() && cat_spend[k].0 == i && cat_spend[k].1 == cat {
                v += cat_spend[k].2;
                k += 1;
            }
            n_categories[i as usize] += 1;
            total[i as usize] += v;
            // ascending category codes: replace only on strictly more spend, so ties keep the
            // smaller name
            let t = &mut top[i as usize];
            if t.is_none_or(|(_, best)| v > best) {
                *t = Some((cat, v));
            }
        }
        f.n_categories = Some(n_categories);
        f.top_category_share = Some(
            top.iter()
                .zip(&total)
                .map(|(t, &sum)| t.filter(|_| sum > 0).map(|(_, best)| best as f64 / sum as f64))
                .collect(),
        );
        f.top_category = Some(top.into_iter().map(|t| t.map(|(c, _)| categories[c as usize].clone())).collect());
    }
    if present.discount {
        f.discounted_share =
            Some(disc_spend.iter().map(|&(all, d)| (all > 0).then(|| d as f64 / all as f64)).collect());
    }
    if shares {
        f.channels = channels.to_vec();
        f.channel_share = (0..n_ch)
            .map(|k| {
                (0..n)
                    .map(|i| {
                        let row = &chan_spend[i * n_ch..(i + 1) * n_ch];
                        let total: i64 = row.iter().sum();
                        if total > 0 { row[k] as f64 / total as f64 } else { 0.0 }
                    })
                    .collect()
            })
            .collect();
    }
    f
}

/// The [`Features`] fields made by [`categories_and_channels`].
#[derive(Default)]
struct CategoryFeatures {
    n_categories: Option<Vec<u64>>,
    top_category: Option<Vec<Option<String>>>,
    top_category_share: Option<Vec<Option<f64>>>,
    discounted_share: Option<Vec<Option<f64>>>,
    channels: Vec<String>,
    channel_share: Vec<Vec<f64>>,
}

impl CategoryFeatures {
    /// The parts of consecutive customer ranges, in order, as one.
    fn concat(parts: Vec<CategoryFeatures>) -> CategoryFeatures {
        fn join<T>(all: &mut Option<Vec<T>>, part: Option<Vec<T>>) {
            match (all.as_mut(), part) {
                (Some(a), Some(p)) => a.extend(p),
                (None, p) => *all = p,
                (Some(_), None) => {}
            }
        }
        let mut all = CategoryFeatures::default();
        for (k, p) in parts.into_iter().enumerate() {
            join(&mut all.n_categories, p.n_categories);
            join(&mut all.top_category, p.top_category);
            join(&mut all.top_category_share, p.top_category_share);
            join(&mut all.discounted_share, p.discounted_share);
            if k == 0 {
                all.channels = p.channels;
                all.channel_share = p.channel_share;
            } else {
                for (a, s) in all.channel_share.iter_mut().zip(p.channel_share) {
                    a.extend(s);
                }
            }
        }
        all
    }

    fn add_to(self, f: &mut Features) {
        f.n_categories = self.n_categories;
        f.top_category = self.top_category;
        f.top_category_share = self.top_category_share;
        f.discounted_share = self.discounted_share;
        f.channels = self.channels;
        f.channel_share = self.channel_share;
    }
}
