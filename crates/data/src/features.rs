//! Per-customer features, aggregated by DataFusion from the kept transactions.
//!
//! The plan is a chain of small GROUP BYs rather than one statement with `COUNT(DISTINCT)`
//! (which DataFusion runs far slower): lines -> (customer, day, order) -> (customer, day) ->
//! customer. Money is summed as integers (see [`crate::parse::MONEY_SCALE`]), so results do not
//! depend on the order partitions are combined in.
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

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Int32Type, Int64Type};
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;

use crate::clean::kept_schema;
use crate::error::{DataError, Result};
use crate::parse::MONEY_SCALE;

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
}

/// Aggregates the kept transactions (partitions of [`kept_schema`] batches) into features as of
/// `as_of`.
///
/// # Errors
/// [`DataError::Engine`] if DataFusion fails.
pub async fn aggregate(
    ctx: &SessionContext,
    kept: Vec<Vec<RecordBatch>>,
    present: Present,
    as_of: i32,
) -> Result<Features> {
    let err = |what: &str| DataError::engine(format!("computing customer features ({what})"));
    let partitions = rebalance(kept, ctx.copied_config().target_partitions());
    let schema = Arc::new(kept_schema().project(&TABLE_COLUMNS).map_err(|e| err("table")(e.into()))?);
    let table = MemTable::try_new(schema, partitions).map_err(err("table"))?;
    ctx.deregister_table("tx").map_err(err("table"))?;
    ctx.register_table("tx", Arc::new(table)).map_err(err("table"))?;

    let day_level = if present.order_id {
        "WITH orders AS (
            SELECT customer, day,
                   SUM(CASE WHEN is_return THEN 0 ELSE amount END) AS gross,
                   SUM(CASE WHEN is_return THEN -amount ELSE 0 END) AS ret_amount,
                   SUM(CASE WHEN is_return THEN 1 ELSE 0 END) AS ret_lines,
                   MAX(CASE WHEN is_return THEN 0 ELSE 1 END) AS is_purchase
            FROM tx GROUP BY customer, day, order_key)
         SELECT customer, day, SUM(gross) AS gross, SUM(ret_amount) AS ret_amount,
                SUM(ret_lines) AS ret_lines, SUM(is_purchase) AS orders
         FROM orders GROUP BY customer, day"
    } else {
        "SELECT customer, day,
                SUM(CASE WHEN is_return THEN 0 ELSE amount END) AS gross,
                SUM(CASE WHEN is_return THEN -amount ELSE 0 END) AS ret_amount,
                SUM(CASE WHEN is_return THEN 1 ELSE 0 END) AS ret_lines,
                MAX(CASE WHEN is_return THEN 0 ELSE 1 END) AS orders
         FROM tx GROUP BY customer, day"
    };
    // materialise the day table once: both the customer aggregate and the join below read it
    let days = ctx.sql(day_level).await.map_err(err("days"))?.cache().await.map_err(err("days"))?;
    ctx.deregister_table("days").map_err(err("days"))?;
    ctx.register_table("days", days.into_view()).map_err(err("days"))?;
    let sql = "WITH cust AS (
            SELECT customer,
                   MIN(CASE WHEN orders > 0 THEN day END) AS first_p,
                   MAX(CASE WHEN orders > 0 THEN day END) AS last_p,
                   MIN(day) AS first_any, MAX(day) AS last_any,
                   SUM(orders) AS frequency,
                   SUM(CASE WHEN orders > 0 THEN 1 ELSE 0 END) AS purchase_days,
                   SUM(gross) AS gross, SUM(ret_amount) AS ret_amount, SUM(ret_lines) AS ret_lines
            FROM days GROUP BY customer),
         extra AS (
            SELECT d.customer,
                   SUM(CASE WHEN d.day = c.first_p THEN d.gross ELSE 0 END) AS first_day_gross,
                   MAX(CASE WHEN d.orders > 0 AND d.day < c.last_p THEN d.day END) AS prev_p
            FROM days d JOIN cust c ON d.customer = c.customer
            GROUP BY d.customer)
         SELECT c.customer, c.first_p, c.last_p, c.first_any, c.last_any, c.frequency, c.purchase_days,
                c.gross, c.ret_amount, c.ret_lines, e.first_day_gross, e.prev_p
         FROM cust c JOIN extra e ON c.customer = e.customer
         ORDER BY c.customer";
    let batches = ctx.sql(sql).await.map_err(err("customers"))?.collect().await.map_err(err("customers"))?;
    ctx.deregister_table("days").map_err(err("days"))?;
    let mut f = from_batches(&batches, as_of);
    if present.category {
        add_categories(ctx, &mut f).await?;
    }
    if present.channel {
        add_channels(ctx, &mut f).await?;
    }
    ctx.deregister_table("tx").map_err(err("table"))?;
    Ok(f)
}

/// The kept columns the aggregation reads (all but the row position `_local`).
const TABLE_COLUMNS: [usize; 7] = [0, 1, 2, 3, 4, 5, 6];

/// Spreads batches over `n` partitions so the aggregation uses every core.
fn rebalance(kept: Vec<Vec<RecordBatch>>, n: usize) -> Vec<Vec<RecordBatch>> {
    let n = n.max(1);
    let mut out: Vec<Vec<RecordBatch>> = vec![Vec::new(); n];
    for (i, b) in kept.into_iter().flatten().enumerate() {
        // drop the row-position column the aggregation does not need
        let b = b.project(&TABLE_COLUMNS).unwrap_or(b);
        out[i % n].push(b);
    }
    out
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

fn from_batches(batches: &[RecordBatch], as_of: i32) -> Features {
    let mut f = Features { as_of, ..Features::default() };
    let a = i64::from(as_of);
    for b in batches {
        let customer = b.column(0).as_string::<i32>();
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
            let first = first_p(r).or(first_any(r)).unwrap_or(a);
            let last = last_p(r).or(last_any(r)).unwrap_or(a);
            let freq = frequency(r).unwrap_or(0).max(0) as u64;
            let pdays = purchase_days(r).unwrap_or(0).max(0) as u64;
            let gross_units = gross(r).unwrap_or(0);
            let purchases = gross_units as f64 / MONEY_SCALE;
            let returned = ret_amount(r).unwrap_or(0) as f64 / MONEY_SCALE;
            let monetary = (gross_units - ret_amount(r).unwrap_or(0)) as f64 / MONEY_SCALE;
            let tenure = a - first;
            let x = pdays.saturating_sub(1);
            let repeat_gross = (gross_units - first_day_gross(r).unwrap_or(0)) as f64 / MONEY_SCALE;
            f.customer.push(customer.value(r).to_string());
            f.first_purchase.push(first as i32);
            f.last_purchase.push(last as i32);
            f.recency_days.push(a - last);
            f.frequency.push(freq);
            f.monetary.push(monetary);
            f.aov.push((freq > 0).then(|| purchases / freq as f64));
            f.tenure_days.push(tenure);
            f.returns_count.push(ret_lines(r).unwrap_or(0).max(0) as u64);
            f.returns_amount.push(returned);
            f.avg_interpurchase_days.push((pdays >= 2).then(|| (last - first) as f64 / (pdays - 1) as f64));
            f.annual_spend.push(monetary * 365.0 / (tenure.max(365) as f64));
            f.x.push(x);
            f.t_x.push(if pdays > 0 { (last - first) as f64 / 7.0 } else { 0.0 });
            f.t_cal.push(tenure as f64 / 7.0);
            f.zbar.push(if x > 0 { repeat_gross / x as f64 } else { 0.0 });
            f.last_gap_days.push(prev_p(r).map(|p| last - p));
        }
    }
    f
}

fn index_of(f: &Features) -> HashMap<&str, usize> {
    f.customer.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect()
}

async fn add_categories(ctx: &SessionContext, f: &mut Features) -> Result<()> {
    let err = || DataError::engine("computing customer features (categories)");
    let sql = "WITH s AS (
            SELECT customer, category, SUM(amount) AS spend FROM tx
            WHERE NOT is_return AND category IS NOT NULL GROUP BY customer, category)
         SELECT customer, COUNT(*) AS n, first_value(category ORDER BY spend DESC, category ASC) AS top
         FROM s GROUP BY customer";
    let batches = ctx.sql(sql).await.map_err(err())?.collect().await.map_err(err())?;
    let mut n = vec![0u64; f.len()];
    let mut top = vec![None; f.len()];
    let idx = index_of(f);
    for b in &batches {
        let c = b.column(0).as_string::<i32>();
        let count = i64_col(b, 1);
        let t = b.column(2).as_string::<i32>();
        for r in 0..b.num_rows() {
            if let Some(&i) = idx.get(c.value(r)) {
                n[i] = count(r).unwrap_or(0) as u64;
                top[i] = (!t.is_null(r)).then(|| t.value(r).to_string());
            }
        }
    }
    f.n_categories = Some(n);
    f.top_category = Some(top);
    Ok(())
}

async fn add_channels(ctx: &SessionContext, f: &mut Features) -> Result<()> {
    let err = || DataError::engine("computing customer features (channels)");
    let names = ctx
        .sql(&format!(
            "SELECT DISTINCT channel FROM tx WHERE channel IS NOT NULL ORDER BY channel LIMIT {}",
            MAX_CHANNELS + 1
        ))
        .await
        .map_err(err())?
        .collect()
        .await
        .map_err(err())?;
    let channels: Vec<String> = names
        .iter()
        .flat_map(|b| b.column(0).as_string::<i32>().iter().flatten().map(str::to_string).collect::<Vec<_>>())
        .collect();
    if channels.is_empty() || channels.len() > MAX_CHANNELS {
        return Ok(());
    }
    let sums: Vec<String> = channels
        .iter()
        .enumerate()
        .map(|(k, c)| format!("SUM(CASE WHEN channel = '{}' THEN amount ELSE 0 END) AS c{k}", c.replace('\'', "''")))
        .collect();
    let sql = format!(
        "SELECT customer, SUM(amount) AS total, {} FROM tx WHERE NOT is_return AND channel IS NOT NULL GROUP BY customer",
        sums.join(", ")
    );
    let batches = ctx.sql(&sql).await.map_err(err())?.collect().await.map_err(err())?;
    let mut shares = vec![vec![0.0; f.len()]; channels.len()];
    let idx = index_of(f);
    for b in &batches {
        let c = b.column(0).as_string::<i32>();
        let total = i64_col(b, 1);
        let cols: Vec<_> = (0..channels.len()).map(|k| i64_col(b, k + 2)).collect();
        for r in 0..b.num_rows() {
            let Some(&i) = idx.get(c.value(r)) else { continue };
            let t = total(r).unwrap_or(0);
            if t > 0 {
                for (k, col) in cols.iter().enumerate() {
                    shares[k][i] = col(r).unwrap_or(0) as f64 / t as f64;
                }
            }
        }
    }
    f.channels = channels;
    f.channel_share = shares;
    Ok(())
}
