//! The pipeline's side of the run history: record the run in the store, compare it with the
//! previous run of the same configuration, and write `migration.csv` and `alerts.csv`.

use std::path::Path;

use custseg_core::catalog::{Lang, Msg, Names};
use custseg_data::sink::Sink;
use serde::Serialize;

use crate::Config;
use crate::alerts::{self, Alert};
use crate::classify::{Scheme, label_display};
use crate::error::Result;
use crate::input::Source;
use crate::migration::{self, SchemeMigration};
use crate::output::SegmentRow;
use crate::playbook::Play;
use crate::store::{NewRun, SchemeLabels, Store, StoredRun, config_hash};

/// What run.json says about the history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HistoryRecord {
    /// The store file.
    pub store: String,
    /// This run's id in it.
    pub run_id: i64,
    /// The run compared with: the latest earlier run with the same configuration.
    pub previous_run_id: Option<i64>,
    /// Its as-of date.
    pub previous_as_of: Option<String>,
    /// Alerts raised against it.
    pub alerts: Option<usize>,
    /// Files written (migration.csv, alerts.csv).
    pub outputs: Vec<String>,
    /// The dataset runs are compared within.
    pub dataset: String,
    /// Why the comparison may mislead (the runs share few customers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<Msg>,
}

/// The dataset a run is made from: `[run] dataset` when set, else the transactions path made
/// absolute. Runs are compared (migration, alerts) only within one dataset, so two different
/// logs run into one store with one configuration are never compared.
pub fn dataset_of(config: &Config, transactions: &Source) -> String {
    match (&config.run.dataset, transactions) {
        (Some(d), _) => d.clone(),
        (None, Source::Files(p)) => std::path::absolute(p).unwrap_or_else(|_| p.clone()).display().to_string(),
    }
}

/// Least share of customers two runs must share for their migration to mean anything.
pub const MIN_OVERLAP: f64 = 0.05;

/// A warning when runs `a` and `b` share under [`MIN_OVERLAP`] of the customers of the larger:
/// they hardly describe the same customers, and their migration is mostly (new) and (gone).
pub fn overlap_warning(a: &StoredRun, b: &StoredRun) -> Option<Msg> {
    let shared = {
        let (small, large) = if a.ids.len() <= b.ids.len() { (&a.ids, &b.ids) } else { (&b.ids, &a.ids) };
        small.iter().filter(|id| large.binary_search(id).is_ok()).count()
    };
    let larger = a.ids.len().max(b.ids.len());
    let share = if larger == 0 { 0.0 } else { shared as f64 / larger as f64 };
    (share < MIN_OVERLAP).then(|| {
        Msg::new("runs_barely_overlap")
            .arg("a", a.info.id)
            .arg("b", b.info.id)
            .arg("shared", shared)
            .arg("larger", larger)
            .arg("pct", format!("{:.1}", 100.0 * share))
    })
}

/// Everything of a finished run the store keeps.
#[derive(Debug)]
pub struct RunFacts<'a> {
    /// As-of date.
    pub as_of: &'a str,
    /// Effective configuration.
    pub config: &'a Config,
    /// Inputs (JSON).
    pub inputs_json: String,
    /// Rows read, kept, rejected.
    pub rows: (u64, u64, u64),
    /// Rows dated after the explicit as-of date.
    pub rows_after_as_of: u64,
    /// Customer ids per output row.
    pub ids: &'a [&'a str],
    /// Every scheme of the run.
    pub schemes: &'a [Scheme],
    /// segments.csv rows (for display names).
    pub segments: &'a [SegmentRow],
    /// Per output row: recency, frequency, monetary, CLV, P(alive).
    pub features: [Vec<Option<f64>>; 5],
    /// The run's output directory (as recorded; the files are written into `write_dir`).
    pub out_dir: &'a Path,
    /// See [`dataset_of`].
    pub dataset: String,
    /// The configuration identity of the saved model the run applied, if any.
    pub model_config_hash: Option<&'a str>,
}

/// The schemes as the store keeps them: label ids with their display names in both languages
/// (the scheme's own, else the catalog's or the configured RFM segment names).
pub fn scheme_labels(schemes: &[Scheme], config: &Config) -> Vec<SchemeLabels> {
    let rules = config.rfm.segment_rules();
    schemes
        .iter()
        .map(|s| {
            let name = Names::of_scheme(&s.id)
                .or_else(|| config.schemes.iter().find(|r| r.id == s.id).map(|r| r.names()))
                .unwrap_or_else(|| Names::same(&s.id));
            let labels = s
                .labels
                .iter()
                .enumerate()
                .map(|(k, l)| {
                    let names = s.names.as_ref().and_then(|n| n.get(k).cloned()).unwrap_or_else(|| {
                        Names::new(label_display(&s.id, l, Lang::En, &rules), label_display(&s.id, l, Lang::Zh, &rules))
                    });
                    (l.clone(), names)
                })
                .collect();
            SchemeLabels { scheme: s.id.clone(), name, labels }
        })
        .collect()
}

/// Records the run in `store_path` (incomplete until its outputs are published), then compares
/// it with the previous complete run of the same dataset and configuration (if any), writing
/// migration.csv and alerts.csv into `write_dir`.
///
/// # Errors
/// Store and write errors.
pub fn record(
    store_path: &Path,
    facts: RunFacts<'_>,
    write_dir: &Path,
    plays: &[Play],
    lang: Lang,
) -> Result<(HistoryRecord, Vec<Alert>)> {
    let mut store = Store::open(store_path)?;
    // a run that applies a saved model has its fitted run's identity: the same classification
    let hash = facts.model_config_hash.map_or_else(|| config_hash(facts.config), str::to_string);
    let [recency_days, frequency, monetary, clv, p_alive] = facts.features;
    let new_run = NewRun {
        as_of: facts.as_of,
        version: env!("CARGO_PKG_VERSION"),
        config_hash: hash.clone(),
        config_json: serde_json::to_string(facts.config).unwrap_or_default(),
        inputs_json: facts.inputs_json,
        rows: facts.rows,
        rows_after_as_of: facts.rows_after_as_of,
        out_dir: facts.out_dir.display().to_string(),
        dataset: facts.dataset.clone(),
        schemes: scheme_labels(facts.schemes, facts.config),
        ids: facts.ids,
        codes: facts.schemes.iter().map(|s| s.of_row.as_slice()).collect(),
        recency_days,
        frequency,
        monetary,
        clv,
        p_alive,
    };
    let run_id = store.record(&new_run)?;
    let mut rec = HistoryRecord {
        store: store_path.display().to_string(),
        run_id,
        previous_run_id: None,
        previous_as_of: None,
        alerts: None,
        outputs: Vec::new(),
        dataset: facts.dataset.clone(),
        warning: None,
    };
    let Some(prev) = store.previous_with_config(&hash, &facts.dataset, run_id)? else {
        return Ok((rec, Vec::new()));
    };
    let a = store.load(prev)?;
    // this run as the store now has it, from memory rather than read back
    let b = StoredRun::of_new(store.run_info(run_id)?, new_run);
    let (ms, alerts) = compare(&a, &b, None, &facts.config.alerts, plays, lang);
    write_comparison(write_dir, &ms, &alerts, lang, Sink::new(facts.config.run.fsync))?;
    rec.warning = overlap_warning(&a, &b);
    rec.previous_run_id = Some(prev);
    rec.previous_as_of = Some(a.info.as_of.clone());
    rec.alerts = Some(alerts.len());
    rec.outputs = vec!["migration.csv".into(), "alerts.csv".into()];
    Ok((rec, alerts))
}

/// The migration of every scheme (or `only`) and the alerts from run `a` to run `b`.
pub fn compare(
    a: &StoredRun,
    b: &StoredRun,
    only: Option<&str>,
    rules: &[alerts::AlertRule],
    plays: &[Play],
    lang: Lang,
) -> (Vec<SchemeMigration>, Vec<Alert>) {
    (migration::migrate(a, b, only), alerts::evaluate(a, b, rules, plays, lang))
}

/// Writes migration.csv and alerts.csv into `dir`.
///
/// # Errors
/// Write errors naming the file.
pub fn write_comparison(dir: &Path, ms: &[SchemeMigration], alerts: &[Alert], lang: Lang, sink: Sink) -> Result<()> {
    let m = migration::migration_table(ms, lang).into_batch()?;
    sink.csv(&dir.join("migration.csv"), &m.schema(), std::slice::from_ref(&m))?;
    let a = alerts::alerts_table(alerts).into_batch()?;
    sink.csv(&dir.join("alerts.csv"), &a.schema(), std::slice::from_ref(&a))?;
    Ok(())
}
