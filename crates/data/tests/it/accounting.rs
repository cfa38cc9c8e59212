use custseg_data::ingest::{IngestOptions, ingest};
use proptest::prelude::*;

use crate::runtime;

fn cell(kind: u8, i: usize) -> (String, String, String) {
    let customer = if kind.is_multiple_of(7) { String::new() } else { format!("c{}", i % 5) };
    let date = match kind % 5 {
        0 => "2024-02-30".to_string(),
        1 => "garbage".to_string(),
        _ => format!("2024-01-{:02}", 1 + i % 28),
    };
    let amount = match kind % 6 {
        0 => "x".to_string(),
        1 => "0".to_string(),
        2 => "-3.5".to_string(),
        _ => format!("{}.25", i % 50),
    };
    (customer, date, amount)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn kept_plus_rejected_is_read(kinds in proptest::collection::vec(0u8..42, 1..120)) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut text = String::from("customer_id,date,amount\n");
        for (i, k) in kinds.iter().enumerate() {
            let (c, d, a) = cell(*k, i);
            text.push_str(&format!("{c},{d},{a}\n"));
        }
        let p = dir.path().join("t.csv");
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        let q = runtime().block_on(async {
            let ctx = custseg_data::session(2);
            ingest(&ctx, &p, &IngestOptions::default(), None, dir.path(), None).await
        });
        match q {
            Ok(input) => {
                let q = input.quality;
                prop_assert_eq!(q.rows_read, kinds.len() as u64);
                prop_assert!(q.balanced());
                let kept: usize = input.kept.iter().flatten().map(|b| b.num_rows()).sum();
                prop_assert_eq!(kept as u64, q.rows_kept);
                let rejects: usize = input.rejects.iter().map(|b| b.num_rows()).sum();
                prop_assert_eq!(rejects as u64, q.rows_rejected);
            }
            // a sample whose dates are all garbage has no detectable format: a hard error, not a panic
            Err(e) => prop_assert!(matches!(e, custseg_data::DataError::DateFormat { .. }), "{e}"),
        }
    }
}
