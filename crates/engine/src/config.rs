//! The run configuration (`custseg.toml`): every option with its default, checked when loaded so
//! a typo or an out-of-range value fails before any data is read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use custseg_core::Lang;
use custseg_core::abc::AbcParams;
use custseg_core::cluster::prep::{Scaling, Transform};
use custseg_core::cluster::select::SILHOUETTE_SAMPLE;
use custseg_core::clv::{DAYS_PER_MONTH, FitParams, ModelKind};
use custseg_core::kmeans::{Algorithm, KMeansParams};
use custseg_core::kprototypes::KPrototypesParams;
use custseg_core::lifecycle::LifecycleParams;
use custseg_core::rfm::{Cn8Basis, RfmParams, SegmentRule, default_segment_rules, validate_rules};
use custseg_core::value_tier::ValueTierParams;
use custseg_data::clean::{CleanRules, Returns, ZeroAmount};
use custseg_data::ingest::IngestOptions;
use custseg_data::parse::DateFormat;
use custseg_data::source::{CsvOptions, Encoding};
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::lookalike::LookalikeConfig;
use crate::matrix::MatrixConfig;
use crate::playbook::PlayOverride;
use crate::rules::{RuleScheme, SchemeError};
use crate::wallet::WalletConfig;

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[input]`: how to read the transactions.
    pub input: InputConfig,
    /// `[run]`: as-of date, language, strictness.
    pub run: RunConfig,
    /// `[rfm]`: scores and segments.
    pub rfm: RfmConfig,
    /// `[abc]`: ABC cut-offs.
    pub abc: AbcParams,
    /// `[value_tier]`: value tier shares.
    pub value_tier: ValueTierParams,
    /// `[lifecycle]`: stage thresholds (unset = derived from the data).
    pub lifecycle: LifecycleParams,
    /// `[clv]`: predictive customer lifetime value.
    pub clv: ClvConfig,
    /// `[cluster]`: k-means / k-prototypes clusters with profiles.
    pub cluster: ClusterConfig,
    /// `[matrix]`: the value × loyalty matrix.
    pub matrix: MatrixConfig,
    /// `[wallet]`: share of wallet.
    pub wallet: WalletConfig,
    /// `[lookalike]`: best customers and lookalike scores.
    pub lookalike: LookalikeConfig,
    /// `[[schemes]]`: rule-based classifications (the built-in ones by default).
    pub schemes: Vec<RuleScheme>,
    /// `[crosstab]`: pairs of dimensions for crosstab.csv.
    pub crosstab: CrosstabConfig,
    /// `[[playbook]]`: changes to the built-in strategy playbook.
    pub playbook: Vec<PlayOverride>,
    /// `[[alerts]]`: alert rules on migrations between runs (the built-in ones by default).
    pub alerts: Vec<crate::alerts::AlertRule>,
    /// The file this configuration was read from (not part of the configuration: messages use
    /// it to name the line of a bad rule).
    #[serde(skip)]
    pub source: Option<Source>,
}

/// A configuration file's path and text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// The file.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl Source {
    /// Line (1-based) of a scheme's rule in the file: the first line holding `sql` after the
    /// line that declares `id = "<scheme>"` (the scheme's own line without a rule).
    pub fn line_of(&self, scheme: &str, sql: Option<&str>) -> Option<usize> {
        let lines: Vec<&str> = self.text.lines().collect();
        let declared = |l: &str| {
            let l = l.trim_start();
            l.starts_with("id")
                && l.split_once('=').is_some_and(|(k, v)| {
                    k.trim() == "id" && v.trim().trim_matches(|c| c == '"' || c == '\'') == scheme
                })
        };
        let start = lines.iter().position(|l| declared(l))?;
        match sql {
            None => Some(start + 1),
            Some(sql) => lines[start..].iter().position(|l| l.contains(sql)).map(|k| start + k + 1),
        }
    }
}

/// `[crosstab]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrosstabConfig {
    /// Pairs of scheme ids or master attributes.
    pub pairs: Vec<[String; 2]>,
}

/// The built-in `[[schemes]]` and `[crosstab]`, also the end of the default config file.
pub const BUILTIN_SCHEMES_TOML: &str = include_str!("builtin_schemes.toml");

/// The file's shape, without serde defaults (a default of `CrosstabConfig` reads this file).
#[derive(Deserialize)]
struct Builtin {
    schemes: Vec<RuleScheme>,
    crosstab: BuiltinCrosstab,
}

#[derive(Deserialize)]
struct BuiltinCrosstab {
    pairs: Vec<[String; 2]>,
}

fn builtin() -> Builtin {
    // a test parses the file; an empty set would only ever show up in that test
    toml::from_str(BUILTIN_SCHEMES_TOML)
        .unwrap_or(Builtin { schemes: Vec::new(), crosstab: BuiltinCrosstab { pairs: Vec::new() } })
}

/// The built-in rule schemes.
pub fn builtin_schemes() -> Vec<RuleScheme> {
    builtin().schemes
}

impl Default for CrosstabConfig {
    fn default() -> Self {
        CrosstabConfig { pairs: builtin().crosstab.pairs }
    }
}

/// `[cluster]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    /// Cluster the purchasers in every run.
    pub enabled: bool,
    /// Fixed number of clusters; unset: chosen over `k_min..=k_max`.
    pub k: Option<usize>,
    /// Smallest k searched.
    pub k_min: usize,
    /// Largest k searched.
    pub k_max: usize,
    /// Numeric features: customer features, CLV columns or master-file attributes.
    pub features: Vec<String>,
    /// Categorical attributes (master-file columns, `top_category`, `channel`); any makes the
    /// algorithm k-prototypes.
    pub categorical: Vec<String>,
    /// `zscore` (default), `robust` or `none`.
    pub scaling: Scaling,
    /// Per feature `log1p` or `none`; default log1p for the amount and count features, none for
    /// the rest.
    pub transform: BTreeMap<String, Transform>,
    /// Per feature weight in the distance (default 1).
    pub weights: BTreeMap<String, f64>,
    /// Restarts per k (k-means++ seeding; the lowest inertia wins).
    pub n_init: usize,
    /// Iteration limit.
    pub max_iter: usize,
    /// Relative tolerance of the centre shifts.
    pub tol: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// `auto`, `full` or `mini_batch`.
    pub algorithm: Algorithm,
    /// With `auto`, mini-batch k-means above this many customers.
    pub minibatch_above: usize,
    /// Customers the silhouette is measured on (seeded sample).
    pub silhouette_sample: usize,
    /// k-prototypes mismatch weight; unset: 0.5 × mean SD of the numeric features.
    pub gamma: Option<f64>,
    /// Names replacing the generated ones, by cluster number: `"1" = "VIP"`.
    pub names: BTreeMap<String, String>,
    /// Customers (seeded sample) in cluster_points.csv for the scatter plot.
    pub plot_points: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        let km = KMeansParams::default();
        ClusterConfig {
            enabled: true,
            k: None,
            k_min: 2,
            k_max: 10,
            features: vec!["recency_days".into(), "frequency".into(), "monetary".into()],
            categorical: Vec::new(),
            scaling: Scaling::Zscore,
            transform: BTreeMap::new(),
            weights: BTreeMap::new(),
            n_init: 1,
            max_iter: km.max_iter,
            tol: km.tol,
            seed: km.seed,
            algorithm: Algorithm::Auto,
            minibatch_above: km.minibatch_above,
            silhouette_sample: SILHOUETTE_SAMPLE,
            gamma: None,
            names: BTreeMap::new(),
            plot_points: 5000,
        }
    }
}

impl ClusterConfig {
    /// The k-means settings (`n_clusters` from `k`, else `k_min`).
    pub fn kmeans(&self) -> KMeansParams {
        KMeansParams {
            n_clusters: self.k.unwrap_or(self.k_min),
            n_init: self.n_init,
            max_iter: self.max_iter,
            tol: self.tol,
            seed: self.seed,
            accelerated: true,
            algorithm: self.algorithm,
            minibatch_above: self.minibatch_above,
            batch_size: KMeansParams::default().batch_size,
        }
    }

    /// Validates the settings.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] naming the setting and value.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(EngineError::Invalid(format!("cluster.{m}")));
        if self.k == Some(0) {
            return bad("k must be >= 1, got 0".into());
        }
        if self.k_min < 2 || self.k_max < self.k_min || self.k_max > 50 {
            return bad(format!(
                "k_min..=k_max must satisfy 2 <= k_min <= k_max <= 50, got {}..={}",
                self.k_min, self.k_max
            ));
        }
        if self.features.is_empty() && self.categorical.is_empty() {
            return bad("features must name at least one feature".into());
        }
        for (name, w) in &self.weights {
            if !(*w > 0.0 && w.is_finite()) {
                return bad(format!("weights.{name} must be > 0, got {w}"));
            }
        }
        if self.silhouette_sample < 2 {
            return bad(format!("silhouette_sample must be >= 2, got {}", self.silhouette_sample));
        }
        for n in self.names.keys() {
            if n.parse::<u32>().map_or(true, |v| v == 0) {
                return bad(format!("names keys are cluster numbers 1, 2, ..., got `{n}`"));
            }
        }
        self.kmeans().check().map_err(|e| EngineError::Invalid(format!("cluster: {e}")))?;
        KPrototypesParams { gamma: self.gamma, ..KPrototypesParams::default() }
            .check()
            .map_err(|e| EngineError::Invalid(format!("cluster: {e}")))?;
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            input: InputConfig::default(),
            run: RunConfig::default(),
            rfm: RfmConfig::default(),
            abc: AbcParams::default(),
            value_tier: ValueTierParams::default(),
            lifecycle: LifecycleParams::default(),
            clv: ClvConfig::default(),
            cluster: ClusterConfig::default(),
            matrix: MatrixConfig::default(),
            wallet: WalletConfig::default(),
            lookalike: LookalikeConfig::default(),
            schemes: builtin_schemes(),
            crosstab: CrosstabConfig::default(),
            playbook: Vec::new(),
            alerts: crate::alerts::default_rules(),
            source: None,
        }
    }
}

/// How lifecycle stages judge silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleBasis {
    /// Days since the last purchase against the at-risk and churn thresholds.
    #[default]
    Recency,
    /// The CLV model's P(alive) against `p_alive_at_risk` and `p_alive_churned`.
    PAlive,
}

/// `[clv]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClvConfig {
    /// Fit a purchase model and add the CLV columns to every run.
    pub enabled: bool,
    /// `bgnbd`, `mbgnbd` or `pnbd`.
    pub model: ModelKind,
    /// CLV horizon in steps (months by default).
    pub horizon_months: u32,
    /// Discount rate per step (0.01 a month is about 12.7% a year).
    pub discount: f64,
    /// Length of a step in days (30.4375 = 365.25 / 12).
    pub step_days: f64,
    /// Expected customer lifetime in years for the historical LTV; unset: from the fitted
    /// model's survival curve, capped at `max_lifetime_years`.
    pub lifetime_years: Option<f64>,
    /// Cap of the model-derived expected lifetime, years.
    pub max_lifetime_years: f64,
    /// `recency` (default) or `p_alive`: what decides active / at-risk / churned.
    pub lifecycle: LifecycleBasis,
    /// P(alive) below which a customer is at risk (with `lifecycle = "p_alive"`).
    pub p_alive_at_risk: f64,
    /// P(alive) below which a customer has churned.
    pub p_alive_churned: f64,
    /// `[clv.fit]`: the likelihood maximisation.
    pub fit: FitParams,
}

impl Default for ClvConfig {
    fn default() -> Self {
        ClvConfig {
            enabled: true,
            model: ModelKind::Bgnbd,
            horizon_months: 12,
            discount: 0.01,
            step_days: DAYS_PER_MONTH,
            lifetime_years: None,
            max_lifetime_years: 10.0,
            lifecycle: LifecycleBasis::Recency,
            p_alive_at_risk: 0.5,
            p_alive_churned: 0.2,
            fit: FitParams::default(),
        }
    }
}

impl ClvConfig {
    /// Validates the settings.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] naming the setting and value.
    pub fn check(&self) -> Result<()> {
        let bad =
            |name: &str, rule: &str, v: f64| Err(EngineError::Invalid(format!("clv.{name} must be {rule}, got {v}")));
        if self.horizon_months == 0 || self.horizon_months > 1200 {
            return bad("horizon_months", "in 1..=1200", f64::from(self.horizon_months));
        }
        if !(self.discount >= 0.0 && self.discount < 1.0) {
            return bad("discount", "in [0, 1)", self.discount);
        }
        if !(self.step_days > 0.0 && self.step_days.is_finite()) {
            return bad("step_days", "> 0", self.step_days);
        }
        if let Some(y) = self.lifetime_years
            && !(y > 0.0 && y.is_finite())
        {
            return bad("lifetime_years", "> 0", y);
        }
        if !(self.max_lifetime_years > 0.0 && self.max_lifetime_years.is_finite()) {
            return bad("max_lifetime_years", "> 0", self.max_lifetime_years);
        }
        if !(0.0 <= self.p_alive_churned && self.p_alive_churned <= self.p_alive_at_risk && self.p_alive_at_risk <= 1.0)
        {
            return Err(EngineError::Invalid(format!(
                "clv.p_alive_churned <= clv.p_alive_at_risk must hold within [0, 1], got {} and {}",
                self.p_alive_churned, self.p_alive_at_risk
            )));
        }
        self.fit.check().map_err(|e| EngineError::Invalid(format!("clv.fit.{e}")))?;
        Ok(())
    }
}

/// `[input]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    /// `utf8` or `gbk`; detected when unset.
    pub encoding: Option<Encoding>,
    /// `,` `;` `\t` or `|`; sniffed when unset.
    pub delimiter: Option<char>,
    /// Date layout; detected when unset.
    pub date_format: Option<String>,
    /// Decimal mark of amounts, quantities and prices: `.` or `,`; decided per column from the
    /// values when unset.
    pub decimal: Option<String>,
    /// `role = "column"` overrides of the detected mapping.
    pub map: BTreeMap<String, String>,
    /// `reject` (default) or `keep` zero-amount rows.
    pub zero_amount: ZeroAmount,
    /// `net` (default) or `exclude` returns.
    pub returns: Returns,
    /// Order-id prefix of cancellations (`C`); empty disables.
    pub cancel_prefix: String,
    /// Drop exact duplicate rows even without an order id.
    pub dedupe: bool,
}

impl Default for InputConfig {
    fn default() -> Self {
        let rules = CleanRules::default();
        InputConfig {
            encoding: None,
            delimiter: None,
            date_format: None,
            decimal: None,
            map: BTreeMap::new(),
            zero_amount: rules.zero_amount,
            returns: rules.returns,
            cancel_prefix: rules.cancel_prefix,
            dedupe: rules.dedupe,
        }
    }
}

impl InputConfig {
    /// The reader's options.
    pub fn ingest_options(&self) -> IngestOptions {
        IngestOptions {
            csv: CsvOptions { encoding: self.encoding, delimiter: self.delimiter },
            map: self.map.clone(),
            date_format: self.date_format.clone(),
            decimal: self.decimal.clone(),
            rules: CleanRules {
                zero_amount: self.zero_amount,
                returns: self.returns,
                cancel_prefix: self.cancel_prefix.clone(),
                dedupe: self.dedupe,
            },
        }
    }
}

/// `[run]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// `YYYY-MM-DD`; default: the day after the last kept transaction.
    pub as_of: Option<String>,
    /// `zh` or `en`; default from the environment (`LANG`).
    pub lang: Option<Lang>,
    /// Fail the run (exit 1) if any row is rejected.
    pub strict: bool,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// Write report.html at the end of the run.
    pub report: bool,
    /// Flush each output file to disk before it takes its final name.
    pub fsync: bool,
    /// Each customer's next action from the playbook (`next_action`, `next_action_from`) in
    /// the customer table.
    pub next_action: bool,
    /// The dataset this run is part of (a project name): runs are compared in the history only
    /// within one dataset. Default: the transactions path, made absolute.
    pub dataset: Option<String>,
    /// A saved classification model (`classifier.json`) to classify with instead of fitting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig {
            as_of: None,
            lang: None,
            strict: false,
            threads: 0,
            report: true,
            fsync: false,
            next_action: true,
            dataset: None,
            model: None,
        }
    }
}

/// `[rfm]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RfmConfig {
    /// Score bands (2..=10).
    pub n_scores: u8,
    /// Explicit recency breakpoints in days (n_scores - 1, ascending).
    pub recency_breaks: Option<Vec<f64>>,
    /// Explicit frequency breakpoints.
    pub frequency_breaks: Option<Vec<f64>>,
    /// Explicit monetary breakpoints.
    pub monetary_breaks: Option<Vec<f64>>,
    /// Centre of the Chinese 8-class scheme: `mean` or `median`.
    pub cn8_basis: Cn8Basis,
    /// The segment table, first match wins.
    pub segments: Vec<SegmentRule>,
}

impl Default for RfmConfig {
    fn default() -> Self {
        let p = RfmParams::default();
        RfmConfig {
            n_scores: p.n_scores,
            recency_breaks: None,
            frequency_breaks: None,
            monetary_breaks: None,
            cn8_basis: Cn8Basis::Mean,
            segments: default_segment_rules(),
        }
    }
}

impl RfmConfig {
    /// The segment table in effect: the one given, or, when the default table is left as it is
    /// and `n_scores` is not 5, the default scaled to `n_scores` bands (the 5-band table's
    /// ranges do not fit other band counts).
    pub fn segment_rules(&self) -> std::borrow::Cow<'_, [SegmentRule]> {
        if self.n_scores != 5 && self.segments == default_segment_rules() {
            std::borrow::Cow::Owned(custseg_core::rfm::default_segment_rules_for(self.n_scores))
        } else {
            std::borrow::Cow::Borrowed(&self.segments)
        }
    }

    /// The scoring parameters.
    pub fn params(&self) -> RfmParams {
        RfmParams {
            n_scores: self.n_scores,
            recency_breaks: self.recency_breaks.clone(),
            frequency_breaks: self.frequency_breaks.clone(),
            monetary_breaks: self.monetary_breaks.clone(),
        }
    }
}

impl Config {
    /// Reads and checks a TOML config file.
    ///
    /// # Errors
    /// [`EngineError::Config`] naming the file, with the TOML error (line and column) or the
    /// invalid value.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| EngineError::Config { path: path.to_path_buf(), message: e.to_string() })?;
        let mut config: Config = toml::from_str(&text)
            .map_err(|e| EngineError::Config { path: path.to_path_buf(), message: e.to_string() })?;
        config.source = Some(Source { path: path.to_path_buf(), text });
        config.check().map_err(|e| match e {
            e @ EngineError::Config { .. } => e,
            e => EngineError::Config { path: path.to_path_buf(), message: e.to_string() },
        })?;
        Ok(config)
    }

    /// The error for a scheme that cannot be used, naming the config file and line when the
    /// configuration came from a file and the scheme is in it.
    pub fn rule_error(&self, e: SchemeError) -> EngineError {
        match &self.source {
            Some(src) => {
                let at = src.line_of(&e.scheme, e.sql.as_deref()).map(|n| format!("line {n}: ")).unwrap_or_default();
                EngineError::Config { path: src.path.clone(), message: format!("{at}{e}") }
            }
            None => EngineError::Invalid(e.to_string()),
        }
    }

    /// Validates every parameter.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] naming the setting and value.
    pub fn check(&self) -> Result<()> {
        let invalid = |e: &dyn std::fmt::Display| EngineError::Invalid(e.to_string());
        let rfm = self.rfm.params().check().map_err(|e| invalid(&e))?;
        validate_rules(&self.rfm.segment_rules(), rfm.n_scores()).map_err(|e| invalid(&e))?;
        self.abc.check().map_err(|e| invalid(&e))?;
        self.value_tier.check().map_err(|e| invalid(&e))?;
        self.clv.check()?;
        self.cluster.check()?;
        self.matrix.check()?;
        self.wallet.check()?;
        self.lookalike.check()?;
        crate::playbook::check(&self.playbook)?;
        crate::alerts::check(&self.alerts)?;
        crate::rules::check(
            &self.schemes,
            &[
                "rfm_segment",
                "rfm_cn8",
                "abc",
                "value_tier",
                "lifecycle",
                "clv_tier",
                "cluster",
                "matrix",
                "customer_id",
            ],
        )
        .map_err(|e| self.rule_error(e))?;
        if let Some(f) = &self.input.date_format {
            DateFormat::from_user(f).map_err(|e| invalid(&e))?;
        }
        if let Some(d) = &self.input.decimal {
            custseg_data::number_format::NumberFormat::from_user(d).map_err(|e| invalid(&e))?;
        }
        if let Some(d) = &self.run.as_of {
            parse_as_of(d)?;
        }
        if let Some(d) = self.input.delimiter
            && ![',', ';', '\t', '|'].contains(&d)
        {
            return Err(EngineError::Invalid(format!("input.delimiter must be one of , ; tab |, got `{d}`")));
        }
        for (name, v) in [
            ("lifecycle.new_days", self.lifecycle.new_days),
            ("lifecycle.at_risk_days", self.lifecycle.at_risk_days),
            ("lifecycle.churn_days", self.lifecycle.churn_days),
        ] {
            if v.is_some_and(|v| v < 0) {
                return Err(EngineError::Invalid(format!("{name} must be >= 0, got {}", v.unwrap_or(0))));
            }
        }
        Ok(())
    }
}

/// Parses an as-of date `YYYY-MM-DD` to days since 1970-01-01.
///
/// # Errors
/// [`EngineError::Invalid`] for anything else.
pub fn parse_as_of(s: &str) -> Result<i32> {
    DateFormat::Iso
        .parse(s)
        .filter(|_| s.trim().len() <= 10)
        .ok_or_else(|| EngineError::Invalid(format!("as-of date must be YYYY-MM-DD, got `{s}`")))
}

/// The commented default configuration written by `custseg init`. Parsing it gives exactly
/// [`Config::default`] (a test checks this).
pub const DEFAULT_TOML: &str = concat!(include_str!("default_config.toml"), include_str!("builtin_schemes.toml"));

#[cfg(test)]
mod tests {
    use super::*;
    use custseg_data::parse::days_from_civil;

    #[test]
    fn builtin_schemes_parse_and_check() {
        let b: Builtin = toml::from_str(BUILTIN_SCHEMES_TOML).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = b.schemes.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["importance", "loyalty", "purchase_behaviour", "price_sensitivity", "size", "age_band"]);
        assert_eq!(b.crosstab.pairs.len(), 3);
        assert!(Config::default().check().is_ok());
    }

    #[test]
    fn default_toml_is_the_default_config() {
        let parsed: Config = toml::from_str(DEFAULT_TOML).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed, Config::default());
        assert!(parsed.check().is_ok());
    }

    #[test]
    fn unknown_keys_and_bad_values_fail() {
        assert!(toml::from_str::<Config>("[rfm]\nn_score = 5\n").is_err());
        let c: Config = toml::from_str("[abc]\na_share = 0.99\nb_share = 0.9\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(c.check(), Err(EngineError::Invalid(m)) if m.contains("a_share")));
        let c: Config = toml::from_str("[run]\nas_of = \"1997-02-30\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(c.check().is_err());
        assert_eq!(parse_as_of("1997-09-30").ok(), days_from_civil(1997, 9, 30));
    }
}
