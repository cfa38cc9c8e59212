//! `custseg basket`: against mlxtend on generated baskets, on a transaction log with classes,
//! and `basket evaluate`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::{custseg, repo, text};

/// A seeded stream (an LCG: no dependency).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// `n` with thousands separators, as the summary prints it.
fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (k, ch) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Item names as a basket file may write them: plain, with a space, Chinese.
fn item(k: u64) -> String {
    match k {
        0 => "whole milk".into(),
        1 => "青菜".into(),
        2 => "bread".into(),
        _ => format!("p{k:02}"),
    }
}

/// `n` baskets over 30 items, popularity skewed (item k drawn with weight 1 / (k + 1)), with
/// planted associations: 0 brings 1 (60%), 3 and 4 together bring 5 (70%), 6 brings 7 and 8.
fn baskets(n: usize, seed: u64) -> String {
    let mut rng = Lcg(seed);
    let weights: Vec<f64> = (0..30).map(|k| 1.0 / (k as f64 + 1.0)).collect();
    let total: f64 = weights.iter().sum();
    let mut out = String::new();
    for _ in 0..n {
        let size = 1 + rng.below(5);
        let mut b: Vec<u64> = Vec::new();
        for _ in 0..size {
            let mut x = rng.below(1_000_000) as f64 / 1e6 * total;
            let mut k = 0;
            while k < 29 && x >= weights[k] {
                x -= weights[k];
                k += 1;
            }
            b.push(k as u64);
        }
        if b.contains(&0) && rng.below(10) < 6 {
            b.push(1);
        }
        if b.contains(&3) && b.contains(&4) && rng.below(10) < 7 {
            b.push(5);
        }
        if b.contains(&6) && rng.below(2) == 0 {
            b.extend([7, 8]);
        }
        // repeats stay in the file, as real data has them
        let line: Vec<String> = b.into_iter().map(item).collect();
        let _ = writeln!(out, "{}", line.join(","));
    }
    out
}

/// The repo's oracle venv's python (installed by scripts/install_oracle.sh when missing).
fn oracle_python() -> std::path::PathBuf {
    let root = repo();
    let status = Command::new(root.join("scripts/install_oracle.sh"))
        .status()
        .unwrap_or_else(|e| panic!("cannot run scripts/install_oracle.sh: {e}"));
    assert!(status.success(), "scripts/install_oracle.sh failed: the mlxtend oracle is required");
    root.join(".venv-oracle/bin/python")
}

#[test]
fn itemsets_and_rules_equal_mlxtend_on_generated_baskets() {
    let python = oracle_python();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (n, seed, support, confidence, lift, max_len) in
        [(3000, 7, "0.01", "0.1", "0", "4"), (1500, 11, "0.03", "0.3", "1.2", "3"), (800, 5, "0.005", "0.5", "2", "2")]
    {
        let file = dir.path().join(format!("b{seed}.csv"));
        std::fs::write(&file, baskets(n, seed)).unwrap_or_else(|e| panic!("{e}"));
        let out_dir = dir.path().join(format!("out{seed}"));
        let args = [
            "basket",
            "-t",
            file.to_str().unwrap_or(""),
            "--min-support",
            support,
            "--min-confidence",
            confidence,
            "--min-lift",
            lift,
            "--max-len",
            max_len,
            "-o",
            out_dir.to_str().unwrap_or(""),
        ];
        let out = custseg(&args, dir.path());
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(&format!("Baskets: {}", group(n))), "{}", text(&out.stdout));
        let oracle = Command::new(&python)
            .arg(repo().join("scripts/mlxtend_oracle.py"))
            .args([file.as_os_str(), out_dir.as_os_str()])
            .args([support, confidence, lift, max_len])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let said = text(&oracle.stdout);
        assert!(oracle.status.success(), "seed {seed}: {said}{}", text(&oracle.stderr));
        // "ok ITEMSETS RULES SECONDS": both found something to compare
        let counts: Vec<usize> = said.split_whitespace().skip(1).take(2).filter_map(|w| w.parse().ok()).collect();
        assert!(counts.len() == 2 && counts[0] > 30 && counts[1] > 0, "seed {seed}: {said}");
    }
}

/// A log with products, two classes of behaviour and an order id.
fn log(path: &Path) {
    let mut rng = Lcg(3);
    let mut s = String::from("customer_id,order_id,order_date,product,amount\n");
    for c in 0..400u64 {
        let days = 2 + rng.below(4);
        for d in 0..days {
            let order = format!("O{c}-{d}");
            let date = format!("2024-{:02}-{:02}", 1 + d, 1 + rng.below(28));
            // half the customers pair tea with cake; everyone buys from the long tail
            let mut items = vec![format!("p{:02}", 10 + rng.below(20))];
            if c.is_multiple_of(2) {
                items.push("tea".into());
                if rng.below(10) < 8 {
                    items.push("cake".into());
                }
            } else if rng.below(10) < 3 {
                items.push("tea".into());
            }
            for i in items {
                let _ = writeln!(s, "C{c:03},{order},{date},{i},{}.50", 5 + rng.below(40));
            }
        }
    }
    std::fs::write(path, s).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_log_gives_rules_by_class_recommendations_and_an_evaluation() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    log(&dir.path().join("orders.csv"));
    let out = custseg(&["basket", "-t", "orders.csv", "--min-support", "0.02", "-o", "b"], dir.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("tea ⇒ cake") || stdout.contains("cake ⇒ tea"), "{stdout}");
    let read = |f: &str| std::fs::read_to_string(dir.path().join("b").join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let rules = read("rules.csv");
    assert!(rules.starts_with("rank,antecedent,consequent,count,support,confidence,lift,leverage,conviction\n"));
    let recs = read("recommendations.csv");
    assert!(
        recs.starts_with("customer_id,rank,item,score,source,rule,because,confidence,lift,segment,reason\n"),
        "{recs}"
    );
    // an odd customer who bought tea but never cake is recommended cake, by the rule
    let json: serde_json::Value = serde_json::from_str(&read("basket.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["item"], "product");
    let rows = &json["rows"];
    assert_eq!(
        rows["kept"].as_u64(),
        Some(
            rows["in_baskets"].as_u64().unwrap_or(0)
                + rows["returns"].as_u64().unwrap_or(0)
                + rows["without_item"].as_u64().unwrap_or(0)
        )
    );
    assert!(
        recs.lines().any(|l| l.contains(",cake,") && l.contains(",rule,") && l.contains("bought tea → cake")),
        "{recs}"
    );
    // no one is recommended what they bought: C000 bought tea
    assert!(!recs.lines().any(|l| l.starts_with("C000,") && l.contains(",tea,")));
    assert!(read("segment_rules.csv").starts_with("scheme,segment,segment_name,antecedent,consequent,"));
    let items = read("segment_items.csv");
    assert!(items.lines().count() > 2, "{items}");

    let out = custseg(&["basket", "evaluate", "-t", "orders.csv", "--min-support", "0.02", "-o", "e"], dir.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Evaluated: 400 / 400"), "{stdout}");
    assert!(stdout.contains("NDCG@10"), "{stdout}");
    let eval = std::fs::read_to_string(dir.path().join("e/basket_evaluation.csv")).unwrap_or_else(|e| panic!("{e}"));
    assert!(eval.starts_with("model,k,metric,value,low,high\n"));
    // 3 models and 2 differences, 2 ks, 4 measures
    assert_eq!(eval.lines().count(), 1 + 5 * 2 * 4);
    for l in eval.lines().skip(1) {
        let v: Vec<f64> = l.split(',').skip(3).filter_map(|x| x.parse().ok()).collect();
        assert!(v.len() == 3 && v[1] <= v[0] + 1e-12 && v[0] <= v[2] + 1e-12, "interval around the value: {l}");
    }
}

#[test]
fn a_basket_file_is_recognised_and_evaluate_refuses_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("g.csv"), "milk,bread\nbread,jam,milk\n\nbeer\nmilk,bread,beer\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = custseg(&["basket", "-t", "g.csv", "--min-support", "0.5", "-o", "o"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // 5 lines: 4 baskets and one empty line
    assert!(stdout.contains("Baskets: 4 (4 items); 4 rows in baskets, 0 returns, 1 without an item"), "{stdout}");
    let sets = std::fs::read_to_string(dir.path().join("o/itemsets.csv")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sets, "items,size,count,support\nbeer,1,2,0.5\nbread,1,3,0.75\nmilk,1,3,0.75\nbread|milk,2,3,0.75\n");
    let out = custseg(&["basket", "evaluate", "-t", "g.csv", "-o", "o"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("basket-per-line file"), "{}", text(&out.stderr));
}
