//! `custseg serve` as a process: killed with SIGKILL during a run, then started again; stopped
//! with SIGTERM during a run. The store stays intact, earlier runs are served, the run that was
//! going on is marked interrupted. Loopback only, bounded in time.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{custseg, text};

struct Served {
    child: Child,
    port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Served {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let child = Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--store",
            "db.sqlite",
            "--data",
            "data",
            "--threads",
            "1",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start custseg serve");
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t.elapsed() < Duration::from_secs(30), "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Served { child, port }
}

/// One HTTP/1.1 request; returns the status and the body.
fn http(port: u16, method: &str, path: &str, token: &str, body: &[u8], kind: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).and_then(|()| s.write_all(body)).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let status = raw.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    // chunked bodies: the JSON of these routes is sent whole, so the first chunk is all of it
    let body = match body.split_once("\r\n") {
        Some((size, rest)) if usize::from_str_radix(size.trim(), 16).is_ok() && !body.starts_with('{') => {
            rest.rsplit_once("\r\n0\r\n").map_or(rest, |(b, _)| b).trim_end().to_string()
        }
        _ => body,
    };
    (status, body)
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// An admin token, a small log and a larger one uploaded, the small one run to the end.
fn prepared(dir: &Path) -> (String, Served, i64) {
    let out = custseg(&["user", "add", "boss", "--role", "admin", "--store", "db.sqlite"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_string();
    let out = custseg(&["generate", "--customers", "60000", "--out", "big.csv"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let server = serve(dir);
    let cdnow = custseg_engine::demo::cdnow_csv();
    let (status, body) =
        http(server.port, "POST", "/api/v1/datasets?name=cdnow.csv", &token, cdnow.as_bytes(), "text/csv");
    assert_eq!(status, 201, "{body}");
    let small = json(&body)["id"].as_i64().expect("id");
    let big_bytes = std::fs::read(dir.join("big.csv")).expect("big");
    let (status, body) = http(server.port, "POST", "/api/v1/datasets?name=big.csv", &token, &big_bytes, "text/csv");
    assert_eq!(status, 201, "{body}");
    let big = json(&body)["id"].as_i64().expect("id");
    let run = format!("{{\"transactions\": {small}}}");
    let (status, body) = http(server.port, "POST", "/api/v1/runs", &token, run.as_bytes(), "application/json");
    assert_eq!(status, 202, "{body}");
    let first = json(&body)["id"].as_i64().expect("id");
    wait_for(server.port, &token, first, &["done"]);
    (token, server, big)
}

fn wait_for(port: u16, token: &str, id: i64, statuses: &[&str]) -> serde_json::Value {
    let t = Instant::now();
    loop {
        let (_, body) = http(port, "GET", &format!("/api/v1/runs/{id}"), token, b"", "text/plain");
        let run = json(&body);
        if statuses.iter().any(|s| run["status"] == *s) {
            return run;
        }
        assert!(t.elapsed() < Duration::from_secs(180), "run {id} never became {statuses:?}: {run}");
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn start_big(port: u16, token: &str, big: i64) -> i64 {
    let run = format!("{{\"transactions\": {big}}}");
    let (status, body) = http(port, "POST", "/api/v1/runs", token, run.as_bytes(), "application/json");
    assert_eq!(status, 202, "{body}");
    let id = json(&body)["id"].as_i64().expect("id");
    wait_for(port, token, id, &["running"]);
    id
}

fn after_restart(dir: &Path, token: &str, first: i64, killed: i64) {
    let server = serve(dir);
    let run = wait_for(server.port, token, killed, &["interrupted", "done", "failed", "cancelled"]);
    assert_eq!(run["status"], "interrupted", "{run}");
    let run = wait_for(server.port, token, first, &["done"]);
    assert_eq!(run["summary"]["customers"], 2357);
    let (status, body) = http(server.port, "GET", "/api/v1/runs/latest/segments", token, b"", "text/plain");
    assert_eq!(status, 200, "{body}");
    assert!(json(&body).as_array().is_some_and(|s| !s.is_empty()));
    let (status, body) = http(server.port, "GET", "/api/v1/customers/0004", token, b"", "text/plain");
    assert_eq!(status, 200, "{body}");
    drop(server);
    // the store is intact, and only the finished run is in the history
    let out = custseg(&["history", "--store", "db.sqlite"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let integrity = rusqlite_check(&dir.join("db.sqlite"));
    assert_eq!(integrity, "ok");
}

/// SQLite's own integrity check, through the engine's store (it opens the file and reads it).
fn rusqlite_check(path: &Path) -> String {
    let store = custseg_engine::store::Store::open(path).expect("the store opens");
    store.integrity_check().expect("integrity check")
}

#[test]
fn a_server_killed_during_a_run_comes_back_with_its_store_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (token, mut server, big) = prepared(dir.path());
    let killed = start_big(server.port, &token, big);
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    drop(server);
    after_restart(dir.path(), &token, 1, killed);
}

#[test]
fn a_server_stopped_during_a_run_marks_it_interrupted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (token, mut server, big) = prepared(dir.path());
    let running = start_big(server.port, &token, big);
    let pid = server.child.id().to_string();
    let t = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let status = server.child.wait().expect("wait");
    assert!(status.success(), "a graceful stop exits 0: {status}");
    assert!(t.elapsed() < Duration::from_secs(20), "the stop took {:?}", t.elapsed());
    drop(server);
    after_restart(dir.path(), &token, 1, running);
}
