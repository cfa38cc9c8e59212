//! Section 10: association rules (关联分析), the classes' markedly stronger rules, and how the
//! recommendations fared against the baselines.

use custseg_engine::Table;
use custseg_engine::catalog::Lang;

use super::count;
use super::html::{Page, Tbl, Tr};
use super::load::{RunOutputs, cell_f64, cell_text};

/// Rules shown per table.
const SHOWN: usize = 15;

/// `a|b` as `a + b`.
fn items(s: &str) -> String {
    s.split('|').collect::<Vec<_>>().join(" + ")
}

fn num(t: &Table, col: &str, r: usize, digits: usize) -> String {
    cell_f64(t, col, r).map_or_else(|| "–".into(), |v| format!("{v:.digits$}"))
}

/// The section, when the run analysed baskets.
pub fn basket(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let rec = &o.run["basket"];
    if rec.is_null() {
        return;
    }
    page.section("basket", tr.t("Association rules and recommendations", "关联分析与个性化推荐"));
    let kind = match rec["item"].as_str().unwrap_or("") {
        "product" => tr.t("products", "商品"),
        _ => tr.t("categories", "品类"),
    };
    let n = |k: &str| count(rec[k].as_f64().unwrap_or(0.0));
    page.kpis(&[
        (tr.t("Baskets", "购物篮").into(), n("baskets")),
        (format!("{} ({kind})", tr.t("Items", "商品")), n("items")),
        (tr.t("Frequent itemsets", "频繁项集").into(), n("itemsets")),
        (tr.t("Rules", "规则").into(), n("rules")),
        (tr.t("Customers with recommendations", "获得推荐的客户").into(), n("recommended")),
    ]);
    let cfg = &o.config.basket;
    page.p(&match lang {
        Lang::Zh => format!(
            "购物篮为订单（无订单号时为客户的一天）。阈值：支持度 ≥ {}，置信度 ≥ {}，提升度 ≥ {}，项集至多 {} 项。",
            cfg.min_support, cfg.min_confidence, cfg.min_lift, cfg.max_len
        ),
        Lang::En => format!(
            "A basket is an order (a customer's day without order ids). Thresholds: support ≥ {}, confidence ≥ {}, lift ≥ {}, itemsets of up to {} items.",
            cfg.min_support, cfg.min_confidence, cfg.min_lift, cfg.max_len
        ),
    });
    if let Some(r) = o.rules.as_ref().filter(|r| r.n_rows() > 0) {
        page.h3(tr.t("Strongest rules", "最强规则"));
        let mut t = Tbl::new(
            vec![
                tr.t("Rule", "规则").into(),
                tr.t("Support", "支持度").into(),
                tr.t("Confidence", "置信度").into(),
                tr.t("Lift", "提升度").into(),
            ],
            1,
        );
        for k in 0..r.n_rows().min(SHOWN) {
            t.row(vec![
                format!("{} ⇒ {}", items(&cell_text(r, "antecedent", k)), items(&cell_text(r, "consequent", k))),
                num(r, "support", k, 4),
                num(r, "confidence", k, 3),
                num(r, "lift", k, 2),
            ]);
        }
        if r.n_rows() > SHOWN {
            t.note = Some(match lang {
                Lang::Zh => format!("共 {} 条，见 rules.csv", count(r.n_rows() as f64)),
                Lang::En => format!("{} in all, see rules.csv", count(r.n_rows() as f64)),
            });
        }
        page.table(&t);
    }
    if let Some(s) = o.segment_rules.as_ref() {
        let scheme = rec["by"].as_str().unwrap_or("");
        page.h3(&match lang {
            Lang::Zh => format!("按{}：明显强于全体的类内规则", o.scheme_name(scheme, lang)),
            Lang::En => format!("By {}: rules markedly stronger within a class", o.scheme_name(scheme, lang)),
        });
        let mut rows: Vec<usize> = (0..s.n_rows()).filter(|&k| cell_text(s, "stronger", k) == "true").collect();
        rows.sort_by(|&a, &b| {
            let v = |k| cell_f64(s, "vs_base", k).unwrap_or(0.0);
            v(b).total_cmp(&v(a)).then(a.cmp(&b))
        });
        if rows.is_empty() {
            page.p(tr.t(
                "No class has a rule markedly stronger than over every basket (at least 1.5 times the confidence, binomial z ≥ 1.96).",
                "没有类别的规则明显强于全体（置信度至少 1.5 倍，二项检验 z ≥ 1.96）。",
            ));
        } else {
            page.p(tr.t(
                "Customers of the class who buy the left side buy the right side this many times more often than all customers who buy it.",
                "该类客户购买左侧商品后购买右侧商品的比例，是全体客户的若干倍。",
            ));
            let mut t = Tbl::new(
                vec![
                    tr.t("Class", "类别").into(),
                    tr.t("Rule", "规则").into(),
                    tr.t("Confidence", "置信度").into(),
                    tr.t("All customers", "全体").into(),
                    tr.t("Times the base", "倍数").into(),
                ],
                2,
            );
            for &k in rows.iter().take(SHOWN) {
                t.row(vec![
                    o.label_name(scheme, &cell_text(s, "segment", k), lang),
                    format!("{} ⇒ {}", items(&cell_text(s, "antecedent", k)), items(&cell_text(s, "consequent", k))),
                    num(s, "confidence", k, 3),
                    num(s, "base_confidence", k, 3),
                    format!("{}×", num(s, "vs_base", k, 1)),
                ]);
            }
            page.table(&t);
        }
    }
    if let Some(e) = o.basket_evaluation.as_ref().filter(|e| e.n_rows() > 0) {
        evaluation(page, rec, e, lang);
    }
}

fn evaluation(page: &mut Page, rec: &serde_json::Value, e: &Table, lang: Lang) {
    let tr = Tr(lang);
    page.h3(tr.t("Do the recommendations work?", "推荐效果评估"));
    let ev = &rec["evaluation"];
    page.p(&match lang {
        Lang::Zh => format!(
            "留出每位客户最后一个购买日的商品，用此前的购物篮推荐，评估 {} 位客户（共 {} 位在两天及以上购买）；括号内为 95% 自助法区间。",
            count(ev["evaluated"].as_f64().unwrap_or(0.0)),
            count(ev["eligible"].as_f64().unwrap_or(0.0))
        ),
        Lang::En => format!(
            "Each customer's last purchase day is held out and recommended for from the baskets before it; {} customers evaluated (of {} who bought on two days or more); 95% bootstrap intervals in brackets.",
            count(ev["evaluated"].as_f64().unwrap_or(0.0)),
            count(ev["eligible"].as_f64().unwrap_or(0.0))
        ),
    });
    let mut t = Tbl::new(
        vec![
            tr.t("Model", "模型").into(),
            "k".into(),
            tr.t("HitRate", "命中率").into(),
            tr.t("Precision", "精确率").into(),
            tr.t("Recall", "召回率").into(),
            "NDCG".into(),
        ],
        1,
    );
    let model_name = |m: &str| match m {
        "recommender" => tr.t("Recommender", "推荐").to_string(),
        "popularity" => tr.t("Popularity", "热门").to_string(),
        "repeat" => tr.t("Repeat", "复购").to_string(),
        "recommender-popularity" => tr.t("Recommender − popularity", "推荐 − 热门").to_string(),
        _ => tr.t("Recommender − repeat", "推荐 − 复购").to_string(),
    };
    // rows come per model, k, then the four measures in order
    let mut k = 0;
    while k + 3 < e.n_rows() {
        let cell = |r: usize| format!("{} [{}, {}]", num(e, "value", r, 4), num(e, "low", r, 4), num(e, "high", r, 4));
        t.row(vec![
            model_name(&cell_text(e, "model", k)),
            cell_text(e, "k", k),
            cell(k),
            cell(k + 1),
            cell(k + 2),
            cell(k + 3),
        ]);
        k += 4;
    }
    page.table(&t);
    let beats = ev["beats_popularity"].as_bool() == Some(true) && ev["beats_repeat"].as_bool() == Some(true);
    let phrase = custseg_engine::basket::verdict_phrase(beats, lang);
    page.p(&match (lang, beats) {
        (Lang::En, true) => format!("Verdict: {phrase} (the paired difference's interval is above 0)."),
        (Lang::En, false) => format!("Verdict: {phrase}."),
        (Lang::Zh, true) => format!("结论：{phrase}（配对差的区间高于 0）。"),
        (Lang::Zh, false) => format!("结论：{phrase}。"),
    });
}
