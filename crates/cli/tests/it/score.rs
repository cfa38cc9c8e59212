//! `custseg score`: a run's own model, applied to the run's own input and as-of, gives back
//! every score and label byte for byte (CDNOW demo, B2B demo with its master file, a generated
//! log); customers the model has never seen are classified like anyone else.

use std::path::Path;

use crate::{custseg, text};

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn as_of(dir: &Path) -> String {
    let v: serde_json::Value = serde_json::from_slice(&read(&dir.join("run.json"))).unwrap_or_default();
    v["as_of"].as_str().unwrap_or_else(|| panic!("no as_of in {}", dir.display())).to_string()
}

/// Scores `input` (and `master`) with the model of the run in `fitted` and compares the outputs.
fn score_reproduces(cwd: &Path, fitted: &str, input: &str, master: Option<&str>) {
    let model = format!("{fitted}/classifier.json");
    let day = as_of(&cwd.join(fitted));
    let out = format!("{fitted}-scored");
    let mut args = vec!["score", "--model", &model, "-t", input, "--as-of", &day, "-o", &out, "--no-store"];
    if let Some(m) = master {
        args.extend(["--customers", m]);
    }
    let scored = custseg(&args, cwd);
    let stdout = text(&scored.stdout);
    assert!(scored.status.success(), "{}", text(&scored.stderr));
    assert!(stdout.contains(&format!("Model: {model}")) && stdout.contains(&day), "{stdout}");
    assert!(stdout.contains("centres from the model"), "{stdout}");
    for file in ["customers.csv", "segments.csv", "playbook.csv", "classifier.json"] {
        assert!(read(&cwd.join(fitted).join(file)) == read(&cwd.join(&out).join(file)), "{file} of {fitted} differs");
    }
}

#[test]
fn score_with_a_runs_own_model_reproduces_the_run() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cwd = dir.path();
    for (args, input, master) in [
        (vec!["demo", "-o", "cdnow"], "cdnow/cdnow_transactions.csv", None),
        (vec!["demo", "--dataset", "b2b", "-o", "b2b"], "b2b/b2b_transactions.csv", Some("b2b/b2b_customers.csv")),
    ] {
        let demo = custseg(&args, cwd);
        assert!(demo.status.success(), "{}", text(&demo.stderr));
        score_reproduces(cwd, args[args.len() - 1], input, master);
    }
    let generated = custseg(&["generate", "--customers", "3000", "--seed", "5", "-o", "g.csv"], cwd);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let run = custseg(&["run", "-t", "g.csv", "-o", "g", "--no-store", "--no-report"], cwd);
    assert!(run.status.success(), "{}", text(&run.stderr));
    score_reproduces(cwd, "g", "g.csv", None);

    // another log: none of its customers was in the fitted run, every one gets every label
    let other = custseg(&["generate", "--customers", "800", "--seed", "77", "-o", "other.csv"], cwd);
    assert!(other.status.success(), "{}", text(&other.stderr));
    let scored = custseg(&["score", "--model", "g/classifier.json", "-t", "other.csv", "-o", "o", "--no-store"], cwd);
    assert!(scored.status.success(), "{}", text(&scored.stderr));
    let csv = String::from_utf8(read(&cwd.join("o/customers.csv"))).unwrap_or_default();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 800);
    for col in ["r_score", "rfm_segment", "rfm_cn8", "abc", "value_tier", "lifecycle", "clv_tier", "cluster", "matrix"]
    {
        let k = header.iter().position(|h| *h == col).unwrap_or_else(|| panic!("no {col} column"));
        assert!(rows.iter().all(|r| !r[k].is_empty()), "a customer without {col}");
    }
}

#[test]
fn score_needs_a_model_and_refuses_the_refit_switches() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = custseg(&["score", "-t", "x.csv"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("--model"), "{}", text(&missing.stderr));
    let both = custseg(&["run", "-t", "x.csv", "--model", "m.json", "--no-clv"], dir.path());
    assert_eq!(both.status.code(), Some(2));
    assert!(text(&both.stderr).contains("cannot be used with"), "{}", text(&both.stderr));
}
