//! What a run's customer table will look like, known before the transactions are read: the
//! columns follow from the configuration, the columns the transaction file maps (order id,
//! category, channel) and the master file. The rule schemes are type-checked against them right
//! after the first file's header is mapped, so a typo in a rule stops the run in a second with
//! the column list, not after the features, the CLV fit and the clustering.
//!
//! The list is the one `output::customers_table` and the pipeline build (tested against real
//! runs column for column). Two parts depend on the data and are handled so: the channel share
//! columns are named after the channel values (at preflight every `channel_share_*` name a rule
//! uses is accepted when a channel column is mapped); the CLV and cluster columns are listed
//! whenever those stages are on, although a failed fit or clustering leaves them out (a rule
//! that needs them belongs behind `requires`, whose `fallback` is checked too).

use custseg_data::features::Present;
use custseg_data::master::Master;
use custseg_data::rules::is_numeric_text;
use custseg_data::sink::Kind;

use crate::config::Config;
use crate::error::Result;
use crate::output::{channel_column, master_column};

/// What the columns depend on besides the configuration.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    /// The optional transaction columns the input maps.
    pub present: Present,
    /// Channel values (for the `channel_share_*` columns), when known.
    pub channels: Vec<String>,
    /// Master-file attributes in file order, and whether every value is a number (rules then
    /// compare them as numbers); `None` without a master file.
    pub master: Option<Vec<(String, bool)>>,
}

impl Shape {
    /// The master part of a shape.
    pub fn master_of(m: &Master) -> Vec<(String, bool)> {
        m.attributes
            .iter()
            .zip(&m.values)
            .map(|(a, v)| (a.clone(), is_numeric_text(v.iter().map(Option::as_deref))))
            .collect()
    }
}

/// The customer table's columns, in order, before the rule schemes and `next_action` are
/// appended.
pub fn customer_columns(config: &Config, shape: &Shape) -> Vec<(String, Kind)> {
    columns(config, shape, false)
}

/// The columns; with `numbers`, master attributes whose values are all numbers are floats (as
/// rules see them).
fn columns(config: &Config, shape: &Shape, numbers: bool) -> Vec<(String, Kind)> {
    let mut c: Vec<(String, Kind)> = Vec::new();
    let mut push = |name: &str, kind: Kind| c.push((name.to_string(), kind));
    push("customer_id", Kind::Text);
    push("first_purchase", Kind::Date);
    push("last_purchase", Kind::Date);
    for name in ["recency_days", "frequency"] {
        push(name, Kind::Int);
    }
    push("monetary", Kind::Float);
    push("aov", Kind::Float);
    push("tenure_days", Kind::Int);
    push("returns_count", Kind::Int);
    for name in ["returns_amount", "avg_interpurchase_days", "annual_spend"] {
        push(name, Kind::Float);
    }
    if shape.present.category {
        push("n_categories", Kind::Int);
        push("top_category", Kind::Text);
        push("top_category_share", Kind::Float);
    }
    if shape.present.channel {
        for ch in &shape.channels {
            push(&channel_column(ch), Kind::Float);
        }
        if !shape.channels.is_empty() {
            push("preferred_channel", Kind::Text);
        }
    }
    if shape.present.discount {
        push("discounted_share", Kind::Float);
    }
    push("x", Kind::Int);
    for name in ["t_x", "T", "zbar"] {
        push(name, Kind::Float);
    }
    if config.clv.enabled {
        let h = config.clv.horizon_months;
        for name in ["p_alive".to_string(), format!("expected_purchases_{h}m"), "expected_spend".into()] {
            push(&name, Kind::Float);
        }
        push(&format!("clv_{h}m"), Kind::Float);
        push("historical_ltv", Kind::Float);
    }
    for name in ["r_score", "f_score", "m_score"] {
        push(name, Kind::Int);
    }
    for name in ["rfm_score", "rfm_segment", "rfm_cn8", "abc", "value_tier", "lifecycle"] {
        push(name, Kind::Text);
    }
    if config.clv.enabled {
        push("clv_tier", Kind::Text);
    }
    if config.cluster.enabled {
        push("cluster", Kind::Text);
        push("cluster_name", Kind::Text);
    }
    if config.matrix.enabled {
        push("matrix", Kind::Text);
        push("matrix_name", Kind::Text);
    }
    if config.lookalike.enabled {
        push("value_class", Kind::Text);
    }
    if let Some(master) = &shape.master {
        for (a, numeric) in master {
            let name = master_column(a, &|n| c.iter().any(|(x, _)| x == n));
            c.push((name, if numbers && *numeric { Kind::Float } else { Kind::Text }));
        }
        let attributes: Vec<String> = master.iter().map(|(a, _)| a.clone()).collect();
        if config.wallet.applies(&attributes) {
            for name in ["wallet_budget", "share_of_wallet", "growth_potential"] {
                c.push((name.into(), Kind::Float));
            }
        }
        if config.lookalike.enabled {
            c.push(("lookalike_score".into(), Kind::Float));
        }
    }
    c
}

/// Type-checks every rule scheme against the columns of `shape`'s customer table (master
/// attributes that are all numbers as numbers, every `channel_share_*` a rule names when a
/// channel column is mapped and the channel values are not known yet).
///
/// # Errors
/// [`crate::error::EngineError::Config`] naming the file and line (or `Invalid` for a
/// configuration that is not from a file), with the rule, the reason and the columns.
pub fn check_rules(config: &Config, shape: &Shape) -> Result<()> {
    let mut shape = shape.clone();
    let unknown_channels = shape.present.channel && shape.channels.is_empty();
    if unknown_channels {
        // the values are not known yet: the ones rules name stand in for them
        shape.channels = channel_names_in_rules(config);
        shape.channels.push(String::new());
    }
    let mut columns = columns(config, &shape, true);
    if unknown_channels {
        // the placeholder shows the pattern in an error's column list (no rule can name it)
        if let Some(c) = columns.iter_mut().find(|(n, _)| n == &channel_column("")) {
            c.0 = "channel_share_<value>".into();
        }
    }
    crate::rules::check_types(&config.schemes, &columns, shape.master.is_some()).map_err(|e| config.rule_error(e))
}

/// The channel values behind every `channel_share_<value>` a rule names.
fn channel_names_in_rules(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in &config.schemes {
        for r in s.rules.iter().chain(&s.fallback) {
            let mut rest = r.when.as_str();
            while let Some(at) = rest.find("channel_share_") {
                let tail = &rest[at + "channel_share_".len()..];
                let end = tail.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(tail.len());
                if end > 0 && !out.iter().any(|o| o == &tail[..end]) {
                    out.push(tail[..end].to_string());
                }
                rest = &tail[end..];
            }
        }
    }
    out
}
