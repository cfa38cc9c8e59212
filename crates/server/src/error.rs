//! One error type for every route, answered as RFC 9457 problem details: a 4xx says what was
//! wrong, a 5xx says little to the client and logs the cause.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use custseg_engine::{EngineError, Fault};
use serde::Serialize;

/// Why a request was not answered.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credentials, or credentials the server does not know (401 with a Bearer challenge).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller's role may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such resource (404).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed: a parameter, a JSON body, a form (400).
    #[error("{0}")]
    BadRequest(String),
    /// The request is well-formed but conflicts with the resource's state (409).
    #[error("{0}")]
    Conflict(String),
    /// An upload past `--max-upload` bytes (413).
    #[error(
        "the upload is larger than the server's limit of {limit} bytes\nhint: `custseg serve --max-upload BYTES` raises it"
    )]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The data cannot be classified as asked (422).
    #[error("{0}")]
    Unprocessable(String),
    /// custseg or the machine failed (500; the cause is logged, not sent).
    #[error("{0}")]
    Internal(String),
}

/// An RFC 9457 problem details object.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The status's phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What was wrong, for a person.
    pub detail: String,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client is told.
    pub fn detail(&self) -> String {
        match self {
            ApiError::Internal(_) => "the server failed; the cause is in its log".into(),
            other => custseg_engine::error::printable(&other.to_string()),
        }
    }

    /// An internal failure from anything printable.
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }

    /// The problem details of this error.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: self.detail(),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        match (&e, e.fault()) {
            (EngineError::NoSuchRun { id, .. }, _) => ApiError::NotFound(format!("no run {id}")),
            (_, Fault::Request) => ApiError::BadRequest(e.to_string()),
            (_, Fault::Data) => ApiError::Unprocessable(e.to_string()),
            (_, Fault::Internal) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<custseg_engine::DataError> for ApiError {
    fn from(e: custseg_engine::DataError) -> ApiError {
        ApiError::from(EngineError::Data(e))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> ApiError {
        ApiError::Internal(format!("a blocking task failed: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let problem = self.problem();
        let mut response = (self.status(), axum::Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if matches!(self, ApiError::Unauthorized(_)) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"custseg\""));
        }
        response
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
