//! The terminal summary of a run: row accounting, warnings, thresholds, one table per scheme,
//! and where the outputs are.

use comfy_table::{Cell, CellAlignment, Table, presets};
use custseg_engine::Lang;
use custseg_engine::MasterReport;
use custseg_engine::QualityReport;
use custseg_engine::RunSummary;
use custseg_engine::catalog::{Msg, scheme_name};
use custseg_engine::clv::ModelFile;
use custseg_engine::commands::cluster::ClusterOutcome;
use custseg_engine::commands::clv::Evaluation;
use custseg_engine::playbook::Play;
use custseg_engine::rules::RuleScheme;

use crate::term::{Out, group};

/// A borderless-inside table with a header row (every terminal table of the CLI).
pub(crate) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY);
    t.set_header(header.iter().map(Cell::new).collect::<Vec<_>>());
    t
}

/// `en` or `zh` by language.
pub(crate) fn zh(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    if lang == Lang::Zh { zh } else { en }
}

/// A library's message in `lang`, made printable.
fn say(m: &Msg, lang: Lang) -> String {
    custseg_engine::error::printable(&m.render(lang))
}

/// `warning: …` / `警告: …`.
fn warning(lang: Lang, text: &str) -> String {
    format!("{}: {text}", zh(lang, "warning", "警告"))
}

/// Prints the row accounting of a quality report.
pub fn print_quality(
    out: &mut Out,
    q: &QualityReport,
    master: Option<&MasterReport>,
    lang: Lang,
) -> std::io::Result<()> {
    for f in &q.files {
        if let (Some(e), Some(note)) = (f.encoding, &f.encoding_note) {
            let name = match e {
                custseg_engine::Encoding::Utf8 => "UTF-8",
                custseg_engine::Encoding::Gbk => "GBK",
            };
            out.line(format!("{} {}: {name} ({})", zh(lang, "Encoding of", "编码"), f.path, say(note, lang)))?;
        }
    }
    let after = if q.rows_after_as_of > 0 {
        format!(" + {} {}", group(q.rows_after_as_of), zh(lang, "after the as-of date", "晚于基准日"))
    } else {
        String::new()
    };
    out.line(format!(
        "{}: {} = {} {}{after} + {} {}",
        zh(lang, "Rows read", "读取行数"),
        group(q.rows_read),
        group(q.rows_kept),
        zh(lang, "kept", "保留"),
        group(q.rows_rejected),
        zh(lang, "rejected", "拒绝"),
    ))?;
    if q.rows_rejected > 0 {
        let mut t = table(&[zh(lang, "reject reason", "拒绝原因"), zh(lang, "rows", "行数")]);
        for (reason, n) in q.rejected_by_reason.iter().filter(|(_, n)| **n > 0) {
            t.add_row(vec![Cell::new(reason), Cell::new(group(*n)).set_alignment(CellAlignment::Right)]);
        }
        out.line(t.to_string())?;
    }
    if q.zero_amount_rows_kept > 0 {
        out.line(format!(
            "{}: {} {}",
            zh(lang, "Zero amounts", "零金额"),
            group(q.zero_amount_rows_kept),
            zh(lang, "rows kept", "行已保留")
        ))?;
    }
    if q.returns_rows > 0 {
        out.line(format!(
            "{}: {} {}, {:.2} {}",
            zh(lang, "Returns", "退货"),
            group(q.returns_rows),
            zh(lang, "rows", "行"),
            q.returns_amount,
            zh(lang, "netted", "已冲抵")
        ))?;
    }
    if let Some(m) = master {
        let rejected: u64 = m.rejected_by_reason.values().sum();
        out.line(format!(
            "{} {}: {} = {} {} + {} {}",
            zh(lang, "Customer file", "客户主数据"),
            m.path,
            group(m.rows_read),
            group(m.rows_kept),
            zh(lang, "kept", "保留"),
            group(rejected),
            zh(lang, "rejected", "拒绝")
        ))?;
        for n in &m.not_numbers {
            let first = n.examples.first();
            out.line(warning(
                lang,
                &match (lang, first) {
                    (Lang::En, Some(e)) => format!(
                        "{}: {} values of the numeric column `{}` are not numbers (e.g. `{}` on line {}); read as missing",
                        m.path, n.count, n.column, e.value, e.line
                    ),
                    (Lang::En, None) => format!(
                        "{}: {} values of the numeric column `{}` are not numbers; read as missing",
                        m.path, n.count, n.column
                    ),
                    (Lang::Zh, Some(e)) => format!(
                        "{}：数值列 `{}` 有 {} 个值不是数字（例如第 {} 行的 `{}`），按缺失值处理",
                        m.path, n.column, n.count, e.line, e.value
                    ),
                    (Lang::Zh, None) => {
                        format!("{}：数值列 `{}` 有 {} 个值不是数字，按缺失值处理", m.path, n.column, n.count)
                    }
                },
            ))?;
        }
    }
    for n in &q.column_map.notes {
        out.line(format!("{}: {}", zh(lang, "note", "说明"), say(n, lang)))?;
    }
    if !q.column_map.personal.is_empty() {
        let names: Vec<&str> = q.column_map.personal.keys().map(String::as_str).collect();
        out.line(format!(
            "{}: {}",
            zh(lang, "note: personal data, not used", "说明：个人信息列，未使用"),
            custseg_engine::error::printable(&names.join(", "))
        ))?;
    }
    if let Some(m) = master {
        if !m.personal_data_left_out.is_empty() {
            out.line(format!(
                "{}: {}: {}",
                zh(lang, "note: personal data left out", "说明：未读取的个人信息列"),
                m.path,
                custseg_engine::error::printable(&m.personal_data_left_out.join(", "))
            ))?;
        }
        for (from, to) in &m.renamed {
            out.line(match lang {
                Lang::En => format!("note: {}: column `{from}` read as `{to}`", m.path),
                Lang::Zh => format!("说明：{}：列 `{from}` 按 `{to}` 读取", m.path),
            })?;
        }
    }
    for w in &q.warnings {
        out.line(warning(lang, &say(w, lang)))?;
    }
    Ok(())
}

/// Prints a model fit: parameters with standard errors, log-likelihood, convergence.
pub fn print_model(out: &mut Out, m: &ModelFile, warnings: &[Msg]) -> std::io::Result<()> {
    let p = &m.purchase;
    out.line(format!(
        "{} fit on {} customers ({} distinct summaries) as of {}, time unit {}: LL {:.2}, {:?} after {} iterations ({})",
        m.model.as_str(),
        group(p.n_customers as u64),
        group(p.n_distinct as u64),
        m.calibration_end,
        m.time_unit,
        p.log_likelihood,
        p.status,
        p.iterations,
        p.method
    ))?;
    let mut t = table(&["parameter", "estimate", "std. error"]);
    let spend = m.spend.as_ref().map(|s| s.fit.params.iter()).into_iter().flatten();
    for e in p.params.iter().chain(spend) {
        t.add_row(vec![
            Cell::new(&e.name),
            Cell::new(format!("{:.4}", e.value)).set_alignment(CellAlignment::Right),
            Cell::new(e.std_error.map_or("-".into(), |s| format!("{s:.4}"))).set_alignment(CellAlignment::Right),
        ]);
    }
    out.line(t.to_string())?;
    if let Some(s) = &m.spend {
        out.line(format!(
            "gamma_gamma spend model on {} repeat buyers: LL {:.2}, corr(x, zbar) {:.3}",
            group(s.fit.n_customers as u64),
            s.fit.log_likelihood,
            s.corr_x_zbar
        ))?;
    }
    out.line(format!(
        "rows: {} read = {} kept + {} rejected; {} kept rows after the calibration end not used",
        group(m.rows.read),
        group(m.rows.kept),
        group(m.rows.rejected),
        group(m.rows.after_calibration)
    ))?;
    for w in warnings {
        out.line(warning(Lang::En, &say(w, Lang::En)))?;
    }
    Ok(())
}

/// Prints the holdout comparison.
pub fn print_evaluation(out: &mut Out, ev: &Evaluation) -> std::io::Result<()> {
    out.line(format!(
        "holdout: {:.2} weeks; mean transactions per customer by calibration frequency",
        ev.holdout_weeks
    ))?;
    let mut t = table(&["x (calibration)", "customers", "actual", "model", "baseline"]);
    let num = |v: f64| Cell::new(format!("{v:.3}")).set_alignment(CellAlignment::Right);
    for r in &ev.rows {
        t.add_row(vec![
            Cell::new(&r.frequency),
            Cell::new(group(r.customers)).set_alignment(CellAlignment::Right),
            num(r.actual),
            num(r.model),
            num(r.baseline),
        ]);
    }
    out.line(t.to_string())?;
    out.line(format!(
        "total transactions: actual {:.0}, model {:.1}, baseline {:.1}",
        ev.total_actual, ev.total_model, ev.total_baseline
    ))?;
    let verdict = if ev.mae_model < ev.mae_baseline {
        "the model beats the baseline"
    } else {
        "the model does NOT beat the baseline"
    };
    out.line(format!("MAE per customer: model {:.4}, baseline {:.4}: {verdict}", ev.mae_model, ev.mae_baseline))?;
    Ok(())
}

/// Prints the summary of a finished run.
pub fn print_run(out: &mut Out, s: &RunSummary) -> std::io::Result<()> {
    let lang = s.lang;
    let r = &s.record;
    let source = if r.as_of_source == "given" {
        zh(lang, "given", "指定")
    } else {
        zh(lang, "day after the last transaction", "最后交易日的次日")
    };
    out.line(format!("{}: {} ({source})", zh(lang, "As of", "分析基准日"), r.as_of))?;
    if let Some(m) = &r.model {
        let hash = &m.config_hash[..m.config_hash.len().min(8)];
        out.line(match lang {
            Lang::En => format!(
                "Model: {} (fitted as of {}, config {hash}): every cut, threshold, CLV and cluster model from it, nothing refitted",
                m.file, m.as_of
            ),
            Lang::Zh => format!(
                "模型: {}（基准日 {} 拟合，配置 {hash}）：所有分界、阈值、CLV 与聚类模型均取自该模型，未重新拟合",
                m.file, m.as_of
            ),
        })?;
    }
    print_quality(out, &s.quality, s.master.as_ref(), lang)?;
    out.line(format!(
        "{}: {} ({} {}, {} {})",
        zh(lang, "Customers", "客户数"),
        group(r.counts.customers),
        group(r.counts.purchasers),
        zh(lang, "with purchases", "有购买"),
        group(r.counts.prospects),
        zh(lang, "prospects", "潜在客户"),
    ))?;
    let t = &r.lifecycle.thresholds;
    let source = match r.lifecycle.source {
        _ if r.model.is_some() => zh(lang, "from the model", "取自模型"),
        custseg_engine::ThresholdSource::Configured => zh(lang, "configured", "配置给定"),
        custseg_engine::ThresholdSource::Derived => zh(lang, "derived from the purchase intervals", "由购买间隔推算"),
        custseg_engine::ThresholdSource::Fallback => {
            zh(lang, "fixed defaults: too few repeat customers", "固定默认值：复购客户太少")
        }
    };
    out.line(match lang {
        Lang::Zh => format!(
            "生命周期阈值: 新客户 ≤ {} 天, 预警 > {} 天, 流失 > {} 天（{source}）",
            t.new_days, t.at_risk_days, t.churn_days
        ),
        Lang::En => format!(
            "Lifecycle thresholds: new <= {} d, at risk > {} d, churned > {} d ({source})",
            t.new_days, t.at_risk_days, t.churn_days
        ),
    })?;
    out.line(format!(
        "{}: {:.1}% {} {:.1}% {}; Gini {:.3}",
        zh(lang, "Concentration", "集中度"),
        20.0,
        zh(lang, "of customers bring", "的客户贡献"),
        r.abc.top20_share * 100.0,
        zh(lang, "of revenue", "的收入"),
        r.abc.gini
    ))?;
    if let Some(c) = &r.clv {
        match (&c.model, &c.error) {
            (Some(m), _) => {
                let params: Vec<String> =
                    m.purchase.params.iter().map(|p| format!("{} {:.4}", p.name, p.value)).collect();
                out.line(format!(
                    "{}: {} ({}), {} {} {}: {:.1} {}, CLV {:.2}",
                    zh(lang, "CLV model", "CLV 模型"),
                    m.model.as_str(),
                    params.join(", "),
                    zh(lang, "next", "未来"),
                    c.horizon_months,
                    zh(lang, "months", "个月"),
                    c.total_expected_purchases,
                    zh(lang, "expected transactions", "次预期交易"),
                    c.total_clv
                ))?;
            }
            (None, Some(e)) => {
                out.line(warning(lang, &format!("{}: {e}", zh(lang, "no CLV columns", "没有 CLV 列"))))?
            }
            (None, None) => {}
        }
        for w in &c.warnings {
            out.line(warning(lang, &say(w, lang)))?;
        }
    }
    if let Some(c) = &r.cluster {
        match &c.error {
            None => out.line(format!(
                "{}: {} {} ({}{}), {} {}{}",
                zh(lang, "Clusters", "聚类"),
                c.k,
                zh(lang, "clusters", "个群"),
                c.algorithm,
                c.silhouette.map_or_else(String::new, |s| format!(", {} {s:.3}", zh(lang, "silhouette", "轮廓系数"))),
                zh(lang, "k chosen by", "k 的选择依据"),
                match c.chosen_by.as_str() {
                    "silhouette" => zh(lang, "the highest silhouette", "轮廓系数最高"),
                    "fixed" => zh(lang, "configuration", "配置指定"),
                    other => other,
                },
                // a model run assigns to the saved centres: k and silhouette are the fit's
                if r.model.is_some() {
                    zh(lang, " in the fitted run; centres from the model", "（拟合时）；中心取自模型")
                } else {
                    ""
                }
            ))?,
            Some(e) => out.line(warning(lang, &format!("{}: {e}", zh(lang, "no cluster column", "没有聚类列"))))?,
        }
    }
    let w = &r.wallet;
    if w.available {
        out.line(format!(
            "{}: {} {}, {} {:.1}%, {} {:.2} ({})",
            zh(lang, "Share of wallet", "钱包份额"),
            group(w.customers),
            zh(lang, "customers with a budget", "位客户有预算"),
            zh(lang, "overall share", "总体份额"),
            w.overall_share.unwrap_or(0.0) * 100.0,
            zh(lang, "growth potential", "增长潜力"),
            w.total_growth_potential,
            say(&w.source, lang)
        ))?;
    } else {
        out.line(format!("{}: {}", zh(lang, "Share of wallet", "钱包份额"), say(&w.source, lang)))?;
    }
    if let Some(b) = &r.basket {
        let verdict = b.evaluation.as_ref().map(|e| {
            let phrase = custseg_engine::basket::verdict_phrase(e.beats_popularity && e.beats_repeat, lang);
            match lang {
                Lang::En => format!(" ({phrase})"),
                Lang::Zh => format!("（{phrase}）"),
            }
        });
        let sep = zh(lang, "; ", "；");
        out.line(format!(
            "{}: {}{sep}{}: {}{sep}{}: {}{}",
            zh(lang, "Baskets", "购物篮"),
            group(b.baskets),
            zh(lang, "rules", "规则"),
            group(b.rules as u64),
            zh(lang, "customers with recommendations", "获得推荐的客户"),
            group(b.recommended.unwrap_or(0) as u64),
            verdict.unwrap_or_default()
        ))?;
    }
    let mut scheme = "";
    let mut current: Option<Table> = None;
    // shares are of all customers: say who a scheme leaves out
    let left_out = |scheme: &str| -> Option<String> {
        let n: u64 = s.segments.iter().filter(|x| x.scheme == scheme).map(|x| x.customers).sum();
        let rest = r.counts.customers.saturating_sub(n);
        (rest > 0).then(|| match lang {
            Lang::En => format!("  {} customers have no label in this scheme (prospects, for one)", group(rest)),
            Lang::Zh => format!("  {} 位客户在此分类中没有类别（例如潜在客户）", group(rest)),
        })
    };
    for row in &s.segments {
        if row.scheme != scheme {
            if let Some(t) = current.take() {
                out.line(t.to_string())?;
                if let Some(l) = left_out(scheme) {
                    out.line(l)?;
                }
            }
            scheme = &row.scheme;
            out.line("")?;
            // built-in schemes from the catalog, rule schemes from their config entry
            let rule = r.config.schemes.iter().find(|x| x.id == *scheme);
            let title = match (scheme_name(scheme, lang), rule) {
                (Some(n), _) => n.to_string(),
                (None, Some(x)) => x.names().get(lang).to_string(),
                (None, None) => scheme.to_string(),
            };
            out.line(title)?;
            current = Some(table(&[
                zh(lang, "label", "类别"),
                zh(lang, "customers", "客户数"),
                zh(lang, "share", "占比"),
                zh(lang, "revenue share", "收入占比"),
                zh(lang, "mean recency (d)", "平均最近购买(天)"),
                zh(lang, "mean frequency", "平均频次"),
                zh(lang, "mean monetary", "平均金额"),
            ]));
        }
        if let Some(t) = current.as_mut() {
            let num = |v: Option<f64>, d: usize| v.map_or_else(|| "-".to_string(), |v| format!("{v:.d$}"));
            t.add_row(vec![
                Cell::new(&row.name),
                Cell::new(group(row.customers)).set_alignment(CellAlignment::Right),
                Cell::new(format!("{:.1}%", row.share * 100.0)).set_alignment(CellAlignment::Right),
                Cell::new(format!("{:.1}%", row.revenue_share * 100.0)).set_alignment(CellAlignment::Right),
                Cell::new(num(row.mean_recency_days, 0)).set_alignment(CellAlignment::Right),
                Cell::new(num(row.mean_frequency, 2)).set_alignment(CellAlignment::Right),
                Cell::new(num(row.mean_monetary, 2)).set_alignment(CellAlignment::Right),
            ]);
        }
    }
    if let Some(t) = current.take() {
        out.line(t.to_string())?;
        if let Some(l) = left_out(scheme) {
            out.line(l)?;
        }
    }
    out.line("")?;
    out.line(format!("{} {}:", zh(lang, "Outputs in", "输出目录"), s.out_dir.display()))?;
    for name in &r.outputs {
        out.line(format!("  {}", s.out_dir.join(name).display()))?;
    }
    if let Some(h) = &r.history {
        out.line(format!(
            "{} {} {} {}",
            zh(lang, "Recorded as run", "已记录为运行"),
            h.run_id,
            zh(lang, "in", "于"),
            h.store
        ))?;
        if let (Some(prev), Some(as_of), Some(n)) = (h.previous_run_id, &h.previous_as_of, h.alerts) {
            out.line(format!(
                "{} {} ({} {}): {} {} (alerts.csv, migration.csv)",
                zh(lang, "Compared with run", "与运行"),
                prev,
                zh(lang, "as of", "基准日"),
                as_of,
                group(n as u64),
                zh(lang, "alerts", "条预警")
            ))?;
        }
        if let Some(w) = &h.warning {
            out.line(warning(lang, &say(w, lang)))?;
        }
    }
    out.line(format!(
        "{}: {} {}",
        zh(lang, "Time", "耗时"),
        r.timings_ms.get("total").copied().unwrap_or(0),
        zh(lang, "ms", "毫秒")
    ))?;
    Ok(())
}

/// Prints the outcome of `custseg cluster`: the k search and the cluster profiles.
pub fn print_clusters(out: &mut Out, r: &ClusterOutcome, lang: Lang) -> std::io::Result<()> {
    let q = &r.quality;
    print_quality(out, q, None, lang)?;
    let m = &r.model;
    if r.fitted {
        if m.selection.len() > 1 {
            let mut t = table(&["k", "silhouette", "Calinski-Harabasz", "Davies-Bouldin", "inertia", ""]);
            for c in &m.selection {
                let mark = match (c.chosen, c.elbow) {
                    (true, true) => "chosen, elbow",
                    (true, false) => "chosen",
                    (false, true) => "elbow",
                    (false, false) => "",
                };
                let opt = |v: Option<f64>, d: usize| v.map_or_else(|| "-".to_string(), |v| format!("{v:.d$}"));
                t.add_row(vec![
                    Cell::new(c.k).set_alignment(CellAlignment::Right),
                    Cell::new(format!("{:.4}", c.silhouette)).set_alignment(CellAlignment::Right),
                    Cell::new(opt(c.calinski_harabasz, 1)).set_alignment(CellAlignment::Right),
                    Cell::new(opt(c.davies_bouldin, 4)).set_alignment(CellAlignment::Right),
                    Cell::new(format!("{:.1}", c.inertia)).set_alignment(CellAlignment::Right),
                    Cell::new(mark),
                ]);
            }
            out.line(t.to_string())?;
        }
        out.line(format!(
            "{}: {} ({}, k {} {}), {} {}",
            zh(lang, "Clusters", "聚类"),
            m.k,
            m.algorithm,
            zh(lang, "by", "依据"),
            m.chosen_by,
            group(r.customers as u64),
            zh(lang, "customers", "位客户"),
        ))?;
    } else {
        out.line(format!(
            "{} {} {}",
            group(r.customers as u64),
            zh(lang, "customers assigned to the saved clusters, k =", "位客户已归入已保存模型的群，k ="),
            m.k
        ))?;
    }
    let mut t = table(&[
        zh(lang, "cluster", "群"),
        zh(lang, "name", "名称"),
        zh(lang, "customers", "客户数"),
        zh(lang, "share", "占比"),
        zh(lang, "revenue share", "收入占比"),
        zh(lang, "defining traits", "主要特征"),
    ]);
    for (c, &size) in m.clusters.iter().zip(&r.sizes) {
        let name = if lang == Lang::Zh { &c.name_zh } else { &c.name_en };
        let share = if r.customers > 0 { size as f64 / r.customers as f64 } else { 0.0 };
        t.add_row(vec![
            Cell::new(c.cluster).set_alignment(CellAlignment::Right),
            Cell::new(name),
            Cell::new(group(size)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.1}%", share * 100.0)).set_alignment(CellAlignment::Right),
            Cell::new(if r.fitted { format!("{:.1}%", c.revenue_share * 100.0) } else { "-".into() })
                .set_alignment(CellAlignment::Right),
            Cell::new(c.traits.join("; ")),
        ]);
    }
    out.line(t.to_string())?;
    Ok(())
}

/// Prints the playbook: one table row per scheme and label.
pub fn print_playbook(out: &mut Out, plays: &[Play], rules: &[RuleScheme], lang: Lang) -> std::io::Result<()> {
    let mut t = table(&[
        zh(lang, "scheme", "分类方案"),
        zh(lang, "label", "类别"),
        zh(lang, "priority", "优先级"),
        zh(lang, "objective", "目标"),
        zh(lang, "actions", "行动"),
        zh(lang, "channel", "渠道"),
        zh(lang, "service", "服务等级"),
    ]);
    for p in plays {
        let (objective, actions, channel, service) = p.text(lang);
        // built-in schemes from the catalog, rule schemes from their config entry
        let rule = rules.iter().find(|r| r.id == p.scheme);
        let scheme = match (scheme_name(&p.scheme, lang), rule) {
            (Some(n), _) => n.to_string(),
            (None, Some(r)) => r.names().get(lang).to_string(),
            (None, None) => p.scheme.clone(),
        };
        let name = match (custseg_engine::catalog::label_name(&p.scheme, &p.label, lang), rule) {
            (Some(n), _) => n.to_string(),
            (None, Some(r)) => r.label_name(&p.label, lang == Lang::Zh),
            (None, None) => p.label.clone(),
        };
        t.add_row(vec![
            Cell::new(scheme),
            Cell::new(name),
            Cell::new(p.priority).set_alignment(CellAlignment::Right),
            Cell::new(objective),
            Cell::new(actions.join("\n")),
            Cell::new(channel),
            Cell::new(service),
        ]);
    }
    out.line(t.to_string())
}
