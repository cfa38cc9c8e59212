//! Terminal views of the run history: `history`, `show`, `diff`, `track`.

use comfy_table::{Cell, CellAlignment};
use custseg_engine::Lang;
use custseg_engine::alerts::Alert;
use custseg_engine::catalog::{self, Names};
use custseg_engine::migration::{GONE, NEW, SchemeMigration};
use custseg_engine::store::{CustomerHistory, RunInfo, StoredRun};
use custseg_engine::track::TrackOutcome;

use crate::summary::{table, zh};
use crate::term::{Out, group};

fn right(s: impl ToString) -> Cell {
    Cell::new(s.to_string()).set_alignment(CellAlignment::Right)
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.decimals$}"))
}

/// The display name of a label: the catalog's in `lang`, else the stored one.
fn name(scheme: &str, label: &str, stored: &Names, lang: Lang) -> String {
    catalog::label_name(scheme, label, lang).unwrap_or(stored.get(lang)).to_string()
}

fn input_names(inputs_json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(inputs_json).unwrap_or_default();
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["path"].as_str())
                .map(|p| std::path::Path::new(p).file_name().map_or(p.into(), |n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// `custseg history`.
pub fn print_history(out: &mut Out, runs: &[RunInfo], lang: Lang) -> std::io::Result<()> {
    // a run killed before its outputs were published stays in the store, is never compared
    // with, and is not listed as a run
    let incomplete = runs.iter().filter(|r| !r.complete).count();
    let runs: Vec<&RunInfo> = runs.iter().filter(|r| r.complete).collect();
    if runs.is_empty() && incomplete == 0 {
        return out.line(zh(
            lang,
            "no runs recorded yet (custseg run records every run unless --no-store)",
            "还没有记录任何运行（除非加 --no-store，custseg run 会记录每次运行）",
        ));
    }
    let mut t = table(&[
        zh(lang, "run", "运行"),
        zh(lang, "recorded (UTC)", "记录时间（世界协调时）"),
        zh(lang, "as of", "基准日"),
        zh(lang, "customers", "客户数"),
        zh(lang, "rows read", "读取行数"),
        zh(lang, "rejected", "拒绝"),
        zh(lang, "after as-of", "晚于基准日"),
        zh(lang, "config", "配置"),
        zh(lang, "inputs", "输入"),
    ]);
    for r in runs {
        t.add_row(vec![
            right(r.id),
            Cell::new(&r.created_at),
            Cell::new(&r.as_of),
            right(group(r.customers.max(0) as u64)),
            right(group(r.rows.0.max(0) as u64)),
            right(group(r.rows.2.max(0) as u64)),
            right(group(r.rows_after_as_of.max(0) as u64)),
            Cell::new(&r.config_hash[..r.config_hash.len().min(8)]),
            Cell::new(input_names(&r.inputs)),
        ]);
    }
    out.line(t.to_string())?;
    if incomplete > 0 {
        out.line(match lang {
            Lang::En => {
                format!("({incomplete} incomplete runs, stopped before their outputs were written, are not listed)")
            }
            Lang::Zh => format!("（{incomplete} 次运行在写出结果前中止，未列出）"),
        })?;
    }
    Ok(())
}

/// `custseg show RUN`: label counts per scheme.
pub fn print_stored_run(out: &mut Out, r: &StoredRun, lang: Lang) -> std::io::Result<()> {
    out.line(format!(
        "{} {} · {} {} · {} {} · {}",
        zh(lang, "run", "运行"),
        r.info.id,
        zh(lang, "as of", "基准日"),
        r.info.as_of,
        group(r.info.customers.max(0) as u64),
        zh(lang, "customers", "位客户"),
        r.info.out_dir
    ))?;
    for (s, scheme) in r.schemes.iter().enumerate() {
        let mut counts = vec![0u64; scheme.labels.len()];
        let mut total = 0u64;
        for c in r.codes[s].iter().flatten() {
            counts[usize::from(*c)] += 1;
            total += 1;
        }
        let title = catalog::scheme_name(&scheme.scheme, lang).unwrap_or(scheme.name.get(lang)).to_string();
        let mut t = table(&[&title, zh(lang, "customers", "客户数"), zh(lang, "share", "占比")]);
        for (k, (label, stored)) in scheme.labels.iter().enumerate() {
            let share = if total > 0 { counts[k] as f64 / total as f64 * 100.0 } else { 0.0 };
            t.add_row(vec![
                Cell::new(name(&scheme.scheme, label, stored, lang)),
                right(group(counts[k])),
                right(format!("{share:.1}%")),
            ]);
        }
        out.line(t.to_string())?;
    }
    Ok(())
}

/// The schemes shown as columns of a customer's history.
const MAIN_SCHEMES: [&str; 6] = ["rfm_segment", "rfm_cn8", "abc", "value_tier", "lifecycle", "clv_tier"];

/// `custseg show --customer ID`: their record in every run (客户档案).
pub fn print_customer_history(out: &mut Out, h: &CustomerHistory, lang: Lang) -> std::io::Result<()> {
    out.line(format!("{} {}", zh(lang, "customer", "客户"), h.customer_id))?;
    let mut header: Vec<&str> = vec![
        zh(lang, "run", "运行"),
        zh(lang, "as of", "基准日"),
        zh(lang, "recency", "最近购买"),
        zh(lang, "frequency", "频次"),
        zh(lang, "monetary", "消费额"),
        "CLV",
        "P(alive)",
    ];
    let scheme_titles: Vec<String> =
        MAIN_SCHEMES.iter().map(|s| catalog::scheme_name(s, lang).unwrap_or(s).to_string()).collect();
    header.extend(scheme_titles.iter().map(String::as_str));
    let mut t = table(&header);
    for r in &h.rows {
        let mut cells = vec![
            right(r.run_id),
            Cell::new(&r.as_of),
            right(opt(r.recency_days, 0)),
            right(opt(r.frequency, 0)),
            right(opt(r.monetary, 2)),
            right(opt(r.clv, 2)),
            right(opt(r.p_alive, 3)),
        ];
        for s in MAIN_SCHEMES {
            let label = r.labels.iter().find(|l| l.scheme == s);
            cells.push(Cell::new(label.map_or_else(|| "–".into(), |l| name(&l.scheme, &l.label, &l.name, lang))));
        }
        t.add_row(cells);
    }
    out.line(t.to_string())?;
    // the other schemes (rule schemes, clusters, matrix ...) in the latest run
    if let Some(last) = h.rows.last() {
        let others: Vec<String> = last
            .labels
            .iter()
            .filter(|l| !MAIN_SCHEMES.contains(&l.scheme.as_str()))
            .map(|l| format!("{}: {}", l.scheme_name.get(lang), name(&l.scheme, &l.label, &l.name, lang)))
            .collect();
        if !others.is_empty() {
            out.line(format!("{} {}: {}", zh(lang, "in run", "运行"), last.run_id, others.join(" · ")))?;
        }
    }
    Ok(())
}

/// `custseg diff`.
pub fn print_diff(
    out: &mut Out,
    a: &StoredRun,
    b: &StoredRun,
    ms: &[SchemeMigration],
    alerts: &[Alert],
    full: bool,
    lang: Lang,
) -> std::io::Result<()> {
    out.line(format!(
        "{} {} ({} {}) → {} {} ({} {})",
        zh(lang, "run", "运行"),
        a.info.id,
        zh(lang, "as of", "基准日"),
        a.info.as_of,
        zh(lang, "run", "运行"),
        b.info.id,
        zh(lang, "as of", "基准日"),
        b.info.as_of
    ))?;
    let mut t = table(&[
        zh(lang, "scheme", "分类"),
        zh(lang, "in both", "两次均有"),
        zh(lang, "kept label", "保持不变"),
        zh(lang, "upgrades", "升级"),
        zh(lang, "downgrades", "降级"),
        zh(lang, "appeared", "新出现"),
        zh(lang, "disappeared", "消失"),
    ]);
    for m in ms {
        t.add_row(vec![
            Cell::new(catalog::scheme_name(&m.scheme, lang).unwrap_or(&m.scheme)),
            right(group(m.matched)),
            right(format!(
                "{} ({})",
                group(m.stayed),
                m.stability().map_or("–".into(), |s| format!("{:.1}%", s * 100.0))
            )),
            right(group(m.upgrades)),
            right(group(m.downgrades)),
            right(group(m.appeared)),
            right(group(m.disappeared)),
        ]);
    }
    out.line(t.to_string())?;
    // the full matrix for the scheme asked for, else for the RFM segments
    let focus = if full { ms.first() } else { ms.iter().find(|m| m.scheme == "rfm_segment") };
    if let Some(m) = focus {
        let label_name = |l: &str| match l {
            NEW => zh(lang, NEW, "（新增）").to_string(),
            GONE => zh(lang, GONE, "（离开）").to_string(),
            _ => m.labels.iter().position(|x| x == l).map_or(l.to_string(), |k| name(&m.scheme, l, &m.names[k], lang)),
        };
        let froms: Vec<&str> = std::iter::once(NEW).chain(m.labels.iter().map(String::as_str)).collect();
        let tos: Vec<&str> = m.labels.iter().map(String::as_str).chain(std::iter::once(GONE)).collect();
        let from_title = format!("{} ↓ / {} →", zh(lang, "from", "从"), zh(lang, "to", "到"));
        let mut header: Vec<String> = vec![from_title];
        header.extend(tos.iter().map(|l| label_name(l)));
        header.push(zh(lang, "net", "净变化").into());
        let mut t = table(&header.iter().map(String::as_str).collect::<Vec<_>>());
        let net = m.net_flows();
        for f in &froms {
            if *f == NEW && m.appeared == 0 {
                continue;
            }
            let mut row = vec![Cell::new(label_name(f))];
            row.extend(tos.iter().map(|to| right(group(m.count(f, to)))));
            row.push(right(net.iter().find(|n| n.0 == *f).map_or(String::new(), |n| format!("{:+}", n.3))));
            t.add_row(row);
        }
        out.line(format!("{}:", catalog::scheme_name(&m.scheme, lang).unwrap_or(&m.scheme)))?;
        out.line(t.to_string())?;
    }
    out.line(format!(
        "{}: {}",
        zh(lang, "alerts (valuable customers slipping)", "预警（高价值客户下滑）"),
        group(alerts.len() as u64)
    ))?;
    if !alerts.is_empty() {
        let mut t = table(&[
            zh(lang, "customer", "客户"),
            zh(lang, "rule", "规则"),
            zh(lang, "from", "从"),
            zh(lang, "to", "到"),
            zh(lang, "value at stake", "涉及价值"),
        ]);
        for a in alerts.iter().take(10) {
            t.add_row(vec![
                Cell::new(&a.customer),
                Cell::new(&a.rule),
                Cell::new(&a.from),
                Cell::new(&a.to),
                right(format!("{:.2}", a.value_at_stake)),
            ]);
        }
        out.line(t.to_string())?;
        if alerts.len() > 10 {
            out.line(format!(
                "… {} {}",
                group(alerts.len() as u64 - 10),
                zh(lang, "more in alerts.csv", "条见 alerts.csv")
            ))?;
        }
    }
    Ok(())
}

/// `custseg track`.
pub fn print_track(out: &mut Out, t: &TrackOutcome, quiet: bool) -> std::io::Result<()> {
    if !quiet {
        let mut tb = table(&["as of", "run", "rfm_segment kept", "lifecycle kept", "abc kept"]);
        for (k, (as_of, id)) in t.runs.iter().enumerate() {
            let kept = |scheme: &str| {
                k.checked_sub(1)
                    .and_then(|p| t.migrations.get(p))
                    .and_then(|(_, _, ms)| ms.iter().find(|m| m.scheme == scheme))
                    .and_then(SchemeMigration::stability)
                    .map_or_else(|| "–".into(), |s| format!("{:.1}%", s * 100.0))
            };
            tb.add_row(vec![
                Cell::new(as_of),
                right(id),
                right(kept("rfm_segment")),
                right(kept("lifecycle")),
                right(kept("abc")),
            ]);
        }
        out.line(tb.to_string())?;
        if let Some(m) = &t.model {
            out.line(format!("Classified by the saved model {m}: customers moved, the cuts did not"))?;
        }
    }
    for p in &t.outputs {
        out.line(format!("{}", p.display()))?;
    }
    Ok(())
}
