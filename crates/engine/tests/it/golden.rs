//! The hand-computed fixture (testdata/fixture, see its README). As of 2024-07-01 (the day after
//! the last kept row, 2024-06-30). Arithmetic for the values below:
//!
//! - A: 01-05 (100), 03-10 (50), 06-20 (150): recency 11, tenure 178 (26+29+31+30+31+30+1),
//!   frequency 3, monetary 300, aov 100, avg gap (178-11)/2 = 83.5, x 2, t_x 167/7, T 178/7,
//!   zbar (50+150)/2 = 100, last gap 102.
//! - B: 02-01 two orders (200+20), 05-15 (80): frequency 3 but 2 purchase days, x 1, recency 47,
//!   tenure 151, zbar 80.
//! - E: 04-01 (60) and a return on 04-10 (-20): frequency 1, monetary 40, aov 60, returns 1 / 20.
//! - J: a zero-amount order (kept by default) and a 45.00 order on 03-03: frequency 2, x 0.
//! - Scores (N = 12, score = 1 + floor(5 r0 / 12)): monetary ranks K 0; C, E, I 1; J 4; L 5;
//!   F, G, H 6; A, B 9; D 11 -> M = 1,1,1,1,2,3,3,3,3,4,4,5. Frequency: six 1s (score 1), four
//!   2s (r0 6 -> 3), two 3s (r0 10 -> 5). Recency descending: D G K J E H B F L A I C -> R =
//!   1 1 1 2 2 3 3 3 4 4 5 5.
//! - 8-class centres: recency 886/12, frequency 20/12, monetary 1870/12.
//! - ABC on 1870: D, A, B, F, G are A (G starts at 1475/1870 = 78.9%), H, L, J, C, E are B
//!   (E starts at 94.1%), I and K are C.
//! - Lifecycle: only 5 repeat customers, so the fallback thresholds 30 / 90 / 180 apply.

use custseg_engine::Config;

use crate::{by_id, num, read_csv, repo, run_on};

#[test]
fn fixture_features_scores_and_every_label() {
    let input = repo().join("testdata/fixture/transactions.csv");
    let (dir, summary) = run_on(&input, None, Config::default());
    assert_eq!(summary.record.as_of.to_string(), "2024-07-01");
    assert_eq!(summary.record.as_of_source, "derived");
    let q = &summary.quality;
    assert_eq!((q.rows_read, q.rows_kept, q.rows_rejected), (25, 21, 4));
    assert_eq!(q.zero_amount_rows_kept, 1);
    for (reason, n) in [
        ("missing_customer_id", 1),
        ("unparseable_date", 1),
        ("unparseable_amount", 1),
        ("zero_amount", 0),
        ("duplicate_row", 1),
    ] {
        assert_eq!(q.rejected_by_reason[reason], n, "{reason}");
    }
    assert!(q.balanced());

    let c = by_id(read_csv(&dir.path().join("customers.csv")));
    assert_eq!(c.len(), 12);
    let a = &c["A"];
    assert_eq!(a["first_purchase"], "2024-01-05");
    assert_eq!(a["last_purchase"], "2024-06-20");
    for (col, v) in [
        ("recency_days", 11.0),
        ("tenure_days", 178.0),
        ("frequency", 3.0),
        ("monetary", 300.0),
        ("aov", 100.0),
        ("avg_interpurchase_days", 83.5),
        ("x", 2.0),
        ("zbar", 100.0),
        ("annual_spend", 300.0),
        ("n_categories", 2.0),
    ] {
        assert_eq!(num(a, col), v, "A {col}");
    }
    assert!((num(a, "t_x") - 167.0 / 7.0).abs() < 1e-12);
    assert!((num(a, "T") - 178.0 / 7.0).abs() < 1e-12);
    assert_eq!(a["top_category"], "books");
    // books 250 of 300 with a category
    assert_eq!(a["top_category_share"], "0.8333");
    assert!((num(a, "channel_share_online") - 0.5).abs() < 1e-9);
    let b = &c["B"];
    assert_eq!((num(b, "frequency"), num(b, "x"), num(b, "recency_days"), num(b, "zbar")), (3.0, 1.0, 47.0, 80.0));
    let e = &c["E"];
    assert_eq!(
        (num(e, "frequency"), num(e, "monetary"), num(e, "aov"), num(e, "returns_count"), num(e, "returns_amount")),
        (1.0, 40.0, 60.0, 1.0, 20.0)
    );
    assert_eq!(num(&c["D"], "recency_days"), 213.0);
    assert_eq!(num(&c["D"], "tenure_days"), 366.0);
    assert_eq!(num(&c["K"], "recency_days"), 123.0);
    assert_eq!(num(&c["I"], "t_x"), 47.0);

    let ids = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"];
    let col = |name: &str| ids.iter().map(|id| c[*id][name].clone()).collect::<Vec<_>>().join(" ");
    assert_eq!(col("r_score"), "4 3 5 1 2 3 1 3 5 2 1 4");
    assert_eq!(col("f_score"), "5 5 1 3 1 1 1 1 3 3 1 3");
    assert_eq!(col("m_score"), "4 4 1 5 1 3 3 3 1 2 1 3");
    assert_eq!(
        col("rfm_segment"),
        "loyal loyal new_customers at_risk hibernating about_to_sleep lost about_to_sleep potential_loyalist at_risk lost potential_loyalist"
    );
    assert_eq!(
        col("rfm_cn8"),
        "important_value important_value general_develop important_retain general_winback general_develop general_winback general_develop general_value general_retain general_winback general_value"
    );
    assert_eq!(col("abc"), "a a b a b a a b c b c b");
    assert_eq!(col("value_tier"), "mid mid low high low mid mid mid low low low low");
    assert_eq!(
        col("lifecycle"),
        "active active new churned at_risk new at_risk active reactivated at_risk at_risk new"
    );
    let r = &summary.record;
    assert!((r.abc.top20_share - 1400.0 / 1870.0).abs() < 1e-12);
    assert_eq!(
        (r.lifecycle.thresholds.new_days, r.lifecycle.thresholds.at_risk_days, r.lifecycle.thresholds.churn_days),
        (30, 90, 180)
    );
    assert!((r.rfm_cn8_centres[0] - 886.0 / 12.0).abs() < 1e-12);

    // rejects.csv: one line per reject, in line order, with the original row
    let rejects = read_csv(&dir.path().join("rejects.csv"));
    let lines: Vec<(String, String)> = rejects.iter().map(|r| (r["line"].clone(), r["reason"].clone())).collect();
    assert_eq!(
        lines,
        vec![
            ("14".into(), "duplicate_row".into()),
            ("21".into(), "unparseable_date".into()),
            ("23".into(), "missing_customer_id".into()),
            ("26".into(), "unparseable_amount".into()),
        ]
    );
    assert_eq!(rejects[1]["order_date"], "not-a-date");
    assert_eq!(rejects[3]["value"], "bad");

    // segments.csv sums: every scheme covers all 12 customers and all revenue
    let seg = read_csv(&dir.path().join("segments.csv"));
    for scheme in ["rfm_segment", "rfm_cn8", "abc", "value_tier", "lifecycle"] {
        let rows: Vec<_> = seg.iter().filter(|r| r["scheme"] == scheme).collect();
        assert_eq!(rows.iter().map(|r| num(r, "customers")).sum::<f64>(), 12.0, "{scheme}");
        assert!((rows.iter().map(|r| num(r, "revenue")).sum::<f64>() - 1870.0).abs() < 1e-6, "{scheme}");
    }
    // golden file: the whole customers.csv, checked in after the values above were verified
    let golden = repo().join("testdata/fixture/expected_customers.csv");
    let actual = std::fs::read_to_string(dir.path().join("customers.csv")).unwrap_or_default();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &actual).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(
        actual,
        std::fs::read_to_string(&golden).unwrap_or_default(),
        "customers.csv differs from {}",
        golden.display()
    );
}

#[test]
fn master_file_adds_prospects_and_attributes() {
    let root = repo().join("testdata/fixture");
    let (dir, summary) = run_on(&root.join("transactions.csv"), Some(&root.join("customers.csv")), Config::default());
    let counts = &summary.record.counts;
    assert_eq!((counts.customers, counts.purchasers, counts.prospects, counts.not_in_master), (14, 12, 2, 9));
    let c = by_id(read_csv(&dir.path().join("customers.csv")));
    assert_eq!(c["M"]["lifecycle"], "prospect");
    assert_eq!(c["M"]["rfm_segment"], "");
    assert_eq!(c["M"]["frequency"], "0");
    assert_eq!(c["M"]["industry"], "software");
    assert_eq!(c["A"]["industry"], "retail");
    assert_eq!(c["C"]["industry"], "");
    assert_eq!(c["D"]["employees"], "900");
    // rows stay sorted by id with prospects merged in
    let ids: Vec<String> =
        read_csv(&dir.path().join("customers.csv")).iter().map(|r| r["customer_id"].clone()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}
