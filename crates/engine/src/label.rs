//! Every classification of a set of customers, from their features (and master file) to the
//! customer table: the CLV scores, clusters, built-in schemes, matrix, value classes, share of
//! wallet and rule schemes, each fitted on these customers or applied from a saved model. The
//! run pipeline calls it on a whole base; [`crate::one`] on one customer.

use std::time::Instant;

use custseg_core::catalog::{self, Lang, Names};
use custseg_core::lifecycle::PAliveCuts;
use custseg_core::value_tier::{self, ValueTier};
use custseg_data::features::Features;
use custseg_data::master::Master;
use custseg_data::rules::RuleCache;
use custseg_data::sink::RecordBatch;

use crate::classify::{Classified, Scheme, classify, lifecycle_stages, schemes};
use crate::cluster::{self, Clustering, Inputs};
use crate::clv::score_columns;
use crate::clv::{self, Models, Scores};
use crate::config::{Config, LifecycleBasis};
use crate::error::{EngineError, Result};
use crate::lookalike::{self, Lookalike, LookalikeModel};
use crate::matrix::{self, Matrix};
use crate::model::{Classifier, ClvPart};
use crate::output::customers_table;
use crate::rules;
use crate::wallet::{self, Wallet};

/// The customers to classify.
#[derive(Debug, Clone, Copy)]
pub struct Population<'a> {
    /// Their features (purchasers, sorted by id).
    pub features: &'a Features,
    /// The master file, if any.
    pub master: Option<&'a Master>,
    /// Per output row: the feature index of a purchaser, `None` for a prospect.
    pub rows: &'a [Option<usize>],
    /// Per output row: the customer id.
    pub ids: &'a [&'a str],
    /// Per output row: the row in the master file, if there.
    pub master_rows: &'a [Option<usize>],
}

/// The CLV models and scores, or why there are none.
pub type Predicted = std::result::Result<(Models, Scores), String>;

/// Every classification of a population.
#[derive(Debug)]
pub struct Labelled {
    /// The CLV models and scores (`None`: CLV off).
    pub predicted: Option<Predicted>,
    /// The clustering, or why it failed (`None`: clustering off).
    pub clustered: Option<std::result::Result<Clustering, String>>,
    /// The built-in classifiers' results.
    pub classified: Classified,
    /// Lifecycle stage per output row.
    pub stages: Vec<&'static str>,
    /// Every scheme over the output rows, rule schemes last.
    pub schemes: Vec<Scheme>,
    /// The value × loyalty matrix.
    pub matrix: Option<Matrix>,
    /// The value classes and look-alike lifts, and their model.
    pub lookalike: Option<(Lookalike, LookalikeModel)>,
    /// Share of wallet.
    pub wallet: Option<Wallet>,
    /// The customer table (customers.csv without the next actions).
    pub batch: RecordBatch,
    /// Rule schemes left out for lack of columns.
    pub skipped_schemes: Vec<rules::Skipped>,
    /// The P(alive) cut-offs the lifecycle used, if it used the CLV model.
    pub p_alive_used: Option<PAliveCuts>,
    /// Where the CLV tiers start, when there are CLV tiers.
    pub clv_tier_cuts: Option<ValueTier>,
}

/// Classifies the population: fitted on it, or applied from `model`. The rule schemes are
/// compiled once per `rule_cache`; `stage_done` hears each stage's wall time (clv, cluster,
/// classify).
///
/// # Errors
/// [`EngineError::Invalid`] for settings or rules the data cannot serve.
pub fn label(
    pop: &Population<'_>,
    config: &Config,
    model: Option<&Classifier>,
    lang: Lang,
    rule_cache: &RuleCache,
    stage_done: &mut dyn FnMut(&'static str, u64),
) -> Result<Labelled> {
    let Population { features, master, rows, ids, master_rows } = *pop;
    let t = Instant::now();
    let saved_clv = model.and_then(|m| m.parts.clv.as_ref());
    let predicted = if config.clv.enabled { Some(predict(features, config, saved_clv)) } else { None };
    stage_done("clv", t.elapsed().as_millis() as u64);

    let scores = predicted.as_ref().and_then(|p| p.as_ref().ok()).map(|(_, s)| s);
    let t = Instant::now();
    let purchaser_master: Vec<Option<usize>> = match master {
        Some(_) => {
            let mut v = vec![None; features.len()];
            for (r, m) in rows.iter().zip(master_rows) {
                if let Some(i) = r {
                    v[*i] = *m;
                }
            }
            v
        }
        None => Vec::new(),
    };
    let inputs = Inputs { features, master: master.map(|m| (m, purchaser_master.as_slice())), scores };
    let clustered = if config.cluster.enabled {
        let clustering = match model.and_then(|m| m.parts.cluster.as_ref()) {
            Some(saved) => cluster::apply(saved, &inputs, config.cluster.plot_points),
            None => cluster::cluster(&inputs, &config.cluster),
        };
        match clustering {
            Ok(c) => Some(Ok(c)),
            // a configuration that names features the run lacks is the user's to fix
            Err(e @ EngineError::Invalid(_)) => return Err(e),
            Err(e) => Some(Err(e.to_string())),
        }
    } else {
        None
    };
    stage_done("cluster", t.elapsed().as_millis() as u64);

    let t = Instant::now();
    let classified = classify(features, config.builtin(), model.map(Classifier::frozen))?;
    // stages by P(alive): the model's cut-offs when it has them, else the config's
    let p_alive_cuts = match model {
        Some(m) => m.lifecycle.p_alive,
        None => (config.clv.lifecycle == LifecycleBasis::PAlive).then_some(PAliveCuts {
            at_risk_below: config.clv.p_alive_at_risk,
            churned_below: config.clv.p_alive_churned,
        }),
    };
    let p_alive = match (p_alive_cuts, scores) {
        (Some(cuts), Some(s)) => Some((s.p_alive.as_slice(), cuts)),
        _ => None,
    };
    // the cut-offs the stages used, for the model this run fits
    let p_alive_used = p_alive.map(|(_, cuts)| cuts);
    // the lifecycle and the built-in schemes, the value x loyalty matrix and the look-alike
    // classes are independent of each other: side by side
    let master_view = master.map(|m| (m, master_rows));
    let ((stages, mut schemes), (matrix, lookalike)) = rayon::join(
        || {
            let stages = lifecycle_stages(features, rows, &classified.thresholds, p_alive);
            let schemes = schemes(&classified, &stages, rows, &config.rfm.segment_rules());
            (stages, schemes)
        },
        || {
            rayon::join(
                || config.matrix.enabled.then(|| matrix::place(&inputs, &config.matrix, rows, lang)).transpose(),
                // best customers: value = predicted CLV when there is one, else monetary
                || {
                    config.lookalike.enabled.then(|| {
                        let value: Vec<Option<f64>> = rows
                            .iter()
                            .map(|r| r.map(|i| scores.and_then(|s| s.clv[i]).unwrap_or(features.monetary[i])))
                            .collect();
                        match model.and_then(|m| m.parts.value_class.as_ref()) {
                            Some(saved) => (lookalike::apply(saved, &value, master_view), saved.clone()),
                            None => lookalike::compute(&config.lookalike, &value, master_view),
                        }
                    })
                },
            )
        },
    );
    let clv_tier_cuts = match scores.filter(|s| s.clv.iter().any(Option::is_some)) {
        Some(s) => {
            let (scheme, cuts) = clv_tier(s, rows, config, saved_clv.and_then(|c| c.tier.as_ref()))?;
            schemes.push(scheme);
            Some(cuts)
        }
        None => None,
    };
    if let Some(Ok(c)) = &clustered {
        schemes.push(cluster_scheme(c, rows));
    }
    // after the CLV tier's, as before they ran side by side: with both wrong, the same error
    let matrix = matrix?;
    if let Some(m) = &matrix {
        schemes.push(m.scheme.clone());
    }
    if let Some((l, _)) = &lookalike {
        schemes.push(l.scheme.clone());
    }
    let wallet = wallet::compute(&config.wallet, features, master_view, rows, ids);
    stage_done("classify", t.elapsed().as_millis() as u64);

    let t = Instant::now();
    let customers = customers_table(
        features,
        &classified,
        &schemes,
        rows,
        ids,
        master_view,
        scores.map(|s| score_columns(s, rows)).unwrap_or_default(),
        lang,
    );
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "customers table built");
    // the master attributes' columns (`attr_<name>` where a feature has the name) are the
    // table's last ones
    let n_attributes = master.map_or(0, |m| m.attributes.len());
    let attributes: Vec<String> = customers.names[customers.names.len() - n_attributes..].to_vec();
    let batch = customers.finish()?;
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "customers batch built");
    let batch = match &wallet {
        Some(w) => w.columns.clone().append_to(&batch)?,
        None => batch,
    };
    // with a master file, the look-alike scores and lift table (lookalike.csv)
    let batch = match lookalike.as_ref().map(|(l, _)| l).filter(|_| master.is_some()) {
        Some(l) => l.columns.clone().append_to(&batch)?,
        None => batch,
    };
    // rule schemes see every column of the table, and their labels join it
    let purchaser: Vec<bool> = rows.iter().map(Option::is_some).collect();
    let (rule_schemes, batch, skipped_schemes) =
        rules::apply(&config.schemes, batch, &attributes, &purchaser, master.is_some(), rule_cache)
            .map_err(|e| config.rule_error(e))?;
    schemes.extend(rule_schemes);
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "rule schemes applied");
    Ok(Labelled {
        predicted,
        clustered,
        classified,
        stages,
        schemes,
        matrix,
        lookalike,
        wallet,
        batch,
        skipped_schemes,
        p_alive_used,
        clv_tier_cuts,
    })
}

/// Fits the CLV models and scores the purchasers; a failure becomes a message for run.json and
/// the summary (the rest of the run does not depend on it).
pub(crate) fn predict(features: &Features, config: &Config, saved: Option<&ClvPart>) -> Predicted {
    let s = clv::summary(features).map_err(|e| e.to_string())?;
    let m = match saved {
        Some(p) => p.fit.models(),
        None => clv::fit(features, &s, &config.clv),
    }
    .map_err(|e| e.to_string())?;
    let scores = clv::score(features, &s, &m, &config.clv);
    Ok((m, scores))
}

/// The cluster scheme: labels "1".."k" with the profiles' names; prospects have none.
fn cluster_scheme(c: &Clustering, rows: &[Option<usize>]) -> Scheme {
    Scheme {
        id: "cluster".into(),
        labels: (1..=c.model.k).map(|n| n.to_string()).collect(),
        of_row: rows.iter().map(|r| r.map(|i| (c.labels[i] - 1) as u16)).collect(),
        names: Some(c.profiles.iter().map(|p| Names::new(p.name(Lang::En), p.name(Lang::Zh))).collect()),
    }
}

/// The CLV tier scheme: value-tier cut-offs applied to the predicted CLV of the scored customers
/// (fitted on them, or a saved model's), and where its tiers start.
fn clv_tier(
    s: &Scores,
    rows: &[Option<usize>],
    config: &Config,
    saved: Option<&ValueTier>,
) -> Result<(Scheme, ValueTier)> {
    let scored: Vec<usize> = (0..s.clv.len()).filter(|&i| s.clv[i].is_some()).collect();
    let values: Vec<f64> = scored.iter().map(|&i| s.clv[i].unwrap_or(0.0)).collect();
    let (tiers, cuts) = match saved {
        Some(t) => (values.iter().map(|&v| t.tier(v)).collect(), t.clone()),
        None => {
            let params = config.value_tier.check().map_err(|e| EngineError::Invalid(e.to_string()))?;
            let (cuts, tiers) = value_tier::fit(&values, &params);
            (tiers, cuts)
        }
    };
    let labels: Vec<String> = catalog::labels_of("clv_tier").into_iter().map(str::to_string).collect();
    let mut by_feature: Vec<Option<u16>> = vec![None; s.clv.len()];
    for (k, &i) in scored.iter().enumerate() {
        by_feature[i] = labels.iter().position(|l| l == tiers[k]).map(|p| p as u16);
    }
    let scheme = Scheme {
        id: "clv_tier".into(),
        labels,
        of_row: rows.iter().map(|r| r.and_then(|i| by_feature[i])).collect(),
        names: None,
    };
    Ok((scheme, cuts))
}

/// The rows of customers.csv.
#[derive(Debug)]
pub struct Layout<'a> {
    /// Per row: the feature index of a purchaser, `None` for a prospect.
    pub rows: Vec<Option<usize>>,
    /// Per row: the customer id.
    pub ids: Vec<&'a str>,
    /// Per row: the index in the master file, if there.
    pub master_rows: Vec<Option<usize>>,
    /// Purchasers missing from the master file.
    pub not_in_master: u64,
}

/// Merges purchasers (sorted ids) with master-file prospects into one id-sorted list of rows.
pub fn layout<'a>(customers: &'a [String], master: Option<&'a Master>) -> Layout<'a> {
    let Some(m) = master else {
        return Layout {
            rows: (0..customers.len()).map(Some).collect(),
            ids: customers.iter().map(String::as_str).collect(),
            master_rows: vec![None; customers.len()],
            not_in_master: 0,
        };
    };
    let index = m.index();
    let known: std::collections::HashSet<&str> = customers.iter().map(String::as_str).collect();
    let mut prospects: Vec<&str> = m.ids.iter().map(String::as_str).filter(|id| !known.contains(id)).collect();
    prospects.sort_unstable();
    let mut rows = Vec::with_capacity(customers.len() + prospects.len());
    let mut ids = Vec::with_capacity(rows.capacity());
    let (mut i, mut j) = (0, 0);
    while i < customers.len() || j < prospects.len() {
        if j >= prospects.len() || (i < customers.len() && customers[i].as_str() < prospects[j]) {
            rows.push(Some(i));
            ids.push(customers[i].as_str());
            i += 1;
        } else {
            rows.push(None);
            ids.push(prospects[j]);
            j += 1;
        }
    }
    let master_rows: Vec<Option<usize>> = ids.iter().map(|id| index.get(id).copied()).collect();
    let not_in_master = rows.iter().zip(&master_rows).filter(|(r, m)| r.is_some() && m.is_none()).count() as u64;
    Layout { rows, ids, master_rows, not_in_master }
}
