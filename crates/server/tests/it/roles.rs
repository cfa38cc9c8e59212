//! Deny by default: every route of the table, without a token and with each lower role.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use custseg_server::access::Surface;
use custseg_server::auth::Access;
use custseg_server::routes::table;
use custseg_server::{Role, app};
use tower::ServiceExt;

use crate::Server;

/// A route's path with its parameters filled in.
fn fill(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{a}", "1")
        .replace("{b}", "2")
        .replace("{scheme}", "rfm_segment")
        .replace("{label}", "champions")
        .replace("{name}", "someone")
        .replace("{file}", "app.css")
}

async fn status(app: &axum::Router, method: &axum::http::Method, path: &str, token: Option<&str>) -> StatusCode {
    let mut req = Request::builder().method(method.clone()).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    app.clone().oneshot(req.body(Body::empty()).expect("request")).await.expect("response").status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_without_a_token_and_below_its_role() {
    let server = Server::start(1 << 20);
    let app = app(server.state.clone());
    let routes = table();
    let public: BTreeSet<(String, &str)> =
        routes.iter().filter(|r| r.access == Access::Public).map(|r| (r.method.to_string(), r.path)).collect();
    // the only routes anyone may call: liveness, the API document, logging in, the language
    // switch and the stylesheet and script
    let expected: BTreeSet<(String, &str)> = [
        ("GET", "/api/v1/health"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/lang"),
        ("GET", "/assets/{file}"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_string(), p))
    .collect();
    assert_eq!(public, expected);
    let mut checked = 0;
    for r in routes.iter().filter(|r| r.access != Access::Public) {
        let Access::Least(least) = r.access else { continue };
        let path = fill(r.path);
        assert_eq!(
            status(&app, &r.method, &path, None).await,
            StatusCode::UNAUTHORIZED,
            "{} {path} without a token",
            r.method
        );
        assert_eq!(
            status(&app, &r.method, &path, Some("cs_0000")).await,
            StatusCode::UNAUTHORIZED,
            "{} {path} with an unknown token",
            r.method
        );
        for lower in Role::ALL.into_iter().filter(|x| *x < least) {
            let got = status(&app, &r.method, &path, Some(server.token(lower))).await;
            assert_eq!(got, StatusCode::FORBIDDEN, "{} {path} as {lower}", r.method);
        }
        let got = status(&app, &r.method, &path, Some(server.token(least))).await;
        assert!(
            got != StatusCode::UNAUTHORIZED && got != StatusCode::FORBIDDEN,
            "{} {path} as {least}: {got}",
            r.method
        );
        checked += 1;
    }
    assert_eq!(checked, routes.len() - expected.len());
    assert!(checked >= 30, "only {checked} routes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_refused_and_pages_show_the_login() {
    let server = Server::start(1 << 20);
    let app = app(server.state.clone());
    let viewer = server.token(Role::Viewer).to_string();
    let get = axum::http::Method::GET;
    assert_eq!(status(&app, &get, "/api/v1/playbook", Some(&viewer)).await, StatusCode::OK);
    let mut store = custseg_server::accounts::open(&server.state.options.store).expect("store");
    custseg_server::accounts::revoke(&mut store, "viewer", "test").expect("revoke");
    assert_eq!(status(&app, &get, "/api/v1/playbook", Some(&viewer)).await, StatusCode::UNAUTHORIZED);
    // a page without a session is the login form, with 401
    let r = app.clone().oneshot(Request::get("/segments").body(Body::empty()).expect("req")).await.expect("resp");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.expect("body");
    assert!(String::from_utf8_lossy(&body).contains("name=\"token\""));
}

#[test]
fn the_openapi_document_has_every_api_route_and_no_other() {
    let doc: serde_json::Value =
        serde_json::from_str(&custseg_server::routes::system::ApiDoc::openapi_json()).expect("json");
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let routed: BTreeSet<(String, String)> = table()
        .iter()
        .filter(|r| r.surface == Surface::Api)
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, routed);
}
