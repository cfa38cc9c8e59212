//! Run jobs: queued in the store, run one at a time in the background (a run uses every core),
//! watched through their [`Monitor`], cancelled between stages. A job the server did not see end
//! (it was stopped, or killed) is marked interrupted when the server stops or starts again.

use std::path::PathBuf;

use custseg_engine::{Config, EngineError, Monitor, RunRequest, Source};
use serde::Serialize;

use crate::state::{AppState, lock};

/// What a job runs, resolved from the request: files on the server, the checked configuration.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The transaction log.
    pub transactions: PathBuf,
    /// The master file, if any.
    pub customers: Option<PathBuf>,
    /// The configuration (as-of date and model set).
    pub config: Config,
}

/// The one-at-a-time gate of runs.
#[derive(Debug)]
pub struct Queue(tokio::sync::Semaphore);

impl Default for Queue {
    fn default() -> Queue {
        Queue(tokio::sync::Semaphore::new(1))
    }
}

/// How a job ended, as its status says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum End {
    /// Done; its run is in the store.
    Done,
    /// The run failed; the error says why.
    Failed,
    /// Cancelled by an analyst.
    Cancelled,
    /// Stopped by the server's shutdown.
    Interrupted,
}

/// Starts job `id` in the background.
pub fn spawn(state: &AppState, id: i64, plan: Plan) {
    let monitor = Monitor::new();
    lock(&state.jobs).insert(id, monitor.clone());
    let state = state.clone();
    tokio::spawn(async move {
        let permit = state.queue.0.acquire().await;
        if permit.is_err() || state.is_stopping() {
            lock(&state.jobs).remove(&id);
            return;
        }
        let outcome = run(&state, id, plan, monitor).await;
        lock(&state.jobs).remove(&id);
        if let Err(e) = outcome {
            tracing::error!(job = id, error = %e, "a job's status could not be recorded");
        }
    });
}

async fn run(state: &AppState, id: i64, plan: Plan, monitor: Monitor) -> Result<(), crate::error::ApiError> {
    if monitor.is_cancelled() {
        return finish(state, id, End::Cancelled, Some("cancelled before it started".into()), None).await;
    }
    state.db(move |s| s.set_job(id, "running", None, None)).await?;
    let out_dir = state.options.data.join("runs").join(id.to_string());
    let request = RunRequest {
        transactions: Source::Files(plan.transactions),
        customers: plan.customers.map(Source::Files),
        config: plan.config,
        out_dir,
        progress: Some(monitor),
        store: Some(state.options.store.clone()),
        report: Some(custseg_report::write),
    };
    let result = custseg_engine::run_async(request).await;
    match result {
        Ok(summary) => {
            let run_id = summary.record.history.as_ref().map(|h| h.run_id);
            finish(state, id, End::Done, None, run_id).await?;
            if let Some(run_id) = run_id {
                // the first lookups of a new run should not wait for its index
                let file = summary.out_dir.join("customers.csv");
                let schemes = state.db(move |s| s.load_schemes(run_id)).await?;
                let ids = schemes.into_iter().map(|s| s.scheme).collect();
                let _ = state.indexes.get(crate::index::Of::Run(run_id), file, ids).await;
            }
            Ok(())
        }
        // the shutdown cancels running runs too: those were interrupted, not cancelled by anyone
        Err(EngineError::Cancelled) if state.is_stopping() => {
            finish(state, id, End::Interrupted, Some("the server stopped during the run".into()), None).await
        }
        Err(EngineError::Cancelled) => finish(state, id, End::Cancelled, Some("cancelled".into()), None).await,
        Err(e) => {
            let message = custseg_engine::error::printable(&e.to_string());
            finish(state, id, End::Failed, Some(message), None).await
        }
    }
}

async fn finish(
    state: &AppState,
    id: i64,
    end: End,
    error: Option<String>,
    run_id: Option<i64>,
) -> Result<(), crate::error::ApiError> {
    let status = match end {
        End::Done => "done",
        End::Failed => "failed",
        End::Cancelled => "cancelled",
        End::Interrupted => "interrupted",
    };
    state.db(move |s| s.set_job(id, status, error.as_deref(), run_id)).await?;
    crate::runs::forget_runs(state);
    Ok(())
}

/// The monitor of a queued or running job.
pub fn monitor(state: &AppState, id: i64) -> Option<Monitor> {
    lock(&state.jobs).get(&id).cloned()
}
