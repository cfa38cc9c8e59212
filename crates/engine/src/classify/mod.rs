//! Applies every classifier of custseg-core to the customer features, and lays the results out
//! as schemes: one label per output row (prospects included), in a documented label order.

use custseg_core::abc::{self, Abc, AbcParams, AbcSummary};
use custseg_core::catalog::{self, Lang, Names};
use custseg_core::lifecycle::{self, LifecycleInput, LifecycleParams, PAliveCuts, ThresholdSource, Thresholds};
use custseg_core::rfm::{self, Rfm, RfmScores, SegmentRule};
use custseg_core::value_tier::{self, ValueTier, ValueTierParams};
use custseg_data::features::Features;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

mod config;

pub use config::RfmConfig;

/// The built-in classifiers' settings (`[rfm]`, `[abc]`, `[value_tier]`, `[lifecycle]`).
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    /// RFM scores, segments and the 8-class centres.
    pub rfm: &'a RfmConfig,
    /// ABC cut-offs.
    pub abc: &'a AbcParams,
    /// Value tier shares.
    pub value_tier: &'a ValueTierParams,
    /// Lifecycle thresholds (unset: derived from the data).
    pub lifecycle: &'a LifecycleParams,
}

/// The built-in classifiers as a saved model froze them (see `model::Classifier::frozen`).
#[derive(Debug, Clone, Copy)]
pub struct Frozen<'a> {
    /// RFM breakpoints and 8-class centres.
    pub rfm: &'a Rfm,
    /// The segment table.
    pub segments: &'a [SegmentRule],
    /// ABC cut values.
    pub abc: &'a Abc,
    /// Value-tier cut-offs.
    pub value_tier: &'a ValueTier,
    /// Lifecycle thresholds.
    pub lifecycle: &'a LifecycleModel,
}

/// The lifecycle part of a saved model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleModel {
    /// New / at-risk / churn thresholds in days.
    pub thresholds: Thresholds,
    /// How the fitted run set them.
    pub source: ThresholdSource,
    /// P(alive) cut-offs (stages by the CLV model), if the fitted run used them.
    pub p_alive: Option<PAliveCuts>,
}

/// One classification scheme over the output rows.
#[derive(Debug, Clone)]
pub struct Scheme {
    /// Scheme id, also the column name in customers.csv.
    pub id: String,
    /// Label ids in display order.
    pub labels: Vec<String>,
    /// Per output row, the index into `labels` (None: not classified by this scheme, e.g. a
    /// prospect has no RFM segment).
    pub of_row: Vec<Option<u16>>,
    /// Display names per label when they are not in the catalog (clusters, matrix cells, rule
    /// classes); in the run's language also written as a `<id>_name` column.
    pub names: Option<Vec<Names>>,
}

/// Results of every classifier on the purchasers (in feature order).
#[derive(Debug, Clone)]
pub struct Classified {
    /// R, F, M scores.
    pub scores: RfmScores,
    /// Index of the matching segment rule.
    pub segment: Vec<Option<usize>>,
    /// Chinese 8-class id.
    pub cn8: Vec<&'static str>,
    /// The centres the 8-class scheme used (recency, frequency, monetary).
    pub cn8_centres: [f64; 3],
    /// ABC tier.
    pub abc: Vec<&'static str>,
    /// ABC concentration figures.
    pub abc_summary: AbcSummary,
    /// Value tier.
    pub value_tier: Vec<&'static str>,
    /// Lifecycle thresholds used.
    pub thresholds: Thresholds,
    /// Where they came from.
    pub threshold_source: ThresholdSource,
    /// The RFM scorer, ABC and value-tier cuts fitted on these customers (`None` when applied
    /// from a saved model, which holds them: a lookup copies nothing).
    pub models: Option<Models>,
}

/// The fitted cuts of the built-in schemes (what a saved model keeps of them).
#[derive(Debug, Clone)]
pub struct Models {
    /// RFM breakpoints and the 8-class centres.
    pub rfm: Rfm,
    /// Where B and C start.
    pub abc: Abc,
    /// Where mid and high start.
    pub value_tier: ValueTier,
}

/// Lifecycle thresholds as recorded in run.json.
#[derive(Debug, Clone, Serialize)]
pub struct ThresholdRecord {
    /// Values in days.
    #[serde(flatten)]
    pub thresholds: Thresholds,
    /// configured, derived or fallback.
    pub source: ThresholdSource,
}

/// Runs the built-in classifiers: fitted on these customers, or, with a saved `model`, applied
/// from it (its cut points, centres, rules and thresholds; the config's classifier parameters are
/// then the model's).
///
/// # Errors
/// [`EngineError::Invalid`] for parameters that fail their checks.
pub fn classify(f: &Features, params: Params<'_>, model: Option<Frozen<'_>>) -> Result<Classified> {
    match model {
        Some(m) => apply(f, params, m),
        None => fit(f, params),
    }
}

/// Each customer classified by a saved model, on its own values.
fn apply(f: &Features, params: Params<'_>, m: Frozen<'_>) -> Result<Classified> {
    let abc_params = params.abc.check().map_err(|e| EngineError::Invalid(e.to_string()))?;
    let n = f.len();
    let per: Vec<((u8, u8, u8), &'static str)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let (r, fq, mo) = (f.recency_days[i] as f64, f.frequency[i] as f64, f.monetary[i]);
            (m.rfm.scores(r, fq, mo), m.rfm.cn8(r, fq, mo))
        })
        .collect();
    let scores = RfmScores {
        r: per.iter().map(|p| p.0.0).collect(),
        f: per.iter().map(|p| p.0.1).collect(),
        m: per.iter().map(|p| p.0.2).collect(),
    };
    let segment = rfm::segment(&scores, m.segments);
    Ok(Classified {
        segment,
        cn8: per.iter().map(|p| p.1).collect(),
        cn8_centres: m.rfm.cn8_centres,
        abc: (0..n).into_par_iter().map(|i| m.abc.tier(f.monetary[i], &f.customer[i])).collect(),
        // the concentration figures describe these customers, whatever the tiers' cuts
        abc_summary: abc::classify(&f.monetary, &abc_params).1,
        value_tier: f.monetary.par_iter().map(|&v| m.value_tier.tier(v)).collect(),
        thresholds: m.lifecycle.thresholds,
        threshold_source: m.lifecycle.source,
        scores,
        models: None,
    })
}

/// Fits the built-in classifiers on these customers.
fn fit(f: &Features, config: Params<'_>) -> Result<Classified> {
    let invalid = |e: &dyn std::fmt::Display| EngineError::Invalid(e.to_string());
    let recency: Vec<f64> = f.recency_days.iter().map(|&v| v as f64).collect();
    let frequency: Vec<f64> = f.frequency.iter().map(|&v| v as f64).collect();
    let params = config.rfm.params().check().map_err(|e| invalid(&e))?;
    let abc_params = config.abc.check().map_err(|e| invalid(&e))?;
    let tier_params = config.value_tier.check().map_err(|e| invalid(&e))?;
    let ids: Vec<&str> = f.customer.iter().map(String::as_str).collect();
    // the classifiers are independent: two halves run side by side (each sorts in parallel too)
    let (((rfm_model, scores, cn8), segment), ((abc_model, abc, abc_summary), (tier_model, value_tier), lifecycle)) =
        rayon::join(
            || {
                let fitted = rfm::fit([&recency, &frequency, &f.monetary], &params, config.rfm.cn8_basis);
                let segment = rfm::segment(&fitted.1, &config.rfm.segment_rules());
                (fitted, segment)
            },
            || {
                let gaps: Vec<f64> = f.avg_interpurchase_days.iter().flatten().copied().collect();
                (
                    abc::fit(&f.monetary, &ids, &abc_params),
                    value_tier::fit(&f.monetary, &tier_params),
                    lifecycle::fit(config.lifecycle, &gaps),
                )
            },
        );
    Ok(Classified {
        scores,
        segment,
        cn8,
        cn8_centres: rfm_model.cn8_centres,
        abc,
        abc_summary,
        value_tier,
        thresholds: lifecycle.0,
        threshold_source: lifecycle.1,
        models: Some(Models { rfm: rfm_model, abc: abc_model, value_tier: tier_model }),
    })
}

/// Lifecycle stage of every output row; `rows[i]` is `Some(feature index)` for a purchaser and
/// `None` for a prospect.
/// With `p_alive` (per feature index, and the cut-offs), silence is judged by the CLV model.
pub fn lifecycle_stages(
    f: &Features,
    rows: &[Option<usize>],
    t: &Thresholds,
    p_alive: Option<(&[Option<f64>], PAliveCuts)>,
) -> Vec<&'static str> {
    let inputs: Vec<LifecycleInput> = rows
        .iter()
        .map(|r| match r {
            Some(i) => LifecycleInput {
                prospect: false,
                recency_days: f.recency_days[*i],
                tenure_days: f.tenure_days[*i],
                last_gap_days: f.last_gap_days[*i],
            },
            None => LifecycleInput { prospect: true, recency_days: 0, tenure_days: 0, last_gap_days: None },
        })
        .collect();
    match p_alive {
        Some((p, cuts)) => {
            let per_row: Vec<Option<f64>> = rows.iter().map(|r| r.and_then(|i| p[i])).collect();
            lifecycle::classify_with_p_alive(&inputs, t, &per_row, &cuts)
        }
        None => lifecycle::classify(&inputs, t),
    }
}

/// Builds the schemes over the output rows.
pub fn schemes(
    c: &Classified,
    lifecycle: &[&'static str],
    rows: &[Option<usize>],
    rules: &[SegmentRule],
) -> Vec<Scheme> {
    let builtin = |id: &'static str, per_purchaser: &[&'static str]| {
        let labels: Vec<String> = catalog::labels_of(id).into_iter().map(str::to_string).collect();
        let mut code = LabelCodes::new(&labels);
        let of_row = rows.iter().map(|r| r.map(|i| code.of(per_purchaser[i]).unwrap_or(0))).collect();
        Scheme { id: id.to_string(), labels, of_row, names: None }
    };
    let segment = || {
        let mut labels: Vec<String> = Vec::new();
        for r in rules {
            if !labels.contains(&r.id) {
                labels.push(r.id.clone());
            }
        }
        let unclassified = labels.len() as u16;
        // each rule's label code, found once rather than per customer
        let code_of_rule: Vec<u16> =
            rules.iter().map(|r| labels.iter().position(|l| *l == r.id).unwrap_or(0) as u16).collect();
        let of_row: Vec<Option<u16>> =
            rows.iter().map(|r| r.map(|i| c.segment[i].map_or(unclassified, |k| code_of_rule[k]))).collect();
        if of_row.contains(&Some(unclassified)) {
            labels.push("unclassified".into());
        }
        Scheme { id: "rfm_segment".into(), labels, of_row, names: None }
    };
    let life = || {
        let labels: Vec<String> = catalog::labels_of("lifecycle").into_iter().map(str::to_string).collect();
        let mut code = LabelCodes::new(&labels);
        let of_row = lifecycle.iter().map(|s| code.of(s)).collect();
        Scheme { id: "lifecycle".into(), labels, of_row, names: None }
    };
    // each scheme is a pass over every row: side by side
    let ((segment, cn8), ((abc, value_tier), life)) = rayon::join(
        || rayon::join(segment, || builtin("rfm_cn8", &c.cn8)),
        || rayon::join(|| rayon::join(|| builtin("abc", &c.abc), || builtin("value_tier", &c.value_tier)), life),
    );
    vec![segment, cn8, abc, value_tier, life]
}

/// The code (position in `labels`) of each classifier label, for a million rows: the labels are
/// `&'static str`s from a few constants, so each distinct one (by address and length) is looked
/// up by text once and then found by its address; the code is the text lookup's either way.
struct LabelCodes<'l> {
    labels: &'l [String],
    seen: Vec<(usize, usize, Option<u16>)>,
}

impl<'l> LabelCodes<'l> {
    fn new(labels: &'l [String]) -> Self {
        LabelCodes { labels, seen: Vec::new() }
    }

    fn of(&mut self, label: &'static str) -> Option<u16> {
        let key = (label.as_ptr() as usize, label.len());
        if let Some(&(_, _, code)) = self.seen.iter().find(|&&(p, n, _)| (p, n) == key) {
            return code;
        }
        let code = self.labels.iter().position(|l| l == label).map(|p| p as u16);
        self.seen.push((key.0, key.1, code));
        code
    }
}

/// Display name of a label: the catalog's, else the rule's `name_en`/`name_zh`, else the id.
pub fn label_display(scheme: &str, label: &str, lang: Lang, rules: &[SegmentRule]) -> String {
    if let Some(n) = catalog::label_name(scheme, label, lang) {
        return n.to_string();
    }
    let rule = rules.iter().find(|r| r.id == label);
    let custom = match lang {
        Lang::Zh => rule.and_then(|r| r.name_zh.clone().or(r.name_en.clone())),
        Lang::En => rule.and_then(|r| r.name_en.clone().or(r.name_zh.clone())),
    };
    custom.unwrap_or_else(|| label.to_string())
}
