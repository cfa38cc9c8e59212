//! The saved classification model (`classifier.json`), fitted by every run and applied by
//! `run --model` and `score`: the built-in schemes' cut points ([`custseg_core::cuts`]),
//! centres, rules and thresholds, the CLV models, the cluster model, the matrix and value-class
//! cut-offs, the look-alike lifts, the rule schemes and the playbook, so that a customer is
//! classified from their own values, and a run's own customers get every label back.

use std::path::Path;

use custseg_core::abc::Abc;
use custseg_core::lifecycle::PAliveCuts;
use custseg_core::rfm::{Rfm, SegmentRule};
use custseg_core::value_tier::ValueTier;
use serde::{Deserialize, Serialize};

pub use crate::classify::LifecycleModel;
use crate::classify::{Classified, Frozen};
use crate::cluster::ClusterModel;
use crate::clv::ModelFile;
use crate::config::{ClvConfig, Config};
use crate::error::{EngineError, Result};
use crate::lookalike::LookalikeModel;
use crate::matrix::MatrixConfig;
use crate::playbook::Play;
use crate::rules::RuleScheme;

/// The `classifier.json` layout this custseg writes; it reads this one and older ones.
pub const SCHEMA_VERSION: u32 = 1;

/// The model's file name in a run's output directory.
pub const MODEL_FILE: &str = "classifier.json";

/// The saved classification model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classifier {
    /// Layout version ([`SCHEMA_VERSION`] when written by this custseg).
    pub schema_version: u32,
    /// The custseg that wrote it.
    pub custseg_version: String,
    /// The fitted run's as-of date.
    pub as_of: String,
    /// The fitted run's configuration identity ([`crate::store::config_hash`]).
    pub config_hash: String,
    /// The fitted run's inputs (paths, sizes, fingerprints), as in its run.json.
    pub inputs: serde_json::Value,
    /// R, F and M cut points and the 8-class centres.
    pub rfm: Rfm,
    /// The RFM segment rules (first match wins).
    pub rfm_segments: Vec<SegmentRule>,
    /// ABC tiers: where B and C start.
    pub abc: Abc,
    /// Value tiers: where mid and high start.
    pub value_tier: ValueTier,
    /// Lifecycle thresholds in days, how they were set, and the P(alive) cut-offs when stages
    /// were judged by the CLV model.
    pub lifecycle: LifecycleModel,
    /// The CLV, cluster, matrix and look-alike models, the rule schemes and the playbook (in
    /// the file, beside the fields above).
    #[serde(flatten)]
    pub parts: Parts,
}

/// The parts of a [`Classifier`] besides the built-in schemes' cuts: each absent when the
/// fitted run did not have it (its runs then have none either).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parts {
    /// The CLV models, their scoring settings and the CLV-tier cuts.
    pub clv: Option<ClvPart>,
    /// The cluster model.
    pub cluster: Option<ClusterModel>,
    /// The value × loyalty matrix with its axes resolved and cut-offs fixed.
    pub matrix: Option<MatrixConfig>,
    /// The value classes' cuts and the look-alike lifts.
    pub value_class: Option<LookalikeModel>,
    /// The rule schemes in effect.
    pub schemes: Vec<RuleScheme>,
    /// The playbook in effect (built-in entries with the configuration's changes).
    pub playbook: Vec<Play>,
}

/// The CLV part of a [`Classifier`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClvPart {
    /// Horizon, discount, step and lifetime settings the scores were made with.
    pub settings: ClvConfig,
    /// The fitted purchase and spend models (as in model.json).
    pub fit: ModelFile,
    /// Where the CLV tiers start (absent when the spend model could not be fitted: no CLV).
    pub tier: Option<ValueTier>,
}

/// Where a run's thresholds came from, when they came from a saved model (run.json `model`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSource {
    /// The model file as given.
    pub file: String,
    /// Its run's as-of date.
    pub as_of: String,
    /// Its run's configuration identity.
    pub config_hash: String,
}

impl Classifier {
    /// The built-in classifiers' cuts, for [`crate::classify::classify`].
    pub fn frozen(&self) -> Frozen<'_> {
        Frozen {
            rfm: &self.rfm,
            segments: &self.rfm_segments,
            abc: &self.abc,
            value_tier: &self.value_tier,
            lifecycle: &self.lifecycle,
        }
    }

    /// Reads a model file, refusing one written in a newer layout.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] naming the file: unreadable, not a model, or too new.
    pub fn read(path: &Path) -> Result<Classifier> {
        let bad = |why: String| EngineError::Invalid(format!("model {}: {why}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON ({e})")))?;
        let version = value["schema_version"].as_u64().ok_or_else(|| {
            bad("not a custseg classification model (no schema_version); give the classifier.json a run wrote".into())
        })?;
        if version > u64::from(SCHEMA_VERSION) {
            return Err(bad(format!(
                "written by custseg {} in model layout {version}, newer than this custseg's {SCHEMA_VERSION}\nhint: upgrade custseg, or refit with `custseg run`",
                value["custseg_version"].as_str().unwrap_or("(unknown)")
            )));
        }
        let model: Classifier = serde_json::from_value(value).map_err(|e| bad(format!("not a valid model ({e})")))?;
        model.validate().map_err(|why| bad(format!("not a valid model ({why})")))?;
        Ok(model)
    }

    /// Checks what the layout cannot: cut points that fit their scheme's levels, day counts that
    /// are not negative, a usable cluster and CLV model, matrix cut-offs for its bands. A hand-edited file
    /// is refused here rather than giving scores out of range.
    ///
    /// # Errors
    /// What is wrong, naming the part.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let n = self.rfm.n_scores;
        if !(2..=10).contains(&n) {
            return Err(format!("rfm.n_scores is {n}, not 2 to 10"));
        }
        let dims =
            [("recency", &self.rfm.recency), ("frequency", &self.rfm.frequency), ("monetary", &self.rfm.monetary)];
        for (name, cuts) in dims {
            if cuts.starts.len() >= usize::from(n) || cuts.starts.iter().any(|v| v.is_nan()) {
                return Err(format!("rfm.{name} has {} cut points for {n} scores", cuts.starts.len()));
            }
        }
        let t = &self.lifecycle.thresholds;
        // their order is the configuration's to choose; a day count is not negative
        if t.new_days < 0 || t.at_risk_days < 0 || t.churn_days < 0 {
            return Err(format!(
                "lifecycle thresholds {} / {} / {} days: negative",
                t.new_days, t.at_risk_days, t.churn_days
            ));
        }
        if let Some(c) = &self.parts.clv {
            c.fit.models().map_err(|e| format!("clv: {e}"))?;
        }
        if let Some(c) = &self.parts.cluster {
            c.validate().map_err(|e| format!("cluster: {e}"))?;
        }
        if let Some(m) = &self.parts.matrix {
            let cuts = [m.value_cuts.as_deref(), m.loyalty_cuts.as_deref()];
            let fits = |c: Option<&[f64]>| c.is_some_and(|c| c.len() + 1 == m.bands && c.iter().all(|v| v.is_finite()));
            if !(2..=3).contains(&m.bands) || !cuts.into_iter().all(fits) {
                return Err(format!("matrix: cut-offs do not fit {} bands", m.bands));
            }
        }
        if let Some(v) = &self.parts.value_class
            && (v.cuts.starts.len() > 2 || v.cuts.starts.iter().any(|x| x.is_nan()))
        {
            return Err(format!("value_class has {} cut points for 3 classes", v.cuts.starts.len()));
        }
        Ok(())
    }

    /// Puts the model's parameters in place of the configuration's, so that a run applying it
    /// uses (and its run.json records) what the model was fitted with: the RFM segment rules,
    /// the CLV settings, the matrix axes and cut-offs, the rule schemes, and which of the
    /// optional schemes exist at all (a model without clusters gives runs without clusters).
    pub fn govern(&self, config: &mut crate::config::Config) {
        config.rfm.n_scores = self.rfm.n_scores;
        config.rfm.segments = self.rfm_segments.clone();
        match &self.parts.clv {
            Some(c) => config.clv = c.settings.clone(),
            None => config.clv.enabled = false,
        }
        config.cluster.enabled = self.parts.cluster.is_some();
        match &self.parts.matrix {
            Some(m) => config.matrix = m.clone(),
            None => config.matrix.enabled = false,
        }
        config.lookalike.enabled = self.parts.value_class.is_some();
        config.schemes = self.parts.schemes.clone();
    }

    /// Where a run's classification came from, for run.json.
    pub fn source(&self, file: &Path) -> ModelSource {
        ModelSource {
            file: file.display().to_string(),
            as_of: self.as_of.clone(),
            config_hash: self.config_hash.clone(),
        }
    }
}

/// The saved model of a fitted classification (the parts the built-in schemes need).
///
/// # Errors
/// [`EngineError::Internal`] for a classification applied from a saved model (that model is
/// the one to keep).
pub fn fitted_model(c: &Classified, config: &Config, fitted: FittedRun) -> Result<Classifier> {
    let models = c.models.clone().ok_or_else(|| EngineError::Internal("no fitted cuts to save".into()))?;
    Ok(Classifier {
        schema_version: SCHEMA_VERSION,
        custseg_version: env!("CARGO_PKG_VERSION").to_string(),
        as_of: fitted.as_of,
        config_hash: crate::store::config_hash(config),
        inputs: fitted.inputs,
        rfm: models.rfm,
        rfm_segments: config.rfm.segment_rules().into_owned(),
        abc: models.abc,
        value_tier: models.value_tier,
        lifecycle: LifecycleModel { thresholds: c.thresholds, source: c.threshold_source, p_alive: fitted.p_alive },
        parts: fitted.parts,
    })
}

/// What a fitted model records of its run besides the classification.
#[derive(Debug, Clone)]
pub struct FittedRun {
    /// As-of date.
    pub as_of: String,
    /// The inputs as run.json lists them.
    pub inputs: serde_json::Value,
    /// P(alive) cut-offs, when the stages were judged by the CLV model.
    pub p_alive: Option<PAliveCuts>,
    /// The CLV, cluster, matrix and look-alike models, rule schemes and playbook.
    pub parts: Parts,
}
