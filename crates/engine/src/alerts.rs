//! Alerts on migrations: valuable customers slipping between two runs.
//!
//! A rule is either a move (`from` labels of `from_scheme` in the earlier run, `to` labels of
//! `to_scheme` in the later one; when the schemes differ, customers already in a `to` label
//! before are not alerted again) or a P(alive) drop (customers in the top `top_clv_share` by
//! predicted CLV in the earlier run whose P(alive) fell below `p_alive_below`). The value at
//! stake is the customer's predicted CLV in the earlier run, else their revenue then; the
//! recommended action is the playbook's entry for the label they moved to. `alerts.csv` is
//! sorted by value at stake (ties: customer id, then rule order); a customer hit by several
//! rules appears once per rule.

use custseg_core::catalog::Lang;
use custseg_data::sink::{Column, Table};
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::playbook::Play;
use crate::store::StoredRun;

/// `[[alerts]]`: one alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Rule id (in alerts.csv).
    pub id: String,
    /// Scheme of the earlier label (move rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_scheme: Option<String>,
    /// Earlier labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<String>,
    /// Scheme of the later label (default: `from_scheme`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_scheme: Option<String>,
    /// Later labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// P(alive) rules: alert when P(alive) falls below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_alive_below: Option<f64>,
    /// P(alive) rules: only customers in this top share by predicted CLV (earlier run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_clv_share: Option<f64>,
}

fn labels(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn moves(id: &str, from_scheme: &str, from: &[&str], to_scheme: &str, to: &[&str]) -> AlertRule {
    AlertRule {
        id: id.into(),
        from_scheme: Some(from_scheme.into()),
        from: labels(from),
        to_scheme: Some(to_scheme.into()),
        to: labels(to),
        p_alive_below: None,
        top_clv_share: None,
    }
}

/// The default rules (used when the config has no `[[alerts]]`).
pub fn default_rules() -> Vec<AlertRule> {
    vec![
        moves(
            "valuable_rfm_slipping",
            "rfm_segment",
            &["champions", "loyal", "cant_lose_them"],
            "rfm_segment",
            &["at_risk", "hibernating", "lost"],
        ),
        moves(
            "important_value_slipping",
            "rfm_cn8",
            &["important_value"],
            "rfm_cn8",
            &["important_retain", "important_winback", "general_retain", "general_winback"],
        ),
        moves("high_value_lapsing", "value_tier", &["high"], "lifecycle", &["at_risk", "churned"]),
        moves("a_to_c", "abc", &["a"], "abc", &["c"]),
        AlertRule {
            id: "top_clv_p_alive_drop".into(),
            from_scheme: None,
            from: Vec::new(),
            to_scheme: None,
            to: Vec::new(),
            p_alive_below: Some(0.5),
            top_clv_share: Some(0.1),
        },
    ]
}

/// Checks rules when the configuration loads.
///
/// # Errors
/// [`EngineError::Invalid`] naming the rule.
pub fn check(rules: &[AlertRule]) -> Result<()> {
    for r in rules {
        let bad = |m: &str| Err(EngineError::Invalid(format!("alert rule `{}`: {m}", r.id)));
        match (r.p_alive_below, &r.from_scheme) {
            (Some(p), None) => {
                if !(0.0..=1.0).contains(&p) {
                    return bad(&format!("p_alive_below must be in 0..=1, got {p}"));
                }
                if let Some(s) = r.top_clv_share
                    && !(s > 0.0 && s <= 1.0)
                {
                    return bad(&format!("top_clv_share must be in (0, 1], got {s}"));
                }
            }
            (None, Some(_)) => {
                if r.from.is_empty() || r.to.is_empty() {
                    return bad("a move rule needs `from` and `to` labels");
                }
            }
            _ => return bad("give either from_scheme/from/to (a move) or p_alive_below (a P(alive) drop)"),
        }
    }
    Ok(())
}

/// One alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Customer id.
    pub customer: String,
    /// Rule id.
    pub rule: String,
    /// `scheme:label` before (or `p_alive=0.83`).
    pub from: String,
    /// `scheme:label` after.
    pub to: String,
    /// Predicted CLV before, else revenue before.
    pub value_at_stake: f64,
    /// The playbook's objective and first action for the label moved to.
    pub action: String,
}

/// The alerts of the move from run `a` to run `b`, sorted by value at stake.
pub fn evaluate(a: &StoredRun, b: &StoredRun, rules: &[AlertRule], plays: &[Play], lang: Lang) -> Vec<Alert> {
    let mut out: Vec<(usize, Alert)> = Vec::new();
    // customers in both runs: (index in a, index in b), both sorted by id
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.ids.len() && j < b.ids.len() {
        match a.ids[i].cmp(&b.ids[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                pairs.push((i, j));
                i += 1;
                j += 1;
            }
        }
    }
    let stake = |i: usize| a.clv[i].or(a.monetary[i]).unwrap_or(0.0);
    let action = |scheme: &str, label: &str| {
        plays
            .iter()
            .find(|p| p.scheme == scheme && p.label == label)
            .map(|p| {
                let (objective, actions, _, _) = p.text(lang);
                match actions.first() {
                    Some(x) => format!("{objective}: {x}"),
                    None => objective.to_string(),
                }
            })
            .unwrap_or_default()
    };
    for (k, rule) in rules.iter().enumerate() {
        if let Some(threshold) = rule.p_alive_below {
            // top share by CLV in the earlier run (ties: customer order)
            let mut scored: Vec<usize> = (0..a.ids.len()).filter(|&i| a.clv[i].is_some()).collect();
            scored.sort_by(|&x, &y| a.clv[y].unwrap_or(0.0).total_cmp(&a.clv[x].unwrap_or(0.0)).then(x.cmp(&y)));
            let n_top = ((scored.len() as f64) * rule.top_clv_share.unwrap_or(1.0)).ceil() as usize;
            let mut top = vec![false; a.ids.len()];
            for &i in scored.iter().take(n_top) {
                top[i] = true;
            }
            for &(i, j) in &pairs {
                if let (true, Some(before), Some(after)) = (top[i], a.p_alive[i], b.p_alive[j])
                    && before >= threshold
                    && after < threshold
                {
                    out.push((
                        k,
                        Alert {
                            customer: a.ids[i].clone(),
                            rule: rule.id.clone(),
                            from: format!("p_alive={before:.3}"),
                            to: format!("p_alive={after:.3}"),
                            value_at_stake: stake(i),
                            // a customer slipping away: the at-risk play
                            action: action("lifecycle", "at_risk"),
                        },
                    ));
                }
            }
            continue;
        }
        let Some(from_scheme) = rule.from_scheme.as_deref() else { continue };
        let to_scheme = rule.to_scheme.as_deref().unwrap_or(from_scheme);
        let (Some(fa), Some(tb)) = (a.scheme(from_scheme), b.scheme(to_scheme)) else { continue };
        let ta = a.scheme(to_scheme);
        for &(i, j) in &pairs {
            let (Some(before), Some(after)) = (a.label(fa, i), b.label(tb, j)) else { continue };
            if !rule.from.iter().any(|l| l == before) || !rule.to.iter().any(|l| l == after) {
                continue;
            }
            // a standing state is not a move: skip customers already in a `to` label before
            if to_scheme != from_scheme
                && ta.and_then(|t| a.label(t, i)).is_some_and(|l| rule.to.iter().any(|x| x == l))
            {
                continue;
            }
            out.push((
                k,
                Alert {
                    customer: a.ids[i].clone(),
                    rule: rule.id.clone(),
                    from: format!("{from_scheme}:{before}"),
                    to: format!("{to_scheme}:{after}"),
                    value_at_stake: stake(i),
                    action: action(to_scheme, after),
                },
            ));
        }
    }
    out.sort_by(|(kx, x), (ky, y)| {
        y.value_at_stake.total_cmp(&x.value_at_stake).then_with(|| x.customer.cmp(&y.customer)).then(kx.cmp(ky))
    });
    out.into_iter().map(|(_, a)| a).collect()
}

/// `alerts.csv`.
pub fn alerts_table(alerts: &[Alert]) -> Table {
    let s = |f: &dyn Fn(&Alert) -> String| Column::Str(alerts.iter().map(|a| Some(f(a))).collect());
    let mut t = Table::default();
    t.push("customer_id", s(&|a| a.customer.clone()));
    t.push("rule", s(&|a| a.rule.clone()));
    t.push("from", s(&|a| a.from.clone()));
    t.push("to", s(&|a| a.to.clone()));
    t.push(
        "value_at_stake",
        Column::Float(alerts.iter().map(|a| Some((a.value_at_stake * 100.0).round() / 100.0)).collect()),
    );
    t.push("recommended_action", s(&|a| a.action.clone()));
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{RunInfo, SchemeLabels};

    fn scheme(id: &str, labels: &[&str]) -> SchemeLabels {
        SchemeLabels {
            scheme: id.into(),
            name: id.into(),
            labels: labels.iter().map(|l| (l.to_string(), (*l).into())).collect(),
        }
    }

    /// Customers P..T; schemes rfm_segment (champions, loyal, at_risk, lost), value_tier
    /// (high, low), lifecycle (active, at_risk, churned).
    fn run(codes: [[u16; 5]; 3], clv: [f64; 5], p_alive: [f64; 5], monetary: [f64; 5]) -> StoredRun {
        StoredRun {
            info: RunInfo { id: 1, customers: 5, ..RunInfo::default() },
            schemes: vec![
                scheme("rfm_segment", &["champions", "loyal", "at_risk", "lost"]),
                scheme("value_tier", &["high", "low"]),
                scheme("lifecycle", &["active", "at_risk", "churned"]),
            ],
            ids: ["P", "Q", "R", "S", "T"].iter().map(|s| s.to_string()).collect(),
            codes: codes.iter().map(|c| c.iter().map(|&x| Some(x)).collect()).collect(),
            recency_days: vec![None; 5],
            frequency: vec![None; 5],
            monetary: monetary.iter().map(|&m| Some(m)).collect(),
            clv: clv.iter().map(|&c| Some(c)).collect(),
            p_alive: p_alive.iter().map(|&p| Some(p)).collect(),
        }
    }

    #[test]
    fn rules_by_hand() {
        // before: P champions/high/active, Q loyal/high/active, R champions/low/active,
        //         S lost/high/churned, T at_risk/low/at_risk
        let a = run(
            [[0, 1, 0, 3, 2], [0, 0, 1, 0, 1], [0, 0, 0, 2, 1]],
            [500.0, 300.0, 100.0, 50.0, 10.0],
            [0.9, 0.8, 0.9, 0.1, 0.4],
            [900.0, 600.0, 200.0, 700.0, 20.0],
        );
        // after: P at_risk/high/at_risk (slipped), Q lost/high/churned (slipped), R lost/low
        //        (slipped but not valuable by value tier), S lost/high/churned (standing: no
        //        lifecycle alert), T champions
        let b = run(
            [[2, 3, 3, 3, 0], [0, 0, 1, 0, 1], [1, 2, 2, 2, 0]],
            [50.0, 20.0, 5.0, 5.0, 40.0],
            [0.3, 0.6, 0.2, 0.05, 0.9],
            [950.0, 600.0, 200.0, 700.0, 80.0],
        );
        let rules = vec![
            moves("rfm", "rfm_segment", &["champions", "loyal"], "rfm_segment", &["at_risk", "lost"]),
            moves("lapsing", "value_tier", &["high"], "lifecycle", &["at_risk", "churned"]),
            AlertRule {
                id: "p_alive".into(),
                from_scheme: None,
                from: vec![],
                to_scheme: None,
                to: vec![],
                p_alive_below: Some(0.5),
                top_clv_share: Some(0.4),
            },
        ];
        check(&rules).expect("valid rules");
        let got: Vec<(String, String, f64)> = evaluate(&a, &b, &rules, &[], Lang::En)
            .into_iter()
            .map(|x| (x.customer, x.rule, x.value_at_stake))
            .collect();
        // value at stake = CLV before; sorted by it, ties by customer then rule order
        let want = [
            ("P", "rfm", 500.0),
            ("P", "lapsing", 500.0),
            ("P", "p_alive", 500.0),
            ("Q", "rfm", 300.0),
            ("Q", "lapsing", 300.0),
            ("R", "rfm", 100.0),
        ];
        assert_eq!(got, want.iter().map(|(c, r, v)| (c.to_string(), r.to_string(), *v)).collect::<Vec<_>>());
        // Q's P(alive) stayed above 0.5; S was not in the top 40% by CLV and was churned already
        let table = alerts_table(&evaluate(&a, &b, &rules, &[], Lang::En));
        assert_eq!(table.n_rows(), 6);
        assert_eq!(table.get("from").and_then(|c| c.text(2)).as_deref(), Some("p_alive=0.900"));
    }

    #[test]
    fn bad_rules_are_named() {
        let mut r = default_rules();
        check(&r).expect("defaults are valid");
        r[0].to.clear();
        assert!(check(&r).expect_err("no to").to_string().contains("valuable_rfm_slipping"));
        let mut r = default_rules();
        r[4].p_alive_below = Some(1.5);
        assert!(check(&r).is_err());
    }
}
