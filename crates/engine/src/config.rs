//! The run configuration (`custseg.toml`): every option with its default, checked when loaded so
//! a typo or an out-of-range value fails before any data is read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use custseg_core::Lang;
use custseg_core::abc::AbcParams;
use custseg_core::lifecycle::LifecycleParams;
use custseg_core::rfm::validate_rules;
use custseg_core::value_tier::ValueTierParams;
use custseg_data::clean::{CleanRules, Returns, ZeroAmount};
use custseg_data::ingest::IngestOptions;
pub use custseg_data::parse::AsOf;
use custseg_data::parse::DateFormat;
use custseg_data::source::{CsvOptions, Encoding};
use serde::{Deserialize, Serialize};

use crate::basket::BasketConfig;
use crate::error::{EngineError, Result};
use crate::lookalike::LookalikeConfig;
use crate::matrix::MatrixConfig;
use crate::playbook::PlayOverride;
use crate::rules::{RuleScheme, SchemeError};
use crate::wallet::WalletConfig;

pub use crate::classify::RfmConfig;
pub use crate::cluster::ClusterConfig;
pub use crate::clv::{ClvConfig, LifecycleBasis};

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
    /// `[basket]`: association rules, recommendations and their evaluation.
    pub basket: BasketConfig,
    /// `[[schemes]]`: rule-based classifications (the built-in ones by default).
    pub schemes: Vec<RuleScheme>,
    /// `[crosstab]`: pairs of dimensions for crosstab.csv.
    pub crosstab: CrosstabConfig,
    /// `[[playbook]]`: changes to the built-in strategy playbook.
    pub playbook: Vec<PlayOverride>,
    /// `[[alerts]]`: alert rules on migrations between runs (the built-in ones by default).
    pub alerts: Vec<crate::alerts::AlertRule>,
    /// `[privacy]`: which master-file columns hold personal data. Not part of the
    /// classification: left out of the configuration's identity and, when unset, of run.json.
    #[serde(skip_serializing_if = "PrivacyConfig::is_empty")]
    pub privacy: PrivacyConfig,
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

/// `[privacy]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Master-file columns holding personal data besides those recognised by name (name, 姓名,
    /// phone, 手机, email, 邮箱, address, 地址, id_card, 身份证号, ...): the server masks them for
    /// viewers and logs every export of them.
    pub pii: Vec<String>,
}

impl PrivacyConfig {
    /// Whether nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.pii.is_empty()
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
            basket: BasketConfig::default(),
            schemes: builtin_schemes(),
            crosstab: CrosstabConfig::default(),
            playbook: Vec::new(),
            alerts: crate::alerts::default_rules(),
            privacy: PrivacyConfig::default(),
            source: None,
        }
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
    pub as_of: Option<AsOf>,
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

impl Config {
    /// The built-in classifiers' sections.
    pub fn builtin(&self) -> crate::classify::Params<'_> {
        crate::classify::Params {
            rfm: &self.rfm,
            abc: &self.abc,
            value_tier: &self.value_tier,
            lifecycle: &self.lifecycle,
        }
    }

    /// Reads and checks a TOML config file.
    ///
    /// # Errors
    /// [`EngineError::Config`] naming the file, with the TOML error (line and column) or the
    /// invalid value.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| EngineError::Config { path: path.to_path_buf(), message: e.to_string() })?;
        Config::parse(text, path)
    }

    /// Reads and checks a configuration's TOML text; `path` names it in messages.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn parse(text: String, path: &Path) -> Result<Config> {
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
        self.basket.check()?;
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
        if let Some(d) = self.input.delimiter
            && ![',', ';', '\t', '|'].contains(&d)
        {
            return Err(EngineError::Invalid(format!("input.delimiter must be one of , ; tab |, got `{d}`")));
        }
        self.lifecycle.check().map_err(|e| invalid(&e))?;
        Ok(())
    }
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
        // the as-of date is parsed with the file: a day that does not exist is refused there
        let e = toml::from_str::<Config>("[run]\nas_of = \"1997-02-30\"\n").expect_err("no such day");
        assert!(e.to_string().contains("as-of date must be YYYY-MM-DD, got `1997-02-30`"), "{e}");
        let c: Config = toml::from_str("[run]\nas_of = \"1997-09-30\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.run.as_of.map(AsOf::day), days_from_civil(1997, 9, 30));
        assert_eq!(toml::to_string(&c.run).unwrap_or_default().lines().next(), Some("as_of = \"1997-09-30\""));
    }
}
