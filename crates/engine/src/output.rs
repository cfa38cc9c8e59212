//! The output tables: customers (one row per customer, features and every label) and segments
//! (per scheme and label: size, revenue and mean R/F/M).

use custseg_core::Lang;
use custseg_core::rfm::SegmentRule;
use custseg_data::clean::Dictionary;
use custseg_data::features::Features;
use custseg_data::master::Master;
use custseg_data::sink::{BatchBuilder, Column, Table};
use rayon::prelude::*;
use serde::Serialize;

use crate::classify::{Classified, Scheme, label_display};

/// `v` rounded to `digits` decimals (halves away from zero), a negative zero as zero.
pub(crate) fn round(v: f64, digits: i32) -> f64 {
    // 10^digits: exact for these digits (products of exact integers below 2^53), as `powi` gives
    const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let p = usize::try_from(digits).ok().and_then(|d| POW10.get(d).copied()).unwrap_or_else(|| 10f64.powi(digits));
    let r = round_half_away(v * p) / p;
    if r == 0.0 { 0.0 } else { r }
}

/// `f64::round` up to the sign of a zero result, without its call into libm (baseline x86-64
/// has no rounding instruction; ten million values per customers table): below 2^52 in size
/// the truncation `x as i64` is exact and so is the fraction `x - t`; larger values, NaN and
/// infinities are their own rounding.
fn round_half_away(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x;
    }
    let t = x as i64 as f64;
    let fraction = x - t;
    if fraction >= 0.5 {
        t + 1.0
    } else if fraction <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// The customers table, built column by column into a batch. `rows[i]` is `Some(feature index)` for a purchaser, `None` for a
/// prospect whose id is `prospect_ids` in order; `master_row[i]` is the row's index in the
/// master file, if any; `predictions` are the CLV columns (placed after the BTYD summary).
#[expect(clippy::too_many_arguments, reason = "the run's parts, each borrowed; issue 28 folds them into one context")]
pub fn customers_table<'a>(
    f: &'a Features,
    c: &'a Classified,
    schemes: &'a [Scheme],
    rows: &'a [Option<usize>],
    ids: &'a [&'a str],
    master: Option<(&'a Master, &'a [Option<usize>])>,
    predictions: Vec<(String, Column)>,
    lang: Lang,
) -> BatchBuilder<'a> {
    // each column made straight from the features into its array (no column of options first)
    let n = rows.len();
    let at = move |k: usize| rows[k];
    let mut t = BatchBuilder::default();
    t.push_text("customer_id", ids.len(), move |i| Some(ids[i]));
    t.push_dates("first_purchase", n, move |k| at(k).map(|i| f.first_purchase[i]));
    t.push_dates("last_purchase", n, move |k| at(k).map(|i| f.last_purchase[i]));
    t.push_ints("recency_days", n, move |k| at(k).map(|i| f.recency_days[i]));
    t.push_ints("frequency", n, move |k| Some(at(k).map_or(0, |i| f.frequency[i] as i64)));
    t.push_floats("monetary", n, move |k| Some(at(k).map_or(0.0, |i| round(f.monetary[i], 4))));
    t.push_floats("aov", n, move |k| at(k).and_then(|i| f.aov[i].map(|v| round(v, 4))));
    t.push_ints("tenure_days", n, move |k| at(k).map(|i| f.tenure_days[i]));
    t.push_ints("returns_count", n, move |k| at(k).map(|i| f.returns_count[i] as i64));
    t.push_floats("returns_amount", n, move |k| at(k).map(|i| round(f.returns_amount[i], 4)));
    t.push_floats("avg_interpurchase_days", n, move |k| {
        at(k).and_then(|i| f.avg_interpurchase_days[i].map(|v| round(v, 4)))
    });
    t.push_floats("annual_spend", n, move |k| at(k).map(|i| round(f.annual_spend[i], 4)));
    if let (Some(cats), Some(top)) = (&f.n_categories, &f.top_category) {
        t.push_ints("n_categories", n, move |k| at(k).map(|i| cats[i] as i64));
        t.push_text("top_category", n, move |k| at(k).and_then(|i| top[i].as_deref()));
        if let Some(share) = &f.top_category_share {
            t.push_floats("top_category_share", n, move |k| at(k).and_then(|i| share[i].map(|v| round(v, 4))));
        }
    }
    for (c, ch) in f.channels.iter().enumerate() {
        t.push_floats(channel_column(ch), n, move |k| at(k).map(|i| round(f.channel_share[c][i], 6)));
    }
    if !f.channels.is_empty() {
        t.push_codes("preferred_channel", f.channels.clone(), n, move |k| {
            at(k).and_then(|i| preferred_channel(f, i)).map(|c| c as u16)
        });
    }
    if let Some(share) = &f.discounted_share {
        t.push_floats("discounted_share", n, move |k| at(k).and_then(|i| share[i].map(|v| round(v, 4))));
    }
    t.push_ints("x", n, move |k| at(k).map(|i| f.x[i] as i64));
    t.push_floats("t_x", n, move |k| at(k).map(|i| f.t_x[i]));
    t.push_floats("T", n, move |k| at(k).map(|i| f.t_cal[i]));
    t.push_floats("zbar", n, move |k| at(k).map(|i| round(f.zbar[i], 4)));
    for (name, col) in predictions {
        t.push(name, col);
    }
    t.push_ints("r_score", n, move |k| at(k).map(|i| i64::from(c.scores.r[i])));
    t.push_ints("f_score", n, move |k| at(k).map(|i| i64::from(c.scores.f[i])));
    t.push_ints("m_score", n, move |k| at(k).map(|i| i64::from(c.scores.m[i])));
    // "RFM" cells as codes into the n^3 possible strings (no string per customer)
    let top = |v: &[u8]| v.iter().copied().max().unwrap_or(1);
    let levels = u16::from(top(&c.scores.r).max(top(&c.scores.f)).max(top(&c.scores.m)).max(1));
    let labels: Vec<String> = (0..levels * levels * levels)
        .map(|k| format!("{}{}{}", k / (levels * levels) + 1, k / levels % levels + 1, k % levels + 1))
        .collect();
    let code = move |i: usize| {
        let s = |v: u8| u16::from(v.max(1)) - 1;
        s(c.scores.r[i]) * levels * levels + s(c.scores.f[i]) * levels + s(c.scores.m[i])
    };
    t.push_codes("rfm_score", labels, n, move |k| at(k).map(code));
    for s in schemes {
        t.push_codes(s.id.clone(), s.labels.clone(), n, move |k| s.of_row[k]);
        if let Some(names) = &s.names {
            let names = names.iter().map(|x| x.get(lang).to_string()).collect();
            t.push_codes(format!("{}_name", s.id), names, n, move |k| s.of_row[k]);
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
    /// Their share of all the run's customers (prospects included), the one denominator.
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
        // one denominator for every scheme: all the run's customers (a scheme that leaves
        // prospects out has shares that add up to the purchasers' share)
        let total_n = rows.len() as u64;
        let total_rev: f64 = revenue.iter().sum();
        for l in 0..k {
            let b = buyers[l] as f64;
            let mean = |x: f64| (buyers[l] > 0).then(|| round(x / b, 4));
            out.push(SegmentRow {
                scheme: s.id.clone(),
                label: s.labels[l].clone(),
                name: match &s.names {
                    Some(names) => names[l].get(lang).to_string(),
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

/// A crosstab dimension: its distinct labels (byte strings, so each label has one code) and
/// each row's code; a row without a label has the label [`NO_LABEL`].
struct Dimension {
    labels: Vec<String>,
    of_row: Vec<u32>,
}

/// The crosstab's label for customers a scheme does not classify (prospects, for RFM).
pub const NO_LABEL: &str = "(none)";

/// Most cells counted in a dense grid; two dimensions with more label pairs than this (master
/// attributes with many values) are counted in a hash map.
const DENSE_CELLS: usize = 1 << 22;

/// The labels of one crosstab dimension, a scheme's label ids or a master-file attribute's
/// values, coded per output row. `None` when the run has no such dimension.
fn dimension(
    name: &str,
    schemes: &[Scheme],
    master: Option<(&Master, &[Option<usize>])>,
    n_rows: usize,
) -> Option<Dimension> {
    // labels coded in order of first appearance
    let mut labels = Dictionary::default();
    let of_row: Vec<u32> = if let Some(s) = schemes.iter().find(|s| s.id == name) {
        let of_label: Vec<u32> = s.labels.iter().map(|l| labels.code(l)).collect();
        s.of_row.iter().map(|c| c.map_or_else(|| labels.code(NO_LABEL), |k| of_label[usize::from(k)])).collect()
    } else {
        let (m, master_row) = master?;
        let a = m.attributes.iter().position(|c| c == name)?;
        let values = &m.values[a];
        let of_row: Vec<u32> =
            master_row.iter().map(|r| labels.code(r.and_then(|j| values[j].as_deref()).unwrap_or(NO_LABEL))).collect();
        if of_row.len() != n_rows {
            return None;
        }
        of_row
    };
    Some(Dimension { labels: labels.names, of_row })
}

/// crosstab.csv: for each configured pair of dimensions, customers and revenue per pair of
/// labels, with each cell's share of its row. Every output row is counted: a missing label is
/// `(none)`, so each pair's counts add up to all customers. Cells are in label order (byte
/// order, row label first); a cell's revenue is summed in row order. Pairs naming a dimension
/// the run does not have are returned as skipped.
pub fn crosstab_table(
    pairs: &[[String; 2]],
    schemes: &[Scheme],
    master: Option<(&Master, &[Option<usize>])>,
    rows: &[Option<usize>],
    monetary: &[f64],
) -> (Table, Vec<[String; 2]>) {
    let mut out: Vec<(String, String, String, String, u64, f64, f64)> = Vec::new();
    let mut skipped = Vec::new();
    for [a, b] in pairs {
        let (Some(da), Some(db)) =
            (dimension(a, schemes, master, rows.len()), dimension(b, schemes, master, rows.len()))
        else {
            skipped.push([a.clone(), b.clone()]);
            continue;
        };
        let (ka, kb) = (da.labels.len(), db.labels.len());
        // (customers, revenue) per cell `code_a * kb + code_b`
        let dense = ka.checked_mul(kb).is_some_and(|n| n <= DENSE_CELLS);
        let mut grid = vec![(0u64, 0.0f64); if dense { ka * kb } else { 0 }];
        let mut sparse: std::collections::HashMap<usize, (u64, f64)> = std::collections::HashMap::new();
        let mut row_total = vec![0u64; ka];
        for (i, r) in rows.iter().enumerate() {
            let (ca, cb) = (da.of_row[i] as usize, db.of_row[i] as usize);
            let rev = r.map_or(0.0, |k| monetary[k]);
            row_total[ca] += 1;
            let cell = if dense { &mut grid[ca * kb + cb] } else { sparse.entry(ca * kb + cb).or_default() };
            cell.0 += 1;
            cell.1 += rev;
        }
        let by_name = |labels: &[String]| {
            let mut order: Vec<usize> = (0..labels.len()).collect();
            order.sort_unstable_by(|&x, &y| labels[x].cmp(&labels[y]));
            order
        };
        let b_order = by_name(&db.labels);
        for ca in by_name(&da.labels) {
            for &cb in &b_order {
                let k = ca * kb + cb;
                let (n, rev) = if dense { grid[k] } else { sparse.get(&k).copied().unwrap_or_default() };
                if n == 0 {
                    continue;
                }
                let share = n as f64 / row_total[ca].max(1) as f64;
                out.push((
                    a.clone(),
                    da.labels[ca].clone(),
                    b.clone(),
                    db.labels[cb].clone(),
                    n,
                    round(rev, 2),
                    round(share, 6),
                ));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The libm-free rounding equals `f64::round` (zeros compared as numbers) on halves, values
    /// an ulp either side of them, the 2^52 edge, specials and seeded random doubles; `round`
    /// equals its `powi` definition.
    #[test]
    fn rounding_equals_the_libm_rounding() {
        let mut rng = custseg_core::math::Rng::new(9);
        let mut values = vec![0.0, -0.0, 0.5, -0.5, 1.5, -2.5, 0.49999999999999994, 4_503_599_627_370_495.5];
        values.extend([4_503_599_627_370_496.0, 9e18, -9.3e18, 1e300, f64::MAX, f64::MIN_POSITIVE, 5e-324]);
        for k in -2000..2000 {
            let half = f64::from(k) + 0.5;
            values.extend([half, f64::from_bits(half.to_bits() + 1), f64::from_bits(half.to_bits() - 1)]);
        }
        for _ in 0..200_000 {
            values.push((rng.uniform() - 0.5) * 1e6);
            values.push(f64::from_bits(rng.next_u64()));
        }
        for &x in &values {
            let (ours, libm) = (round_half_away(x), x.round());
            assert!(ours == libm || (ours.is_nan() && libm.is_nan()), "{x:e}: {ours:e} vs {libm:e}");
            for digits in [0, 2, 4, 6, 15, 16, -1] {
                let p = 10f64.powi(digits);
                let want = (x * p).round() / p;
                let want = if want == 0.0 { 0.0 } else { want };
                let got = round(x, digits);
                assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "{x:e} to {digits}");
            }
        }
        assert!(round(f64::INFINITY, 2).is_infinite() && round(f64::NAN, 2).is_nan());
    }
    use std::collections::BTreeMap;

    /// The definition, with string keys: (row label, column label) -> (customers, revenue in
    /// row order), each row's share of its row label's customers.
    fn reference(
        da: &[Option<String>],
        db: &[Option<String>],
        rows: &[Option<usize>],
        monetary: &[f64],
    ) -> Vec<(String, String, u64, f64, f64)> {
        let none = || NO_LABEL.to_string();
        let mut cells: BTreeMap<(String, String), (u64, f64)> = BTreeMap::new();
        let mut row_total: BTreeMap<String, u64> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            let la = da[i].clone().unwrap_or_else(none);
            let lb = db[i].clone().unwrap_or_else(none);
            *row_total.entry(la.clone()).or_default() += 1;
            let cell = cells.entry((la, lb)).or_default();
            cell.0 += 1;
            cell.1 += r.map_or(0.0, |k| monetary[k]);
        }
        cells
            .into_iter()
            .map(|((la, lb), (n, rev))| {
                let share = n as f64 / row_total[&la] as f64;
                (la, lb, n, round(rev, 2), round(share, 6))
            })
            .collect()
    }

    fn cells(t: &Table) -> Vec<(String, String, u64, f64, f64)> {
        let col = |name: &str| &t.columns[t.names.iter().position(|n| n == name).unwrap_or_else(|| panic!("{name}"))];
        let (Column::Str(la), Column::Str(lb), Column::Int(n), Column::Float(rev), Column::Float(share)) =
            (col("row_label"), col("column_label"), col("customers"), col("revenue"), col("share_of_row"))
        else {
            panic!("column types")
        };
        (0..la.len())
            .map(|i| {
                let get = |v: &Option<String>| v.clone().unwrap_or_default();
                (get(&la[i]), get(&lb[i]), n[i].unwrap_or(0) as u64, rev[i].unwrap_or(0.0), share[i].unwrap_or(0.0))
            })
            .collect()
    }

    #[test]
    fn crosstab_equals_the_string_keyed_definition_dense_and_sparse() {
        let mut rng = custseg_core::math::Rng::new(3);
        // 2,600 rows: enough for two unique-per-row attributes to overflow the dense grid
        let n = 2_600;
        let rows: Vec<Option<usize>> = (0..n).map(|i| (i % 7 != 0).then_some(i)).collect();
        let monetary: Vec<f64> = (0..n).map(|_| (rng.uniform() * 1e4).round() / 100.0).collect();
        let labels: Vec<String> = ["b", "a", "(none)", "c"].iter().map(|s| s.to_string()).collect();
        let scheme = Scheme {
            id: "s".into(),
            labels: labels.clone(),
            of_row: (0..n).map(|i| (i % 5 != 0).then_some((i % 4) as u16)).collect(),
            names: None,
        };
        let small: Vec<Option<String>> =
            (0..n).map(|i| (i % 3 != 0).then(|| ["x", "(none)", "y"][i % 3].to_string())).collect();
        let unique = |p: &str| (0..n).map(|i| (i % 11 != 0).then(|| format!("{p}{i}"))).collect::<Vec<_>>();
        let master = Master {
            attributes: vec!["small".into(), "u".into(), "v".into()],
            ids: (0..n).map(|i| i.to_string()).collect(),
            values: vec![small.clone(), unique("u"), unique("v")],
            ..Master::default()
        };
        let master_rows: Vec<Option<usize>> = (0..n).map(|i| (i % 13 != 0).then_some(i)).collect();
        let attr = |a: &[Option<String>]| -> Vec<Option<String>> {
            master_rows.iter().map(|r| r.and_then(|j| a[j].clone())).collect()
        };
        let of_scheme: Vec<Option<String>> =
            scheme.of_row.iter().map(|c| c.map(|k| labels[usize::from(k)].clone())).collect();
        let pair = |a: &str, b: &str| [a.to_string(), b.to_string()];
        let cases = [
            (pair("s", "small"), of_scheme.clone(), attr(&small)),
            (pair("small", "s"), attr(&small), of_scheme.clone()),
            (pair("u", "v"), attr(&master.values[1]), attr(&master.values[2])),
        ];
        for (p, da, db) in cases {
            let (t, skipped) = crosstab_table(
                std::slice::from_ref(&p),
                std::slice::from_ref(&scheme),
                Some((&master, &master_rows)),
                &rows,
                &monetary,
            );
            assert!(skipped.is_empty());
            let want = reference(&da, &db, &rows, &monetary);
            assert!(!want.is_empty());
            assert_eq!(cells(&t), want, "{p:?}");
        }
        // the unique attributes pair has more label pairs than the dense grid holds
        let labels_of = |a: &str| dimension(a, &[], Some((&master, &master_rows)), n).map_or(0, |d| d.labels.len());
        assert!(labels_of("u") * labels_of("v") > DENSE_CELLS);
        let (_, skipped) = crosstab_table(&[pair("s", "nope")], &[scheme], None, &rows, &monetary);
        assert_eq!(skipped, vec![pair("s", "nope")]);
    }
}

/// An input as recorded in run.json.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputRecord {
    /// Path as given.
    pub path: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// xxh3-128 of the bytes, hex.
    pub xxh3_128: String,
}
