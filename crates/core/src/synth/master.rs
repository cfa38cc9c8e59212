//! A customer master file to go with the synthetic log, for B2B demos: industry, size (employees
//! and annual revenue), region and an annual category budget, plus prospects (customers in the
//! master file who never bought). Attributes are drawn *after* the customer's purchases, from
//! their own seeded stream, so that value is correlated with size and industry the way a real
//! B2B base is (large manufacturers and builders spend more): the lift table has something real
//! to find, and share of wallet has budgets to compare with.

use super::{SynthParams, SynthRow};
use crate::math::Rng;

/// Industries and how much more likely a top-quartile spender is to be in each (× base weight).
pub const INDUSTRIES: &[(&str, f64, f64)] = &[
    // (name, base weight, multiplier for high spenders)
    ("retail", 0.22, 0.6),
    ("manufacturing", 0.14, 3.0),
    ("construction", 0.10, 2.5),
    ("wholesale", 0.12, 1.6),
    ("software", 0.12, 0.8),
    ("hospitality", 0.12, 0.5),
    ("healthcare", 0.10, 1.0),
    ("education", 0.08, 0.7),
];

/// Regions, drawn uniformly.
pub const REGIONS: &[&str] = &["north", "south", "east", "west", "central"];

/// Share of extra customers in the master file who never bought (prospects).
pub const PROSPECT_SHARE: f64 = 0.10;

/// One master-file row.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthCustomer {
    /// Customer index (prospects continue after `n_customers`).
    pub customer: u64,
    /// Industry.
    pub industry: &'static str,
    /// Employees.
    pub employees: u64,
    /// Annual revenue of the customer's business.
    pub annual_revenue: f64,
    /// Region.
    pub region: &'static str,
    /// Annual budget for the product category (absent for about a fifth).
    pub category_budget: Option<f64>,
}

/// The master rows of the customers of one chunk (given that chunk's log rows), in customer
/// order, and the prospects that belong to the chunk.
pub fn master_chunk(params: &SynthParams, chunk: u64, rows: &[SynthRow]) -> Vec<SynthCustomer> {
    let first = chunk * super::CHUNK_CUSTOMERS;
    let last = (first + super::CHUNK_CUSTOMERS).min(params.n_customers);
    let years = f64::from(params.days.max(1)) / 365.25;
    let mut spend = vec![0.0f64; (last - first) as usize];
    for r in rows {
        if !r.is_return {
            spend[(r.customer - first) as usize] += r.amount_cents as f64 / 100.0;
        }
    }
    // the chunk's top-quartile spend, the line between "high" and other spenders
    let mut sorted = spend.clone();
    sorted.sort_by(f64::total_cmp);
    let q75 = sorted.get(sorted.len() * 3 / 4).copied().unwrap_or(0.0);
    let mut out: Vec<SynthCustomer> =
        (first..last).map(|c| customer(params, c, spend[(c - first) as usize], q75, years)).collect();
    // prospects: PROSPECT_SHARE of the chunk's size, numbered after all buyers
    let n_prospects = ((last - first) as f64 * PROSPECT_SHARE).round() as u64;
    let base = params.n_customers + chunk * (super::CHUNK_CUSTOMERS as f64 * PROSPECT_SHARE).round() as u64;
    out.extend((0..n_prospects).map(|k| customer(params, base + k, 0.0, q75, years)));
    out
}

fn customer(params: &SynthParams, c: u64, spend: f64, q75: f64, years: f64) -> SynthCustomer {
    let mut rng = Rng::for_stream(params.seed ^ 0x6d61_7374_6572, c);
    let high = spend > q75 && spend > 0.0;
    let weights: Vec<f64> = INDUSTRIES.iter().map(|&(_, w, m)| if high { w * m } else { w }).collect();
    let total: f64 = weights.iter().sum();
    let mut u = rng.uniform() * total;
    let mut industry = INDUSTRIES[INDUSTRIES.len() - 1].0;
    for (k, w) in weights.iter().enumerate() {
        if u < *w {
            industry = INDUSTRIES[k].0;
            break;
        }
        u -= w;
    }
    // size grows with spend: log-normal around a median that rises with annual spend
    let annual = spend / years;
    let employees = (2.6 + 0.9 * (1.0 + annual / 50.0).ln() + rng.normal()).exp().round().max(1.0) as u64;
    let annual_revenue = (employees as f64 * 120_000.0 * (0.4 * rng.normal()).exp() / 100.0).round() * 100.0;
    let region = REGIONS[rng.below(REGIONS.len() as u64) as usize];
    // a budget a few times the annual spend (share of wallet 15-70%), or a size-based guess for
    // prospects; about a fifth of customers have none on file
    let category_budget = (rng.uniform() >= 0.2).then(|| {
        let basis = if annual > 0.0 { annual } else { 20.0 * employees as f64 };
        (basis * (1.4 + 5.0 * rng.uniform()) / 10.0).round() * 10.0
    });
    SynthCustomer { customer: c, industry, employees, annual_revenue, region, category_budget }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::generate_chunk;

    #[test]
    fn value_goes_with_size_and_industry_and_prospects_are_added() {
        let p = SynthParams { n_customers: 4000, ..SynthParams::default() };
        let rows = generate_chunk(&p, 0);
        let m = master_chunk(&p, 0, &rows);
        assert_eq!(m.len(), 4400);
        assert_eq!(m, master_chunk(&p, 0, &rows), "seeded");
        let mut spend = vec![0.0; 4000];
        for r in &rows {
            if !r.is_return {
                spend[r.customer as usize] += r.amount_cents as f64;
            }
        }
        let mean = |f: &dyn Fn(&SynthCustomer) -> bool| {
            let v: Vec<f64> = m[..4000].iter().filter(|c| f(c)).map(|c| spend[c.customer as usize]).collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        // manufacturing customers and large ones spend more than retail and small ones
        assert!(mean(&|c| c.industry == "manufacturing") > 1.5 * mean(&|c| c.industry == "retail"));
        assert!(mean(&|c| c.employees >= 50) > 2.0 * mean(&|c| c.employees < 10));
        assert!(m[4000..].iter().all(|c| c.customer >= 4000));
        let with_budget = m.iter().filter(|c| c.category_budget.is_some()).count();
        assert!((3200..3900).contains(&with_budget), "{with_budget}");
    }
}
