//! The dashboard's pages. Each reads what the API reads and renders a template.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use custseg_report::svg::{self, Bars, Format, HeatCell, Heatmap, Series};
use serde::{Deserialize, Serialize};

use super::{Frame, Reader, error_page, render};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::index::Sort;
use crate::routes::customers::{customer_view, load, matching};
use crate::routes::datasets::DatasetView;
use crate::routes::runs::{SegmentView, alerts_of, compare, migration_labels, run_view, run_views, segment_views};
use crate::routes::segments::check_label;
use crate::runs::{done, parse_id};
use crate::state::AppState;

/// Renders `result`, or the error page.
fn page(frame: &Frame, template: &str, result: ApiResult<impl Serialize>) -> Response {
    match result {
        Ok(p) => render(StatusCode::OK, template, frame, p),
        Err(e) => error_page(frame, &e),
    }
}

/// A scheme's labels, for a page.
#[derive(Debug, Serialize)]
struct SchemeBlock {
    scheme: String,
    name: String,
    rows: Vec<SegmentRow>,
}

#[derive(Debug, Serialize)]
struct SegmentRow {
    label: String,
    name: String,
    customers: u64,
    share: f64,
    revenue: f64,
    value_at_stake: Option<f64>,
    objective: Option<String>,
    priority: Option<u8>,
    change: Option<i64>,
}

fn blocks(segments: &[SegmentView], previous: Option<&[SegmentView]>, lang: custseg_engine::Lang) -> Vec<SchemeBlock> {
    let mut out: Vec<SchemeBlock> = Vec::new();
    for s in segments {
        if out.last().is_none_or(|b| b.scheme != s.scheme) {
            out.push(SchemeBlock {
                scheme: s.scheme.clone(),
                name: s.scheme_name.get(lang).to_string(),
                rows: Vec::new(),
            });
        }
        let before = previous
            .map(|p| p.iter().find(|x| x.scheme == s.scheme && x.label == s.label).map_or(0, |x| x.customers as i64));
        if let Some(b) = out.last_mut() {
            b.rows.push(SegmentRow {
                label: s.label.clone(),
                name: s.name.get(lang).to_string(),
                customers: s.customers,
                share: s.share,
                revenue: s.revenue,
                value_at_stake: s.value_at_stake,
                objective: s.objective.clone(),
                priority: s.priority,
                change: before.map(|b| s.customers as i64 - b),
            });
        }
    }
    out
}

/// The segments of the previous run of the same configuration and dataset, if any.
async fn previous_segments(state: &AppState, run: &crate::runs::DoneRun) -> ApiResult<Option<Vec<SegmentView>>> {
    let info = run.info.clone();
    crate::runs::adopt_now(state).await?;
    let prev = state
        .db(move |s| {
            let Some(p) = s.previous_with_config(&info.config_hash, &info.dataset, info.id)? else { return Ok(None) };
            s.job_of_run(p)
        })
        .await?;
    let Some(job) = prev else { return Ok(None) };
    let run = done(state, Some(job)).await?;
    Ok(tokio::task::spawn_blocking(move || segment_views(&run)).await?.ok())
}

pub async fn overview(State(state): State<AppState>, Reader { frame: f, .. }: Reader) -> Response {
    let lang = f.language();
    let result: ApiResult<_> = async {
        let run = match done(&state, None).await {
            Ok(r) => r,
            Err(ApiError::NotFound(_)) => return Ok(minijinja::context! { run => () }),
            Err(e) => return Err(e),
        };
        let id = run.id;
        let segments = {
            let run = run.clone();
            tokio::task::spawn_blocking(move || segment_views(&run)).await??
        };
        let chart = |scheme: &str, title: &str| {
            let rows: Vec<&SegmentView> = segments.iter().filter(|s| s.scheme == scheme).collect();
            (!rows.is_empty()).then(|| {
                svg::bars(&Bars {
                    title: title.to_string(),
                    categories: rows.iter().map(|s| s.name.get(lang).to_string()).collect(),
                    series: vec![Series { name: title.to_string(), values: rows.iter().map(|s| s.customers as f64).collect() }],
                    format: Format::Count,
                    axis: f.w["customer_count"].to_string(),
                    width: 560.0,
                })
            })
        };
        let charts: Vec<String> = [("rfm_segment", "rfm_segment"), ("lifecycle", "lifecycle")]
            .iter()
            .filter_map(|(scheme, _)| {
                let title = segments.iter().find(|s| s.scheme == *scheme).map(|s| s.scheme_name.get(lang).to_string())?;
                chart(scheme, &title)
            })
            .collect();
        let alerts = alerts_of(&state, &run.info, lang).await?;
        let total_alerts = alerts.len();
        let alerts: Vec<_> = alerts
            .into_iter()
            .take(20)
            .map(|a| minijinja::context! { customer => a.customer, rule => a.rule, from => a.from, to => a.to, value => a.value_at_stake, action => a.action })
            .collect();
        let revenue: f64 = segments.iter().filter(|s| s.scheme == "abc").map(|s| s.revenue).sum();
        Ok(minijinja::context! {
            run => id,
            info => run.info,
            revenue => revenue,
            charts => charts,
            alerts => alerts,
            total_alerts => total_alerts,
        })
    }
    .await;
    page(&f, "overview.html", result)
}

pub async fn segments(State(state): State<AppState>, Reader { frame: f, .. }: Reader) -> Response {
    let lang = f.language();
    let result: ApiResult<_> = async {
        let run = done(&state, None).await?;
        let previous = previous_segments(&state, &run).await?;
        let id = run.id;
        let segments = tokio::task::spawn_blocking(move || segment_views(&run)).await??;
        Ok(minijinja::context! { run => id, has_previous => previous.is_some(), blocks => blocks(&segments, previous.as_deref(), lang) })
    }
    .await;
    page(&f, "segments.html", result)
}

#[derive(Debug, Deserialize)]
pub struct SegmentQuery {
    cursor: Option<String>,
    sort: Option<Sort>,
}

pub async fn segment(
    State(state): State<AppState>,
    Reader { caller, frame: f }: Reader,
    Path((scheme, label)): Path<(String, String)>,
    Query(q): Query<SegmentQuery>,
) -> Response {
    let lang = f.language();
    let result: ApiResult<_> = async {
        let l = load(&state, None, &caller).await?;
        let (s, names) = check_label(&l, &scheme, &label)?;
        let (name, scheme_name) = (names.get(lang).to_string(), s.name.get(lang).to_string());
        let sort = q.sort.unwrap_or(Sort::Id);
        let masked = !l.privacy.reveal;
        let (sch, lab) = (scheme.clone(), label.clone());
        let page = tokio::task::spawn_blocking(move || {
            let rows = l.index.members(&sch, &lab, sort);
            l.page(&rows, q.cursor.as_deref(), 50, Some(&sch))
        })
        .await??;
        let sort_name =
            serde_json::to_value(sort).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        Ok(minijinja::context! { scheme, label, name, scheme_name, page, sort => sort_name, masked })
    }
    .await;
    page(&f, "segment.html", result)
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    cursor: Option<String>,
}

pub async fn customers(
    State(state): State<AppState>,
    Reader { caller, frame: f }: Reader,
    Query(q): Query<SearchQuery>,
) -> Response {
    let result: ApiResult<_> = async {
        let l = load(&state, None, &caller).await?;
        let text = q.q.clone().unwrap_or_default();
        let masked = !l.privacy.reveal;
        let page = tokio::task::spawn_blocking(move || {
            let rows = if text.trim().is_empty() { Vec::new() } else { matching(&l, Some(&text), None, None)? };
            l.page(&rows, q.cursor.as_deref(), 50, None)
        })
        .await??;
        Ok(minijinja::context! { q => q.q, page, masked })
    }
    .await;
    page(&f, "customers.html", result)
}

pub async fn customer(
    State(state): State<AppState>,
    Reader { caller, frame: f }: Reader,
    Path(id): Path<String>,
) -> Response {
    let lang = f.language();
    let result: ApiResult<_> = async {
        let l = load(&state, None, &caller).await?;
        let (history, jobs) = crate::routes::customers::history_of(&state, &id).await?;
        let masked = !l.privacy.reveal;
        // the run's basket analysis, when it made one
        let recs = match crate::routes::customers::recommendations_of(&state, &l, &id).await {
            Ok(r) => r
                .items
                .into_iter()
                .map(|x| minijinja::context! { rank => x.rank, item => x.item, reason => x.reason.get(lang) })
                .collect(),
            // no basket analysis in this run: the section is left out
            Err(crate::error::ApiError::NotFound(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        let v = tokio::task::spawn_blocking(move || customer_view(&l, &id, &history, &jobs)).await??;
        let labels: Vec<_> = v
            .labels
            .iter()
            .map(|x| minijinja::context! { scheme => x.scheme, scheme_name => x.scheme_name.get(lang), label => x.label, name => x.name.get(lang) })
            .collect();
        let features: Vec<_> = v
            .order
            .iter()
            .filter_map(|k| v.features.get(k).map(|val| (k, val)))
            .map(|(k, val)| {
                let shown = match val {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                minijinja::context! { key => k, name => custseg_engine::catalog::feature_name(k, lang).unwrap_or(k), value => shown }
            })
            .collect();
        Ok(minijinja::context! { c => v, labels, features, masked, recs })
    }
    .await;
    page(&f, "customer.html", result)
}

pub async fn runs(State(state): State<AppState>, Reader { caller, frame: f }: Reader) -> Response {
    let result: ApiResult<_> = async {
        let views = run_views(&state).await?;
        let done_ids: Vec<i64> = views.iter().filter(|v| v.status == "done").map(|v| v.id).collect();
        let datasets = if caller.is(Role::Analyst) { state.db(|s| s.datasets()).await? } else { Vec::new() };
        let datasets: Vec<_> = datasets.into_iter().map(DatasetView::of).collect();
        Ok(minijinja::context! { runs => views, done_ids, datasets })
    }
    .await;
    page(&f, "runs.html", result)
}

pub async fn run(State(state): State<AppState>, Reader { frame: f, .. }: Reader, Path(id): Path<i64>) -> Response {
    let result: ApiResult<_> = async { Ok(minijinja::context! { r => run_view(&state, id).await? }) }.await;
    page(&f, "run.html", result)
}

#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    scheme: Option<String>,
}

pub async fn diff(
    State(state): State<AppState>,
    Reader { frame: f, .. }: Reader,
    Path((a, b)): Path<(String, String)>,
    Query(q): Query<DiffQuery>,
) -> Response {
    let lang = f.language();
    let result: ApiResult<_> = async {
        let (a, b) = (
            parse_id(&a)?.ok_or_else(|| ApiError::BadRequest("give two run ids".into()))?,
            parse_id(&b)?.ok_or_else(|| ApiError::BadRequest("give two run ids".into()))?,
        );
        let (ra, rb) = (done(&state, Some(a)).await?, done(&state, Some(b)).await?);
        let scheme = q.scheme.clone().unwrap_or_else(|| "rfm_segment".into());
        let (ms, alerts, _) = compare(&state, &ra, &rb, Some(scheme.clone()), lang).await?;
        let m = ms.first().ok_or_else(|| ApiError::NotFound(format!("scheme `{scheme}` is in neither run")))?;
        let (labels, names) = migration_labels(m, lang);
        let name = |l: &String| labels.iter().position(|x| x == l).map_or_else(|| l.clone(), |k| names[k].clone());
        let max = labels.iter().flat_map(|x| labels.iter().map(move |y| (x, y))).map(|(x, y)| m.count(x, y)).max().unwrap_or(1).max(1) as f64;
        let heat = svg::heatmap(&Heatmap {
            title: format!("{} {a} → {b}", f.w["migration"]),
            rows: names.clone(),
            cols: names.clone(),
            cells: labels
                .iter()
                .map(|x| {
                    labels
                        .iter()
                        .map(|y| {
                            let n = m.count(x, y);
                            HeatCell {
                                value: (n > 0).then_some(n as f64 / max),
                                text: if n > 0 { Format::Count.full(n as f64) } else { String::new() },
                                tip: format!("{} → {}: {}", name(x), name(y), n),
                            }
                        })
                        .collect()
                })
                .collect(),
            row_name: f.w["from"].to_string(),
            col_name: f.w["to"].to_string(),
            diverging: false,
            width: 900.0,
        });
        let schemes: Vec<(String, String)> = rb.schemes.iter().map(|s| (s.scheme.clone(), s.name.get(lang).to_string())).collect();
        let alerts: Vec<_> = alerts
            .into_iter()
            .take(50)
            .map(|x| minijinja::context! { customer => x.customer, rule => x.rule, from => x.from, to => x.to, value => x.value_at_stake, action => x.action })
            .collect();
        Ok(minijinja::context! { a, b, scheme, schemes, heat, stability => m.stability(), matched => m.matched, upgrades => m.upgrades, downgrades => m.downgrades, alerts })
    }
    .await;
    page(&f, "diff.html", result)
}

pub async fn users(State(state): State<AppState>, Reader { frame: f, .. }: Reader) -> Response {
    let result = users_page(&state, None).await;
    page(&f, "users.html", result)
}

async fn users_page(state: &AppState, token: Option<(String, String)>) -> ApiResult<minijinja::Value> {
    let (users, audit) = state.db(|s| Ok((s.users()?, s.audit_log(100, None)?))).await?;
    Ok(minijinja::context! { users, audit, token })
}

#[derive(Debug, Deserialize)]
pub struct UserForm {
    name: String,
    role: String,
}

pub async fn add_user(
    State(state): State<AppState>,
    Reader { caller, frame: f }: Reader,
    Form(form): Form<UserForm>,
) -> Response {
    let result: ApiResult<_> = async {
        let role: Role = form.role.parse().map_err(ApiError::BadRequest)?;
        let (name, who) = (form.name.trim().to_string(), caller.name.clone());
        let shown = name.clone();
        let token = state.db(move |s| crate::accounts::add(s, &name, role, &who)).await?;
        users_page(&state, Some((shown, token))).await
    }
    .await;
    page(&f, "users.html", result)
}

pub async fn revoke_user(
    State(state): State<AppState>,
    Reader { caller, frame: f }: Reader,
    Path(name): Path<String>,
) -> Response {
    if name == caller.name {
        return error_page(&f, &ApiError::Conflict("an admin cannot revoke their own account here".into()));
    }
    let who = caller.name.clone();
    match state.db(move |s| crate::accounts::revoke(s, &name, &who)).await {
        Ok(()) => Redirect::to("/users").into_response(),
        Err(e) => error_page(&f, &e),
    }
}
