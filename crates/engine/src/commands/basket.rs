//! `custseg basket` and `custseg basket evaluate`: the basket stage on its own, from a
//! transaction log (with the classes of one scheme when asked) or a basket-per-line file.

use std::path::PathBuf;

use custseg_core::Lang;
use custseg_data::baskets::sniff;
use custseg_data::features::aggregate;
use custseg_data::quality::QualityReport;
use custseg_data::sink::Sink;
use serde::Serialize;

use crate::basket::{Analysis, BasketRecord, Parts, analyze, from_file, no_items, orders_of};
use crate::config::{AsOf, Config};
use crate::error::{EngineError, Result};
use crate::input::{Checked, Source, Stage, present_of};
use crate::label::{Layout, Population, label, layout};
use crate::pipeline::{basket_segments, runtime};

/// How to read `custseg basket`'s input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// A basket-per-line file when it looks like one, else a transaction log.
    #[default]
    Auto,
    /// A transaction log.
    Log,
    /// A basket-per-line file.
    Baskets,
}

/// What `custseg basket` needs.
#[derive(Debug, Clone)]
pub struct BasketRequest {
    /// The transaction log (file or directory) or basket file.
    pub transactions: PathBuf,
    /// How to read it.
    pub format: InputFormat,
    /// The customer master file (for rule schemes in `[basket] by`).
    pub customers: Option<Source>,
    /// Configuration (`[basket]` says what to do).
    pub config: Config,
    /// Output directory.
    pub out_dir: PathBuf,
    /// Only the evaluation (`custseg basket evaluate`).
    pub evaluate_only: bool,
}

/// What `custseg basket` did.
#[derive(Debug, Clone)]
pub struct BasketOutcome {
    /// The transactions' row accounting (`None` for a basket file).
    pub quality: Option<QualityReport>,
    /// The analysis.
    pub analysis: Analysis,
    /// Its record (also basket.json).
    pub record: BasketRecord,
    /// The language of names and reasons.
    pub lang: Lang,
    /// Files written.
    pub outputs: Vec<PathBuf>,
}

/// basket.json: the record and the configuration it was made with.
#[derive(Serialize)]
struct BasketFile<'a> {
    version: &'static str,
    #[serde(flatten)]
    record: &'a BasketRecord,
    config: &'a crate::basket::BasketConfig,
}

/// Runs `custseg basket`.
///
/// # Errors
/// See [`EngineError`]; a scheme in `[basket] by` the run does not make, or a log without
/// items, is [`EngineError::Invalid`].
pub fn basket_command(req: BasketRequest) -> Result<BasketOutcome> {
    runtime(req.config.run.threads)?.block_on(basket_async(req))
}

async fn basket_async(req: BasketRequest) -> Result<BasketOutcome> {
    let config = &req.config;
    config.check()?;
    config.basket.check()?;
    let lang = config.run.lang.unwrap_or_else(Lang::from_env);
    let sink = Sink::new(config.run.fsync);
    std::fs::create_dir_all(&req.out_dir).map_err(custseg_data::DataError::io("create directory", &req.out_dir))?;
    let as_file = match req.format {
        InputFormat::Baskets => true,
        InputFormat::Log => false,
        InputFormat::Auto => sniff(&req.transactions)?,
    };
    let parts = Parts { recommend: !req.evaluate_only, evaluate: req.evaluate_only };
    let mut outputs = Vec::new();
    let (analysis, quality) = if as_file {
        if req.evaluate_only {
            return Err(EngineError::Invalid(format!(
                "{} is a basket-per-line file: it has no customers, so there is nothing to hold out (evaluate needs a transaction log)",
                req.transactions.display()
            )));
        }
        (analyze(from_file(&req.transactions)?, None, &config.basket, parts)?, None)
    } else {
        let transactions = Source::Files(req.transactions.clone());
        let ctx = custseg_data::session(config.run.threads);
        let as_of = config.run.as_of.map(AsOf::day);
        let checked = crate::input::check(
            &ctx,
            Stage {
                transactions: &transactions,
                customers: req.customers.as_ref(),
                config,
                as_of,
                write_dir: &req.out_dir,
                shown_dir: &req.out_dir,
                progress: None,
                rules: !config.basket.by.is_empty(),
                fingerprints: false,
            },
        )
        .await?;
        outputs.push(req.out_dir.join("rejects.csv"));
        let as_of = checked.as_of(as_of);
        let Checked { input, master, .. } = checked;
        let orders = orders_of(config.basket.item, &input)?.ok_or_else(no_items)?;
        let segments = match config.basket.by.as_str() {
            "" => None,
            by => {
                let present = present_of(&input.column_map);
                let features = aggregate(&ctx, input.kept, input.names, present, as_of).await?;
                let Layout { rows, ids, master_rows, .. } = layout(&features.customer, master.as_ref());
                let labelled = label(
                    &Population {
                        features: &features,
                        master: master.as_ref(),
                        rows: &rows,
                        ids: &ids,
                        master_rows: &master_rows,
                    },
                    config,
                    None,
                    lang,
                    &custseg_data::rules::RuleCache::default(),
                    &mut |_, _| {},
                )?;
                Some(basket_segments(
                    by,
                    &labelled.schemes,
                    config,
                    lang,
                    &rows,
                    &features.customer,
                    &orders.customers,
                )?)
            }
        };
        (analyze(orders, segments, &config.basket, parts)?, Some(input.quality))
    };
    let record = analysis.record();
    let written = if req.evaluate_only {
        analysis.write_evaluation(&req.out_dir, sink)?
    } else {
        analysis.write(&req.out_dir, sink, lang)?
    };
    outputs.extend(written.into_iter().map(|f| req.out_dir.join(f)));
    let json = req.out_dir.join("basket.json");
    sink.json(&json, &BasketFile { version: env!("CARGO_PKG_VERSION"), record: &record, config: &config.basket })?;
    outputs.push(json);
    Ok(BasketOutcome { quality, analysis, record, lang, outputs })
}
