//! Input variants (encodings, delimiters, formats, directories) and every error path: each bad
//! input is a clear error naming the file, never a panic.

use std::path::{Path, PathBuf};

use custseg_data::DataError;
use custseg_engine::{Config, EngineError};

use crate::{by_id, num, read_csv, repo, run_on, try_run};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{e}"));
    p
}

const SMALL: &str = "客户ID,订单日期,实付金额\n张三,2024-01-01,10.5\n李四,2024-01-02,20\n张三,2024-02-01,5\n";

#[test]
fn gbk_and_bom_and_semicolons_read_the_same() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (gbk, _, _) = encoding_rs::GBK.encode(SMALL);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(SMALL.as_bytes());
    let semi = SMALL.replace(',', ";");
    let plain = write(dir.path(), "plain.csv", SMALL.as_bytes());
    let reference = std::fs::read_to_string(run_on(&plain, None, Config::default()).0.path().join("customers.csv"))
        .unwrap_or_default();
    assert!(reference.contains("张三"));
    for (name, bytes) in [("gbk.csv", gbk.to_vec()), ("bom.csv", bom), ("semi.csv", semi.into_bytes())] {
        let p = write(dir.path(), name, &bytes);
        let (out, s) = run_on(&p, None, Config::default());
        assert_eq!(std::fs::read_to_string(out.path().join("customers.csv")).unwrap_or_default(), reference, "{name}");
        assert_eq!(s.quality.rows_kept, 3, "{name}");
        if name == "gbk.csv" {
            assert_eq!(s.quality.files[0].encoding, Some(custseg_data::source::Encoding::Gbk));
        }
        if name == "bom.csv" {
            assert!(s.quality.files[0].bom);
        }
    }
}

#[test]
fn parquet_json_and_directories_give_the_same_features() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv = dir.path().join("log.csv");
    let pq = dir.path().join("log.parquet");
    let params = custseg_engine::SynthParams { n_customers: 300, seed: 7, ..Default::default() };
    custseg_engine::write_synth(&params, &csv, custseg_engine::SynthFormat::Csv, custseg_engine::Sink::default())
        .unwrap_or_else(|e| panic!("{e}"));
    custseg_engine::write_synth(&params, &pq, custseg_engine::SynthFormat::Parquet, custseg_engine::Sink::default())
        .unwrap_or_else(|e| panic!("{e}"));
    // JSON lines from the CSV
    let rows = read_csv(&csv);
    let json: String = rows
        .iter()
        .map(|r| {
            format!(
                "{{\"customer_id\":\"{}\",\"order_id\":\"{}\",\"order_date\":\"{}\",\"amount\":{},\"quantity\":{},\"category\":\"{}\",\"channel\":\"{}\"}}\n",
                r["customer_id"], r["order_id"], r["order_date"], r["amount"], r["quantity"], r["category"], r["channel"]
            )
        })
        .collect();
    let jl = write(dir.path(), "log.jsonl", json.as_bytes());
    // the CSV split in two files in a directory
    let split = dir.path().join("split");
    std::fs::create_dir_all(&split).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(&csv).unwrap_or_default();
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("").to_string();
    let body: Vec<&str> = lines.collect();
    let (a, b) = body.split_at(body.len() / 2);
    write(&split, "a.csv", format!("{header}\n{}\n", a.join("\n")).as_bytes());
    write(&split, "b.csv", format!("{header}\n{}\n", b.join("\n")).as_bytes());
    let reference = std::fs::read_to_string(run_on(&csv, None, Config::default()).0.path().join("customers.csv"))
        .unwrap_or_default();
    for p in [pq, jl, split] {
        let (out, s) = run_on(&p, None, Config::default());
        assert_eq!(s.quality.rows_read as usize, body.len(), "{}", p.display());
        assert_eq!(
            std::fs::read_to_string(out.path().join("customers.csv")).unwrap_or_default(),
            reference,
            "{}",
            p.display()
        );
    }
}

#[test]
fn rejects_in_a_directory_name_their_own_file_and_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), "1.csv", b"customer_id,date,amount\na,2024-01-01,1\nb,2024-01-02,x\n");
    write(dir.path(), "2.csv", b"customer_id,date,amount\n,2024-01-01,1\nc,2024-01-03,2\n");
    let (out, s) = run_on(dir.path(), None, Config::default());
    assert_eq!((s.quality.rows_read, s.quality.rows_kept), (4, 2));
    let rejects = read_csv(&out.path().join("rejects.csv"));
    let got: Vec<(String, String, String)> = rejects
        .iter()
        .map(|r| {
            (
                Path::new(&r["file"]).file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default(),
                r["line"].clone(),
                r["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("1.csv".into(), "3".into(), "unparseable_amount".into()),
            ("2.csv".into(), "2".into(), "missing_customer_id".into())
        ]
    );
}

#[test]
fn as_of_returns_and_quantity_times_price() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = write(
        dir.path(),
        "uci.csv",
        b"InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n536365,A,6,12/1/2010 8:26,2.55,17850\nC536379,D,-1,12/13/2010 9:41,27.50,17850\n536366,B,2,12/14/2010 10:00,1.85,13047\n536367,B,2,12/20/2010 10:00,1.00,13047\n",
    );
    let mut config = Config::default();
    config.run.as_of = Some("2010-12-15".parse().expect("date"));
    let (out, s) = run_on(&p, None, config);
    assert_eq!(s.quality.rows_after_as_of, 1);
    assert!(!s.quality.rejected_by_reason.contains_key("date_after_as_of"));
    assert_eq!(s.quality.returns_rows, 1);
    let c = by_id(read_csv(&out.path().join("customers.csv")));
    assert!((num(&c["17850"], "monetary") - (15.3 - 27.5)).abs() < 1e-9);
    assert_eq!(num(&c["17850"], "frequency"), 1.0);
    assert_eq!(num(&c["17850"], "returns_amount"), 27.5);
    assert_eq!(num(&c["13047"], "recency_days"), 1.0);
    let mut config = Config::default();
    config.input.returns = custseg_data::clean::Returns::Exclude;
    config.input.zero_amount = custseg_data::clean::ZeroAmount::Reject;
    let (_, s) = run_on(&repo().join("testdata/fixture/transactions.csv"), None, config);
    assert_eq!(s.quality.rejected_by_reason["zero_amount"], 1);
    assert_eq!(s.quality.rejected_by_reason["return_excluded"], 1);
}

#[test]
fn hard_errors_name_the_file_and_exit_codes_differ() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = try_run(&dir.path().join("nope.csv"), None, Config::default());
    assert!(matches!(missing, Err(EngineError::Data(DataError::Io { .. }))));
    let empty = write(dir.path(), "empty.csv", b"");
    assert!(matches!(try_run(&empty, None, Config::default()), Err(EngineError::Data(DataError::NoDataRows { .. }))));
    let header_only = write(dir.path(), "header.csv", b"customer_id,date,amount\n");
    assert!(matches!(
        try_run(&header_only, None, Config::default()),
        Err(EngineError::Data(DataError::NoDataRows { .. }))
    ));
    let no_amount = write(dir.path(), "noamount.csv", b"customer_id,date,colour\na,2024-01-01,red\n");
    let err = try_run(&no_amount, None, Config::default()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        err.contains("no column for amount") && err.contains("customer_id, date, colour") && err.contains("--map"),
        "{err}"
    );
    let ambiguous = write(dir.path(), "amb.csv", b"customer_id,date,amount\na,03/04/2024,1\nb,05/06/2024,2\n");
    let err = try_run(&ambiguous, None, Config::default()).err();
    assert!(matches!(err, Some(EngineError::Data(DataError::DateFormat { .. }))), "{err:?}");
    let mut dmy = Config::default();
    dmy.input.date_format = Some("dmy".into());
    assert!(try_run(&ambiguous, None, dmy).is_ok());
    let mut strict = Config::default();
    strict.run.strict = true;
    let err = try_run(&repo().join("testdata/fixture/transactions.csv"), None, strict).err();
    assert!(matches!(err, Some(EngineError::Strict { rejected: 4, read: 25, .. })));
    assert_eq!(err.map(|e| e.exit_code()), Some(1));
    let all_bad = write(dir.path(), "bad.csv", b"customer_id,date,amount\na,2024-01-01,x\n");
    assert_eq!(try_run(&all_bad, None, Config::default()).err().map(|e| e.exit_code()), Some(1));
    // a file whose only row has more fields than the header keeps nothing
    let too_many = write(dir.path(), "wide.csv", b"customer_id,date,amount\na,2024-01-01,1,extra\n");
    let err = try_run(&too_many, None, Config::default()).err();
    assert!(matches!(err, Some(EngineError::NothingKept { rejected: 1, read: 1, .. })), "{err:?}");
}

#[test]
fn a_typo_year_never_decides_the_as_of_date() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // at any size: 2,000 rows, and a 306-row sheet (where a percentile rule saw nothing)
    for (rows, customers) in [(2000, 300), (305, 8)] {
        let mut text = String::from("customer_id,date,amount\n");
        for i in 0..rows {
            text.push_str(&format!("c{},2024-0{}-1{},10\n", i % customers, 1 + i % 9, i % 10));
        }
        text.push_str("typo,2091-03-02,10\n");
        let p = write(dir.path(), "typo.csv", text.as_bytes());
        let (out, s) = run_on(&p, None, Config::default());
        assert_eq!(s.record.as_of.to_string(), "2024-09-20", "{rows} rows");
        assert_eq!(s.quality.far_future_rows, 1);
        assert_eq!(s.quality.rejected_by_reason["outlier_date"], 1);
        assert_eq!(s.quality.far_future_examples[0].line, rows + 2);
        assert_eq!(s.quality.far_future_examples[0].value, "2091-03-02");
        assert!(s.quality.balanced());
        let rejects = std::fs::read_to_string(out.path().join("rejects.csv")).unwrap_or_default();
        let line = format!("{},outlier_date,date,2091-03-02", rows + 2);
        assert!(rejects.contains(&line), "{rejects}");
        assert!(s.quality.warnings.iter().any(|w| w.text.contains("--as-of")), "{:?}", s.quality.warnings);
    }
    // an explicit as-of keeps the user's choice: the row is kept and reported
    let mut text = String::from("customer_id,date,amount\n");
    for i in 0..2000 {
        text.push_str(&format!("c{},2024-0{}-1{},10\n", i % 300, 1 + i % 9, i % 10));
    }
    text.push_str("typo,2031-01-05,10\n");
    let p = write(dir.path(), "typo.csv", text.as_bytes());
    let mut config = Config::default();
    config.run.as_of = Some("2032-01-01".parse().expect("date"));
    let (_, s) = run_on(&p, None, config);
    assert_eq!(s.quality.far_future_rows, 1);
    assert_eq!(s.quality.rejected_by_reason["outlier_date"], 0);
    assert_eq!(s.quality.far_future_examples[0].line, 2002);
    assert_eq!(s.quality.far_future_examples[0].value, "2031-01-05");
    assert_eq!(s.record.as_of.to_string(), "2032-01-01");
}

/// Every command reads its input through the one input stage: the same checks in the same order
/// (nothing kept before strict), the same rejects.csv.
#[test]
fn every_command_checks_its_input_alike() {
    use custseg_engine::commands::{cluster, clv};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let all_bad = write(dir.path(), "bad.csv", b"customer_id,date,amount\na,2024-01-01,x\nb,2024-01-02,y\n");
    let some_bad = repo().join("testdata/fixture/transactions.csv");
    let mut strict = Config::default();
    strict.run.strict = true;
    for (log, config) in [(&all_bad, Config::default()), (&all_bad, strict.clone()), (&some_bad, strict)] {
        let out = dir.path().join("out");
        let _ = std::fs::remove_dir_all(&out);
        let ran = try_run(log, None, config.clone()).err();
        let clustered = cluster::cluster_command(cluster::ClusterRequest {
            transactions: log.clone().into(),
            customers: None,
            config: config.clone(),
            model: None,
            out_dir: out.clone(),
        })
        .err();
        let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap_or_default();
        let fitted = clv::fit_command(clv::FitRequest {
            transactions: log.clone().into(),
            config,
            calibration_end: None,
            out_dir: dir.path().join("fit"),
        })
        .err();
        let kind = |e: &Option<EngineError>| match e {
            Some(EngineError::NothingKept { rejected, read, .. }) => format!("nothing kept {rejected}/{read}"),
            Some(EngineError::Strict { rejected, read, .. }) => format!("strict {rejected}/{read}"),
            other => format!("{other:?}"),
        };
        let expected = if log == &all_bad { "nothing kept 2/2" } else { "strict 4/25" };
        assert_eq!([kind(&ran), kind(&clustered), kind(&fitted)], [expected; 3].map(String::from));
        assert!(rejects.lines().count() > 1, "cluster wrote no rejects.csv");
    }
}
