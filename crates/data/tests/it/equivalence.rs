use std::collections::BTreeMap;

use custseg_core::synth::SynthParams;
use custseg_data::features::{Features, Present, aggregate};
use custseg_data::ingest::{IngestOptions, ingest};
use custseg_data::mapping::Role;
use custseg_data::parse::MONEY_SCALE;
use custseg_data::synth_io::{SynthFormat, write_synth};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Int32Type, Int64Type, UInt32Type, UInt64Type};

use crate::{repo, runtime};

#[derive(Default)]
struct Acc {
    orders: BTreeMap<(i32, String), bool>,
    days: BTreeMap<i32, (i64, bool)>,
    ret_units: i64,
    ret_lines: u64,
    any_days: Vec<i32>,
}

/// The feature definitions of `features.rs`, computed row by row.
fn naive(kept: &[Vec<RecordBatch>], customers: &[String], as_of: i32) -> Features {
    let mut by: BTreeMap<String, Acc> = BTreeMap::new();
    for b in kept.iter().flatten() {
        let c = b.column(0).as_primitive::<UInt32Type>();
        let d = b.column(1).as_primitive::<Int32Type>();
        let a = b.column(2).as_primitive::<Int64Type>();
        let o = b.column(3).as_primitive::<UInt64Type>();
        let r = b.column(4).as_boolean();
        for i in 0..b.num_rows() {
            let acc = by.entry(customers[c.value(i) as usize].clone()).or_default();
            let day = d.value(i);
            let order = if o.is_null(i) { format!("day {day}") } else { o.value(i).to_string() };
            acc.any_days.push(day);
            if r.value(i) {
                acc.ret_units += -a.value(i);
                acc.ret_lines += 1;
            } else {
                acc.orders.insert((day, order), true);
                let e = acc.days.entry(day).or_insert((0, true));
                e.0 += a.value(i);
            }
        }
    }
    let mut f = Features { as_of, ..Features::default() };
    for (id, acc) in by {
        let a = i64::from(as_of);
        let first = acc.days.keys().next().copied().or(acc.any_days.iter().min().copied()).map_or(a, i64::from);
        let last = acc.days.keys().next_back().copied().or(acc.any_days.iter().max().copied()).map_or(a, i64::from);
        let gross: i64 = acc.days.values().map(|v| v.0).sum();
        let freq = acc.orders.len() as u64;
        let pdays = acc.days.len() as u64;
        let monetary = (gross - acc.ret_units) as f64 / MONEY_SCALE;
        let first_day_gross = acc.days.values().next().map_or(0, |v| v.0);
        let x = pdays.saturating_sub(1);
        let mut keys: Vec<i32> = acc.days.keys().copied().collect();
        keys.reverse();
        f.customer.push(id);
        f.first_purchase.push(first as i32);
        f.last_purchase.push(last as i32);
        f.recency_days.push(a - last);
        f.frequency.push(freq);
        f.monetary.push(monetary);
        f.aov.push((freq > 0).then(|| gross as f64 / MONEY_SCALE / freq as f64));
        f.tenure_days.push(a - first);
        f.returns_count.push(acc.ret_lines);
        f.returns_amount.push(acc.ret_units as f64 / MONEY_SCALE);
        f.avg_interpurchase_days.push((pdays >= 2).then(|| (last - first) as f64 / (pdays - 1) as f64));
        f.annual_spend.push(monetary * 365.0 / ((a - first).max(365) as f64));
        f.x.push(x);
        f.t_x.push(if pdays > 0 { (last - first) as f64 / 7.0 } else { 0.0 });
        f.t_cal.push((a - first) as f64 / 7.0);
        f.zbar.push(if x > 0 { (gross - first_day_gross) as f64 / MONEY_SCALE / x as f64 } else { 0.0 });
        f.last_gap_days.push(keys.get(1).map(|p| last - i64::from(*p)));
    }
    f
}

fn check(path: &std::path::Path) {
    runtime().block_on(async {
        let ctx = custseg_data::session(2);
        let tmp = std::env::temp_dir();
        let input =
            ingest(&ctx, path, &IngestOptions::default(), None, &tmp, None).await.unwrap_or_else(|e| panic!("{e}"));
        let as_of = input.max_day.unwrap_or(0) + 1;
        let expected = naive(&input.kept, &input.names.customers, as_of);
        let present = Present { order_id: input.column_map.get(Role::OrderId).is_some(), ..Present::default() };
        let actual = aggregate(&ctx, input.kept, input.names, present, as_of).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(!expected.is_empty());
        assert_eq!(actual, expected, "{}", path.display());
    });
}

#[test]
fn datafusion_features_equal_the_naive_aggregation() {
    check(&repo().join("testdata/fixture/transactions.csv"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path().join("synth.csv");
    write_synth(
        &SynthParams { n_customers: 3000, seed: 11, ..SynthParams::default() },
        &p,
        SynthFormat::Csv,
        custseg_data::sink::Sink::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    check(&p);
    // the same log in time order: each customer's rows then come in day order, so the day
    // levels group on the packed (customer, day) key (the generator lists a customer's returns
    // after their purchases, so the log as written takes the (customer, day) path)
    let time_ordered = dir.path().join("synth_by_date.csv");
    std::fs::write(&time_ordered, by_column(&std::fs::read_to_string(&p).unwrap_or_default(), 2))
        .unwrap_or_else(|e| panic!("{e}"));
    check(&time_ordered);
    // orders of many lines: interleaved, some spanning two days, with return lines, lines
    // without an order id, and a customer with hundreds of orders
    let p = dir.path().join("orders.csv");
    let orders = order_log();
    std::fs::write(&p, &orders).unwrap_or_else(|e| panic!("{e}"));
    check(&p);
    let p = dir.path().join("orders_by_date.csv");
    std::fs::write(&p, by_column(&orders, 2)).unwrap_or_else(|e| panic!("{e}"));
    check(&p);
    // no order id: orders are purchase days
    let cdnow: String = std::fs::read_to_string(repo().join("testdata/cdnow/CDNOW_sample.txt"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            format!("{},{},{}\n", f[1], f[2], f[4])
        })
        .collect();
    let p = dir.path().join("cdnow.csv");
    std::fs::write(&p, format!("customer_id,date,amount\n{cdnow}")).unwrap_or_else(|e| panic!("{e}"));
    check(&p);
    // CDNOW is in (customer, date) order; reversed, every customer's days are out of order
    let reversed: String = cdnow.lines().rev().map(|l| format!("{l}\n")).collect();
    let p = dir.path().join("cdnow_reversed.csv");
    std::fs::write(&p, format!("customer_id,date,amount\n{reversed}")).unwrap_or_else(|e| panic!("{e}"));
    check(&p);
}

/// A seeded log of multi-line orders: a customer's lines pick orders at random (so lines of one
/// order are interleaved with others'), an order's lines fall on its day or the next, 15% are
/// returns, 10% have no order id; customer C007 has 600 lines over 200 orders.
fn order_log() -> String {
    let mut rng = custseg_core::math::Rng::new(3);
    let mut out = String::from("customer_id,order_id,order_date,amount\n");
    for c in 0..300 {
        let (n_lines, n_orders) =
            if c == 7 { (600, 200) } else { (1 + (rng.uniform() * 30.0) as usize, 1 + (rng.uniform() * 8.0) as usize) };
        for _ in 0..n_lines {
            let o = (rng.uniform() * n_orders as f64) as usize;
            let order = if rng.uniform() < 0.1 { String::new() } else { format!("O{c}-{o}") };
            let day = 1 + (o * 3 + usize::from(rng.uniform() < 0.2)) % 300;
            let amount = if rng.uniform() < 0.15 { -5.0 } else { 10.0 + (rng.uniform() * 50.0).round() };
            out += &format!("C{c:03},{order},{},{amount:.2}\n", 20_240_000 + 100 * (1 + day / 28) + 1 + day % 28);
        }
    }
    out
}

/// A CSV text (header, then lines) with its lines stably sorted by column `k`.
fn by_column(csv: &str, k: usize) -> String {
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default();
    let mut rows: Vec<&str> = lines.collect();
    rows.sort_by_key(|l| l.split(',').nth(k).unwrap_or_default().to_string());
    let mut out = format!("{header}\n");
    for r in rows {
        out.push_str(r);
        out.push('\n');
    }
    out
}
