//! Same input + same config = same output bytes, whatever the thread count. run.json differs only
//! in its timings.

use std::path::Path;

use custseg_engine::Config;

use crate::{repo, run_on};

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    custseg_engine::pipeline::OUTPUTS
        .iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let bytes = if *name == "run.json" {
                let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.remove("timings_ms");
                    // the threads setting is part of the config; it is what we vary here
                    if let Some(run) =
                        o.get_mut("config").and_then(|c| c.get_mut("run")).and_then(|r| r.as_object_mut())
                    {
                        run.remove("threads");
                    }
                }
                serde_json::to_vec(&v).unwrap_or_default()
            } else {
                bytes
            };
            (name.to_string(), bytes)
        })
        .collect()
}

#[test]
fn outputs_are_byte_identical_across_runs_and_thread_counts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = dir.path().join("cdnow.csv");
    std::fs::write(&input, custseg_engine::demo::cdnow_csv()).unwrap_or_else(|e| panic!("{e}"));
    for input in [input, repo().join("testdata/fixture/transactions.csv")] {
        let mut one = Config::default();
        one.run.threads = 1;
        let mut two = Config::default();
        two.run.threads = 2;
        let (a, _) = run_on(&input, None, one);
        let (b, _) = run_on(&input, None, two.clone());
        let (c, _) = run_on(&input, None, two);
        assert_eq!(files(a.path()), files(b.path()), "{}: 1 vs 2 threads", input.display());
        assert_eq!(files(b.path()), files(c.path()), "{}: repeated run", input.display());
    }
}

/// A server awaits `run_async` on its own runtime: the job leaves the runtime's workers free
/// (here its only one keeps answering), and gives the bytes of a blocking run.
#[test]
fn run_async_leaves_the_callers_runtime_free() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap_or_else(|e| panic!("{e}"));
    let input = crate::repo().join("testdata/fixture/transactions.csv");
    let (blocking, _) = crate::run_on(&input, None, Config::default());
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let req = custseg_engine::RunRequest {
        transactions: input.into(),
        customers: None,
        config: Config::default(),
        out_dir: dir.path().to_path_buf(),
        progress: None,
        store: None,
        report: None,
    };
    let (done, ticks) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let summary = rt.block_on(async {
        let (d, t) = (done.clone(), ticks.clone());
        // a task on the same (only) worker, counting while the job runs
        let ticker = tokio::spawn(async move {
            while !d.load(Ordering::Acquire) {
                t.fetch_add(1, Ordering::Relaxed);
                tokio::task::yield_now().await;
            }
        });
        let job = tokio::spawn(custseg_engine::run_async(req));
        let summary = job.await.unwrap_or_else(|e| panic!("{e}"));
        let during = ticks.load(Ordering::Relaxed);
        done.store(true, Ordering::Release);
        ticker.await.unwrap_or_else(|e| panic!("{e}"));
        (summary, during)
    });
    let (summary, during) = summary;
    summary.unwrap_or_else(|e| panic!("{e}"));
    assert!(during > 1000, "the worker ran the job: {during} ticks while it ran");
    for f in ["customers.csv", "segments.csv", "classifier.json"] {
        let a = std::fs::read(blocking.path().join(f)).unwrap_or_default();
        assert!(!a.is_empty() && a == std::fs::read(dir.path().join(f)).unwrap_or_default(), "{f} differs");
    }
}
