//! custseg-report: the report, one self-contained HTML file (inline CSS and SVG, no scripts, no network) in
//! Chinese or English, made from a run's output directory alone.
//!
//! A run writes `report.html` after its other outputs by [`write`], which the caller hands the
//! engine (`RunRequest::report`), the same function that `custseg report DIR` calls: both give
//! the same bytes for the same directory and language. The engine never knows HTML.
//! Sections appear for whatever the run produced: overview with generated findings, data
//! quality, RFM, ABC, value tiers and lifecycle, clusters, CLV, business classes (matrix,
//! wallet, lookalikes), the playbook, and a glossary.
//!
//! Size: customer-level tables are cut to the top rows with a note saying how many there are,
//! and the cluster scatter shows the run's sample of points, so the file stays small (well under
//! 3 MB) whatever the number of customers.

mod basket;
mod behaviour;
mod business;
mod html;
mod load;
mod migration;
mod models;
mod overview;
pub mod svg;

use std::path::{Path, PathBuf};

use custseg_engine::Sink;
use custseg_engine::catalog::{Lang, Msg};

pub use load::RunOutputs;

use custseg_engine::{EngineError, Result};
use html::{Page, Tr};

/// Natural width of a chart that has a row to itself (the page's text column), px; charts side
/// by side are about half of it.
pub(crate) const FULL_WIDTH: f64 = 960.0;

pub use custseg_engine::pipeline::REPORT_FILE;

/// The report of the run in `dir`, in `lang`.
///
/// # Errors
/// [`EngineError::Report`] when `dir` is not a run directory, data errors when one of its
/// files cannot be read.
pub fn build(dir: &Path, lang: Lang) -> Result<String> {
    let o = RunOutputs::load(dir)?;
    Ok(render(&o, lang))
}

/// Builds the report of the run in `dir` and writes it (atomically) to `dir/report.html`: the
/// [`custseg_engine::pipeline::Renderer`] a run is given.
///
/// # Errors
/// As [`build`], and I/O errors writing the file.
pub fn write(dir: &Path, lang: Lang, sink: Sink) -> Result<PathBuf> {
    let path = dir.join(REPORT_FILE);
    write_to(&build(dir, lang)?, &path, sink)?;
    Ok(path)
}

/// `custseg report`: rebuilds the report of the run in `dir`, in `lang` or else the run's
/// language (or else the environment's), to `output` or else `dir/report.html`.
///
/// # Errors
/// As [`build`], and I/O errors writing the file.
pub fn rebuild(dir: &Path, lang: Option<Lang>, output: Option<&Path>, sink: Sink) -> Result<(PathBuf, Lang)> {
    let o = RunOutputs::load(dir)?;
    let lang = lang.or(o.config.run.lang).unwrap_or_else(Lang::from_env);
    let path = output.map_or_else(|| dir.join(REPORT_FILE), Path::to_path_buf);
    write_to(&render(&o, lang), &path, sink)?;
    Ok((path, lang))
}

/// A message of run.json or quality.json in `lang`: a catalog message, or the text of a file
/// written before messages were stored as ids.
fn message(v: &serde_json::Value, lang: Lang) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        v => serde_json::from_value::<Msg>(v.clone()).map(|m| m.render(lang)).unwrap_or_default(),
    }
}

fn write_to(html: &str, path: &Path, sink: Sink) -> Result<()> {
    sink.atomic(path, |w| {
        std::io::Write::write_all(w, html.as_bytes()).map_err(custseg_engine::DataError::io("write", path))
    })
    .map_err(EngineError::Data)
}

/// The whole page.
pub fn render(o: &RunOutputs, lang: Lang) -> String {
    let tr = Tr(lang);
    let mut page = Page::new(lang);
    overview::overview(&mut page, o, lang);
    overview::quality(&mut page, o, lang);
    behaviour::rfm(&mut page, o, lang);
    behaviour::abc(&mut page, o, lang);
    behaviour::tiers_and_lifecycle(&mut page, o, lang);
    models::clusters(&mut page, o, lang);
    models::clv(&mut page, o, lang);
    business::classes(&mut page, o, lang);
    business::playbook(&mut page, o, lang);
    basket::basket(&mut page, o, lang);
    migration::migration(&mut page, o, lang);
    business::glossary(&mut page, lang);
    let title = tr.t("Customer classification report", "客户分类报告");
    let subtitle = match lang {
        Lang::Zh => format!("基准日 {} · custseg {}", o.run["as_of"].as_str().unwrap_or(""), env!("CARGO_PKG_VERSION")),
        Lang::En => format!("As of {} · custseg {}", o.run["as_of"].as_str().unwrap_or(""), env!("CARGO_PKG_VERSION")),
    };
    page.finish(title, &subtitle)
}

/// A whole number with thousands separators.
pub(crate) fn count(v: f64) -> String {
    svg::Format::Count.full(v)
}

/// Money with two decimals and thousands separators.
pub(crate) fn money(v: f64) -> String {
    svg::Format::Money.full(v)
}

/// A fraction as a percentage with one decimal.
pub(crate) fn pct(v: f64) -> String {
    svg::Format::Percent.full(v)
}

/// Customers for which `pred` holds: their number and their summed monetary value.
pub(crate) fn sum_where(o: &RunOutputs, pred: impl Fn(usize) -> bool) -> (usize, f64) {
    let m = o.customer("monetary");
    (0..o.n_customers())
        .filter(|&i| pred(i))
        .fold((0, 0.0), |(n, s), i| (n + 1, s + m.and_then(|c| c.number(i)).unwrap_or(0.0)))
}
