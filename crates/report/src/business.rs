//! Sections 8 and 9 and the glossary: business classes, the value × loyalty matrix, share of
//! wallet, lookalike lifts, cross-tabs, the playbook.

use custseg_engine::Table;
use custseg_engine::catalog::Lang;

use super::behaviour::scheme_overview;
use super::html::{Page, Tbl, Tr};
use super::load::{RunOutputs, cell_f64, cell_text};
use super::svg::{self, HeatCell, Heatmap};
use super::{count, money, pct};
use custseg_engine::playbook;

/// Schemes shown in earlier sections.
const SHOWN: [&str; 6] = ["rfm_segment", "rfm_cn8", "abc", "value_tier", "lifecycle", "cluster"];
/// Most rows of a generic table in the report.
const MAX_ROWS: usize = 25;

/// Section 8.
pub fn classes(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let schemes: Vec<String> = o.schemes().into_iter().map(|s| s.0).filter(|s| !SHOWN.contains(&s.as_str())).collect();
    if schemes.is_empty() && o.matrix.is_none() {
        return;
    }
    page.section("business", tr.t("Business classes", "业务分类"));
    if let Some(m) = &o.matrix {
        page.h3(tr.t("Value × loyalty matrix", "客户分类矩阵（价值 × 忠诚度）"));
        matrix(page, o, m, lang);
    }
    for s in schemes.iter().filter(|s| *s != "matrix") {
        page.h3(&o.scheme_name(s, lang));
        scheme_overview(page, o, s, lang, true);
    }
    if let Some(c) = o.crosstab.as_ref().filter(|c| c.n_rows() > 0) {
        crosstabs(page, o, c, lang);
    }
    if let Some(w) = o.wallet.as_ref().filter(|w| w.n_rows() > 0) {
        page.h3(tr.t("Share of wallet: largest growth potential", "钱包份额：增长潜力最大的客户"));
        let rec = &o.run["wallet"];
        page.p(&match lang {
            Lang::Zh => format!(
                "{} 位客户有预算数据（来源：{}）；总体钱包份额 {}，可增长空间合计 {}。",
                count(rec["customers"].as_f64().unwrap_or(0.0)),
                super::message(&rec["source"], lang),
                rec["overall_share"].as_f64().map(pct).unwrap_or_else(|| "–".into()),
                money(rec["total_growth_potential"].as_f64().unwrap_or(0.0))
            ),
            Lang::En => format!(
                "{} customers have budget data (source: {}); overall share of wallet {}, total growth potential {}.",
                count(rec["customers"].as_f64().unwrap_or(0.0)),
                super::message(&rec["source"], lang),
                rec["overall_share"].as_f64().map(pct).unwrap_or_else(|| "–".into()),
                money(rec["total_growth_potential"].as_f64().unwrap_or(0.0))
            ),
        });
        page.table(&generic(w, 2, lang));
    }
    if let Some(l) = o.lookalike.as_ref().filter(|l| l.n_rows() > 0) {
        page.h3(tr.t(
            "Lookalikes: attributes over-represented among the best customers",
            "相似客户：最佳客户中占比偏高的属性",
        ));
        page.p(tr.t(
            "Lift = the attribute's share among the best customers ÷ its share among all customers; above 1 marks prospects worth approaching.",
            "提升度 = 该属性在最佳客户中的占比 ÷ 在全部客户中的占比；大于 1 的属性可用于寻找相似的潜在客户。",
        ));
        page.table(&generic(l, 2, lang));
    }
}

fn matrix(page: &mut Page, o: &RunOutputs, m: &Table, lang: Lang) {
    let tr = Tr(lang);
    let bands =
        |col: &str| -> usize { (0..m.n_rows()).filter_map(|r| cell_f64(m, col, r)).fold(0.0, f64::max) as usize };
    let (nv, nl) = (bands("value_band"), bands("loyalty_band"));
    if nv > 0 && nl > 0 {
        let mut cells = vec![vec![HeatCell::default(); nl]; nv];
        for r in 0..m.n_rows() {
            let (Some(v), Some(l)) = (cell_f64(m, "value_band", r), cell_f64(m, "loyalty_band", r)) else { continue };
            let (vi, li) = (nv - v as usize, l as usize - 1);
            if vi >= nv || li >= nl {
                continue;
            }
            let name = o.label_name("matrix", &cell_text(m, "cell", r), lang);
            let share = cell_f64(m, "revenue_share", r).unwrap_or(0.0);
            let customers = cell_f64(m, "customers", r).unwrap_or(0.0);
            cells[vi][li] = HeatCell {
                value: Some(share),
                text: format!("{name} · {}", pct(share)),
                tip: match lang {
                    Lang::Zh => format!("{name}：{} 位客户，收入占比 {}", count(customers), pct(share)),
                    Lang::En => format!("{name}: {} customers, {} of revenue", count(customers), pct(share)),
                },
            };
        }
        let axis = |key: &str| o.run["matrix"][key].as_str().unwrap_or("").to_string();
        page.figures(&[svg::heatmap(&Heatmap {
            title: tr.t("Share of revenue by matrix cell", "各矩阵单元的收入占比").into(),
            rows: (1..=nv).rev().map(|b| band_name(b, nv, tr.t("value", "价值"), lang)).collect(),
            cols: (1..=nl).map(|b| band_name(b, nl, tr.t("loyalty", "忠诚度"), lang)).collect(),
            cells,
            row_name: format!("{} ({})", tr.t("value", "价值"), axis("value")),
            col_name: format!("{} ({})", tr.t("loyalty", "忠诚度"), axis("loyalty")),
            diverging: false,
            width: 560.0,
        })]);
    }
    let mut t = Tbl::new(
        vec![
            tr.t("Cell", "单元").into(),
            tr.t("Customers", "客户数").into(),
            tr.t("Share", "占比").into(),
            tr.t("Revenue", "收入").into(),
            tr.t("Revenue share", "收入占比").into(),
            tr.t("Mean CLV", "平均 CLV").into(),
        ],
        1,
    );
    for r in 0..m.n_rows() {
        t.row(vec![
            o.label_name("matrix", &cell_text(m, "cell", r), lang),
            cell_f64(m, "customers", r).map(count).unwrap_or_default(),
            cell_f64(m, "share", r).map(pct).unwrap_or_default(),
            cell_f64(m, "revenue", r).map(money).unwrap_or_default(),
            cell_f64(m, "revenue_share", r).map(pct).unwrap_or_default(),
            cell_f64(m, "mean_clv", r).map(money).unwrap_or_else(|| "–".into()),
        ]);
    }
    page.table(&t);
}

/// "high value", "low loyalty", ... for 2 or 3 bands; "value 4" beyond.
fn band_name(band: usize, bands: usize, axis: &str, lang: Lang) -> String {
    let tr = Tr(lang);
    let level = match (bands, band) {
        (2, 1) | (3, 1) => Some(tr.t("low", "低")),
        (2, 2) | (3, 3) => Some(tr.t("high", "高")),
        (3, 2) => Some(tr.t("mid", "中")),
        _ => None,
    };
    match (level, lang) {
        (Some(l), Lang::Zh) => format!("{axis}{l}"),
        (Some(l), Lang::En) => format!("{l} {axis}"),
        (None, _) => format!("{axis} {band}"),
    }
}

/// One heatmap per cross-tab pair: customers in each cell, coloured by the share of the row.
fn crosstabs(page: &mut Page, o: &RunOutputs, c: &Table, lang: Lang) {
    let tr = Tr(lang);
    let mut pairs: Vec<(String, String)> = Vec::new();
    for r in 0..c.n_rows() {
        let p = (cell_text(c, "row_dimension", r), cell_text(c, "column_dimension", r));
        if !pairs.contains(&p) {
            pairs.push(p);
        }
    }
    for (rd, cd) in pairs {
        let rows: Vec<usize> = (0..c.n_rows())
            .filter(|&r| cell_text(c, "row_dimension", r) == rd && cell_text(c, "column_dimension", r) == cd)
            .collect();
        let mut row_labels: Vec<String> = Vec::new();
        let mut col_labels: Vec<String> = Vec::new();
        for &r in &rows {
            let (a, b) = (cell_text(c, "row_label", r), cell_text(c, "column_label", r));
            if !row_labels.contains(&a) {
                row_labels.push(a);
            }
            if !col_labels.contains(&b) {
                col_labels.push(b);
            }
        }
        if row_labels.len() > 20 || col_labels.len() > 12 {
            continue;
        }
        // labels in their scheme's order (segments.csv), others after in file order
        let order = |scheme: &str, labels: &mut Vec<String>| {
            let known: Vec<String> = o
                .schemes()
                .into_iter()
                .find(|(s, _)| s == scheme)
                .map(|(_, rows)| rows.iter().map(|&r| cell_text(&o.segments, "label", r)).collect())
                .unwrap_or_default();
            labels.sort_by_key(|l| known.iter().position(|k| k == l).unwrap_or(usize::MAX));
        };
        order(&rd, &mut row_labels);
        order(&cd, &mut col_labels);
        let mut cells = vec![vec![HeatCell::default(); col_labels.len()]; row_labels.len()];
        for &r in &rows {
            let a = row_labels.iter().position(|x| *x == cell_text(c, "row_label", r)).unwrap_or(0);
            let b = col_labels.iter().position(|x| *x == cell_text(c, "column_label", r)).unwrap_or(0);
            let n = cell_f64(c, "customers", r).unwrap_or(0.0);
            let share = cell_f64(c, "share_of_row", r).unwrap_or(0.0);
            cells[a][b] = HeatCell {
                value: Some(share),
                text: count(n),
                tip: format!(
                    "{} × {}: {} ({} {})",
                    o.label_name(&rd, &row_labels[a], lang),
                    o.label_name(&cd, &col_labels[b], lang),
                    count(n),
                    pct(share),
                    tr.t("of the row", "占该行")
                ),
            };
        }
        page.h3(&format!("{} × {}", o.scheme_name(&rd, lang), o.scheme_name(&cd, lang)));
        page.figures(&[svg::heatmap(&Heatmap {
            title: tr.t("Customers per cell (colour: share of the row)", "各单元客户数（颜色：占该行比例）").into(),
            rows: row_labels.iter().map(|l| o.label_name(&rd, l, lang)).collect(),
            cols: col_labels.iter().map(|l| o.label_name(&cd, l, lang)).collect(),
            cells,
            row_name: o.scheme_name(&rd, lang),
            col_name: o.scheme_name(&cd, lang),
            diverging: false,
            width: super::FULL_WIDTH,
        })]);
    }
}

/// How a column of wallet.csv or lookalike.csv reads in the report: its header in each language
/// and how its numbers print.
fn column_view(name: &str) -> (&'static str, &'static str, fn(f64) -> String) {
    let plain = |v: f64| svg::plain(v);
    match name {
        "rank" => ("Rank", "排名", count),
        "customer_id" => ("Customer", "客户", plain),
        "annual_spend" => ("Annual spend", "年消费额", money),
        "wallet_budget" => ("Category budget", "品类预算", money),
        "share_of_wallet" => ("Share of wallet", "钱包份额", pct),
        "growth_potential" => ("Growth potential", "增长潜力", money),
        "attribute" => ("Attribute", "属性", plain),
        "value" => ("Value", "取值", plain),
        "customers" => ("Customers", "客户数", count),
        "better_customers" => ("Best customers", "最佳客户数", count),
        "share_all" => ("Share of all", "在全部客户中占比", pct),
        "share_better" => ("Share of the best", "在最佳客户中占比", pct),
        "lift" => ("Lift", "提升度", |v| format!("{v:.2}×")),
        _ => ("", "", plain),
    }
}

/// The first rows of wallet.csv or lookalike.csv with readable headers and numbers, and a note
/// when cut.
fn generic(t: &Table, text_cols: usize, lang: Lang) -> Tbl {
    let tr = Tr(lang);
    let views: Vec<_> = t.names.iter().map(|n| column_view(n)).collect();
    let headers = t
        .names
        .iter()
        .zip(&views)
        .map(|(n, (en, zh, _))| if en.is_empty() { n.clone() } else { tr.t(en, zh).to_string() })
        .collect();
    let mut out = Tbl::new(headers, text_cols);
    for r in 0..t.n_rows().min(MAX_ROWS) {
        out.row(
            t.columns
                .iter()
                .enumerate()
                .map(|(k, c)| match c.number(r) {
                    Some(v) if k >= text_cols => (views[k].2)(v),
                    _ => c.text(r).unwrap_or_default(),
                })
                .collect(),
        );
    }
    if t.n_rows() > MAX_ROWS {
        out.note = Some(match lang {
            Lang::Zh => format!("显示 {} 行中的前 {MAX_ROWS} 行。", count(t.n_rows() as f64)),
            Lang::En => format!("Showing the first {MAX_ROWS} of {} rows.", count(t.n_rows() as f64)),
        });
    }
    out
}

/// Section 9.
pub fn playbook(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let Some(p) = o.playbook.as_ref().filter(|p| p.n_rows() > 0) else { return };
    page.section("playbook", tr.t("Playbook", "分群策略"));
    page.p(tr.t(
        "What to do with each segment that has customers, most urgent first. Value at stake is the segment's predicted CLV when the run has one, else its revenue.",
        "每个有客户的分群该怎么做，按优先级排列。涉及价值为该分群的预测 CLV（若有），否则为其历史收入。",
    ));
    let plays = playbook::effective(&o.config.playbook);
    let mut rows: Vec<usize> = (0..p.n_rows()).filter(|&r| cell_f64(p, "customers", r).unwrap_or(0.0) > 0.0).collect();
    rows.sort_by(|&a, &b| {
        let pa = cell_f64(p, "priority", a).unwrap_or(9.0);
        let pb = cell_f64(p, "priority", b).unwrap_or(9.0);
        let va = cell_f64(p, "value_at_stake", a).unwrap_or(0.0);
        let vb = cell_f64(p, "value_at_stake", b).unwrap_or(0.0);
        pa.total_cmp(&pb).then(vb.total_cmp(&va)).then(a.cmp(&b))
    });
    let mut t = Tbl::new(
        vec![
            tr.t("Segment", "分群").into(),
            tr.t("Priority", "优先级").into(),
            tr.t("Customers", "客户数").into(),
            tr.t("Value at stake", "涉及价值").into(),
            tr.t("Objective", "目标").into(),
            tr.t("Actions", "行动").into(),
            tr.t("Channel", "渠道").into(),
        ],
        1,
    );
    for k in 4..7 {
        t.numeric[k] = false;
    }
    for r in rows {
        let (scheme, label) = (cell_text(p, "scheme", r), cell_text(p, "label", r));
        let play = plays.iter().find(|x| x.scheme == scheme && x.label == label);
        let (objective, actions, channel) = match play {
            Some(x) => {
                let (obj, acts, ch, _) = x.text(lang);
                (obj.to_string(), acts.join("; "), ch.to_string())
            }
            None => (cell_text(p, "objective", r), cell_text(p, "actions", r), cell_text(p, "channel", r)),
        };
        t.row(vec![
            format!("{}: {}", o.scheme_name(&scheme, lang), o.label_name(&scheme, &label, lang)),
            cell_text(p, "priority", r),
            cell_f64(p, "customers", r).map(count).unwrap_or_default(),
            cell_f64(p, "value_at_stake", r).map(money).unwrap_or_default(),
            objective,
            actions,
            channel,
        ]);
    }
    page.table(&t);
}

/// The glossary.
pub fn glossary(page: &mut Page, lang: Lang) {
    let tr = Tr(lang);
    page.section("glossary", tr.t("Glossary", "术语表"));
    let en: [(&str, &str); 15] = [
        (
            "RFM",
            "Recency (days since the last purchase), Frequency (number of orders) and Monetary value (net spend), each scored 1 to 5 from the customer base's quantiles; segments are named by rules on the R and F scores.",
        ),
        (
            "Eight-class view",
            "R, F and M each marked high or low against the mean (or median), giving eight classes from important value customers (all high) to general win-back customers (all low).",
        ),
        ("ABC / Pareto", "Customers ranked by revenue: A brings the first 80% of revenue, B the next 15%, C the rest."),
        (
            "Gini coefficient",
            "How unequal spending is: 0 when every customer spends the same, 1 when one customer brings all revenue.",
        ),
        ("Value tier", "High, mid or low by percentile of monetary value (top 20% high, bottom 50% low by default)."),
        (
            "Lifecycle stage",
            "Prospect (no purchase), new, active, at risk, churned, or reactivated, from days since the first and last purchases; thresholds come from the data's purchase gaps unless set.",
        ),
        (
            "Cluster",
            "A group found by k-means (or k-prototypes with categories) on scaled features; k is chosen by the silhouette.",
        ),
        (
            "Silhouette",
            "How much closer customers are to their own cluster than to the next one, from -1 to 1; higher is better.",
        ),
        ("CLV", "Customer lifetime value: the predicted, discounted spend of a customer over the horizon."),
        (
            "P(alive)",
            "The probability that a customer is still active (has not silently left), from the BG/NBD or Pareto/NBD model.",
        ),
        (
            "BG/NBD, Pareto/NBD",
            "Models of repeat purchasing (Fader, Hardie & Lee 2005; Schmittlein, Morrison & Colombo 1987) fitted by maximum likelihood to each customer's x, t_x and T.",
        ),
        (
            "Gamma-Gamma",
            "A model of the average order value of repeat purchases (Fader, Hardie & Lee 2005), combined with the purchase model to give CLV.",
        ),
        (
            "Share of wallet",
            "A customer's spend with us divided by their total budget for the category; the rest is growth potential.",
        ),
        (
            "Value at stake",
            "The predicted CLV (or revenue) of the customers a playbook entry covers; for an alert, the customer's predicted CLV (or revenue) in the earlier run.",
        ),
        (
            "Migration",
            "How customers moved between the labels of a scheme from one run to the next; upgrades and downgrades follow each scheme's order of labels, best first.",
        ),
    ];
    let zh: [(&str, &str); 15] = [
        (
            "RFM",
            "最近一次购买（R，距今天数）、购买频次（F，订单数）和消费金额（M，净消费额），按客户群的分位各打 1 到 5 分；分群名称由 R、F 分数的规则给出。",
        ),
        (
            "八类客户",
            "R、F、M 分别与平均值（或中位数）比较为高或低，得到从重要价值客户（三项皆高）到一般挽留客户（三项皆低）的八类。",
        ),
        ("ABC / 帕累托", "按收入给客户排序：A 类贡献前 80% 的收入，B 类贡献其后 15%，其余为 C 类。"),
        ("基尼系数", "消费的不均衡程度：人人消费相同为 0，全部收入来自一位客户为 1。"),
        ("价值分层", "按消费额分位分为高、中、低价值（默认前 20% 为高，后 50% 为低）。"),
        (
            "生命周期阶段",
            "潜在（未购买）、新客、活跃、有流失风险、已流失或回流，由距首次和最近购买的天数判断；阈值默认取自数据中的购买间隔。",
        ),
        ("聚类", "在标准化特征上用 k-means（含类别属性时用 k-prototypes）找到的客户分组；k 按轮廓系数选择。"),
        ("轮廓系数", "客户与本组的接近程度相对于最近的另一组，取值 -1 到 1，越高越好。"),
        ("CLV", "客户终身价值：预测的客户在未来一段时间内的折现消费额。"),
        ("P(alive)", "客户仍然活跃（没有悄悄流失）的概率，来自 BG/NBD 或 Pareto/NBD 模型。"),
        (
            "BG/NBD、Pareto/NBD",
            "重复购买模型（Fader、Hardie 与 Lee 2005；Schmittlein、Morrison 与 Colombo 1987），用每位客户的 x、t_x、T 按最大似然拟合。",
        ),
        ("Gamma-Gamma", "重复购买平均订单金额的模型（Fader、Hardie 与 Lee 2005），与购买模型结合得到 CLV。"),
        ("钱包份额", "客户在我们这里的消费占其该品类总预算的比例；其余部分为增长潜力。"),
        ("涉及价值", "策略条目所覆盖客户的预测 CLV（或收入）；对预警而言，是客户在上次运行中的预测 CLV（或收入）。"),
        (
            "迁移",
            "客户从一次运行到下一次运行在某一分类各标签之间的移动；升级和降级按各分类的标签顺序（由好到差）判断。",
        ),
    ];
    page.definitions(if lang == Lang::Zh { &zh } else { &en });
}
