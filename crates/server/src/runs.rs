//! Finding a run: the server's run id is its job id; a done job links the store's run, whose
//! output directory holds its files.

use std::collections::HashMap;
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
    /// `[basket] by`: the scheme whose classes' popular items fill recommendations.
    pub basket_by: Option<String>,
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
            let config = s.config_of(store_run)?;
            let basket_by = config.as_ref().map(|c| c.basket.by.clone()).filter(|b| !b.is_empty());
            let declared_pii = config.map(|c| c.privacy.pii).unwrap_or_default();
            let master = match master {
                Some(id) => s.dataset(id)?.and_then(|d| {
                    let path = d.summary.get("attributes")?.as_str()?.to_string();
                    Some((id, PathBuf::from(path)))
                }),
                None => None,
            };
            Ok(RunContext { declared_pii, master, basket_by })
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

/// Done runs read so far, the latest one and each store run's job. A done run never changes, so
/// entries stay until a run ends, is deleted or is adopted from the command line
/// ([`forget_runs`]).
#[derive(Debug, Default)]
pub struct RunCache {
    done: HashMap<i64, Arc<DoneRun>>,
    latest: Option<i64>,
    job_of: Option<Arc<HashMap<i64, i64>>>,
}

/// Empties the cache of done runs (a run ended, was deleted or adopted).
pub fn forget_runs(state: &AppState) {
    *lock(&state.runs) = RunCache::default();
}

/// Adopts the command line's runs into the jobs, forgetting the cache when there were any.
///
/// # Errors
/// When the store fails.
pub fn adopt(state: &AppState, s: &mut custseg_engine::store::Store) -> custseg_engine::Result<()> {
    if s.adopt_runs()? > 0 {
        forget_runs(state);
    }
    Ok(())
}

/// [`adopt`] on a blocking thread.
///
/// # Errors
/// When the store fails.
pub async fn adopt_now(state: &AppState) -> ApiResult<()> {
    let st = state.clone();
    state.db(move |s| adopt(&st, s)).await
}

/// A done run by the server's id (`None`: the latest).
///
/// # Errors
/// 404 when there is no such run or it is not done.
pub async fn done(state: &AppState, id: Option<i64>) -> ApiResult<Arc<DoneRun>> {
    {
        let cache = lock(&state.runs);
        if let Some(run) = id.or(cache.latest).and_then(|j| cache.done.get(&j)) {
            return Ok(run.clone());
        }
    }
    let st = state.clone();
    let found = state
        .db(move |s| {
            adopt(&st, s)?;
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
        .await?;
    let (job, stored) = found.ok_or_else(|| {
        ApiError::NotFound(match id {
            Some(id) => format!("no run {id}"),
            None => "no run is done yet\nhint: upload a transaction log and start a run".into(),
        })
    })?;
    let Some((info, schemes)) = stored else {
        return Err(ApiError::Conflict(format!("run {} is {}, not done", job.id, job.status)));
    };
    let dir = PathBuf::from(&info.out_dir);
    let run = Arc::new(DoneRun { id: job.id, info, schemes, dir, request: job.request });
    let mut cache = lock(&state.runs);
    if id.is_none() {
        cache.latest = Some(run.id);
    }
    cache.done.insert(run.id, run.clone());
    Ok(run)
}

/// The server's run id of each store run (for a customer's record over runs).
///
/// # Errors
/// When the store fails.
pub async fn job_of_runs(state: &AppState) -> ApiResult<Arc<HashMap<i64, i64>>> {
    if let Some(m) = lock(&state.runs).job_of.clone() {
        return Ok(m);
    }
    let jobs = state.db(|s| s.jobs()).await?;
    let map: Arc<HashMap<i64, i64>> = Arc::new(jobs.iter().filter_map(|j| Some((j.run_id?, j.id))).collect());
    lock(&state.runs).job_of = Some(map.clone());
    Ok(map)
}

/// The schemes of the done runs in the cache, by store run (a customer's record over runs reads
/// them instead of the store).
pub fn known_schemes(state: &AppState) -> HashMap<i64, Vec<custseg_engine::store::SchemeLabels>> {
    lock(&state.runs).done.values().map(|r| (r.info.id, r.schemes.clone())).collect()
}

/// The scheme ids of a run.
pub fn scheme_ids(run: &DoneRun) -> Vec<String> {
    run.schemes.iter().map(|s| s.scheme.clone()).collect()
}

/// A job's store run, when it is done.
pub fn store_run(job: &Job) -> Option<i64> {
    job.run_id.filter(|_| job.status == "done")
}
