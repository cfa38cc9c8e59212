//! Sections 3 to 5: RFM, ABC / Pareto, value tiers and lifecycle.

use custseg_engine::catalog::Lang;

use super::html::{Page, Tbl, Tr};
use super::load::{RunOutputs, cell_f64, cell_text};
use super::svg::{self, Bars, Format, HeatCell, Heatmap, Line, Series};
use super::{count, money, pct};
use custseg_engine::playbook;

/// Share and revenue-share bars plus a table (name, customers, share, revenue share, mean R/F/M,
/// objective) for one scheme of segments.csv.
pub(crate) fn scheme_overview(page: &mut Page, o: &RunOutputs, scheme: &str, lang: Lang, with_action: bool) {
    let tr = Tr(lang);
    let Some((_, rows)) = o.schemes().into_iter().find(|(s, _)| s == scheme) else { return };
    let names: Vec<String> =
        rows.iter().map(|&r| o.label_name(scheme, &cell_text(&o.segments, "label", r), lang)).collect();
    let f = |col: &str| -> Vec<f64> { rows.iter().map(|&r| cell_f64(&o.segments, col, r).unwrap_or(0.0)).collect() };
    let chart = svg::bars(&Bars {
        title: format!("{} — {}", o.scheme_name(scheme, lang), tr.t("customers and revenue", "客户与收入占比")),
        categories: names.clone(),
        series: vec![
            Series { name: tr.t("Share of customers", "客户占比").into(), values: f("share") },
            Series { name: tr.t("Share of revenue", "收入占比").into(), values: f("revenue_share") },
        ],
        format: Format::Percent,
        axis: tr.t("share", "占比").into(),
        width: super::FULL_WIDTH,
    });
    page.figures(&[chart]);
    let plays = if with_action { playbook::effective(&o.config.playbook) } else { Vec::new() };
    let mut headers: Vec<String> = vec![
        tr.t("Segment", "分群").into(),
        tr.t("Customers", "客户数").into(),
        tr.t("Share", "占比").into(),
        tr.t("Revenue", "收入").into(),
        tr.t("Revenue share", "收入占比").into(),
        tr.t("Recency (days)", "最近购买（天）").into(),
        tr.t("Frequency", "频次").into(),
        tr.t("Monetary", "消费额").into(),
    ];
    if with_action {
        headers.push(tr.t("Objective", "目标").into());
    }
    let mut t = Tbl::new(headers, 1);
    if with_action {
        t.numeric[8] = false;
    }
    let opt = |col: &str, r: usize, fmt: fn(f64) -> String| {
        cell_f64(&o.segments, col, r).map(fmt).unwrap_or_else(|| "–".into())
    };
    for (k, &r) in rows.iter().enumerate() {
        let mut cells = vec![
            names[k].clone(),
            opt("customers", r, count),
            opt("share", r, pct),
            opt("revenue", r, money),
            opt("revenue_share", r, pct),
            opt("mean_recency_days", r, |v| format!("{v:.0}")),
            opt("mean_frequency", r, |v| format!("{v:.2}")),
            opt("mean_monetary", r, money),
        ];
        if with_action {
            let label = cell_text(&o.segments, "label", r);
            let objective = plays
                .iter()
                .find(|p| p.scheme == scheme && p.label == label)
                .map(|p| p.text(lang).0.to_string())
                .unwrap_or_default();
            cells.push(objective);
        }
        t.row(cells);
    }
    t.note = Some(
        tr.t(
            "Recency, frequency and monetary are the segment's means; the playbook section has the actions for each objective.",
            "最近购买、频次和消费额为分群内的平均值；各目标的具体行动见“分群策略”一节。",
        )
        .into(),
    );
    page.table(&t);
}

/// A mean amount short enough for a heatmap cell.
fn cell_money(v: f64) -> String {
    if v.abs() >= 10_000.0 {
        svg::compact(v)
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Section 3.
pub fn rfm(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let (Some(r), Some(f)) = (o.customer("r_score"), o.customer("f_score")) else { return };
    page.section("rfm", tr.t("RFM", "RFM 分析"));
    page.p(tr.t(
        "Each customer gets a score from 1 to n for recency (5 = bought most recently), frequency and monetary value, from quantiles of the customer base; equal values always get equal scores.",
        "每位客户按最近购买时间（R，5 = 最近）、购买频次（F）和消费金额（M）在客户群中的分位得到 1 到 n 的分数；相同的数值总是得到相同的分数。",
    ));
    let n = o.config.rfm.n_scores.max(1) as usize;
    let monetary = o.customer("monetary");
    let mut cnt = vec![vec![0usize; n]; n];
    let mut sum = vec![vec![0.0f64; n]; n];
    for i in 0..o.n_customers() {
        let (Some(rs), Some(fs)) = (r.number(i), f.number(i)) else { continue };
        let (ri, fi) = ((rs as usize).clamp(1, n) - 1, (fs as usize).clamp(1, n) - 1);
        cnt[ri][fi] += 1;
        sum[ri][fi] += monetary.and_then(|c| c.number(i)).unwrap_or(0.0);
    }
    let grid =
        |value: &dyn Fn(usize, usize) -> Option<f64>, text: &dyn Fn(usize, usize) -> String| -> Vec<Vec<HeatCell>> {
            (0..n)
                .rev()
                .map(|ri| {
                    (0..n)
                        .map(|fi| HeatCell {
                            value: value(ri, fi),
                            text: text(ri, fi),
                            tip: match lang {
                                Lang::Zh => format!(
                                    "R{} F{}：{} 位客户，平均消费 {}",
                                    ri + 1,
                                    fi + 1,
                                    count(cnt[ri][fi] as f64),
                                    money(sum[ri][fi] / cnt[ri][fi].max(1) as f64)
                                ),
                                Lang::En => format!(
                                    "R{} F{}: {} customers, mean monetary {}",
                                    ri + 1,
                                    fi + 1,
                                    count(cnt[ri][fi] as f64),
                                    money(sum[ri][fi] / cnt[ri][fi].max(1) as f64)
                                ),
                            },
                        })
                        .collect()
                })
                .collect()
        };
    let rows: Vec<String> = (1..=n).rev().map(|k| format!("R{k}")).collect();
    let cols: Vec<String> = (1..=n).map(|k| format!("F{k}")).collect();
    let customers = svg::heatmap(&Heatmap {
        title: tr.t("Customers by recency × frequency score", "按 R × F 分数的客户数").into(),
        rows: rows.clone(),
        cols: cols.clone(),
        cells: grid(&|a, b| Some(cnt[a][b] as f64), &|a, b| count(cnt[a][b] as f64)),
        row_name: tr.t("recency score", "R 分数").into(),
        col_name: tr.t("frequency score", "F 分数").into(),
        diverging: false,
        width: 440.0,
    });
    let mean = |a: usize, b: usize| (cnt[a][b] > 0).then(|| sum[a][b] / cnt[a][b] as f64);
    // a mean of a handful of customers does not set the colour scale: such cells show their
    // mean in brackets, uncoloured
    let scored: usize = cnt.iter().flatten().sum();
    let few = (scored as f64 * 0.005).ceil().max(10.0) as usize;
    let coloured = |a: usize, b: usize| mean(a, b).filter(|_| cnt[a][b] >= few);
    let spend = svg::heatmap(&Heatmap {
        title: tr.t("Mean monetary by recency × frequency score", "按 R × F 分数的平均消费额").into(),
        rows,
        cols,
        cells: grid(&coloured, &|a, b| match mean(a, b) {
            Some(m) if cnt[a][b] >= few => cell_money(m),
            Some(m) => format!("({})", cell_money(m)),
            None => String::new(),
        }),
        row_name: tr.t("recency score", "R 分数").into(),
        col_name: tr.t("frequency score", "F 分数").into(),
        diverging: false,
        width: 440.0,
    });
    page.figures(&[customers, spend]);
    let mut notes = Vec::new();
    if cnt.iter().flatten().any(|&c| c > 0 && c < few) {
        notes.push(match lang {
            Lang::Zh => format!("少于 {few} 位客户的格子不参与配色，其平均消费额显示在括号中。"),
            Lang::En => format!(
                "Cells of fewer than {few} customers do not set the colours; their mean monetary is shown in brackets."
            ),
        });
    }
    if let Some(note) = empty_scores_note(&cnt, o, lang) {
        notes.push(note);
    }
    page.bullets(&notes);
    page.h3(tr.t("RFM segments", "RFM 客户分群"));
    scheme_overview(page, o, "rfm_segment", lang, true);
    if o.segment_row("rfm_cn8", "important_value").is_some() {
        page.h3(tr.t("The eight-class view (R, F, M high or low)", "八类客户（R、F、M 高/低）"));
        let centres =
            o.run["rfm_cn8_centres"].as_array().map(|a| a.iter().filter_map(|v| v.as_f64()).collect::<Vec<_>>());
        if let Some(c) = centres.filter(|c| c.len() == 3) {
            let basis = format!("{:?}", o.config.rfm.cn8_basis).to_lowercase();
            page.p(&match lang {
                Lang::Zh => format!(
                    "以{}为界：最近购买 {:.1} 天、频次 {:.2}、消费额 {}；优于界值为“高”。",
                    if basis == "median" { "中位数" } else { "平均值" },
                    c[0],
                    c[1],
                    money(c[2])
                ),
                Lang::En => format!(
                    "Split at the {basis}: recency {:.1} days, frequency {:.2}, monetary {}; better than the split is \u{201c}high\u{201d}.",
                    c[0],
                    c[1],
                    money(c[2])
                ),
            });
        }
        scheme_overview(page, o, "rfm_cn8", lang, true);
    }
}

/// Section 4.
pub fn abc(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let Some(m) = o.customer("monetary") else { return };
    let mut values: Vec<f64> = (0..o.n_customers()).filter_map(|i| m.number(i)).map(|v| v.max(0.0)).collect();
    if values.is_empty() {
        return;
    }
    page.section("abc", tr.t("ABC / Pareto", "ABC / 帕累托分析"));
    values.sort_by(|a, b| b.total_cmp(a));
    let total: f64 = values.iter().sum();
    let n = values.len();
    // at most ~200 points, always including the last
    let step = n.div_ceil(200).max(1);
    let mut pts = vec![(0.0, 0.0)];
    let mut acc = 0.0;
    for (k, v) in values.iter().enumerate() {
        acc += v;
        if (k + 1) % step == 0 || k + 1 == n {
            pts.push(((k + 1) as f64 / n as f64, if total > 0.0 { acc / total } else { 0.0 }));
        }
    }
    // the curve runs over the customers with a spend: the cut points are shares of them
    let share = |label: &str| {
        o.segment_row("abc", label).and_then(|r| cell_f64(&o.segments, "customers", r)).unwrap_or(0.0) / n as f64
    };
    let (a, b) = (share("a"), share("b"));
    let gini = o.run["abc"]["gini"].as_f64();
    let chart = svg::line(&Line {
        title: tr
            .t("Cumulative share of revenue by customers, largest first", "按客户累计的收入占比（从高到低）")
            .into(),
        series: vec![(tr.t("Revenue", "收入").into(), pts)],
        markers: vec![(a, "A | B".into()), (a + b, "B | C".into())],
        reference: Some(((0.0, 0.0), (1.0, 1.0))),
        x_format: Format::Percent,
        y_format: Format::Percent,
        x_name: tr.t("share of customers", "客户占比").into(),
        y_name: tr.t("share of revenue", "收入占比").into(),
        size: (super::FULL_WIDTH, 340.0),
        dots: false,
    });
    page.figures(&[chart]);
    let top20 = o.run["abc"]["top20_share"].as_f64().unwrap_or(0.0);
    page.p(&match lang {
        Lang::Zh => format!(
            "A 类为累计收入占比前 {} 的客户，B 类至 {}，其余为 C 类。收入最高的 20% 客户贡献 {} 的收入；基尼系数 {}（0 = 人人相同，1 = 全部收入来自一位客户）。",
            pct(o.config.abc.a_share),
            pct(o.config.abc.b_share),
            pct(top20),
            gini.map_or("–".into(), |g| format!("{g:.3}"))
        ),
        Lang::En => format!(
            "Tier A holds the customers that make up the first {} of revenue, B up to {}, C the rest. The top 20% of customers bring {} of revenue; the Gini coefficient is {} (0 = everyone spends the same, 1 = one customer brings everything).",
            pct(o.config.abc.a_share),
            pct(o.config.abc.b_share),
            pct(top20),
            gini.map_or("–".into(), |g| format!("{g:.3}"))
        ),
    });
    scheme_overview(page, o, "abc", lang, false);
}

/// Distinct values of a customer column in first-seen order of `order` (then the rest sorted).
fn levels(o: &RunOutputs, col: &str, order: &[&str]) -> Vec<String> {
    let Some(c) = o.customer(col) else { return Vec::new() };
    let mut seen: Vec<String> = (0..o.n_customers()).filter_map(|i| c.text(i)).collect();
    seen.sort();
    seen.dedup();
    let mut out: Vec<String> = order.iter().filter(|l| seen.iter().any(|s| s == *l)).map(|s| s.to_string()).collect();
    out.extend(seen.into_iter().filter(|s| !order.contains(&s.as_str())));
    out
}

/// Section 5.
pub fn tiers_and_lifecycle(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let (Some(tier), Some(life)) = (o.customer("value_tier"), o.customer("lifecycle")) else { return };
    page.section("tiers", tr.t("Value tiers and lifecycle", "价值分层与生命周期"));
    let tiers = levels(o, "value_tier", &["high", "mid", "low"]);
    let stages = levels(o, "lifecycle", &["prospect", "new", "active", "reactivated", "at_risk", "churned"]);
    let tier_counts: Vec<(String, f64)> = tiers
        .iter()
        .map(|t| {
            let n = (0..o.n_customers()).filter(|&i| tier.text(i).as_deref() == Some(t)).count();
            (o.label_name("value_tier", t, lang), n as f64)
        })
        .collect();
    let stage_counts: Vec<(String, f64)> = stages
        .iter()
        .map(|s| {
            let n = (0..o.n_customers()).filter(|&i| life.text(i).as_deref() == Some(s)).count();
            (o.label_name("lifecycle", s, lang), n as f64)
        })
        .collect();
    page.figures(&[
        svg::donut(tr.t("Customers by value tier", "各价值层客户数"), &tier_counts, Format::Count, 440.0),
        svg::donut(tr.t("Customers by lifecycle stage", "各生命周期阶段客户数"), &stage_counts, Format::Count, 440.0),
    ]);
    // value tier × stage: where each tier's customers are in their lifecycle
    let series: Vec<Series> = stages
        .iter()
        .map(|s| Series {
            name: o.label_name("lifecycle", s, lang),
            values: tiers
                .iter()
                .map(|t| {
                    (0..o.n_customers())
                        .filter(|&i| tier.text(i).as_deref() == Some(t) && life.text(i).as_deref() == Some(s))
                        .count() as f64
                })
                .collect(),
        })
        .collect();
    let by_tier = svg::stacked_bars(&Bars {
        title: tr.t("Lifecycle stage within each value tier", "各价值层的生命周期构成").into(),
        categories: tiers.iter().map(|t| o.label_name("value_tier", t, lang)).collect(),
        series,
        format: Format::Count,
        axis: tr.t("share of the tier's customers", "占该层客户比例").into(),
        width: super::FULL_WIDTH,
    });
    // how far customers go: bought once, twice, 3+, 5+, 10+
    let freq = o.customer("frequency");
    let at_least = |k: f64| {
        (0..o.n_customers()).filter(|&i| freq.and_then(|c| c.number(i)).is_some_and(|f| f >= k)).count() as f64
    };
    let funnel = svg::funnel(
        tr.t("Purchase frequency funnel", "购买频次漏斗"),
        &[
            (tr.t("1+ orders", "1 次及以上").into(), at_least(1.0)),
            (tr.t("2+ orders", "2 次及以上").into(), at_least(2.0)),
            (tr.t("3+ orders", "3 次及以上").into(), at_least(3.0)),
            (tr.t("5+ orders", "5 次及以上").into(), at_least(5.0)),
            (tr.t("10+ orders", "10 次及以上").into(), at_least(10.0)),
        ],
        Format::Count,
        super::FULL_WIDTH,
    );
    page.figures(&[by_tier]);
    page.figures(&[funnel]);
    let life_rec = &o.run["lifecycle"];
    page.p(&match lang {
        Lang::Zh => format!(
            "生命周期：首次购买在 {} 天内为新客；距上次购买超过 {} 天为有流失风险，超过 {} 天为已流失；流失后再次购买为回流。",
            life_rec["new_days"], life_rec["at_risk_days"], life_rec["churn_days"]
        ),
        Lang::En => format!(
            "Lifecycle: new = first purchase within {} days; at risk = no purchase for more than {} days; churned = more than {} days; reactivated = bought again after a gap longer than the churn threshold.",
            life_rec["new_days"], life_rec["at_risk_days"], life_rec["churn_days"]
        ),
    });
    scheme_overview(page, o, "lifecycle", lang, true);
}

/// Why a score that no customer has is missing from the R × F grid: equal values share a score,
/// so a value held by many customers (one order, most often) spans several quantiles and the
/// scores it spans are not used.
fn empty_scores_note(cnt: &[Vec<usize>], o: &RunOutputs, lang: Lang) -> Option<String> {
    let n = cnt.len();
    let empty_f: Vec<String> =
        (0..n).filter(|&f| cnt.iter().all(|row| row[f] == 0)).map(|f| format!("F{}", f + 1)).collect();
    let empty_r: Vec<String> =
        (0..n).filter(|&r| cnt[r].iter().all(|&c| c == 0)).map(|r| format!("R{}", r + 1)).collect();
    let empty: Vec<String> = empty_r.into_iter().chain(empty_f).collect();
    if empty.is_empty() {
        return None;
    }
    // the most common order count, and its share of the scored customers
    let freq = o.customer("frequency");
    let mut counts = std::collections::BTreeMap::<i64, usize>::new();
    let mut scored = 0usize;
    for i in 0..o.n_customers() {
        if let Some(v) = freq.and_then(|c| c.number(i)).filter(|v| *v > 0.0) {
            *counts.entry(v as i64).or_default() += 1;
            scored += 1;
        }
    }
    let (value, k) = counts.iter().max_by_key(|(v, k)| (**k, -**v)).map(|(v, k)| (*v, *k))?;
    let share = super::pct(k as f64 / scored.max(1) as f64);
    Some(match lang {
        Lang::Zh => format!(
            "没有客户得到 {} 分：相同的数值总得到相同的分数，而 {share} 的客户购买次数同为 {value}，占据了好几个分位，被跨过的分数便空着。",
            empty.join("、")
        ),
        Lang::En => format!(
            "No customer has score {}: equal values always share a score, and {share} of customers have {}, which spans several quantiles, so the scores it spans stay empty.",
            empty.join(", "),
            if value == 1 { "a single order".to_string() } else { format!("exactly {value} orders") }
        ),
    })
}
