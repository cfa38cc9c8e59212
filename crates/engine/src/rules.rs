//! Rule-based classification schemes (`[[schemes]]`): ordered rules of SQL conditions over the
//! customer table, first match wins, with a default label. The built-in schemes (importance,
//! loyalty, purchase behaviour, size, age band) are ordinary entries of the default
//! configuration, so users edit them like their own.
//!
//! A scheme sees every column of customers.csv: the features, R/F/M scores, the labels of the
//! built-in schemes and of the rule schemes before it, the CLV and cluster columns, and the
//! master-file attributes (numeric where every value is a number).

use custseg_data::rules::{RuleContext, RuleError, check_syntax, compile, first_match, numeric_text_columns};
use custseg_data::sink::{Column, RecordBatch, Table};
use serde::{Deserialize, Serialize};

use crate::classify::Scheme;
use crate::error::{EngineError, Result};

/// One rule of a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    /// Label id given to the customers it matches.
    pub label: String,
    /// SQL condition over the customer columns.
    pub when: String,
    /// English display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Chinese display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
}

/// `[[schemes]]`: a rule-based classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleScheme {
    /// Scheme id: the column name in customers.csv.
    pub id: String,
    /// English name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Chinese name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// Columns the rules need; without them the `fallback` rules are used, or the scheme is
    /// skipped (and run.json says so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// The rules, first match wins.
    pub rules: Vec<RuleEntry>,
    /// Rules used when a required column is missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback: Vec<RuleEntry>,
    /// Label of customers no rule matches (unset: no label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// English name of the default label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_en: Option<String>,
    /// Chinese name of the default label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_zh: Option<String>,
    /// Only customers with purchases get a label (prospects get none).
    #[serde(default)]
    pub purchasers_only: bool,
}

impl RuleScheme {
    /// Label ids in display order: the rules' labels (first appearance), then the default.
    pub fn labels(&self, rules: &[RuleEntry]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in rules {
            if !out.contains(&r.label) {
                out.push(r.label.clone());
            }
        }
        if let Some(d) = &self.default
            && !out.contains(d)
        {
            out.push(d.clone());
        }
        out
    }

    /// Display name of a label in a language (the rule's or default's name, else the id).
    pub fn label_name(&self, label: &str, zh: bool) -> String {
        let from_rules = self.rules.iter().chain(&self.fallback).find(|r| r.label == label);
        let (en, zh_name) = match from_rules {
            Some(r) => (r.name_en.clone(), r.name_zh.clone()),
            None if self.default.as_deref() == Some(label) => (self.default_en.clone(), self.default_zh.clone()),
            None => (None, None),
        };
        let pick = if zh { zh_name.or(en) } else { en.or(zh_name) };
        pick.unwrap_or_else(|| label.to_string())
    }
}

/// Checks the schemes when the configuration loads: ids, labels, and the syntax of every rule.
///
/// # Errors
/// [`EngineError::Invalid`] naming the scheme and rule.
pub fn check(schemes: &[RuleScheme], reserved: &[&str]) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for s in schemes {
        let bad = |m: String| Err(EngineError::Invalid(format!("schemes `{}`: {m}", s.id)));
        if s.id.is_empty() || !s.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return bad("id must be letters, digits and _".into());
        }
        if seen.contains(&s.id.as_str()) || reserved.contains(&s.id.as_str()) {
            return bad("the id is already used by another scheme or column".into());
        }
        seen.push(&s.id);
        if s.rules.is_empty() {
            return bad("needs at least one rule".into());
        }
        for r in s.rules.iter().chain(&s.fallback) {
            if r.label.is_empty() {
                return bad("a rule has an empty label".into());
            }
            check_syntax(&r.when).map_err(|e| EngineError::Invalid(format!("schemes `{}`: {e}", s.id)))?;
        }
    }
    Ok(())
}

/// Why a scheme was not applied.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// Scheme id.
    pub scheme: String,
    /// The missing columns.
    pub missing: Vec<String>,
}

/// Evaluates the schemes in order on the customers batch (each sees the ones before it).
/// Returns the schemes (over the output rows) and the batch with their columns appended.
///
/// # Errors
/// [`EngineError::Invalid`] for a rule that does not compile against the customer columns.
pub fn apply(
    schemes: &[RuleScheme],
    batch: RecordBatch,
    numeric_candidates: &[String],
    purchaser: &[bool],
    zh: bool,
) -> Result<(Vec<Scheme>, RecordBatch, Vec<Skipped>)> {
    let ctx = RuleContext::default();
    let mut batch = batch;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for s in schemes {
        let view = numeric_text_columns(&batch, numeric_candidates).map_err(|e| rule_error(s, e))?;
        let schema = view.schema();
        let has = |c: &String| schema.fields().iter().any(|f| f.name() == c);
        let missing: Vec<String> = s.requires.iter().filter(|c| !has(c)).cloned().collect();
        let rules: &[RuleEntry] = if missing.is_empty() {
            &s.rules
        } else if !s.fallback.is_empty() {
            &s.fallback
        } else {
            skipped.push(Skipped { scheme: s.id.clone(), missing });
            continue;
        };
        let compiled = rules
            .iter()
            .map(|r| compile(&ctx, &schema, &r.when).map_err(|e| rule_error(s, e)))
            .collect::<Result<Vec<_>>>()?;
        let matched = first_match(&view, &compiled).map_err(|e| rule_error(s, e))?;
        let labels = s.labels(rules);
        let default = s.default.as_ref().and_then(|d| labels.iter().position(|l| l == d)).map(|p| p as u16);
        let of_row: Vec<Option<u16>> = matched
            .iter()
            .zip(purchaser)
            .map(|(m, &p)| {
                if s.purchasers_only && !p {
                    return None;
                }
                match m {
                    Some(k) => labels.iter().position(|l| *l == rules[usize::from(*k)].label).map(|p| p as u16),
                    None => default,
                }
            })
            .collect();
        let names: Vec<String> = labels.iter().map(|l| s.label_name(l, zh)).collect();
        let mut t = Table::default();
        t.push(s.id.clone(), Column::Codes { labels: labels.clone(), codes: of_row.clone() });
        batch = t.append_to(&batch)?;
        out.push(Scheme { id: s.id.clone(), labels, of_row, names: Some(names) });
    }
    Ok((out, batch, skipped))
}

fn rule_error(s: &RuleScheme, e: RuleError) -> EngineError {
    EngineError::Invalid(format!("schemes `{}`: {e}", s.id))
}
