//! Customers classified by a saved model without a run: one at a time (a sales lookup, a live
//! purchase event) or in batches. The same code path as a run applying the model
//! ([`crate::label`]), so a customer gets here exactly the labels a `score` run gives them.

use custseg_core::Lang;
use custseg_data::features::Features;
use custseg_data::master::Master;

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
}

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
    /// A scorer for a model.
    pub fn new(model: Classifier) -> Scorer {
        let mut config = Config::default();
        model.govern(&mut config);
        // labels are ids here; the language only names clusters and matrix cells
        config.run.lang = Some(Lang::En);
        Scorer { model, config }
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
        let labelled = label(&pop, &self.config, Some(&self.model), Lang::En, &mut |_, _| {})?;
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
