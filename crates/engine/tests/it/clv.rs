//! CLV end to end on CDNOW: the published fits reproduced from the raw transactions, the
//! holdout evaluation, scoring with a saved model, and the run's CLV columns.

use custseg_core::clv::ModelKind;
use custseg_engine::Config;
use custseg_engine::commands::clv::{
    EvaluateRequest, FitRequest, PredictRequest, evaluate_command, fit_command, predict_command,
};

use crate::{by_id, num, read_csv};

fn cdnow_input(dir: &std::path::Path) -> std::path::PathBuf {
    let input = dir.join("cdnow.csv");
    std::fs::write(&input, custseg_engine::demo::cdnow_csv()).unwrap_or_else(|e| panic!("{e}"));
    input
}

fn fit_cdnow(model: ModelKind) -> custseg_engine::clv::ModelFile {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut config = Config::default();
    config.clv.model = model;
    let r = fit_command(FitRequest {
        transactions: cdnow_input(dir.path()).into(),
        config,
        calibration_end: Some("1997-09-30".parse().expect("date")),
        out_dir: dir.path().to_path_buf(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(dir.path().join("model.json").exists());
    r.model
}

fn check(m: &custseg_engine::clv::ModelFile, params: &[f64], tol: f64, ll: f64) {
    for (p, want) in m.purchase.params.iter().zip(params) {
        assert!(((p.value - want) / want).abs() <= tol, "{}: {} = {} want {want}", m.model.as_str(), p.name, p.value);
    }
    assert!((m.purchase.log_likelihood - ll).abs() <= 0.01, "LL {} want {ll}", m.purchase.log_likelihood);
    assert_eq!(m.purchase.n_customers, 2357);
    assert_eq!((m.rows.read, m.rows.kept, m.rows.after_calibration), (6919, 6919, 1959));
    assert_eq!(m.calibration_end, "1997-09-30");
}

#[test]
fn published_cdnow_fits_are_reproduced_from_the_raw_transactions() {
    let bg = fit_cdnow(ModelKind::Bgnbd);
    check(&bg, &[0.2426, 4.4136, 0.7929, 2.4259], 1e-3, -9582.43);
    // Gamma-Gamma on the 946 repeat buyers, zbar rebuilt from the raw transactions
    let spend = bg.spend.as_ref().unwrap_or_else(|| panic!("no spend model"));
    assert_eq!(spend.fit.n_customers, 946);
    for (p, want) in spend.fit.params.iter().zip([6.2488, 3.7446, 15.4477]) {
        assert!(((p.value - want) / want).abs() <= 1e-3, "{} = {}", p.name, p.value);
    }
    assert!((spend.fit.log_likelihood - -4055.92).abs() <= 0.01, "{}", spend.fit.log_likelihood);
    check(&fit_cdnow(ModelKind::Pnbd), &[0.5532, 10.5776, 0.6062, 11.6679], 3e-3, -9594.97);
    check(&fit_cdnow(ModelKind::Mbgnbd), &[0.525, 6.183, 0.891, 1.614], 1e-3, -9582.13);
}

#[test]
fn evaluate_compares_the_holdout_with_model_and_baseline() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let ev = evaluate_command(EvaluateRequest {
        transactions: cdnow_input(dir.path()).into(),
        config: Config::default(),
        calibration_end: "1997-09-30".parse().expect("date"),
        holdout_end: "1998-06-30".parse().expect("date"),
        out_dir: dir.path().to_path_buf(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!((ev.holdout_weeks - 39.0).abs() < 1e-12);
    assert_eq!(ev.rows.len(), 8);
    assert_eq!(ev.rows.iter().map(|r| r.customers).sum::<u64>(), 2357);
    // 1,411 customers made no repeat purchase in calibration; FHL (2005) figure 3: 0.24 actual,
    // 0.23 predicted
    assert_eq!(ev.rows[0].customers, 1411);
    assert!((ev.rows[0].actual - 0.237).abs() < 1e-3 && (ev.rows[0].model - 0.225).abs() < 2e-3, "{:?}", ev.rows[0]);
    // purchase days in the holdout, counted from the raw file
    assert_eq!(ev.total_actual, 1882.0);
    assert!(ev.mae_model < ev.mae_baseline);
    let csv = read_csv(&dir.path().join("evaluation.csv"));
    assert_eq!(csv.len(), 9);
    assert_eq!(csv[8]["frequency"], "total");
}

#[test]
fn predict_scores_with_a_saved_model_and_run_adds_the_columns() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = cdnow_input(dir.path());
    let mut config = Config::default();
    config.run.as_of = Some("1997-09-30".parse().expect("date"));
    fit_command(FitRequest {
        transactions: input.clone().into(),
        config: config.clone(),
        calibration_end: None,
        out_dir: dir.path().to_path_buf(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let mut predict_config = config.clone();
    predict_config.clv.horizon_months = 9;
    let p = predict_command(PredictRequest {
        model: dir.path().join("model.json"),
        transactions: input.clone().into(),
        config: predict_config,
        out_dir: dir.path().to_path_buf(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.customers, 2357);
    let pred = by_id(read_csv(&dir.path().join("predictions.csv")));
    // customer 1 (x = 2, t_x = 30.43, T = 38.86): P(alive) 0.7266 (FHL 2005)
    let one = &pred["0001"];
    assert!((num(one, "p_alive") - 0.7266).abs() < 1e-3, "{}", one["p_alive"]);
    assert!(num(one, "expected_purchases_9m") > 0.0 && num(one, "clv_9m") > 0.0);
    for r in pred.values() {
        let pa = num(r, "p_alive");
        assert!((0.0..=1.0).contains(&pa));
        assert!(num(r, "clv_9m") >= 0.0 && num(r, "expected_spend") > 0.0);
    }

    // the same as-of through `run`: the columns, the clv tier, and model.json beside them
    let (out, s) = crate::run_on(&input, None, config);
    let clv = s.record.clv.as_ref().unwrap_or_else(|| panic!("no clv record"));
    assert!(clv.error.is_none(), "{:?}", clv.error);
    assert!(s.record.outputs.iter().any(|o| o == "model.json"));
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("model.json")).unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model["time_unit"], "weeks");
    assert_eq!(model["inputs"][0]["xxh3_128"].as_str().map(str::len), Some(32), "{}", model["inputs"]);
    assert_eq!(model["purchase"]["status"], "converged");
    let c = by_id(read_csv(&out.path().join("customers.csv")));
    let one = &c["0001"];
    assert!((num(one, "p_alive") - 0.7266).abs() < 1e-3);
    assert!(["high", "mid", "low"].contains(&one["clv_tier"].as_str()));
    let tiers = read_csv(&out.path().join("segments.csv"));
    let n: f64 = tiers.iter().filter(|r| r["scheme"] == "clv_tier").map(|r| num(r, "customers")).sum();
    assert_eq!(n, 2357.0);
}

#[test]
fn lifecycle_can_follow_p_alive() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = cdnow_input(dir.path());
    let mut config = Config::default();
    config.clv.lifecycle = custseg_engine::config::LifecycleBasis::PAlive;
    let (out, s) = crate::run_on(&input, None, config);
    assert!(s.record.clv.as_ref().is_some_and(|c| c.warnings.iter().all(|w| !w.text.contains("fell back"))));
    let c = read_csv(&out.path().join("customers.csv"));
    let (mut churned, mut at_risk) = (0, 0);
    for r in &c {
        let p = num(r, "p_alive");
        let stage = r["lifecycle"].as_str();
        match stage {
            "churned" => {
                assert!(p < 0.2, "{} churned with p_alive {p}", r["customer_id"]);
                churned += 1;
            }
            "at_risk" => {
                assert!((0.2..0.5).contains(&p), "{} at risk with p_alive {p}", r["customer_id"]);
                at_risk += 1;
            }
            "active" | "reactivated" => assert!(p >= 0.5, "{} {stage} with p_alive {p}", r["customer_id"]),
            _ => {}
        }
    }
    assert!(churned > 0 && at_risk > 0, "{churned} churned, {at_risk} at risk");
}

#[test]
fn a_bad_model_file_or_period_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = cdnow_input(dir.path());
    let bad = dir.path().join("model.json");
    std::fs::write(&bad, "{}").unwrap_or_else(|e| panic!("{e}"));
    let err = predict_command(PredictRequest {
        model: bad,
        transactions: input.clone().into(),
        config: Config::default(),
        out_dir: dir.path().to_path_buf(),
    })
    .expect_err("not a model file");
    assert!(matches!(err, custseg_engine::EngineError::ModelFile { .. }), "{err}");
    let err = evaluate_command(EvaluateRequest {
        transactions: input.into(),
        config: Config::default(),
        calibration_end: "1998-01-01".parse().expect("date"),
        holdout_end: "1997-06-01".parse().expect("date"),
        out_dir: dir.path().to_path_buf(),
    })
    .expect_err("holdout before calibration");
    assert!(err.to_string().contains("must be after"), "{err}");
}
