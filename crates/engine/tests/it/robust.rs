//! Inputs shaped like real exports that once gave a confident wrong number or a crash: each must
//! now read right, or stop with a clear error naming the file and value.

use std::path::{Path, PathBuf};

use custseg_data::DataError;
use custseg_engine::{Config, EngineError};

use crate::{by_id, num, read_csv, run_on, try_run};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{e}"));
    p
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn decimal_commas_are_read_as_the_column_writes_them() {
    let dir = tempdir();
    // a European `;` export: `1.234,50` was read as 1.2345 and `12,00` rejected
    let text = "kunde;datum;betrag\na;2024-01-02;1.234,50\na;2024-01-05;12,00\nb;2024-01-03;3,5\nb;2024-01-04;7\n";
    let p = write(dir.path(), "eu.csv", text.as_bytes());
    let mut config = Config::default();
    config.input.map = [("customer", "kunde"), ("date", "datum"), ("amount", "betrag")]
        .iter()
        .map(|(r, c)| (r.to_string(), c.to_string()))
        .collect();
    let (out, s) = run_on(&p, None, config.clone());
    assert_eq!(s.quality.rows_rejected, 0);
    let c = by_id(read_csv(&out.path().join("customers.csv")));
    assert_eq!(num(&c["a"], "monetary"), 1246.5);
    assert_eq!(num(&c["b"], "monetary"), 10.5);
    // a point value in a comma column is rejected with its value, never misread
    let text = "kunde;datum;betrag\na;2024-01-02;1.234,50\na;2024-01-05;12,00\nb;2024-01-03;3,5\nb;2024-01-04;2.5\n";
    let p = write(dir.path(), "eu2.csv", text.as_bytes());
    let (out, s) = run_on(&p, None, config.clone());
    assert_eq!(s.quality.rejected_by_reason["unparseable_amount"], 1);
    let rejects = std::fs::read_to_string(out.path().join("rejects.csv")).unwrap_or_default();
    assert!(rejects.contains("5,unparseable_amount,betrag,2.5"), "{rejects}");
    // --decimal decides it when the values cannot
    let text = "kunde;datum;betrag\na;2024-01-02;1.234\nb;2024-01-03;7\n";
    let p = write(dir.path(), "eu3.csv", text.as_bytes());
    config.input.decimal = Some(",".into());
    let (out, _) = run_on(&p, None, config);
    let c = by_id(read_csv(&out.path().join("customers.csv")));
    assert_eq!(num(&c["a"], "monetary"), 1234.0);
}

#[test]
fn money_sums_that_do_not_fit_are_an_error_naming_the_customer() {
    let dir = tempdir();
    let mut text = String::from("customer_id,date,amount\nsmall,2024-01-01,5\n");
    for d in 1..=10 {
        text.push_str(&format!("whale,2024-01-{d:02},99999999999999\n"));
    }
    let p = write(dir.path(), "big.csv", text.as_bytes());
    let err = try_run(&p, None, Config::default()).err();
    assert!(
        matches!(&err, Some(EngineError::Data(DataError::SumOverflow { customer, .. })) if customer == "whale"),
        "{err:?}"
    );
    assert_eq!(err.map(|e| e.exit_code()), Some(1));
    // nine of them fit and add up exactly
    let mut text = String::from("customer_id,date,amount\nsmall,2024-01-01,5\n");
    for d in 1..=9 {
        text.push_str(&format!("whale,2024-01-{d:02},99999999999999\n"));
    }
    let p = write(dir.path(), "big9.csv", text.as_bytes());
    let (out, _) = run_on(&p, None, Config::default());
    let c = by_id(read_csv(&out.path().join("customers.csv")));
    assert_eq!(num(&c["whale"], "monetary"), 899_999_999_999_991.0);
}

#[test]
fn dates_in_several_unambiguous_layouts_each_read() {
    let dir = tempdir();
    let mut text = String::from("customer_id,date,amount\n");
    for i in 0..40 {
        text.push_str(&format!("c{},2024-02-{:02},10\n", i % 5, 1 + i % 28));
    }
    text.push_str("c1,2024/1/9,10\n");
    let p = write(dir.path(), "mixed.csv", text.as_bytes());
    let (out, s) = run_on(&p, None, Config::default());
    assert_eq!(s.quality.rows_rejected, 0);
    let c = by_id(read_csv(&out.path().join("customers.csv")));
    assert_eq!(c["c1"]["first_purchase"], "2024-01-09");
}

#[test]
fn rows_set_aside_leave_the_kept_counts() {
    let dir = tempdir();
    // a zero-amount row rejected as a duplicate is not a zero-amount row kept
    let text = "order_id,customer_id,date,amount\no1,a,2024-01-01,0\no1,a,2024-01-01,0\no2,b,2024-01-02,-5\no2,b,2024-01-02,-5\no3,b,2024-01-03,9\n";
    let p = write(dir.path(), "dups.csv", text.as_bytes());
    let (_, s) = run_on(&p, None, Config::default());
    assert_eq!(s.quality.rejected_by_reason["duplicate_row"], 2);
    assert_eq!(s.quality.zero_amount_rows_kept, 1);
    assert_eq!(s.quality.returns_rows, 1);
    assert_eq!(s.quality.returns_amount, 5.0);
    assert!(s.quality.balanced());
}

#[test]
fn corrupt_parquet_is_an_error_naming_the_file() {
    let dir = tempdir();
    let good = dir.path().join("good.parquet");
    let params = custseg_engine::SynthParams { n_customers: 20, seed: 3, ..Default::default() };
    custseg_engine::write_synth(&params, &good, custseg_engine::SynthFormat::Parquet, custseg_engine::Sink::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let bytes = std::fs::read(&good).unwrap_or_default();
    let mut huge = bytes.clone();
    let n = huge.len();
    huge[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut garbled = bytes.clone();
    let footer = u32::from_le_bytes([bytes[n - 8], bytes[n - 7], bytes[n - 6], bytes[n - 5]]) as usize;
    for (k, b) in garbled[n - 8 - footer..n - 8].iter_mut().enumerate() {
        *b = (k as u8).wrapping_mul(37) ^ 0x5a;
    }
    for (name, content) in
        [("tiny.parquet", b"PAR1PAR1".to_vec()), ("huge.parquet", huge), ("garbled.parquet", garbled)]
    {
        let p = write(dir.path(), name, &content);
        let err = try_run(&p, None, Config::default()).err();
        let message = err.as_ref().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains(name), "{name}: {message}");
        assert_eq!(err.map(|e| e.exit_code()), Some(2), "{name}");
    }
}

#[test]
fn a_long_row_is_one_rejected_row() {
    let dir = tempdir();
    let text = "customer_id,date,amount\na,2024-01-01,1\nb,2024-01-02,2,oops\na,2024-01-03,3\n";
    let p = write(dir.path(), "wide.csv", text.as_bytes());
    let (out, s) = run_on(&p, None, Config::default());
    assert_eq!((s.quality.rows_read, s.quality.rows_kept), (3, 2));
    assert_eq!(s.quality.rejected_by_reason["extra_fields"], 1);
    let rejects = std::fs::read_to_string(out.path().join("rejects.csv")).unwrap_or_default();
    assert!(rejects.contains(",3,extra_fields,,4 values; the header has 3,b,2024-01-02,2"), "{rejects}");
    // --strict still stops on it
    let mut strict = Config::default();
    strict.run.strict = true;
    assert!(matches!(try_run(&p, None, strict), Err(EngineError::Strict { rejected: 1, .. })));
}

#[test]
fn a_stray_quote_swallows_nothing() {
    let dir = tempdir();
    // one stray quote at the start of a row made "rows read: 6" out of 2,089 lines
    let mut text = String::from("customer_id,date,amount\n");
    for i in 0..300 {
        if i == 40 {
            text.push_str("\"c40,2024-01-01,5\n");
        } else {
            text.push_str(&format!("c{},2024-01-{:02},5\n", i % 7, 1 + i % 28));
        }
    }
    let p = write(dir.path(), "quote.csv", text.as_bytes());
    let (out, s) = run_on(&p, None, Config::default());
    assert_eq!((s.quality.rows_read, s.quality.rows_kept), (300, 299));
    assert_eq!(s.quality.rejected_by_reason["unclosed_quote"], 1);
    let rejects = std::fs::read_to_string(out.path().join("rejects.csv")).unwrap_or_default();
    assert!(rejects.contains(",42,unclosed_quote,"), "{rejects}");
    // a quoted value over a few lines is still one value
    let text = "customer_id,date,amount,note\na,2024-01-01,1,\"two\nlines\"\nb,2024-01-02,2,x\n";
    let p = write(dir.path(), "note.csv", text.as_bytes());
    let (_, s) = run_on(&p, None, Config::default());
    assert_eq!((s.quality.rows_read, s.quality.rows_kept), (2, 2));
}

#[test]
fn a_bad_byte_in_utf8_rejects_its_row_only() {
    let dir = tempdir();
    let mut text = String::from("客户ID,订单日期,实付金额\n");
    for i in 0..300 {
        text.push_str(&format!("会员{i:03},2024-01-{:02},5\n", 1 + i % 28));
    }
    let mut bytes = text.into_bytes();
    // the first byte of 会 on data line 51 (whose value is 会员049)
    let line_start = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(49).map_or(0, |(i, _)| i + 1);
    bytes[line_start] = 0x81;
    let p = write(dir.path(), "members.csv", &bytes);
    let (out, s) = run_on(&p, None, Config::default());
    assert_eq!(s.quality.files[0].encoding, Some(custseg_data::source::Encoding::Utf8));
    assert!(
        s.quality.files[0].encoding_note.as_ref().map_or("", |m| m.text.as_str()).contains("invalid byte sequences")
    );
    assert_eq!((s.quality.rows_read, s.quality.rows_kept), (300, 299));
    assert_eq!(s.quality.rejected_by_reason["invalid_text"], 1);
    let rejects = std::fs::read_to_string(out.path().join("rejects.csv")).unwrap_or_default();
    assert!(rejects.contains(",51,invalid_text,"), "{rejects}");
    let customers = std::fs::read_to_string(out.path().join("customers.csv")).unwrap_or_default();
    assert!(customers.contains("会员000,") && customers.contains("会员299,"), "ids read as UTF-8");
}

#[test]
fn a_bad_byte_in_gbk_past_the_first_mebibyte_rejects_its_row_only() {
    let dir = tempdir();
    // 60,000 GBK rows (about 1.4 MB), then one whose id starts with 0xFF, which no GBK
    // sequence does
    let mut bytes = encoding_rs::GBK.encode("客户编号,日期,金额\n").0.into_owned();
    for i in 0..60_000 {
        bytes.extend_from_slice(
            &encoding_rs::GBK.encode(&format!("会员{:05},2024-01-{:02},5\n", i % 500, 1 + i % 28)).0,
        );
    }
    assert!(bytes.len() > 1 << 20);
    bytes.extend_from_slice(b"\xFFbad,2024-01-05,5\n");
    bytes.extend_from_slice(&encoding_rs::GBK.encode("会员后来,2024-01-06,7\n").0);
    let p = write(dir.path(), "members_gbk.csv", &bytes);
    let (out, s) = run_on(&p, None, Config::default());
    assert_eq!(s.quality.files[0].encoding, Some(custseg_data::source::Encoding::Gbk));
    assert_eq!((s.quality.rows_read, s.quality.rows_kept), (60_002, 60_001));
    assert_eq!(s.quality.rejected_by_reason["invalid_text"], 1);
    let rejects = std::fs::read_to_string(out.path().join("rejects.csv")).unwrap_or_default();
    assert!(rejects.contains(",60002,invalid_text,"), "{rejects}");
    let customers = std::fs::read_to_string(out.path().join("customers.csv")).unwrap_or_default();
    assert!(customers.contains("会员后来,"), "the row after the bad one is read");
}

#[test]
fn a_missing_marker_in_a_numeric_master_column_is_a_missing_value() {
    let dir = tempdir();
    let fixture = crate::repo().join("testdata/fixture/transactions.csv");
    let master = std::fs::read_to_string(crate::repo().join("testdata/fixture/customers.csv")).unwrap_or_default();
    // `employees` of customer B becomes `n/a`: "Cannot cast string 'n/a' to Int64" failed the run
    let master = master.replacen("B,retail,south,15", "B,retail,south,n/a", 1);
    assert!(master.contains("n/a"));
    let p = write(dir.path(), "customers.csv", master.as_bytes());
    let (out, s) = run_on(&fixture, Some(&p), Config::default());
    let m = s.master.as_ref().unwrap_or_else(|| panic!("master report"));
    assert_eq!(m.not_numbers.len(), 1);
    assert_eq!((m.not_numbers[0].column.as_str(), m.not_numbers[0].count), ("employees", 1));
    assert_eq!(m.not_numbers[0].examples[0].value, "n/a");
    assert_eq!(m.not_numbers[0].examples[0].line, 3);
    let c = by_id(read_csv(&out.path().join("customers.csv")));
    assert_eq!(c["B"]["employees"], "");
    assert!(!c["D"]["size"].is_empty(), "the size scheme still ran");
}

#[test]
fn the_output_directory_never_mixes_runs_nor_replaces_an_input() {
    let dir = tempdir();
    let fixture = crate::repo().join("testdata/fixture/transactions.csv");
    // -o . with the master file named customers.csv in it: refused, the file untouched
    let master = dir.path().join("customers.csv");
    std::fs::copy(crate::repo().join("testdata/fixture/customers.csv"), &master).unwrap_or_else(|e| panic!("{e}"));
    let before = std::fs::read(&master).unwrap_or_default();
    let run = |out: &Path, customers: Option<&Path>| {
        custseg_engine::run(custseg_engine::RunRequest {
            transactions: fixture.clone().into(),
            customers: customers.map(Path::to_path_buf).map(Into::into),
            config: Config::default(),
            out_dir: out.to_path_buf(),
            progress: None,
            store: None,
            report: None,
        })
    };
    let err = run(dir.path(), Some(&master)).err();
    assert!(matches!(&err, Some(EngineError::Data(DataError::OutputPath { .. }))), "{err:?}");
    assert_eq!(std::fs::read(&master).unwrap_or_default(), before);
    // an output path that is a directory is refused before any file is written
    let out = tempdir();
    std::fs::create_dir(out.path().join("segments.csv")).unwrap_or_else(|e| panic!("{e}"));
    let err = run(out.path(), None).err();
    assert!(matches!(&err, Some(EngineError::Data(DataError::OutputPath { .. }))), "{err:?}");
    assert!(!out.path().join("customers.csv").exists());
    // a finished run leaves its files, run.json, the lock and nothing else
    let out = tempdir();
    run(out.path(), None).unwrap_or_else(|e| panic!("{e}"));
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"run.json".to_string()) && names.contains(&"customers.csv".to_string()), "{names:?}");
    assert!(names.iter().all(|n| !n.starts_with('.') || n == ".custseg.lock"), "{names:?}");
}

#[test]
fn an_excel_sheet_with_a_total_row_and_empty_rows_below() {
    let dir = tempdir();
    let text = "客户ID,订单日期,实付金额\n张三,2024-01-01,¥10.50\n李四,2024-01-02,¥20\n合计,,¥30.50\n,,\n,,\n,,\n";
    let p = write(dir.path(), "sheet.csv", text.as_bytes());
    let (out, s) = run_on(&p, None, Config::default());
    // the empty rows are blank lines; the total row is set aside with its own reason
    assert_eq!((s.quality.rows_read, s.quality.rows_kept, s.quality.rows_rejected), (3, 2, 1));
    assert_eq!(s.quality.rejected_by_reason["total_row"], 1);
    assert_eq!(s.quality.rejected_by_reason["missing_customer_id"], 0);
    let rejects = std::fs::read_to_string(out.path().join("rejects.csv")).unwrap_or_default();
    assert!(rejects.contains(",4,total_row,客户ID,合计"), "{rejects}");
    // a total row without an id, its label in another column
    let text = "订单号,客户ID,订单日期,实付金额\no1,张三,2024-01-01,10\n总计,,,10\n";
    let p = write(dir.path(), "sheet2.csv", text.as_bytes());
    let (_, s) = run_on(&p, None, Config::default());
    assert_eq!(s.quality.rejected_by_reason["total_row"], 1);
}

#[test]
fn a_wrongly_typed_json_value_is_one_rejected_row_with_its_line() {
    let dir = tempdir();
    let mut text = String::from("\u{feff}");
    for i in 0..100 {
        text.push_str(&format!(
            "{{\"customer_id\":\"c{}\",\"date\":\"2024-01-{:02}\",\"amount\":{}.5}}\n",
            i % 9,
            1 + i % 28,
            i
        ));
    }
    // line 101: an amount that is text, line 102: a numeric id, line 103: a boolean amount
    text.push_str("{\"customer_id\":\"c1\",\"date\":\"2024-02-01\",\"amount\":\"abc\"}\n");
    text.push_str("{\"customer_id\":42,\"date\":\"2024-02-02\",\"amount\":3}\n");
    text.push_str("{\"customer_id\":\"c2\",\"date\":\"2024-02-03\",\"amount\":true}\n");
    text.push_str("\n{not json\n");
    let p = write(dir.path(), "log.jsonl", text.as_bytes());
    let (out, s) = run_on(&p, None, Config::default());
    assert_eq!((s.quality.rows_read, s.quality.rows_kept), (104, 101));
    assert_eq!(s.quality.rejected_by_reason["unparseable_amount"], 2);
    assert_eq!(s.quality.rejected_by_reason["invalid_text"], 1);
    let rejects = std::fs::read_to_string(out.path().join("rejects.csv")).unwrap_or_default();
    for expected in [",101,unparseable_amount,amount,abc", ",103,unparseable_amount,amount,true", ",105,invalid_text,"]
    {
        assert!(rejects.contains(expected), "{expected} in {rejects}");
    }
    let c = by_id(read_csv(&out.path().join("customers.csv")));
    assert!(c.contains_key("42"), "a numeric id is an id");
}

#[test]
fn chinese_master_attributes_feed_the_built_in_schemes() {
    let dir = tempdir();
    let fixture = crate::repo().join("testdata/fixture/transactions.csv");
    let ids = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "M"];
    let mut master = String::from("客户ID,年龄,性别,城市,收货人姓名,联系手机\n");
    for (k, id) in ids.iter().enumerate() {
        master.push_str(&format!("{id},{},女,上海,张{k},1380000{k:04}\n", 20 + 5 * k));
    }
    let p = write(dir.path(), "members.csv", master.as_bytes());
    let (out, s) = run_on(&fixture, Some(&p), Config::default());
    let m = s.master.as_ref().unwrap_or_else(|| panic!("master"));
    assert!(m.renamed.contains(&("年龄".to_string(), "age".to_string())), "{:?}", m.renamed);
    let c = by_id(read_csv(&out.path().join("customers.csv")));
    assert_eq!(c["A"]["age"], "20");
    assert_eq!(c["A"]["age_band"], "under_30");
    assert_eq!(c["M"]["age_band"], "50_plus");
    // personal data is not carried into the outputs
    assert_eq!(m.personal_data_left_out, ["收货人姓名", "联系手机"]);
    let text = std::fs::read_to_string(out.path().join("customers.csv")).unwrap_or_default();
    assert!(!text.contains("收货人姓名") && !text.contains("13800000"), "personal data in customers.csv");
}

#[test]
fn four_score_bands_use_a_scaled_segment_table() {
    let fixture = crate::repo().join("testdata/fixture/transactions.csv");
    let mut config = Config::default();
    config.rfm.n_scores = 4;
    let (out, _) = run_on(&fixture, None, config);
    let c = read_csv(&out.path().join("customers.csv"));
    assert!(c.iter().all(|r| !r["rfm_segment"].is_empty()), "every purchaser has a segment");
    assert!(
        c.iter().all(|r| r["r_score"].is_empty() || r["r_score"].parse::<u8>().is_ok_and(|s| (1..=4).contains(&s)))
    );
}
