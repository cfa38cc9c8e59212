//! Sections 1 and 2: the overview with generated findings, and the data quality accounting.

use custseg_engine::catalog::Lang;
use serde_json::Value;

use super::html::{Page, Tbl, Tr};
use super::load::{RunOutputs, cell_f64};
use super::svg::{self, Bars, Format, Series};
use super::{count, money, pct, sum_where};

/// Customer-level totals the overview and its findings use.
struct Totals {
    purchasers: usize,
    prospects: usize,
    orders: f64,
    revenue: f64,
    repeat: usize,
}

fn totals(o: &RunOutputs) -> Totals {
    let n = o.n_customers();
    let freq = o.customer("frequency");
    let monetary = o.customer("monetary");
    let mut t = Totals { purchasers: 0, prospects: 0, orders: 0.0, revenue: 0.0, repeat: 0 };
    // prospects are the master file's customers without a purchase: lifecycle says so (their
    // frequency is 0, as is a returns-only customer's)
    let life = o.customer("lifecycle");
    for i in 0..n {
        let prospect = life.and_then(|c| c.text(i)).is_some_and(|s| s == "prospect");
        match freq.and_then(|c| c.number(i)).filter(|_| !prospect) {
            Some(f) => {
                t.purchasers += 1;
                t.orders += f;
                if f >= 2.0 {
                    t.repeat += 1;
                }
                t.revenue += monetary.and_then(|c| c.number(i)).unwrap_or(0.0);
            }
            None => t.prospects += 1,
        }
    }
    t
}

/// Section 1.
pub fn overview(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let t = totals(o);
    page.section("overview", tr.t("Overview", "概览"));
    let as_of = o.run["as_of"].as_str().unwrap_or("");
    let source = if o.run["as_of_source"].as_str() == Some("given") {
        tr.t("given", "指定")
    } else {
        tr.t("the day after the last transaction", "最后一笔交易的次日")
    };
    let aov = if t.orders > 0.0 { t.revenue / t.orders } else { 0.0 };
    let repeat_rate = if t.purchasers > 0 { t.repeat as f64 / t.purchasers as f64 } else { 0.0 };
    let mut kpis = vec![
        (tr.t("As-of date", "分析基准日").to_string(), as_of.to_string()),
        (tr.t("Customers (purchasers)", "客户（有购买）").to_string(), count(t.purchasers as f64)),
    ];
    if t.prospects > 0 {
        kpis.push((tr.t("Prospects (no purchase)", "潜在客户（未购买）").to_string(), count(t.prospects as f64)));
    }
    kpis.extend([
        (tr.t("Orders", "订单数").to_string(), count(t.orders)),
        (tr.t("Net revenue", "净收入").to_string(), money(t.revenue)),
        (tr.t("Average order value", "平均订单金额").to_string(), money(aov)),
        (tr.t("Repeat-purchase rate", "复购率").to_string(), pct(repeat_rate)),
    ]);
    page.kpis(&kpis);
    let inputs: Vec<String> = o.run["inputs"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["path"].as_str()).map(file_name).collect())
        .unwrap_or_default();
    let mut line = format!(
        "{} {} ({}: {}).",
        tr.t("Transactions from", "交易数据来自"),
        inputs.join(", "),
        tr.t("as of", "基准日"),
        format_args!("{as_of}, {source}")
    );
    if let Some(c) = o.run["customers_file"]["path"].as_str() {
        line.push_str(&format!(" {} {}.", tr.t("Customer master file:", "客户主数据文件："), file_name(c)));
    }
    page.p(&line);
    page.h3(tr.t("Findings", "主要发现"));
    page.bullets(&findings(o, &t, tr));
}

fn findings(o: &RunOutputs, t: &Totals, tr: Tr) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(row), Some(top20)) = (o.segment_row("abc", "a"), o.run["abc"]["top20_share"].as_f64()) {
        let share = cell_f64(&o.segments, "share", row).unwrap_or(0.0);
        let rev = cell_f64(&o.segments, "revenue_share", row).unwrap_or(0.0);
        out.push(match tr.0 {
            Lang::Zh => format!(
                "{} 的客户（A 类）贡献了 {} 的收入；收入最高的 20% 客户贡献了 {}。",
                pct(share),
                pct(rev),
                pct(top20)
            ),
            Lang::En => format!(
                "{} of customers (tier A) bring {} of revenue; the top 20% bring {}.",
                pct(share),
                pct(rev),
                pct(top20)
            ),
        });
    }
    let high = |i: usize, col: &str, v: &[&str]| {
        o.customer(col).and_then(|c| c.text(i)).is_some_and(|s| v.contains(&s.as_str()))
    };
    let at_risk = sum_where(o, |i| high(i, "value_tier", &["high"]) && high(i, "lifecycle", &["at_risk"]));
    let churned = sum_where(o, |i| high(i, "value_tier", &["high"]) && high(i, "lifecycle", &["churned"]));
    if at_risk.0 > 0 {
        out.push(match tr.0 {
            Lang::Zh => {
                format!("{} 位高价值客户处于流失风险中（历史消费 {}）。", count(at_risk.0 as f64), money(at_risk.1))
            }
            Lang::En => format!(
                "{} high-value customers are at risk (past spend {}).",
                count(at_risk.0 as f64),
                money(at_risk.1)
            ),
        });
    }
    if churned.0 > 0 {
        out.push(match tr.0 {
            Lang::Zh => format!("{} 位高价值客户已流失（历史消费 {}）。", count(churned.0 as f64), money(churned.1)),
            Lang::En => format!(
                "{} high-value customers have churned (past spend {}).",
                count(churned.0 as f64),
                money(churned.1)
            ),
        });
    }
    if let Some(row) = o.segment_row("rfm_segment", "champions")
        && cell_f64(&o.segments, "customers", row).unwrap_or(0.0) > 0.0
    {
        let n = cell_f64(&o.segments, "customers", row).unwrap_or(0.0);
        let rev = cell_f64(&o.segments, "revenue_share", row).unwrap_or(0.0);
        out.push(match tr.0 {
            Lang::Zh => format!(
                "冠军客户有 {} 位（{}），贡献 {} 的收入。",
                count(n),
                pct(n / t.purchasers.max(1) as f64),
                pct(rev)
            ),
            Lang::En => format!(
                "Champions are {} customers ({}) with {} of revenue.",
                count(n),
                pct(n / t.purchasers.max(1) as f64),
                pct(rev)
            ),
        });
    }
    if t.purchasers > 0 {
        let once = sum_where(o, |i| o.customer("frequency").and_then(|c| c.number(i)) == Some(1.0)).0;
        out.push(match tr.0 {
            Lang::Zh => format!("{} 的客户只购买过一次。", pct(once as f64 / t.purchasers as f64)),
            Lang::En => format!("{} of customers have bought only once.", pct(once as f64 / t.purchasers as f64)),
        });
    }
    if let (Some(total), Some(months), true) = (
        o.run["clv"]["total_clv"].as_f64(),
        o.run["clv"]["horizon_months"].as_u64(),
        o.run["clv"]["error"].is_null() && o.customer("clv_12m").is_some(),
    ) {
        out.push(match tr.0 {
            Lang::Zh => format!("预测现有客户未来 {months} 个月将带来 {} 的收入（客户终身价值模型）。", money(total)),
            Lang::En => format!(
                "Existing customers are expected to bring {} over the next {months} months (CLV model).",
                money(total)
            ),
        });
    }
    if let Some(k) = o.run["cluster"]["k"].as_u64()
        && let Some(c) = &o.clusters
        && c.n_rows() > 0
    {
        let largest = (0..c.n_rows())
            .max_by(|&a, &b| {
                let (x, y) = (cell_f64(c, "customers", a).unwrap_or(0.0), cell_f64(c, "customers", b).unwrap_or(0.0));
                x.total_cmp(&y).then(b.cmp(&a))
            })
            .unwrap_or(0);
        let label = super::load::cell_text(c, "cluster", largest);
        let name = o.label_name("cluster", &label, tr.0);
        let share = cell_f64(c, "share", largest).unwrap_or(0.0);
        out.push(match tr.0 {
            Lang::Zh => format!("聚类分析把客户分为 {k} 组；最大的一组是“{name}”，占 {}。", pct(share)),
            Lang::En => format!(
                "Clustering found {k} groups; the largest is \u{201c}{name}\u{201d} with {} of customers.",
                pct(share)
            ),
        });
    }
    if let Some(e) = o.run["clv"]["error"].as_str() {
        let first = e.lines().next().unwrap_or(e);
        out.push(match tr.0 {
            Lang::Zh => format!("未能建立客户终身价值模型：{first}"),
            Lang::En => format!("No CLV model: {first}"),
        });
    }
    let rejected = o.quality["transactions"]["rows_rejected"].as_u64().unwrap_or(0);
    let read = o.quality["transactions"]["rows_read"].as_u64().unwrap_or(0);
    if rejected > 0 {
        out.push(match tr.0 {
            Lang::Zh => format!(
                "{} 行数据（{}）被拒绝，原因见“数据质量”。",
                count(rejected as f64),
                pct(rejected as f64 / read.max(1) as f64)
            ),
            Lang::En => format!(
                "{} rows ({}) were rejected; see Data quality for the reasons.",
                count(rejected as f64),
                pct(rejected as f64 / read.max(1) as f64)
            ),
        });
    }
    out
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

/// Display name of a reject reason.
fn reason_name(reason: &str, tr: Tr) -> String {
    let (en, zh) = match reason {
        "invalid_text" => ("Bytes not valid in the file's encoding", "含编码无效的字节"),
        "extra_fields" => ("More values than the header", "字段数多于表头"),
        "unclosed_quote" => ("Quote not closed (stray quote)", "引号未闭合"),
        "total_row" => ("Total row of a spreadsheet", "表格合计行"),
        "missing_customer_id" => ("Missing customer id", "缺少客户编号"),
        "unparseable_date" => ("Unreadable date", "日期无法解析"),
        "unparseable_amount" => ("Unreadable amount", "金额无法解析"),
        "non_finite_amount" => ("Non-finite amount", "金额非有限数"),
        "date_after_as_of" => ("Date after the as-of date", "日期晚于基准日"),
        "outlier_date" => ("Date far after the rest (likely a typo year)", "日期远晚于其余数据（疑似年份笔误）"),
        "duplicate_row" => ("Duplicate row", "重复行"),
        "zero_amount" => ("Zero amount", "金额为零"),
        "return_excluded" => ("Return (excluded)", "退货（已排除）"),
        other => (other, other),
    };
    tr.t(en, zh).to_string()
}

/// Section 2.
pub fn quality(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let q = &o.quality["transactions"];
    page.section("quality", tr.t("Data quality", "数据质量"));
    let read = q["rows_read"].as_f64().unwrap_or(0.0);
    let kept = q["rows_kept"].as_f64().unwrap_or(0.0);
    let rejected = q["rows_rejected"].as_f64().unwrap_or(0.0);
    let after = q["rows_after_as_of"].as_f64().unwrap_or(0.0);
    let balanced = read == kept + rejected + after;
    let after_text = match (lang, after > 0.0) {
        (_, false) => String::new(),
        (Lang::Zh, true) => format!("，晚于基准日 {} 行", count(after)),
        (Lang::En, true) => format!(" + {} after the as-of date", count(after)),
    };
    page.p(&match lang {
        Lang::Zh => format!(
            "共读取 {} 行：保留 {} 行{after_text}，拒绝 {} 行（{}）。",
            count(read),
            count(kept),
            count(rejected),
            if balanced { "合计相符" } else { "合计不符！" }
        ),
        Lang::En => format!(
            "{} rows read = {} kept{after_text} + {} rejected ({}).",
            count(read),
            count(kept),
            count(rejected),
            if balanced { "the counts add up" } else { "THE COUNTS DO NOT ADD UP" }
        ),
    });
    let mut files = Tbl::new(
        vec![
            tr.t("File", "文件").into(),
            tr.t("Format", "格式").into(),
            tr.t("Encoding", "编码").into(),
            tr.t("Rows read", "读取行数").into(),
            tr.t("Kept", "保留").into(),
            tr.t("Rejected", "拒绝").into(),
        ],
        3,
    );
    for f in q["files"].as_array().into_iter().flatten() {
        files.row(vec![
            file_name(f["path"].as_str().unwrap_or("")),
            f["format"].as_str().unwrap_or("").to_uppercase(),
            match f["encoding"].as_str().unwrap_or("") {
                "utf8" => "UTF-8".to_string(),
                e => e.to_uppercase(),
            },
            count(f["rows_read"].as_f64().unwrap_or(0.0)),
            count(f["rows_kept"].as_f64().unwrap_or(0.0)),
            count(f["rows_rejected"].as_f64().unwrap_or(0.0)),
        ]);
    }
    page.table(&files);
    let reasons: Vec<(String, f64)> = q["rejected_by_reason"]
        .as_object()
        .map(|m| m.iter().filter_map(|(k, v)| v.as_f64().filter(|n| *n > 0.0).map(|n| (k.clone(), n))).collect())
        .unwrap_or_default();
    if reasons.is_empty() {
        page.p(tr.t("No row was rejected.", "没有行被拒绝。"));
    } else {
        let chart = svg::bars(&Bars {
            title: tr.t("Rejected rows by reason", "按原因统计的拒绝行").into(),
            categories: reasons.iter().map(|(r, _)| reason_name(r, tr)).collect(),
            series: vec![Series { name: tr.t("Rows", "行数").into(), values: reasons.iter().map(|r| r.1).collect() }],
            format: Format::Count,
            axis: tr.t("rows", "行数").into(),
            width: super::FULL_WIDTH,
        });
        page.figures(&[chart]);
        page.note(tr.t(
            "Every rejected row is listed in rejects.csv with its line and original values.",
            "每一条被拒绝的行及其行号和原始值都列在 rejects.csv 中。",
        ));
    }
    let mut notes = Vec::new();
    let returns = q["returns_rows"].as_f64().unwrap_or(0.0);
    if returns > 0.0 {
        let amount = q["returns_amount"].as_f64().unwrap_or(0.0).abs();
        notes.push(match lang {
            Lang::Zh => format!("退货/取消 {} 行，金额 {}，已从客户消费额中扣除。", count(returns), money(amount)),
            Lang::En => format!(
                "{} return or cancellation rows ({}) were netted against the customers' spend.",
                count(returns),
                money(amount)
            ),
        });
    }
    let zero = q["zero_amount_rows_kept"].as_f64().unwrap_or(0.0);
    if zero > 0.0 {
        notes.push(match lang {
            Lang::Zh => format!("{} 行金额为零，按订单保留。", count(zero)),
            Lang::En => format!("{} rows with a zero amount were kept as orders.", count(zero)),
        });
    }
    let dupes = q["duplicate_rows_kept"].as_f64().unwrap_or(0.0);
    if dupes > 0.0 {
        let groups = q["duplicate_groups"].as_f64().unwrap_or(0.0);
        notes.push(match lang {
            Lang::Zh => format!(
                "{} 行（{} 组）与前面某行完全相同；数据没有订单号，它们可能是真实的重复购买，因此予以保留（用 --dedupe 可删除）。",
                count(dupes),
                count(groups)
            ),
            Lang::En => format!(
                "{} rows ({} groups) are identical to an earlier row; with no order id they may be genuine repeat purchases, so they were kept (--dedupe drops them).",
                count(dupes),
                count(groups)
            ),
        });
    }
    // the other warnings, in the report's language
    for w in q["warnings"].as_array().into_iter().flatten() {
        if w["id"] != "duplicate_rows_kept" {
            notes.push(super::message(w, lang));
        }
    }
    page.bullets(&notes);
    page.h3(tr.t("What was assumed", "分析假设"));
    let mut assumed = Tbl::new(vec![tr.t("Item", "项目").into(), tr.t("Value", "取值").into()], 2);
    if let Some(m) = q["column_map"]["columns"].as_object() {
        for (role, col) in m {
            let role = custseg_engine::catalog::role_name(role, lang).unwrap_or(role);
            assumed.row(vec![format!("{}: {role}", tr.t("Column", "列")), col.as_str().unwrap_or("").to_string()]);
        }
    }
    assumed.row(vec![tr.t("Date format", "日期格式").into(), date_layout(&q["date_format"], lang)]);
    assumed.row(vec![
        tr.t("Date range", "日期范围").into(),
        format!("{} – {}", q["first_date"].as_str().unwrap_or(""), q["last_date"].as_str().unwrap_or("")),
    ]);
    assumed.row(vec![tr.t("As-of date", "分析基准日").into(), o.run["as_of"].as_str().unwrap_or("").into()]);
    if let Some(m) = o.run["model"].as_object() {
        let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let hash = text("config_hash");
        assumed.row(vec![
            tr.t("Classification model (nothing refitted)", "分类模型（未重新拟合）").into(),
            match lang {
                Lang::Zh => {
                    format!("{}（基准日 {}，配置 {}）", text("file"), text("as_of"), &hash[..hash.len().min(8)])
                }
                Lang::En => {
                    format!("{} (as of {}, config {})", text("file"), text("as_of"), &hash[..hash.len().min(8)])
                }
            },
        ]);
    }
    let life = &o.run["lifecycle"];
    assumed.row(vec![
        tr.t("Lifecycle thresholds (days)", "生命周期阈值（天）").into(),
        format!(
            "{} {} · {} {} · {} {} ({})",
            tr.t("new ≤", "新客 ≤"),
            life["new_days"],
            tr.t("at risk >", "风险 >"),
            life["at_risk_days"],
            tr.t("churned >", "流失 >"),
            life["churn_days"],
            match life["source"].as_str().unwrap_or("") {
                _ if o.run["model"].is_object() => tr.t("from the model", "取自模型"),
                "configured" => tr.t("configured", "配置给定"),
                "derived" => tr.t("derived from the purchase intervals", "由购买间隔推算"),
                "fallback" => tr.t("fixed defaults: too few repeat customers", "固定默认值：复购客户太少"),
                other => other,
            }
        ),
    ]);
    page.table(&assumed);
}

/// The date layout of quality.json's `date_format` as a reader knows it (`YYYYMMDD`), or the
/// user's own pattern.
fn date_layout(v: &Value, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match v.as_str() {
        Some("iso") => "YYYY-MM-DD".into(),
        Some("compact") => "YYYYMMDD".into(),
        Some("year_first_slash") => "YYYY/MM/DD".into(),
        Some("chinese") => "YYYY年MM月DD日".into(),
        Some("day_first") => "DD/MM/YYYY".into(),
        Some("month_first") => "MM/DD/YYYY".into(),
        Some("mixed") => if zh { "混合（年份在前）" } else { "mixed (year first)" }.into(),
        Some("mixed_day_first") => if zh { "混合（日在月前）" } else { "mixed (day before month)" }.into(),
        Some("mixed_month_first") => if zh { "混合（月在日前）" } else { "mixed (month before day)" }.into(),
        Some(other) => other.into(),
        None => v["pattern"].as_str().unwrap_or("").into(),
    }
}
