//! The run's outputs, read back from its directory: the report is a function of these files and
//! the language alone.

use std::path::{Path, PathBuf};

use custseg_engine::catalog::{self, Lang};
use custseg_engine::{Column, Table};
use custseg_engine::{read_csv_text, read_parquet};
use serde_json::Value;

use custseg_engine::Config;
use custseg_engine::classify::label_display;
use custseg_engine::{EngineError, Result};

/// The customer columns the report reads (those present are loaded).
const CUSTOMER_COLUMNS: [&str; 17] = [
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "x",
    "r_score",
    "f_score",
    "rfm_segment",
    "rfm_cn8",
    "abc",
    "value_tier",
    "lifecycle",
    "p_alive",
    "clv_12m",
    "expected_purchases_12m",
    "next_action",
    "cluster",
];

/// Everything a report is made from.
#[derive(Debug)]
pub struct RunOutputs {
    /// The run directory.
    pub dir: PathBuf,
    /// run.json.
    pub run: Value,
    /// quality.json.
    pub quality: Value,
    /// The run's effective configuration (from run.json).
    pub config: Config,
    /// The customer columns of [`CUSTOMER_COLUMNS`] present in customers.parquet.
    pub customers: Table,
    /// segments.csv.
    pub segments: Table,
    /// Optional outputs, each present when the run wrote it.
    pub clusters: Option<Table>,
    /// cluster_selection.csv.
    pub selection: Option<Table>,
    /// cluster_points.csv.
    pub points: Option<Table>,
    /// matrix.csv.
    pub matrix: Option<Table>,
    /// wallet.csv.
    pub wallet: Option<Table>,
    /// lookalike.csv.
    pub lookalike: Option<Table>,
    /// playbook.csv.
    pub playbook: Option<Table>,
    /// crosstab.csv.
    pub crosstab: Option<Table>,
    /// evaluation.csv (from `custseg clv evaluate --out` into the same directory).
    pub evaluation: Option<Table>,
    /// rules.csv (the basket analysis).
    pub rules: Option<Table>,
    /// segment_rules.csv.
    pub segment_rules: Option<Table>,
    /// basket_evaluation.csv.
    pub basket_evaluation: Option<Table>,
    /// migration.csv (against the previous run of the same configuration in the store).
    pub migration: Option<Table>,
    /// alerts.csv.
    pub alerts: Option<Table>,
}

impl RunOutputs {
    /// Reads a run directory.
    ///
    /// # Errors
    /// [`EngineError::Report`] when run.json is missing (not a run directory) and data errors
    /// naming the file that cannot be read.
    pub fn load(dir: &Path) -> Result<RunOutputs> {
        let run_path = dir.join("run.json");
        if !run_path.is_file() {
            return Err(EngineError::Report(format!(
                "{} has no run.json, so it is not the output directory of a custseg run\nhint: give the --out directory of `custseg run` or `custseg demo`",
                dir.display()
            )));
        }
        let run = read_json(&run_path)?;
        let quality = read_json(&dir.join("quality.json"))?;
        // the recorded config is the effective one; an older run's may not read back, and then
        // the defaults name things (only display names and the playbook depend on it)
        let config = serde_json::from_value::<Config>(run["config"].clone()).unwrap_or_else(|e| {
            tracing::warn!("the configuration in run.json does not read back ({e}); using the defaults for names");
            Config::default()
        });
        // only the files this run wrote (run.json lists them): a directory written into again
        // keeps an earlier run's clusters.csv, matrix.csv, lookalike.csv, ... when this run had
        // those parts turned off, and they are not this run's (a run.json without the list, from
        // before it was kept, reads whatever is there)
        let listed: Option<Vec<&str>> = run["outputs"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect());
        let read_if_there = |name: &str| -> Result<Option<Table>> {
            let p = dir.join(name);
            if p.is_file() { Ok(Some(read_csv_text(&p)?)) } else { Ok(None) }
        };
        let optional = |name: &str| -> Result<Option<Table>> {
            if listed.as_ref().is_some_and(|l| !l.contains(&name)) {
                return Ok(None);
            }
            read_if_there(name)
        };
        Ok(RunOutputs {
            dir: dir.to_path_buf(),
            customers: read_parquet(&dir.join("customers.parquet"), &CUSTOMER_COLUMNS)?,
            segments: read_csv_text(&dir.join("segments.csv"))?,
            clusters: optional("clusters.csv")?,
            selection: optional("cluster_selection.csv")?,
            points: optional("cluster_points.csv")?,
            matrix: optional("matrix.csv")?,
            wallet: optional("wallet.csv")?,
            lookalike: optional("lookalike.csv")?,
            playbook: optional("playbook.csv")?,
            crosstab: optional("crosstab.csv")?,
            // written by `custseg clv evaluate --out` into the run's directory, not by the run
            evaluation: read_if_there("evaluation.csv")?,
            rules: optional("rules.csv")?,
            segment_rules: optional("segment_rules.csv")?,
            basket_evaluation: optional("basket_evaluation.csv")?,
            // only this run's own comparison: files left from an earlier run are not its
            migration: if run["history"]["previous_run_id"].is_null() { None } else { optional("migration.csv")? },
            alerts: if run["history"]["previous_run_id"].is_null() { None } else { optional("alerts.csv")? },
            run,
            quality,
            config,
        })
    }

    /// Display name of a label of a scheme in `lang`: a name configured for a matrix cell or a
    /// cluster, a cluster's generated name, the catalog's, a rule scheme's or RFM rule's
    /// configured name, else the name segments.csv carries, else the id.
    pub fn label_name(&self, scheme: &str, label: &str, lang: Lang) -> String {
        if label == custseg_engine::output::NO_LABEL {
            return if lang == Lang::Zh { "（无）".into() } else { label.into() };
        }
        // names the user gave in the config win, in every language
        let configured = match scheme {
            "matrix" => self.config.matrix.names.get(label),
            "cluster" => self.config.cluster.names.get(label),
            _ => None,
        };
        if let Some(n) = configured {
            return n.clone();
        }
        if scheme == "cluster"
            && let Some(c) = &self.clusters
            && let Some(row) = find_row(c, "cluster", label)
        {
            let col = if lang == Lang::Zh { "name_zh" } else { "name_en" };
            if let Some(n) = c.get(col).and_then(|col| col.text(row)) {
                return n;
            }
        }
        if scheme == "matrix"
            && let Some(c) =
                custseg_engine::matrix::default_cells(self.config.matrix.bands).into_iter().find(|c| c.0 == label)
        {
            return if lang == Lang::Zh { c.4 } else { c.3 };
        }
        if let Some(s) = self.config.schemes.iter().find(|s| s.id == scheme) {
            return s.label_name(label, lang == Lang::Zh);
        }
        if catalog::label_name(scheme, label, lang).is_some() || scheme == "rfm_segment" {
            return label_display(scheme, label, lang, &self.config.rfm.segments);
        }
        if let Some(row) = self.segment_row(scheme, label)
            && let Some(n) = self.segments.get("name").and_then(|c| c.text(row))
        {
            return n;
        }
        label.to_string()
    }

    /// Display name of a scheme.
    pub fn scheme_name(&self, scheme: &str, lang: Lang) -> String {
        if let Some(n) = catalog::scheme_name(scheme, lang) {
            return n.to_string();
        }
        if let Some(s) = self.config.schemes.iter().find(|s| s.id == scheme) {
            return s.names().get(lang).to_string();
        }
        scheme.to_string()
    }

    /// The segments.csv row of a scheme's label.
    pub fn segment_row(&self, scheme: &str, label: &str) -> Option<usize> {
        let s = self.segments.get("scheme")?;
        let l = self.segments.get("label")?;
        (0..self.segments.n_rows())
            .find(|&i| s.text(i).as_deref() == Some(scheme) && l.text(i).as_deref() == Some(label))
    }

    /// The schemes of segments.csv in file order, each with its label rows.
    pub fn schemes(&self) -> Vec<(String, Vec<usize>)> {
        let mut out: Vec<(String, Vec<usize>)> = Vec::new();
        let Some(s) = self.segments.get("scheme") else { return out };
        for i in 0..self.segments.n_rows() {
            let id = s.text(i).unwrap_or_default();
            match out.last_mut() {
                Some((last, rows)) if *last == id => rows.push(i),
                _ => out.push((id, vec![i])),
            }
        }
        out
    }

    /// A customer column, if the run wrote it.
    pub fn customer(&self, name: &str) -> Option<&Column> {
        self.customers.get(name)
    }

    /// Number of customer rows (purchasers and prospects).
    pub fn n_customers(&self) -> usize {
        self.customers.n_rows()
    }
}

/// Number from a table cell.
pub fn cell_f64(t: &Table, col: &str, row: usize) -> Option<f64> {
    t.get(col).and_then(|c| c.number(row))
}

/// Text of a table cell ("" when missing).
pub fn cell_text(t: &Table, col: &str, row: usize) -> String {
    t.get(col).and_then(|c| c.text(row)).unwrap_or_default()
}

fn find_row(t: &Table, col: &str, value: &str) -> Option<usize> {
    let c = t.get(col)?;
    (0..t.n_rows()).find(|&i| c.text(i).as_deref() == Some(value))
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        EngineError::Data(custseg_engine::DataError::Io { action: "read", path: path.to_path_buf(), source: e })
    })?;
    serde_json::from_str(&text).map_err(|e| EngineError::Report(format!("{} is not valid JSON: {e}", path.display())))
}
