//! The `custseg` binary: arguments -> engine -> terminal. Glue only; the work is in
//! custseg-engine.

mod args;
mod basket_view;
mod history_view;
mod serve;
mod summary;
mod term;

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use custseg_engine::Encoding;
use custseg_engine::Lang;
use custseg_engine::ModelKind;
use custseg_engine::commands::cluster::{ClusterRequest, cluster_command};
use custseg_engine::commands::clv as commands;
use custseg_engine::{Config, DEFAULT_TOML, EngineError, RunRequest, Sink, SynthFormat, SynthParams};
use custseg_engine::{Returns, ZeroAmount};

/// mimalloc instead of the system allocator: DataFusion's hash tables and our per-row vectors
/// allocate and free a lot across threads (measured on the 10.7M-row bench: see the commit).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mimalloc.h` (the -sys crate does not name it; a test
/// checks the linked mimalloc is version 3 and the option reads its default of 1000 ms).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Every command is a batch job that exits when done: freed memory is kept for reuse instead of
/// being handed back to the OS a second after it is freed (mimalloc 3's default). Handing it
/// back made the next stage fault in fresh pages that the kernel zeroes (and, on a VM with free
/// page reporting, that the host supplies again): on the 11.9M-row bench job 50-83K page faults
/// against 3.5K, and kernel page clearing 12% of the profile's samples. Wall time on this noisy
/// 2-core VM: 4.50 -> 4.04 s (medians of 4 alternated rounds), 5.18 -> 4.66 s (5 rounds, with
/// the environment variable), 5.18 -> 5.22 s (5 rounds, no difference). Peak memory: job 1.18 ->
/// 1.30 GB, Parquet job 1.32 -> 1.52 GB, default run 1.31 -> 1.66-1.71 GB (an earlier
/// build reached 2.1 GB with this setting and it was reverted; the row hashes and recoding
/// since brought that down). `MIMALLOC_PURGE_DELAY` in the environment still wins.
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: sets one integer option of the allocator, before any other thread is started
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
}

use crate::args::{
    BasketArgs, BasketCommand, BasketJobArgs, Cli, ClusterArgs, ClvCommand, Command, DatasetArg, EncodingArg,
    FormatArg, InputArgs, LangArg, ModelArg, ReturnsArg, RunArgs, ZeroArg,
};
use crate::term::{Out, group, with_progress};

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    term::init_logging();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", custseg_engine::error::printable(&error_text(&err)));
            let code = err.downcast_ref::<EngineError>().map_or(2, EngineError::exit_code);
            ExitCode::from(code as u8)
        }
    }
}

/// The error and its causes, each cause added only when the text so far does not already hold
/// it: our errors show their source in their own message (a file's path, then why), and DataFusion
/// nests the same Arrow error two or three deep, so the plain chain (`{:#}`) said each thing
/// up to three times.
fn error_text(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn dispatch(cli: Cli) -> Result<()> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Serve(a) => serve::serve(a, quiet),
        Command::User(c) => serve::user(c),
        Command::Score(a) => run_command(RunArgs::from(a), quiet),
        Command::Run(a) => run_command(a, quiet),
        Command::Demo(a) => {
            let mut config = Config::default();
            config.run.lang = a.lang.map(lang);
            let (input, summary) = match a.dataset {
                DatasetArg::Cdnow => custseg_engine::demo::run_demo(&a.out, config, Some(custseg_report::write))?,
                DatasetArg::B2b => custseg_engine::demo::run_b2b_demo(&a.out, config, Some(custseg_report::write))?,
            };
            let mut out = Out::new();
            if !quiet {
                let zh = summary.lang == Lang::Zh;
                out.line(match (a.dataset, zh) {
                    (DatasetArg::Cdnow, false) => {
                        "custseg demo: the CDNOW sample (2,357 customers who first bought in 1997 Q1, followed to 1998-06)"
                    }
                    (DatasetArg::Cdnow, true) => "custseg 演示：CDNOW 样本（1997 年第一季度首次购买的 2,357 位客户，跟踪至 1998-06）",
                    (DatasetArg::B2b, false) => {
                        "custseg demo: a generated B2B base (5,000 buyers and 500 prospects with industry, size, region and budgets)"
                    }
                    (DatasetArg::B2b, true) => "custseg 演示：生成的 B2B 客户群（5,000 位购买客户和 500 位潜在客户，含行业、规模、地区和预算）",
                })?;
                out.line(format!("{}: {}", if zh { "输入" } else { "input" }, input.display()))?;
                summary::print_run(&mut out, &summary)?;
                out.line("")?;
                let report = a.out.join("report.html");
                out.line(if zh {
                    format!(
                        "下一步：在浏览器中打开 {}（或用电子表格打开 customers.csv），或用自己的数据运行",
                        report.display()
                    )
                } else {
                    format!(
                        "Next: open {} in a browser (or customers.csv in a spreadsheet), or run your own data with",
                        report.display()
                    )
                })?;
                out.line("  custseg run --transactions YOUR_FILE.csv --out results")?;
            } else {
                out.line(format!("{}", a.out.display()))?;
            }
            Ok(())
        }
        Command::Init(a) => {
            if a.out.exists() && !a.force {
                bail!("{} already exists\nhint: pass --force to overwrite it", a.out.display());
            }
            Sink::default().atomic(&a.out, |w| {
                use std::io::Write;
                w.write_all(DEFAULT_TOML.as_bytes()).map_err(custseg_engine::DataError::io("write", &a.out))
            })?;
            Out::new().line(format!("wrote {}", a.out.display()))?;
            Ok(())
        }
        Command::Generate(a) => {
            if a.customers == 0 {
                bail!("--customers must be > 0, got 0");
            }
            let format = match a.format {
                Some(FormatArg::Parquet) => SynthFormat::Parquet,
                Some(FormatArg::Csv) => SynthFormat::Csv,
                None if a.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet")) => SynthFormat::Parquet,
                None => SynthFormat::Csv,
            };
            let params = SynthParams {
                n_customers: a.customers,
                seed: a.seed,
                discounts: a.with_discounts,
                ..SynthParams::default()
            };
            let start = std::time::Instant::now();
            let rows = custseg_engine::write_synth(&params, &a.out, format, Sink::default())?;
            Out::new().line(format!(
                "wrote {} rows for {} customers to {} in {:.1} s",
                group(rows),
                group(a.customers),
                a.out.display(),
                start.elapsed().as_secs_f64()
            ))?;
            if a.with_master {
                let stem = a.out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "log".into());
                let path = a.out.with_file_name(format!("{stem}_customers.csv"));
                let n = custseg_engine::write_synth_master(&params, &path, Sink::default())?;
                Out::new().line(format!("wrote {} master-file rows to {}", group(n), path.display()))?;
            }
            Ok(())
        }
        Command::Inspect(a) => {
            let config = load_config(&a.input)?;
            let q = custseg_engine::inspect::inspect(&a.path, &config)?;
            let mut out = Out::new();
            if a.json {
                out.line(serde_json::to_string_pretty(&q)?)?;
                return Ok(());
            }
            let lang = config.run.lang.unwrap_or_else(Lang::from_env);
            for f in &q.files {
                let enc = f.encoding.map(|e| format!("{e:?}").to_lowercase()).unwrap_or_default();
                let delim = f.delimiter.clone().map(|d| format!(", delimiter `{d}`")).unwrap_or_default();
                let bom = if f.bom { ", BOM" } else { "" };
                out.line(format!(
                    "{}: {:?} {enc}{bom}{delim}, {} bytes, {} rows",
                    f.path,
                    f.format,
                    group(f.size_bytes),
                    group(f.rows_read)
                ))?;
            }
            out.line(format!("columns: {}", q.columns.join(", ")))?;
            for (role, column) in &q.column_map.columns {
                out.line(format!("  {:<11} <- {column}", role.name()))?;
            }
            out.line(format!("date format: {:?}", q.date_format))?;
            out.line(format!(
                "dates: {} .. {}",
                q.first_date.as_deref().unwrap_or("-"),
                q.last_date.as_deref().unwrap_or("-")
            ))?;
            summary::print_quality(&mut out, &q, None, lang)?;
            Ok(())
        }
        Command::Clv(c) => clv(c, quiet),
        Command::Cluster(a) => cluster(a, quiet),
        Command::Basket(a) => basket(a, quiet),
        Command::Playbook(a) => {
            let config = match &a.config {
                Some(p) => Config::load(p)?,
                None => Config::default(),
            };
            let lang = a.lang.map(lang).or(config.run.lang).unwrap_or_else(Lang::from_env);
            let plays = custseg_engine::playbook::effective(&config.playbook);
            let plays: Vec<_> =
                plays.into_iter().filter(|p| a.scheme.as_ref().is_none_or(|s| *s == p.scheme)).collect();
            if plays.is_empty() {
                bail!("no playbook entries for scheme `{}`", a.scheme.unwrap_or_default());
            }
            summary::print_playbook(&mut Out::new(), &plays, &config.schemes, lang)?;
            Ok(())
        }
        Command::History(a) => {
            let store = custseg_engine::store::Store::open_existing(&a.store.store)?;
            let lang = a.lang.map(lang).unwrap_or_else(Lang::from_env);
            history_view::print_history(&mut Out::new(), &store.runs()?, lang)?;
            Ok(())
        }
        Command::Show(a) => {
            let store = custseg_engine::store::Store::open_existing(&a.store.store)?;
            let lang = a.lang.map(lang).unwrap_or_else(Lang::from_env);
            let mut out = Out::new();
            match (&a.customer, a.run) {
                (Some(c), _) => {
                    let h = store.customer_history(c)?;
                    if h.rows.is_empty() {
                        bail!("customer `{c}` is in no run of {}", a.store.store.display());
                    }
                    history_view::print_customer_history(&mut out, &h, lang)?;
                }
                (None, Some(id)) => history_view::print_stored_run(&mut out, &store.load(id)?, lang)?,
                (None, None) => bail!("give a run id (see `custseg history`) or --customer ID"),
            }
            Ok(())
        }
        Command::Diff(a) => {
            let lang = a.lang.map(lang).unwrap_or_else(Lang::from_env);
            let (ra, rb, ms, alerts) = custseg_engine::track::diff(
                &a.store.store,
                a.a,
                a.b,
                a.scheme.as_deref(),
                &a.out,
                lang,
                Sink::default(),
            )?;
            let mut out = Out::new();
            history_view::print_diff(&mut out, &ra, &rb, &ms, &alerts, a.scheme.is_some(), lang)?;
            if ra.info.dataset != rb.info.dataset {
                out.line(match lang {
                    Lang::En => format!(
                        "warning: run {} is of dataset {} and run {} of {}; the comparison may be between different data",
                        ra.info.id, ra.info.dataset, rb.info.id, rb.info.dataset
                    ),
                    Lang::Zh => format!(
                        "警告: 运行 {} 的数据集是 {}，运行 {} 的是 {}；比较的可能是不同的数据",
                        ra.info.id, ra.info.dataset, rb.info.id, rb.info.dataset
                    ),
                })?;
            }
            if let Some(w) = custseg_engine::history::overlap_warning(&ra, &rb) {
                out.line(format!("{}: {}", summary::zh(lang, "warning", "警告"), w.render(lang)))?;
            }
            out.line(format!("{}", a.out.join("migration.csv").display()))?;
            out.line(format!("{}", a.out.join("alerts.csv").display()))?;
            Ok(())
        }
        Command::Track(a) => {
            let mut config = load_config(&a.input)?;
            config.clv.enabled &= !a.no_clv;
            config.cluster.enabled &= !a.no_cluster;
            if let Some(m) = &a.model {
                config.run.model = Some(m.display().to_string());
            }
            config.check()?;
            let outcome = custseg_engine::track::track(custseg_engine::track::TrackRequest {
                transactions: a.transactions.clone().into(),
                customers: a.customers.clone().map(Into::into),
                config,
                out_dir: a.out.clone(),
                store: a.store.store.clone(),
                from: a.from,
                to: a.to,
                every: custseg_engine::track::Every::parse(&a.every)?,
                freeze: a.freeze,
            })?;
            history_view::print_track(&mut Out::new(), &outcome, quiet)?;
            Ok(())
        }
        Command::Report(a) => {
            let (path, _) = custseg_report::rebuild(&a.dir, a.lang.map(lang), a.output.as_deref(), Sink::default())?;
            Out::new().line(format!("{}", path.display()))?;
            Ok(())
        }
    }
}

/// `custseg run`, and `custseg score` (a run with a model).
fn run_command(a: RunArgs, quiet: bool) -> Result<()> {
    let mut config = load_config(&a.job.input)?;
    config.run.strict |= a.job.strict;
    config.clv.enabled &= !a.no_clv;
    config.cluster.enabled &= !a.no_cluster;
    config.run.report &= !a.job.no_report;
    if let Some(l) = a.job.lang {
        config.run.lang = Some(lang(l));
    }
    if let Some(m) = &a.model {
        config.run.model = Some(m.display().to_string());
    }
    config.check()?;
    // the CLI owns the runtime the job is awaited on, as a server does
    let runtime = custseg_engine::runtime(config.run.threads)?;
    let summary = with_progress(quiet, "reading transactions", |progress| {
        runtime.block_on(custseg_engine::run_async(RunRequest {
            transactions: a.job.transactions.clone().into(),
            customers: a.job.customers.clone().map(Into::into),
            config,
            out_dir: a.out.clone(),
            progress,
            store: (!a.job.no_store).then(|| a.job.store.clone()),
            report: Some(custseg_report::write),
        }))
    })?;
    let mut out = Out::new();
    if quiet {
        out.line(format!("{}", a.out.display()))?;
    } else {
        summary::print_run(&mut out, &summary)?;
    }
    Ok(())
}

/// Parses `MIN..MAX` (or `MIN..=MAX`), inclusive.
fn k_range(s: &str) -> Result<(usize, usize)> {
    let (a, b) = s.split_once("..").ok_or_else(|| anyhow!("--k-range expects MIN..MAX, e.g. 2..10, got `{s}`"))?;
    let b = b.trim_start_matches('=');
    let parse =
        |v: &str| v.trim().parse::<usize>().map_err(|_| anyhow!("--k-range expects MIN..MAX, e.g. 2..10, got `{s}`"));
    Ok((parse(a)?, parse(b)?))
}

fn cluster(a: ClusterArgs, quiet: bool) -> Result<()> {
    let mut config = load_config(&a.input)?;
    let c = &mut config.cluster;
    if let Some(k) = a.k {
        c.k = Some(k);
    }
    if let Some(r) = &a.k_range {
        (c.k_min, c.k_max) = k_range(r)?;
        c.k = None;
    }
    if let Some(f) = a.features {
        c.features = f.into_iter().filter(|s| !s.trim().is_empty()).collect();
    }
    if let Some(f) = a.categorical {
        c.categorical = f.into_iter().filter(|s| !s.trim().is_empty()).collect();
    }
    if let Some(s) = a.seed {
        c.seed = s;
    }
    if let Some(l) = a.lang {
        config.run.lang = Some(lang(l));
    }
    config.check()?;
    let lang = config.run.lang.unwrap_or_else(Lang::from_env);
    let r = cluster_command(ClusterRequest {
        transactions: a.transactions.into(),
        customers: a.customers.map(Into::into),
        config,
        model: a.model,
        out_dir: a.out,
    })?;
    let mut out = Out::new();
    if !quiet {
        summary::print_clusters(&mut out, &r, lang)?;
    }
    for p in &r.outputs {
        out.line(format!("wrote {}", p.display()))?;
    }
    Ok(())
}

fn basket(a: BasketArgs, quiet: bool) -> Result<()> {
    use custseg_engine::basket::ItemKind;
    use custseg_engine::commands::basket::{BasketRequest, InputFormat, basket_command};
    let (j, evaluate_only): (BasketJobArgs, bool) = match a.command {
        Some(BasketCommand::Evaluate(j)) => (*j, true),
        None => (*a.job, false),
    };
    let transactions = j.transactions.clone().ok_or_else(|| anyhow!("custseg basket needs --transactions PATH"))?;
    let mut config = load_config(&j.input)?;
    let b = &mut config.basket;
    if let Some(i) = j.item {
        b.item = match i {
            args::ItemArg::Product => ItemKind::Product,
            args::ItemArg::Category => ItemKind::Category,
        };
    }
    b.min_support = j.min_support.unwrap_or(b.min_support);
    b.min_confidence = j.min_confidence.unwrap_or(b.min_confidence);
    b.min_lift = j.min_lift.unwrap_or(b.min_lift);
    b.max_len = j.max_len.unwrap_or(b.max_len);
    b.max_consequent = j.max_consequent.unwrap_or(b.max_consequent);
    b.top = j.top.unwrap_or(b.top);
    b.include_repeats |= j.include_repeats;
    if let Some(by) = j.by {
        b.by = if by == "none" { String::new() } else { by };
    }
    if let Some(l) = j.lang {
        config.run.lang = Some(lang(l));
    }
    config.check()?;
    let format = match j.input_format {
        args::InputFormatArg::Auto => InputFormat::Auto,
        args::InputFormatArg::Log => InputFormat::Log,
        args::InputFormatArg::Baskets => InputFormat::Baskets,
    };
    let r = basket_command(BasketRequest {
        transactions,
        format,
        customers: j.customers.map(Into::into),
        config,
        out_dir: j.out,
        evaluate_only,
    })?;
    let mut out = Out::new();
    if !quiet {
        basket_view::print_basket(&mut out, &r, r.lang)?;
    }
    for p in &r.outputs {
        out.line(format!("wrote {}", p.display()))?;
    }
    Ok(())
}

fn model_kind(m: ModelArg) -> ModelKind {
    match m {
        ModelArg::Bgnbd => ModelKind::Bgnbd,
        ModelArg::Mbgnbd => ModelKind::Mbgnbd,
        ModelArg::Pnbd => ModelKind::Pnbd,
    }
}

fn clv(c: ClvCommand, quiet: bool) -> Result<()> {
    let mut out = Out::new();
    match c {
        ClvCommand::Fit(a) => {
            let mut config = load_config(&a.input)?;
            if let Some(m) = a.model {
                config.clv.model = model_kind(m);
            }
            if let Some(p) = a.penalty {
                config.clv.fit.penalty = p;
            }
            config.check()?;
            let r = commands::fit_command(commands::FitRequest {
                transactions: a.transactions.into(),
                config,
                calibration_end: a.calibration_end,
                out_dir: a.out,
            })?;
            if !quiet {
                summary::print_model(&mut out, &r.model, &r.warnings)?;
            }
            out.line(format!("wrote {}", r.path.display()))?;
        }
        ClvCommand::Predict(a) => {
            let mut config = load_config(&a.input)?;
            if let Some(h) = a.horizon {
                config.clv.horizon_months = h;
            }
            if let Some(d) = a.discount {
                config.clv.discount = d;
            }
            config.check()?;
            let r = commands::predict_command(commands::PredictRequest {
                model: a.model,
                transactions: a.transactions.into(),
                config,
                out_dir: a.out,
            })?;
            if !quiet {
                out.line(format!(
                    "rows: {} read = {} kept + {} rejected",
                    group(r.rows.read),
                    group(r.rows.kept),
                    group(r.rows.rejected)
                ))?;
                out.line(format!(
                    "scored {} customers as of {}: {:.1} expected transactions, total CLV {:.2}",
                    group(r.customers as u64),
                    r.as_of,
                    r.total_expected_purchases,
                    r.total_clv
                ))?;
            }
            out.line(format!("wrote {}", r.path.display()))?;
        }
        ClvCommand::Evaluate(a) => {
            let mut config = load_config(&a.input)?;
            if let Some(m) = a.model {
                config.clv.model = model_kind(m);
            }
            config.check()?;
            let out_dir = a.out.clone();
            let ev = commands::evaluate_command(commands::EvaluateRequest {
                transactions: a.transactions.into(),
                config,
                calibration_end: a.calibration_end,
                holdout_end: a.holdout_end,
                out_dir: a.out,
            })?;
            if !quiet {
                summary::print_model(&mut out, &ev.fit, &ev.warnings)?;
                summary::print_evaluation(&mut out, &ev)?;
            }
            out.line(format!(
                "wrote {} and {}",
                out_dir.join("model.json").display(),
                out_dir.join("evaluation.csv").display()
            ))?;
        }
    }
    Ok(())
}

fn lang(l: LangArg) -> Lang {
    match l {
        LangArg::Zh => Lang::Zh,
        LangArg::En => Lang::En,
    }
}

/// The config file (or defaults) with the command-line overrides applied.
fn load_config(a: &InputArgs) -> Result<Config> {
    let mut c = match &a.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let mut map = BTreeMap::new();
    for m in &a.map {
        let (role, column) = m.split_once('=').ok_or_else(|| anyhow!("--map expects ROLE=COLUMN, got `{m}`"))?;
        map.insert(role.trim().to_string(), column.trim().to_string());
    }
    c.input.map.extend(map);
    if let Some(e) = a.encoding {
        c.input.encoding = Some(match e {
            EncodingArg::Utf8 => Encoding::Utf8,
            EncodingArg::Gbk => Encoding::Gbk,
        });
    }
    if let Some(d) = &a.delimiter {
        c.input.delimiter = Some(match d.as_str() {
            "tab" | "\\t" => '\t',
            s if s.chars().count() == 1 => s.chars().next().unwrap_or(','),
            other => bail!("--delimiter must be one of , ; tab |, got `{other}`"),
        });
    }
    if let Some(f) = &a.date_format {
        c.input.date_format = Some(f.clone());
    }
    if let Some(d) = &a.decimal {
        c.input.decimal = Some(d.clone());
    }
    if let Some(d) = a.as_of {
        c.run.as_of = Some(d);
    }
    if let Some(r) = a.returns {
        c.input.returns = match r {
            ReturnsArg::Net => Returns::Net,
            ReturnsArg::Exclude => Returns::Exclude,
        };
    }
    if let Some(z) = a.zero_amount {
        c.input.zero_amount = match z {
            ZeroArg::Keep => ZeroAmount::Keep,
            ZeroArg::Reject => ZeroAmount::Reject,
        };
    }
    c.input.dedupe |= a.dedupe;
    if let Some(t) = a.threads {
        c.run.threads = t;
    }
    c.run.fsync |= a.fsync;
    c.check().context("invalid settings")?;
    Ok(c)
}

#[cfg(test)]
mod tests {

    /// A cause already in the message is not repeated; one that is not (a context's) is added.
    #[test]
    fn error_text_says_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let data = custseg_engine::DataError::io("read", "/tmp/x.csv")(io);
        assert_eq!(data.to_string(), "cannot read /tmp/x.csv: no such file");
        let err = anyhow::Error::from(data);
        assert_eq!(super::error_text(&err), "cannot read /tmp/x.csv: no such file");
        let err = err.context("invalid settings");
        assert_eq!(super::error_text(&err), "invalid settings: cannot read /tmp/x.csv: no such file");
    }

    /// The option number is mimalloc 3's: a different major version could renumber its options.
    #[test]
    #[allow(unsafe_code)]
    fn purge_delay_is_the_option_it_names_and_batch_commands_keep_freed_memory() {
        // SAFETY: reads the allocator's version and one integer option
        let (version, delay) =
            unsafe { (libmimalloc_sys::mi_version(), libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY)) };
        // `MI_MALLOC_VERSION`: major, two digits of minor, two of patch (3.3.2 is 30302)
        assert!((30_000..40_000).contains(&version), "mimalloc {version}");
        // nothing in the test binary has set it (unless the environment does): mimalloc 3's
        // default, 1000 ms in its options.c (the header's comment still says 10)
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(delay, 1000);
            super::keep_freed_memory();
            // SAFETY: as above
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) }, -1);
        }
    }
}
