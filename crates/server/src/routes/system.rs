//! Health, the OpenAPI document, and the answer for paths no route has.

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::error::ApiError;
use crate::state::AppState;

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the store answers, else `degraded`.
    pub status: &'static str,
    /// Whether the store answers.
    pub store: bool,
    /// custseg's version.
    pub version: &'static str,
}

/// Liveness: the server answers, whether its store does, and its version.
#[utoipa::path(get, path = "/api/v1/health", tag = "system", responses((status = 200, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    let store = state.db(|s| s.users().map(|_| ())).await.is_ok();
    Json(Health { status: if store { "ok" } else { "degraded" }, store, version: env!("CARGO_PKG_VERSION") })
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system", responses((status = 200, description = "OpenAPI 3.1")))]
pub async fn openapi() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], ApiDoc::openapi_json()).into_response()
}

/// Any path no route has.
pub async fn not_found(uri: Uri, headers: axum::http::HeaderMap) -> Response {
    let e = ApiError::NotFound(format!("no such page: {}", uri.path()));
    if uri.path().starts_with(crate::routes::API) {
        e.into_response()
    } else {
        crate::pages::problem_page(e.status(), &headers, &e.detail())
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("cs_...").build()),
        );
    }
}

/// The API's OpenAPI document, generated from the handlers' annotations.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "custseg", description = "Customer classification: runs, segments, customers, exports. Every route but health and this document takes `Authorization: Bearer TOKEN` (`custseg user add`)."),
    paths(
        health,
        openapi,
        super::datasets::upload,
        super::datasets::list,
        super::runs::start,
        super::runs::list,
        super::runs::one,
        super::runs::remove,
        super::runs::segments,
        super::runs::report,
        super::runs::diff,
        super::segments::members,
        super::segments::export,
        super::customers::search,
        super::customers::one,
        super::customers::recommendations,
        super::runs::alerts,
        super::runs::playbook,
        super::admin::audit,
        super::admin::users,
        super::admin::add_user,
        super::admin::revoke_user,
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&BearerAuth),
    security(("token" = []))
)]
pub struct ApiDoc;

impl ApiDoc {
    /// The document as JSON.
    pub fn openapi_json() -> String {
        <ApiDoc as OpenApi>::openapi().to_pretty_json().unwrap_or_default()
    }
}
