//! Uploads: a transaction log or a customer master file, streamed to disk under the size limit,
//! then inspected. A file that is too large or that custseg cannot read is not kept.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::{Extension, Json};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A transaction log.
    #[default]
    Transactions,
    /// A customer master file.
    Customers,
}

/// An upload's name and kind.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadQuery {
    /// The file's name (its extension says its format: .csv, .tsv, .txt, .parquet, .json, .jsonl).
    pub name: String,
    /// `transactions` (default) or `customers`.
    #[serde(default)]
    pub kind: Kind,
}

/// An uploaded file.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetView {
    /// Its id (give it to `POST /runs`).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `transactions` or `customers`.
    pub kind: Kind,
    /// Its size in bytes.
    pub bytes: i64,
    /// Who uploaded it.
    pub created_by: String,
    /// When (UTC).
    pub created_at: String,
    /// What `custseg inspect` says of it: columns and their roles, rows, date range, rejects.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
}

impl DatasetView {
    /// The view of a stored dataset.
    pub fn of(d: custseg_engine::store::Dataset) -> DatasetView {
        let kind = serde_json::from_value(d.summary["kind"].clone()).unwrap_or_default();
        DatasetView {
            id: d.id,
            name: d.name,
            kind,
            bytes: d.bytes,
            created_by: d.created_by,
            created_at: d.created_at,
            summary: d.summary["inspect"].clone(),
        }
    }
}

/// Uploads a file as the request body (streamed to disk; past `--max-upload` bytes the answer
/// is 413 and nothing is kept), then inspects it. A file custseg cannot read is 422, not kept.
#[utoipa::path(post, path = "/api/v1/datasets", tag = "datasets", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = DatasetView), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<DatasetView>)> {
    let limit = state.options.max_upload;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::TooLarge { limit });
    }
    let name = file_name(&q.name)?;
    // each upload in a directory of its own, under the name it was uploaded as: the format is
    // read from its extension, and messages name the file as the user knows it
    let dir = state.options.data.join("uploads").join(crate::auth::random_hex(8).map_err(ApiError::internal)?);
    tokio::fs::create_dir_all(&dir).await?;
    let path = dir.join(&name);
    let checked = async {
        let bytes = stream_to(&path, body, limit).await?;
        let summary = inspect(&path, q.kind).await?;
        Ok::<_, ApiError>((bytes, summary))
    }
    .await;
    let (bytes, summary) = match checked {
        Ok(x) => x,
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&dir).await;
            return Err(e);
        }
    };
    let mut record = serde_json::json!({ "kind": q.kind, "inspect": summary });
    if q.kind == Kind::Customers {
        // every column, personal data included, sorted by customer id: what pages show (masked
        // for viewers) and exports carry
        match attributes(&path).await {
            Ok(file) => record["attributes"] = serde_json::Value::String(file.display().to_string()),
            Err(e) => {
                let _ = tokio::fs::remove_dir_all(&dir).await;
                return Err(e);
            }
        }
    }
    let (who, shown, stored) = (caller.name.clone(), name.clone(), path.display().to_string());
    let recorded = state
        .db(move |s| {
            let id = s.add_dataset(&who, &shown, &stored, bytes, &record)?;
            let params = serde_json::json!({ "name": shown, "bytes": bytes });
            s.audit(&who, "dataset.upload", &format!("dataset {id}"), &params)?;
            s.dataset(id)
        })
        .await;
    let d = match recorded {
        Ok(Some(d)) => d,
        Ok(None) => return Err(ApiError::internal("the dataset just recorded is gone")),
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&dir).await;
            return Err(e);
        }
    };
    Ok((StatusCode::CREATED, Json(DatasetView::of(d))))
}

/// The uploaded files, newest first.
#[utoipa::path(get, path = "/api/v1/datasets", tag = "datasets", responses((status = 200, body = Vec<DatasetView>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<DatasetView>>> {
    let all = state.db(|s| s.datasets()).await?;
    Ok(Json(all.into_iter().map(DatasetView::of).collect()))
}

/// A safe file name: its last path component, letters, digits and `._-` (others become `_`).
fn file_name(name: &str) -> ApiResult<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .take(120)
        .collect();
    if clean.trim_matches('.').is_empty() {
        return Err(ApiError::BadRequest(format!("`name` must be a file name such as orders.csv, got `{name}`")));
    }
    Ok(clean)
}

async fn stream_to(path: &Path, body: Body, limit: u64) -> ApiResult<u64> {
    let mut file = tokio::fs::File::create(path).await?;
    let mut stream = body.into_data_stream();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("the upload broke off: {e}")))?;
        n += chunk.len() as u64;
        if n > limit {
            return Err(ApiError::TooLarge { limit });
        }
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    if n == 0 {
        return Err(ApiError::BadRequest("the upload is empty".into()));
    }
    Ok(n)
}

/// Writes a master file's attributes table beside it; returns its path.
async fn attributes(path: &Path) -> ApiResult<PathBuf> {
    let a = custseg_engine::inspect::master_attributes_async(path.to_path_buf(), custseg_engine::Config::default())
        .await
        .map_err(ApiError::from)?;
    let file = PathBuf::from(format!("{}.attrs.csv", path.display()));
    let out = file.clone();
    tokio::task::spawn_blocking(move || -> ApiResult<()> {
        let batch = a.table.into_batch().map_err(ApiError::from)?;
        custseg_engine::Sink::new(true)
            .csv(&out, &batch.schema(), std::slice::from_ref(&batch))
            .map_err(ApiError::from)?;
        Ok(())
    })
    .await??;
    Ok(file)
}

/// Inspects an upload.
async fn inspect(path: &Path, kind: Kind) -> ApiResult<serde_json::Value> {
    let config = custseg_engine::Config::default();
    let path = path.to_path_buf();
    let result = match kind {
        Kind::Transactions => custseg_engine::inspect::inspect_async(path, config)
            .await
            .map(|q| serde_json::to_value(q).unwrap_or_default()),
        Kind::Customers => custseg_engine::inspect::inspect_master_async(path, config)
            .await
            .map(|m| serde_json::to_value(m).unwrap_or_default()),
    };
    // a file custseg cannot read is the uploader's to fix: 422
    result.map_err(|e| match ApiError::from(e) {
        ApiError::BadRequest(m) => ApiError::Unprocessable(m),
        other => other,
    })
}
