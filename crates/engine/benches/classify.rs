//! Classifying customers by a saved model: one customer at a time (p50/p99 of a lookup, every
//! scheme including the rule schemes) and batches (customers per second, built-in schemes
//! alone and everything).
//!
//! `cargo bench -p custseg-engine --bench classify` (CUSTSEG_BENCH_CUSTOMERS sets the batch
//! size, default 1,000,000; RAYON_NUM_THREADS=1 gives the figures per core).

use std::time::Instant;

use custseg_engine::classify::{classify, lifecycle_stages};
use custseg_engine::model::Classifier;
use custseg_engine::one::Scorer;
use custseg_engine::{Config, RunRequest, SynthFormat, SynthParams, run, write_synth};

fn main() {
    let n: u64 = std::env::var("CUSTSEG_BENCH_CUSTOMERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let params = SynthParams { n_customers: n, seed: 7, discounts: true, ..Default::default() };
    let log = dir.path().join("log.csv");
    let master = dir.path().join("master.csv");
    write_synth(&params, &log, SynthFormat::Csv, custseg_engine::Sink::default()).unwrap_or_else(|e| panic!("{e}"));
    custseg_data::synth_io::write_synth_master(&params, &master, custseg_engine::Sink::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut config = Config::default();
    config.run.report = false;
    let fit = dir.path().join("fit");
    let t = Instant::now();
    let summary = run(RunRequest {
        transactions: log.clone().into(),
        customers: Some(master.clone().into()),
        config: config.clone(),
        out_dir: fit.clone(),
        progress: None,
        store: None,
        report: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("fitted run: {} customers in {:.1} s", summary.record.counts.customers, t.elapsed().as_secs_f64());
    let model = Classifier::read(&fit.join("classifier.json")).unwrap_or_else(|e| panic!("{e}"));
    config.run.as_of = Some(summary.record.as_of);
    let (features, master_file) = custseg_engine::pipeline::read_features(
        &log.clone().into(),
        Some(&master.clone().into()),
        &config,
        &dir.path().join("features"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let master_file = master_file.unwrap_or_else(|| panic!("no master file"));
    let scorer = Scorer::new(model.clone());

    // one customer at a time: 2,000 lookups spread over the base, after 100 to warm up
    let step = (features.len() / 2_100).max(1);
    let index = master_file.index();
    let lookups: Vec<_> = (0..features.len())
        .step_by(step)
        .take(2_100)
        .map(|i| {
            let id = features.customer[i].as_str();
            (features.select(&[i]), master_file.select_ids(&index.get(id).map(|_| id).into_iter().collect::<Vec<_>>()))
        })
        .collect();
    let mut times: Vec<f64> = Vec::new();
    for (k, (one, row)) in lookups.iter().enumerate() {
        let t = Instant::now();
        let got = scorer.classify(one, Some(row)).unwrap_or_else(|e| panic!("{e}"));
        let us = t.elapsed().as_secs_f64() * 1e6;
        assert_eq!(got.len(), 1);
        if k >= 100 {
            times.push(us);
        }
    }
    times.sort_by(f64::total_cmp);
    let q = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "one customer, every scheme incl. rules: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} lookups)",
        q(0.5),
        q(0.99),
        q(1.0),
        times.len()
    );

    // where a lookup's time goes: the same lookups by models without one part each
    let part = |name: &str, strip: &dyn Fn(&mut Classifier)| {
        let mut m = model.clone();
        strip(&mut m);
        let scorer = Scorer::new(m);
        let mut times: Vec<f64> = Vec::new();
        for (one, row) in lookups.iter().take(600) {
            let t = Instant::now();
            if let Err(e) = scorer.classify(one, Some(row)) {
                println!("  without {name}: {}", e.to_string().lines().next().unwrap_or(""));
                return;
            }
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let mut times = times.split_off(100);
        times.sort_by(f64::total_cmp);
        println!("  without {name}: p50 {:.0} µs", times[times.len() / 2]);
    };
    part("the rule schemes", &|m| m.parts.schemes.clear());
    part("clusters", &|m| m.parts.cluster = None);
    part("CLV (and the rule schemes, which read it)", &|m| {
        m.parts.clv = None;
        m.parts.schemes.clear();
    });
    part("matrix and value classes", &|m| {
        m.parts.matrix = None;
        m.parts.value_class = None;
    });

    // batches: the built-in schemes (RFM scores and segments, 8 classes, ABC, value tiers,
    // lifecycle) by the model's cut points, then everything
    let rows: Vec<Option<usize>> = (0..features.len()).map(Some).collect();
    let threads = rayon::current_num_threads();
    let t = Instant::now();
    let c = classify(&features, config.builtin(), Some(model.frozen())).unwrap_or_else(|e| panic!("{e}"));
    let stages = lifecycle_stages(&features, &rows, &c.thresholds, None);
    let s = t.elapsed().as_secs_f64();
    assert_eq!(stages.len(), features.len());
    println!(
        "batch, built-in schemes: {} customers in {:.3} s = {:.2} M customers/s on {threads} thread(s)",
        features.len(),
        s,
        features.len() as f64 / s / 1e6
    );
    let t = Instant::now();
    let all = scorer.classify(&features, Some(&master_file)).unwrap_or_else(|e| panic!("{e}"));
    let s = t.elapsed().as_secs_f64();
    println!(
        "batch, every scheme incl. CLV, clusters and rules: {} customers in {:.2} s = {:.2} M customers/s on {threads} thread(s)",
        all.len(),
        s,
        all.len() as f64 / s / 1e6
    );
}
