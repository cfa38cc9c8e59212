//! Finding a run: the server's run id is its job id; a done job links the store's run, whose
//! output directory holds its files.

use std::path::PathBuf;
use std::sync::Arc;

use custseg_engine::store::{Job, RunInfo, SchemeLabels};

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, lock};

/// A done run, ready to read.
#[derive(Debug, Clone)]
pub struct DoneRun {
    /// The server's run id (the job).
    pub id: i64,
    /// The store's run.
    pub info: RunInfo,
    /// Its schemes and their labels, in order.
    pub schemes: Vec<SchemeLabels>,
    /// Its output directory.
    pub dir: PathBuf,
    /// What was asked for (`{}` for runs of the command line).
    pub request: serde_json::Value,
}

/// What reading a run's customers needs beyond the run: its declared personal-data columns and
/// its master file's attributes.
#[derive(Debug, Clone, Default)]
pub struct RunContext {
    /// `[privacy] pii` of the run's configuration.
    pub declared_pii: Vec<String>,
    /// The uploaded master file's attribute table (customer id first, sorted), and its dataset.
    pub master: Option<(i64, PathBuf)>,
}

/// The context of a done run (kept once read: a run never changes).
///
/// # Errors
/// When the store fails.
pub async fn context(state: &AppState, run: &DoneRun) -> ApiResult<Arc<RunContext>> {
    if let Some(c) = lock(&state.contexts).get(&run.info.id) {
        return Ok(c.clone());
    }
    let (store_run, master) = (run.info.id, run.request.get("customers").and_then(serde_json::Value::as_i64));
    let context = state
        .db(move |s| {
            let declared_pii = s.config_of(store_run)?.map(|c| c.privacy.pii).unwrap_or_default();
            let master = match master {
                Some(id) => s.dataset(id)?.and_then(|d| {
                    let path = d.summary.get("attributes")?.as_str()?.to_string();
                    Some((id, PathBuf::from(path)))
                }),
                None => None,
            };
            Ok(RunContext { declared_pii, master })
        })
        .await?;
    let context = Arc::new(context);
    lock(&state.contexts).insert(store_run, context.clone());
    Ok(context)
}

/// Parses a run id from a path or query (`latest` is the newest done run).
pub fn parse_id(text: &str) -> ApiResult<Option<i64>> {
    if text == "latest" {
        return Ok(None);
    }
    text.parse::<i64>()
        .map(Some)
        .map_err(|_| ApiError::BadRequest(format!("a run is a number or `latest`, got `{text}`")))
}

/// A done run by the server's id (`None`: the latest).
///
/// # Errors
/// 404 when there is no such run or it is not done.
pub async fn done(state: &AppState, id: Option<i64>) -> ApiResult<DoneRun> {
    state
        .db(move |s| {
            s.adopt_runs()?;
            let job = match id {
                Some(id) => s.job(id)?,
                None => s.jobs()?.into_iter().find(|j| j.status == "done" && j.run_id.is_some()),
            };
            let Some(job) = job else { return Ok(None) };
            let Some(run_id) = job.run_id.filter(|_| job.status == "done") else { return Ok(Some((job, None))) };
            let info = s.run_info(run_id)?;
            let schemes = s.load_schemes(run_id)?;
            Ok(Some((job, Some((info, schemes)))))
        })
        .await?
        .map_or_else(
            || {
                Err(ApiError::NotFound(match id {
                    Some(id) => format!("no run {id}"),
                    None => "no run is done yet\nhint: upload a transaction log and start a run".into(),
                }))
            },
            |(job, stored)| match stored {
                Some((info, schemes)) => {
                    let dir = PathBuf::from(&info.out_dir);
                    Ok(DoneRun { id: job.id, info, schemes, dir, request: job.request })
                }
                None => Err(ApiError::Conflict(format!("run {} is {}, not done", job.id, job.status))),
            },
        )
}

/// The scheme ids of a run.
pub fn scheme_ids(run: &DoneRun) -> Vec<String> {
    run.schemes.iter().map(|s| s.scheme.clone()).collect()
}

/// A job's store run, when it is done.
pub fn store_run(job: &Job) -> Option<i64> {
    job.run_id.filter(|_| job.status == "done")
}
