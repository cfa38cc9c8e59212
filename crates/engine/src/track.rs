//! Backtesting over time (`custseg track`): classify the same log as of a series of dates, each
//! using only the transactions up to that date, record every one as a run, and write the label
//! counts over time and the migrations between consecutive dates.
//!
//! Dates run from `from` to `to` (inclusive) by a step of days, weeks or months; a month step
//! keeps the starting day of the month, clamped to the month's length (from 1997-01-31: 02-28,
//! 03-31, ...). Each date's run writes its outputs to `OUT/runs/<date>/` (without report.html)
//! and rejects the later rows with the reason `date_after_as_of`, as `run --as-of` does.
//!
//! With `freeze`, the first date's run fits the classification and every later date applies
//! its classifier.json (as `run --model` does): the cuts stay put, so the migrations between
//! dates are customers moving, not thresholds. A configured `[run] model` is applied at every
//! date.

use std::path::{Path, PathBuf};

use custseg_core::catalog::Lang;
use custseg_data::parse::{civil_from_days, days_from_civil, format_day};
use custseg_data::sink::{Column, Sink, Table};

use crate::config::{AsOf, Config};
use crate::error::{EngineError, Result};
use crate::input::Source;
use crate::migration::{self, SchemeMigration};
use crate::pipeline::{RunRequest, run};
use crate::store::{Store, StoredRun};

/// A step between dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    /// `n` days.
    Days(u32),
    /// `n` weeks.
    Weeks(u32),
    /// `n` months.
    Months(u32),
}

impl Every {
    /// Parses `1month`, `2weeks`, `7days`, `1m`, `2w`, `7d`.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] with the accepted forms.
    pub fn parse(s: &str) -> Result<Every> {
        let s = s.trim().to_ascii_lowercase();
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        let unit = s[digits.len()..].trim();
        let n: u32 = if digits.is_empty() { 1 } else { digits.parse().unwrap_or(0) };
        let bad = || EngineError::Invalid(format!("--every must be like 1month, 2weeks or 7days, got `{s}`"));
        if n == 0 {
            return Err(bad());
        }
        match unit {
            "d" | "day" | "days" => Ok(Every::Days(n)),
            "w" | "week" | "weeks" => Ok(Every::Weeks(n)),
            "m" | "month" | "months" => Ok(Every::Months(n)),
            _ => Err(bad()),
        }
    }
}

/// The dates from `from` to `to` inclusive (days since 1970-01-01).
pub fn dates(from: i32, to: i32, every: Every) -> Vec<i32> {
    let mut out = Vec::new();
    let (y0, m0, d0) = civil_from_days(from);
    let mut k = 0u32;
    loop {
        let day = match every {
            Every::Days(n) => from + (k * n) as i32,
            Every::Weeks(n) => from + (7 * k * n) as i32,
            Every::Months(n) => {
                let months = (m0 - 1) as i64 + i64::from(k * n);
                let (y, m) = (y0 + (months / 12) as i32, (months % 12) as u32 + 1);
                let last = (28..=31).rev().find(|&d| days_from_civil(y, m, d).is_some()).unwrap_or(28);
                days_from_civil(y, m, d0.min(last)).unwrap_or(to + 1)
            }
        };
        if day > to {
            break;
        }
        out.push(day);
        k += 1;
    }
    out
}

/// What to track.
#[derive(Debug, Clone)]
pub struct TrackRequest {
    /// Transaction file or directory.
    pub transactions: Source,
    /// Optional master file.
    pub customers: Option<Source>,
    /// Configuration (its `run.as_of` is set per date).
    pub config: Config,
    /// Output directory.
    pub out_dir: PathBuf,
    /// The store every run is recorded in.
    pub store: PathBuf,
    /// First date.
    pub from: AsOf,
    /// Last date.
    pub to: AsOf,
    /// Step.
    pub every: Every,
    /// Classify every date after the first by the first date's model.
    pub freeze: bool,
}

/// What tracking produced.
#[derive(Debug, Clone)]
pub struct TrackOutcome {
    /// `(as_of, run id)` per date.
    pub runs: Vec<(String, i64)>,
    /// Per consecutive pair of dates: the migrations of every scheme.
    pub migrations: Vec<(String, String, Vec<SchemeMigration>)>,
    /// Files written.
    pub outputs: Vec<PathBuf>,
    /// The saved model every date after the first (frozen) or every date (given) applied.
    pub model: Option<String>,
}

/// Runs the classification as of each date, records each run, writes track.csv,
/// track_migration.csv and track_stability.csv.
///
/// # Errors
/// Bad dates, and any run's errors.
pub fn track(req: TrackRequest) -> Result<TrackOutcome> {
    let (from, to) = (req.from.day(), req.to.day());
    if to < from {
        return Err(EngineError::Invalid(format!("--to {} is before --from {}", req.to, req.from)));
    }
    let days = dates(from, to, req.every);
    std::fs::create_dir_all(&req.out_dir).map_err(|e| custseg_data::DataError::Io {
        action: "create directory",
        path: req.out_dir.clone(),
        source: e,
    })?;
    if req.freeze && req.config.run.model.is_some() {
        return Err(EngineError::Invalid(
            "freeze fits the first date's model; a configured [run] model is applied at every date already: give one of the two".into(),
        ));
    }
    let mut runs = Vec::with_capacity(days.len());
    let mut model = req.config.run.model.clone();
    for &d in &days {
        let as_of = format_day(d);
        let mut config = req.config.clone();
        config.run.as_of = Some(AsOf::from_day(d));
        config.run.report = false;
        config.run.model = model.clone();
        let out_dir = req.out_dir.join("runs").join(&as_of);
        if req.freeze && model.is_none() {
            model = Some(out_dir.join(crate::model::MODEL_FILE).display().to_string());
        }
        let summary = run(RunRequest {
            transactions: req.transactions.clone(),
            customers: req.customers.clone(),
            config,
            out_dir,
            progress: None,
            store: Some(req.store.clone()),
            report: None,
        })?;
        let id = summary.record.history.as_ref().map_or(0, |h| h.run_id);
        tracing::info!(as_of = %as_of, run = id, customers = summary.record.counts.customers, "tracked");
        runs.push((as_of, id));
    }
    let lang = req.config.run.lang.unwrap_or_else(Lang::from_env);
    let sink = Sink::new(req.config.run.fsync);
    let store = Store::open(&req.store)?;
    let loaded: Vec<StoredRun> = runs.iter().map(|(_, id)| store.load(*id)).collect::<Result<_>>()?;
    let migrations: Vec<(String, String, Vec<SchemeMigration>)> = loaded
        .windows(2)
        .map(|w| (w[0].info.as_of.clone(), w[1].info.as_of.clone(), migration::migrate(&w[0], &w[1], None)))
        .collect();
    let mut outputs = Vec::new();
    let mut write = |name: &str, t: Table| -> Result<()> {
        let path = req.out_dir.join(name);
        let b = t.into_batch()?;
        sink.csv(&path, &b.schema(), std::slice::from_ref(&b))?;
        outputs.push(path);
        Ok(())
    };
    write("track.csv", sizes_table(&loaded, lang))?;
    write("track_migration.csv", migration_over_time(&migrations, lang))?;
    write("track_stability.csv", stability_table(&migrations))?;
    Ok(TrackOutcome { runs, migrations, outputs, model })
}

/// Per date, scheme and label: customers, share and revenue.
fn sizes_table(runs: &[StoredRun], lang: Lang) -> Table {
    let mut cols: [Vec<Option<String>>; 4] = Default::default();
    let (mut run_id, mut n, mut share, mut revenue) = (vec![], vec![], vec![], vec![]);
    for r in runs {
        for (s, scheme) in r.schemes.iter().enumerate() {
            let mut count = vec![0u64; scheme.labels.len()];
            let mut rev = vec![0.0f64; scheme.labels.len()];
            let mut total = 0u64;
            for i in 0..r.ids.len() {
                if let Some(c) = r.codes[s][i] {
                    count[usize::from(c)] += 1;
                    rev[usize::from(c)] += r.monetary[i].unwrap_or(0.0);
                    total += 1;
                }
            }
            for (k, (label, name)) in scheme.labels.iter().enumerate() {
                for (col, v) in cols.iter_mut().zip([&r.info.as_of, &scheme.scheme, label, name.get(lang)]) {
                    col.push(Some(v.to_string()));
                }
                run_id.push(Some(r.info.id));
                n.push(Some(count[k] as i64));
                share.push(Some(if total > 0 { (count[k] as f64 / total as f64 * 1e6).round() / 1e6 } else { 0.0 }));
                revenue.push(Some((rev[k] * 100.0).round() / 100.0));
            }
        }
    }
    let [as_of, scheme, label, name] = cols;
    let mut t = Table::default();
    t.push("as_of", Column::Str(as_of));
    t.push("run_id", Column::Int(run_id));
    t.push("scheme", Column::Str(scheme));
    t.push("label", Column::Str(label));
    t.push("name", Column::Str(name));
    t.push("customers", Column::Int(n));
    t.push("share", Column::Float(share));
    t.push("revenue", Column::Float(revenue));
    t
}

fn migration_over_time(ms: &[(String, String, Vec<SchemeMigration>)], lang: Lang) -> Table {
    // one migration table over every pair's schemes in order, with the pair's dates in front:
    // each scheme migration gives one row per cell
    let all: Vec<SchemeMigration> = ms.iter().flat_map(|(_, _, m)| m.iter().cloned()).collect();
    let dates = |pick: fn(&(String, String, Vec<SchemeMigration>)) -> &String| {
        Column::Str(
            ms.iter()
                .flat_map(|p| std::iter::repeat_n(Some(pick(p).clone()), p.2.iter().map(|m| m.cells.len()).sum()))
                .collect(),
        )
    };
    let rest = migration::migration_table(&all, lang);
    let mut out = Table::default();
    out.push("from_as_of", dates(|p| &p.0));
    out.push("to_as_of", dates(|p| &p.1));
    for (name, col) in rest.names.into_iter().zip(rest.columns) {
        out.push(name, col);
    }
    out
}

/// Per consecutive pair of dates and scheme: matched, stayed, stability, upgrades, downgrades,
/// appeared, disappeared.
fn stability_table(ms: &[(String, String, Vec<SchemeMigration>)]) -> Table {
    let rows: Vec<(&String, &String, &SchemeMigration)> =
        ms.iter().flat_map(|(a, b, m)| m.iter().map(move |x| (a, b, x))).collect();
    let mut t = Table::default();
    t.push("from_as_of", Column::Str(rows.iter().map(|r| Some(r.0.clone())).collect()));
    t.push("to_as_of", Column::Str(rows.iter().map(|r| Some(r.1.clone())).collect()));
    t.push("scheme", Column::Str(rows.iter().map(|r| Some(r.2.scheme.clone())).collect()));
    let int = |f: &dyn Fn(&SchemeMigration) -> u64| Column::Int(rows.iter().map(|r| Some(f(r.2) as i64)).collect());
    t.push("matched", int(&|m| m.matched));
    t.push("stayed", int(&|m| m.stayed));
    t.push("stability", Column::Float(rows.iter().map(|r| r.2.stability().map(|s| (s * 1e6).round() / 1e6)).collect()));
    t.push("upgrades", int(&|m| m.upgrades));
    t.push("downgrades", int(&|m| m.downgrades));
    t.push("appeared", int(&|m| m.appeared));
    t.push("disappeared", int(&|m| m.disappeared));
    t
}

/// `custseg diff`: migrations and alerts from run `a` to run `b` of a store, with the later
/// run's recorded configuration (alert rules, playbook); writes migration.csv and alerts.csv to
/// `out_dir` through `sink`.
///
/// # Errors
/// Store errors (unknown runs) and write errors.
pub fn diff(
    store_path: &Path,
    a: i64,
    b: i64,
    only: Option<&str>,
    out_dir: &Path,
    lang: Lang,
    sink: Sink,
) -> Result<(StoredRun, StoredRun, Vec<SchemeMigration>, Vec<crate::alerts::Alert>)> {
    let store = Store::open_existing(store_path)?;
    let (ra, rb) = (store.load(a)?, store.load(b)?);
    if let Some(s) = only
        && rb.scheme(s).is_none()
    {
        let known: Vec<&str> = rb.schemes.iter().map(|x| x.scheme.as_str()).collect();
        return Err(EngineError::Invalid(format!("run {b} has no scheme `{s}`; it has {}", known.join(", "))));
    }
    let config = store.config_of(b)?.unwrap_or_default();
    let plays = crate::playbook::effective(&config.playbook);
    let (ms, alerts) = crate::history::compare(&ra, &rb, only, &config.alerts, &plays, lang);
    std::fs::create_dir_all(out_dir).map_err(|e| custseg_data::DataError::Io {
        action: "create directory",
        path: out_dir.to_path_buf(),
        source: e,
    })?;
    crate::history::write_comparison(out_dir, &ms, &alerts, lang, sink)?;
    Ok((ra, rb, ms, alerts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_parse_and_month_ends_clamp() {
        assert_eq!(Every::parse("1month").expect("ok"), Every::Months(1));
        assert_eq!(Every::parse("2w").expect("ok"), Every::Weeks(2));
        assert_eq!(Every::parse("days").expect("ok"), Every::Days(1));
        assert!(Every::parse("0days").is_err());
        assert!(Every::parse("1fortnight").is_err());
        let d = |s: &str| s.parse::<AsOf>().expect("date").day();
        let got: Vec<String> =
            dates(d("1997-01-31"), d("1997-05-31"), Every::Months(1)).into_iter().map(format_day).collect();
        assert_eq!(got, ["1997-01-31", "1997-02-28", "1997-03-31", "1997-04-30", "1997-05-31"]);
        assert_eq!(dates(d("1997-01-31"), d("1998-06-30"), Every::Months(1)).len(), 18);
        assert_eq!(dates(d("2024-01-01"), d("2024-01-15"), Every::Weeks(1)).len(), 3);
        assert_eq!(dates(d("2024-01-01"), d("2024-01-01"), Every::Days(1)).len(), 1);
    }
}
