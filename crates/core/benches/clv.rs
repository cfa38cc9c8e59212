//! CLV benchmark: fit time of BG/NBD and Pareto/NBD and prediction throughput on synthetic
//! customer bases (the `custseg generate` process, summarised in memory).
//!
//! ```text
//! cargo bench -p custseg-core --bench clv -- [--sizes 10000,100000,1000000] [--pnbd-max N]
//!     [--summary-out FILE --summary-size N]
//! ```
//! `--summary-out` writes the (x, t_x, T) summary of the `--summary-size` base as CSV, for the
//! comparison with Python `lifetimes` in `scripts/bench_clv.sh`. Prints one table row per size.

use std::io::Write;
use std::time::Instant;

use custseg_core::clv::{
    BgNbd, BtydData, DAYS_PER_MONTH, FitReport, GammaGamma, ParetoNbd, PurchaseModel, ValidFitParams, clv,
};
use custseg_core::synth::{SynthParams, btyd_summary};
use rayon::prelude::*;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn params(r: &FitReport) -> String {
    r.params.iter().map(|p| format!("{}={:.4}", p.name, p.value)).collect::<Vec<_>>().join(" ")
}

fn main() {
    let sizes: Vec<u64> = arg("--sizes")
        .unwrap_or_else(|| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let pnbd_max: u64 = arg("--pnbd-max").and_then(|s| s.parse().ok()).unwrap_or(u64::MAX);
    let summary_out = arg("--summary-out");
    let summary_size: u64 = arg("--summary-size").and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let fit = ValidFitParams::default();
    println!(
        "{:>10} {:>9} {:>8} {:>9} {:>6} {:>10} {:>6} {:>9} {:>14}  parameters",
        "customers", "tuples", "group_s", "bgnbd_s", "iters", "pnbd_s", "iters", "gg_s", "predict_cust/s"
    );
    for &n in &sizes {
        let p = SynthParams { n_customers: n, seed: 42, ..SynthParams::default() };
        let s = btyd_summary(&p);
        if summary_out.is_some() && n == summary_size {
            let path = summary_out.clone().unwrap_or_default();
            let mut w = std::io::BufWriter::new(std::fs::File::create(&path).expect("summary file"));
            writeln!(w, "frequency,recency,T").expect("write");
            for i in 0..s.x.len() {
                writeln!(w, "{},{:?},{:?}", s.x[i], s.t_x[i], s.t[i]).expect("write");
            }
            w.flush().expect("flush");
        }
        let t = Instant::now();
        let data = BtydData::new(&s.x, &s.t_x, &s.t).expect("valid summary");
        let group_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (bg, bg_report) = BgNbd::fit(&data, &fit).expect("bgnbd fit");
        let bg_s = t.elapsed().as_secs_f64();
        let (pnbd_s, pnbd_iters, pnbd_params) = if n <= pnbd_max {
            let t = Instant::now();
            let (_, r) = ParetoNbd::fit(&data, &fit).expect("pnbd fit");
            (format!("{:.3}", t.elapsed().as_secs_f64()), r.iterations.to_string(), params(&r))
        } else {
            ("-".into(), "-".into(), String::new())
        };
        let t = Instant::now();
        let gg = GammaGamma::fit(&s.x, &s.zbar, &fit).expect("gamma-gamma fit");
        let gg_s = t.elapsed().as_secs_f64();
        // per-customer scoring, every customer on its own (no tuple sharing): P(alive), the
        // expected transactions over 12 months and the discounted 12-month CLV
        let step = DAYS_PER_MONTH / 7.0;
        let t = Instant::now();
        let total: f64 = (0..s.x.len())
            .into_par_iter()
            .map(|i| {
                let spend = gg.model.expected_spend(s.x[i], s.zbar[i]);
                bg.p_alive(s.x[i], s.t_x[i], s.t[i]) + clv(&bg, spend, 12, step, 0.01, (s.x[i], s.t_x[i], s.t[i]))
            })
            .sum();
        let per_s = s.x.len() as f64 / t.elapsed().as_secs_f64();
        assert!(total.is_finite());
        println!(
            "{:>10} {:>9} {:>8.3} {:>9.3} {:>6} {:>10} {:>6} {:>9.3} {:>14.0}  bgnbd {} | pnbd {} | gg {}",
            n,
            data.n_tuples(),
            group_s,
            bg_s,
            bg_report.iterations,
            pnbd_s,
            pnbd_iters,
            gg_s,
            per_s,
            params(&bg_report),
            pnbd_params,
            params(&gg.report)
        );
    }
}
