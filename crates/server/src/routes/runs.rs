//! Runs: start one, watch it, read its segments and report, compare two, cancel or delete.

use std::path::PathBuf;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use custseg_engine::catalog::Names;
use custseg_engine::store::{Job, RunInfo};
use custseg_engine::{AsOf, Config, Lang};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{self, Plan};
use crate::runs::{DoneRun, done, parse_id, store_run};
use crate::state::AppState;

/// A run to start.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// The transaction log: an uploaded dataset's id.
    pub transactions: i64,
    /// The customer master file: an uploaded dataset's id.
    #[serde(default)]
    pub customers: Option<i64>,
    /// A configuration in TOML (as `custseg init` writes); the defaults when absent.
    #[serde(default)]
    pub config: Option<String>,
    /// The as-of date, `YYYY-MM-DD` (default: the day after the last transaction).
    #[serde(default)]
    pub as_of: Option<String>,
    /// Classify with the saved model of this earlier run instead of fitting.
    #[serde(default)]
    pub model: Option<i64>,
}

/// A run started.
#[derive(Debug, Serialize, ToSchema)]
pub struct Started {
    /// Its id.
    pub id: i64,
    /// `queued`.
    pub status: String,
    /// Where to watch it.
    pub url: String,
}

/// A run's row counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rows {
    /// Read.
    pub read: i64,
    /// Kept.
    pub kept: i64,
    /// Rejected (with a reason each, in rejects.csv).
    pub rejected: i64,
    /// Dated after an explicit as-of date.
    pub after_as_of: i64,
}

/// What a done run holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    /// The store's run id.
    pub store_run: i64,
    /// As-of date.
    pub as_of: String,
    /// Customers classified.
    pub customers: i64,
    /// The rows.
    pub rows: Rows,
    /// custseg's version.
    pub version: String,
    /// The configuration's identity (runs with the same one are comparable).
    pub config_hash: String,
    /// The dataset the run was made from.
    pub dataset: String,
}

/// A run: its status while it runs, its summary once done.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    /// Its id.
    pub id: i64,
    /// `queued`, `running`, `done`, `failed`, `cancelled` or `interrupted`.
    pub status: String,
    /// While running: `ingest`, `features`, `classify`, `write` or `store`.
    pub stage: Option<String>,
    /// While running: transaction rows read so far.
    pub rows_read: Option<u64>,
    /// Who started it (`cli` for runs recorded by the command line).
    pub created_by: String,
    /// When (UTC).
    pub created_at: String,
    /// When it ended (UTC).
    pub finished_at: Option<String>,
    /// Why it failed: the message the command line gives.
    pub error: Option<String>,
    /// What was asked for.
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    /// Once done.
    pub summary: Option<Summary>,
}

/// Builds the view of a job.
pub fn view(state: &AppState, job: Job, info: Option<&RunInfo>) -> RunView {
    let monitor = jobs::monitor(state, job.id).filter(|_| matches!(job.status.as_str(), "queued" | "running"));
    let summary = info.filter(|_| store_run(&job).is_some()).map(|i| Summary {
        store_run: i.id,
        as_of: i.as_of.clone(),
        customers: i.customers,
        rows: Rows { read: i.rows.0, kept: i.rows.1, rejected: i.rows.2, after_as_of: i.rows_after_as_of },
        version: i.version.clone(),
        config_hash: i.config_hash.clone(),
        dataset: i.dataset.clone(),
    });
    RunView {
        id: job.id,
        stage: monitor.as_ref().map(|m| m.stage().to_string()),
        rows_read: monitor.as_ref().map(|m| m.rows().load(std::sync::atomic::Ordering::Relaxed)),
        status: job.status,
        created_by: job.created_by,
        created_at: job.created_at,
        finished_at: job.finished_at,
        error: job.error,
        request: job.request,
        summary,
    }
}

/// Starts a run in the background: 202 and its id. Runs go one at a time, in order.
#[utoipa::path(post, path = "/api/v1/runs", tag = "runs", request_body = RunBody,
    responses((status = 202, body = Started), (status = 400, body = crate::error::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<RunBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<Started>)> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if state.is_stopping() {
        return Err(ApiError::Conflict("the server is stopping; start the run again once it is back".into()));
    }
    let plan = plan(&state, &body).await?;
    let (who, request) = (caller.name.clone(), serde_json::to_value(&body).unwrap_or_default());
    let id = state
        .db(move |s| {
            let id = s.add_job(&who, &request)?;
            s.audit(&who, "run.start", &format!("run {id}"), &request)?;
            Ok(id)
        })
        .await?;
    jobs::spawn(&state, id, plan);
    Ok((StatusCode::ACCEPTED, Json(Started { id, status: "queued".into(), url: format!("/api/v1/runs/{id}") })))
}

/// Resolves a request into files and a checked configuration, or says what is wrong with it.
async fn plan(state: &AppState, body: &RunBody) -> ApiResult<Plan> {
    let mut config = match &body.config {
        Some(text) => Config::parse(text.clone(), std::path::Path::new("the run's config"))?,
        None => Config::default(),
    };
    if let Some(text) = &body.as_of {
        config.run.as_of = Some(text.parse::<AsOf>().map_err(|e| ApiError::BadRequest(format!("as_of: {e}")))?);
    }
    config.run.threads = state.options.threads;
    let (t, c) = (body.transactions, body.customers);
    let (transactions, customers) = state
        .db(move |s| {
            let customers = match c {
                Some(c) => Some(s.dataset(c)?.ok_or(c)),
                None => None,
            };
            Ok((s.dataset(t)?, customers))
        })
        .await?;
    let transactions = transactions.ok_or_else(|| ApiError::BadRequest(format!("no dataset {t}")))?;
    let customers = customers.transpose().map_err(|c| ApiError::BadRequest(format!("no dataset {c}")))?;
    if let Some(model_run) = body.model {
        let run = done(state, Some(model_run)).await?;
        let file = run.dir.join("classifier.json");
        if !file.is_file() {
            return Err(ApiError::BadRequest(format!("run {model_run} has no saved model (classifier.json)")));
        }
        config.run.model = Some(file.display().to_string());
    }
    // runs of uploads with the same file name are one dataset (a monthly orders.csv is compared
    // with last month's), unless the configuration names it
    if config.run.dataset.is_none() {
        config.run.dataset = Some(transactions.name.clone());
    }
    config.check()?;
    Ok(Plan {
        transactions: PathBuf::from(transactions.path),
        customers: customers.map(|d| PathBuf::from(d.path)),
        config,
    })
}

/// The runs, newest first, with the command line's runs of the same store.
#[utoipa::path(get, path = "/api/v1/runs", tag = "runs", responses((status = 200, body = Vec<RunView>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<RunView>>> {
    Ok(Json(run_views(&state).await?))
}

/// Every run, newest first, the command line's adopted.
///
/// # Errors
/// When the store fails.
pub async fn run_views(state: &AppState) -> ApiResult<Vec<RunView>> {
    crate::runs::adopt_now(state).await?;
    let (jobs, infos) = state.db(|s| Ok((s.jobs()?, s.runs()?))).await?;
    Ok(jobs
        .into_iter()
        .map(|j| {
            let info = j.run_id.and_then(|r| infos.iter().find(|i| i.id == r));
            view(state, j, info)
        })
        .collect())
}

/// One run's view.
///
/// # Errors
/// 404 when there is no such run.
pub async fn run_view(state: &AppState, id: i64) -> ApiResult<RunView> {
    crate::runs::adopt_now(state).await?;
    let (job, info) = state
        .db(move |s| {
            let job = s.job(id)?;
            let info = job.as_ref().and_then(store_run).map(|r| s.run_info(r)).transpose()?;
            Ok((job, info))
        })
        .await?;
    let job = job.ok_or_else(|| ApiError::NotFound(format!("no run {id}")))?;
    Ok(view(state, job, info.as_ref()))
}

/// One run: status, stage and progress while it runs; its summary once done; the error if it
/// failed.
#[utoipa::path(get, path = "/api/v1/runs/{id}", tag = "runs", params(("id" = i64, Path, description = "run id")),
    responses((status = 200, body = RunView), (status = 404, body = crate::error::Problem)))]
pub async fn one(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<RunView>> {
    Ok(Json(run_view(&state, id).await?))
}

/// Cancels a queued or running run (analyst), or deletes a finished one from the store and the
/// disk (admin).
#[utoipa::path(delete, path = "/api/v1/runs/{id}", tag = "runs", params(("id" = i64, Path, description = "run id")),
    responses((status = 202, description = "cancelling"), (status = 204, description = "deleted"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let job = state.db(move |s| s.job(id)).await?.ok_or_else(|| ApiError::NotFound(format!("no run {id}")))?;
    let who = caller.name.clone();
    if matches!(job.status.as_str(), "queued" | "running") {
        let monitor = jobs::monitor(&state, id).ok_or_else(|| ApiError::Conflict(format!("run {id} is ending")))?;
        monitor.cancel();
        state.db(move |s| s.audit(&who, "run.cancel", &format!("run {id}"), &serde_json::json!({}))).await?;
        return Ok(StatusCode::ACCEPTED);
    }
    if !caller.is(Role::Admin) {
        return Err(ApiError::Forbidden(format!(
            "run {id} is {}; deleting a finished run needs the admin role",
            job.status
        )));
    }
    let dir = match job.run_id {
        Some(r) => Some(state.db(move |s| s.run_info(r)).await?.out_dir),
        None => None,
    };
    let run_id = job.run_id;
    state
        .db(move |s| {
            s.delete_job(id)?;
            s.audit(&who, "run.delete", &format!("run {id}"), &serde_json::json!({ "store_run": run_id }))
        })
        .await?;
    if let Some(r) = run_id {
        state.indexes.forget(crate::index::Of::Run(r));
        state.indexes.forget(crate::index::Of::Recommendations(r));
    }
    crate::runs::forget_runs(&state);
    // only the server's own output directories are removed from the disk
    let ours = state.options.data.join("runs").join(id.to_string());
    if dir.is_some_and(|d| std::path::Path::new(&d) == ours) {
        let _ = tokio::fs::remove_dir_all(&ours).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// One label of a scheme in a run.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentView {
    /// Scheme id.
    pub scheme: String,
    /// Scheme names.
    #[schema(value_type = Object)]
    pub scheme_name: Names,
    /// Label id.
    pub label: String,
    /// Label names.
    #[schema(value_type = Object)]
    pub name: Names,
    /// Customers with the label.
    pub customers: u64,
    /// Their share of all the run's customers.
    pub share: f64,
    /// Their revenue.
    pub revenue: f64,
    /// Predicted CLV (else revenue) of the label's customers: what is at stake.
    pub value_at_stake: Option<f64>,
    /// The playbook's objective for them, in the run's language.
    pub objective: Option<String>,
    /// The playbook's priority (1: act this week).
    pub priority: Option<u8>,
}

/// Per scheme and label: customers, share, revenue, value at stake and the playbook's objective.
#[utoipa::path(get, path = "/api/v1/runs/{id}/segments", tag = "runs", params(("id" = String, Path, description = "run id or `latest`")),
    responses((status = 200, body = Vec<SegmentView>), (status = 404, body = crate::error::Problem)))]
pub async fn segments(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Vec<SegmentView>>> {
    let run = done(&state, parse_id(&id)?).await?;
    Ok(Json(tokio::task::spawn_blocking(move || segment_views(&run)).await??))
}

/// The segments of a done run, from its segments.csv and playbook.csv.
pub fn segment_views(run: &DoneRun) -> ApiResult<Vec<SegmentView>> {
    let read = |name: &str| {
        custseg_engine::read_csv_text(&run.dir.join(name))
            .map_err(|e| ApiError::NotFound(format!("run {}'s files cannot be read: {e}", run.id)))
    };
    let seg = read("segments.csv")?;
    let plays = read("playbook.csv").ok();
    let text = |t: &custseg_engine::Table, c: &str, i: usize| t.get(c).and_then(|col| col.text(i)).unwrap_or_default();
    let num = |t: &custseg_engine::Table, c: &str, i: usize| t.get(c).and_then(|col| col.number(i));
    let mut out = Vec::with_capacity(seg.n_rows());
    for i in 0..seg.n_rows() {
        let (scheme, label) = (text(&seg, "scheme", i), text(&seg, "label", i));
        let stored = run.schemes.iter().find(|s| s.scheme == scheme);
        let name = stored
            .and_then(|s| s.labels.iter().find(|(l, _)| *l == label).map(|(_, n)| n.clone()))
            .unwrap_or_else(|| Names::same(text(&seg, "name", i)));
        let play = plays.as_ref().and_then(|p| {
            (0..p.n_rows()).find(|&k| text(p, "scheme", k) == scheme && text(p, "label", k) == label).map(|k| (p, k))
        });
        out.push(SegmentView {
            scheme_name: stored.map_or_else(|| Names::same(&scheme), |s| s.name.clone()),
            name,
            customers: num(&seg, "customers", i).unwrap_or(0.0) as u64,
            share: num(&seg, "share", i).unwrap_or(0.0),
            revenue: num(&seg, "revenue", i).unwrap_or(0.0),
            value_at_stake: play.and_then(|(p, k)| num(p, "value_at_stake", k)),
            objective: play.map(|(p, k)| text(p, "objective", k)).filter(|s| !s.is_empty()),
            priority: play.and_then(|(p, k)| num(p, "priority", k)).map(|v| v as u8),
            scheme,
            label,
        });
    }
    Ok(out)
}

/// The run's HTML report.
#[utoipa::path(get, path = "/api/v1/runs/{id}/report", tag = "runs", params(("id" = String, Path, description = "run id or `latest`")),
    responses((status = 200, content_type = "text/html", description = "report.html"), (status = 404, body = crate::error::Problem)))]
pub async fn report(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let run = done(&state, parse_id(&id)?).await?;
    let path = run.dir.join(custseg_engine::REPORT_FILE);
    let html = tokio::fs::read(&path).await.map_err(|_| {
        ApiError::NotFound(format!("run {} has no report (the run was made with report = false?)", run.id))
    })?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// Which scheme to compare.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DiffQuery {
    /// One scheme (all when absent).
    pub scheme: Option<String>,
    /// Names in `zh` or `en` (default en).
    pub lang: Option<String>,
}

/// The migration between two runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffView {
    /// The earlier run.
    pub from: i64,
    /// The later run.
    pub to: i64,
    /// Per scheme: labels, the matrix of moves and the counts.
    #[schema(value_type = Vec<Object>)]
    pub schemes: Vec<serde_json::Value>,
    /// The alerts of the move, by value at stake.
    pub alerts: Vec<AlertView>,
    /// A warning when the two runs share few customers.
    pub warning: Option<String>,
}

/// One alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// Customer id.
    pub customer_id: String,
    /// The rule.
    pub rule: String,
    /// Before.
    pub from: String,
    /// After.
    pub to: String,
    /// Predicted CLV before, else revenue before.
    pub value_at_stake: f64,
    /// The playbook's action.
    pub action: String,
}

/// The migration matrix and alerts between two runs (`a` earlier, `b` later).
#[utoipa::path(get, path = "/api/v1/runs/{a}/diff/{b}", tag = "runs",
    params(("a" = i64, Path, description = "earlier run"), ("b" = i64, Path, description = "later run"), DiffQuery),
    responses((status = 200, body = DiffView), (status = 404, body = crate::error::Problem)))]
pub async fn diff(
    State(state): State<AppState>,
    Path((a, b)): Path<(i64, i64)>,
    Query(q): Query<DiffQuery>,
) -> ApiResult<Json<DiffView>> {
    let lang = lang_of(q.lang.as_deref())?;
    let (ra, rb) = (done(&state, Some(a)).await?, done(&state, Some(b)).await?);
    let (ms, alerts, warning) = compare(&state, &ra, &rb, q.scheme.clone(), lang).await?;
    if let Some(s) = &q.scheme
        && ms.is_empty()
    {
        return Err(ApiError::NotFound(format!("scheme `{s}` is in neither run")));
    }
    Ok(Json(DiffView {
        from: a,
        to: b,
        schemes: ms.iter().map(|m| migration_json(m, lang)).collect(),
        alerts: alerts.into_iter().map(alert_view).collect(),
        warning,
    }))
}

/// The migrations (of every scheme, or one) and the alerts from run `a` to run `b`, under
/// `b`'s configuration, with a warning when they share few customers.
///
/// # Errors
/// When the store fails.
pub async fn compare(
    state: &AppState,
    a: &DoneRun,
    b: &DoneRun,
    scheme: Option<String>,
    lang: Lang,
) -> ApiResult<(Vec<custseg_engine::migration::SchemeMigration>, Vec<custseg_engine::alerts::Alert>, Option<String>)> {
    let (sa, sb) = (a.info.id, b.info.id);
    state
        .db(move |s| {
            let config = s.config_of(sb)?.unwrap_or_default();
            let (x, y) = (s.load(sa)?, s.load(sb)?);
            let plays = custseg_engine::playbook::effective(&config.playbook);
            let (ms, alerts) =
                custseg_engine::history::compare(&x, &y, scheme.as_deref(), &config.alerts, &plays, lang);
            let warning = custseg_engine::history::overlap_warning(&x, &y).map(|m| m.render(lang));
            Ok((ms, alerts, warning))
        })
        .await
}

fn migration_json(m: &custseg_engine::migration::SchemeMigration, lang: Lang) -> serde_json::Value {
    let (labels, names) = migration_labels(m, lang);
    let matrix: Vec<Vec<u64>> = labels.iter().map(|f| labels.iter().map(|t| m.count(f, t)).collect()).collect();
    serde_json::json!({
        "scheme": m.scheme,
        "labels": labels,
        "names": names,
        "matrix": matrix,
        "matched": m.matched,
        "stayed": m.stayed,
        "upgrades": m.upgrades,
        "downgrades": m.downgrades,
        "appeared": m.appeared,
        "disappeared": m.disappeared,
        "stability": m.stability(),
    })
}

fn alert_view(a: custseg_engine::alerts::Alert) -> AlertView {
    AlertView {
        customer_id: a.customer,
        rule: a.rule,
        from: a.from,
        to: a.to,
        value_at_stake: (a.value_at_stake * 100.0).round() / 100.0,
        action: a.action,
    }
}

/// Parses `zh` / `en`.
pub fn lang_of(text: Option<&str>) -> ApiResult<Lang> {
    match text {
        None | Some("en") => Ok(Lang::En),
        Some("zh") => Ok(Lang::Zh),
        Some(other) => Err(ApiError::BadRequest(format!("lang must be zh or en, got `{other}`"))),
    }
}

/// Which run.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RunQuery {
    /// A run id or `latest` (default).
    pub run: Option<String>,
    /// Names in `zh` or `en` (default en).
    pub lang: Option<String>,
}

/// The alerts of a run against the previous run of the same configuration and dataset, by
/// value at stake (none when it has no previous run).
#[utoipa::path(get, path = "/api/v1/alerts", tag = "runs", params(RunQuery),
    responses((status = 200, body = Vec<AlertView>), (status = 404, body = crate::error::Problem)))]
pub async fn alerts(State(state): State<AppState>, Query(q): Query<RunQuery>) -> ApiResult<Json<Vec<AlertView>>> {
    let lang = lang_of(q.lang.as_deref())?;
    let run = done(&state, parse_id(q.run.as_deref().unwrap_or("latest"))?).await?;
    let found = alerts_of(&state, &run.info, lang).await?;
    Ok(Json(found.into_iter().map(alert_view).collect()))
}

/// A run's alerts against the previous run of its configuration and dataset (none without one),
/// by value at stake.
pub async fn alerts_of(state: &AppState, info: &RunInfo, lang: Lang) -> ApiResult<Vec<custseg_engine::alerts::Alert>> {
    let info = info.clone();
    state
        .db(move |s| {
            let Some(prev) = s.previous_with_config(&info.config_hash, &info.dataset, info.id)? else {
                return Ok(Vec::new());
            };
            let config = s.config_of(info.id)?.unwrap_or_default();
            let plays = custseg_engine::playbook::effective(&config.playbook);
            let (x, y) = (s.load(prev)?, s.load(info.id)?);
            Ok(custseg_engine::alerts::evaluate(&x, &y, &config.alerts, &plays, lang))
        })
        .await
}

/// A migration's labels in display order, with `(new)` and `(gone)` when customers appeared or
/// left, and their names in `lang`.
pub fn migration_labels(m: &custseg_engine::migration::SchemeMigration, lang: Lang) -> (Vec<String>, Vec<String>) {
    let mut labels = m.labels.clone();
    for extra in [custseg_engine::migration::NEW, custseg_engine::migration::GONE] {
        if m.cells.keys().any(|(f, t)| f == extra || t == extra) && !labels.iter().any(|l| l == extra) {
            labels.push(extra.to_string());
        }
    }
    let names = labels
        .iter()
        .map(|l| m.labels.iter().position(|x| x == l).map_or_else(|| l.clone(), |k| m.names[k].get(lang).to_string()))
        .collect();
    (labels, names)
}

/// The effective playbook: the latest run's (built-in entries with its configuration's
/// changes), or the built-in one before any run.
#[utoipa::path(get, path = "/api/v1/playbook", tag = "runs",
    responses((status = 200, description = "playbook entries", body = Vec<Object>)))]
pub async fn playbook(State(state): State<AppState>) -> ApiResult<Json<Vec<custseg_engine::playbook::Play>>> {
    let config = match done(&state, None).await {
        Ok(run) => {
            let id = run.info.id;
            state.db(move |s| s.config_of(id)).await?.unwrap_or_default()
        }
        Err(ApiError::NotFound(_)) => Config::default(),
        Err(e) => return Err(e),
    };
    Ok(Json(custseg_engine::playbook::effective(&config.playbook)))
}
