//! Migration (迁移) between two stored runs: per scheme, how many customers (and how much
//! revenue) went from each label to each label, including customers who appeared (`(new)`)
//! or disappeared (`(gone)`), the net flow per label, and upgrades / downgrades.
//!
//! Customers are matched by id. Revenue is the customer's monetary value in the later run (in
//! the earlier one for customers who disappeared). Upgrades and downgrades follow a documented
//! order of labels, best first: the catalog order of the built-in schemes (champions … lost,
//! A/B/C, high/mid/low …), cluster numbers (1 = highest mean monetary), and for the lifecycle
//! active, reactivated, new, at risk, churned, prospect. Rule schemes and other schemes have no
//! order: their moves are neither upgrades nor downgrades.

use std::collections::BTreeMap;

use custseg_core::catalog::{self, Lang, Names};
use custseg_data::sink::{Column, Table};

use crate::store::StoredRun;

/// Label of customers only in the later run.
pub const NEW: &str = "(new)";
/// Label of customers only in the earlier run.
pub const GONE: &str = "(gone)";

/// One scheme's migration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemeMigration {
    /// Scheme id.
    pub scheme: String,
    /// Labels in display order (the later run's, then labels only the earlier run had).
    pub labels: Vec<String>,
    /// Display names, parallel to `labels`.
    pub names: Vec<Names>,
    /// `(from, to) -> (customers, revenue)`, with [`NEW`] / [`GONE`] for appearances.
    pub cells: BTreeMap<(String, String), (u64, f64)>,
    /// Customers in both runs with a label in both.
    pub matched: u64,
    /// Of those, customers whose label did not change.
    pub stayed: u64,
    /// Moves to a better label (ordered schemes only).
    pub upgrades: u64,
    /// Moves to a worse label.
    pub downgrades: u64,
    /// Customers only in the later run.
    pub appeared: u64,
    /// Customers only in the earlier run.
    pub disappeared: u64,
}

impl SchemeMigration {
    /// Customers moving from `from` to `to`.
    pub fn count(&self, from: &str, to: &str) -> u64 {
        self.cells.get(&(from.to_string(), to.to_string())).map_or(0, |c| c.0)
    }

    /// Per label: customers flowing in (from other labels or new), out (to other labels or
    /// gone), and the net change.
    pub fn net_flows(&self) -> Vec<(String, u64, u64, i64)> {
        self.labels
            .iter()
            .map(|l| {
                let inflow: u64 = self.cells.iter().filter(|((f, t), _)| t == l && f != l).map(|(_, c)| c.0).sum();
                let outflow: u64 = self.cells.iter().filter(|((f, t), _)| f == l && t != l).map(|(_, c)| c.0).sum();
                (l.clone(), inflow, outflow, inflow as i64 - outflow as i64)
            })
            .collect()
    }

    /// Share of matched customers who kept their label.
    pub fn stability(&self) -> Option<f64> {
        (self.matched > 0).then(|| self.stayed as f64 / self.matched as f64)
    }
}

/// Rank of a label in its scheme's order, best first; `None` for unordered schemes.
pub fn rank(scheme: &str, label: &str) -> Option<usize> {
    if scheme == "lifecycle" {
        return ["active", "reactivated", "new", "at_risk", "churned", "prospect"].iter().position(|l| *l == label);
    }
    if scheme == "cluster" {
        return label.parse().ok();
    }
    catalog::labels_of(scheme).iter().position(|l| *l == label)
}

/// The migration of every scheme both runs have (or only `only`).
pub fn migrate(a: &StoredRun, b: &StoredRun, only: Option<&str>) -> Vec<SchemeMigration> {
    let mut out = Vec::new();
    for (sb, scheme) in b.schemes.iter().enumerate() {
        if only.is_some_and(|o| o != scheme.scheme) {
            continue;
        }
        let Some(sa) = a.scheme(&scheme.scheme) else { continue };
        let mut m = SchemeMigration { scheme: scheme.scheme.clone(), ..SchemeMigration::default() };
        for (id, name) in scheme.labels.iter().chain(&a.schemes[sa].labels) {
            if !m.labels.contains(id) {
                m.labels.push(id.clone());
                m.names.push(name.clone());
            }
        }
        let mut add = |from: &str, to: &str, revenue: Option<f64>| {
            let c = m.cells.entry((from.to_string(), to.to_string())).or_insert((0, 0.0));
            c.0 += 1;
            c.1 += revenue.unwrap_or(0.0);
        };
        // both runs list customers sorted by id: merge
        let (mut i, mut j) = (0, 0);
        while i < a.ids.len() || j < b.ids.len() {
            let ord = match (a.ids.get(i), b.ids.get(j)) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            match ord {
                std::cmp::Ordering::Less => {
                    if let Some(l) = a.label(sa, i) {
                        add(l, GONE, a.monetary[i]);
                        m.disappeared += 1;
                    }
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    if let Some(l) = b.label(sb, j) {
                        add(NEW, l, b.monetary[j]);
                        m.appeared += 1;
                    }
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    match (a.label(sa, i), b.label(sb, j)) {
                        (Some(x), Some(y)) => {
                            add(x, y, b.monetary[j]);
                            m.matched += 1;
                            if x == y {
                                m.stayed += 1;
                            } else if let (Some(rx), Some(ry)) = (rank(&scheme.scheme, x), rank(&scheme.scheme, y)) {
                                if ry < rx {
                                    m.upgrades += 1;
                                } else if ry > rx {
                                    m.downgrades += 1;
                                }
                            }
                        }
                        (None, Some(y)) => {
                            add(NEW, y, b.monetary[j]);
                            m.appeared += 1;
                        }
                        (Some(x), None) => {
                            add(x, GONE, a.monetary[i]);
                            m.disappeared += 1;
                        }
                        (None, None) => {}
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        out.push(m);
    }
    out
}

/// `migration.csv`: scheme, from, to (ids and names), customers, revenue; per scheme in the
/// later run's order, then by from and to label order ([`NEW`] first, [`GONE`] last).
pub fn migration_table(ms: &[SchemeMigration], lang: Lang) -> Table {
    let (mut scheme, mut from, mut to, mut from_name, mut to_name, mut n, mut rev) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for m in ms {
        let pos = |l: &str| match l {
            NEW => 0,
            GONE => usize::MAX,
            _ => 1 + m.labels.iter().position(|x| x == l).unwrap_or(usize::MAX - 2),
        };
        let name = |l: &str| {
            m.labels.iter().position(|x| x == l).map_or_else(|| l.to_string(), |k| m.names[k].get(lang).to_string())
        };
        let mut cells: Vec<_> = m.cells.iter().collect();
        cells.sort_by_key(|((f, t), _)| (pos(f), pos(t)));
        for ((f, t), (c, r)) in cells {
            scheme.push(Some(m.scheme.clone()));
            from.push(Some(f.clone()));
            to.push(Some(t.clone()));
            from_name.push(Some(name(f)));
            to_name.push(Some(name(t)));
            n.push(Some(*c as i64));
            rev.push(Some((r * 100.0).round() / 100.0));
        }
    }
    let mut t = Table::default();
    t.push("scheme", Column::Str(scheme));
    t.push("from", Column::Str(from));
    t.push("to", Column::Str(to));
    t.push("from_name", Column::Str(from_name));
    t.push("to_name", Column::Str(to_name));
    t.push("customers", Column::Int(n));
    t.push("revenue", Column::Float(rev));
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{RunInfo, SchemeLabels};

    fn run(ids: &[&str], labels: &[Option<u16>], monetary: &[f64]) -> StoredRun {
        StoredRun {
            info: RunInfo { id: 1, customers: ids.len() as i64, ..RunInfo::default() },
            schemes: vec![SchemeLabels {
                scheme: "abc".into(),
                name: "ABC".into(),
                labels: vec![("a".into(), "A".into()), ("b".into(), "B".into()), ("c".into(), "C".into())],
            }],
            ids: ids.iter().map(|s| s.to_string()).collect(),
            codes: vec![labels.to_vec()],
            recency_days: vec![None; ids.len()],
            frequency: vec![None; ids.len()],
            monetary: monetary.iter().map(|m| Some(*m)).collect(),
            clv: vec![None; ids.len()],
            p_alive: vec![None; ids.len()],
        }
    }

    /// By hand: P a->a, Q a->b, R b->a, S c->c, T gone (was b), U new (c), V a->c.
    #[test]
    fn transitions_by_hand() {
        let a =
            run(&["P", "Q", "R", "S", "T", "V"], &[Some(0), Some(0), Some(1), Some(2), Some(1), Some(0)], &[1.0; 6]);
        let b = run(
            &["P", "Q", "R", "S", "U", "V"],
            &[Some(0), Some(1), Some(0), Some(2), Some(2), Some(2)],
            &[10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        );
        let m = &migrate(&a, &b, None)[0];
        assert_eq!((m.matched, m.stayed, m.upgrades, m.downgrades, m.appeared, m.disappeared), (5, 2, 1, 2, 1, 1));
        assert_eq!(m.count("a", "a"), 1);
        assert_eq!(m.count("a", "b"), 1);
        assert_eq!(m.count("a", "c"), 1);
        assert_eq!(m.count("b", "a"), 1);
        assert_eq!(m.count("b", GONE), 1);
        assert_eq!(m.count(NEW, "c"), 1);
        // rows sum to the earlier run's label counts, columns to the later run's
        for (l, n_a, n_b) in [("a", 3, 2), ("b", 2, 1), ("c", 1, 3)] {
            let row: u64 = m.cells.iter().filter(|((f, _), _)| f == l).map(|(_, c)| c.0).sum();
            let col: u64 = m.cells.iter().filter(|((_, t), _)| t == l).map(|(_, c)| c.0).sum();
            assert_eq!((row, col), (n_a, n_b), "{l}");
        }
        // revenue is the later run's (the earlier one's for the gone)
        assert_eq!(m.cells[&("a".to_string(), "c".to_string())].1, 60.0);
        assert_eq!(m.cells[&("b".to_string(), GONE.to_string())].1, 1.0);
        let net = m.net_flows();
        assert_eq!(net[0], ("a".to_string(), 1, 2, -1));
        assert_eq!(net[2], ("c".to_string(), 2, 0, 2));
        assert_eq!(m.stability(), Some(0.4));
        let t = migration_table(std::slice::from_ref(m), Lang::En);
        assert_eq!(t.n_rows(), m.cells.len());
        assert_eq!(t.get("from").and_then(|c| c.text(0)).as_deref(), Some(NEW));
    }

    #[test]
    fn label_orders() {
        assert!(rank("rfm_segment", "champions") < rank("rfm_segment", "lost"));
        assert!(rank("lifecycle", "active") < rank("lifecycle", "churned"));
        assert!(rank("cluster", "1") < rank("cluster", "2"));
        assert_eq!(rank("importance", "key"), None);
    }
}
