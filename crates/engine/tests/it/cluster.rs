//! Clustering end to end: the run's cluster stage on CDNOW, `custseg cluster` with a fixed k and
//! with categorical attributes (k-prototypes), assignment with a saved model, renaming, and the
//! configuration errors.

use std::collections::BTreeMap;

use custseg_engine::commands::cluster::{ClusterRequest, cluster_command, read_model};
use custseg_engine::{Config, EngineError};

use crate::{num, read_csv, repo, run_on, try_run};

fn cdnow_input(dir: &std::path::Path) -> std::path::PathBuf {
    let input = dir.join("cdnow.csv");
    std::fs::write(&input, custseg_engine::demo::cdnow_csv()).unwrap_or_else(|e| panic!("{e}"));
    input
}

#[test]
fn run_clusters_cdnow_with_auto_k_and_consistent_outputs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = cdnow_input(dir.path());
    let mut config = Config::default();
    config.clv.enabled = false;
    let (out, summary) = run_on(&input, None, config);
    let rec = summary.record.cluster.as_ref().unwrap_or_else(|| panic!("no cluster record"));
    assert_eq!(rec.error, None);
    assert_eq!(rec.chosen_by, "silhouette");
    let selection = read_csv(&out.path().join("cluster_selection.csv"));
    assert_eq!(selection.len(), 9, "k = 2..=10");
    let chosen: Vec<&std::collections::HashMap<String, String>> =
        selection.iter().filter(|r| r["chosen"] == "true").collect();
    assert_eq!(chosen.len(), 1);
    let best = selection.iter().map(|r| num(r, "silhouette")).fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(num(chosen[0], "silhouette"), best);
    assert_eq!(num(chosen[0], "k") as usize, rec.k);
    // inertia falls with k
    let inertia: Vec<f64> = selection.iter().map(|r| num(r, "inertia")).collect();
    assert!(inertia.windows(2).all(|w| w[1] < w[0]), "{inertia:?}");
    // profiles: numbered by mean monetary, sizes add up to the purchasers, shares to 1
    let clusters = read_csv(&out.path().join("clusters.csv"));
    assert_eq!(clusters.len(), rec.k);
    let sizes: f64 = clusters.iter().map(|r| num(r, "customers")).sum();
    assert_eq!(sizes as u64, 2357);
    let monetary: Vec<f64> = clusters.iter().map(|r| num(r, "mean_monetary")).collect();
    assert!(monetary.windows(2).all(|w| w[0] >= w[1]), "{monetary:?}");
    let rev: f64 = clusters.iter().map(|r| num(r, "revenue_share")).sum();
    assert!((rev - 1.0).abs() < 1e-5);
    // cluster 1 (highest spend) is named for it
    assert!(clusters[0]["name_en"].contains("high value"), "{}", clusters[0]["name_en"]);
    assert!(clusters[0]["name_zh"].contains("高价值"));
    // customers.csv carries the cluster and its name, matching clusters.csv counts
    let customers = read_csv(&out.path().join("customers.csv"));
    for c in &clusters {
        let n = customers.iter().filter(|r| r["cluster"] == c["cluster"]).count();
        assert_eq!(n as f64, num(c, "customers"));
        assert!(customers.iter().filter(|r| r["cluster"] == c["cluster"]).all(|r| r["cluster_name"] == c["name"]));
    }
    // the scatter sample and the model
    assert_eq!(read_csv(&out.path().join("cluster_points.csv")).len(), 2357);
    let model = read_model(&out.path().join("cluster_model.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.k, rec.k);
    assert_eq!(model.features.len(), 3);
    assert!(summary.record.outputs.iter().any(|o| o == "cluster_model.json"));
    // segments.csv lists the cluster scheme with its names
    let segments = read_csv(&out.path().join("segments.csv"));
    assert_eq!(segments.iter().filter(|r| r["scheme"] == "cluster").count(), rec.k);
}

#[test]
fn fixed_k_then_assignment_with_the_saved_model_reproduces_the_labels() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = cdnow_input(dir.path());
    let mut config = Config::default();
    config.cluster.k = Some(4);
    config.cluster.features = vec!["recency_days".into(), "frequency".into(), "monetary".into(), "tenure_days".into()];
    config.cluster.names = BTreeMap::from([("1".to_string(), "VIP".to_string())]);
    let fit_dir = dir.path().join("fit");
    let r = cluster_command(ClusterRequest {
        transactions: input.clone().into(),
        customers: None,
        config: config.clone(),
        model: None,
        out_dir: fit_dir.clone(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.fitted);
    assert_eq!(r.model.k, 4);
    assert_eq!(r.model.chosen_by, "fixed");
    assert_eq!(r.sizes.iter().sum::<u64>(), 2357);
    assert_eq!(r.model.clusters[0].name_en, "VIP");
    let fitted = read_csv(&fit_dir.join("customers.csv"));
    assert_eq!(fitted[0].keys().filter(|k| k.as_str() == "tenure_days").count(), 1);
    assert_eq!(read_csv(&fit_dir.join("cluster_selection.csv")).len(), 1);
    // assign the same customers with the saved model: the same clusters
    let assign_dir = dir.path().join("assign");
    let a = cluster_command(ClusterRequest {
        transactions: input.into(),
        customers: None,
        config,
        model: Some(fit_dir.join("cluster_model.json")),
        out_dir: assign_dir.clone(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!a.fitted);
    assert_eq!(a.sizes, r.sizes);
    let assigned = read_csv(&assign_dir.join("customers.csv"));
    assert_eq!(assigned.len(), fitted.len());
    for (x, y) in assigned.iter().zip(&fitted) {
        assert_eq!((&x["customer_id"], &x["cluster"]), (&y["customer_id"], &y["cluster"]));
    }
}

#[test]
fn categorical_attributes_switch_to_k_prototypes() {
    let fixture = repo().join("testdata/fixture");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut config = Config::default();
    config.cluster.k = Some(2);
    config.cluster.features = vec!["monetary".into(), "employees".into()];
    config.cluster.categorical = vec!["industry".into()];
    let r = cluster_command(ClusterRequest {
        transactions: fixture.join("transactions.csv").into(),
        customers: Some(fixture.join("customers.csv").into()),
        config: config.clone(),
        model: None,
        out_dir: dir.path().to_path_buf(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.model.algorithm, "kprototypes");
    assert!(r.model.gamma.is_some_and(|g| g > 0.0));
    assert_eq!(r.model.categorical[0].name, "industry");
    // purchasers missing from the master file have their own level
    assert!(r.model.categorical[0].levels.iter().any(|l| l == "(missing)"));
    let clusters = read_csv(&dir.path().join("clusters.csv"));
    assert!(clusters[0].contains_key("mode_industry"));
    // a text attribute as a numeric feature is a clear error naming the value
    config.cluster.features = vec!["region".into()];
    config.cluster.categorical = Vec::new();
    let err = cluster_command(ClusterRequest {
        transactions: fixture.join("transactions.csv").into(),
        customers: Some(fixture.join("customers.csv").into()),
        config,
        model: None,
        out_dir: dir.path().to_path_buf(),
    })
    .err()
    .unwrap_or_else(|| panic!("expected an error"));
    assert!(matches!(&err, EngineError::Invalid(m) if m.contains("`region`") && m.contains("categorical")), "{err}");
}

#[test]
fn unknown_features_and_bad_settings_fail_before_any_work() {
    let fixture = repo().join("testdata/fixture");
    let mut config = Config::default();
    config.cluster.features = vec!["monetry".into()];
    let err =
        try_run(&fixture.join("transactions.csv"), None, config).err().unwrap_or_else(|| panic!("expected an error"));
    assert!(
        matches!(&err, EngineError::Invalid(m) if m.contains("monetry") && m.contains("available: recency_days")),
        "{err}"
    );
    for bad in [
        "[cluster]\nk_min = 1\n",
        "[cluster]\nk_max = 1\n",
        "[cluster]\nk = 0\n",
        "[cluster.names]\nx = \"a\"\n",
        "[cluster.weights]\nmonetary = -1\n",
    ] {
        let c: Config = toml::from_str(bad).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.check().is_err(), "{bad}");
    }
    assert!(toml::from_str::<Config>("[cluster]\nfeatures_ = []\n").is_err());
    // too few distinct customers for the range: the run goes on without a cluster column
    let mut config = Config::default();
    config.cluster.k_min = 20;
    config.cluster.k_max = 30;
    let (out, summary) = run_on(&fixture.join("transactions.csv"), None, config);
    let rec = summary.record.cluster.unwrap_or_else(|| panic!("record"));
    assert!(rec.error.as_deref().is_some_and(|e| e.contains("distinct")), "{rec:?}");
    assert!(!out.path().join("clusters.csv").exists());
}
