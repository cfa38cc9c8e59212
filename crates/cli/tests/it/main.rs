//! The `custseg` binary as a user runs it: help text (snapshot), exit codes, and each command.

mod basket;
mod fuzz;
mod language;
mod score;
mod serve;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn custseg(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args(args)
        .current_dir(cwd)
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("COLUMNS", "100")
        .output()
        .unwrap_or_else(|e| panic!("cannot start custseg: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Compares with a checked-in snapshot; `UPDATE_GOLDEN=1` rewrites it.
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{e}"));
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(actual, expected, "{name} changed; rerun with UPDATE_GOLDEN=1 if intended");
}

#[test]
fn help_text_snapshots() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (args, name) in [(vec!["--help"], "help.txt"), (vec!["run", "--help"], "run_help.txt")] {
        let out = custseg(&args, dir.path());
        assert!(out.status.success());
        snapshot(name, &text(&out.stdout));
    }
}

#[test]
fn demo_prints_a_summary_and_writes_every_output() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = custseg(&["demo", "--out", "d"], dir.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Rows read: 6,919 = 6,919 kept + 0 rejected"), "{stdout}");
    assert!(stdout.contains("Customers: 2,357"), "{stdout}");
    assert!(stdout.contains("Champions"), "{stdout}");
    for f in [
        "customers.csv",
        "customers.parquet",
        "segments.csv",
        "quality.json",
        "rejects.csv",
        "run.json",
        "cdnow_transactions.csv",
    ] {
        assert!(dir.path().join("d").join(f).is_file(), "{f} missing");
    }
    let zh = custseg(&["demo", "--out", "z", "--lang", "zh"], dir.path());
    assert!(text(&zh.stdout).contains("重要价值客户"));
}

#[test]
fn exit_codes_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fixture = repo().join("testdata/fixture/transactions.csv");
    let fixture = fixture.to_str().unwrap_or_default();
    let ok = custseg(&["run", "-t", fixture, "-o", "o", "--quiet"], dir.path());
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let strict = custseg(&["run", "-t", fixture, "-o", "o", "--strict"], dir.path());
    assert_eq!(strict.status.code(), Some(1));
    assert!(text(&strict.stderr).starts_with("error: 4 of 25 rows were rejected"), "{}", text(&strict.stderr));
    let missing = custseg(&["run", "-t", "nope.csv"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("nope.csv"));
    let usage = custseg(&["run"], dir.path());
    assert_eq!(usage.status.code(), Some(2));
    let bad_map = custseg(&["run", "-t", fixture, "--map", "customer"], dir.path());
    assert_eq!(bad_map.status.code(), Some(2));
    assert!(text(&bad_map.stderr).contains("ROLE=COLUMN"));
}

#[test]
fn init_generate_and_inspect() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    assert!(custseg(&["init"], dir.path()).status.success());
    let again = custseg(&["init"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--force"));
    let gen_out = custseg(&["generate", "--customers", "500", "--seed", "3", "-o", "g.csv"], dir.path());
    assert!(gen_out.status.success(), "{}", text(&gen_out.stderr));
    let first = std::fs::read(dir.path().join("g.csv")).unwrap_or_default();
    custseg(&["generate", "--customers", "500", "--seed", "3", "-o", "g.csv"], dir.path());
    assert_eq!(first, std::fs::read(dir.path().join("g.csv")).unwrap_or_default(), "same seed, same bytes");
    let run = custseg(&["run", "-t", "g.csv", "-c", "custseg.toml", "-o", "r"], dir.path());
    assert!(run.status.success(), "{}", text(&run.stderr));
    let inspect = custseg(&["inspect", "g.csv"], dir.path());
    let s = text(&inspect.stdout);
    assert!(s.contains("order_id") && s.contains("customer    <- customer_id") && s.contains("Iso"), "{s}");
    let json = custseg(&["inspect", "g.csv", "--json"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
    assert_eq!(v["rows_read"], v["rows_kept"]);
}

#[test]
fn cluster_fits_then_assigns_and_reports_bad_ranges() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let tx = repo().join("testdata/fixture/transactions.csv");
    let tx = tx.to_string_lossy();
    let out = custseg(&["cluster", "--transactions", &tx, "--k-range", "2..4", "--out", "c"], dir.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Calinski-Harabasz") && stdout.contains("chosen"), "{stdout}");
    assert!(stdout.contains("defining traits"), "{stdout}");
    for f in ["customers.csv", "clusters.csv", "cluster_selection.csv", "cluster_points.csv", "cluster_model.json"] {
        assert!(dir.path().join("c").join(f).exists(), "{f}");
        assert!(stdout.contains(f), "{f} not listed: {stdout}");
    }
    let out = custseg(
        &["cluster", "--transactions", &tx, "--model", "c/cluster_model.json", "--out", "a", "--lang", "zh"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("已归入"), "{}", text(&out.stdout));
    let fitted = std::fs::read_to_string(dir.path().join("c/customers.csv")).unwrap_or_default();
    let assigned = std::fs::read_to_string(dir.path().join("a/customers.csv")).unwrap_or_default();
    // id and cluster number: the name (last field, quoted when it has commas) is cut off
    let clusters = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| {
                let cut = if l.ends_with('"') { l.rfind(",\"") } else { l.rfind(',') }.unwrap_or(l.len());
                let head = &l[..cut];
                format!("{},{}", head.split(',').next().unwrap_or(""), head.rsplit(',').next().unwrap_or(""))
            })
            .collect()
    };
    assert_eq!(clusters(&fitted), clusters(&assigned));
    let out = custseg(&["cluster", "--transactions", &tx, "--k-range", "5"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--k-range expects MIN..MAX"), "{}", text(&out.stderr));
    let out = custseg(&["cluster", "--transactions", &tx, "--model", "nope.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nope.json"), "{}", text(&out.stderr));
}

#[test]
fn generate_with_master_and_playbook() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = custseg(&["generate", "--customers", "200", "-o", "log.csv", "--with-master"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("wrote 220 master-file rows to log_customers.csv"), "{}", text(&out.stdout));
    let master = std::fs::read_to_string(dir.path().join("log_customers.csv")).unwrap_or_default();
    assert!(master.starts_with("customer_id,industry,employees,annual_revenue,region,category_budget\nC0000001,"));
    let out = custseg(&["playbook", "--scheme", "importance", "--lang", "en"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Key customer") && stdout.contains("Key-account management"), "{stdout}");
    let out = custseg(&["playbook", "--scheme", "nope"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_run_killed_mid_write_leaves_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fixture = repo().join("testdata/fixture/transactions.csv");
    let fixture = fixture.to_str().unwrap_or_default();
    let first = custseg(&["run", "-t", fixture, "-o", "a", "--store", "s.db", "--no-report"], dir.path());
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stdout).contains("Recorded as run 1 in s.db"));
    // the process dies after writing 5 of the 12 customers of its run, inside the transaction
    let killed = Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args(["run", "-t", fixture, "-o", "b", "--store", "s.db", "--no-report", "--quiet"])
        .current_dir(dir.path())
        .env("CUSTSEG_STORE_CRASH_AFTER", "5")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!killed.status.success(), "the crash seam did not fire");
    // only the first run is there, whole
    let history = text(&custseg(&["history", "--store", "s.db"], dir.path()).stdout);
    let runs: Vec<&str> = history.lines().filter(|l| l.contains("2024-07-01")).collect();
    assert_eq!(runs.len(), 1, "{history}");
    assert!(runs[0].contains("  12 "), "{history}");
    let show = text(&custseg(&["show", "--customer", "A", "--store", "s.db"], dir.path()).stdout);
    assert_eq!(show.lines().filter(|l| l.contains("2024-07-01")).count(), 1, "{show}");
    // and the store takes the next run normally, comparing it with the first
    let third = custseg(&["run", "-t", fixture, "-o", "c", "--store", "s.db", "--no-report"], dir.path());
    let out = text(&third.stdout);
    assert!(out.contains("Recorded as run 2 in s.db") && out.contains("Compared with run 1"), "{out}");
    let diff = custseg(&["diff", "1", "2", "--store", "s.db", "--scheme", "abc", "-o", "d"], dir.path());
    assert!(diff.status.success(), "{}", text(&diff.stderr));
    let d = text(&diff.stdout);
    assert!(
        d.contains("ABC tier") && d.contains("12 (100.0%)") && d.contains("alerts (valuable customers slipping): 0"),
        "{d}"
    );
    assert!(dir.path().join("d/migration.csv").is_file() && dir.path().join("d/alerts.csv").is_file());
    let missing = custseg(&["history", "--store", "none.db"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no such store"));
}

/// After a kill: if `dir` has a run.json, every output it lists is there (no reader can see two
/// runs mixed); then the next run completes and leaves nothing of the dead one behind.
fn check_consistent(dir: &Path) {
    if let Ok(text) = std::fs::read_to_string(dir.join("run.json")) {
        let record: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("run.json: {e}"));
        for o in record["outputs"].as_array().into_iter().flatten() {
            let name = o.as_str().unwrap_or_default();
            assert!(dir.join(name).is_file(), "run.json lists {name}, which is missing");
        }
    }
}

#[test]
fn runs_killed_at_any_point_leave_consistent_outputs_and_history() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = dir.path().join("log.csv");
    let made = custseg(&["generate", "--customers", "3000", "--seed", "5", "-o", "log.csv"], dir.path());
    assert!(made.status.success(), "{}", text(&made.stderr));
    let log = log.to_str().unwrap_or_default();
    let args = ["run", "-t", log, "-o", "out", "--store", "s.db", "--no-cluster", "--quiet"];
    let first = custseg(&args, dir.path());
    assert!(first.status.success(), "{}", text(&first.stderr));
    let out_dir = dir.path().join("out");
    let kill = |seam: Option<&str>, after_ms: u64| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_custseg"));
        cmd.args(args).current_dir(dir.path()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        if let Some(s) = seam {
            cmd.env("CUSTSEG_CRASH_AT", s);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{e}"));
        if seam.is_none() {
            std::thread::sleep(std::time::Duration::from_millis(after_ms));
            let _ = child.kill();
        }
        let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
        if seam.is_some() {
            assert!(!status.success(), "the seam {seam:?} did not fire");
        }
    };
    // deterministic points (everything staged; part published), then kills at times
    let points: [(Option<&str>, u64); 6] =
        [(Some("staged"), 0), (Some("publish:1"), 0), (Some("publish:4"), 0), (None, 150), (None, 600), (None, 1500)];
    for (seam, ms) in points {
        kill(seam, ms);
        check_consistent(&out_dir);
        if seam.is_some_and(|s| s.starts_with("publish")) {
            assert!(!out_dir.join("run.json").exists(), "a half-published directory must have no run.json");
        }
    }
    // the store lists finished runs only, then the next run completes and cleans up
    let ok = custseg(&args, dir.path());
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    check_consistent(&out_dir);
    let left: Vec<String> = std::fs::read_dir(&out_dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".custseg.lock")
        .collect();
    assert!(left.is_empty(), "a dead run's files are left: {left:?}");
    let history = text(&custseg(&["history", "--store", "s.db"], dir.path()).stdout);
    let listed = history.lines().filter(|l| l.contains("log.csv")).count();
    let note = history.lines().find(|l| l.contains("incomplete runs")).unwrap_or_default().to_string();
    // the first run, the last, and any killed run that had finished publishing before its kill
    assert!(listed >= 2, "{history}");
    assert!(note.starts_with('(') || listed == 8, "{history}");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("run.json")).unwrap_or_default())
            .unwrap_or_default();
    let compared = record["history"]["previous_run_id"].as_i64().unwrap_or(0);
    let run_id = record["history"]["run_id"].as_i64().unwrap_or(0);
    assert!(compared >= 1 && compared < run_id, "{record}");
}

/// Every `--flag` a hint names (in the messages of the library crates) is a flag of the
/// commands the message can reach: `custseg run` for all, and every command that reads a
/// transaction log for the data and model crates' messages (a hint once named `--penalty`,
/// which `run` does not have).
#[test]
fn every_hint_names_an_option_the_command_has() {
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let help = |args: &[&str]| {
        let mut a = args.to_vec();
        a.push("--help");
        text(&custseg(&a, dir.path()).stdout)
    };
    let readers: Vec<(String, String)> =
        [vec!["run"], vec!["track"], vec!["cluster"], vec!["clv", "fit"], vec!["clv", "evaluate"]]
            .iter()
            .map(|c| (c.join(" "), help(c)))
            .collect();
    let mut checked = 0;
    for krate in ["core", "data", "engine"] {
        let mut files = Vec::new();
        sources(&repo().join("crates").join(krate).join("src"), &mut files);
        for f in files {
            let code = std::fs::read_to_string(&f).unwrap_or_default();
            for hint in code.split("hint:").skip(1) {
                let hint = hint.split('"').next().unwrap_or_default();
                let flags = hint
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .filter(|w| w.starts_with("--") && w.len() > 2 && w.as_bytes()[2].is_ascii_lowercase());
                for flag in flags {
                    // engine messages reach `run`; data and model messages every reading command
                    let commands: Vec<&(String, String)> =
                        if krate == "engine" { readers.iter().take(1).collect() } else { readers.iter().collect() };
                    for (name, text) in commands {
                        let known = text.split(|c: char| c.is_whitespace() || c == ',').any(|w| w == flag);
                        assert!(known, "{}: a hint names {flag}, which `custseg {name}` does not have", f.display());
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 10, "only {checked} flags found in hints");
}
