//! custseg-server: `custseg serve`, the team's shared customer classification over HTTP.
//!
//! One process: JSON under `/api/v1` (OpenAPI at `/api/v1/openapi.json`), the dashboard under
//! `/`, the run history, accounts, audit log and jobs in the SQLite store, uploads and run
//! outputs in the data directory. Every route declares the least role it needs
//! ([`routes::table`]); the access layer refuses everyone else. No business logic: runs,
//! segments, migrations and alerts are engine calls.
//!
//! ```no_run
//! # async fn go() -> Result<(), Box<dyn std::error::Error>> {
//! let options = custseg_server::Options {
//!     addr: "127.0.0.1:8080".parse()?,
//!     store: "custseg.db".into(),
//!     data: "custseg-data".into(),
//!     max_upload: 1 << 30,
//!     threads: 0,
//! };
//! let state = custseg_server::AppState::open(options)?;
//! let listener = tokio::net::TcpListener::bind(state.options.addr).await?;
//! custseg_server::serve(state, listener, std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod access;
pub mod accounts;
pub mod auth;
pub mod error;
pub mod index;
pub mod jobs;
pub mod mask;
pub mod pages;
pub mod routes;
pub mod runs;
pub mod state;

use std::future::Future;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

pub use auth::Role;
pub use error::ApiError;
pub use state::{AppState, Options};

/// The whole app: every route, behind the access layer, with the security headers.
pub fn app(state: AppState) -> Router {
    let header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(HeaderName::from_static(name), HeaderValue::from_static(value))
    };
    routes::router(state)
        .layer(header("x-content-type-options", "nosniff"))
        .layer(header("x-frame-options", "DENY"))
        .layer(header("referrer-policy", "no-referrer"))
        .layer(header(
            "content-security-policy",
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .layer(header("cache-control", "no-store"))
}

/// Serves until `shutdown` resolves, then stops: no new run starts, running runs are cancelled
/// and marked interrupted, requests in flight finish.
///
/// # Errors
/// When the store cannot be read or the listener fails.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ApiError> {
    // jobs the last process did not see end (it was stopped or killed) did not finish
    let interrupted = state.db(|s| s.interrupt_jobs()).await?;
    if interrupted > 0 {
        tracing::warn!(jobs = interrupted, "runs of the previous server process were marked interrupted");
    }
    state.db(|s| s.adopt_runs()).await?;
    let stopping = state.clone();
    let result = axum::serve(listener, app(state.clone()))
        .with_graceful_shutdown(async move {
            shutdown.await;
            stopping.stopping.store(true, std::sync::atomic::Ordering::Relaxed);
            for m in state::lock(&stopping.jobs).values() {
                m.cancel();
            }
        })
        .await;
    let marked = state.db(|s| s.interrupt_jobs()).await?;
    if marked > 0 {
        tracing::warn!(jobs = marked, "running runs were interrupted by the shutdown");
    }
    result.map_err(ApiError::internal)
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
