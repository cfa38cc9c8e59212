//! The API over a loopback port: upload, run, segments, paging, customers, export, masking,
//! limits and errors.

use std::time::{Duration, Instant};

use custseg_server::Role;
use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::{Server, cdnow, cdnow_master};

struct Api<'a> {
    server: &'a Server,
    http: Client,
}

impl<'a> Api<'a> {
    fn new(server: &'a Server) -> Api<'a> {
        Api { server, http: Client::builder().timeout(Duration::from_secs(60)).build().expect("client") }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url)
    }

    async fn get(&self, role: Role, path: &str) -> (StatusCode, Value) {
        let r = self.http.get(self.url(path)).bearer_auth(self.server.token(role)).send().await.expect("send");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn text(&self, role: Role, path: &str) -> (StatusCode, String) {
        let r = self.http.get(self.url(path)).bearer_auth(self.server.token(role)).send().await.expect("send");
        (r.status(), r.text().await.expect("text"))
    }

    async fn upload(&self, role: Role, name: &str, kind: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url(&format!("/api/v1/datasets?name={name}&kind={kind}")))
            .bearer_auth(self.server.token(role))
            .body(bytes)
            .send()
            .await
            .expect("send");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, role: Role, path: &str, body: Value) -> (StatusCode, Value) {
        let r =
            self.http.post(self.url(path)).bearer_auth(self.server.token(role)).json(&body).send().await.expect("send");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Starts a run and waits for it to end; returns its final view.
    async fn run(&self, body: Value) -> Value {
        let (status, started) = self.post(Role::Analyst, "/api/v1/runs", body).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{started}");
        self.run_wait(started["id"].as_i64().expect("id")).await
    }

    /// Waits for a run to end; returns its final view.
    async fn run_wait(&self, id: i64) -> Value {
        let t = Instant::now();
        loop {
            let (_, run) = self.get(Role::Viewer, &format!("/api/v1/runs/{id}")).await;
            if !matches!(run["status"].as_str(), Some("queued" | "running")) {
                return run;
            }
            assert!(t.elapsed() < Duration::from_secs(120), "run {id} did not end: {run}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_from_upload_to_export() {
    let server = Server::start(50 << 20);
    let api = Api::new(&server);
    let (status, log) = api.upload(Role::Analyst, "cdnow.csv", "transactions", cdnow()).await;
    assert_eq!(status, StatusCode::CREATED, "{log}");
    assert_eq!(log["summary"]["rows_read"], 6919);
    assert_eq!(log["summary"]["column_map"]["columns"]["customer"], "customer_id");
    let (status, master) = api.upload(Role::Analyst, "people.csv", "customers", cdnow_master()).await;
    assert_eq!(status, StatusCode::CREATED, "{master}");
    assert_eq!(master["summary"]["report"]["rows_kept"], 2357);
    // personal data is never read by a run
    assert_eq!(master["summary"]["report"]["personal_data_left_out"], serde_json::json!(["姓名", "手机", "email"]));
    let run = api.run(serde_json::json!({ "transactions": log["id"], "customers": master["id"] })).await;
    assert_eq!(run["status"], "done", "{run}");
    assert_eq!(run["summary"]["customers"], 2357);
    assert_eq!(run["summary"]["rows"]["read"], 6919);
    let id = run["id"].as_i64().expect("id");

    // segments: every scheme's counts add up to the run's customers
    let (status, segments) = api.get(Role::Viewer, "/api/v1/runs/latest/segments").await;
    assert_eq!(status, StatusCode::OK);
    let rfm: Vec<&Value> = segments.as_array().expect("list").iter().filter(|s| s["scheme"] == "rfm_segment").collect();
    let total: u64 = rfm.iter().map(|s| s["customers"].as_u64().expect("n")).sum();
    assert_eq!(total, 2357);
    let champions = rfm.iter().find(|s| s["label"] == "champions").expect("champions");
    assert_eq!(champions["name"]["zh"], "冠军客户");
    assert!(champions["objective"].as_str().is_some_and(|o| !o.is_empty()));
    let n_champions = champions["customers"].as_u64().expect("n") as usize;

    // paging by cursor visits every member once, in id order
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let q = if cursor.is_empty() { String::new() } else { format!("&cursor={cursor}") };
        let (status, page) =
            api.get(Role::Viewer, &format!("/api/v1/segments/rfm_segment/champions/customers?limit=100{q}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total"].as_u64(), Some(n_champions as u64));
        for c in page["items"].as_array().expect("items") {
            assert_eq!(c["label"], "champions");
            // viewers see personal data masked
            let phone = c["attributes"]["手机"].as_str().expect("phone");
            assert!(phone.starts_with("138") && phone.contains("****"), "{phone}");
            assert_eq!(c["attributes"]["region"].as_str().map(|r| r.contains('*')), Some(false));
            seen.push(c["customer_id"].as_str().expect("id").to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), n_champions);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "not in id order");
    // sorted by spend, highest first
    let (_, top) =
        api.get(Role::Viewer, "/api/v1/segments/rfm_segment/champions/customers?limit=5&sort=monetary").await;
    let spend: Vec<f64> =
        top["items"].as_array().expect("items").iter().map(|c| c["monetary"].as_f64().expect("m")).collect();
    assert!(spend.windows(2).all(|w| w[0] >= w[1]), "{spend:?}");

    // one customer: features by customers.csv names, labels, next action, masked master data
    let who = &seen[0];
    let (status, c) = api.get(Role::Viewer, &format!("/api/v1/customers/{who}")).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert!(c["features"]["frequency"].as_f64().is_some() && c["features"]["monetary"].as_f64().is_some());
    assert!(
        c["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .any(|l| l["scheme"] == "rfm_segment" && l["label"] == "champions")
    );
    assert!(c["next_action"].as_str().is_some_and(|a| !a.is_empty()));
    assert_eq!(c["history"].as_array().map(Vec::len), Some(1));
    assert_eq!(c["history"][0]["run"].as_i64(), Some(id));
    let name = c["attributes"]["姓名"].as_str().expect("name");
    assert_eq!(name.chars().count(), 2);
    assert!(name.ends_with('*'), "{name}");
    assert!(c["attributes"]["email"].as_str().is_some_and(|e| e.contains("***@example.com")));
    let (_, full) = api.get(Role::Analyst, &format!("/api/v1/customers/{who}")).await;
    assert!(!full["attributes"]["手机"].as_str().expect("phone").contains('*'));
    let (status, _) = api.get(Role::Viewer, "/api/v1/customers/nobody").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // CDNOW has no product or category: no basket analysis, and the answer says why
    let (status, none) = api.get(Role::Viewer, &format!("/api/v1/customers/{who}/recommendations")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(none["detail"].as_str().is_some_and(|d| d.contains("no product or category")), "{none}");

    // search by id and by attribute; viewers cannot find a customer by personal data
    let (_, found) = api.get(Role::Viewer, &format!("/api/v1/customers?q={who}")).await;
    assert!(found["items"].as_array().expect("items").iter().any(|c| c["customer_id"] == who.as_str()));
    let phone_of = full["attributes"]["手机"].as_str().expect("phone").to_string();
    let (_, by_phone) = api.get(Role::Analyst, &format!("/api/v1/customers?q={phone_of}")).await;
    assert_eq!(by_phone["total"], 1);
    let (_, hidden) = api.get(Role::Viewer, &format!("/api/v1/customers?q={phone_of}")).await;
    assert_eq!(hidden["total"], 0);

    // export: viewers may not; analysts get every member, masked unless asked, audit-logged
    let path = "/api/v1/segments/rfm_segment/champions/export.csv";
    let (status, _) = api.text(Role::Viewer, path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, csv) = api.text(Role::Analyst, path).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), n_champions + 1);
    assert!(lines[0].starts_with("customer_id,") && lines[0].ends_with(",姓名,手机,email,region"), "{}", lines[0]);
    assert!(lines[1].contains("****"), "masked by default: {}", lines[1]);
    let (_, personal) = api.text(Role::Analyst, &format!("{path}?personal=true")).await;
    assert!(personal.contains(&phone_of) || !seen.contains(&who.to_string()));
    let (status, audit) = api.get(Role::Admin, "/api/v1/audit").await;
    assert_eq!(status, StatusCode::OK);
    let exports: Vec<&Value> = audit.as_array().expect("log").iter().filter(|e| e["action"] == "export").collect();
    assert_eq!(exports.len(), 2);
    assert_eq!(exports[0]["params"]["personal"], true);
    assert_eq!(exports[0]["actor"], "analyst");
    assert_eq!(exports[0]["params"]["customers"].as_u64(), Some(n_champions as u64));
    assert!(audit.as_array().expect("log").iter().any(|e| e["action"] == "run.start"));
    let (status, _) = api.get(Role::Analyst, "/api/v1/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // the report, the playbook
    let (status, html) = api.text(Role::Viewer, &format!("/api/v1/runs/{id}/report")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
    let (_, plays) = api.get(Role::Viewer, "/api/v1/playbook").await;
    assert!(plays.as_array().is_some_and(|p| p.len() > 20));

    // a second run of the same data: a diff and alerts between them
    let second = api
        .run(serde_json::json!({ "transactions": log["id"], "customers": master["id"], "as_of": "1998-09-01" }))
        .await;
    assert_eq!(second["status"], "done", "{second}");
    let b = second["id"].as_i64().expect("id");
    let (status, diff) = api.get(Role::Viewer, &format!("/api/v1/runs/{id}/diff/{b}?scheme=rfm_segment")).await;
    assert_eq!(status, StatusCode::OK, "{diff}");
    let m = &diff["schemes"][0];
    let moved: u64 = m["matrix"]
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(|r| r.as_array().expect("row"))
        .map(|x| x.as_u64().expect("n"))
        .sum();
    assert_eq!(moved, 2357, "every customer is in one cell");
    // the dashboard's comparison page draws the same migration as a heatmap
    let (status, page) = api.text(Role::Viewer, &format!("/runs/{id}/diff/{b}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<svg") && page.contains("Champions"), "{}", &page[..page.len().min(300)]);
    let (status, alerts) = api.get(Role::Viewer, &format!("/api/v1/alerts?run={b}")).await;
    assert_eq!(status, StatusCode::OK);
    let values: Vec<f64> =
        alerts.as_array().expect("alerts").iter().map(|a| a["value_at_stake"].as_f64().expect("v")).collect();
    assert!(!values.is_empty() && values.windows(2).all(|w| w[0] >= w[1]), "sorted by value at stake");
    let (_, c2) = api.get(Role::Viewer, &format!("/api/v1/customers/{who}")).await;
    assert_eq!(c2["history"].as_array().map(Vec::len), Some(2), "the customer's record in both runs");

    // deleting a finished run is the admin's
    let del = |role: Role| {
        api.http.delete(api.url(&format!("/api/v1/runs/{id}"))).bearer_auth(server.token(role).to_string()).send()
    };
    assert_eq!(del(Role::Analyst).await.expect("send").status(), StatusCode::FORBIDDEN);
    assert_eq!(del(Role::Admin).await.expect("send").status(), StatusCode::NO_CONTENT);
    let (status, _) = api.get(Role::Viewer, &format!("/api/v1/runs/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api.get(Role::Viewer, &format!("/api/v1/runs/{b}/segments")).await;
    assert_eq!(status, StatusCode::OK, "the other run stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_past_the_limit_or_unreadable_are_not_kept() {
    let server = Server::start(64 * 1024);
    let api = Api::new(&server);
    let (status, problem) = api.upload(Role::Analyst, "cdnow.csv", "transactions", cdnow()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("65536 bytes")), "{problem}");
    // a body without a length, streamed past the limit, is cut off the same way
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = cdnow().chunks(8192).map(|c| Ok(c.to_vec())).collect();
    let r = api
        .http
        .post(api.url("/api/v1/datasets?name=big.csv"))
        .bearer_auth(server.token(Role::Analyst))
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (status, problem) =
        api.upload(Role::Analyst, "notes.csv", "transactions", b"just,some\ntext,here\n".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let detail = problem["detail"].as_str().expect("detail");
    assert!(detail.contains("notes.csv") && detail.contains("customer"), "{detail}");
    assert_eq!(std::fs::read_dir(server.uploads()).expect("uploads").count(), 0, "nothing kept");
    let (_, list) = api.get(Role::Analyst, "/api/v1/datasets").await;
    assert_eq!(list, serde_json::json!([]));
    let (status, problem) = api.upload(Role::Analyst, "../../etc", "transactions", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the name is cleaned to a plain file name: {problem}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_run_requests_say_what_is_wrong() {
    let server = Server::start(50 << 20);
    let api = Api::new(&server);
    let (_, log) = api.upload(Role::Analyst, "cdnow.csv", "transactions", cdnow()).await;
    let cases = [
        (serde_json::json!({ "transactions": 99 }), StatusCode::BAD_REQUEST, "no dataset 99"),
        (
            serde_json::json!({ "transactions": log["id"], "as_of": "1998-02-30" }),
            StatusCode::BAD_REQUEST,
            "1998-02-30",
        ),
        (
            serde_json::json!({ "transactions": log["id"], "colour": 1 }),
            StatusCode::BAD_REQUEST,
            "unknown field `colour`",
        ),
        (
            serde_json::json!({ "transactions": log["id"], "config": "[abc]\na_share = 2.0\n" }),
            StatusCode::BAD_REQUEST,
            "a_share",
        ),
        (serde_json::json!({ "transactions": log["id"], "model": 7 }), StatusCode::NOT_FOUND, "no run 7"),
    ];
    for (body, want, says) in cases {
        let (status, problem) = api.post(Role::Analyst, "/api/v1/runs", body.clone()).await;
        assert_eq!(status, want, "{body}: {problem}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(says), "{body}: {detail}");
        assert_eq!(problem["status"].as_u64(), Some(u64::from(want.as_u16())));
    }
    // a run that fails on its data says why, as the command line does
    let (_, empty) = api
        .upload(
            Role::Analyst,
            "future.csv",
            "transactions",
            b"customer_id,order_date,amount\na,2020-01-05,5\n".to_vec(),
        )
        .await;
    let failed = api.run(serde_json::json!({ "transactions": empty["id"], "as_of": "2019-01-01" })).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"].as_str().is_some_and(|e| e.contains("no rows were kept") || e.contains("no customers")),
        "{failed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_run_can_be_cancelled_by_an_analyst() {
    let server = Server::start(50 << 20);
    let api = Api::new(&server);
    let (_, log) = api.upload(Role::Analyst, "cdnow.csv", "transactions", cdnow()).await;
    let body = serde_json::json!({ "transactions": log["id"] });
    let (_, first) = api.post(Role::Analyst, "/api/v1/runs", body.clone()).await;
    let (_, second) = api.post(Role::Analyst, "/api/v1/runs", body).await;
    // runs go one at a time: the second waits for the first, and is cancelled while it waits
    let id = second["id"].as_i64().expect("id");
    let del = |role: Role| {
        api.http.delete(api.url(&format!("/api/v1/runs/{id}"))).bearer_auth(server.token(role).to_string()).send()
    };
    assert_eq!(del(Role::Viewer).await.expect("send").status(), StatusCode::FORBIDDEN);
    assert_eq!(del(Role::Analyst).await.expect("send").status(), StatusCode::ACCEPTED);
    let t = Instant::now();
    let ended = loop {
        let (_, run) = api.get(Role::Viewer, &format!("/api/v1/runs/{id}")).await;
        if !matches!(run["status"].as_str(), Some("queued" | "running")) {
            break run;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "{run}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ended["status"], "cancelled", "{ended}");
    assert!(ended["summary"].is_null());
    let (_, first) = api.get(Role::Viewer, &format!("/api/v1/runs/{}", first["id"])).await;
    let first = if first["status"] == "done" { first } else { api.run_wait(first["id"].as_i64().expect("id")).await };
    assert_eq!(first["status"], "done", "the first run is not disturbed");
    let (_, audit) = api.get(Role::Admin, "/api/v1/audit").await;
    assert!(audit.as_array().expect("log").iter().any(|e| e["action"] == "run.cancel" && e["actor"] == "analyst"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_personal_columns_are_left_out_of_runs_and_masked() {
    let server = Server::start(50 << 20);
    let api = Api::new(&server);
    let (_, log) = api.upload(Role::Analyst, "cdnow.csv", "transactions", cdnow()).await;
    let (_, master) = api.upload(Role::Analyst, "people.csv", "customers", cdnow_master()).await;
    let config = "[privacy]\npii = [\"region\"]\n";
    let run =
        api.run(serde_json::json!({ "transactions": log["id"], "customers": master["id"], "config": config })).await;
    assert_eq!(run["status"], "done", "{run}");
    let (_, c) = api.get(Role::Viewer, "/api/v1/customers/0004").await;
    assert!(c["features"].get("region").is_none(), "the run never read it: {}", c["features"]);
    let region = c["attributes"]["region"].as_str().expect("region");
    assert!(region.ends_with("***") && region.len() == 4, "masked: {region}");
    let (_, full) = api.get(Role::Analyst, "/api/v1/customers/0004").await;
    assert!(["north", "south"].contains(&full["attributes"]["region"].as_str().expect("region")));
}

/// A log of 200 customers: the even ones buy tea with cake, the odd ones tea alone now and then;
/// every order also has one product of a long tail.
fn tea_and_cake() -> Vec<u8> {
    let mut s = String::from("customer_id,order_id,order_date,product,amount\n");
    let mut state = 11u64;
    let mut below = |n: u64| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    for c in 0..200u64 {
        for d in 0..3u64 {
            let date = format!("2024-{:02}-{:02}", 1 + d, 1 + below(28));
            let mut items = vec![format!("p{:02}", below(15))];
            if c.is_multiple_of(2) {
                items.extend(["tea".to_string(), "cake".to_string()]);
            } else if below(10) < 3 {
                items.push("tea".into());
            }
            for i in items {
                s.push_str(&format!("C{c:03},O{c}-{d},{date},{i},{}.00\n", 3 + below(20)));
            }
        }
    }
    s.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_gets_recommendations_with_reasons_in_both_languages() {
    let server = Server::start(50 << 20);
    let api = Api::new(&server);
    let (status, log) = api.upload(Role::Analyst, "shop.csv", "transactions", tea_and_cake()).await;
    assert_eq!(status, StatusCode::CREATED, "{log}");
    let run = api.run(serde_json::json!({ "transactions": log["id"] })).await;
    assert_eq!(run["status"], "done", "{run}");
    // an odd customer who bought tea but never cake: the rule tea => cake names cake first
    let csv = std::fs::read_to_string(
        server.dir.path().join("data").join("runs").join(run["id"].to_string()).join("recommendations.csv"),
    )
    .unwrap_or_default();
    let who = (0..200)
        .filter(|c| c % 2 == 1)
        .map(|c| format!("C{c:03}"))
        .find(|id| csv.lines().any(|l| l.starts_with(&format!("{id},1,cake,")) && l.contains(",rule,")))
        .expect("a customer recommended cake by a rule");
    let (status, r) = api.get(Role::Viewer, &format!("/api/v1/customers/{who}/recommendations")).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let items = r["items"].as_array().expect("items");
    assert_eq!(items.len(), 5, "{r}");
    assert_eq!(items[0]["item"], "cake");
    assert_eq!(items[0]["source"], "rule");
    assert_eq!(items[0]["because"], serde_json::json!(["tea"]));
    let en = items[0]["reason"]["en"].as_str().expect("en");
    assert!(en.starts_with("bought tea → cake (confidence "), "{en}");
    assert!(items[0]["reason"]["zh"].as_str().is_some_and(|z| z.starts_with("买过 tea → cake（置信度")));
    let ranks: Vec<u64> = items.iter().map(|i| i["rank"].as_u64().expect("rank")).collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5]);
    // nothing the customer already bought
    let log = String::from_utf8(tea_and_cake()).expect("utf-8");
    let bought: Vec<&str> =
        log.lines().filter(|l| l.starts_with(&format!("{who},"))).filter_map(|l| l.split(',').nth(3)).collect();
    assert!(items.iter().all(|i| !bought.contains(&i["item"].as_str().unwrap_or(""))), "{r} {bought:?}");
    // an unknown customer is 404; the customer page shows the list in the reader's language
    let (status, _) = api.get(Role::Viewer, "/api/v1/customers/nobody/recommendations").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, page) = api.text(Role::Viewer, &format!("/customers/{who}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"recommendations\"") && page.contains("bought tea → cake"), "{page}");
}
