//! The strategy playbook (策略): for every label of every scheme, an objective, recommended
//! actions, channel, service level and priority, in Chinese and English. The built-in playbook
//! (`builtin_playbook.toml`) covers every label of the built-in schemes; `[[playbook]]` entries
//! in the config replace fields of an entry with the same scheme and label, or add entries (for
//! rule schemes and clusters).
//!
//! Each run writes playbook.csv (per scheme and label present: customers, revenue, value at
//! stake = the label's total predicted CLV when a CLV model was fitted, else its revenue) and a
//! `next_action` per customer: the first action of the highest-priority entry among the
//! customer's labels (priority 1 first; ties: an entry the config set or changed before a
//! built-in one, so a user's own priority-1 entry is not outranked by the built-in priority-1
//! entries of earlier schemes; then the scheme that comes first in customers.csv).

use serde::{Deserialize, Serialize};

use crate::classify::Scheme;
use crate::error::{EngineError, Result};
use crate::output::round;
use custseg_core::Lang;
use custseg_data::sink::{Column, Table};

/// One playbook entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Play {
    /// Scheme id.
    pub scheme: String,
    /// Label id.
    pub label: String,
    /// 1 (act this week) .. 5 (automated or no action).
    pub priority: u8,
    /// Whether the config set or changed this entry (it wins ties of priority; a saved model
    /// keeps it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_config: bool,
    /// Channel, English.
    pub channel_en: String,
    /// Channel, Chinese.
    pub channel_zh: String,
    /// Service level, English.
    pub service_en: String,
    /// Service level, Chinese.
    pub service_zh: String,
    /// Objective, English.
    pub objective_en: String,
    /// Objective, Chinese.
    pub objective_zh: String,
    /// Actions, English.
    pub actions_en: Vec<String>,
    /// Actions, Chinese.
    pub actions_zh: Vec<String>,
}

impl Play {
    /// Objective, actions, channel and service level in a language.
    pub fn text(&self, lang: Lang) -> (&str, &[String], &str, &str) {
        match lang {
            Lang::Zh => (&self.objective_zh, &self.actions_zh, &self.channel_zh, &self.service_zh),
            Lang::En => (&self.objective_en, &self.actions_en, &self.channel_en, &self.service_en),
        }
    }
}

/// `[[playbook]]` in the config: any field left out keeps the built-in value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlayOverride {
    /// Scheme id.
    pub scheme: String,
    /// Label id.
    pub label: String,
    /// Priority 1..5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Channel, English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_en: Option<String>,
    /// Channel, Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_zh: Option<String>,
    /// Service level, English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_en: Option<String>,
    /// Service level, Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_zh: Option<String>,
    /// Objective, English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective_en: Option<String>,
    /// Objective, Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective_zh: Option<String>,
    /// Actions, English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_en: Option<Vec<String>>,
    /// Actions, Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_zh: Option<Vec<String>>,
}

/// The built-in playbook text.
pub const BUILTIN_PLAYBOOK_TOML: &str = include_str!("builtin_playbook.toml");

#[derive(Deserialize)]
struct Builtin {
    playbook: Vec<Play>,
}

/// The built-in entries.
pub fn builtin() -> Vec<Play> {
    // a test parses the file, so an empty playbook never reaches a user
    toml::from_str::<Builtin>(BUILTIN_PLAYBOOK_TOML).map(|b| b.playbook).unwrap_or_default()
}

/// Checks config entries.
///
/// # Errors
/// [`EngineError::Invalid`] for a priority outside 1..=5 or an empty scheme or label.
pub fn check(overrides: &[PlayOverride]) -> Result<()> {
    for o in overrides {
        if o.scheme.is_empty() || o.label.is_empty() {
            return Err(EngineError::Invalid("playbook entries need a scheme and a label".into()));
        }
        if let Some(p) = o.priority
            && !(1..=5).contains(&p)
        {
            return Err(EngineError::Invalid(format!(
                "playbook {}.{}: priority must be 1..=5, got {p}",
                o.scheme, o.label
            )));
        }
    }
    Ok(())
}

/// The built-in playbook with the config entries merged in (field by field for an existing
/// scheme and label; new entries appended, missing fields empty and priority 3).
pub fn effective(overrides: &[PlayOverride]) -> Vec<Play> {
    let mut plays = builtin();
    for o in overrides {
        let i = match plays.iter().position(|p| p.scheme == o.scheme && p.label == o.label) {
            Some(i) => i,
            None => {
                plays.push(Play {
                    scheme: o.scheme.clone(),
                    label: o.label.clone(),
                    priority: 3,
                    from_config: true,
                    channel_en: String::new(),
                    channel_zh: String::new(),
                    service_en: String::new(),
                    service_zh: String::new(),
                    objective_en: String::new(),
                    objective_zh: String::new(),
                    actions_en: Vec::new(),
                    actions_zh: Vec::new(),
                });
                plays.len() - 1
            }
        };
        let p = &mut plays[i];
        p.from_config = true;
        let set = |dst: &mut String, src: &Option<String>| {
            if let Some(v) = src {
                dst.clone_from(v);
            }
        };
        if let Some(v) = o.priority {
            p.priority = v;
        }
        set(&mut p.channel_en, &o.channel_en);
        set(&mut p.channel_zh, &o.channel_zh);
        set(&mut p.service_en, &o.service_en);
        set(&mut p.service_zh, &o.service_zh);
        set(&mut p.objective_en, &o.objective_en);
        set(&mut p.objective_zh, &o.objective_zh);
        if let Some(v) = &o.actions_en {
            p.actions_en.clone_from(v);
        }
        if let Some(v) = &o.actions_zh {
            p.actions_zh.clone_from(v);
        }
    }
    plays
}

/// playbook.csv over the output rows. `revenue[i]` and `clv[i]` are per output row (`None` for
/// prospects / unscored customers).
pub fn apply(plays: &[Play], schemes: &[Scheme], revenue: &[f64], clv: Option<&[Option<f64>]>, lang: Lang) -> Table {
    let find = |s: &str, l: &str| plays.iter().find(|p| p.scheme == s && p.label == l);
    // playbook.csv: schemes in run order, labels in scheme order, entries that exist
    struct Row<'a> {
        scheme: String,
        label: String,
        name: String,
        customers: u64,
        revenue: f64,
        stake: f64,
        play: &'a Play,
    }
    let mut rows: Vec<Row<'_>> = Vec::new();
    for s in schemes {
        // one pass over the rows per scheme: members, revenue and CLV per label, each summed in
        // row order from -0.0 (the neutral element `Iterator::sum` starts from), so the sums are
        // those of a pass per label
        let mut members = vec![0u64; s.labels.len()];
        let mut rev_of = vec![-0.0; s.labels.len()];
        let mut clv_of = vec![-0.0; s.labels.len()];
        for (i, code) in s.of_row.iter().enumerate() {
            let Some(k) = code.map(usize::from).filter(|&k| k < members.len()) else { continue };
            members[k] += 1;
            rev_of[k] += revenue[i];
            if let Some(v) = clv.and_then(|c| c[i]) {
                clv_of[k] += v;
            }
        }
        for (k, label) in s.labels.iter().enumerate() {
            let Some(play) = find(&s.id, label) else { continue };
            let rev = rev_of[k];
            let stake = if clv.is_some() { clv_of[k] } else { rev };
            let name = s
                .names
                .as_ref()
                .and_then(|n| n.get(k).map(|n| n.get(lang).to_string()))
                .unwrap_or_else(|| crate::classify::label_display(&s.id, label, lang, &[]));
            rows.push(Row {
                scheme: s.id.clone(),
                label: label.clone(),
                name,
                customers: members[k],
                revenue: round(rev, 2),
                stake: round(stake, 2),
                play,
            });
        }
    }
    let mut t = Table::default();
    let str_col = |f: &dyn Fn(&Row<'_>) -> String| Column::Str(rows.iter().map(|r| Some(f(r))).collect());
    t.push("scheme", str_col(&|r| r.scheme.clone()));
    t.push("label", str_col(&|r| r.label.clone()));
    t.push("name", str_col(&|r| r.name.clone()));
    t.push("priority", Column::Int(rows.iter().map(|r| Some(i64::from(r.play.priority))).collect()));
    t.push("customers", Column::Int(rows.iter().map(|r| Some(r.customers as i64)).collect()));
    t.push("revenue", Column::Float(rows.iter().map(|r| Some(r.revenue)).collect()));
    t.push("value_at_stake", Column::Float(rows.iter().map(|r| Some(r.stake)).collect()));
    t.push("objective", str_col(&|r| r.play.text(lang).0.to_string()));
    t.push("actions", str_col(&|r| r.play.text(lang).1.join("; ")));
    t.push("channel", str_col(&|r| r.play.text(lang).2.to_string()));
    t.push("service_level", str_col(&|r| r.play.text(lang).3.to_string()));
    t
}

/// The `next_action` and `next_action_from` columns over the `n` output rows: the
/// highest-priority entry among each row's labels, kept as the entry's index (text codes, not
/// a string per customer).
pub fn next_actions(plays: &[Play], schemes: &[Scheme], n: usize, lang: Lang) -> Table {
    // rank: priority, then a config entry before a built-in one (see the module doc)
    let mut best: Vec<Option<((u8, bool), u16)>> = vec![None; n];
    for s in schemes {
        let plays_of: Vec<Option<((u8, bool), u16)>> = s
            .labels
            .iter()
            .map(|l| {
                plays
                    .iter()
                    .position(|p| p.scheme == s.id && p.label == *l)
                    .map(|k| ((plays[k].priority, !plays[k].from_config), k as u16))
            })
            .collect();
        for (i, code) in s.of_row.iter().enumerate() {
            let Some((priority, k)) = code.and_then(|c| plays_of[usize::from(c)]) else { continue };
            if best[i].is_none_or(|(p, _)| priority < p) {
                best[i] = Some((priority, k));
            }
        }
    }
    let first_action: Vec<Option<String>> = plays.iter().map(|p| p.text(lang).1.first().cloned()).collect();
    let mut c = Table::default();
    c.push(
        "next_action",
        Column::Codes {
            labels: first_action.iter().map(|a| a.clone().unwrap_or_default()).collect(),
            codes: best.iter().map(|b| b.and_then(|(_, k)| first_action[usize::from(k)].as_ref().map(|_| k))).collect(),
        },
    );
    c.push(
        "next_action_from",
        Column::Codes {
            labels: plays.iter().map(|p| format!("{}:{}", p.scheme, p.label)).collect(),
            codes: best.iter().map(|b| b.map(|(_, k)| k)).collect(),
        },
    );
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_of_every_builtin_scheme_has_an_entry_in_both_languages() {
        let plays = builtin();
        let mut wanted: Vec<(String, String)> = Vec::new();
        for scheme in ["rfm_segment", "rfm_cn8", "abc", "value_tier", "lifecycle", "clv_tier", "value_class"] {
            for l in custseg_core::catalog::labels_of(scheme) {
                wanted.push((scheme.into(), l.into()));
            }
        }
        for c in custseg_core::matrix::default_cells(2) {
            wanted.push(("matrix".into(), c.0));
        }
        for s in crate::config::builtin_schemes().iter().filter(|s| s.id != "age_band") {
            for l in s.labels(&s.rules) {
                wanted.push((s.id.clone(), l));
            }
        }
        for (s, l) in &wanted {
            let p = plays.iter().find(|p| p.scheme == *s && p.label == *l).unwrap_or_else(|| panic!("{s}.{l}"));
            assert!(!p.objective_en.is_empty() && !p.objective_zh.is_empty(), "{s}.{l}");
            assert!(!p.actions_en.is_empty() && p.actions_en.len() == p.actions_zh.len(), "{s}.{l}");
            assert!((1..=5).contains(&p.priority), "{s}.{l}");
        }
    }

    #[test]
    fn config_entries_change_fields_or_add_entries() {
        let o = PlayOverride {
            scheme: "importance".into(),
            label: "key".into(),
            priority: Some(2),
            channel_en: None,
            channel_zh: None,
            service_en: None,
            service_zh: None,
            objective_en: None,
            objective_zh: None,
            actions_en: Some(vec!["Quarterly visit".into()]),
            actions_zh: None,
        };
        let added = PlayOverride { scheme: "focus".into(), label: "retail_key".into(), priority: None, ..o.clone() };
        let plays = effective(&[o.clone(), added]);
        let key = plays.iter().find(|p| p.scheme == "importance" && p.label == "key").unwrap_or_else(|| panic!("key"));
        assert_eq!((key.priority, key.actions_en.clone()), (2, vec!["Quarterly visit".to_string()]));
        // untouched fields keep the built-in text
        assert_eq!(key.objective_zh, "大客户管理");
        assert_eq!(plays.len(), builtin().len() + 1);
        let new = plays.last().unwrap_or_else(|| panic!("entry"));
        assert_eq!((new.scheme.as_str(), new.priority, new.actions_en.len()), ("focus", 3, 1));
        assert!(check(&[PlayOverride { priority: Some(9), ..o }]).is_err());
    }

    #[test]
    fn next_action_takes_the_highest_priority_label() {
        let plays = builtin();
        let scheme = |id: &str, labels: &[&str], rows: Vec<Option<u16>>| Scheme {
            id: id.into(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            of_row: rows,
            names: None,
        };
        // row 0: champions (2) and abc c (5) -> champions; row 1: lost (5) and abc a (1) -> abc a
        let schemes = vec![
            scheme("rfm_segment", &["champions", "lost"], vec![Some(0), Some(1)]),
            scheme("abc", &["a", "b", "c"], vec![Some(2), Some(0)]),
        ];
        let table = apply(&plays, &schemes, &[100.0, 50.0], Some(&[Some(80.0), None]), Lang::Zh);
        let next = next_actions(&plays, &schemes, 2, Lang::Zh);
        assert_eq!(table.n_rows(), 5);
        let from: Vec<Option<String>> = (0..2).map(|i| next.columns[1].text(i)).collect();
        assert_eq!(from, [Some("rfm_segment:champions".to_string()), Some("abc:a".to_string())]);
        assert_eq!(next.columns[0].text(1).as_deref(), Some("大客户待遇与定期复盘"));
        // value at stake: CLV of the label's customers (champions: row 0, 80.0); without CLV, revenue
        let Column::Float(stake) = &table.columns[6] else { panic!("number column") };
        assert_eq!(stake[0], Some(80.0));
    }

    #[test]
    fn a_config_entry_wins_a_tie_of_priority() {
        // a user's own priority-1 entry on a later scheme, against a built-in priority-1 label
        let focus = PlayOverride {
            scheme: "focus".into(),
            label: "key".into(),
            priority: Some(1),
            actions_en: Some(vec!["Call this week".into()]),
            actions_zh: Some(vec!["本周致电".into()]),
            ..PlayOverride::default()
        };
        let plays = effective(&[focus]);
        let scheme = |id: &str, labels: &[&str]| Scheme {
            id: id.into(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            of_row: vec![Some(0)],
            names: None,
        };
        let schemes = vec![scheme("rfm_segment", &["at_risk"]), scheme("focus", &["key"])];
        let next = next_actions(&plays, &schemes, 1, Lang::En);
        assert_eq!(next.columns[1].text(0).as_deref(), Some("focus:key"));
        assert_eq!(next.columns[0].text(0).as_deref(), Some("Call this week"));
        // without the config entry the built-in one stands
        let next = next_actions(&builtin(), &schemes[..1], 1, Lang::En);
        assert_eq!(next.columns[1].text(0).as_deref(), Some("rfm_segment:at_risk"));
    }
}
