//! The access layer every route is built with: who is calling (a Bearer token, or the
//! dashboard's session cookie), whether their role may use the route, and, for a form or script
//! posting with the session cookie, the session's CSRF token. Denied by default: a route exists
//! only with its declared [`Access`] (see `routes::table`).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{self, Access, Caller, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// The dashboard's session cookie.
pub const SESSION_COOKIE: &str = "custseg_session";
/// The header a script sends the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field a page posts it in.
pub const CSRF_FIELD: &str = "csrf";
/// The largest form body read to find the CSRF token.
const FORM_LIMIT: usize = 64 * 1024;

/// Where a route answers: JSON problem details, or a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/api/v1/...`: JSON.
    Api,
    /// The dashboard: HTML.
    Page,
}

/// The layer's state: the app and the route's declared access.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The app.
    pub state: AppState,
    /// Who the route lets in.
    pub access: Access,
    /// How it answers a refusal.
    pub surface: Surface,
}

/// The middleware: authenticates, authorises, checks CSRF, then calls the route with the
/// [`Caller`] in the request's extensions.
pub async fn guard(State(g): State<Guard>, req: Request, next: Next) -> Response {
    let least = match g.access {
        Access::Public => {
            // public pages still know who is logged in (the login page, the menu)
            let mut req = req;
            if let Ok(Some(caller)) = identify(&g.state, req.headers()).await {
                req.extensions_mut().insert(caller);
            }
            return next.run(req).await;
        }
        Access::Least(role) => role,
    };
    let headers = req.headers().clone();
    match admit(&g.state, least, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => refuse(g.surface, e, &headers),
    }
}

async fn admit(state: &AppState, least: Role, mut req: Request) -> Result<Request, ApiError> {
    let caller = identify(state, req.headers())
        .await?
        .ok_or_else(|| ApiError::Unauthorized("log in first: send `Authorization: Bearer TOKEN`".into()))?;
    if !caller.is(least) {
        return Err(ApiError::Forbidden(format!("this needs the {least} role; `{}` is {}", caller.name, caller.role)));
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && let Some(expected) = caller.csrf.clone() {
        req = check_csrf(req, &expected).await?;
    }
    req.extensions_mut().insert(caller);
    Ok(req)
}

/// The caller a request's credentials name: the Bearer token first, then the session cookie.
/// `Ok(None)` when it has none; a token or session the store does not know is refused.
pub async fn identify(state: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| ApiError::Unauthorized("the Authorization header must be `Bearer TOKEN`".into()))?;
        let hashed = auth::hash(token);
        let key = hashed.clone();
        let found = state.db(move |s| s.user_by_token(&key)).await?;
        return match found {
            Some((user, stored)) if auth::same(&stored, &hashed) => Ok(Some(caller_of(user, None)?)),
            _ => Err(ApiError::Unauthorized("the token is not valid (revoked, or never issued)".into())),
        };
    }
    let Some(session) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let hashed = auth::hash(&session);
    let key = hashed.clone();
    let found = state.db(move |s| s.session(&key)).await?;
    match found {
        Some((user, stored, csrf)) if auth::same(&stored, &hashed) => Ok(Some(caller_of(user, Some(csrf))?)),
        // an expired or ended session is no session: the login page is shown
        _ => Ok(None),
    }
}

fn caller_of(user: custseg_engine::store::User, csrf: Option<String>) -> Result<Caller, ApiError> {
    let role = user.role.parse::<Role>().map_err(ApiError::Internal)?;
    Ok(Caller { id: user.id, name: user.name, role, csrf })
}

/// A cookie's value.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A request posted with the session cookie carries the session's CSRF token, in the
/// `X-CSRF-Token` header (scripts) or the form's `csrf` field (pages).
async fn check_csrf(req: Request, expected: &str) -> Result<Request, ApiError> {
    let forbidden = || ApiError::Forbidden("the form's CSRF token is missing or stale; reload the page".into());
    if let Some(v) = req.headers().get(CSRF_HEADER) {
        return match v.to_str() {
            Ok(v) if auth::same(v, expected) => Ok(req),
            _ => Err(forbidden()),
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(forbidden());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| ApiError::BadRequest(format!("a form may be at most {FORM_LIMIT} bytes")))?;
    let token = form_field(&bytes, CSRF_FIELD).ok_or_else(forbidden)?;
    if !auth::same(&token, expected) {
        return Err(forbidden());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// A field of a URL-encoded form.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn refuse(surface: Surface, e: ApiError, headers: &HeaderMap) -> Response {
    match surface {
        Surface::Api => e.into_response(),
        Surface::Page => {
            let status = e.status();
            if status == StatusCode::UNAUTHORIZED {
                crate::pages::login_page(status, headers, false)
            } else {
                crate::pages::problem_page(status, headers, &e.detail())
            }
        }
    }
}
