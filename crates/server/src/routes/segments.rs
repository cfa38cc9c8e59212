//! A segment's members, paged, and its export as CSV (streamed, audit-logged).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use utoipa::IntoParams;

use custseg_engine::catalog::Names;
use custseg_engine::store::SchemeLabels;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::index::Sort;
use crate::routes::customers::{CustomerPage, Loaded, limit_of, load};
use crate::state::AppState;

/// Which page of members.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MembersQuery {
    /// A run id or `latest` (default).
    pub run: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    pub limit: Option<usize>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// `id` (default), `monetary` or `clv` (highest first), `recency` (most recent first); ties by
    /// customer id.
    pub sort: Option<Sort>,
}

/// The run's scheme and the label's names, or 404 naming what the run has.
pub fn check_label<'a>(l: &'a Loaded, scheme: &str, label: &str) -> ApiResult<(&'a SchemeLabels, &'a Names)> {
    let s = l
        .run
        .schemes
        .iter()
        .find(|s| s.scheme == scheme)
        .ok_or_else(|| ApiError::NotFound(format!("run {} has no scheme `{scheme}`", l.run.id)))?;
    match s.labels.iter().find(|(id, _)| id == label) {
        Some((_, names)) => Ok((s, names)),
        None => {
            let known: Vec<&str> = s.labels.iter().map(|(id, _)| id.as_str()).collect();
            Err(ApiError::NotFound(format!(
                "scheme `{scheme}` has no label `{label}`; its labels: {}",
                known.join(", ")
            )))
        }
    }
}

/// The members of a segment, a page at a time.
#[utoipa::path(get, path = "/api/v1/segments/{scheme}/{label}/customers", tag = "segments",
    params(("scheme" = String, Path, description = "scheme id, e.g. rfm_segment"), ("label" = String, Path, description = "label id, e.g. champions"), MembersQuery),
    responses((status = 200, body = CustomerPage), (status = 404, body = crate::error::Problem)))]
pub async fn members(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((scheme, label)): Path<(String, String)>,
    Query(q): Query<MembersQuery>,
) -> ApiResult<Json<CustomerPage>> {
    let limit = limit_of(q.limit)?;
    let l = load(&state, q.run.as_deref(), &caller).await?;
    check_label(&l, &scheme, &label)?;
    let page = tokio::task::spawn_blocking(move || {
        let rows = l.index.members(&scheme, &label, q.sort.unwrap_or(Sort::Id));
        l.page(&rows, q.cursor.as_deref(), limit, Some(&scheme))
    })
    .await??;
    Ok(Json(page))
}

/// What to export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// A run id or `latest` (default).
    pub run: Option<String>,
    /// `true`: personal data as it is (the export is audit-logged as personal); otherwise
    /// masked.
    #[serde(default)]
    pub personal: bool,
}

/// Every member of a segment as CSV: customers.csv's columns, then the master attributes;
/// streamed, and written to the audit log.
#[utoipa::path(get, path = "/api/v1/segments/{scheme}/{label}/export.csv", tag = "segments",
    params(("scheme" = String, Path, description = "scheme id"), ("label" = String, Path, description = "label id"), ExportQuery),
    responses((status = 200, content_type = "text/csv", description = "the members"), (status = 404, body = crate::error::Problem)))]
pub async fn export(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((scheme, label)): Path<(String, String)>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let mut l = load(&state, q.run.as_deref(), &caller).await?;
    check_label(&l, &scheme, &label)?;
    l.privacy.reveal = q.personal;
    let rows = l.index.members(&scheme, &label, Sort::Id);
    let (who, target) = (caller.name.clone(), format!("segment {scheme}/{label} of run {}", l.run.id));
    let params = serde_json::json!({ "run": l.run.id, "scheme": scheme, "label": label, "customers": rows.len(), "personal": q.personal });
    state.db(move |s| s.audit(&who, "export", &target, &params)).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        let master_header: Vec<String> = l.master.as_ref().map(|m| m.header[1..].to_vec()).unwrap_or_default();
        let mut buf = Vec::with_capacity(1 << 16);
        let header: Vec<&str> = l.index.header.iter().chain(&master_header).map(String::as_str).collect();
        line(&mut buf, header.iter().copied());
        for &r in rows.iter() {
            let row = r as usize;
            let record = match l.index.record(row) {
                Ok(rec) => rec,
                Err(e) => {
                    let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
                    return;
                }
            };
            let attributes = l.attributes(l.index.id(row)).unwrap_or_default();
            let mut values: Vec<String> = record.iter().map(|(k, v)| l.privacy.show(k, v)).collect();
            values.extend(
                master_header
                    .iter()
                    .map(|h| attributes.iter().find(|(k, _)| k == h).map(|(_, v)| v.clone()).unwrap_or_default()),
            );
            line(&mut buf, values.iter().map(String::as_str));
            if buf.len() >= 1 << 16 && tx.blocking_send(Ok(std::mem::take(&mut buf))).is_err() {
                return;
            }
        }
        let _ = tx.blocking_send(Ok(buf));
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    let file = format!("{}_{}.csv", safe(&scheme), safe(&label));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

fn safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
}

/// Appends one CSV line (RFC 4180: fields with a comma, quote or line break are quoted).
pub fn line<'a>(buf: &mut Vec<u8>, fields: impl Iterator<Item = &'a str>) {
    for (k, f) in fields.enumerate() {
        if k > 0 {
            buf.push(b',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            buf.push(b'"');
            buf.extend_from_slice(f.replace('"', "\"\"").as_bytes());
            buf.push(b'"');
        } else {
            buf.extend_from_slice(f.as_bytes());
        }
    }
    buf.push(b'\n');
}
