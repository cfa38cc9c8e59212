//! Calibration / holdout split of the kept transactions, for fitting CLV models on one period
//! and checking them on the next.
//!
//! Rows dated on or before the calibration end `c` form the calibration period (its features,
//! with `c` as the as-of date, give the BTYD summary x, t_x, T). For the holdout period
//! `(c, h]` DataFusion counts each customer's *purchase days* (days with a non-return row), the
//! same unit as x: same-day purchases merge, returns are not transactions.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::{Int32Type, Int64Type, UInt32Type};
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;

use crate::clean::kept_schema;
use crate::error::{DataError, Result};

/// Kept rows split at the calibration end.
#[derive(Debug)]
pub struct Split {
    /// Rows dated on or before the calibration end, partitioned as given.
    pub calibration: Vec<Vec<RecordBatch>>,
    /// Rows dated after the calibration end (not used for the calibration features).
    pub rows_after: u64,
    /// Per customer code: purchase days in the holdout period `(calibration end, holdout end]`.
    pub holdout_days: HashMap<u32, u64>,
}

/// Splits `kept` (batches of [`kept_schema`]) at `calibration_end`, counting purchase days in
/// `(calibration_end, holdout_end]` when `holdout_end` is given.
///
/// # Errors
/// [`DataError::Engine`] if Arrow or DataFusion fail.
pub async fn split(
    ctx: &SessionContext,
    kept: Vec<Vec<RecordBatch>>,
    calibration_end: i32,
    holdout_end: Option<i32>,
) -> Result<Split> {
    let err = |what: &str| DataError::engine(format!("splitting calibration and holdout ({what})"));
    let mut calibration = Vec::with_capacity(kept.len());
    let mut rows_after = 0u64;
    for part in &kept {
        let mut out = Vec::with_capacity(part.len());
        for b in part {
            let days = b.column(1).as_primitive::<Int32Type>();
            let keep: BooleanArray = days.iter().map(|d| Some(d.is_some_and(|d| d <= calibration_end))).collect();
            let filtered = filter_record_batch(b, &keep).map_err(|e| err("filter")(e.into()))?;
            rows_after += (b.num_rows() - filtered.num_rows()) as u64;
            if filtered.num_rows() > 0 {
                out.push(filtered);
            }
        }
        calibration.push(out);
    }
    let mut holdout_days = HashMap::new();
    if let Some(h) = holdout_end {
        let table = MemTable::try_new(kept_schema(), kept).map_err(err("table"))?;
        ctx.deregister_table("holdout_tx").map_err(err("table"))?;
        ctx.register_table("holdout_tx", Arc::new(table)).map_err(err("table"))?;
        let sql = format!(
            "SELECT customer, COUNT(DISTINCT day) AS days FROM holdout_tx
             WHERE day > {calibration_end} AND day <= {h} AND NOT is_return GROUP BY customer"
        );
        let batches = ctx.sql(&sql).await.map_err(err("holdout"))?.collect().await.map_err(err("holdout"))?;
        ctx.deregister_table("holdout_tx").map_err(err("table"))?;
        for b in &batches {
            let c = b.column(0).as_primitive::<UInt32Type>();
            let d = b.column(1).as_primitive::<Int64Type>();
            for i in 0..b.num_rows() {
                holdout_days.insert(c.value(i), d.value(i) as u64);
            }
        }
    }
    Ok(Split { calibration, rows_after, holdout_days })
}
