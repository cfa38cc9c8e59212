//! The optional customer master file: one row per customer with any attributes (industry, size,
//! region, age, gender, signup date, ...). Joined to the transactions by customer id; customers
//! in it without transactions become prospects. Rows without an id, and repeats of an id already
//! seen (the first row wins), are rejected and counted.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::execution::context::SessionContext;
use serde::Serialize;

use crate::error::{DataError, Result};
use crate::ingest::read_ordered;
use crate::mapping::{PersonalData, Role, choose, normalize};
use crate::quality::RowRef;
use crate::source::{self, CsvOptions, Format};

/// The master file, as text.
#[derive(Debug, Clone, Default)]
pub struct Master {
    /// The id column's name.
    pub id_column: String,
    /// Attribute column names, in file order.
    pub attributes: Vec<String>,
    /// Customer ids, in file order, unique.
    pub ids: Vec<String>,
    /// `values[a][i]`: attribute `a` of customer `ids[i]`.
    pub values: Vec<Vec<Option<String>>>,
    /// What happened to the rows.
    pub report: MasterReport,
    /// The columns holding personal data, read only with [`Personal::Keep`].
    pub personal: Vec<String>,
}

/// Whether the personal-data columns of a master file are read: those whose names say so, and
/// those a configuration declares (`[privacy] pii`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personal<'a> {
    /// Not read (a run: no rule needs them, and no output may carry them unasked).
    LeaveOut(&'a [String]),
    /// Read as attributes (the server, which masks them for viewers).
    Keep(&'a [String]),
}

impl Personal<'_> {
    /// Whether column `c` holds personal data.
    fn holds(&self, c: &str) -> bool {
        let (Personal::LeaveOut(declared) | Personal::Keep(declared)) = self;
        PersonalData::of(c).is_some() || declared.iter().any(|d| d == c)
    }
}

/// Row accounting for the master file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MasterReport {
    /// File path.
    pub path: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows kept.
    pub rows_kept: u64,
    /// Rows rejected, by reason (`missing_customer_id`, `duplicate_customer_id`).
    pub rejected_by_reason: BTreeMap<&'static str, u64>,
    /// Every rejected row (line and id).
    pub rejects: Vec<RowRef>,
    /// Per numeric attribute, the values that are not numbers, read as missing.
    pub not_numbers: Vec<NotNumbers>,
    /// Columns holding personal data (by their names), which are not read.
    pub personal_data_left_out: Vec<String>,
    /// Attributes given their canonical name (`年龄` -> `age`), so the built-in schemes find
    /// them: `(name in the file, name used)`.
    pub renamed: Vec<(String, String)>,
}

/// Canonical attribute names and the column names they are recognised by (normalised as in
/// [`normalize`]): the built-in schemes (`size`, `age_band`) and the wallet read these names.
const ATTRIBUTE_NAMES: &[(&str, &[&str])] = &[
    ("age", &["age", "年龄", "年纪", "客户年龄"]),
    ("gender", &["gender", "sex", "性别"]),
    ("member_level", &["memberlevel", "membershiplevel", "会员等级", "会员级别", "等级"]),
    ("city", &["city", "城市", "所在城市"]),
    ("region", &["region", "地区", "区域", "省份", "province"]),
    ("industry", &["industry", "行业", "所属行业"]),
    ("employees", &["employees", "headcount", "员工数", "员工人数", "人数规模"]),
    ("annual_revenue", &["annualrevenue", "年营收", "年营业额", "年收入"]),
    ("category_budget", &["categorybudget", "品类预算", "采购预算"]),
];

/// Renames the attributes recognised in [`ATTRIBUTE_NAMES`] to their canonical name (unless a
/// column has that name already); returns what was renamed.
fn canonical_names(attributes: &mut [String]) -> Vec<(String, String)> {
    let mut renamed = Vec::new();
    for k in 0..attributes.len() {
        let n = normalize(&attributes[k]);
        let Some((canonical, _)) = ATTRIBUTE_NAMES.iter().find(|(_, names)| names.contains(&n.as_str())) else {
            continue;
        };
        if attributes[k] != *canonical && !attributes.iter().any(|a| a == canonical) {
            renamed.push((attributes[k].clone(), canonical.to_string()));
            attributes[k] = canonical.to_string();
        }
    }
    renamed
}

/// Values of a numeric attribute (one whose values are numbers but for a few) that are not
/// numbers (`n/a`, `未知`, a typo): each is a missing value for its customer, counted here, so
/// one `n/a` does not turn the column into text (which failed every rule comparing it with a
/// number).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NotNumbers {
    /// The attribute.
    pub column: String,
    /// How many values.
    pub count: u64,
    /// The first few, with their lines.
    pub examples: Vec<RowRef>,
}

/// Share of an attribute's values (missing markers aside) that must be numbers for it to be
/// numeric.
const NUMERIC_SHARE: f64 = 0.95;

/// Words exports write for a missing value.
const MISSING_MARKERS: &[&str] = &[
    "n/a", "na", "n.a.", "#n/a", "null", "none", "nil", "nan", "-", "--", "—", "?", "unknown", "未知", "无", "不详",
    "空", "暂无",
];

/// Reads the mostly numeric attributes as numbers: their values that are not numbers become
/// missing, and are reported.
fn missing_non_numbers(m: &mut Master, lines: &[u64]) {
    let number = |v: &str| v.parse::<f64>().is_ok_and(f64::is_finite);
    for (a, column) in m.attributes.iter().enumerate() {
        let values = &mut m.values[a];
        let marker = |v: &str| MISSING_MARKERS.contains(&v.to_lowercase().as_str());
        let numbers = values.iter().flatten().filter(|v| number(v)).count();
        let markers = values.iter().flatten().filter(|v| marker(v)).count();
        let others = values.iter().flatten().count() - numbers - markers;
        if numbers == 0 || markers + others == 0 || (numbers as f64) < NUMERIC_SHARE * (numbers + others) as f64 {
            continue;
        }
        let mut report = NotNumbers { column: column.clone(), count: 0, examples: Vec::new() };
        for (i, v) in values.iter_mut().enumerate() {
            if let Some(text) = v.as_deref().filter(|t| !number(t)) {
                report.count += 1;
                if report.examples.len() < 5 {
                    report.examples.push(RowRef {
                        file: m.report.path.clone(),
                        line: lines[i],
                        value: text.to_string(),
                    });
                }
                *v = None;
            }
        }
        m.report.not_numbers.push(report);
    }
}

impl Master {
    /// Position of each id.
    pub fn index(&self) -> HashMap<&str, usize> {
        self.ids.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect()
    }

    /// The rows of these ids (those in the file, in the order given), as a master file of their
    /// own: one customer's record for a lookup. The report is left empty.
    pub fn select_ids(&self, ids: &[&str]) -> Master {
        // a lookup's few ids are found by a scan; an index pays off from a few dozen
        let at: Vec<usize> = if ids.len() <= 32 {
            ids.iter().filter_map(|id| self.ids.iter().position(|x| x == id)).collect()
        } else {
            let index = self.index();
            ids.iter().filter_map(|id| index.get(id).copied()).collect()
        };
        Master {
            id_column: self.id_column.clone(),
            attributes: self.attributes.clone(),
            ids: at.iter().map(|&i| self.ids[i].clone()).collect(),
            values: self.values.iter().map(|col| at.iter().map(|&i| col[i].clone()).collect()).collect(),
            report: MasterReport::default(),
            personal: self.personal.clone(),
        }
    }
}

/// Reads the master file at `path`. The id column is found like the transactions' customer
/// column (or given as `customer` in `map`).
///
/// # Errors
/// Unreadable file, no id column, or no data rows.
pub async fn read_master(
    ctx: &SessionContext,
    path: &Path,
    csv: &CsvOptions,
    map: &BTreeMap<String, String>,
    temp_dir: &Path,
    keep: Personal<'_>,
) -> Result<Master> {
    let format = Format::of(path).unwrap_or(Format::Csv);
    let mut src = source::open(path, format, csv, temp_dir)?;
    let batches = read_ordered(ctx, &mut src).await?;
    let columns = src.columns.clone();
    let id_column = match map.get("customer") {
        Some(c) => columns.iter().find(|x| *x == c || normalize(x) == normalize(c)).cloned().ok_or_else(|| {
            DataError::UnknownColumn {
                role: "customer".into(),
                column: c.clone(),
                path: path.to_path_buf(),
                found: columns.join(", "),
            }
        })?,
        None => {
            let personal: BTreeMap<String, PersonalData> =
                columns.iter().filter_map(|c| PersonalData::of(c).map(|k| (c.clone(), k))).collect();
            match choose(Role::Customer, &columns, &[], &personal, path)? {
                Some((c, _)) => c,
                None => {
                    return Err(DataError::MissingColumn {
                        role: "customer",
                        path: path.to_path_buf(),
                        looked_for: Role::Customer.synonyms().iter().take(6).copied().collect::<Vec<_>>().join(", "),
                        found: columns.join(", "),
                    });
                }
            }
        }
    };
    let id_pos = columns.iter().position(|c| *c == id_column).unwrap_or(0);
    // personal data (names, phones, addresses, e-mails, id numbers) is not read at all: no
    // rule needs it, and an output must not carry it unless asked for
    let personal: Vec<String> = columns.iter().filter(|c| **c != id_column && keep.holds(c)).cloned().collect();
    let leave_out = matches!(keep, Personal::LeaveOut(_));
    let kept_column = |c: &String| *c != id_column && (!leave_out || !personal.contains(c));
    let mut attributes: Vec<String> = columns.iter().filter(|c| kept_column(c)).cloned().collect();
    let renamed = canonical_names(&mut attributes);
    let attr_pos: Vec<usize> = (0..columns.len()).filter(|&i| i != id_pos && kept_column(&columns[i])).collect();
    let mut m = Master { id_column, attributes, values: vec![Vec::new(); attr_pos.len()], ..Master::default() };
    m.report.path = path.display().to_string();
    m.report.renamed = renamed;
    if leave_out {
        m.report.personal_data_left_out = personal.clone();
    }
    m.personal = personal;
    m.report.rejected_by_reason = BTreeMap::from([("missing_customer_id", 0), ("duplicate_customer_id", 0)]);
    let header = u64::from(format == Format::Csv);
    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut line = header;
    let mut lines = Vec::new();
    for b in &batches {
        let ids = b.column(id_pos).as_string::<i32>();
        for r in 0..b.num_rows() {
            line += 1;
            m.report.rows_read += 1;
            let id = if ids.is_null(r) { "" } else { ids.value(r).trim() };
            let reason = if id.is_empty() {
                Some("missing_customer_id")
            } else if seen.contains_key(id) {
                Some("duplicate_customer_id")
            } else {
                None
            };
            if let Some(reason) = reason {
                *m.report.rejected_by_reason.entry(reason).or_insert(0) += 1;
                m.report.rejects.push(RowRef { file: m.report.path.clone(), line, value: format!("{reason}: `{id}`") });
                continue;
            }
            seen.insert(id.to_string(), ());
            m.ids.push(id.to_string());
            lines.push(line);
            for (a, &p) in attr_pos.iter().enumerate() {
                let c = b.column(p).as_string::<i32>();
                m.values[a].push((!c.is_null(r)).then(|| c.value(r).trim().to_string()).filter(|s| !s.is_empty()));
            }
            m.report.rows_kept += 1;
        }
    }
    if m.report.rows_read == 0 {
        return Err(DataError::NoDataRows { path: path.to_path_buf() });
    }
    missing_non_numbers(&mut m, &lines);
    Ok(m)
}
