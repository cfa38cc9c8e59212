//! Customers: search, and one customer's whole file (客户档案): features, every label, CLV,
//! P(alive), next action, master attributes and their record in every run.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use custseg_engine::store::CustomerHistory;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::index::{Of, RunIndex, Sort};
use crate::mask::Privacy;
use crate::runs::{DoneRun, context, done, parse_id, scheme_ids};
use crate::state::AppState;

/// A run's customers and its master attributes, ready to read.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The run.
    pub run: Arc<DoneRun>,
    /// Its customers.
    pub index: Arc<RunIndex>,
    /// Its master file's attributes.
    pub master: Option<Arc<RunIndex>>,
    /// What the caller may see.
    pub privacy: Privacy,
}

/// Loads a done run's indexes for a caller.
///
/// # Errors
/// 404 when there is no such run or its files are gone.
pub async fn load(state: &AppState, run: Option<&str>, caller: &Caller) -> ApiResult<Loaded> {
    let run = done(state, parse_id(run.unwrap_or("latest"))?).await?;
    let ctx = context(state, &run).await?;
    let index = state.indexes.get(Of::Run(run.info.id), run.dir.join("customers.csv"), scheme_ids(&run)).await?;
    let master = match &ctx.master {
        Some((id, path)) => Some(state.indexes.get(Of::Master(*id), path.clone(), Vec::new()).await?),
        None => None,
    };
    let privacy = Privacy { declared: ctx.declared_pii.clone(), reveal: caller.is(Role::Analyst) };
    Ok(Loaded { run, index, master, privacy })
}

/// One customer in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerRow {
    /// Customer id.
    pub customer_id: String,
    /// Their label in the scheme asked for.
    pub label: Option<String>,
    /// Monetary value.
    pub monetary: Option<f64>,
    /// Purchases.
    pub frequency: Option<f64>,
    /// Days since the last purchase.
    pub recency_days: Option<f64>,
    /// 12-month CLV.
    pub clv_12m: Option<f64>,
    /// The playbook's next action.
    pub next_action: Option<String>,
    /// Master attributes (personal data masked for viewers).
    #[schema(value_type = Object)]
    pub attributes: Attributes,
}

/// Master attributes in the master file's column order, serialised as an object.
#[derive(Debug, Clone, Default)]
pub struct Attributes(pub Vec<(String, String)>);

impl Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A page of customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    /// The run read.
    pub run: i64,
    /// Customers matching, in all.
    pub total: usize,
    /// This page.
    pub items: Vec<CustomerRow>,
    /// Give it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl Loaded {
    /// A customer's master attributes as the caller may see them.
    pub fn attributes(&self, id: &str) -> ApiResult<Vec<(String, String)>> {
        let Some(master) = &self.master else { return Ok(Vec::new()) };
        let Some(row) = master.find(id) else { return Ok(Vec::new()) };
        Ok(master
            .record(row)?
            .into_iter()
            .skip(1)
            .map(|(k, v)| {
                let shown = self.privacy.show(&k, &v);
                (k, shown)
            })
            .collect())
    }

    /// One row of a list.
    pub fn row(&self, row: usize, scheme: Option<&str>) -> ApiResult<CustomerRow> {
        let record = self.index.record(row)?;
        let get =
            |name: &str| record.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
        let num = |name: &str| get(name).and_then(|v| v.parse::<f64>().ok());
        let id = self.index.id(row).to_string();
        let attributes = Attributes(self.attributes(&id)?);
        Ok(CustomerRow {
            label: scheme.and_then(|s| self.index.label(s, row)).map(str::to_string),
            monetary: num("monetary"),
            frequency: num("frequency"),
            recency_days: num("recency_days"),
            clv_12m: num("clv_12m"),
            next_action: get("next_action").map(str::to_string),
            attributes,
            customer_id: id,
        })
    }

    /// A page of `rows` from `cursor`.
    pub fn page(
        &self,
        rows: &[u32],
        cursor: Option<&str>,
        limit: usize,
        scheme: Option<&str>,
    ) -> ApiResult<CustomerPage> {
        let start = match cursor {
            Some(c) => parse_cursor(c, self.run.info.id)?,
            None => 0,
        };
        let end = (start + limit).min(rows.len());
        let items = rows
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .map(|&r| self.row(r as usize, scheme))
            .collect::<ApiResult<_>>()?;
        Ok(CustomerPage {
            run: self.run.id,
            total: rows.len(),
            items,
            next_cursor: (end < rows.len()).then(|| format!("{}.{end}", self.run.info.id)),
        })
    }
}

/// A cursor is `STORE_RUN.OFFSET`: a run never changes, so an offset into its ordered list is
/// stable; a cursor of another run is refused.
fn parse_cursor(text: &str, store_run: i64) -> ApiResult<usize> {
    let bad = || ApiError::BadRequest(format!("`cursor` must be one given by the previous page, got `{text}`"));
    let (run, offset) = text.split_once('.').ok_or_else(bad)?;
    if run.parse::<i64>().map_err(|_| bad())? != store_run {
        return Err(ApiError::Conflict(format!(
            "the cursor `{text}` belongs to another run; start again without a cursor"
        )));
    }
    offset.parse().map_err(|_| bad())
}

/// The page size asked for, checked.
pub fn limit_of(limit: Option<usize>) -> ApiResult<usize> {
    match limit {
        None => Ok(50),
        Some(n @ 1..=1000) => Ok(n),
        Some(n) => Err(ApiError::BadRequest(format!("limit must be 1 to 1000, got {n}"))),
    }
}

/// A search.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Text in the customer id or a master attribute (viewers: not in personal data).
    pub q: Option<String>,
    /// Only customers with `label` in this scheme.
    pub scheme: Option<String>,
    /// The label (with `scheme`).
    pub label: Option<String>,
    /// A run id or `latest` (default).
    pub run: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    pub limit: Option<usize>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Customers by id or attribute, and by label.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(SearchQuery),
    responses((status = 200, body = CustomerPage), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<CustomerPage>> {
    let limit = limit_of(q.limit)?;
    let loaded = load(&state, q.run.as_deref(), &caller).await?;
    let page = tokio::task::spawn_blocking(move || {
        let rows = matching(&loaded, q.q.as_deref(), q.scheme.as_deref(), q.label.as_deref())?;
        loaded.page(&rows, q.cursor.as_deref(), limit, q.scheme.as_deref())
    })
    .await??;
    Ok(Json(page))
}

/// Rows matching a search, in id order.
pub fn matching(l: &Loaded, q: Option<&str>, scheme: Option<&str>, label: Option<&str>) -> ApiResult<Vec<u32>> {
    let mut rows: Vec<u32> = match (scheme, label) {
        (Some(s), Some(lab)) => {
            if !l.index.has_scheme(s) {
                return Err(ApiError::NotFound(format!("run {} has no scheme `{s}`", l.run.id)));
            }
            l.index.members(s, lab, Sort::Id).to_vec()
        }
        (None, None) => (0..l.index.len() as u32).collect(),
        _ => return Err(ApiError::BadRequest("give `scheme` and `label` together".into())),
    };
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let by_id: std::collections::BTreeSet<u32> = l.index.search_ids(q).into_iter().collect();
        let by_attribute = attribute_matches(l, q)?;
        rows.retain(|r| by_id.contains(r) || by_attribute.contains(l.index.id(*r as usize)));
    }
    Ok(rows)
}

/// Customer ids whose master attributes contain `q` (case-insensitively); personal data is
/// searched only for callers who see it.
fn attribute_matches(l: &Loaded, q: &str) -> ApiResult<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    let Some(master) = &l.master else { return Ok(found) };
    let needle = q.to_lowercase();
    let searchable: Vec<bool> = master.header.iter().map(|k| l.privacy.reveal || !l.privacy.is_personal(k)).collect();
    master.scan(|row, values| {
        let hit = values
            .iter()
            .enumerate()
            .skip(1)
            .any(|(k, v)| searchable.get(k).copied().unwrap_or(false) && v.to_lowercase().contains(&needle));
        if hit {
            found.insert(master.id(row).to_string());
        }
    })?;
    Ok(found)
}

/// A label of a customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelView {
    /// Scheme id.
    pub scheme: String,
    /// Scheme names.
    #[schema(value_type = Object)]
    pub scheme_name: custseg_engine::catalog::Names,
    /// Label id.
    pub label: String,
    /// Label names.
    #[schema(value_type = Object)]
    pub name: custseg_engine::catalog::Names,
}

/// One customer's file.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    /// Customer id.
    pub customer_id: String,
    /// The run read.
    pub run: i64,
    /// The run's as-of date.
    pub as_of: String,
    /// Features by their customers.csv names (`recency_days`, `frequency`, `monetary`, ...).
    #[schema(value_type = Object)]
    pub features: serde_json::Map<String, serde_json::Value>,
    /// Every label of the run.
    pub labels: Vec<LabelView>,
    /// 12-month CLV.
    pub clv_12m: Option<f64>,
    /// P(alive).
    pub p_alive: Option<f64>,
    /// The playbook's next action, and which label it comes from.
    pub next_action: Option<String>,
    /// `scheme:label` the next action comes from.
    pub next_action_from: Option<String>,
    /// Master attributes (personal data masked for viewers).
    #[schema(value_type = Object)]
    pub attributes: Attributes,
    /// Their record in every run of the store, oldest first (the server's run ids).
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<serde_json::Value>,
    /// The features' names in customers.csv's order (for pages).
    #[serde(skip)]
    pub order: Vec<String>,
}

/// Which run.
#[derive(Debug, Deserialize, IntoParams)]
pub struct OneQuery {
    /// A run id or `latest` (default).
    pub run: Option<String>,
}

/// One customer: features, every label, CLV, P(alive), next action, attributes and their record
/// in every run.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "customer id"), OneQuery),
    responses((status = 200, body = CustomerView), (status = 404, body = crate::error::Problem)))]
pub async fn one(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<OneQuery>,
) -> ApiResult<Json<CustomerView>> {
    let loaded = load(&state, q.run.as_deref(), &caller).await?;
    let jobs = crate::runs::job_of_runs(&state).await?;
    let known = crate::runs::known_schemes(&state);
    // the store read and the file read on one blocking thread: one hop off the runtime
    let st = state.clone();
    let view = tokio::task::spawn_blocking(move || {
        let history = st.db_now(|s| s.customer_history_using(&id, &known))?;
        customer_view(&loaded, &id, &history, &jobs)
    })
    .await??;
    Ok(Json(view))
}

/// One recommended item.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationView {
    /// 1 = the best.
    pub rank: u32,
    /// The item (product or category).
    pub item: String,
    /// The rule's confidence, or the item's share of baskets.
    pub score: f64,
    /// `rule` or `popular`.
    pub source: String,
    /// The rule's rank in the run's rules.csv.
    pub rule: Option<u32>,
    /// The items bought that the rule starts from.
    pub because: Vec<String>,
    /// The rule's confidence.
    pub confidence: Option<f64>,
    /// The rule's lift.
    pub lift: Option<f64>,
    /// For a popular item: the class (label id) it is popular in; absent: every basket.
    pub segment: Option<String>,
    /// Why, in words.
    #[schema(value_type = Object)]
    pub reason: custseg_engine::catalog::Names,
}

/// A customer's next products.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationsView {
    /// The run read.
    pub run: i64,
    /// The customer.
    pub customer_id: String,
    /// Best first; empty when the customer bought nothing with an item.
    pub items: Vec<RecommendationView>,
}

/// A customer's next products from a run's basket analysis, each with its reason.
#[utoipa::path(get, path = "/api/v1/customers/{id}/recommendations", tag = "customers",
    params(("id" = String, Path, description = "customer id"), OneQuery),
    responses((status = 200, body = RecommendationsView), (status = 404, body = crate::error::Problem)))]
pub async fn recommendations(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<OneQuery>,
) -> ApiResult<Json<RecommendationsView>> {
    let loaded = load(&state, q.run.as_deref(), &caller).await?;
    Ok(Json(recommendations_of(&state, &loaded, &id).await?))
}

/// A customer's recommendations in a loaded run.
///
/// # Errors
/// 404 when the customer is not in the run or the run has no recommendations.
pub async fn recommendations_of(state: &AppState, l: &Loaded, id: &str) -> ApiResult<RecommendationsView> {
    let run = &l.run;
    if l.index.find(id).is_none() {
        return Err(ApiError::NotFound(format!("run {} has no customer `{id}`", run.id)));
    }
    let file = run.dir.join("recommendations.csv");
    if !file.is_file() {
        return Err(ApiError::NotFound(format!(
            "run {} has no recommendations: its log has no product or category column, or [basket] is off",
            run.id
        )));
    }
    let index = state.indexes.get(Of::Recommendations(run.info.id), file, Vec::new()).await?;
    let ctx = context(state, run).await?;
    let segment_names = ctx
        .basket_by
        .as_ref()
        .and_then(|by| run.schemes.iter().find(|s| s.scheme == *by))
        .map(|s| s.labels.clone())
        .unwrap_or_default();
    let wanted = id.to_string();
    let records = match index.find(&wanted) {
        Some(row) => tokio::task::spawn_blocking(move || index.records(row)).await??,
        None => Vec::new(),
    };
    let items = records
        .into_iter()
        .map(|r| {
            let get = |name: &str| r.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
            let num = |name: &str| get(name).and_then(|v| v.parse::<f64>().ok());
            let item = get("item").unwrap_or_default();
            let because: Vec<String> = get("because")
                .map(|b| b.split(custseg_engine::basket::SEP).map(str::to_string).collect())
                .unwrap_or_default();
            let segment = get("segment");
            let score = num("score").unwrap_or(0.0);
            let (confidence, lift) = (num("confidence"), num("lift"));
            let say = |lang: custseg_engine::Lang| {
                use custseg_engine::basket::{Because, reason_text};
                match (confidence, lift) {
                    (Some(confidence), Some(lift)) => {
                        let bought: Vec<&str> = because.iter().map(String::as_str).collect();
                        reason_text(&item, Because::Rule { bought: &bought, confidence, lift }, lang)
                    }
                    _ => {
                        let name = segment
                            .as_ref()
                            .and_then(|s| segment_names.iter().find(|(l, _)| l == s))
                            .map(|(_, n)| n.get(lang).to_string());
                        reason_text(&item, Because::Popular { segment: name.as_deref(), share: score }, lang)
                    }
                }
            };
            let reason =
                custseg_engine::catalog::Names::new(say(custseg_engine::Lang::En), say(custseg_engine::Lang::Zh));
            RecommendationView {
                rank: get("rank").and_then(|v| v.parse().ok()).unwrap_or(0),
                score,
                source: get("source").unwrap_or_default(),
                rule: get("rule").and_then(|v| v.parse().ok()),
                because,
                confidence,
                lift,
                segment,
                reason,
                item,
            }
        })
        .collect();
    Ok(RecommendationsView { run: run.id, customer_id: id.to_string(), items })
}

/// A customer's record over runs, and the server's run id of each store run.
///
/// # Errors
/// When the store fails.
pub async fn history_of(state: &AppState, id: &str) -> ApiResult<(CustomerHistory, Arc<HashMap<i64, i64>>)> {
    let jobs = crate::runs::job_of_runs(state).await?;
    let known = crate::runs::known_schemes(state);
    let wanted = id.to_string();
    let history = state.db(move |s| s.customer_history_using(&wanted, &known)).await?;
    Ok((history, jobs))
}

/// Builds a customer's view.
pub fn customer_view(
    l: &Loaded,
    id: &str,
    history: &CustomerHistory,
    jobs: &HashMap<i64, i64>,
) -> ApiResult<CustomerView> {
    let row = l.index.find(id).ok_or_else(|| ApiError::NotFound(format!("run {} has no customer `{id}`", l.run.id)))?;
    let record = l.index.record(row)?;
    let schemes = &l.run.schemes;
    let mut features = serde_json::Map::new();
    let mut labels = Vec::new();
    let mut next = (None, None);
    for (column, value) in record.iter().skip(1) {
        if let Some(s) = schemes.iter().find(|s| s.scheme == *column) {
            if let Some((label, name)) = s.labels.iter().find(|(l, _)| l == value) {
                labels.push(LabelView {
                    scheme: s.scheme.clone(),
                    scheme_name: s.name.clone(),
                    label: label.clone(),
                    name: name.clone(),
                });
            }
            continue;
        }
        match column.as_str() {
            "next_action" => next.0 = Some(value.clone()).filter(|v| !v.is_empty()),
            "next_action_from" => next.1 = Some(value.clone()).filter(|v| !v.is_empty()),
            _ => {
                let shown = l.privacy.show(column, value);
                features.insert(column.clone(), json_value(&shown));
            }
        }
    }
    let number = |k: &str| features.get(k).and_then(serde_json::Value::as_f64);
    let order = record.iter().skip(1).map(|(k, _)| k.clone()).filter(|k| features.contains_key(k)).collect();
    let run_of = |store_run: i64| jobs.get(&store_run).copied();
    let history = history
        .rows
        .iter()
        .map(|h| {
            serde_json::json!({
                "run": run_of(h.run_id),
                "as_of": h.as_of,
                "recency_days": h.recency_days,
                "frequency": h.frequency,
                "monetary": h.monetary,
                "clv": h.clv,
                "p_alive": h.p_alive,
                "labels": h.labels.iter().map(|x| serde_json::json!({"scheme": x.scheme, "label": x.label, "name": x.name})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(CustomerView {
        customer_id: id.to_string(),
        run: l.run.id,
        as_of: l.run.info.as_of.clone(),
        clv_12m: number("clv_12m"),
        p_alive: number("p_alive"),
        attributes: Attributes(l.attributes(id)?),
        features,
        labels,
        next_action: next.0,
        next_action_from: next.1,
        history,
        order,
    })
}

/// A CSV field as JSON: a finite number when it reads as one (and is not a code such as
/// `0012`), else text.
fn json_value(text: &str) -> serde_json::Value {
    if text.is_empty() {
        return serde_json::Value::Null;
    }
    let code = text.len() > 1 && text.starts_with('0') && !text.starts_with("0.");
    if !code && let Ok(n) = text.parse::<i64>() {
        return serde_json::Value::Number(n.into());
    }
    match text.parse::<f64>().ok().filter(|x| x.is_finite() && !code).and_then(serde_json::Number::from_f64) {
        Some(n) => serde_json::Value::Number(n),
        None => serde_json::Value::String(text.into()),
    }
}
