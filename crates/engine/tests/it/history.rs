//! The run history: runs recorded and compared, `track` over CDNOW month by month against
//! independent `run --as-of` calls.

use std::collections::HashMap;
use std::path::Path;

use custseg_core::catalog::Lang;
use custseg_engine::store::Store;
use custseg_engine::track::{Every, TrackRequest, track};
use custseg_engine::{Config, RunRequest, run};

use crate::{num, read_csv};

fn quick_config() -> Config {
    let mut c = Config::default();
    c.clv.enabled = false;
    c.cluster.enabled = false;
    c.run.report = false;
    c
}

fn cdnow(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("cdnow.csv");
    std::fs::write(&p, custseg_engine::demo::cdnow_csv()).expect("write cdnow");
    p
}

/// (scheme, label) -> customers, from a segments.csv.
fn segment_counts(path: &Path) -> HashMap<(String, String), f64> {
    read_csv(path).into_iter().map(|r| ((r["scheme"].clone(), r["label"].clone()), num(&r, "customers"))).collect()
}

#[test]
fn track_cdnow_month_by_month_matches_independent_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = cdnow(dir.path());
    let store = dir.path().join("h.db");
    let outcome = track(TrackRequest {
        transactions: input.clone().into(),
        customers: None,
        config: quick_config(),
        out_dir: dir.path().join("track"),
        store: store.clone(),
        from: "1997-01-31".parse().expect("date"),
        to: "1998-06-30".parse().expect("date"),
        every: Every::Months(1),
        freeze: false,
    })
    .expect("track");
    assert_eq!(outcome.runs.len(), 18);
    assert_eq!(outcome.runs[0].0, "1997-01-31");
    assert_eq!(outcome.runs[17].0, "1998-06-30");
    assert_eq!(outcome.migrations.len(), 17);
    assert_eq!(Store::open(&store).expect("store").runs().expect("runs").len(), 18);
    // track.csv: (as_of, scheme, label) -> customers
    let tracked: HashMap<(String, String, String), f64> = read_csv(&dir.path().join("track/track.csv"))
        .into_iter()
        .map(|r| ((r["as_of"].clone(), r["scheme"].clone(), r["label"].clone()), num(&r, "customers")))
        .collect();
    for (k, (as_of, _)) in outcome.runs.iter().enumerate() {
        let mut config = quick_config();
        config.run.as_of = Some(as_of.parse().expect("date"));
        let out = dir.path().join(format!("single_{k}"));
        run(RunRequest {
            transactions: input.clone().into(),
            customers: None,
            config,
            out_dir: out.clone(),
            progress: None,
            store: None,
            report: None,
        })
        .expect("independent run");
        let single = segment_counts(&out.join("segments.csv"));
        assert!(!single.is_empty());
        for ((scheme, label), n) in single {
            assert_eq!(
                tracked.get(&(as_of.clone(), scheme.clone(), label.clone())),
                Some(&n),
                "{as_of} {scheme} {label}"
            );
        }
    }
    // customers only ever join in CDNOW (all first purchases are in 1997 Q1): every migration's
    // rows sum to the earlier run's label counts
    let (a_as_of, _, ms) = &outcome.migrations[5];
    let m = ms.iter().find(|m| m.scheme == "rfm_segment").expect("rfm migration");
    for l in &m.labels {
        let row: u64 = m.cells.iter().filter(|((f, _), _)| f == l).map(|(_, c)| c.0).sum();
        let before = tracked.get(&(a_as_of.clone(), "rfm_segment".into(), l.clone())).copied().unwrap_or(0.0);
        assert_eq!(row as f64, before, "{l}");
    }
    let stability = read_csv(&dir.path().join("track/track_stability.csv"));
    assert_eq!(stability.iter().filter(|r| r["scheme"] == "rfm_segment").count(), 17);
}

#[test]
fn a_second_run_is_compared_with_the_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = cdnow(dir.path());
    let store = dir.path().join("h.db");
    let go = |as_of: Option<&str>, out: &str| {
        let mut config = Config::default();
        config.cluster.enabled = false;
        config.run.as_of = as_of.map(|d| d.parse().expect("date"));
        run(RunRequest {
            transactions: input.clone().into(),
            customers: None,
            config,
            out_dir: dir.path().join(out),
            progress: None,
            store: Some(store.clone()),
            report: None,
        })
        .expect("run")
    };
    let first = go(Some("1997-12-31"), "a");
    let h1 = first.record.history.expect("history");
    assert_eq!((h1.run_id, h1.previous_run_id, h1.alerts), (1, None, None));
    assert!(!dir.path().join("a/alerts.csv").exists());
    let second = go(None, "b");
    let h2 = second.record.history.clone().expect("history");
    assert_eq!((h2.run_id, h2.previous_run_id, h2.previous_as_of.as_deref()), (2, Some(1), Some("1997-12-31")));
    let alerts = read_csv(&dir.path().join("b/alerts.csv"));
    assert_eq!(Some(alerts.len()), h2.alerts);
    assert!(!alerts.is_empty());
    // sorted by value at stake, each with an action from the playbook
    for w in alerts.windows(2) {
        assert!(num(&w[0], "value_at_stake") >= num(&w[1], "value_at_stake"));
    }
    assert!(alerts.iter().all(|a| !a["recommended_action"].is_empty()));
    // migration.csv rows of a scheme sum to the first run's counts, columns to the second's
    let m = read_csv(&dir.path().join("b/migration.csv"));
    let before = segment_counts(&dir.path().join("a/segments.csv"));
    let after = segment_counts(&dir.path().join("b/segments.csv"));
    for ((scheme, label), n) in &before {
        let row: f64 =
            m.iter().filter(|r| r["scheme"] == *scheme && r["from"] == *label).map(|r| num(r, "customers")).sum();
        assert_eq!(row, *n, "from {scheme} {label}");
    }
    for ((scheme, label), n) in &after {
        let col: f64 =
            m.iter().filter(|r| r["scheme"] == *scheme && r["to"] == *label).map(|r| num(r, "customers")).sum();
        assert_eq!(col, *n, "to {scheme} {label}");
    }
    // diff of the same pair gives the same files
    let (_, _, ms, diff_alerts) = custseg_engine::track::diff(
        &store,
        1,
        2,
        None,
        &dir.path().join("d"),
        Lang::En,
        custseg_engine::Sink::default(),
    )
    .expect("diff");
    assert_eq!(diff_alerts.len(), alerts.len());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("d/migration.csv")).expect("m"),
        std::fs::read_to_string(dir.path().join("b/migration.csv")).expect("m")
    );
    assert!(ms.iter().any(|m| m.scheme == "rfm_segment" && m.matched == 2357));
    // one customer's record across both runs
    let h = Store::open(&store).expect("store").customer_history("1365").expect("history");
    assert_eq!(h.rows.len(), 2);
    assert_eq!(h.rows[1].as_of, "1998-07-01");
}

#[test]
fn diff_names_unknown_runs_and_schemes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("h.db");
    let err = custseg_engine::track::diff(&store, 1, 2, None, dir.path(), Lang::En, custseg_engine::Sink::default())
        .expect_err("no store");
    assert!(err.to_string().contains("no such store"), "{err}");
    Store::open(&store).expect("create");
    let err = custseg_engine::track::diff(&store, 1, 2, None, dir.path(), Lang::En, custseg_engine::Sink::default())
        .expect_err("no runs");
    assert!(err.to_string().contains("has no run 1"), "{err}");
}

#[test]
fn a_frozen_track_classifies_every_date_by_the_first_dates_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = cdnow(dir.path());
    let out = dir.path().join("track");
    let outcome = track(TrackRequest {
        transactions: input.into(),
        customers: None,
        config: quick_config(),
        out_dir: out.clone(),
        store: dir.path().join("h.db"),
        from: "1997-04-01".parse().expect("date"),
        to: "1998-04-01".parse().expect("date"),
        every: Every::Months(6),
        freeze: true,
    })
    .expect("track");
    assert_eq!(
        outcome.runs.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["1997-04-01", "1997-10-01", "1998-04-01"]
    );
    assert!(outcome.model.as_deref().is_some_and(|m| m.ends_with("1997-04-01/classifier.json")), "{:?}", outcome.model);
    let first = out.join("runs/1997-04-01");
    let model = custseg_engine::model::Classifier::read(&first.join("classifier.json")).expect("model");
    let run_json = |d: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(out.join("runs").join(d).join("run.json")).expect("run.json"))
            .expect("json")
    };
    assert!(run_json("1997-04-01").get("model").is_none(), "the first date fits");
    let mut moved = 0;
    for d in ["1997-10-01", "1998-04-01"] {
        let r = run_json(d);
        assert_eq!(r["model"]["as_of"], "1997-04-01", "{d}");
        assert_eq!(r["lifecycle"]["at_risk_days"], serde_json::json!(model.lifecycle.thresholds.at_risk_days));
        // every score is the first date's cuts applied to this date's features
        for row in read_csv(&out.join("runs").join(d).join("customers.csv")) {
            let want = model.rfm.scores(num(&row, "recency_days"), num(&row, "frequency"), num(&row, "monetary"));
            assert_eq!((num(&row, "r_score") as u8, num(&row, "f_score") as u8, num(&row, "m_score") as u8), want);
            assert_eq!(row["value_tier"], model.value_tier.tier(num(&row, "monetary")));
        }
        // the migration between frozen dates moves customers under fixed cuts
        let (_, _, migs) = outcome.migrations.iter().find(|m| m.1 == d).expect("migration");
        let m = migs.iter().find(|m| m.scheme == "value_tier").expect("value_tier migration");
        moved += m.upgrades + m.downgrades;
    }
    assert!(moved > 0, "no customer moved between frozen dates");
}
