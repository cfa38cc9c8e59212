//! Admin: the audit log and the accounts.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use custseg_engine::store::{AuditEntry, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::accounts;
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Which entries.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// How many (1 to 1000, default 100).
    pub limit: Option<usize>,
    /// Entries before this id (the last id of the previous page).
    pub before: Option<i64>,
}

/// The audit log, newest first: every export, run, upload and account change.
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, description = "entries: id, at, actor, action, target, params", body = Vec<Object>)))]
pub async fn audit(State(state): State<AppState>, Query(q): Query<AuditQuery>) -> ApiResult<Json<Vec<AuditEntry>>> {
    let limit = match q.limit {
        None => 100,
        Some(n @ 1..=1000) => n,
        Some(n) => return Err(ApiError::BadRequest(format!("limit must be 1 to 1000, got {n}"))),
    };
    Ok(Json(state.db(move |s| s.audit_log(limit, q.before)).await?))
}

/// The accounts (never their tokens).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin",
    responses((status = 200, description = "accounts: id, name, role, created_at, revoked_at", body = Vec<Object>)))]
pub async fn users(State(state): State<AppState>) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(state.db(|s| accounts::list(s)).await?))
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login name.
    pub name: String,
    /// `viewer`, `analyst` or `admin`.
    pub role: String,
}

/// The new account's token, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewToken {
    /// The name.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The token: give it to its owner now; it is stored only hashed.
    pub token: String,
}

/// Adds an account and returns its token, once.
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = NewUser,
    responses((status = 201, body = NewToken), (status = 400, body = crate::error::Problem)))]
pub async fn add_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<NewUser>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let role: Role = body.role.parse().map_err(ApiError::BadRequest)?;
    let (name, who) = (body.name.clone(), caller.name.clone());
    let token = state.db(move |s| accounts::add(s, &name, role, &who)).await?;
    Ok((StatusCode::CREATED, Json(NewToken { name: body.name, role, token })))
}

/// Revokes an account's token and ends its sessions.
#[utoipa::path(delete, path = "/api/v1/users/{name}", tag = "admin", params(("name" = String, Path, description = "login name")),
    responses((status = 204, description = "revoked"), (status = 400, body = crate::error::Problem)))]
pub async fn revoke_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    if name == caller.name {
        return Err(ApiError::Conflict(
            "an admin cannot revoke their own account here; use `custseg user revoke`".into(),
        ));
    }
    let who = caller.name.clone();
    state.db(move |s| accounts::revoke(s, &name, &who)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether a caller is an admin (pages show admin controls by it).
pub fn is_admin(c: &Caller) -> bool {
    c.is(Role::Admin)
}
