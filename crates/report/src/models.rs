//! Sections 6 and 7: clusters and customer lifetime value.

use custseg_engine::catalog::{self, Lang};

use super::html::{Page, Tbl, Tr};
use super::load::{RunOutputs, cell_f64, cell_text};
use super::svg::{self, Format, HeatCell, Heatmap, Line, Scatter, ScatterPoint};
use super::{count, money, pct};

/// Rows of the top-customers table.
const TOP_CUSTOMERS: usize = 20;

/// Section 6.
pub fn clusters(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let Some(c) = o.clusters.as_ref().filter(|c| c.n_rows() > 0) else { return };
    page.section("clusters", tr.t("Clusters", "聚类分群"));
    let k = c.n_rows();
    let chosen = o.run["cluster"]["chosen_by"].as_str().unwrap_or("");
    page.p(&match lang {
        Lang::Zh => format!(
            "用 {} 把 {} 位客户分为 {k} 组（k 的选择：{}）。分组按平均消费额从高到低编号；名称由每组最突出的特征生成。",
            o.run["cluster"]["algorithm"].as_str().unwrap_or("k-means"),
            count(o.run["cluster"]["customers"].as_f64().unwrap_or(0.0)),
            if chosen == "silhouette" { "轮廓系数最高" } else { "指定" }
        ),
        Lang::En => format!(
            "{} put {} customers into {k} groups (k {}). Groups are numbered by mean monetary value, highest first; names come from each group's most defining traits.",
            o.run["cluster"]["algorithm"].as_str().unwrap_or("k-means"),
            count(o.run["cluster"]["customers"].as_f64().unwrap_or(0.0)),
            if chosen == "silhouette" { "chosen by the highest silhouette" } else { "as configured" }
        ),
    });
    let labels: Vec<String> = (0..k).map(|r| cell_text(c, "cluster", r)).collect();
    let names: Vec<String> = labels.iter().map(|l| format!("{l}. {}", o.label_name("cluster", l, lang))).collect();
    let features: Vec<String> = c.names.iter().filter_map(|n| n.strip_prefix("mean_")).map(str::to_string).collect();
    // the plain reading first: who is in each group, in a manager's words
    let plain: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(r, name)| {
            let f = |col: &str, d: usize| cell_f64(c, col, r).map_or_else(|| "–".into(), |v| format!("{v:.d$}"));
            let who = match lang {
                Lang::Zh => format!(
                    "{name}：{} 位客户（{}），贡献 {} 的收入",
                    cell_f64(c, "customers", r).map(count).unwrap_or_default(),
                    cell_f64(c, "share", r).map(pct).unwrap_or_default(),
                    cell_f64(c, "revenue_share", r).map(pct).unwrap_or_default()
                ),
                Lang::En => format!(
                    "{name}: {} customers ({}), bringing {} of revenue",
                    cell_f64(c, "customers", r).map(count).unwrap_or_default(),
                    cell_f64(c, "share", r).map(pct).unwrap_or_default(),
                    cell_f64(c, "revenue_share", r).map(pct).unwrap_or_default()
                ),
            };
            let has = |x: &str| features.iter().any(|g| g == x);
            if !(has("frequency") && has("recency_days") && has("monetary")) {
                return format!("{who}{}", tr.t(".", "。"));
            }
            match lang {
                Lang::Zh => format!(
                    "{who}；平均每人购买 {} 次，上次购买在 {} 天前，共消费 {}。",
                    f("mean_frequency", 1),
                    f("mean_recency_days", 0),
                    f("mean_monetary", 2)
                ),
                Lang::En => format!(
                    "{who}; on average {} orders, the last one {} days ago, {} spent.",
                    f("mean_frequency", 1),
                    f("mean_recency_days", 0),
                    f("mean_monetary", 2)
                ),
            }
        })
        .collect();
    page.bullets(&plain);
    page.note(tr.t(
        "The table and charts below give the detail: each group's means, and how far it sits from the average customer in standard deviations (SD).",
        "下面的表格和图给出细节：每组的平均值，以及与平均客户相差多少个标准差。",
    ));
    let mut headers: Vec<String> = vec![
        tr.t("Cluster", "分组").into(),
        tr.t("Customers", "客户数").into(),
        tr.t("Share", "占比").into(),
        tr.t("Revenue share", "收入占比").into(),
    ];
    let feature = |f: &str| catalog::feature_name(f, lang).map_or_else(|| f.to_string(), str::to_string);
    headers.extend(features.iter().map(|f| format!("{} {}", tr.t("mean", "平均"), feature(f))));
    headers.push(tr.t("Defining traits", "主要特征").into());
    let mut t = Tbl::new(headers, 1);
    let last = t.numeric.len() - 1;
    t.numeric[last] = false;
    for (r, name) in names.iter().enumerate() {
        let mut cells = vec![
            name.clone(),
            cell_f64(c, "customers", r).map(count).unwrap_or_default(),
            cell_f64(c, "share", r).map(pct).unwrap_or_default(),
            cell_f64(c, "revenue_share", r).map(pct).unwrap_or_default(),
        ];
        cells.extend(features.iter().map(|f| cell_f64(c, &format!("mean_{f}"), r).map(svg::plain).unwrap_or_default()));
        let traits: Vec<String> = (1..=3)
            .map(|j| cell_text(c, &format!("trait_{j}"), r))
            .filter(|s| !s.is_empty())
            .map(|s| trait_display(&s, lang))
            .collect();
        cells.push(traits.join("; "));
        t.row(cells);
    }
    page.table(&t);
    let mut figs = Vec::new();
    // per-feature deviation from the overall mean, in standard deviations
    let dev_features: Vec<&String> = features.iter().filter(|f| c.get(&format!("deviation_{f}")).is_some()).collect();
    if !dev_features.is_empty() {
        let cells = (0..k)
            .map(|r| {
                dev_features
                    .iter()
                    .map(|f| {
                        let v = cell_f64(c, &format!("deviation_{f}"), r);
                        HeatCell {
                            value: v,
                            text: v.map(|v| format!("{v:+.2}")).unwrap_or_default(),
                            tip: format!(
                                "{} · {}: {} {}",
                                names[r],
                                feature(f),
                                v.map(|v| format!("{v:+.2}")).unwrap_or_default(),
                                tr.t("SD", "个标准差")
                            ),
                        }
                    })
                    .collect()
            })
            .collect();
        figs.push(svg::heatmap(&Heatmap {
            title: tr.t("Deviation from the overall mean (SD)", "相对总体均值的偏离（标准差）").into(),
            rows: names.clone(),
            cols: dev_features.iter().map(|f| feature(f)).collect(),
            cells,
            row_name: tr.t("cluster", "分组").into(),
            col_name: tr.t("feature", "特征").into(),
            diverging: true,
            width: 480.0,
        }));
    }
    if let Some(p) = &o.points {
        let group = |r: usize| -> usize {
            let l = cell_text(p, "cluster", r);
            labels.iter().position(|x| *x == l).unwrap_or(0)
        };
        let points: Vec<ScatterPoint> = (0..p.n_rows())
            .filter_map(|r| {
                Some(ScatterPoint { x: cell_f64(p, "pc1", r)?, y: cell_f64(p, "pc2", r)?, group: group(r) })
            })
            .collect();
        let centres: Vec<ScatterPoint> = (0..k)
            .filter_map(|r| Some(ScatterPoint { x: cell_f64(c, "pc1", r)?, y: cell_f64(c, "pc2", r)?, group: r }))
            .collect();
        if !points.is_empty() {
            figs.push(svg::scatter(&Scatter {
                title: match lang {
                    Lang::Zh => format!("客户在主成分平面上的分布（{} 个样本点）", count(points.len() as f64)),
                    Lang::En => format!(
                        "Customers on the first two principal components ({} shown)",
                        count(points.len() as f64)
                    ),
                },
                groups: names.clone(),
                points,
                centres,
                x_name: tr.t("PC1", "主成分 1").into(),
                y_name: tr.t("PC2", "主成分 2").into(),
                size: (480.0, 380.0),
            }));
        }
    }
    page.figures(&figs);
    if let Some(s) = o.selection.as_ref().filter(|s| s.n_rows() > 1) {
        page.h3(tr.t("Choosing k", "k 值的选择"));
        let ks: Vec<f64> = (0..s.n_rows()).filter_map(|r| cell_f64(s, "k", r)).collect();
        let chosen_k = (0..s.n_rows()).find(|&r| cell_text(s, "chosen", r) == "true").and_then(|r| cell_f64(s, "k", r));
        let metric = |col: &str, en: &str, zh: &str| {
            let pts: Vec<(f64, f64)> =
                (0..s.n_rows()).filter_map(|r| Some((cell_f64(s, "k", r)?, cell_f64(s, col, r)?))).collect();
            svg::line(&Line {
                title: tr.t(en, zh).into(),
                series: vec![(tr.t(en, zh).into(), pts)],
                markers: chosen_k.map(|k| vec![(k, format!("k = {k}"))]).unwrap_or_default(),
                reference: None,
                x_format: Format::Plain,
                y_format: Format::Plain,
                x_name: "k".into(),
                y_name: String::new(),
                size: (440.0, 240.0),
                dots: true,
            })
        };
        if ks.len() > 1 {
            page.figures(&[
                metric("silhouette", "Silhouette (higher is better)", "轮廓系数（越高越好）"),
                metric(
                    "calinski_harabasz",
                    "Calinski-Harabasz (higher is better)",
                    "Calinski-Harabasz 指数（越高越好）",
                ),
                metric("davies_bouldin", "Davies-Bouldin (lower is better)", "Davies-Bouldin 指数（越低越好）"),
                metric("inertia", "Inertia (elbow)", "簇内平方和（肘部法）"),
            ]);
        }
    }
}

/// Section 7.
pub fn clv(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let Some(clv) = o.customer("clv_12m") else { return };
    let values: Vec<(usize, f64)> = (0..o.n_customers()).filter_map(|i| clv.number(i).map(|v| (i, v))).collect();
    if values.is_empty() {
        return;
    }
    page.section("clv", tr.t("Customer lifetime value", "客户终身价值（CLV）"));
    let model = match o.run["clv"]["model"]["purchase"]["model"].as_str().unwrap_or("") {
        "bgnbd" => "BG/NBD",
        "mbgnbd" => "MBG/NBD",
        "pnbd" => "Pareto/NBD",
        other => other,
    };
    let months = o.run["clv"]["horizon_months"].as_u64().unwrap_or(12);
    let total = o.run["clv"]["total_clv"].as_f64().unwrap_or(0.0);
    page.p(&match lang {
        Lang::Zh => format!(
            "购买次数模型 {model} 与消费金额模型 Gamma-Gamma 预测每位客户未来 {months} 个月的价值（按月折现）。现有客户合计 {}。",
            money(total)
        ),
        Lang::En => format!(
            "The {model} purchase model and the Gamma-Gamma spend model predict each customer's value over the next {months} months (discounted monthly). Existing customers together: {}.",
            money(total)
        ),
    });
    let mut params = Tbl::new(
        vec![tr.t("Parameter", "参数").into(), tr.t("Estimate", "估计值").into(), tr.t("Std. error", "标准误").into()],
        1,
    );
    for part in [&o.run["clv"]["model"]["purchase"]["params"], &o.run["clv"]["model"]["spend"]["fit"]["params"]] {
        for p in part.as_array().into_iter().flatten() {
            params.row(vec![
                p["name"].as_str().unwrap_or("").into(),
                p["value"].as_f64().map(|v| format!("{v:.4}")).unwrap_or_default(),
                p["std_error"].as_f64().map(|v| format!("{v:.4}")).unwrap_or_else(|| "–".into()),
            ]);
        }
    }
    // distribution, cut at the 99th percentile so a few very large values do not flatten it
    let mut sorted: Vec<f64> = values.iter().map(|v| v.1).collect();
    sorted.sort_by(f64::total_cmp);
    let cap = sorted[((sorted.len() - 1) as f64 * 0.99).round() as usize].max(sorted[0]);
    let lo = sorted[0].min(0.0);
    let bins = 24usize;
    let width = if cap > lo { (cap - lo) / bins as f64 } else { 1.0 };
    let mut hist = vec![0.0; bins];
    let mut above = 0usize;
    for &v in &sorted {
        if v > cap {
            above += 1;
        } else {
            hist[(((v - lo) / width) as usize).min(bins - 1)] += 1.0;
        }
    }
    let bins: Vec<(f64, f64, f64)> =
        hist.iter().enumerate().map(|(k, n)| (lo + width * k as f64, lo + width * (k + 1) as f64, *n)).collect();
    let histogram = svg::histogram(
        &format!(
            "{} ({} {months} {})",
            tr.t("Predicted CLV", "预测 CLV"),
            tr.t("next", "未来"),
            tr.t("months", "个月")
        ),
        &bins,
        Format::Money,
        tr.t("predicted CLV", "预测 CLV"),
        tr.t("customers", "客户数"),
        480.0,
    );
    let mut figs = vec![histogram];
    if let Some(heat) = p_alive_heatmap(o, lang) {
        figs.push(heat);
    }
    page.figures(&figs);
    if let Some(n) = one_time_buyers_alive(o) {
        page.note(&match lang {
            Lang::Zh => format!(
                "{} 位只购买过一次的客户 P(alive) 为 1.00：BG/NBD 只在一次购买之后才允许客户流失，因此从未复购的客户不会被判为流失。判断他们是否仍活跃，请看生命周期阶段或最近购买天数，或改用 MBG/NBD 模型（`[clv] model = \"mbgnbd\"`）。",
                count(n as f64)
            ),
            Lang::En => format!(
                "{} one-time buyers have P(alive) 1.00: BG/NBD lets a customer drop out only right after a purchase, so a customer who never bought again is never judged inactive. For them, read the lifecycle stage or the days since the last purchase, or use the MBG/NBD model (`[clv] model = \"mbgnbd\"`).",
                count(n as f64)
            ),
        });
    }
    if above > 0 {
        page.note(&match lang {
            Lang::Zh => {
                format!("直方图截至第 99 百分位（{}）；另有 {} 位客户高于此值。", money(cap), count(above as f64))
            }
            Lang::En => format!(
                "The histogram stops at the 99th percentile ({}); {} customers lie above it.",
                money(cap),
                count(above as f64)
            ),
        });
    }
    page.table(&params);
    // top customers by CLV (ties: customer order, which is id order)
    let mut top = values.clone();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    page.h3(tr.t("Top customers by predicted CLV", "预测 CLV 最高的客户"));
    let mut t = Tbl::new(
        vec![
            tr.t("Customer", "客户").into(),
            tr.t("Predicted CLV", "预测 CLV").into(),
            "P(alive)".into(),
            tr.t("Expected purchases", "预期购买次数").into(),
            tr.t("Orders so far", "历史订单").into(),
            tr.t("Net revenue so far", "历史净收入").into(),
            tr.t("RFM segment", "RFM 分群").into(),
        ],
        1,
    );
    t.numeric[6] = false;
    let text = |col: &str, i: usize| o.customer(col).and_then(|c| c.text(i)).unwrap_or_default();
    let num = |col: &str, i: usize| o.customer(col).and_then(|c| c.number(i));
    for &(i, v) in top.iter().take(TOP_CUSTOMERS) {
        t.row(vec![
            text("customer_id", i),
            money(v),
            num("p_alive", i).map(|p| format!("{p:.3}")).unwrap_or_default(),
            num("expected_purchases_12m", i).map(|p| format!("{p:.2}")).unwrap_or_default(),
            num("frequency", i).map(count).unwrap_or_default(),
            num("monetary", i).map(money).unwrap_or_default(),
            o.label_name("rfm_segment", &text("rfm_segment", i), lang),
        ]);
    }
    t.note = (values.len() > TOP_CUSTOMERS).then(|| match lang {
        Lang::Zh => {
            format!("显示 {} 位客户中的前 {TOP_CUSTOMERS} 位；完整名单见 customers.csv。", count(values.len() as f64))
        }
        Lang::En => format!(
            "Showing the top {TOP_CUSTOMERS} of {} customers; customers.csv has them all.",
            count(values.len() as f64)
        ),
    });
    page.table(&t);
    if let Some(e) = &o.evaluation {
        evaluation(page, e, lang);
    }
}

/// How many one-time buyers (x = 0) have P(alive) of 1.00 under a BG/NBD model, when any do:
/// a property of the model that a reader of the report should be told about.
fn one_time_buyers_alive(o: &RunOutputs) -> Option<usize> {
    if o.run["clv"]["model"]["purchase"]["model"].as_str() != Some("bgnbd") {
        return None;
    }
    let (p, x) = (o.customer("p_alive")?, o.customer("x")?);
    let n =
        (0..o.n_customers()).filter(|&i| x.number(i) == Some(0.0) && p.number(i).is_some_and(|v| v >= 0.9995)).count();
    (n > 0).then_some(n)
}

/// Mean P(alive) by repeat purchases (x) × days since the last purchase.
fn p_alive_heatmap(o: &RunOutputs, lang: Lang) -> Option<String> {
    let tr = Tr(lang);
    let (p, x, rec) = (o.customer("p_alive")?, o.customer("x")?, o.customer("recency_days")?);
    let max_rec = (0..o.n_customers()).filter_map(|i| rec.number(i)).fold(0.0, f64::max);
    let x_bins: [(f64, f64, &str); 7] = [
        (0.0, 0.0, "0"),
        (1.0, 1.0, "1"),
        (2.0, 2.0, "2"),
        (3.0, 3.0, "3"),
        (4.0, 5.0, "4–5"),
        (6.0, 9.0, "6–9"),
        (10.0, f64::MAX, "10+"),
    ];
    let n_r = 6usize;
    let step = (max_rec / n_r as f64).ceil().max(1.0);
    let mut sum = vec![vec![0.0; n_r]; x_bins.len()];
    let mut cnt = vec![vec![0usize; n_r]; x_bins.len()];
    for i in 0..o.n_customers() {
        let (Some(pa), Some(xv), Some(r)) = (p.number(i), x.number(i), rec.number(i)) else { continue };
        let Some(b) = x_bins.iter().position(|(lo, hi, _)| xv >= *lo && xv <= *hi) else { continue };
        let c = ((r / step) as usize).min(n_r - 1);
        sum[b][c] += pa;
        cnt[b][c] += 1;
    }
    let cols: Vec<String> = (0..n_r).map(|c| format!("{:.0}–{:.0}", step * c as f64, step * (c + 1) as f64)).collect();
    let cells = (0..x_bins.len())
        .rev()
        .map(|b| {
            (0..n_r)
                .map(|c| {
                    let mean = (cnt[b][c] > 0).then(|| sum[b][c] / cnt[b][c] as f64);
                    HeatCell {
                        value: mean,
                        text: mean.map(|m| format!("{m:.2}")).unwrap_or_default(),
                        tip: format!(
                            "x {} · {} {}: P(alive) {} ({} {})",
                            x_bins[b].2,
                            cols[c],
                            tr.t("days", "天"),
                            mean.map(|m| format!("{m:.3}")).unwrap_or_else(|| "–".into()),
                            count(cnt[b][c] as f64),
                            tr.t("customers", "位客户")
                        ),
                    }
                })
                .collect()
        })
        .collect();
    Some(svg::heatmap(&Heatmap {
        title: tr
            .t(
                "Mean P(alive) by repeat purchases × days since last purchase",
                "按复购次数 × 距上次购买天数的平均存活概率",
            )
            .into(),
        rows: x_bins.iter().rev().map(|b| b.2.to_string()).collect(),
        cols,
        cells,
        row_name: tr.t("repeat purchases (x)", "复购次数 (x)").into(),
        col_name: tr.t("days since last purchase", "距上次购买天数").into(),
        diverging: false,
        width: 480.0,
    }))
}

fn evaluation(page: &mut Page, e: &custseg_engine::Table, lang: Lang) {
    let tr = Tr(lang);
    let rows: Vec<usize> = (0..e.n_rows()).filter(|&r| cell_text(e, "frequency", r) != "total").collect();
    let series = |col: &str, name: &str| -> (String, Vec<(f64, f64)>) {
        (
            name.to_string(),
            rows.iter().enumerate().filter_map(|(k, &r)| Some((k as f64, cell_f64(e, col, r)?))).collect(),
        )
    };
    page.h3(tr.t("Holdout check: actual vs predicted purchases", "留出期检验：实际与预测购买次数"));
    page.figures(&[svg::line(&Line {
        title: tr
            .t(
                "Mean holdout purchases by calibration repeat purchases (x)",
                "按校准期复购次数 (x) 的留出期平均购买次数",
            )
            .into(),
        series: vec![
            series("actual_mean", tr.t("actual", "实际")),
            series("model_mean", tr.t("model", "模型")),
            series("baseline_mean", tr.t("naive baseline", "简单基线")),
        ],
        markers: Vec::new(),
        reference: None,
        x_format: Format::Plain,
        y_format: Format::Plain,
        x_name: tr.t("repeat purchases in calibration (7 = 7+)", "校准期复购次数（7 = 7 次及以上）").into(),
        y_name: tr.t("purchases", "购买次数").into(),
        size: (super::FULL_WIDTH, 300.0),
        dots: true,
    })]);
}

/// A trait of clusters.csv (`frequency +1.35 SD`, `region = north (62%)`) in `lang`.
fn trait_display(text: &str, lang: Lang) -> String {
    let feature = |f: &str| catalog::feature_name(f, lang).map_or_else(|| f.to_string(), str::to_string);
    if let Some(rest) = text.strip_suffix(" SD")
        && let Some((f, v)) = rest.rsplit_once(' ')
    {
        return match lang {
            Lang::Zh => format!("{} {v} 个标准差", feature(f)),
            Lang::En => format!("{} {v} SD", feature(f)),
        };
    }
    match text.split_once(" = ") {
        Some((f, rest)) => format!("{} = {rest}", feature(f)),
        None => text.to_string(),
    }
}
