//! Customers classified by a saved model without a run: one at a time (a sales lookup, a live
//! purchase event) or in batches. The same code path as a run applying the model
//! ([`crate::label`]), so a customer gets here exactly the labels a `score` run gives them.

use custseg_core::Lang;
use custseg_data::features::Features;
use custseg_data::master::Master;
use custseg_data::rules::RuleCache;

use crate::config::Config;
use crate::error::Result;
use crate::label::{Layout, Population, label, layout};
use crate::model::Classifier;

/// A saved model ready to classify customers.
#[derive(Debug, Clone)]
pub struct Scorer {
    model: Classifier,
    /// The model's parameters in a configuration (see [`Classifier::govern`]).
    config: Config,
    /// The rule schemes, compiled at the first customer.
    rules: std::sync::Arc<RuleCache>,
    /// One thread for a lookup: the stages' parallel loops then run where they are, without
    /// waking the other cores for one customer.
    solo: Option<std::sync::Arc<rayon::ThreadPool>>,
}

/// Batches of fewer customers than this run on the scorer's own thread.
const SOLO_BELOW: usize = 256;

/// One customer's classification: every scheme's label id (`None`: the scheme gives this
/// customer none, e.g. no RFM segment for a prospect), in the order of customers.csv's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classes {
    /// Customer id.
    pub customer_id: String,
    /// `(scheme id, label id)` per scheme.
    pub labels: Vec<(String, Option<String>)>,
}

impl Classes {
    /// The label of a scheme.
    pub fn get(&self, scheme: &str) -> Option<&str> {
        self.labels.iter().find(|(s, _)| s == scheme).and_then(|(_, l)| l.as_deref())
    }
}

impl Scorer {
    /// A scorer for a model, with the default configuration for what the model does not hold
    /// (the share-of-wallet estimates, which rule schemes may read).
    pub fn new(model: Classifier) -> Scorer {
        Scorer::with_config(model, Config::default())
    }

    /// A scorer for a model, with a run's configuration for what the model does not hold.
    pub fn with_config(model: Classifier, mut config: Config) -> Scorer {
        model.govern(&mut config);
        // labels are ids here; the language only names clusters and matrix cells
        config.run.lang = Some(Lang::En);
        // the expected lifetime behind the historical LTV is the purchase model's, the same for
        // every customer: integrated once here rather than per lookup
        if let Some(clv) = &model.parts.clv
            && config.clv.lifetime_years.is_none()
            && let Ok(models) = clv.fit.models()
        {
            config.clv.lifetime_years = Some(crate::clv::lifetime_years(models.purchase.as_ref(), &config.clv));
        }
        let solo = rayon::ThreadPoolBuilder::new().num_threads(1).build().ok().map(std::sync::Arc::new);
        Scorer { model, config, rules: std::sync::Arc::default(), solo }
    }

    /// The model.
    pub fn model(&self) -> &Classifier {
        &self.model
    }

    /// Classifies the customers of `features` (purchasers, sorted by id; see
    /// [`Features::select`] for one customer) with their master-file rows, if any: master-file
    /// customers without features are classified as prospects.
    ///
    /// # Errors
    /// [`crate::EngineError::Invalid`] when the customers lack a column the model needs (a
    /// master attribute a cluster or rule scheme uses).
    pub fn classify(&self, features: &Features, master: Option<&Master>) -> Result<Vec<Classes>> {
        let Layout { rows, ids, master_rows, .. } = layout(&features.customer, master);
        let pop = Population { features, master, rows: &rows, ids: &ids, master_rows: &master_rows };
        let run = || label(&pop, &self.config, Some(&self.model), Lang::En, &self.rules, &mut |_, _| {});
        let labelled = match &self.solo {
            Some(pool) if ids.len() < SOLO_BELOW => pool.install(run)?,
            _ => run()?,
        };
        Ok(ids
            .iter()
            .enumerate()
            .map(|(i, id)| Classes {
                customer_id: (*id).to_string(),
                labels: labelled
                    .schemes
                    .iter()
                    .map(|s| (s.id.clone(), s.of_row[i].map(|k| s.labels[usize::from(k)].clone())))
                    .collect(),
            })
            .collect())
    }
}
