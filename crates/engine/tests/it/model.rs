//! The saved classification model: every run writes classifier.json; classifying a run's own
//! customers with it gives back every score and label byte for byte; frozen cuts place later
//! customers by the earlier run's thresholds; a model from a newer custseg is refused.

use std::path::Path;

use custseg_engine::model::{Classifier, SCHEMA_VERSION};
use custseg_engine::{Config, EngineError};

use crate::{by_id, num, read_csv, run_on, try_run};

fn cdnow(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("cdnow.csv");
    std::fs::write(&p, custseg_engine::demo::cdnow_csv()).unwrap_or_else(|e| panic!("{e}"));
    p
}

/// A generated log of `n` customers (with discounts) and its master file, in `dir`.
fn generated(dir: &Path, n: u64, seed: u64) -> (std::path::PathBuf, std::path::PathBuf) {
    let params = custseg_engine::SynthParams { n_customers: n, seed, discounts: true, ..Default::default() };
    let (log, master) = (dir.join("log.csv"), dir.join("master.csv"));
    let sink = custseg_engine::Sink::default();
    custseg_engine::write_synth(&params, &log, custseg_engine::SynthFormat::Csv, sink)
        .unwrap_or_else(|e| panic!("{e}"));
    custseg_engine::write_synth_master(&params, &master, sink).unwrap_or_else(|e| panic!("{e}"));
    (log, master)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A run, then the same input and as-of classified by that run's model: the same files.
fn same_with_own_model(transactions: &Path, customers: Option<&Path>, config: Config) {
    let (fit, s) = run_on(transactions, customers, config.clone());
    assert!(s.record.outputs.iter().any(|o| o == "classifier.json"));
    let model_path = fit.path().join("classifier.json");
    let model = Classifier::read(&model_path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((model.schema_version, model.as_of.as_str()), (SCHEMA_VERSION, s.record.as_of.to_string().as_str()));
    let mut frozen = config;
    frozen.run.as_of = Some(s.record.as_of);
    frozen.run.model = Some(model_path.display().to_string());
    let (applied, t) = run_on(transactions, customers, frozen);
    assert_eq!(t.record.model.as_ref().map(|m| m.as_of.as_str()), Some(s.record.as_of.to_string().as_str()));
    // every file but run.json (timings, the model's source) and the report (which names the
    // model): CLV model, clusters, matrix, lifts, wallet and the model itself included
    let mut files: Vec<String> =
        s.record.outputs.iter().filter(|f| !["run.json", "report.html"].contains(&f.as_str())).cloned().collect();
    files.sort();
    let mut applied_files = t.record.outputs.clone();
    applied_files.retain(|f| !["run.json", "report.html"].contains(&f.as_str()));
    applied_files.sort();
    assert_eq!(files, applied_files);
    for want in ["model.json", "cluster_model.json", "matrix.csv"] {
        assert!(files.iter().any(|f| f == want), "no {want}: {files:?}");
    }
    for file in &files {
        let (a, b) = (read(&fit.path().join(file)), read(&applied.path().join(file)));
        if a != b {
            let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
            let near =
                |v: &[u8]| String::from_utf8_lossy(&v[at.saturating_sub(80)..(at + 80).min(v.len())]).into_owned();
            panic!("{file} of {} differs at byte {at}: {:?} vs {:?}", transactions.display(), near(&a), near(&b));
        }
    }
}

#[test]
fn a_run_classified_by_its_own_model_is_the_same_run() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    same_with_own_model(&cdnow(dir.path()), None, Config::default());
    // a generated log with a master file: prospects, rule schemes on master attributes
    let (log, master) = generated(dir.path(), 1500, 11);
    same_with_own_model(&log, Some(&master), Config::default());
}

#[test]
fn frozen_cuts_place_later_customers_by_the_earlier_run() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = cdnow(dir.path());
    let mut config = Config::default();
    config.cluster.enabled = false;
    config.run.as_of = Some("1997-10-01".parse().expect("date"));
    let (early, _) = run_on(&log, None, config.clone());
    let model_path = early.path().join("classifier.json");
    let model = Classifier::read(&model_path).unwrap_or_else(|e| panic!("{e}"));
    config.run.as_of = Some("1998-07-01".parse().expect("date"));
    let (refit, _) = run_on(&log, None, config.clone());
    config.run.model = Some(model_path.display().to_string());
    let (frozen, s) = run_on(&log, None, config);
    assert_eq!(s.record.lifecycle.thresholds, model.lifecycle.thresholds);
    let refit = by_id(read_csv(&refit.path().join("customers.csv")));
    let rows = read_csv(&frozen.path().join("customers.csv"));
    let mut moved = 0;
    for r in &rows {
        let scores = model.rfm.scores(num(r, "recency_days"), num(r, "frequency"), num(r, "monetary"));
        let got = (num(r, "r_score") as u8, num(r, "f_score") as u8, num(r, "m_score") as u8);
        assert_eq!(got, scores, "{}", r["customer_id"]);
        assert_eq!(r["abc"], model.abc.tier(num(r, "monetary"), &r["customer_id"]));
        assert_eq!(r["value_tier"], model.value_tier.tier(num(r, "monetary")));
        moved += usize::from(refit[&r["customer_id"]]["f_score"] != r["f_score"]);
    }
    // the refit moved its cuts over nine months of data; the frozen run did not
    assert!(moved > 100, "only {moved} customers' F score differs from a refit");
}

#[test]
fn a_tampered_model_is_refused_naming_the_part() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = cdnow(dir.path());
    let (fit, _) = run_on(&log, None, Config::default());
    let text = std::fs::read_to_string(fit.path().join("classifier.json")).unwrap_or_else(|e| panic!("{e}"));
    let good: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        ("/value_class/cuts/starts", serde_json::json!([1.0, 2.0, 3.0, 4.0]), "value_class has 4"),
        ("/rfm/frequency/starts", serde_json::json!([1, 2, 3, 4, 5, 6]), "rfm.frequency has 6"),
        ("/lifecycle/thresholds/churn_days", serde_json::json!(-1), "negative"),
        ("/matrix/value_cuts", serde_json::json!([1.0, 2.0]), "matrix: cut-offs"),
    ];
    for (k, (pointer, bad, expect)) in cases.into_iter().enumerate() {
        let mut v = good.clone();
        *v.pointer_mut(pointer).unwrap_or_else(|| panic!("no {pointer} in the model")) = bad;
        let path = dir.path().join(format!("tampered{k}.json"));
        std::fs::write(&path, v.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let err = Classifier::read(&path).err().unwrap_or_else(|| panic!("a tampered {pointer} was accepted"));
        assert!(err.to_string().contains(expect), "{pointer}: {err}");
    }
}

#[test]
fn a_model_from_a_newer_custseg_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = cdnow(dir.path());
    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, r#"{"schema_version": 99, "custseg_version": "9.0.0"}"#).unwrap_or_else(|e| panic!("{e}"));
    let not_a_model = dir.path().join("other.json");
    std::fs::write(&not_a_model, r#"{"model": "bgnbd"}"#).unwrap_or_else(|e| panic!("{e}"));
    for (file, expect) in [(&newer, "custseg 9.0.0 in model layout 99"), (&not_a_model, "no schema_version")] {
        let mut config = Config::default();
        config.run.model = Some(file.display().to_string());
        let err = try_run(&log, None, config).err().unwrap_or_else(|| panic!("{} was accepted", file.display()));
        assert!(matches!(err, EngineError::Invalid(_)), "{err}");
        assert!(err.to_string().contains(expect) && err.to_string().contains(&file.display().to_string()), "{err}");
    }
}

#[test]
fn one_customer_at_a_time_gets_the_runs_labels() {
    use custseg_engine::one::Scorer;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (log, master) = generated(dir.path(), 1200, 23);
    let (fit, s) = run_on(&log, Some(&master), Config::default());
    let scorer = Scorer::new(Classifier::read(&fit.path().join("classifier.json")).unwrap_or_else(|e| panic!("{e}")));
    let mut config = Config::default();
    config.run.as_of = Some(s.record.as_of);
    let (features, master_file) = custseg_engine::pipeline::read_features(
        &log.clone().into(),
        Some(&master.clone().into()),
        &config,
        &dir.path().join("features"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let master_file = master_file.unwrap_or_else(|| panic!("no master"));
    let rows = by_id(read_csv(&fit.path().join("customers.csv")));
    let schemes: Vec<String> = scorer.classify(&features.select(&[0]), None).unwrap_or_else(|e| panic!("{e}"))[0]
        .labels
        .iter()
        .map(|(s, _)| s.clone())
        .collect();
    for want in ["rfm_segment", "abc", "lifecycle", "clv_tier", "cluster", "matrix", "value_class", "importance"] {
        assert!(schemes.iter().any(|s| s == want), "no {want} in {schemes:?}");
    }
    // every 7th purchaser alone, with their master row, as a lookup would
    let mut checked = 0;
    for i in (0..features.len()).step_by(7) {
        let id = &features.customer[i];
        let one_master = master_file.select_ids(&[id.as_str()]);
        let got = scorer.classify(&features.select(&[i]), Some(&one_master)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 1);
        for (scheme, label) in &got[0].labels {
            assert_eq!(label.as_deref().unwrap_or(""), rows[id][scheme], "{id} {scheme}");
        }
        checked += 1;
    }
    assert!(checked > 100);
    // the whole base as one batch: the same labels
    let all = scorer.classify(&features, Some(&master_file)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.len(), rows.len());
    for c in &all {
        for (scheme, label) in &c.labels {
            assert_eq!(label.as_deref().unwrap_or(""), rows[&c.customer_id][scheme], "{} {scheme}", c.customer_id);
        }
    }
}
