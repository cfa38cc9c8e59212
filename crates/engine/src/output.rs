//! The output tables: customers (one row per customer, features and every label) and segments
//! (per scheme and label: size, revenue and mean R/F/M).

use custseg_core::Lang;
use custseg_core::rfm::SegmentRule;
use custseg_data::features::Features;
use custseg_data::master::Master;
use custseg_data::sink::{BatchBuilder, Column, Table};
use rayon::prelude::*;
use serde::Serialize;

use crate::classify::{Classified, Scheme, label_display};

pub(crate) fn round(v: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    let r = (v * p).round() / p;
    if r == 0.0 { 0.0 } else { r }
}

/// The customers table, built column by column into a batch. `rows[i]` is `Some(feature index)` for a purchaser, `None` for a
/// prospect whose id is `prospect_ids` in order; `master_row[i]` is the row's index in the
/// master file, if any; `predictions` are the CLV columns (placed after the BTYD summary).
pub fn customers_table<'a>(
    f: &'a Features,
    c: &'a Classified,
    schemes: &'a [Scheme],
    rows: &'a [Option<usize>],
    ids: &'a [&'a str],
    master: Option<(&'a Master, &'a [Option<usize>])>,
    predictions: Vec<(String, Column)>,
) -> BatchBuilder<'a> {
    let pick_i = |get: &dyn Fn(usize) -> Option<i64>| Column::Int(rows.iter().map(|r| r.and_then(get)).collect());
    let pick_f = |get: &dyn Fn(usize) -> Option<f64>| Column::Float(rows.iter().map(|r| r.and_then(get)).collect());
    let mut t = BatchBuilder::default();
    t.push_text("customer_id", ids.len(), move |i| Some(ids[i]));
    t.push_with("first_purchase", move || Column::Date(rows.iter().map(|r| r.map(|i| f.first_purchase[i])).collect()));
    t.push_with("last_purchase", move || Column::Date(rows.iter().map(|r| r.map(|i| f.last_purchase[i])).collect()));
    t.push_with("recency_days", move || pick_i(&|i| Some(f.recency_days[i])));
    t.push_with("frequency", move || {
        Column::Int(rows.iter().map(|r| Some(r.map_or(0, |i| f.frequency[i] as i64))).collect())
    });
    t.push_with("monetary", move || {
        Column::Float(rows.iter().map(|r| Some(r.map_or(0.0, |i| round(f.monetary[i], 4)))).collect())
    });
    t.push_with("aov", move || pick_f(&|i| f.aov[i].map(|v| round(v, 4))));
    t.push_with("tenure_days", move || pick_i(&|i| Some(f.tenure_days[i])));
    t.push_with("returns_count", move || pick_i(&|i| Some(f.returns_count[i] as i64)));
    t.push_with("returns_amount", move || pick_f(&|i| Some(round(f.returns_amount[i], 4))));
    t.push_with("avg_interpurchase_days", move || pick_f(&|i| f.avg_interpurchase_days[i].map(|v| round(v, 4))));
    t.push_with("annual_spend", move || pick_f(&|i| Some(round(f.annual_spend[i], 4))));
    if let (Some(n), Some(top)) = (&f.n_categories, &f.top_category) {
        t.push_with("n_categories", move || pick_i(&|i| Some(n[i] as i64)));
        t.push_text("top_category", rows.len(), move |k| rows[k].and_then(|i| top[i].as_deref()));
        if let Some(share) = &f.top_category_share {
            t.push_with("top_category_share", move || pick_f(&|i| share[i].map(|v| round(v, 4))));
        }
    }
    for (k, ch) in f.channels.iter().enumerate() {
        t.push_with(channel_column(ch), move || pick_f(&|i| Some(round(f.channel_share[k][i], 6))));
    }
    if !f.channels.is_empty() {
        t.push_with("preferred_channel", move || Column::Codes {
            labels: f.channels.clone(),
            codes: rows.iter().map(|r| r.and_then(|i| preferred_channel(f, i)).map(|c| c as u16)).collect(),
        });
    }
    if let Some(share) = &f.discounted_share {
        t.push_with("discounted_share", move || pick_f(&|i| share[i].map(|v| round(v, 4))));
    }
    t.push_with("x", move || pick_i(&|i| Some(f.x[i] as i64)));
    t.push_with("t_x", move || pick_f(&|i| Some(f.t_x[i])));
    t.push_with("T", move || pick_f(&|i| Some(f.t_cal[i])));
    t.push_with("zbar", move || pick_f(&|i| Some(round(f.zbar[i], 4))));
    for (name, col) in predictions {
        t.push(name, col);
    }
    t.push_with("r_score", move || pick_i(&|i| Some(i64::from(c.scores.r[i]))));
    t.push_with("f_score", move || pick_i(&|i| Some(i64::from(c.scores.f[i]))));
    t.push_with("m_score", move || pick_i(&|i| Some(i64::from(c.scores.m[i]))));
    // "RFM" cells as codes into the n^3 possible strings (no string per customer)
    let top = |v: &[u8]| v.iter().copied().max().unwrap_or(1);
    let n = u16::from(top(&c.scores.r).max(top(&c.scores.f)).max(top(&c.scores.m)).max(1));
    let labels: Vec<String> =
        (0..n * n * n).map(|k| format!("{}{}{}", k / (n * n) + 1, k / n % n + 1, k % n + 1)).collect();
    let code = move |i: usize| {
        let s = |v: u8| u16::from(v.max(1)) - 1;
        s(c.scores.r[i]) * n * n + s(c.scores.f[i]) * n + s(c.scores.m[i])
    };
    t.push_with("rfm_score", move || Column::Codes { labels, codes: rows.iter().map(|r| r.map(code)).collect() });
    for s in schemes {
        t.push_with(s.id.clone(), move || Column::Codes { labels: s.labels.clone(), codes: s.of_row.clone() });
        if let Some(names) = &s.names {
            t.push_with(format!("{}_name", s.id), move || Column::Codes {
                labels: names.clone(),
                codes: s.of_row.clone(),
            });
        }
    }
    if let Some((m, master_row)) = master {
        for (a, name) in m.attributes.iter().enumerate() {
            let col = master_column(name, &|n| t.names.iter().any(|x| x == n));
            t.push_with(col, move || {
                Column::Str(master_row.iter().map(|r| r.and_then(|j| m.values[a][j].clone())).collect())
            });
        }
    }
    t
}

/// The column name of a master attribute in a table whose names `taken` answers for: its own
/// name, or `attr_<name>` when that is taken.
pub fn master_column(attribute: &str, taken: &dyn Fn(&str) -> bool) -> String {
    if taken(attribute) { format!("attr_{attribute}") } else { attribute.to_string() }
}

/// The column of a channel's share of spend: `channel_share_<value>`, lower case, other
/// characters than letters and digits as `_`.
pub fn channel_column(channel: &str) -> String {
    let name: String =
        channel.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    format!("channel_share_{name}")
}

/// Index of the channel with the largest share of a customer's spend (ties: the first listed);
/// `None` without any channel spend.
pub fn preferred_channel(f: &Features, i: usize) -> Option<usize> {
    (0..f.channels.len())
        .fold(None::<(usize, f64)>, |b, c| {
            let s = f.channel_share[c][i];
            if s > 0.0 && b.is_none_or(|(_, v)| s > v) { Some((c, s)) } else { b }
        })
        .map(|(c, _)| c)
}

/// One row of segments.csv.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentRow {
    /// Scheme id.
    pub scheme: String,
    /// Label id.
    pub label: String,
    /// Display name.
    pub name: String,
    /// Customers with this label.
    pub customers: u64,
    /// Their share of the scheme's customers.
    pub share: f64,
    /// Their net revenue.
    pub revenue: f64,
    /// Share of the scheme's revenue.
    pub revenue_share: f64,
    /// Mean recency (days), over purchasers.
    pub mean_recency_days: Option<f64>,
    /// Mean frequency.
    pub mean_frequency: Option<f64>,
    /// Mean monetary.
    pub mean_monetary: Option<f64>,
    /// Purchases / orders.
    pub aov: Option<f64>,
}

/// Per scheme and label: counts, revenue and means. Labels with no customers are listed too
/// (with zeros), so every run has the same rows for the same config.
pub fn segment_rows(
    f: &Features,
    schemes: &[Scheme],
    rows: &[Option<usize>],
    lang: Lang,
    rules: &[SegmentRule],
) -> Vec<SegmentRow> {
    // one scheme per task (each summed in row order, as one pass would): the schemes on every core
    let per_scheme = |s: &Scheme| {
        let mut out = Vec::with_capacity(s.labels.len());
        let k = s.labels.len();
        let mut n = vec![0u64; k];
        let mut buyers = vec![0u64; k];
        let mut revenue = vec![0.0; k];
        let mut rec = vec![0.0; k];
        let mut freq = vec![0.0; k];
        let mut gross = vec![0.0; k];
        for (row, label) in rows.iter().zip(&s.of_row) {
            let Some(l) = label else { continue };
            let l = usize::from(*l);
            n[l] += 1;
            if let Some(i) = row {
                buyers[l] += 1;
                revenue[l] += f.monetary[*i];
                rec[l] += f.recency_days[*i] as f64;
                freq[l] += f.frequency[*i] as f64;
                gross[l] += f.aov[*i].unwrap_or(0.0) * f.frequency[*i] as f64;
            }
        }
        let total_n: u64 = n.iter().sum();
        let total_rev: f64 = revenue.iter().sum();
        for l in 0..k {
            let b = buyers[l] as f64;
            let mean = |x: f64| (buyers[l] > 0).then(|| round(x / b, 4));
            out.push(SegmentRow {
                scheme: s.id.clone(),
                label: s.labels[l].clone(),
                name: match &s.names {
                    Some(names) => names[l].clone(),
                    None => label_display(&s.id, &s.labels[l], lang, rules),
                },
                customers: n[l],
                share: if total_n > 0 { round(n[l] as f64 / total_n as f64, 6) } else { 0.0 },
                revenue: round(revenue[l], 2),
                revenue_share: if total_rev != 0.0 { round(revenue[l] / total_rev, 6) } else { 0.0 },
                mean_recency_days: mean(rec[l]),
                mean_frequency: mean(freq[l]),
                mean_monetary: mean(revenue[l]),
                aov: (freq[l] > 0.0).then(|| round(gross[l] / freq[l], 4)),
            });
        }
        out
    };
    let per: Vec<Vec<SegmentRow>> = schemes.par_iter().map(per_scheme).collect();
    per.into_iter().flatten().collect()
}

/// segments.csv as a table.
pub fn segments_table(rows: &[SegmentRow]) -> Table {
    let mut t = Table::default();
    t.push("scheme", Column::Str(rows.iter().map(|r| Some(r.scheme.clone())).collect()));
    t.push("label", Column::Str(rows.iter().map(|r| Some(r.label.clone())).collect()));
    t.push("name", Column::Str(rows.iter().map(|r| Some(r.name.clone())).collect()));
    t.push("customers", Column::Int(rows.iter().map(|r| Some(r.customers as i64)).collect()));
    t.push("share", Column::Float(rows.iter().map(|r| Some(r.share)).collect()));
    t.push("revenue", Column::Float(rows.iter().map(|r| Some(r.revenue)).collect()));
    t.push("revenue_share", Column::Float(rows.iter().map(|r| Some(r.revenue_share)).collect()));
    t.push("mean_recency_days", Column::Float(rows.iter().map(|r| r.mean_recency_days).collect()));
    t.push("mean_frequency", Column::Float(rows.iter().map(|r| r.mean_frequency).collect()));
    t.push("mean_monetary", Column::Float(rows.iter().map(|r| r.mean_monetary).collect()));
    t.push("aov", Column::Float(rows.iter().map(|r| r.aov).collect()));
    t
}

/// The label of every output row in one crosstab dimension: a scheme's label id, or a
/// master-file attribute's value. `None` when the run has no such dimension.
fn dimension(
    name: &str,
    schemes: &[Scheme],
    master: Option<(&Master, &[Option<usize>])>,
    n_rows: usize,
) -> Option<Vec<Option<String>>> {
    if let Some(s) = schemes.iter().find(|s| s.id == name) {
        return Some(s.of_row.iter().map(|c| c.map(|k| s.labels[usize::from(k)].clone())).collect());
    }
    let (m, master_row) = master?;
    let a = m.attributes.iter().position(|c| c == name)?;
    let values: Vec<Option<String>> = master_row.iter().map(|r| r.and_then(|j| m.values[a][j].clone())).collect();
    (values.len() == n_rows).then_some(values)
}

/// crosstab.csv: for each configured pair of dimensions, customers and revenue per pair of
/// labels, with each cell's share of its row. Every output row is counted: a missing label is
/// `(none)`, so each pair's counts add up to all customers. Pairs naming a dimension the run
/// does not have are returned as skipped.
pub fn crosstab_table(
    pairs: &[[String; 2]],
    schemes: &[Scheme],
    master: Option<(&Master, &[Option<usize>])>,
    rows: &[Option<usize>],
    monetary: &[f64],
) -> (Table, Vec<[String; 2]>) {
    use std::collections::BTreeMap;
    let none = "(none)".to_string();
    let mut out: Vec<(String, String, String, String, u64, f64, f64)> = Vec::new();
    let mut skipped = Vec::new();
    for [a, b] in pairs {
        let (Some(da), Some(db)) =
            (dimension(a, schemes, master, rows.len()), dimension(b, schemes, master, rows.len()))
        else {
            skipped.push([a.clone(), b.clone()]);
            continue;
        };
        let mut cells: BTreeMap<(String, String), (u64, f64)> = BTreeMap::new();
        let mut row_total: BTreeMap<String, u64> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            let la = da[i].clone().unwrap_or_else(|| none.clone());
            let lb = db[i].clone().unwrap_or_else(|| none.clone());
            let rev = r.map_or(0.0, |k| monetary[k]);
            *row_total.entry(la.clone()).or_default() += 1;
            let cell = cells.entry((la, lb)).or_default();
            cell.0 += 1;
            cell.1 += rev;
        }
        for ((la, lb), (n, rev)) in cells {
            let share = n as f64 / row_total[&la].max(1) as f64;
            out.push((a.clone(), la, b.clone(), lb, n, round(rev, 2), round(share, 6)));
        }
    }
    let mut t = Table::default();
    t.push("row_dimension", Column::Str(out.iter().map(|r| Some(r.0.clone())).collect()));
    t.push("row_label", Column::Str(out.iter().map(|r| Some(r.1.clone())).collect()));
    t.push("column_dimension", Column::Str(out.iter().map(|r| Some(r.2.clone())).collect()));
    t.push("column_label", Column::Str(out.iter().map(|r| Some(r.3.clone())).collect()));
    t.push("customers", Column::Int(out.iter().map(|r| Some(r.4 as i64)).collect()));
    t.push("revenue", Column::Float(out.iter().map(|r| Some(r.5)).collect()));
    t.push("share_of_row", Column::Float(out.iter().map(|r| Some(r.6)).collect()));
    (t, skipped)
}
