//! `custseg inspect`: what custseg sees in a file (columns and their roles, encoding, delimiter,
//! date format and range, row counts, rejects by reason) without classifying anything.

use std::path::Path;

use custseg_data::ingest::ingest;
use custseg_data::quality::QualityReport;

use crate::config::{Config, parse_as_of};
use crate::error::Result;
use crate::pipeline::runtime;

/// Reads and cleans `path` with `config` and returns the quality report.
///
/// # Errors
/// Hard read errors (see [`crate::EngineError`]).
pub fn inspect(path: &Path, config: &Config) -> Result<QualityReport> {
    config.check()?;
    let as_of = config.run.as_of.as_deref().map(parse_as_of).transpose()?;
    runtime(config.run.threads)?.block_on(async {
        let ctx = custseg_data::session(config.run.threads);
        let temp = std::env::temp_dir();
        let input = ingest(&ctx, path, &config.input.ingest_options(), as_of, &temp, None).await?;
        Ok(input.quality)
    })
}
