//! The dashboard: pages rendered on the server from templates compiled into the binary, one
//! small script of ours (upload, start a run, watch its progress), no CDN, no build step. The
//! pages read the same engine calls as the API and mask personal data the same way.
//!
//! Login: the token `custseg user add` printed, posted once; the server then keeps a session
//! (cookie `HttpOnly; SameSite=Strict`, its value stored hashed, 12 hours) with a CSRF token that
//! every form post and script request carries.

mod views;
mod words;

use std::sync::OnceLock;

use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use custseg_engine::Lang;
use minijinja::Environment;
use serde::{Deserialize, Serialize};

use crate::access::{SESSION_COOKIE, cookie};
use crate::auth::{self, Access, Caller, Role};
use crate::error::ApiError;
use crate::state::AppState;

pub use words::words;

/// The language cookie.
const LANG_COOKIE: &str = "custseg_lang";
/// The login form's CSRF cookie (double submit: the form carries the same value).
const LOGIN_COOKIE: &str = "custseg_login";
/// How long a session lasts.
const SESSION_HOURS: i64 = 12;

/// The dashboard's routes: method, path, access, handler.
pub fn routes() -> Vec<(Method, &'static str, Access, MethodRouter<AppState>)> {
    use Method as M;
    let viewer = Access::Least(Role::Viewer);
    let admin = Access::Least(Role::Admin);
    vec![
        (M::GET, "/", viewer, get(views::overview)),
        (M::GET, "/login", Access::Public, get(login_form)),
        (M::POST, "/login", Access::Public, post(login)),
        (M::POST, "/logout", viewer, post(logout)),
        (M::GET, "/lang", Access::Public, get(switch_lang)),
        (M::GET, "/assets/{file}", Access::Public, get(asset)),
        (M::GET, "/segments", viewer, get(views::segments)),
        (M::GET, "/segments/{scheme}/{label}", viewer, get(views::segment)),
        (M::GET, "/customers", viewer, get(views::customers)),
        (M::GET, "/customers/{id}", viewer, get(views::customer)),
        (M::GET, "/runs", viewer, get(views::runs)),
        (M::GET, "/runs/{id}", viewer, get(views::run)),
        (M::GET, "/runs/{a}/diff/{b}", viewer, get(views::diff)),
        (M::GET, "/users", admin, get(views::users)),
        (M::POST, "/users", admin, post(views::add_user)),
        (M::POST, "/users/{name}/revoke", admin, post(views::revoke_user)),
    ]
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, text) in TEMPLATES {
            // a template that does not parse fails the test that renders every page
            if let Err(e) = env.add_template(name, text) {
                tracing::error!(template = name, error = %e, "template does not parse");
            }
        }
        env.add_filter("money", |v: f64| custseg_report::svg::Format::Money.full(v));
        env.add_filter("count", |v: f64| custseg_report::svg::Format::Count.full(v));
        env.add_filter("percent", |v: f64| custseg_report::svg::Format::Percent.full(v));
        env
    })
}

const TEMPLATES: [(&str, &str); 12] = [
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("problem.html", include_str!("../../templates/problem.html")),
    ("overview.html", include_str!("../../templates/overview.html")),
    ("segments.html", include_str!("../../templates/segments.html")),
    ("segment.html", include_str!("../../templates/segment.html")),
    ("customers.html", include_str!("../../templates/customers.html")),
    ("customer.html", include_str!("../../templates/customer.html")),
    ("runs.html", include_str!("../../templates/runs.html")),
    ("run.html", include_str!("../../templates/run.html")),
    ("diff.html", include_str!("../../templates/diff.html")),
    ("users.html", include_str!("../../templates/users.html")),
];

/// What every page knows: the reader's language and who they are.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    /// `zh` or `en`.
    pub lang: &'static str,
    /// The words in that language.
    pub w: std::collections::BTreeMap<&'static str, &'static str>,
    /// The account, when logged in.
    pub user: Option<UserFrame>,
    /// The session's CSRF token (forms post it).
    pub csrf: String,
    /// This page's path and query (the language switch comes back to it).
    pub here: String,
}

/// The logged-in account as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct UserFrame {
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// At least analyst.
    pub analyst: bool,
    /// Admin.
    pub admin: bool,
}

impl Frame {
    /// The frame of a request.
    pub fn of(headers: &HeaderMap, caller: Option<&Caller>, here: &str) -> Frame {
        let lang = lang_of(headers);
        Frame {
            lang: if lang == Lang::Zh { "zh" } else { "en" },
            w: words(lang),
            user: caller.map(|c| UserFrame {
                name: c.name.clone(),
                role: c.role,
                analyst: c.is(Role::Analyst),
                admin: c.is(Role::Admin),
            }),
            csrf: caller.and_then(|c| c.csrf.clone()).unwrap_or_default(),
            here: here.to_string(),
        }
    }

    /// The language.
    pub fn language(&self) -> Lang {
        if self.lang == "zh" { Lang::Zh } else { Lang::En }
    }
}

/// A page request's reader: the logged-in account (the access layer put it in the request) and
/// the frame of the page. A handler that takes it cannot render for nobody.
#[derive(Debug, Clone)]
pub struct Reader {
    /// The account.
    pub caller: Caller,
    /// The page's frame.
    pub frame: Frame,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Reader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Reader, Response> {
        let Some(caller) = parts.extensions.get::<Caller>().cloned() else {
            return Err(login_page(StatusCode::UNAUTHORIZED, &parts.headers, false));
        };
        let uri =
            parts.extensions.get::<axum::extract::OriginalUri>().map_or_else(|| parts.uri.clone(), |u| u.0.clone());
        let here = uri.path_and_query().map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
        Ok(Reader { frame: Frame::of(&parts.headers, Some(&caller), &here), caller })
    }
}

/// The reader's language: the cookie, else the browser's first preference, else English.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    match cookie(headers, LANG_COOKIE).as_deref() {
        Some("zh") => return Lang::Zh,
        Some("en") => return Lang::En,
        _ => {}
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.trim_start().to_ascii_lowercase().starts_with("zh") { Lang::Zh } else { Lang::En }
}

/// Renders a template with the frame and the page's own values.
pub fn render(status: StatusCode, template: &str, frame: &Frame, page: impl Serialize) -> Response {
    let ctx = minijinja::context! { f => frame, p => page };
    match env().get_template(template).and_then(|t| t.render(ctx)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(template, error = %e, "a page could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<!doctype html><title>custseg</title><p>The page could not be rendered; the cause is in the server's log.</p>".to_string())).into_response()
        }
    }
}

/// The login page (what a request without a session gets, with 401), in the reader's language.
pub fn login_page(status: StatusCode, headers: &HeaderMap, failed: bool) -> Response {
    let mut frame = Frame::of(headers, None, "/");
    let nonce = auth::random_hex(16).unwrap_or_default();
    frame.csrf = nonce.clone();
    let mut r = render(status, "login.html", &frame, minijinja::context! { failed => failed });
    if let Ok(v) = format!("{LOGIN_COOKIE}={nonce}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600").parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// A page saying what went wrong (404, 403, 422 ...), in the reader's language.
pub fn problem_page(status: StatusCode, headers: &HeaderMap, detail: &str) -> Response {
    let frame = Frame::of(headers, None, "/");
    render(status, "problem.html", &frame, minijinja::context! { status => status.as_u16(), detail => detail })
}

/// A page for an error, in the reader's language and frame.
pub fn error_page(frame: &Frame, e: &ApiError) -> Response {
    if let ApiError::Internal(cause) = e {
        tracing::error!(%cause, "a page failed");
    }
    let status = e.status();
    render(status, "problem.html", frame, minijinja::context! { status => status.as_u16(), detail => e.detail() })
}

async fn login_form(headers: HeaderMap, caller: Option<Extension<Caller>>) -> Response {
    if caller.is_some() {
        return Redirect::to("/").into_response();
    }
    login_page(StatusCode::OK, &headers, false)
}

/// The login form.
#[derive(Debug, Deserialize)]
struct LoginForm {
    token: String,
    csrf: String,
}

async fn login(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<LoginForm>) -> Response {
    let nonce = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if nonce.is_empty() || !auth::same(&nonce, &form.csrf) {
        return problem_page(
            StatusCode::FORBIDDEN,
            &headers,
            "the login form expired; reload the page and log in again",
        );
    }
    let hashed = auth::hash(form.token.trim());
    let key = hashed.clone();
    let found = state.db(move |s| s.user_by_token(&key)).await;
    let user = match found {
        Ok(Some((user, stored))) if auth::same(&stored, &hashed) => user,
        Ok(_) => return login_page(StatusCode::UNAUTHORIZED, &headers, true),
        Err(e) => return error_page(&Frame::of(&headers, None, "/login"), &e),
    };
    let (Ok(session), Ok(csrf)) = (auth::random_hex(32), auth::random_hex(32)) else {
        return error_page(&Frame::of(&headers, None, "/login"), &ApiError::internal("no randomness for a session"));
    };
    let expires =
        (chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (hashed, name, id) = (auth::hash(&session), user.name.clone(), user.id);
    let saved = state
        .db(move |s| {
            s.add_session(&hashed, id, &csrf, &expires)?;
            s.audit(&name, "login", &format!("user {name}"), &serde_json::json!({}))
        })
        .await;
    if let Err(e) = saved {
        return error_page(&Frame::of(&headers, None, "/login"), &e);
    }
    let secure = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    let cookie = format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if secure { "; Secure" } else { "" }
    );
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) = cookie.parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    if let Ok(v) = format!("{LOGIN_COOKIE}=; Path=/login; Max-Age=0").parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        let hashed = auth::hash(&session);
        let _ = state.db(move |s| s.drop_session(&hashed)).await;
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0").parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    to: String,
    back: Option<String>,
}

async fn switch_lang(Query(q): Query<LangQuery>) -> Response {
    let lang = if q.to == "zh" { "zh" } else { "en" };
    // only a path of this site: never an open redirect
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let mut r = Redirect::to(&back).into_response();
    if let Ok(v) = format!("{LANG_COOKIE}={lang}; Path=/; SameSite=Strict; Max-Age=31536000").parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn asset(axum::extract::Path(file): axum::extract::Path<String>, headers: HeaderMap) -> Response {
    let (body, kind): (&'static str, &str) = match file.as_str() {
        "app.css" => (include_str!("../../templates/app.css"), "text/css; charset=utf-8"),
        "app.js" => (include_str!("../../templates/app.js"), "text/javascript; charset=utf-8"),
        _ => return problem_page(StatusCode::NOT_FOUND, &headers, &format!("no such asset: {file}")),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses() {
        let mut env = minijinja::Environment::new();
        for (name, text) in super::TEMPLATES {
            env.add_template(name, text).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn the_login_page_renders_in_both_languages() {
        for lang in ["en", "zh"] {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(axum::http::header::COOKIE, format!("custseg_lang={lang}").parse().expect("test setup"));
            let frame = super::Frame::of(&headers, None, "/");
            let ctx = minijinja::context! { f => frame, p => minijinja::context! { failed => true } };
            let html =
                super::env().get_template("login.html").and_then(|t| t.render(ctx)).unwrap_or_else(|e| panic!("{e:#}"));
            assert!(html.contains(if lang == "zh" { "登录" } else { "Log in" }));
        }
    }
}
