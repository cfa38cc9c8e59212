//! `custseg inspect`: what custseg sees in a file (columns and their roles, encoding, delimiter,
//! date format and range, row counts, rejects by reason) without classifying anything.

use std::path::{Path, PathBuf};

use custseg_data::ingest::ingest;
use custseg_data::quality::QualityReport;

use crate::config::{AsOf, Config};
use crate::error::Result;
use crate::pipeline::{off_workers, runtime};

/// Reads and cleans `path` with `config` and returns the quality report.
///
/// # Errors
/// Hard read errors (see [`crate::EngineError`]).
pub fn inspect(path: &Path, config: &Config) -> Result<QualityReport> {
    runtime(config.run.threads)?.block_on(inspect_async(path.to_path_buf(), config.clone()))
}

/// [`inspect`] on the caller's runtime (see [`crate::pipeline::run_async`]).
///
/// # Errors
/// As [`inspect`].
pub async fn inspect_async(path: PathBuf, config: Config) -> Result<QualityReport> {
    config.check()?;
    let as_of = config.run.as_of.map(AsOf::day);
    off_workers(move |rt| {
        rt.block_on(async {
            let ctx = custseg_data::session(config.run.threads);
            let temp = std::env::temp_dir();
            let input = ingest(&ctx, &path, &config.input.ingest_options(), as_of, &temp, None).await?;
            Ok(input.quality)
        })
    })
    .await
}
