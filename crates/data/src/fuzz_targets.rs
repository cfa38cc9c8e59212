//! Fuzz targets (bolero) for the code that reads what users hand in: the CSV record splitter,
//! the UTF-8 repair of a buffer, the date and amount parsers and their detection, and the rule
//! parser. Under `cargo test` each runs on random inputs; for a coverage-guided run, install
//! cargo-bolero and give a target and a time, e.g.
//! `cargo bolero test -p custseg-data fuzz_targets::csv_records --engine libfuzzer --sanitizer NONE -T 10min`
//! (README, "Testing and fuzzing"). A target fails on a panic.

use crate::number_format::{NumberFormat, detect_number_format};
use crate::parse::{DateFormat, detect_date_format, money_units_exact};

#[test]
fn csv_records() {
    bolero::check!().for_each(|bytes: &[u8]| {
        if let Ok(text) = std::str::from_utf8(bytes) {
            for (delimiter, n_cols) in [(b',', 1), (b',', 4), (b';', 3), (b'\t', 2)] {
                let records = crate::csv_scan::parse_all(text, delimiter, n_cols);
                assert!(records.iter().all(|(_, values)| values.len() == n_cols));
            }
        }
    });
}

#[test]
fn invalid_utf8_marked() {
    bolero::check!().for_each(|bytes: &[u8]| {
        let mut buf = bytes.to_vec();
        let mut bad = Vec::new();
        let valid = crate::csv_scan::mark_invalid(&mut buf, 0, true, &mut bad);
        assert_eq!(valid, buf.len());
        assert!(std::str::from_utf8(&buf).is_ok());
    });
}

#[test]
fn dates() {
    bolero::check!().for_each(|bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        for f in [
            DateFormat::Iso,
            DateFormat::Compact,
            DateFormat::YearFirstSlash,
            DateFormat::Chinese,
            DateFormat::DayFirst,
            DateFormat::MonthFirst,
            DateFormat::MixedDayFirst,
            DateFormat::Pattern("%d.%m.%Y".into()),
        ] {
            let _ = f.parse(&text);
        }
        let values: Vec<&str> = text.split('\n').collect();
        let _ = detect_date_format(&values, std::path::Path::new("x.csv"), "date");
        let _ = DateFormat::from_user(&text);
    });
}

#[test]
fn amounts() {
    bolero::check!().for_each(|bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        for f in [NumberFormat::Point, NumberFormat::Comma] {
            if let Ok(v) = f.parse(&text) {
                assert!(v.is_finite() && v.abs() < 1e14, "{text:?} -> {v}");
            }
        }
        if let Some(units) = money_units_exact(&text) {
            assert_eq!(
                Ok(units as f64 / 10_000.0),
                NumberFormat::Point.parse(&text).map(|v| (v * 10_000.0).round() / 10_000.0)
            );
        }
        let values: Vec<&str> = text.split('\n').collect();
        let _ = detect_number_format(&values, std::path::Path::new("x.csv"), "amount");
    });
}

#[test]
fn rules() {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    let schema = std::sync::Arc::new(Schema::new(vec![
        Field::new("monetary", DataType::Float64, true),
        Field::new("frequency", DataType::Int64, true),
        Field::new("industry", DataType::Utf8, true),
    ]));
    let ctx = std::panic::AssertUnwindSafe(crate::rules::RuleContext::default());
    bolero::check!().for_each(|bytes: &[u8]| {
        // through Deref, so the closure holds the whole unwind-safe wrapper
        let rc: &crate::rules::RuleContext = &ctx;
        let text = String::from_utf8_lossy(bytes);
        if crate::rules::check_syntax(&text).is_ok() {
            let _ = crate::rules::compile(rc, &schema, &text);
        }
    });
}
