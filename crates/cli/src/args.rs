//! Command-line arguments. The help text comes from these doc comments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use custseg_engine::AsOf;

/// custseg: classify every customer in a transaction log (客户分类管理).
///
/// Reads a transaction export (CSV, Parquet or JSON lines; UTF-8 or GBK), accounts for every
/// row, computes per-customer features and classifies each customer by RFM segment, the Chinese
/// RFM 8-class scheme, ABC tier, value tier, lifecycle stage, predicted CLV and k-means cluster.
#[derive(Debug, Parser)]
#[command(name = "custseg", version, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Print less: no progress display and no summary tables.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify every customer of a transaction log and write the results to a directory.
    Run(RunArgs),
    /// Classify every customer of a transaction log by a saved model (a run's classifier.json),
    /// refitting nothing; writes the same files as `run`.
    Score(ScoreArgs),
    /// Run the whole job on the built-in CDNOW sample (2,357 customers, 6,919 transactions).
    Demo(DemoArgs),
    /// Write a commented default configuration file.
    Init(InitArgs),
    /// Write a seeded synthetic transaction log (for tests and benchmarks).
    Generate(GenerateArgs),
    /// Show how custseg reads a file: columns, encoding, dates, row counts, rejects.
    Inspect(InspectArgs),
    /// Predictive customer lifetime value: fit, score and evaluate BG/NBD, MBG/NBD or Pareto/NBD
    /// with Gamma-Gamma spend (time unit: weeks).
    #[command(subcommand)]
    Clv(ClvCommand),
    /// Cluster customers with k-means (k-prototypes with categorical attributes), choosing k
    /// automatically, and profile the clusters; or assign customers to a saved model.
    Cluster(ClusterArgs),
    /// Association rules (关联分析) between the items bought together, per class of a scheme, and
    /// each customer's next products with a reason; `custseg basket evaluate` tests them against
    /// baselines on each customer's last purchase day.
    Basket(BasketArgs),
    /// Print the effective strategy playbook (built-in entries merged with the config's).
    Playbook(PlaybookArgs),
    /// Rebuild the HTML report of a run from its output directory (e.g. in another language).
    Report(ReportArgs),
    /// List the runs recorded in the store.
    History(HistoryArgs),
    /// Show a recorded run's label counts, or one customer's record across all runs.
    Show(ShowArgs),
    /// Migration between two recorded runs: transition matrices, net flows, upgrades and
    /// downgrades, alerts; writes migration.csv and alerts.csv.
    Diff(DiffArgs),
    /// Classify the same log as of a series of dates (each with only the transactions up to
    /// it), record every run, and write label counts over time and the migrations between dates.
    Track(TrackArgs),
    /// Serve the team's classification over HTTP: a JSON API under /api/v1 and a dashboard,
    /// with accounts and roles (`custseg user add` makes the first).
    Serve(ServeArgs),
    /// Accounts of `custseg serve`: add (prints a new token once), list, revoke.
    #[command(subcommand)]
    User(UserCommand),
}

/// `custseg serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Plain HTTP: keep it on loopback and put a TLS reverse proxy in
    /// front for other machines (README, "Serving a team").
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Where uploads and run outputs are kept.
    #[arg(long, value_name = "DIR", default_value = "custseg-data")]
    pub data: PathBuf,
    /// The largest upload accepted, in bytes (suffixes K, M, G: 500M).
    #[arg(long, value_name = "BYTES", default_value = "1G", value_parser = parse_bytes)]
    pub max_upload: u64,
    /// Worker threads of a run (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// `1048576`, `512K`, `500M`, `2G` -> bytes.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((k, _)) => t.split_at(k),
        None => (t, ""),
    };
    let n: u64 = digits.parse().map_err(|_| format!("a size is a number of bytes with K, M or G, got `{text}`"))?;
    let scale: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return Err(format!("a size is a number of bytes with K, M or G, got `{text}`")),
    };
    n.checked_mul(scale).filter(|&b| b > 0).ok_or_else(|| format!("the size `{text}` is out of range"))
}

/// `custseg user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account and print its API token, once (the store keeps only its hash).
    Add(UserAddArgs),
    /// List the accounts (never their tokens).
    List(StoreArgs),
    /// Revoke an account's token and end its dashboard sessions.
    Revoke(UserRevokeArgs),
}

/// `custseg user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Login name (letters, digits, . _ - @).
    pub name: String,
    /// What the account may do: viewer (read), analyst (also upload, run, export), admin (also
    /// accounts, audit log, delete).
    #[arg(long, value_enum)]
    pub role: RoleArg,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `custseg user revoke`.
#[derive(Debug, Args)]
pub struct UserRevokeArgs {
    /// Login name.
    pub name: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// A role.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Sales: reads segments, customers (personal data masked) and the playbook.
    Viewer,
    /// Marketing and data: also uploads data, starts runs, exports.
    Analyst,
    /// Also manages accounts, reads the audit log, deletes runs.
    Admin,
}

/// Where the run history lives.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The run history database (SQLite).
    #[arg(long, value_name = "FILE", default_value = "custseg.db")]
    pub store: PathBuf,
}

/// `custseg history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Language of the table (default: from LANG).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
}

/// `custseg show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Run id (see `custseg history`); ignored with --customer.
    #[arg(value_name = "RUN")]
    pub run: Option<i64>,
    /// One customer's record in every run (their classification history).
    #[arg(long, value_name = "ID")]
    pub customer: Option<String>,
    /// Language of the label names (default: from LANG).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `custseg diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run.
    #[arg(value_name = "RUN_A")]
    pub a: i64,
    /// The later run.
    #[arg(value_name = "RUN_B")]
    pub b: i64,
    /// Only this scheme (e.g. rfm_segment, rfm_cn8, abc, lifecycle); its full transition matrix
    /// is printed.
    #[arg(long)]
    pub scheme: Option<String>,
    /// Directory for migration.csv and alerts.csv.
    #[arg(long, short, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Language of the actions in alerts.csv (default: from LANG).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `custseg track`.
#[derive(Debug, Args)]
pub struct TrackArgs {
    /// Transaction file or directory.
    #[arg(long, short, value_name = "PATH")]
    pub transactions: PathBuf,
    /// Customer master file.
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// First as-of date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub from: AsOf,
    /// Last as-of date (inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: AsOf,
    /// Step between dates: 1month, 2weeks, 7days ...
    #[arg(long, default_value = "1month")]
    pub every: String,
    /// Output directory (track.csv, track_migration.csv, track_stability.csv, runs/DATE/).
    #[arg(long, short, value_name = "DIR", default_value = "custseg-track")]
    pub out: PathBuf,
    /// Skip the CLV model in every run.
    #[arg(long)]
    pub no_clv: bool,
    /// Skip the clustering in every run.
    #[arg(long)]
    pub no_cluster: bool,
    /// Fit the classification at the first date only and apply its model (classifier.json) at
    /// every later date, so that migrations show customers moving, not thresholds.
    #[arg(long, conflicts_with = "model")]
    pub freeze: bool,
    /// Apply this saved model (the classifier.json of an earlier run) at every date.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `custseg report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run's output directory (the --out of `custseg run` or `custseg demo`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Language of the report (default: the run's).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Where to write the report (default: DIR/report.html).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `custseg playbook`.
#[derive(Debug, Args)]
pub struct PlaybookArgs {
    /// Configuration file whose [[playbook]] entries change the built-in ones.
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Language (default: from LANG).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Only this scheme.
    #[arg(long)]
    pub scheme: Option<String>,
}

/// `custseg cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Transaction file or directory.
    #[arg(long, short, value_name = "PATH")]
    pub transactions: PathBuf,
    /// Customer master file: its attributes can be features or categorical attributes.
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// A fixed number of clusters (default: chosen over --k-range by silhouette).
    #[arg(long, conflicts_with = "k_range")]
    pub k: Option<usize>,
    /// Range of k to search, e.g. `2..10` (inclusive).
    #[arg(long, value_name = "MIN..MAX")]
    pub k_range: Option<String>,
    /// Numeric features, comma-separated (default: recency_days,frequency,monetary).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub features: Option<Vec<String>>,
    /// Categorical attributes, comma-separated (switches to k-prototypes).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub categorical: Option<Vec<String>>,
    /// Assign customers to the clusters of this cluster_model.json instead of fitting.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["k", "k_range", "features", "categorical"])]
    pub model: Option<PathBuf>,
    /// Seed of every random choice.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Language of the cluster names (default: from LANG).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Output directory.
    #[arg(long, short, value_name = "DIR", default_value = "custseg-clusters")]
    pub out: PathBuf,
    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `custseg basket [evaluate]`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BasketArgs {
    /// `evaluate`: hold out each customer's last purchase day and compare the recommendations
    /// with global popularity and repeat purchases (HitRate, Precision, Recall, NDCG at 5 and
    /// 10, bootstrap 95% intervals); writes basket_evaluation.csv.
    #[command(subcommand)]
    pub command: Option<BasketCommand>,
    #[command(flatten)]
    pub job: Box<BasketJobArgs>,
}

/// `custseg basket` subcommands.
#[derive(Debug, Subcommand)]
pub enum BasketCommand {
    /// Evaluate the recommendations against global popularity and repeat purchases.
    Evaluate(Box<BasketJobArgs>),
}

/// What `custseg basket` and `custseg basket evaluate` take.
#[derive(Debug, Args)]
pub struct BasketJobArgs {
    /// Transaction log (file or directory), or a basket-per-line file (each line a basket, items
    /// separated by commas, no header).
    // an Option that clap requires: `basket evaluate` leaves the parent's unset
    #[arg(long, short, value_name = "PATH", required = true)]
    pub transactions: Option<PathBuf>,
    /// Customer master file (for rule schemes in --by).
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// How to read the input (default: a basket-per-line file when it looks like one).
    #[arg(long, value_enum, default_value = "auto")]
    pub input_format: InputFormatArg,
    /// Items: the product, or the category (default: the product when the log has one).
    #[arg(long, value_enum)]
    pub item: Option<ItemArg>,
    /// Least share of baskets an itemset is in (default 0.01).
    #[arg(long, value_name = "SHARE")]
    pub min_support: Option<f64>,
    /// Least confidence of a rule (default 0.2).
    #[arg(long)]
    pub min_confidence: Option<f64>,
    /// Least lift of a rule (default 1).
    #[arg(long)]
    pub min_lift: Option<f64>,
    /// Most items in an itemset (default 4).
    #[arg(long)]
    pub max_len: Option<usize>,
    /// Most items in a rule's consequent (default 1).
    #[arg(long)]
    pub max_consequent: Option<usize>,
    /// The scheme whose classes get rules and top items of their own (rfm_segment, importance,
    /// cluster, ...); `none` for none (default: the config's, rfm_segment).
    #[arg(long, value_name = "SCHEME")]
    pub by: Option<String>,
    /// Recommendations per customer (default 5).
    #[arg(long)]
    pub top: Option<usize>,
    /// Recommend items the customer already bought.
    #[arg(long)]
    pub include_repeats: bool,
    /// Language of class names and reasons (default: from LANG).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Output directory.
    #[arg(long, short, value_name = "DIR", default_value = "custseg-basket")]
    pub out: PathBuf,
    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `--input-format` of `custseg basket`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InputFormatArg {
    /// Decide from the file.
    Auto,
    /// A transaction log.
    Log,
    /// A basket-per-line file.
    Baskets,
}

/// `--item` of `custseg basket`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ItemArg {
    /// The product (SKU).
    Product,
    /// The category.
    Category,
}

/// `custseg clv ...`.
#[derive(Debug, Subcommand)]
pub enum ClvCommand {
    /// Fit a purchase model and the Gamma-Gamma spend model; write model.json.
    Fit(ClvFitArgs),
    /// Score customers with a saved model; write predictions.csv.
    Predict(ClvPredictArgs),
    /// Fit on a calibration period and compare predictions with a holdout period, against a
    /// naive baseline; write model.json and evaluation.csv.
    Evaluate(ClvEvaluateArgs),
}

/// `--model` of the CLV commands.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModelArg {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    Bgnbd,
    /// MBG/NBD (Batislam et al. 2007).
    Mbgnbd,
    /// Pareto/NBD (Schmittlein et al. 1987).
    Pnbd,
}

/// `custseg clv fit`.
#[derive(Debug, Args)]
pub struct ClvFitArgs {
    /// Transaction file or directory.
    #[arg(long, short, value_name = "PATH")]
    pub transactions: PathBuf,
    /// Purchase model (default: the config's, bgnbd).
    #[arg(long, value_enum)]
    pub model: Option<ModelArg>,
    /// Fit on transactions up to this date (YYYY-MM-DD), which is also the as-of date.
    #[arg(long, value_name = "DATE")]
    pub calibration_end: Option<AsOf>,
    /// L2 penalty on the parameters (default 0).
    #[arg(long)]
    pub penalty: Option<f64>,
    /// Output directory for model.json.
    #[arg(long, short, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `custseg clv predict`.
#[derive(Debug, Args)]
pub struct ClvPredictArgs {
    /// A model.json written by `custseg clv fit` or `custseg run`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Transactions of the customers to score (features as of --as-of).
    #[arg(long, short, value_name = "PATH")]
    pub transactions: PathBuf,
    /// Horizon in steps (months of 30.4375 days unless the config says otherwise).
    #[arg(long, value_name = "STEPS")]
    pub horizon: Option<u32>,
    /// Discount rate per step, e.g. 0.01 a month.
    #[arg(long)]
    pub discount: Option<f64>,
    /// Output directory for predictions.csv.
    #[arg(long, short, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `custseg clv evaluate`.
#[derive(Debug, Args)]
pub struct ClvEvaluateArgs {
    /// Transactions covering the calibration and the holdout period.
    #[arg(long, short, value_name = "PATH")]
    pub transactions: PathBuf,
    /// Purchase model (default: the config's, bgnbd).
    #[arg(long, value_enum)]
    pub model: Option<ModelArg>,
    /// Last day of the calibration period (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub calibration_end: AsOf,
    /// Last day of the holdout period (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub holdout_end: AsOf,
    /// Output directory for model.json and evaluation.csv.
    #[arg(long, short, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// How to read the input; each flag overrides the config file.
#[derive(Debug, Args, Default)]
pub struct InputArgs {
    /// Configuration file (see `custseg init`).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Map a role to a column, e.g. `--map customer=客户编号` (repeatable). Roles: customer,
    /// date, amount, quantity, unit_price, order_id, product, category, channel.
    #[arg(long, value_name = "ROLE=COLUMN")]
    pub map: Vec<String>,
    /// Text encoding of CSV input (detected by default).
    #[arg(long, value_enum)]
    pub encoding: Option<EncodingArg>,
    /// CSV delimiter: `,` `;` `tab` or `|` (sniffed by default).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Date layout: iso, yyyymmdd, ymd, chinese, dmy, mdy, or a chrono pattern like %d.%m.%Y.
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
    /// Decimal mark of amounts, quantities and prices: `.` (1,234.50) or `,` (1.234,50);
    /// decided per column from the values by default.
    #[arg(long, value_name = "MARK")]
    pub decimal: Option<String>,
    /// As-of date YYYY-MM-DD (default: the day after the last transaction). Later rows are
    /// rejected.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<AsOf>,
    /// Returns and cancellations: net them into monetary (default) or exclude them.
    #[arg(long, value_enum)]
    pub returns: Option<ReturnsArg>,
    /// Zero-amount rows: keep (default) or reject.
    #[arg(long, value_enum)]
    pub zero_amount: Option<ZeroArg>,
    /// Drop exact duplicate rows even when the data has no order id.
    #[arg(long)]
    pub dedupe: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Flush each output file to disk before it takes its final name.
    #[arg(long)]
    pub fsync: bool,
}

/// What `run` and `score` share: the inputs and the run's options.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// Transaction file, or a directory of CSV / Parquet / JSON-lines files.
    #[arg(long, short, value_name = "PATH")]
    pub transactions: PathBuf,
    /// Customer master file (id plus any attributes); customers without transactions become
    /// prospects.
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// Fail (exit code 1) if any row is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Language of the summary and segment names (default: from LANG).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Do not write report.html.
    #[arg(long)]
    pub no_report: bool,
    /// The run history database the run is recorded in (and compared with the previous run of
    /// the same configuration: migration.csv, alerts.csv).
    #[arg(long, value_name = "FILE", default_value = "custseg.db")]
    pub store: PathBuf,
    /// Do not record the run in the store.
    #[arg(long)]
    pub no_store: bool,
    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `custseg run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub job: JobArgs,
    /// Output directory.
    #[arg(long, short, value_name = "DIR", default_value = "custseg-out")]
    pub out: PathBuf,
    /// Skip the CLV model (no p_alive, expected purchases, CLV columns or clv_tier). Not with
    /// --model, which decides.
    #[arg(long, conflicts_with = "model")]
    pub no_clv: bool,
    /// Skip the clustering (no cluster column or cluster files). Not with --model, which decides.
    #[arg(long, conflicts_with = "model")]
    pub no_cluster: bool,
    /// Classify with a saved model (the classifier.json of an earlier run) instead of fitting:
    /// its RFM cut points, centres and segment rules, ABC, value-tier and CLV-tier cuts,
    /// lifecycle thresholds, CLV and cluster models, matrix and value-class cut-offs, look-alike
    /// lifts, rule schemes and playbook, so that labels mean the same as in that run.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
}

/// `custseg score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The saved model: the classifier.json an earlier `custseg run` wrote.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    #[command(flatten)]
    pub job: JobArgs,
    /// Output directory.
    #[arg(long, short, value_name = "DIR", default_value = "custseg-score")]
    pub out: PathBuf,
}

impl From<ScoreArgs> for RunArgs {
    fn from(a: ScoreArgs) -> RunArgs {
        RunArgs { job: a.job, out: a.out, no_clv: false, no_cluster: false, model: Some(a.model) }
    }
}

/// `custseg demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output directory.
    #[arg(long, short, value_name = "DIR", default_value = "custseg-demo")]
    pub out: PathBuf,
    /// Language of the summary and segment names (default: from LANG).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Which data: `cdnow` (the real retail sample, no master data) or `b2b` (a generated B2B
    /// base of 5,000 customers with a master file: industry, size, region, budgets, prospects).
    #[arg(long, value_enum, default_value = "cdnow")]
    pub dataset: DatasetArg,
}

/// `--dataset` of `custseg demo`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DatasetArg {
    /// The CDNOW sample.
    Cdnow,
    /// A generated B2B base with a customer master file.
    B2b,
}

/// `custseg init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the file.
    #[arg(long, short, value_name = "FILE", default_value = "custseg.toml")]
    pub out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// `custseg generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of customers (about 10.7 rows each).
    #[arg(long, value_name = "N")]
    pub customers: u64,
    /// Random seed; the same seed gives the same file.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output file.
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    /// Output format (default: from the file extension, else csv).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Also write a matching customer master file (industry, employees, annual revenue, region,
    /// category budget, 10% prospects) as `<FILE stem>_customers.csv` beside the log.
    #[arg(long)]
    pub with_master: bool,
    /// Add a `discount` column (money off per line; each customer buys on discount with a
    /// propensity of their own), for the price-sensitivity class. The other columns are the
    /// same with or without it.
    #[arg(long)]
    pub with_discounts: bool,
}

/// `custseg inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// File or directory to inspect.
    pub path: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `--encoding`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EncodingArg {
    /// UTF-8 (with or without BOM).
    Utf8,
    /// GBK / GB18030.
    Gbk,
}

/// `--returns`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReturnsArg {
    /// Net into monetary value.
    Net,
    /// Reject.
    Exclude,
}

/// `--zero-amount`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ZeroArg {
    /// Keep as orders without spend.
    Keep,
    /// Reject.
    Reject,
}

/// `--lang`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// 中文.
    Zh,
    /// English.
    En,
}

/// `--format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// CSV.
    Csv,
    /// Parquet.
    Parquet,
}
