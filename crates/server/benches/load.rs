//! Load bench of `custseg serve` (a bench, not a test): a store holding one run of N generated
//! customers (default 1,000,000), then customer lookups and segment pages from 1, 16 and 64
//! concurrent clients on loopback, each level bounded in requests and time. Prints p50, p99 and
//! requests per second; any error fails the bench.
//!
//! `cargo bench -p custseg-server --bench load` (`CUSTSEG_LOAD_CUSTOMERS=N` for another size;
//! `CUSTSEG_LOAD_DIR=DIR` keeps the store and run between invocations; `CUSTSEG_LOAD_LOG=FILE`
//! uses a log already generated).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use custseg_engine::{Config, RunRequest, Sink, Source, SynthFormat, SynthParams};
use custseg_server::{AppState, Options, Role};

/// The allocator of the `custseg` binary that serves in production.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Requests per level, at most.
const REQUESTS: usize = 20_000;
/// Time per level, at most.
const LEVEL_SECONDS: u64 = 20;

fn main() {
    let n: u64 = std::env::var("CUSTSEG_LOAD_CUSTOMERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let keep = std::env::var_os("CUSTSEG_LOAD_DIR").map(PathBuf::from);
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = keep.unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("dir");
    let store = dir.join("custseg.db");
    let out = dir.join("run");
    if !out.join("run.json").is_file() {
        // `CUSTSEG_LOAD_LOG=FILE`: a log already generated (scripts/bench.sh leaves one)
        let log = match std::env::var_os("CUSTSEG_LOAD_LOG") {
            Some(p) => PathBuf::from(p),
            None => {
                let log = dir.join("log.csv");
                let t = Instant::now();
                let params = SynthParams { n_customers: n, ..SynthParams::default() };
                custseg_engine::write_synth(&params, &log, SynthFormat::Csv, Sink::new(false)).expect("generate");
                eprintln!("generated {n} customers in {:.1} s", t.elapsed().as_secs_f64());
                log
            }
        };
        let t = Instant::now();
        let mut config = Config::default();
        config.run.report = false;
        custseg_engine::run(RunRequest {
            transactions: Source::Files(log),
            customers: None,
            config,
            out_dir: out.clone(),
            progress: None,
            store: Some(store.clone()),
            report: None,
        })
        .expect("run");
        eprintln!("the run took {:.1} s", t.elapsed().as_secs_f64());
    }
    let options = Options {
        addr: "127.0.0.1:0".parse().expect("addr"),
        store: store.clone(),
        data: dir.join("data"),
        max_upload: 1 << 20,
        threads: 2,
    };
    let state = AppState::open(options).expect("state");
    let mut s = custseg_server::accounts::open(&store).expect("store");
    let name = format!("bench{}", std::process::id());
    let token = custseg_server::accounts::add(&mut s, &name, Role::Viewer, "bench").expect("user");
    drop(s);
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            addr_tx.send(listener.local_addr().expect("addr")).expect("send");
            custseg_server::serve(state, listener, async move {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
    });
    let base = format!("http://{}", addr_rx.recv().expect("addr"));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    rt.block_on(async move {
        let http = reqwest::Client::builder().pool_max_idle_per_host(128).build().expect("client");
        // the run's customers and a segment's size, and the index built before timing
        let get = move |path: String| {
            let (http, token, base) = (http.clone(), token.clone(), base.clone());
            async move { http.get(format!("{base}{path}")).bearer_auth(token).send().await }
        };
        let t = Instant::now();
        let first = get("/api/v1/customers?limit=1000".into()).await.expect("first").json::<serde_json::Value>().await.expect("json");
        eprintln!("index built in {:.1} s (total {} customers)", t.elapsed().as_secs_f64(), first["total"]);
        // customers spread over the whole run, not the first page
        let text = std::fs::read_to_string(out.join("customers.csv")).expect("customers.csv");
        let ids: Arc<Vec<String>> = Arc::new(
            text.lines().skip(1).step_by(97).filter_map(|l| l.split(',').next().map(str::to_string)).collect(),
        );
        drop(text);
        let segments = get("/api/v1/runs/latest/segments".into()).await.expect("segments").json::<serde_json::Value>().await.expect("json");
        let labels: Arc<Vec<(String, u64)>> = Arc::new(
            segments
                .as_array()
                .expect("list")
                .iter()
                .filter(|s| s["scheme"] == "rfm_segment" && s["customers"].as_u64().unwrap_or(0) > 0)
                .map(|s| (s["label"].as_str().expect("label").to_string(), s["customers"].as_u64().expect("n")))
                .collect(),
        );
        let store_run = first["next_cursor"].as_str().and_then(|c| c.split('.').next()).expect("cursor").to_string();
        println!("| route | clients | requests | errors | p50 | p99 | requests/s |");
        println!("|---|---|---|---|---|---|---|");
        for kind in ["customer lookup", "segment page (50 members)"] {
            for clients in [1usize, 16, 64] {
                let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
                let start = Instant::now();
                let deadline = start + Duration::from_secs(LEVEL_SECONDS);
                let mut tasks = Vec::new();
                for c in 0..clients {
                    let (get, ids, labels, done, store_run) =
                        (get.clone(), ids.clone(), labels.clone(), done.clone(), store_run.clone());
                    tasks.push(tokio::spawn(async move {
                        let mut lat = Vec::new();
                        let mut errors = 0usize;
                        let mut k = c as u64 * 7919 + 1;
                        while done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < REQUESTS && Instant::now() < deadline {
                            k = k.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                            let path = if kind == "customer lookup" {
                                format!("/api/v1/customers/{}", ids[(k >> 33) as usize % ids.len()])
                            } else {
                                let (label, n) = &labels[(k >> 33) as usize % labels.len()];
                                let offset = (k >> 20) % n.saturating_sub(50).max(1);
                                format!("/api/v1/segments/rfm_segment/{label}/customers?limit=50&cursor={store_run}.{offset}")
                            };
                            let t = Instant::now();
                            match get(path).await {
                                Ok(r) if r.status().is_success() => {
                                    let _ = r.bytes().await;
                                    lat.push(t.elapsed());
                                }
                                _ => errors += 1,
                            }
                        }
                        (lat, errors)
                    }));
                }
                let mut lat = Vec::new();
                let mut errors = 0;
                for t in tasks {
                    let (l, e) = t.await.expect("client");
                    lat.extend(l);
                    errors += e;
                }
                let secs = start.elapsed().as_secs_f64();
                lat.sort_unstable();
                let q = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied().unwrap_or_default();
                let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
                println!(
                    "| {kind} | {clients} | {} | {errors} | {} | {} | {:.0} |",
                    lat.len() + errors,
                    ms(q(0.50)),
                    ms(q(0.99)),
                    lat.len() as f64 / secs
                );
                assert_eq!(errors, 0, "{kind} with {clients} clients: {errors} errors");
            }
        }
    });
    let _ = stop.send(());
    let _ = server.join();
}
