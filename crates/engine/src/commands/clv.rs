//! `custseg clv fit | predict | evaluate`: the CLV models on their own, with a calibration /
//! holdout split for honest evaluation.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use custseg_core::catalog::Msg;
use custseg_data::features::{Features, Present, aggregate};
use custseg_data::holdout::split;
use custseg_data::mapping::Role;
use custseg_data::parse::format_day;
use custseg_data::sink::{Column, Sink, Table};
use serde::Serialize;

use crate::clv::{DAYS_PER_UNIT, ModelFile, Models, RowCounts, Scores, fit, score, score_columns, summary};
use crate::config::{AsOf, Config};
use crate::error::{EngineError, Result};
use crate::input::{Source, Stage};
use crate::output::InputRecord;
use crate::output::round;
use crate::pipeline::runtime;

/// Features of the calibration period with their accounting.
struct Prepared {
    features: Features,
    rows: RowCounts,
    inputs: Vec<InputRecord>,
    as_of: i32,
    /// Holdout purchase days by customer id.
    holdout: HashMap<String, u64>,
}

/// Reads, cleans and aggregates `transactions`. With `calibration_end`, only rows up to it are
/// used and it is the as-of date; `as_of` (when given) rejects later rows.
async fn prepare(
    transactions: &Source,
    config: &Config,
    out_dir: &Path,
    as_of: Option<i32>,
    calibration_end: Option<i32>,
    holdout_end: Option<i32>,
) -> Result<Prepared> {
    let ctx = custseg_data::session(config.run.threads);
    let checked = crate::input::check(
        &ctx,
        Stage {
            transactions,
            customers: None,
            config,
            as_of,
            write_dir: out_dir,
            shown_dir: out_dir,
            progress: None,
            rules: false,
            fingerprints: true,
        },
    )
    .await?;
    let fingerprints = checked.fingerprints;
    let input = checked.input;
    let q = &input.quality;
    let present = Present { order_id: input.column_map.get(Role::OrderId).is_some(), ..Present::default() };
    let as_of_day = calibration_end.or(as_of).unwrap_or(input.max_day.unwrap_or(0) + 1);
    let (kept, after, holdout_codes) = match calibration_end {
        Some(c) => {
            let s = split(&ctx, input.kept, c, holdout_end).await?;
            (s.calibration, s.rows_after, s.holdout_days)
        }
        None => (input.kept, 0, HashMap::new()),
    };
    let features = aggregate(&ctx, kept, input.names, present, as_of_day).await?;
    let holdout =
        holdout_codes.into_iter().map(|(code, days)| (features.customer[code as usize].clone(), days)).collect();
    let inputs = fingerprints.wait()?;
    Ok(Prepared {
        features,
        rows: RowCounts { read: q.rows_read, kept: q.rows_kept, rejected: q.rows_rejected, after_calibration: after },
        inputs,
        as_of: as_of_day,
        holdout,
    })
}

fn model_file(p: &Prepared, config: &Config, m: &Models) -> ModelFile {
    ModelFile::new(&config.clv, p.as_of, m, p.inputs.clone(), p.rows)
}

/// What `clv fit` needs.
#[derive(Debug, Clone)]
pub struct FitRequest {
    /// Transaction file or directory.
    pub transactions: Source,
    /// Configuration (`[clv]` picks the model and fit settings).
    pub config: Config,
    /// Fit on rows up to this date, which is also the as-of date.
    pub calibration_end: Option<AsOf>,
    /// Where `model.json` goes.
    pub out_dir: PathBuf,
}

/// What `clv fit` did.
#[derive(Debug, Clone)]
pub struct FitOutcome {
    /// The model file written.
    pub model: ModelFile,
    /// Warnings about the spend model.
    pub warnings: Vec<Msg>,
    /// Path of model.json.
    pub path: PathBuf,
}

/// Fits the configured purchase model and the spend model and writes `model.json`.
///
/// # Errors
/// Input errors, and [`EngineError::Clv`] when the purchase model does not converge.
pub fn fit_command(req: FitRequest) -> Result<FitOutcome> {
    req.config.check()?;
    let sink = Sink::new(req.config.run.fsync);
    let cal = req.calibration_end.map(AsOf::day);
    let as_of = req.config.run.as_of.map(AsOf::day);
    let rt = runtime(req.config.run.threads)?;
    let p = rt.block_on(prepare(&req.transactions, &req.config, &req.out_dir, as_of, cal, None))?;
    let s = summary(&p.features)?;
    let m = fit(&p.features, &s, &req.config.clv)?;
    let model = model_file(&p, &req.config, &m);
    let path = req.out_dir.join("model.json");
    sink.json(&path, &model)?;
    Ok(FitOutcome { model, warnings: m.warnings, path })
}

/// What `clv predict` needs.
#[derive(Debug, Clone)]
pub struct PredictRequest {
    /// A model.json from `clv fit` (or `run`).
    pub model: PathBuf,
    /// Transactions to score.
    pub transactions: Source,
    /// Configuration (`[clv]` horizon, discount, step; `[run]` as-of).
    pub config: Config,
    /// Where `predictions.csv` goes.
    pub out_dir: PathBuf,
}

/// What `clv predict` did.
#[derive(Debug, Clone)]
pub struct PredictOutcome {
    /// Customers scored.
    pub customers: usize,
    /// As-of date of the scores.
    pub as_of: String,
    /// Sum of the predicted CLV.
    pub total_clv: f64,
    /// Sum of the expected transactions over the horizon.
    pub total_expected_purchases: f64,
    /// Row accounting of the scored transactions.
    pub rows: RowCounts,
    /// Path of predictions.csv.
    pub path: PathBuf,
}

/// Scores the customers of `transactions` with a saved model and writes `predictions.csv`.
///
/// # Errors
/// Input errors; [`EngineError::ModelFile`] for an unreadable model file.
pub fn predict_command(req: PredictRequest) -> Result<PredictOutcome> {
    req.config.check()?;
    let sink = Sink::new(req.config.run.fsync);
    let text = std::fs::read_to_string(&req.model)
        .map_err(|e| EngineError::ModelFile { path: req.model.clone(), message: e.to_string() })?;
    let file: ModelFile = serde_json::from_str(&text).map_err(|e| EngineError::ModelFile {
        path: req.model.clone(),
        message: format!("not a custseg model.json: {e}"),
    })?;
    let models = file.models()?;
    let as_of = req.config.run.as_of.map(AsOf::day);
    let rt = runtime(req.config.run.threads)?;
    let p = rt.block_on(prepare(&req.transactions, &req.config, &req.out_dir, as_of, None, None))?;
    let s = summary(&p.features)?;
    let scores = score(&p.features, &s, &models, &req.config.clv);
    let table = predictions_table(&p.features, &scores);
    let batch = table.into_batch()?;
    let path = req.out_dir.join("predictions.csv");
    sink.csv(&path, &batch.schema(), std::slice::from_ref(&batch))?;
    Ok(PredictOutcome {
        customers: s.idx.len(),
        as_of: format_day(p.as_of),
        total_clv: scores.clv.iter().flatten().sum(),
        total_expected_purchases: scores.expected_purchases.iter().flatten().sum(),
        rows: p.rows,
        path,
    })
}

fn predictions_table(f: &Features, scores: &Scores) -> Table {
    let rows: Vec<Option<usize>> = (0..f.len()).map(|i| (f.frequency[i] > 0).then_some(i)).collect();
    let mut t = Table::default();
    t.push("customer_id", Column::Str(f.customer.iter().map(|c| Some(c.clone())).collect()));
    t.push("x", Column::Int(f.x.iter().map(|&v| Some(v as i64)).collect()));
    t.push("t_x", Column::Float(f.t_x.iter().map(|&v| Some(v)).collect()));
    t.push("T", Column::Float(f.t_cal.iter().map(|&v| Some(v)).collect()));
    t.push("zbar", Column::Float(f.zbar.iter().map(|&v| Some(round(v, 4))).collect()));
    for (name, c) in score_columns(scores, &rows) {
        t.push(name, c);
    }
    t
}

/// What `clv evaluate` needs.
#[derive(Debug, Clone)]
pub struct EvaluateRequest {
    /// Transactions covering both periods.
    pub transactions: Source,
    /// Configuration.
    pub config: Config,
    /// Last day of the calibration period.
    pub calibration_end: AsOf,
    /// Last day of the holdout period (rows after it are rejected as after the as-of date).
    pub holdout_end: AsOf,
    /// Where `model.json` and `evaluation.csv` go.
    pub out_dir: PathBuf,
}

/// One row of the evaluation table: customers with the same calibration frequency.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvaluationRow {
    /// Calibration repeat transactions x: "0".."6", or "7+".
    pub frequency: String,
    /// Customers.
    pub customers: u64,
    /// Mean actual holdout transactions.
    pub actual: f64,
    /// Mean predicted by the model.
    pub model: f64,
    /// Mean predicted by the naive baseline.
    pub baseline: f64,
}

/// The comparison of a calibration fit with the holdout period.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Holdout length in weeks.
    pub holdout_weeks: f64,
    /// By calibration frequency.
    pub rows: Vec<EvaluationRow>,
    /// Total actual holdout transactions.
    pub total_actual: f64,
    /// Total predicted by the model.
    pub total_model: f64,
    /// Total predicted by the baseline.
    pub total_baseline: f64,
    /// Mean absolute error per customer, model.
    pub mae_model: f64,
    /// Mean absolute error per customer, baseline.
    pub mae_baseline: f64,
    /// The calibration fit.
    pub fit: ModelFile,
    /// Warnings about the spend model.
    pub warnings: Vec<Msg>,
}

/// Fits on the calibration period, predicts the holdout period, and compares both the model and
/// a naive baseline (each customer's calibration rate x / T, times the holdout length) with what
/// happened. Writes `model.json` and `evaluation.csv`.
///
/// # Errors
/// Input errors, a holdout end not after the calibration end, a fit that does not converge.
pub fn evaluate_command(req: EvaluateRequest) -> Result<Evaluation> {
    req.config.check()?;
    let sink = Sink::new(req.config.run.fsync);
    let (cal, hold) = (req.calibration_end.day(), req.holdout_end.day());
    if hold <= cal {
        return Err(EngineError::Invalid(format!(
            "holdout end {} must be after calibration end {}",
            req.holdout_end, req.calibration_end
        )));
    }
    let rt = runtime(req.config.run.threads)?;
    let p = rt.block_on(prepare(&req.transactions, &req.config, &req.out_dir, Some(hold), Some(cal), Some(hold)))?;
    let s = summary(&p.features)?;
    let m = fit(&p.features, &s, &req.config.clv)?;
    let fit_file = model_file(&p, &req.config, &m);
    sink.json(&req.out_dir.join("model.json"), &fit_file)?;
    let weeks = f64::from(hold - cal) / DAYS_PER_UNIT;
    let f = &p.features;
    let predicted = s.data.per_customer(|x, t_x, t| m.purchase.expected_purchases(weeks, x, t_x, t));
    const BUCKETS: usize = 8;
    let mut sums = [[0.0f64; 4]; BUCKETS]; // customers, actual, model, baseline
    let (mut err_m, mut err_b) = (0.0, 0.0);
    for (j, &i) in s.idx.iter().enumerate() {
        let actual = p.holdout.get(&f.customer[i]).copied().unwrap_or(0) as f64;
        let model = predicted[j];
        let baseline = if f.t_cal[i] > 0.0 { f.x[i] as f64 / f.t_cal[i] * weeks } else { 0.0 };
        let b = (f.x[i] as usize).min(BUCKETS - 1);
        sums[b][0] += 1.0;
        sums[b][1] += actual;
        sums[b][2] += model;
        sums[b][3] += baseline;
        err_m += (model - actual).abs();
        err_b += (baseline - actual).abs();
    }
    let n = s.idx.len().max(1) as f64;
    let rows = sums
        .iter()
        .enumerate()
        .map(|(b, v)| {
            let c = v[0].max(1.0);
            EvaluationRow {
                frequency: if b == BUCKETS - 1 { format!("{b}+") } else { b.to_string() },
                customers: v[0] as u64,
                actual: v[1] / c,
                model: v[2] / c,
                baseline: v[3] / c,
            }
        })
        .collect::<Vec<_>>();
    let total = |k: usize| sums.iter().map(|v| v[k]).sum::<f64>();
    let ev = Evaluation {
        holdout_weeks: weeks,
        total_actual: total(1),
        total_model: total(2),
        total_baseline: total(3),
        mae_model: err_m / n,
        mae_baseline: err_b / n,
        rows,
        fit: fit_file,
        warnings: m.warnings,
    };
    let mut t = Table::default();
    let r = &ev.rows;
    t.push(
        "frequency",
        Column::Str(r.iter().map(|v| Some(v.frequency.clone())).chain([Some("total".into())]).collect()),
    );
    t.push("customers", Column::Int(r.iter().map(|v| Some(v.customers as i64)).chain([Some(n as i64)]).collect()));
    let mean_col = |get: &dyn Fn(&EvaluationRow) -> f64, total: f64| {
        Column::Float(r.iter().map(|v| Some(round(get(v), 6))).chain([Some(round(total / n, 6))]).collect())
    };
    t.push("actual_mean", mean_col(&|v| v.actual, ev.total_actual));
    t.push("model_mean", mean_col(&|v| v.model, ev.total_model));
    t.push("baseline_mean", mean_col(&|v| v.baseline, ev.total_baseline));
    let batch = t.into_batch()?;
    sink.csv(&req.out_dir.join("evaluation.csv"), &batch.schema(), std::slice::from_ref(&batch))?;
    Ok(ev)
}
