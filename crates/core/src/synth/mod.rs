//! A seeded synthetic transaction log for tests, demos of scale, and benchmarks.
//!
//! Each customer is born on a uniformly random day of the window and then follows the BG/NBD
//! story (Fader, Hardie & Lee 2005): while alive, orders arrive as a Poisson process with rate
//! `lambda ~ Gamma(r, alpha)` per week, and after every order the customer dies with probability
//! `p ~ Beta(a, b)`. Order values follow the Gamma-Gamma model (Fader & Hardie 2013): customer
//! scale `nu ~ Gamma(q, gamma)`, order value `z ~ Gamma(spend_p, nu)`. An order is split into
//! 1 + Geometric lines with a category (customers prefer one) and a channel (customers prefer
//! one); a small share of lines is returned later as a negative line under an order id that
//! starts with `C` (the UCI Online Retail convention).
//!
//! Customers are generated in chunks of [`CHUNK_CUSTOMERS`], each chunk from its own stream of
//! the seed, so the output is identical whatever the number of threads.
//!
//! ```
//! use custseg_core::synth::{SynthParams, generate_chunk};
//! let p = SynthParams { n_customers: 100, ..SynthParams::default() };
//! let rows = generate_chunk(&p, 0);
//! assert!(!rows.is_empty());
//! assert_eq!(rows, generate_chunk(&p, 0));
//! ```

pub mod master;

use serde::Serialize;

use crate::math::Rng;

/// Customers per independently seeded chunk.
pub const CHUNK_CUSTOMERS: u64 = 10_000;

/// Product categories the generator draws from.
pub const CATEGORIES: &[&str] = &["books", "music", "electronics", "home", "fashion", "toys", "sports", "beauty"];

/// Sales channels the generator draws from.
pub const CHANNELS: &[&str] = &["online", "store", "app"];

/// Generator settings. Defaults give about 10.7 rows per customer over two years.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynthParams {
    /// Number of customers.
    pub n_customers: u64,
    /// Seed of every random choice.
    pub seed: u64,
    /// First day of the window, days since 1970-01-01 (default 2023-01-01).
    pub start_day: i32,
    /// Length of the window in days.
    pub days: i32,
    /// BG/NBD r (shape of the purchase-rate gamma).
    pub r: f64,
    /// BG/NBD alpha (rate of the purchase-rate gamma, per week).
    pub alpha: f64,
    /// BG/NBD a (dropout beta).
    pub a: f64,
    /// BG/NBD b (dropout beta).
    pub b: f64,
    /// Gamma-Gamma p (shape of order value).
    pub spend_p: f64,
    /// Gamma-Gamma q.
    pub spend_q: f64,
    /// Gamma-Gamma gamma.
    pub spend_gamma: f64,
    /// Mean number of lines per order (>= 1).
    pub lines_per_order: f64,
    /// Probability that a line is later returned.
    pub return_rate: f64,
    /// Give lines a discount (the `discount` column): each customer has a propensity to buy on
    /// discount (Beta(0.6, 1.4), mean 0.3), drawn with the discounts from a random stream of
    /// its own, so the rest of the log is the same with or without discounts.
    pub discounts: bool,
}

impl Default for SynthParams {
    fn default() -> Self {
        SynthParams {
            n_customers: 1000,
            seed: 42,
            start_day: 19_358,
            days: 730,
            r: 1.2,
            alpha: 6.0,
            a: 1.0,
            b: 12.0,
            spend_p: 6.0,
            spend_q: 4.0,
            spend_gamma: 15.0,
            lines_per_order: 1.6,
            return_rate: 0.02,
            discounts: false,
        }
    }
}

/// One generated line.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthRow {
    /// Customer index 0..n_customers.
    pub customer: u64,
    /// Order number within the customer (returns continue the numbering).
    pub order: u32,
    /// Whether this line is a return (negative amount, `C` order id).
    pub is_return: bool,
    /// Day, days since 1970-01-01.
    pub day: i32,
    /// Amount in cents (negative for returns).
    pub amount_cents: i64,
    /// Units.
    pub quantity: u32,
    /// Index into [`CATEGORIES`].
    pub category: u8,
    /// Index into [`CHANNELS`].
    pub channel: u8,
    /// Discount given on the line, in cents (0: none; always 0 without
    /// [`SynthParams::discounts`]).
    pub discount_cents: i64,
}

/// Number of chunks for `params.n_customers`.
pub fn n_chunks(params: &SynthParams) -> u64 {
    params.n_customers.div_ceil(CHUNK_CUSTOMERS)
}

/// The rows of chunk `chunk` (customers `chunk * CHUNK_CUSTOMERS ..`), in customer order.
pub fn generate_chunk(params: &SynthParams, chunk: u64) -> Vec<SynthRow> {
    let mut rng = Rng::for_stream(params.seed, chunk);
    let first = chunk * CHUNK_CUSTOMERS;
    let last = (first + CHUNK_CUSTOMERS).min(params.n_customers);
    let mut rows = Vec::with_capacity(((last - first) * 12) as usize);
    for customer in first..last {
        customer_rows(params, customer, &mut rng, &mut rows);
    }
    rows
}

fn customer_rows(p: &SynthParams, customer: u64, rng: &mut Rng, rows: &mut Vec<SynthRow>) {
    let end = f64::from(p.days);
    let lambda_per_day = rng.gamma(p.r, p.alpha) / 7.0;
    let death = rng.beta(p.a, p.b);
    let nu = rng.gamma(p.spend_q, p.spend_gamma);
    let fav_category = rng.below(CATEGORIES.len() as u64) as u8;
    let fav_channel = rng.below(CHANNELS.len() as u64) as u8;
    let mut t = rng.uniform() * end;
    let mut order = 0u32;
    // discounts come from a stream of their own (the other draws do not change with them)
    let mut deals = p.discounts.then(|| Rng::for_stream(p.seed ^ 0x0D15_C0D1_5C0D_15C0, customer));
    let propensity = deals.as_mut().map_or(0.0, |d| d.beta(0.6, 1.4));
    let mut returns = Vec::new();
    loop {
        let day = p.start_day + t as i32;
        let value_cents = ((rng.gamma(p.spend_p, nu) * 100.0).round() as i64).max(1);
        let n_lines = 1 + geometric(rng, p.lines_per_order - 1.0);
        let mut left = value_cents;
        let first_line = rows.len();
        for line in 0..n_lines {
            let amount = if line + 1 == n_lines { left } else { (left as f64 * rng.uniform() * 0.8).round() as i64 };
            let amount = amount.max(1);
            left = (left - amount).max(1);
            let category = if rng.uniform() < 0.7 { fav_category } else { rng.below(CATEGORIES.len() as u64) as u8 };
            let channel = if rng.uniform() < 0.8 { fav_channel } else { rng.below(CHANNELS.len() as u64) as u8 };
            let mut row = SynthRow {
                customer,
                order,
                is_return: false,
                day,
                amount_cents: amount,
                quantity: 1 + rng.below(3) as u32,
                category,
                channel,
                discount_cents: 0,
            };
            if let Some(d) = deals.as_mut()
                && d.uniform() < propensity
            {
                // 5% to 35% off the list price
                let rate = 0.05 + 0.30 * d.uniform();
                row.discount_cents = ((row.amount_cents as f64 * rate / (1.0 - rate)).round() as i64).max(1);
            }
            // two identical lines in one order would read as an export error (an exact duplicate)
            while rows[first_line..].iter().any(|r| {
                r.amount_cents == row.amount_cents
                    && r.quantity == row.quantity
                    && r.category == row.category
                    && r.channel == row.channel
            }) {
                row.amount_cents += 1;
            }
            if rng.uniform() < p.return_rate {
                let back = (t + 1.0 + rng.uniform() * 30.0).min(end - 1.0);
                returns.push(SynthRow {
                    is_return: true,
                    day: p.start_day + back as i32,
                    amount_cents: -row.amount_cents,
                    ..row.clone()
                });
            }
            rows.push(row);
        }
        order += 1;
        // BG/NBD: a customer may drop out after each *repeat* purchase, not after the first
        // (dropping out at the first purchase too would be MBG/NBD)
        if (order > 1 && rng.uniform() < death) || lambda_per_day <= 0.0 {
            break;
        }
        t += rng.exponential(lambda_per_day);
        if t >= end {
            break;
        }
    }
    for mut r in returns {
        r.order = order;
        order += 1;
        rows.push(r);
    }
}

/// The BTYD summary of a generated log observed to the end of its window (the as-of date is
/// `start_day + days`): per customer, in customer order, `x` repeat purchase days, `t_x` and `T`
/// in weeks, and `zbar` the mean repeat purchase-day value. Returns are ignored and same-day
/// orders merge, as in custseg's features. Used by tests and the CLV benchmark, which need
/// millions of customers without writing the log to disk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BtydSummary {
    /// Repeat purchase days.
    pub x: Vec<u64>,
    /// Weeks from the first to the last purchase day.
    pub t_x: Vec<f64>,
    /// Weeks from the first purchase day to the as-of date.
    pub t: Vec<f64>,
    /// Mean repeat purchase-day value.
    pub zbar: Vec<f64>,
}

/// See [`BtydSummary`]. Chunks are generated in parallel; the result does not depend on the
/// number of threads.
pub fn btyd_summary(p: &SynthParams) -> BtydSummary {
    use rayon::prelude::*;
    let as_of = p.start_day + p.days;
    let parts: Vec<BtydSummary> = (0..n_chunks(p))
        .into_par_iter()
        .map(|c| {
            let mut out = BtydSummary::default();
            let rows = generate_chunk(p, c);
            let mut i = 0;
            while i < rows.len() {
                let customer = rows[i].customer;
                // a customer's purchase lines come first, in day order; returns follow
                let (mut first, mut last, mut days, mut repeat_cents) = (i32::MAX, i32::MIN, 0u64, 0i64);
                while i < rows.len() && rows[i].customer == customer {
                    let r = &rows[i];
                    if !r.is_return {
                        if r.day != last {
                            days += 1;
                            first = first.min(r.day);
                            last = r.day;
                        }
                        if r.day != first {
                            repeat_cents += r.amount_cents;
                        }
                    }
                    i += 1;
                }
                let x = days - 1;
                out.x.push(x);
                out.t_x.push(f64::from(last - first) / 7.0);
                out.t.push(f64::from(as_of - first) / 7.0);
                out.zbar.push(if x > 0 { repeat_cents as f64 / 100.0 / x as f64 } else { 0.0 });
            }
            out
        })
        .collect();
    let mut all = BtydSummary::default();
    for part in parts {
        all.x.extend(part.x);
        all.t_x.extend(part.t_x);
        all.t.extend(part.t);
        all.zbar.extend(part.zbar);
    }
    all
}

/// Geometric number of failures with the given mean (0 for mean <= 0).
fn geometric(rng: &mut Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    let q = mean / (1.0 + mean);
    let mut k = 0;
    while rng.uniform() < q && k < 50 {
        k += 1;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discounts_change_nothing_else_and_follow_the_propensities() {
        let plain = SynthParams { n_customers: 3000, ..SynthParams::default() };
        let with = SynthParams { discounts: true, ..plain.clone() };
        let a: Vec<SynthRow> = (0..n_chunks(&plain)).flat_map(|c| generate_chunk(&plain, c)).collect();
        let b: Vec<SynthRow> = (0..n_chunks(&with)).flat_map(|c| generate_chunk(&with, c)).collect();
        assert_eq!(a.len(), b.len());
        assert!(a.iter().all(|r| r.discount_cents == 0));
        let same = a.iter().zip(&b).all(|(x, y)| SynthRow { discount_cents: 0, ..y.clone() } == *x);
        assert!(same, "only the discount differs");
        // Beta(0.6, 1.4) propensities: about 30% of purchase lines are discounted, at 5%-35% off
        let buys: Vec<&SynthRow> = b.iter().filter(|r| !r.is_return).collect();
        let share = buys.iter().filter(|r| r.discount_cents > 0).count() as f64 / buys.len() as f64;
        assert!((0.25..0.35).contains(&share), "{share}");
        for r in buys.iter().filter(|r| r.discount_cents > 0) {
            let rate = r.discount_cents as f64 / (r.amount_cents + r.discount_cents) as f64;
            assert!((0.03..0.37).contains(&rate) || r.amount_cents < 20, "{rate} {r:?}");
        }
    }

    #[test]
    fn rows_are_in_the_window_and_returns_are_negative() {
        let p = SynthParams { n_customers: 2000, ..SynthParams::default() };
        let rows: Vec<SynthRow> = (0..n_chunks(&p)).flat_map(|c| generate_chunk(&p, c)).collect();
        assert!(rows.iter().all(|r| r.day >= p.start_day && r.day < p.start_day + p.days));
        assert!(rows.iter().all(|r| (r.amount_cents < 0) == r.is_return));
        let customers: std::collections::BTreeSet<u64> = rows.iter().map(|r| r.customer).collect();
        assert_eq!(customers.len(), 2000);
        let per_customer = rows.len() as f64 / 2000.0;
        assert!((8.0..14.0).contains(&per_customer), "{per_customer} rows per customer");
        // no two lines of one order are identical
        let mut seen = std::collections::HashSet::new();
        for r in &rows {
            assert!(
                seen.insert((
                    r.customer,
                    r.order,
                    r.is_return,
                    r.day,
                    r.amount_cents,
                    r.quantity,
                    r.category,
                    r.channel
                )),
                "{r:?}"
            );
        }
    }
}
