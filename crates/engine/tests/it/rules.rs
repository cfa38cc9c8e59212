//! Rule-based schemes end to end on the fixture: the built-in schemes with and without the
//! master file (hand-checked labels), a user scheme that reads attributes and an earlier
//! scheme, cross-tabulations that account for every customer, and rule errors.

use custseg_engine::rules::{RuleEntry, RuleScheme};
use custseg_engine::{Config, EngineError};

use crate::{by_id, num, read_csv, repo, run_on, try_run};

fn rule(label: &str, when: &str) -> RuleEntry {
    RuleEntry { label: label.into(), when: when.into(), name_en: None, name_zh: None }
}

#[test]
fn builtin_schemes_use_master_columns_when_present() {
    let root = repo().join("testdata/fixture");
    let mut config = Config::default();
    config.schemes.push(RuleScheme {
        id: "focus".into(),
        name_en: Some("Sales focus".into()),
        name_zh: None,
        requires: Vec::new(),
        // an earlier scheme's label and a text attribute; first match wins
        rules: vec![
            rule("retail_key", "importance = 'key' AND industry = 'retail'"),
            rule("any_key", "importance = 'key'"),
        ],
        alternatives: Vec::new(),
        fallback: Vec::new(),
        fallback_needs_master: false,
        order: Vec::new(),
        default: Some("other".into()),
        default_en: None,
        default_zh: None,
        purchasers_only: false,
    });
    let (dir, summary) = run_on(&root.join("transactions.csv"), Some(&root.join("customers.csv")), config);
    let c = by_id(read_csv(&dir.path().join("customers.csv")));
    // size from employees (numbers in the master file): A 120, B 15, D 900, M 40; no employees: small
    let size: Vec<&str> = ["A", "B", "D", "M", "N", "C"].iter().map(|id| c[*id]["size"].as_str()).collect();
    assert_eq!(size, ["medium", "small", "large", "small", "small", "small"]);
    // prospects are potential customers, and have no loyalty
    assert_eq!((c["M"]["importance"].as_str(), c["M"]["loyalty"].as_str()), ("potential", ""));
    assert_eq!(c["M"]["purchase_behaviour"], "potential");
    // the user scheme
    let focus: Vec<&str> = ["A", "B", "D", "C", "M"].iter().map(|id| c[*id]["focus"].as_str()).collect();
    assert_eq!(focus, ["retail_key", "retail_key", "any_key", "other", "other"]);
    // segments.csv names the labels
    let seg = read_csv(&dir.path().join("segments.csv"));
    let key = seg.iter().find(|r| r["scheme"] == "importance" && r["label"] == "key").unwrap_or_else(|| panic!("row"));
    assert_eq!(key["name"], "Key customer");
    assert_eq!(num(key, "customers"), 3.0);
    // loyalty in its natural order, though churned takes precedence over loyal
    let loyalty: Vec<&str> = seg.iter().filter(|r| r["scheme"] == "loyalty").map(|r| r["label"].as_str()).collect();
    assert_eq!(loyalty, ["loyal", "ordinary", "churned"]);
    // crosstab: each configured pair adds up to all 14 customers; age is missing, so age_band
    // is skipped and said so
    let ct = read_csv(&dir.path().join("crosstab.csv"));
    for (a, b) in [("rfm_segment", "importance"), ("rfm_segment", "industry"), ("cluster", "rfm_cn8")] {
        let n: f64 = ct
            .iter()
            .filter(|r| r["row_dimension"] == a && r["column_dimension"] == b)
            .map(|r| num(r, "customers"))
            .sum();
        assert_eq!(n, 14.0, "{a} x {b}");
    }
    let retail = ct
        .iter()
        .filter(|r| r["column_dimension"] == "industry" && r["column_label"] == "retail")
        .map(|r| num(r, "customers"))
        .sum::<f64>();
    assert_eq!(retail, 2.0);
    let skipped = &summary.record.skipped;
    let ids: Vec<&str> = skipped.schemes.iter().map(|s| s.scheme.as_str()).collect();
    assert_eq!(ids, ["price_sensitivity", "age_band"], "no discount column, no age");
    assert!(skipped.crosstabs.is_empty());
}

/// Size by annual revenue when the master file has no employees column (the scheme's
/// alternative), by spend without a master file (its fallback).
#[test]
fn size_by_annual_revenue_then_by_spend() {
    let root = repo().join("testdata/fixture");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let master = tmp.path().join("revenue.csv");
    std::fs::write(&master, "customer_id,annual_revenue\nA,60000000\nB,12000000\nD,9999999\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut config = Config::default();
    config.clv.enabled = false;
    let (dir, _) = run_on(&root.join("transactions.csv"), Some(&master), config.clone());
    let c = by_id(read_csv(&dir.path().join("customers.csv")));
    let size: Vec<&str> = ["A", "B", "D"].iter().map(|id| c[*id]["size"].as_str()).collect();
    assert_eq!(size, ["large", "medium", "small"]);
    // a master file without size columns: by spend, the value tiers (D 800 high; A, B 300 mid
    // per the golden fixture)
    let regions = tmp.path().join("regions.csv");
    std::fs::write(&regions, "customer_id,region\nA,north\nB,south\nD,north\n").unwrap_or_else(|e| panic!("{e}"));
    let (dir, _) = run_on(&root.join("transactions.csv"), Some(&regions), config.clone());
    let c = by_id(read_csv(&dir.path().join("customers.csv")));
    let by_spend: Vec<(&str, &str)> =
        ["A", "D"].iter().map(|id| (c[*id]["size"].as_str(), c[*id]["value_tier"].as_str())).collect();
    assert_eq!(by_spend, [("medium", "mid"), ("large", "high")]);
    // consumer data (no master file): no company size, rather than a copy of the value tier
    let (dir, s) = run_on(&root.join("transactions.csv"), None, config);
    let c = by_id(read_csv(&dir.path().join("customers.csv")));
    assert!(!c["A"].contains_key("size"), "{:?}", c["A"].keys());
    assert!(s.record.skipped.schemes.iter().any(|k| k.scheme == "size"), "{:?}", s.record.skipped.schemes);
}

#[test]
fn bad_rules_fail_with_the_scheme_and_the_columns() {
    let root = repo().join("testdata/fixture");
    let mut config = Config::default();
    // (loyalty: importance uses its fallback rules on the fixture, which has no CLV model)
    config.schemes[1].rules[0].when = "monetry > 100".into();
    let err =
        try_run(&root.join("transactions.csv"), None, config).err().unwrap_or_else(|| panic!("expected an error"));
    let msg = err.to_string();
    assert!(matches!(err, EngineError::Invalid(_)), "{msg}");
    assert!(msg.contains("schemes `loyalty`") && msg.contains("monetry") && msg.contains("available columns"), "{msg}");
    // syntax and statements fail when the config loads, before any data is read
    for (when, expect) in [
        ("monetary >", "rule `monetary >`"),
        ("1 = 1; DROP TABLE t", "not allowed"),
        ("frequency IN (SELECT 1)", "subquery"),
    ] {
        let mut c = Config::default();
        c.schemes[1].rules[0].when = when.into();
        let e = c.check().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("schemes `loyalty`") && e.contains(expect), "{when}: {e}");
    }
    let text = "[[schemes]]\nid = \"x\"\nrules = [{ label = \"a\", when = \"frequency > 1\", colour = \"red\" }]\n";
    let e = toml::from_str::<Config>(text).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("colour") && e.contains("line"), "{e}");
    let mut c = Config::default();
    c.schemes[0].id = "abc".into();
    assert!(c.check().is_err(), "a scheme may not take a built-in column's name");
    let mut c = Config::default();
    c.schemes[1].order.push("loyall".into());
    let e = c.check().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("schemes `loyalty`") && e.contains("order names `loyall`"), "{e}");
}

#[test]
fn matrix_cells_on_the_fixture_by_hand() {
    let root = repo().join("testdata/fixture");
    let mut config = Config::default();
    config.clv.enabled = false;
    // value = monetary (no CLV): median 62.5; loyalty = frequency: median 1.5
    let (dir, summary) = run_on(&root.join("transactions.csv"), Some(&root.join("customers.csv")), config.clone());
    let c = by_id(read_csv(&dir.path().join("customers.csv")));
    let cell = |id: &str| c[id]["matrix"].clone();
    for (ids, want) in [
        (["A", "B", "D"], "stars"),
        (["F", "G", "H"], "develop"),
        (["I", "J", "L"], "maintain"),
        (["C", "E", "K"], "low_priority"),
    ] {
        for id in ids {
            assert_eq!(cell(id), want, "{id}");
        }
    }
    assert_eq!(cell("M"), "", "prospects are not on the matrix");
    let m = read_csv(&dir.path().join("matrix.csv"));
    let revenue: Vec<f64> = m.iter().map(|r| num(r, "revenue")).collect();
    assert_eq!(revenue, vec![1400.0, 225.0, 135.0, 110.0]);
    assert!(m.iter().all(|r| num(r, "customers") == 3.0));
    assert_eq!(m[0]["name"], "Stars");
    let rec = summary.record.matrix.unwrap_or_else(|| panic!("matrix record"));
    assert_eq!(
        (rec.value.as_str(), rec.value_cuts.clone(), rec.loyalty_cuts.clone()),
        ("monetary", vec![62.5], vec![1.5])
    );
    // 3 x 3 with explicit cut-offs and a renamed cell
    config.matrix.bands = 3;
    config.matrix.value_cuts = Some(vec![45.0, 100.0]);
    config.matrix.loyalty_cuts = Some(vec![1.0, 2.0]);
    config.matrix.names.insert("value_high_loyalty_high".into(), "VIP".into());
    let (dir, _) = run_on(&root.join("transactions.csv"), None, config.clone());
    let c = by_id(read_csv(&dir.path().join("customers.csv")));
    // A: 300 > 100, 3 > 2; D: 800, 2 (not above 2); J: 45 (not above 45), 2; F: 75, 1
    let got: Vec<&str> = ["A", "D", "J", "F"].iter().map(|id| c[*id]["matrix"].as_str()).collect();
    assert_eq!(
        got,
        ["value_high_loyalty_high", "value_high_loyalty_mid", "value_low_loyalty_mid", "value_mid_loyalty_low"]
    );
    let m = read_csv(&dir.path().join("matrix.csv"));
    assert_eq!(m.len(), 9);
    assert_eq!(m[0]["name"], "VIP");
    config.matrix.value_cuts = Some(vec![100.0, 45.0]);
    assert!(config.check().is_err(), "cut-offs must ascend");
    config.matrix.value_cuts = None;
    config.matrix.names.insert("nope".into(), "x".into());
    assert!(config.check().err().map(|e| e.to_string()).unwrap_or_default().contains("`nope` is not a cell"));
}

#[test]
fn share_of_wallet_and_lookalikes_by_hand() {
    let root = repo().join("testdata/fixture");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // the fixture's master file plus budgets for A and D, and segment estimates for the rest
    let master = dir.path().join("customers.csv");
    std::fs::write(
        &master,
        "customer_id,industry,segment,category_budget\nA,retail,smb,1000\nB,retail,smb,\nD,manufacturing,enterprise,400\nM,software,smb,\nN,,enterprise,\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut config = Config::default();
    config.clv.enabled = false;
    config.wallet.estimate_by = Some("segment".into());
    config.wallet.estimates.insert("smb".into(), 500.0);
    config.lookalike.min_customers = 1;
    let (out, summary) = run_on(&root.join("transactions.csv"), Some(&master), config);
    let c = by_id(read_csv(&out.path().join("customers.csv")));
    // A: annual spend 300 of its own budget 1000; B: 300 of the smb estimate 500; D: annual
    // spend 797.8142 over 400 (share above 1, no potential); M: prospect, 0 of 500; C: no master row
    assert_eq!((num(&c["A"], "share_of_wallet"), num(&c["A"], "growth_potential")), (0.3, 700.0));
    assert_eq!((num(&c["B"], "wallet_budget"), num(&c["B"], "growth_potential")), (500.0, 200.0));
    assert_eq!((num(&c["D"], "share_of_wallet"), num(&c["D"], "growth_potential")), (1.994536, 0.0));
    assert_eq!((num(&c["M"], "share_of_wallet"), num(&c["M"], "growth_potential")), (0.0, 500.0));
    assert_eq!(c["C"]["share_of_wallet"], "");
    let w = &summary.record.wallet;
    assert!(w.available);
    // A and D by their own budget, B and M by the smb estimate; N (enterprise) has none
    assert_eq!(w.customers, 4);
    let top = read_csv(&out.path().join("wallet.csv"));
    assert_eq!(top[0]["customer_id"], "A");
    // value classes by monetary (800, 300, 300, 75, 75, 75, 50, 45, 40, 40, 40, 30): min-ranks
    // 0, 1, 1 are within the top 10% of 12 (rank / 12 < 0.1), ranks up to 5 within the next 40%
    let class: Vec<&str> =
        ["D", "A", "B", "F", "L", "C", "M"].iter().map(|id| c[*id]["value_class"].as_str()).collect();
    assert_eq!(class, ["better", "better", "better", "good", "poor", "poor", ""]);
    // lift among the better customers (A, B, D): industry known for A, B, D, M; manufacturing is
    // 1 of 3 better vs 1 of 4 all = 1.3333; segment: enterprise (D, N) 1/3 vs 2/5 = 0.8333
    let lift = read_csv(&out.path().join("lookalike.csv"));
    let get = |v: &str| num(lift.iter().find(|r| r["value"] == v).unwrap_or_else(|| panic!("{v}")), "lift");
    assert_eq!(
        (get("manufacturing"), get("retail"), get("software"), get("enterprise")),
        (1.3333, 1.3333, 0.0, 0.8333)
    );
    // D's score: the geometric mean of its values' lifts
    assert!((num(&c["D"], "lookalike_score") - (4.0f64 / 3.0 * 5.0 / 6.0).sqrt()).abs() < 1e-4);
    // without budgets the run says so
    let (_, s) = run_on(&root.join("transactions.csv"), None, Config::default());
    assert!(!s.record.wallet.available);
    assert!(s.record.wallet.source.text.contains("no budget data"));
}

#[test]
fn b2b_demo_shows_every_business_output() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (_, s) =
        custseg_engine::demo::run_b2b_demo(dir.path(), Config::default(), None).unwrap_or_else(|e| panic!("{e}"));
    let counts = &s.record.counts;
    assert_eq!((counts.purchasers, counts.prospects, counts.not_in_master), (5000, 500, 0));
    for f in ["wallet.csv", "lookalike.csv", "matrix.csv", "playbook.csv", "crosstab.csv"] {
        assert!(s.record.outputs.iter().any(|o| o == f), "{f}");
    }
    assert!(s.record.wallet.available);
    // the generator makes manufacturing and construction over-represented among the best
    let lift = read_csv(&dir.path().join("lookalike.csv"));
    let get = |v: &str| num(lift.iter().find(|r| r["value"] == v).unwrap_or_else(|| panic!("{v}")), "lift");
    assert!(get("manufacturing") > 1.2 && get("retail") < 0.9, "{} {}", get("manufacturing"), get("retail"));
    // size by employees has all three classes; prospects are sized too
    let c = read_csv(&dir.path().join("customers.csv"));
    for size in ["large", "medium", "small"] {
        assert!(c.iter().any(|r| r["size"] == size), "{size}");
    }
    // the generated discounts give every price-sensitivity class a good share of the buyers
    for class in ["price_sensitive", "deal_responsive", "full_price"] {
        let n = c.iter().filter(|r| r["price_sensitivity"] == class).count();
        assert!(n > 500, "{class}: {n}");
    }
    assert!(c.iter().filter(|r| r["lifecycle"] == "prospect").all(|r| r["price_sensitivity"].is_empty()));
    // prospects get a lookalike score, and the ones most like the best customers rank first
    assert!(c.iter().filter(|r| r["lifecycle"] == "prospect").all(|r| !r["lookalike_score"].is_empty()));
    assert!(s.record.skipped.crosstabs.is_empty());
}

/// The columns the rules are checked against before the data is read are the columns the run
/// writes (minus the rule schemes and the next action), name for name and type for type.
#[test]
fn preflight_columns_are_the_columns_a_run_writes() {
    use custseg_data::features::Present;
    use custseg_engine::preflight::{Shape, customer_columns};
    let root = repo().join("testdata/fixture");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let budgets = tmp.path().join("budgets.csv");
    std::fs::write(&budgets, "customer_id,monetary,category_budget\nA,x,1000\nD,y,400\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let fixture_master: Vec<(String, bool)> = [("industry", false), ("region", false), ("employees", true)]
        .iter()
        .map(|(a, n)| (a.to_string(), *n))
        .collect();
    let all = Present { order_id: true, category: true, channel: true, discount: false };
    let channels: Vec<String> = ["app", "online", "store"].iter().map(|s| s.to_string()).collect();
    let mut no_clv = Config::default();
    no_clv.clv.enabled = false;
    let mut nothing_optional = no_clv.clone();
    nothing_optional.cluster.enabled = false;
    nothing_optional.matrix.enabled = false;
    nothing_optional.lookalike.enabled = false;
    nothing_optional.run.next_action = false;
    let cases: Vec<(&str, std::path::PathBuf, Option<std::path::PathBuf>, Config, Shape)> = vec![
        (
            "fixture + master",
            root.join("transactions.csv"),
            Some(root.join("customers.csv")),
            no_clv.clone(),
            Shape { present: all, channels: channels.clone(), master: Some(fixture_master.clone()) },
        ),
        (
            "fixture + master, nothing optional",
            root.join("transactions.csv"),
            Some(root.join("customers.csv")),
            nothing_optional.clone(),
            Shape { present: all, channels: channels.clone(), master: Some(fixture_master.clone()) },
        ),
        (
            "fixture, nothing optional",
            root.join("transactions.csv"),
            None,
            nothing_optional.clone(),
            Shape { present: all, channels: channels.clone(), master: None },
        ),
        (
            "fixture + budgets (wallet, an attribute named like a feature)",
            root.join("transactions.csv"),
            Some(budgets),
            no_clv.clone(),
            Shape {
                present: all,
                channels: channels.clone(),
                master: Some(vec![("monetary".into(), false), ("category_budget".into(), true)]),
            },
        ),
        ("cdnow, every model (the demo)", std::path::PathBuf::new(), None, Config::default(), Shape::default()),
        (
            "discounts",
            discount_log(tmp.path()),
            None,
            nothing_optional.clone(),
            Shape { present: Present { order_id: true, discount: true, ..Present::default() }, ..Shape::default() },
        ),
    ];
    for (what, transactions, master, config, shape) in cases {
        let rule_ids: Vec<String> = config.schemes.iter().map(|s| s.id.clone()).collect();
        let predicted = customer_columns(&config, &shape);
        let dir = if transactions.as_os_str().is_empty() {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            custseg_engine::demo::run_demo(dir.path(), config, None).unwrap_or_else(|e| panic!("{e}"));
            dir
        } else {
            run_on(&transactions, master.as_deref(), config).0
        };
        let table = custseg_data::readback::read_parquet(&dir.path().join("customers.parquet"), &[])
            .unwrap_or_else(|e| panic!("{e}"));
        let written: Vec<(String, custseg_data::sink::Kind)> = table
            .names
            .iter()
            .zip(&table.columns)
            .filter(|(n, _)| !rule_ids.contains(n) && !n.starts_with("next_action"))
            .map(|(n, c)| (n.clone(), c.kind()))
            .collect();
        assert_eq!(predicted, written, "{what}");
    }
}

/// A rule naming a column the run will not have stops the run before the transactions are
/// read, naming the config file, the line, the rule and the columns; the fallback rules are
/// checked too, and numeric master attributes and channel shares are known.
#[test]
fn rules_are_type_checked_before_the_data_is_read() {
    let root = repo().join("testdata/fixture");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, scheme: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, scheme).unwrap_or_else(|e| panic!("{e}"));
        custseg_engine::Config::load(&p).unwrap_or_else(|e| panic!("{e}"))
    };
    let scheme = |rules: &str, fallback: &str| {
        format!(
            "[clv]\nenabled = false\n\n[[schemes]]\nid = \"focus\"\nrequires = [\"employees\"]\nrules = [\n  {{ label = \"big\", when = \"employees >= 100\" }},\n  {{ label = \"x\", when = \"{rules}\" }},\n]\nfallback = [{{ label = \"y\", when = \"{fallback}\" }}]\n"
        )
    };
    let run = |config: Config, master: bool| {
        let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let r = custseg_engine::run(custseg_engine::RunRequest {
            transactions: root.join("transactions.csv").into(),
            customers: master.then(|| root.join("customers.csv")).map(Into::into),
            config,
            out_dir: out.path().to_path_buf(),
            progress: None,
            store: None,
            report: None,
        });
        // rejects.csv is the first file written after the transactions are read
        (r.err().map(|e| e.to_string()), out.path().join("rejects.csv").exists())
    };
    // a typo on line 9: the file, the line, the rule and the columns, and nothing was read
    let (err, read) = run(write("typo.toml", &scheme("montary > 5", "frequency > 1")), true);
    let err = err.unwrap_or_else(|| panic!("expected an error"));
    assert!(err.contains("typo.toml") && err.contains("line 9:") && err.contains("schemes `focus`"), "{err}");
    assert!(err.contains("montary") && err.contains("available columns") && err.contains("employees"), "{err}");
    assert!(!read, "the transactions were read");
    // not a condition
    let (err, read) = run(write("sum.toml", &scheme("monetary + 1", "frequency > 1")), true);
    assert!(err.unwrap_or_default().contains("not true/false") && !read);
    // the fallback is checked although the master file has employees
    let (err, _) = run(write("fallback.toml", &scheme("frequency > 1", "frequncy > 1")), true);
    let err = err.unwrap_or_default();
    assert!(err.contains("line 11:") && err.contains("frequncy"), "{err}");
    // without the master file the fallback applies; channel shares and numbers from the master
    // file are columns like any other
    let ok = scheme("channel_share_online > 0.5 AND employees * 2 > 10", "channel_share_store >= 0.5");
    assert_eq!(run(write("ok.toml", &ok), true), (None, true));
    assert_eq!(run(write("ok.toml", &ok), false), (None, true));
    // a label of an earlier scheme is a column; a later scheme's is not
    let mut c = Config::default();
    c.schemes[0].rules[0].when = "loyalty = 'loyal'".into();
    let (err, read) = run(c, false);
    assert!(err.unwrap_or_default().contains("schemes `importance`") && !read);
}

/// A small log with a discount column: an amount, a zero, a `yes` flag, an empty value, a
/// promotion code, a `no`, a discounted return and a free order.
fn discount_log(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("discounts.csv");
    std::fs::write(
        &p,
        "customer_id,order_id,date,amount,discount\n\
         P,1,2024-01-01,100,10\nP,2,2024-02-01,100,0\nP,3,2024-03-01,50,yes\n\
         Q,4,2024-01-05,200,\nQ,5,2024-02-05,50,SPRING\n\
         R,6,2024-01-10,100,no\nR,C7,2024-01-20,-30,5\n\
         S,8,2024-03-01,0,1\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    p
}

/// Price sensitivity by hand: the discounted share of purchase spend (returns left out) and the
/// built-in scheme's cut-offs (0.5, 0.2); without a discount column the scheme is skipped.
#[test]
fn price_sensitivity_from_the_discount_column() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut config = Config::default();
    config.clv.enabled = false;
    config.cluster.enabled = false;
    let (dir, summary) = run_on(&discount_log(tmp.path()), None, config.clone());
    let c = by_id(read_csv(&dir.path().join("customers.csv")));
    // P: 10 and yes on 100 + 50 of 250; Q: SPRING on 50 of 250; R: the return does not count;
    // S: no purchase spend, so no share (and the default label)
    let got: Vec<(&str, &str)> = ["P", "Q", "R", "S"]
        .iter()
        .map(|id| (c[*id]["discounted_share"].as_str(), c[*id]["price_sensitivity"].as_str()))
        .collect();
    assert_eq!(
        got,
        [("0.6", "price_sensitive"), ("0.2", "deal_responsive"), ("0.0", "full_price"), ("", "full_price")]
    );
    assert!(summary.record.skipped.schemes.iter().all(|s| s.scheme != "price_sensitivity"));
    let plays = read_csv(&dir.path().join("playbook.csv"));
    assert!(plays.iter().any(|r| r["scheme"] == "price_sensitivity" && r["label"] == "price_sensitive"));
    // the fixture has no discount column
    let root = repo().join("testdata/fixture");
    let (_, summary) = run_on(&root.join("transactions.csv"), None, config);
    assert!(summary.record.skipped.schemes.iter().any(|s| s.scheme == "price_sensitivity"));
}

/// scripts/bench_job.toml, the job scripts/bench.sh times against DuckDB, turns off what later
/// issues added on top of issue 2's classifiers: its customers.csv has exactly the features,
/// RFM, ABC, value tier, lifecycle and master columns, each value as a run with everything
/// on (but CLV and clusters) has it, and none of the turned-off files is written.
#[test]
fn bench_job_config_runs_issue_2_classifiers_only() {
    let root = repo().join("testdata/fixture");
    let transactions = root.join("transactions.csv");
    let master = root.join("customers.csv");
    let job = Config::load(&repo().join("scripts/bench_job.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(!job.run.next_action && !job.lookalike.enabled && !job.matrix.enabled && job.schemes.is_empty());
    let mut all = Config::default();
    all.clv.enabled = false;
    all.cluster.enabled = false;
    let (job_dir, _) = run_on(&transactions, Some(&master), job);
    let (all_dir, _) = run_on(&transactions, Some(&master), all);
    let header = |dir: &std::path::Path| -> Vec<String> {
        let text = std::fs::read_to_string(dir.join("customers.csv")).unwrap_or_else(|e| panic!("{e}"));
        text.lines().next().unwrap_or("").split(',').map(str::to_string).collect()
    };
    let job_columns = header(job_dir.path());
    let all_columns = header(all_dir.path());
    let issue_2 = "customer_id,first_purchase,last_purchase,recency_days,frequency,monetary,aov,tenure_days,\
        returns_count,returns_amount,avg_interpurchase_days,annual_spend,n_categories,top_category,\
        top_category_share,channel_share_app,channel_share_online,channel_share_store,preferred_channel,x,t_x,T,\
        zbar,r_score,f_score,m_score,rfm_score,rfm_segment,rfm_cn8,abc,value_tier,lifecycle,industry,region,employees";
    assert_eq!(job_columns.join(","), issue_2);
    for dropped in ["matrix", "value_class", "lookalike_score", "importance", "next_action", "next_action_from"] {
        assert!(all_columns.iter().any(|c| c == dropped), "{dropped} in the default run");
    }
    let job_rows = by_id(read_csv(&job_dir.path().join("customers.csv")));
    let all_rows = by_id(read_csv(&all_dir.path().join("customers.csv")));
    assert_eq!(job_rows.len(), all_rows.len());
    for (id, row) in &job_rows {
        for c in &job_columns {
            assert_eq!(row[c], all_rows[id][c], "{id} {c}");
        }
    }
    for file in ["matrix.csv", "lookalike.csv", "report.html"] {
        assert!(!job_dir.path().join(file).exists(), "{file} written");
    }
    assert!(all_dir.path().join("lookalike.csv").exists());
    for file in ["customers.parquet", "segments.csv", "quality.json", "rejects.csv", "run.json", "playbook.csv"] {
        assert!(job_dir.path().join(file).exists(), "{file} missing");
    }
}
