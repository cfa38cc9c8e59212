//! The pipeline's side of the run history: record the run in the store, compare it with the
//! previous run of the same configuration, and write `migration.csv` and `alerts.csv`.

use std::path::Path;

use custseg_core::catalog::Lang;
use custseg_data::sink::write_csv;
use serde::Serialize;

use crate::Config;
use crate::alerts::{self, Alert};
use crate::classify::Scheme;
use crate::error::Result;
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
    /// Customer ids per output row.
    pub ids: &'a [&'a str],
    /// Every scheme of the run.
    pub schemes: &'a [Scheme],
    /// segments.csv rows (for display names).
    pub segments: &'a [SegmentRow],
    /// Per output row: recency, frequency, monetary, CLV, P(alive).
    pub features: [Vec<Option<f64>>; 5],
}

/// The schemes as the store keeps them: label ids with their display names.
pub fn scheme_labels(schemes: &[Scheme], segments: &[SegmentRow]) -> Vec<SchemeLabels> {
    schemes
        .iter()
        .map(|s| SchemeLabels {
            scheme: s.id.clone(),
            labels: s
                .labels
                .iter()
                .map(|l| {
                    let name = segments
                        .iter()
                        .find(|r| r.scheme == s.id && r.label == *l)
                        .map_or_else(|| l.clone(), |r| r.name.clone());
                    (l.clone(), name)
                })
                .collect(),
        })
        .collect()
}

/// Records the run in `store_path`, then compares it with the previous run of the same
/// configuration (if any), writing migration.csv and alerts.csv into `out_dir`.
///
/// # Errors
/// Store and write errors.
pub fn record(
    store_path: &Path,
    facts: RunFacts<'_>,
    out_dir: &Path,
    plays: &[Play],
    lang: Lang,
) -> Result<(HistoryRecord, Vec<Alert>)> {
    let mut store = Store::open(store_path)?;
    let hash = config_hash(facts.config);
    let [recency_days, frequency, monetary, clv, p_alive] = facts.features;
    let new_run = NewRun {
        as_of: facts.as_of,
        version: env!("CARGO_PKG_VERSION"),
        config_hash: hash.clone(),
        config_json: serde_json::to_string(facts.config).unwrap_or_default(),
        inputs_json: facts.inputs_json,
        rows: facts.rows,
        out_dir: out_dir.display().to_string(),
        schemes: scheme_labels(facts.schemes, facts.segments),
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
    };
    let Some(prev) = store.previous_with_config(&hash, run_id)? else { return Ok((rec, Vec::new())) };
    let a = store.load(prev)?;
    // this run as the store now has it, from memory rather than read back
    let b = StoredRun::of_new(store.run_info(run_id)?, new_run);
    let (ms, alerts) = compare(&a, &b, None, &facts.config.alerts, plays, lang);
    write_comparison(out_dir, &ms, &alerts)?;
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
pub fn write_comparison(dir: &Path, ms: &[SchemeMigration], alerts: &[Alert]) -> Result<()> {
    let m = migration::migration_table(ms).into_batch()?;
    write_csv(&dir.join("migration.csv"), &m.schema(), std::slice::from_ref(&m))?;
    let a = alerts::alerts_table(alerts).into_batch()?;
    write_csv(&dir.join("alerts.csv"), &a.schema(), std::slice::from_ref(&a))?;
    Ok(())
}
