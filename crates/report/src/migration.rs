//! Section 10 (when the run was compared with an earlier one): migration and alerts.

use custseg_engine::catalog::Lang;

use super::html::{Page, Tbl, Tr};
use super::load::{RunOutputs, cell_f64, cell_text};
use super::svg::{self, HeatCell, Heatmap};
use super::{count, money, pct};
use custseg_engine::migration::{GONE, NEW, rank};

/// Rows of the alerts table.
const TOP_ALERTS: usize = 20;

/// Section 10.
pub fn migration(page: &mut Page, o: &RunOutputs, lang: Lang) {
    let tr = Tr(lang);
    let Some(m) = &o.migration else { return };
    page.section("migration", tr.t("Migration since the previous run", "与上次运行相比的客户迁移"));
    let h = &o.run["history"];
    page.p(&match lang {
        Lang::Zh => format!(
            "与存储 {} 中基准日为 {} 的运行 {}（相同配置）相比。",
            h["store"].as_str().unwrap_or(""),
            h["previous_as_of"].as_str().unwrap_or(""),
            h["previous_run_id"]
        ),
        Lang::En => format!(
            "Compared with run {} as of {} (same configuration) in {}.",
            h["previous_run_id"],
            h["previous_as_of"].as_str().unwrap_or(""),
            h["store"].as_str().unwrap_or("")
        ),
    });
    // per scheme: customers in both, kept, upgrades, downgrades, appeared, disappeared
    let mut schemes: Vec<String> = Vec::new();
    for r in 0..m.n_rows() {
        let s = cell_text(m, "scheme", r);
        if !schemes.contains(&s) {
            schemes.push(s);
        }
    }
    let mut t = Tbl::new(
        vec![
            tr.t("Scheme", "分类").into(),
            tr.t("In both runs", "两次均有").into(),
            tr.t("Kept their label", "保持不变").into(),
            tr.t("Upgrades", "升级").into(),
            tr.t("Downgrades", "降级").into(),
            tr.t("Appeared", "新出现").into(),
            tr.t("Disappeared", "消失").into(),
        ],
        1,
    );
    for s in &schemes {
        let (mut both, mut kept, mut up, mut down, mut new, mut gone) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for r in (0..m.n_rows()).filter(|&r| cell_text(m, "scheme", r) == *s) {
            let (f, to, n) =
                (cell_text(m, "from", r), cell_text(m, "to", r), cell_f64(m, "customers", r).unwrap_or(0.0));
            if f == NEW {
                new += n;
            } else if to == GONE {
                gone += n;
            } else {
                both += n;
                if f == to {
                    kept += n;
                } else if let (Some(a), Some(b)) = (rank(s, &f), rank(s, &to)) {
                    if b < a { up += n } else { down += n }
                }
            }
        }
        t.row(vec![
            o.scheme_name(s, lang),
            count(both),
            format!("{} ({})", count(kept), pct(if both > 0.0 { kept / both } else { 0.0 })),
            count(up),
            count(down),
            count(new),
            count(gone),
        ]);
    }
    page.table(&t);
    if schemes.iter().any(|s| s == "rfm_segment") {
        transitions(page, o, m, "rfm_segment", lang);
    }
    if let Some(a) = &o.alerts {
        page.h3(tr.t("Alerts: valuable customers slipping", "预警：高价值客户下滑"));
        let total: f64 = (0..a.n_rows()).filter_map(|r| cell_f64(a, "value_at_stake", r)).sum();
        page.p(&match lang {
            Lang::Zh => format!(
                "{} 条预警，涉及价值合计 {}（按涉及价值排序，完整列表见 alerts.csv）。",
                count(a.n_rows() as f64),
                money(total)
            ),
            Lang::En => format!(
                "{} alerts with {} at stake (by value at stake; alerts.csv has them all).",
                count(a.n_rows() as f64),
                money(total)
            ),
        });
        let mut t = Tbl::new(
            vec![
                tr.t("Customer", "客户").into(),
                tr.t("Rule", "规则").into(),
                tr.t("From", "从").into(),
                tr.t("To", "到").into(),
                tr.t("Value at stake", "涉及价值").into(),
                tr.t("Recommended action", "建议行动").into(),
            ],
            4,
        );
        t.numeric[5] = false;
        let shown = |r: usize, col: &str| {
            let v = cell_text(a, col, r);
            match v.split_once(':') {
                Some((scheme, label)) if !scheme.starts_with("p_alive") => o.label_name(scheme, label, lang),
                _ => v,
            }
        };
        // the action in the report's language, as the alert chose it: the play of the label
        // moved to, the at-risk play for a P(alive) drop
        let plays = custseg_engine::playbook::effective(&o.config.playbook);
        let action = |r: usize| {
            let to = cell_text(a, "to", r);
            let (scheme, label) = to.split_once(':').unwrap_or(("lifecycle", "at_risk"));
            match plays.iter().find(|p| p.scheme == scheme && p.label == label) {
                Some(p) => {
                    let (objective, actions, _, _) = p.text(lang);
                    match actions.first() {
                        Some(x) => format!("{objective}: {x}"),
                        None => objective.to_string(),
                    }
                }
                None => cell_text(a, "recommended_action", r),
            }
        };
        for r in 0..a.n_rows().min(TOP_ALERTS) {
            t.row(vec![
                cell_text(a, "customer_id", r),
                cell_text(a, "rule", r),
                shown(r, "from"),
                shown(r, "to"),
                cell_f64(a, "value_at_stake", r).map(money).unwrap_or_default(),
                action(r),
            ]);
        }
        if a.n_rows() > TOP_ALERTS {
            t.note = Some(match lang {
                Lang::Zh => format!("显示 {} 条中的前 {TOP_ALERTS} 条。", count(a.n_rows() as f64)),
                Lang::En => format!("Showing the first {TOP_ALERTS} of {}.", count(a.n_rows() as f64)),
            });
        }
        page.table(&t);
    }
}

/// The transition heatmap of one scheme: customers from each label (rows) to each label.
fn transitions(page: &mut Page, o: &RunOutputs, m: &custseg_engine::Table, scheme: &str, lang: Lang) {
    let tr = Tr(lang);
    let rows: Vec<usize> = (0..m.n_rows()).filter(|&r| cell_text(m, "scheme", r) == scheme).collect();
    let mut labels: Vec<String> = Vec::new();
    for &r in &rows {
        for l in [cell_text(m, "from", r), cell_text(m, "to", r)] {
            if l != NEW && l != GONE && !labels.contains(&l) {
                labels.push(l);
            }
        }
    }
    labels.sort_by_key(|l| rank(scheme, l).unwrap_or(usize::MAX));
    let froms: Vec<String> = std::iter::once(NEW.to_string()).chain(labels.iter().cloned()).collect();
    let tos: Vec<String> = labels.iter().cloned().chain(std::iter::once(GONE.to_string())).collect();
    let n = |f: &str, t: &str| {
        rows.iter()
            .find(|&&r| cell_text(m, "from", r) == f && cell_text(m, "to", r) == t)
            .and_then(|&r| cell_f64(m, "customers", r))
            .unwrap_or(0.0)
    };
    let name = |l: &str| match l {
        NEW => Tr(lang).t(NEW, "（新增）").to_string(),
        GONE => Tr(lang).t(GONE, "（离开）").to_string(),
        _ => o.label_name(scheme, l, lang),
    };
    let kept_froms: Vec<&String> = froms.iter().filter(|f| tos.iter().any(|t| n(f, t) > 0.0)).collect();
    let cells = kept_froms
        .iter()
        .map(|f| {
            let total: f64 = tos.iter().map(|t| n(f, t)).sum();
            tos.iter()
                .map(|t| {
                    let v = n(f, t);
                    HeatCell {
                        value: (v > 0.0).then(|| v / total.max(1.0)),
                        text: if v > 0.0 { count(v) } else { String::new() },
                        tip: format!("{} → {}: {} ({})", name(f), name(t), count(v), pct(v / total.max(1.0))),
                    }
                })
                .collect()
        })
        .collect();
    page.figures(&[svg::heatmap(&Heatmap {
        title: tr.t("RFM segment transitions (colour: share of the row)", "RFM 分群迁移（颜色：占该行比例）").into(),
        rows: kept_froms.iter().map(|f| name(f)).collect(),
        cols: tos.iter().map(|t| name(t)).collect(),
        cells,
        row_name: tr.t("previous run", "上次运行").into(),
        col_name: tr.t("this run", "本次运行").into(),
        diverging: false,
        width: super::FULL_WIDTH,
    })]);
}
