//! Rule-based classification schemes (`[[schemes]]`): ordered rules of SQL conditions over the
//! customer table, first match wins, with a default label. The built-in schemes (importance,
//! loyalty, purchase behaviour, size, age band) are ordinary entries of the default
//! configuration, so users edit them like their own.
//!
//! A scheme sees every column of customers.csv: the features, R/F/M scores, the labels of the
//! built-in schemes and of the rule schemes before it, the CLV and cluster columns, and the
//! master-file attributes (numeric where every value is a number).

use custseg_core::catalog::Names;
use custseg_data::rules::{
    RuleCache, RuleContext, RuleError, check_against, check_syntax, first_match, numeric_text_columns,
};
use custseg_data::sink::{Column, Kind, RecordBatch, Table};
use serde::{Deserialize, Serialize};

use crate::classify::Scheme;

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
    /// Columns the rules need; without them the first `alternatives` set whose columns are
    /// there is used, else the `fallback` rules, else the scheme is skipped (run.json says so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// The rules, first match wins.
    pub rules: Vec<RuleEntry>,
    /// Rule sets tried in order when a required column is missing, before `fallback`: the
    /// first whose own `requires` are all there applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Alternative>,
    /// Rules used when a required column is missing (and no alternative applies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback: Vec<RuleEntry>,
    /// The fallback applies only with a customer master file: on consumer data (no master
    /// file) the scheme is skipped instead. For schemes about companies (size), whose fallback
    /// by spend would only repeat the value tier for consumers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback_needs_master: bool,
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
    /// Display order of the labels, when it is not the rules' order (which is the order of
    /// precedence): these first, then any other label in rule order, then the default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<String>,
}

/// An alternative rule set of a scheme (`[[schemes.alternatives]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    /// Columns these rules need.
    pub requires: Vec<String>,
    /// The rules, first match wins.
    pub rules: Vec<RuleEntry>,
}

impl RuleScheme {
    /// Every rule set with the columns it needs: the rules, the alternatives, the fallback
    /// (unless it needs a master file and there is none).
    fn rule_sets(&self, master: bool) -> Vec<(&[String], &[RuleEntry])> {
        let mut sets: Vec<(&[String], &[RuleEntry])> = vec![(&self.requires, &self.rules)];
        sets.extend(self.alternatives.iter().map(|a| (a.requires.as_slice(), a.rules.as_slice())));
        if !self.fallback.is_empty() && (master || !self.fallback_needs_master) {
            sets.push((&[], &self.fallback));
        }
        sets
    }

    /// The scheme's names in both languages: each language's own, else the other's, else the id.
    pub fn names(&self) -> Names {
        let (en, zh) = (self.name_en.clone(), self.name_zh.clone());
        let id = || self.id.clone();
        Names::new(en.clone().or(zh.clone()).unwrap_or_else(id), zh.or(en).unwrap_or_else(id))
    }

    /// Label ids in display order: those of `order`, then the rules' labels (first
    /// appearance), then the default.
    pub fn labels(&self, rules: &[RuleEntry]) -> Vec<String> {
        let mut all: Vec<&String> = rules.iter().map(|r| &r.label).collect();
        all.extend(&self.default);
        let mut out: Vec<String> = self.order.iter().filter(|l| all.contains(l)).cloned().collect();
        for l in all {
            if !out.contains(l) {
                out.push(l.clone());
            }
        }
        out
    }

    /// Display name of a label in a language (the rule's or default's name, else the id).
    pub fn label_name(&self, label: &str, zh: bool) -> String {
        let from_rules = self.rule_sets(true).into_iter().flat_map(|(_, rules)| rules).find(|r| r.label == label);
        let (en, zh_name) = match from_rules {
            Some(r) => (r.name_en.clone(), r.name_zh.clone()),
            None if self.default.as_deref() == Some(label) => (self.default_en.clone(), self.default_zh.clone()),
            None => (None, None),
        };
        let pick = if zh { zh_name.or(en) } else { en.or(zh_name) };
        pick.unwrap_or_else(|| label.to_string())
    }
}

/// A rule scheme that cannot be used: the scheme, the rule's SQL when one rule is at fault, and
/// why. [`crate::config::Config::rule_error`] turns it into a message with the config line.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeError {
    /// Scheme id.
    pub scheme: String,
    /// The rule at fault.
    pub sql: Option<String>,
    /// What is wrong (for a rule: the rule and the reason).
    pub message: String,
}

impl SchemeError {
    fn of(s: &RuleScheme, message: impl Into<String>) -> SchemeError {
        SchemeError { scheme: s.id.clone(), sql: None, message: message.into() }
    }

    fn rule(s: &RuleScheme, sql: &str, e: &RuleError) -> SchemeError {
        SchemeError { scheme: s.id.clone(), sql: Some(sql.to_string()), message: e.to_string() }
    }
}

impl std::fmt::Display for SchemeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "schemes `{}`: {}", self.scheme, self.message)
    }
}

/// Checks the schemes without any data: ids, labels, and the syntax of every rule.
///
/// # Errors
/// The first [`SchemeError`].
pub fn check(schemes: &[RuleScheme], reserved: &[&str]) -> std::result::Result<(), SchemeError> {
    let mut seen: Vec<&str> = Vec::new();
    for s in schemes {
        if s.id.is_empty() || !s.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(SchemeError::of(s, "id must be letters, digits and _"));
        }
        if seen.contains(&s.id.as_str()) || reserved.contains(&s.id.as_str()) {
            return Err(SchemeError::of(s, "the id is already used by another scheme or column"));
        }
        seen.push(&s.id);
        if s.rules.is_empty() {
            return Err(SchemeError::of(s, "needs at least one rule"));
        }
        if s.alternatives.iter().any(|a| a.rules.is_empty()) {
            return Err(SchemeError::of(s, "an alternative needs at least one rule"));
        }
        for r in s.rule_sets(true).into_iter().flat_map(|(_, rules)| rules) {
            if r.label.is_empty() {
                return Err(SchemeError::of(s, "a rule has an empty label"));
            }
            check_syntax(&r.when).map_err(|e| SchemeError::rule(s, &r.when, &e))?;
        }
        let known = |l: &String| {
            s.default.as_ref() == Some(l)
                || s.rule_sets(true).iter().any(|(_, rules)| rules.iter().any(|r| r.label == *l))
        };
        if let Some(l) = s.order.iter().find(|l| !known(l)) {
            return Err(SchemeError::of(s, format!("order names `{l}`, which is not a label of the scheme")));
        }
    }
    Ok(())
}

/// Which rules of a scheme apply to a table with these columns: the first rule set (rules,
/// alternatives, fallback) whose required columns are all there, else none (the columns the
/// main rules miss).
fn choose<'a>(
    s: &'a RuleScheme,
    has: &dyn Fn(&str) -> bool,
    master: bool,
) -> std::result::Result<&'a [RuleEntry], Vec<String>> {
    s.rule_sets(master)
        .into_iter()
        .find(|(requires, _)| requires.iter().all(|c| has(c)))
        .map(|(_, rules)| rules)
        .ok_or_else(|| s.requires.iter().filter(|c| !has(c)).cloned().collect())
}

/// Type-checks every rule against the columns a run's customer table will have (`columns`,
/// without the rule schemes' own), before any data is read: the rules that will apply and the
/// fallback rules, each scheme seeing the ones before it.
///
/// # Errors
/// The first [`SchemeError`] (unknown column with the column list, not a condition, ...).
pub fn check_types(
    schemes: &[RuleScheme],
    columns: &[(String, Kind)],
    master: bool,
) -> std::result::Result<(), SchemeError> {
    let ctx = RuleContext::default();
    let mut columns = columns.to_vec();
    for s in schemes {
        let has = |c: &str| columns.iter().any(|(n, _)| n == c);
        if choose(s, &has, master).is_err() {
            continue;
        }
        // every set whose columns may be there: the one that applies, and the later ones that
        // apply at run time when a column turns out to be missing (a failed CLV fit)
        let possible: Vec<&RuleEntry> = s
            .rule_sets(master)
            .into_iter()
            .filter(|(requires, _)| requires.iter().all(|c| has(c)))
            .flat_map(|(_, rules)| rules)
            .collect();
        for r in possible {
            check_against(&ctx, &columns, &r.when).map_err(|e| SchemeError::rule(s, &r.when, &e))?;
        }
        columns.push((s.id.clone(), Kind::Text));
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

/// Evaluates the schemes in order on the customers batch (each sees the ones before it), with
/// the rules compiled once per `cache`.
/// Returns the schemes (over the output rows) and the batch with their columns appended.
/// `numeric_candidates` are the text columns (master attributes) that compare as numbers when
/// every value is one.
///
/// # Errors
/// [`SchemeError`] for a rule that does not compile against the customer columns or cannot be
/// evaluated.
pub fn apply(
    schemes: &[RuleScheme],
    batch: RecordBatch,
    numeric_candidates: &[String],
    purchaser: &[bool],
    master: bool,
    cache: &RuleCache,
) -> std::result::Result<(Vec<Scheme>, RecordBatch, Vec<Skipped>), SchemeError> {
    let mut batch = batch;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for s in schemes {
        let view = numeric_text_columns(&batch, numeric_candidates).map_err(|e| SchemeError::of(s, e.to_string()))?;
        let schema = view.schema();
        let has = |c: &str| schema.fields().iter().any(|f| f.name() == c);
        let rules = match choose(s, &has, master) {
            Ok(r) => r,
            Err(missing) => {
                skipped.push(Skipped { scheme: s.id.clone(), missing });
                continue;
            }
        };
        let compiled = rules
            .iter()
            .map(|r| cache.compile(&schema, &r.when).map_err(|e| SchemeError::rule(s, &r.when, &e)))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let matched = first_match(&view, &compiled).map_err(|e| match &e {
            RuleError::Eval { sql, .. } => SchemeError::rule(s, &sql.clone(), &e),
            _ => SchemeError::of(s, e.to_string()),
        })?;
        let labels = s.labels(rules);
        let default = s.default.as_ref().and_then(|d| labels.iter().position(|l| l == d)).map(|p| p as u16);
        // each rule's label code, found once rather than per customer
        let code_of_rule: Vec<Option<u16>> =
            rules.iter().map(|r| labels.iter().position(|l| *l == r.label).map(|p| p as u16)).collect();
        let of_row: Vec<Option<u16>> = matched
            .iter()
            .zip(purchaser)
            .map(|(m, &p)| {
                if s.purchasers_only && !p {
                    return None;
                }
                match m {
                    Some(k) => code_of_rule[usize::from(*k)],
                    None => default,
                }
            })
            .collect();
        let names: Vec<Names> =
            labels.iter().map(|l| Names::new(s.label_name(l, false), s.label_name(l, true))).collect();
        let mut t = Table::default();
        t.push(s.id.clone(), Column::Codes { labels: labels.clone(), codes: of_row.clone() });
        batch = t.append_to(&batch).map_err(|e| SchemeError::of(s, e.to_string()))?;
        out.push(Scheme { id: s.id.clone(), labels, of_row, names: Some(names) });
    }
    Ok((out, batch, skipped))
}
