//! The terminal summary of `custseg basket`: how rows became baskets, the strongest rules, the
//! classes' markedly stronger rules, and the evaluation with its verdict.

use comfy_table::{Cell, CellAlignment};
use custseg_engine::Lang;
use custseg_engine::basket::{Orders, verdict};
use custseg_engine::commands::basket::BasketOutcome;

use crate::summary::{print_quality, table, zh};
use crate::term::{Out, group};

/// Rules shown.
const SHOWN: usize = 10;

fn set(o: &Orders, items: &[u32]) -> String {
    items.iter().map(|&i| o.items[i as usize].as_str()).collect::<Vec<_>>().join(" + ")
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// Prints the outcome of `custseg basket [evaluate]`.
pub fn print_basket(out: &mut Out, r: &BasketOutcome, lang: Lang) -> std::io::Result<()> {
    if let Some(q) = &r.quality {
        print_quality(out, q, None, lang)?;
    }
    let a = &r.analysis;
    let o = &a.orders;
    let rec = &r.record;
    let what = match o.kind {
        "product" => zh(lang, "products", "商品"),
        "category" => zh(lang, "categories", "品类"),
        _ => zh(lang, "items", "商品"),
    };
    out.line(format!(
        "{}: {} ({} {what}); {} {}, {} {}, {} {}",
        zh(lang, "Baskets", "购物篮"),
        group(rec.baskets),
        group(rec.items as u64),
        group(rec.rows.in_baskets),
        zh(lang, "rows in baskets", "行入篮"),
        group(rec.rows.returns),
        zh(lang, "returns", "行退货"),
        group(rec.rows.without_item),
        zh(lang, "without an item", "行无商品"),
    ))?;
    out.line(format!(
        "{}: {} ({} {}), {}: {}",
        zh(lang, "Frequent itemsets", "频繁项集"),
        group(rec.itemsets as u64),
        zh(lang, "support count at least", "支持计数至少"),
        group(rec.min_count),
        zh(lang, "rules", "规则"),
        group(rec.rules as u64),
    ))?;
    if !a.mined.rules.is_empty() {
        let mut t = table(&[
            zh(lang, "rule", "规则"),
            zh(lang, "support", "支持度"),
            zh(lang, "confidence", "置信度"),
            zh(lang, "lift", "提升度"),
        ]);
        for rule in a.mined.rules.iter().take(SHOWN) {
            t.add_row(vec![
                Cell::new(format!("{} ⇒ {}", set(o, &rule.antecedent), set(o, &rule.consequent))),
                right(format!("{:.4}", rule.support)),
                right(format!("{:.3}", rule.confidence)),
                right(format!("{:.2}", rule.lift)),
            ]);
        }
        out.line(t.to_string())?;
    }
    if let Some(s) = &a.segments {
        let mut stronger: Vec<_> = s.rules.iter().filter(|r| r.stronger).collect();
        stronger.sort_by(|x, y| y.vs_base.total_cmp(&x.vs_base));
        out.line(format!(
            "{} {}: {} {}, {} {}",
            zh(lang, "By", "按"),
            s.segments.scheme,
            group(s.rules.len() as u64),
            zh(lang, "rules within classes", "条类内规则"),
            group(stronger.len() as u64),
            zh(lang, "markedly stronger than the base", "条明显强于全体"),
        ))?;
        if !stronger.is_empty() {
            let mut t = table(&[
                zh(lang, "class", "类别"),
                zh(lang, "rule", "规则"),
                zh(lang, "confidence", "置信度"),
                zh(lang, "base", "全体"),
                zh(lang, "× base", "倍数"),
            ]);
            for r in stronger.iter().take(SHOWN) {
                t.add_row(vec![
                    Cell::new(&s.segments.names[usize::from(r.segment)]),
                    Cell::new(format!("{} ⇒ {}", set(o, &r.rule.antecedent), set(o, &r.rule.consequent))),
                    right(format!("{:.3}", r.rule.confidence)),
                    right(format!("{:.3}", r.base_confidence)),
                    right(format!("{:.1}×", r.vs_base)),
                ]);
            }
            out.line(t.to_string())?;
        }
    }
    if let Some(n) = rec.recommended {
        out.line(format!("{}: {}", zh(lang, "Customers with recommendations", "获得推荐的客户"), group(n as u64)))?;
    }
    if let Some(e) = &a.evaluation {
        out.line(format!(
            "{}: {} / {} {}",
            zh(lang, "Evaluated", "评估客户"),
            group(e.evaluated as u64),
            group(e.eligible as u64),
            zh(lang, "customers who bought on two days or more", "位在两天及以上购买的客户"),
        ))?;
        let mut t = table(&[
            zh(lang, "model", "模型"),
            "k",
            zh(lang, "HitRate", "命中率"),
            zh(lang, "Precision", "精确率"),
            zh(lang, "Recall", "召回率"),
            "NDCG",
        ]);
        let iv = |i: custseg_engine::basket::Interval| format!("{:.4} [{:.4}, {:.4}]", i.mean, i.low, i.high);
        for s in e.scores.iter().chain(&e.differences) {
            let model = match s.model {
                "recommender" => zh(lang, "recommender", "推荐"),
                "popularity" => zh(lang, "popularity", "热门"),
                "repeat" => zh(lang, "repeat", "复购"),
                "recommender-popularity" => zh(lang, "recommender − popularity", "推荐 − 热门"),
                _ => zh(lang, "recommender − repeat", "推荐 − 复购"),
            };
            t.add_row(vec![
                Cell::new(model),
                right(s.k.to_string()),
                right(iv(s.hit_rate)),
                right(iv(s.precision)),
                right(iv(s.recall)),
                right(iv(s.ndcg)),
            ]);
        }
        out.line(t.to_string())?;
        out.line(verdict(e, lang))?;
    } else if o.has_customers() && rec.recommended.is_none() {
        // evaluate was asked for (it recommends nothing itself) but found no one to hold out
        out.line(zh(
            lang,
            "No customer bought on two days: nothing to evaluate.",
            "没有客户在两天及以上购买：无从评估。",
        ))?;
    }
    Ok(())
}
