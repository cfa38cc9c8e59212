//! CDNOW end to end, and the BTYD summary against the published per-customer values.

use custseg_engine::Config;
use custseg_engine::demo::run_demo;

use crate::{by_id, num, read_csv, repo, run_on};

#[test]
fn demo_runs_end_to_end_on_the_embedded_sample() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (_, s) = run_demo(dir.path(), Config::default(), None).unwrap_or_else(|e| panic!("{e}"));
    let q = &s.quality;
    assert_eq!((q.rows_read, q.rows_kept, q.rows_rejected), (6919, 6919, 0));
    // identical rows without an order id are kept and reported: 21 rows in 19 distinct groups
    assert_eq!((q.duplicate_rows_kept, q.duplicate_groups), (21, 19));
    assert!(q.warnings.iter().any(|w| w.text.contains("--dedupe")));
    assert_eq!(s.record.counts.customers, 2357);
    assert_eq!(s.record.as_of.to_string(), "1998-07-01");
    let c = by_id(read_csv(&dir.path().join("customers.csv")));
    // customer 1: 1997-01-01 29.33, 01-18 29.73, 08-02 14.96, 12-12 26.48
    let one = &c["0001"];
    assert_eq!((one["first_purchase"].as_str(), one["last_purchase"].as_str()), ("1997-01-01", "1997-12-12"));
    assert_eq!((num(one, "recency_days"), num(one, "frequency"), num(one, "tenure_days")), (201.0, 4.0, 546.0));
    assert!((num(one, "monetary") - 100.50).abs() < 1e-9);
    // customer 1000: eight purchase days from 1997-02-07 to 1998-05-09, 156.96 in total
    let k = &c["1000"];
    assert_eq!(
        (num(k, "recency_days"), num(k, "frequency"), num(k, "x"), num(k, "tenure_days")),
        (53.0, 8.0, 7.0, 509.0)
    );
    assert!((num(k, "monetary") - 156.96).abs() < 1e-9);
    assert!((num(k, "zbar") - 20.9986).abs() < 1e-9);
    assert!((num(k, "t_x") - 456.0 / 7.0).abs() < 1e-12);
    // customer 3 bought once
    assert_eq!((num(&c["0003"], "frequency"), num(&c["0003"], "x")), (1.0, 0.0));
    let seg = read_csv(&dir.path().join("segments.csv"));
    let total: f64 = seg.iter().filter(|r| r["scheme"] == "abc").map(|r| num(r, "customers")).sum();
    assert_eq!(total, 2357.0);
}

#[test]
fn btyd_summary_reproduces_the_published_cdnow_values() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = dir.path().join("cdnow.csv");
    std::fs::write(&input, custseg_engine::demo::cdnow_csv()).unwrap_or_else(|e| panic!("{e}"));
    let mut config = Config::default();
    config.run.as_of = Some("1997-09-30".parse().expect("date"));
    let (out, s) = run_on(&input, None, config);
    assert_eq!(s.record.counts.customers, 2357);
    // the 1,959 rows after 1997-09-30 are outside the period, not rejects
    assert_eq!((s.quality.rows_rejected, s.quality.rows_after_as_of, s.quality.rows_kept), (0, 1959, 6919 - 1959));
    assert!(s.quality.balanced());
    let ours = by_id(read_csv(&out.path().join("customers.csv")));
    let published = read_csv(&repo().join("testdata/cdnow/cdnow_customers_summary_with_transactions.csv"));
    assert_eq!(published.len(), 2357);
    let mut repeaters = 0;
    for p in &published {
        let id = format!("{:04}", p["ID"].parse::<u32>().unwrap_or(0));
        let o = &ours[&id];
        assert_eq!(num(o, "x"), num(p, "x"), "x of {id}");
        for (col, theirs) in [("t_x", "t_x"), ("T", "T"), ("zbar", "zbar")] {
            assert!(
                (num(o, col) - num(p, theirs)).abs() <= 0.005 + 1e-9,
                "{col} of {id}: ours {} published {}",
                o[col],
                p[theirs]
            );
        }
        repeaters += usize::from(num(p, "x") > 0.0);
    }
    assert_eq!(repeaters, 946);
}
