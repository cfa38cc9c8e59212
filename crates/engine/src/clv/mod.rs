//! Predictive CLV in the product: fit the configured purchase model and the Gamma-Gamma spend
//! model on the customer features, score every purchaser, and the model file (`model.json`)
//! that `custseg clv fit` writes and `custseg clv predict` reads.
//!
//! Who is modelled: customers with at least one purchase (returns-only customers have no first
//! purchase to count from). Spend: the Gamma-Gamma fit uses repeat buyers whose mean repeat
//! purchase-day value is positive; others are left out of the fit (counted in the record) but
//! still get a predicted spend. Time unit: weeks (days / 7), as in the published CDNOW results.

mod config;

pub use config::{ClvConfig, LifecycleBasis};

use custseg_core::catalog::Msg;
use custseg_core::clv::{
    self, BtydData, ClvError, FitReport, GammaGamma, ModelKind, PurchaseModel, SpendFit, ValidFitParams,
};
use custseg_data::features::Features;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use custseg_data::sink::Column;

use crate::output::{InputRecord, round};

/// Days per model time unit (weeks).
pub const DAYS_PER_UNIT: f64 = 7.0;

/// The BTYD summary of the modelled customers.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Grouped (x, t_x, T).
    pub data: BtydData,
    /// Feature index of each summarised customer, in `data`'s customer order.
    pub idx: Vec<usize>,
}

/// Builds the summary from the features (customers with a purchase).
///
/// # Errors
/// [`EngineError::Clv`] for an impossible summary (a bug upstream, reported not hidden).
pub fn summary(f: &Features) -> Result<Summary> {
    let idx: Vec<usize> = (0..f.len()).filter(|&i| f.frequency[i] > 0).collect();
    let x: Vec<u64> = idx.iter().map(|&i| f.x[i]).collect();
    let t_x: Vec<f64> = idx.iter().map(|&i| f.t_x[i]).collect();
    let t: Vec<f64> = idx.iter().map(|&i| f.t_cal[i]).collect();
    Ok(Summary { data: BtydData::new(&x, &t_x, &t).map_err(clv_err)?, idx })
}

fn clv_err(e: ClvError) -> EngineError {
    EngineError::Clv(Box::new(e))
}

/// The spend model's fit as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendRecord {
    /// The Gamma-Gamma fit.
    pub fit: FitReport,
    /// Correlation of x and zbar among the repeat buyers used (the model assumes none).
    pub corr_x_zbar: f64,
    /// Repeat buyers left out because their mean repeat spend was not positive.
    pub excluded_non_positive: u64,
}

/// The fitted models.
pub struct Models {
    /// The purchase model.
    pub purchase: Box<dyn PurchaseModel>,
    /// Its fit report (as fitted, or as read from model.json).
    pub purchase_fit: FitReport,
    /// The spend model and its record, when it could be fitted.
    pub spend: Option<(GammaGamma, SpendRecord)>,
    /// Warnings for the user (spend model problems, strong x/zbar correlation).
    pub warnings: Vec<Msg>,
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Models").field("purchase", &self.purchase.params()).field("spend", &self.spend).finish()
    }
}

/// Correlation of x and zbar above which the spend model's independence assumption is doubtful.
pub const CORR_WARNING: f64 = 0.3;

/// Fits the purchase model (an error if it does not converge) and the spend model (a warning if
/// it cannot be fitted: CLV columns are then left empty).
///
/// # Errors
/// [`EngineError::Clv`] when the purchase model cannot be fitted.
pub fn fit(f: &Features, s: &Summary, cfg: &ClvConfig) -> Result<Models> {
    let params = cfg.fit.check().map_err(clv_err)?;
    let (purchase, purchase_fit) = cfg.model.fit(&s.data, &params).map_err(clv_err)?;
    let mut warnings = Vec::new();
    let spend = match fit_spend(f, s, &params) {
        Ok(fit) => {
            if fit.0.q <= 1.0 {
                warnings.push(Msg::new("spend_q_too_small").arg("q", format!("{:.4}", fit.0.q)));
                None
            } else {
                if fit.1.corr_x_zbar.abs() > CORR_WARNING {
                    warnings.push(Msg::new("spend_correlated").arg("r", format!("{:.2}", fit.1.corr_x_zbar)));
                }
                if fit.1.excluded_non_positive > 0 {
                    warnings.push(Msg::new("spend_non_positive_left_out").arg("n", fit.1.excluded_non_positive));
                }
                Some(fit)
            }
        }
        Err(e) => {
            warnings.push(Msg::new("spend_not_fitted").arg("error", e));
            None
        }
    };
    Ok(Models { purchase, purchase_fit, spend, warnings })
}

fn fit_spend(
    f: &Features,
    s: &Summary,
    params: &ValidFitParams,
) -> std::result::Result<(GammaGamma, SpendRecord), ClvError> {
    let mut x = Vec::new();
    let mut z = Vec::new();
    let mut excluded = 0u64;
    for &i in &s.idx {
        if f.x[i] == 0 {
            continue;
        }
        if f.zbar[i] > 0.0 && f.zbar[i].is_finite() {
            x.push(f.x[i]);
            z.push(f.zbar[i]);
        } else {
            excluded += 1;
        }
    }
    let SpendFit { model, report, corr_x_zbar } = GammaGamma::fit(&x, &z, params)?;
    Ok((model, SpendRecord { fit: report, corr_x_zbar, excluded_non_positive: excluded }))
}

/// Per-customer predictions, indexed like the features (`None` for customers not modelled).
#[derive(Debug, Clone, Default)]
pub struct Scores {
    /// Horizon in steps.
    pub horizon_steps: u32,
    /// P(alive) at the as-of date.
    pub p_alive: Vec<Option<f64>>,
    /// Expected transactions (purchase days) over the horizon.
    pub expected_purchases: Vec<Option<f64>>,
    /// Expected spend per transaction (Gamma-Gamma conditional mean).
    pub expected_spend: Vec<Option<f64>>,
    /// Discounted CLV over the horizon.
    pub clv: Vec<Option<f64>>,
    /// Historical LTV: annual spend × expected lifetime in years.
    pub historical_ltv: Vec<Option<f64>>,
    /// The expected lifetime used for the historical LTV, years.
    pub lifetime_years: f64,
}

/// Scores every modelled customer. Work is done once per distinct (x, t_x, T) tuple.
pub fn score(f: &Features, s: &Summary, m: &Models, cfg: &ClvConfig) -> Scores {
    let n = f.len();
    let step = cfg.step_days / DAYS_PER_UNIT;
    let model = m.purchase.as_ref();
    // per distinct summary: P(alive), expected transactions over the horizon, and the discounted
    // expected transactions (CLV per unit of spend: spend is a factor of every step)
    let per_tuple: Vec<(f64, f64, f64)> = (0..s.data.n_tuples())
        .into_par_iter()
        .map(|k| {
            let (x, t_x, t) = s.data.tuple(k);
            // the last step's cumulative expectation is the horizon's: no extra evaluation
            let (discounted, expected) =
                clv::discounted_purchases(model, cfg.horizon_months, step, cfg.discount, (x, t_x, t));
            (model.p_alive(x, t_x, t), expected, discounted)
        })
        .collect();
    let lifetime_years = cfg.lifetime_years.unwrap_or_else(|| lifetime_years(model, cfg));
    let mut out = Scores {
        horizon_steps: cfg.horizon_months,
        p_alive: vec![None; n],
        expected_purchases: vec![None; n],
        expected_spend: vec![None; n],
        clv: vec![None; n],
        historical_ltv: vec![None; n],
        lifetime_years,
    };
    for (j, &i) in s.idx.iter().enumerate() {
        let (p, e, discounted) = per_tuple[s.data.tuple_of[j] as usize];
        out.p_alive[i] = Some(p);
        out.expected_purchases[i] = Some(e);
        out.historical_ltv[i] = Some(f.annual_spend[i] * lifetime_years);
        if let Some((gg, _)) = &m.spend {
            let spend = gg.expected_spend(f.x[i], f.zbar[i].max(0.0));
            out.expected_spend[i] = Some(spend);
            out.clv[i] = Some(spend * discounted);
        }
    }
    out
}

/// The purchase model's expected lifetime of a new customer in years, capped at
/// `max_lifetime_years` (the historical LTV's lifetime unless `lifetime_years` is configured).
pub fn lifetime_years(model: &dyn PurchaseModel, cfg: &ClvConfig) -> f64 {
    let cap_units = cfg.max_lifetime_years * 365.25 / DAYS_PER_UNIT;
    clv::expected_lifetime(model, cap_units) * DAYS_PER_UNIT / 365.25
}

/// `model.json`: everything needed to reuse and explain a fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always "custseg".
    pub tool: String,
    /// custseg version that wrote it.
    pub version: String,
    /// The purchase model.
    pub model: ModelKind,
    /// Time unit of the parameters and horizons: "weeks".
    pub time_unit: String,
    /// End of the period the summary covers (the as-of date of the fit), ISO.
    pub calibration_end: String,
    /// The purchase model's fit.
    pub purchase: FitReport,
    /// The spend model's fit, when there is one.
    pub spend: Option<SpendRecord>,
    /// The transaction inputs (size and xxh3-128): the data fingerprint.
    pub inputs: Vec<InputRecord>,
    /// Rows read, kept, rejected, and kept rows after the calibration end (not used).
    pub rows: RowCounts,
    /// What the model says of a new customer (unconditional predictions).
    pub new_customer: NewCustomer,
}

/// Unconditional predictions for a customer who has just made a first purchase.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewCustomer {
    /// E[X(t)]: expected repeat transactions by the end of month 1, 2, .., horizon.
    pub expected_purchases_by_month: Vec<f64>,
    /// P(X(t) = n) for n = 0, 1, .., 10 at the end of the horizon (the remainder: 11 or more).
    pub prob_purchases_at_horizon: Vec<f64>,
    /// Probability of still being active at the end of the horizon.
    pub survival_at_horizon: f64,
}

impl ModelFile {
    /// The record of a fit: `as_of` is the end of the summarised period.
    pub fn new(cfg: &ClvConfig, as_of: i32, m: &Models, inputs: Vec<InputRecord>, rows: RowCounts) -> ModelFile {
        let step = cfg.step_days / DAYS_PER_UNIT;
        let horizon = f64::from(cfg.horizon_months) * step;
        let model = m.purchase.as_ref();
        ModelFile {
            tool: "custseg".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            model: model.id(),
            time_unit: "weeks".into(),
            calibration_end: custseg_data::parse::format_day(as_of),
            purchase: m.purchase_fit.clone(),
            spend: m.spend.as_ref().map(|(_, r)| r.clone()),
            inputs,
            rows,
            new_customer: NewCustomer {
                expected_purchases_by_month: (1..=cfg.horizon_months)
                    .map(|k| model.expected_purchases_new(f64::from(k) * step))
                    .collect(),
                prob_purchases_at_horizon: (0..=10).map(|n| model.prob_purchases(n, horizon)).collect(),
                survival_at_horizon: model.survival(horizon),
            },
        }
    }
}

/// Row accounting of a fit.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct RowCounts {
    /// Rows read.
    pub read: u64,
    /// Rows kept by cleaning.
    pub kept: u64,
    /// Rows rejected by cleaning (see `custseg run` for the rejects file).
    pub rejected: u64,
    /// Kept rows after the calibration end, left out of the fit.
    pub after_calibration: u64,
}

impl ModelFile {
    /// Rebuilds the models from the file.
    ///
    /// # Errors
    /// [`EngineError::Clv`] for parameters out of their domain.
    pub fn models(&self) -> Result<Models> {
        let purchase = self.model.from_params(&self.purchase.values()).map_err(clv_err)?;
        let spend = self.spend.as_ref().map(|s| {
            let v = s.fit.values();
            (GammaGamma { p: v[0], q: v[1], gamma: v[2] }, s.clone())
        });
        Ok(Models { purchase, purchase_fit: self.purchase.clone(), spend, warnings: Vec::new() })
    }
}

/// The prediction columns of customers.csv / predictions.csv, named after the horizon.
pub fn score_columns(scores: &Scores, rows: &[Option<usize>]) -> Vec<(String, Column)> {
    let h = scores.horizon_steps;
    let col = |v: &[Option<f64>], d: i32| {
        Column::Float(rows.iter().map(|r| r.and_then(|i| v[i]).map(|x| round(x, d))).collect())
    };
    vec![
        ("p_alive".into(), col(&scores.p_alive, 6)),
        (format!("expected_purchases_{h}m"), col(&scores.expected_purchases, 6)),
        ("expected_spend".into(), col(&scores.expected_spend, 4)),
        (format!("clv_{h}m"), col(&scores.clv, 4)),
        ("historical_ltv".into(), col(&scores.historical_ltv, 4)),
    ]
}
