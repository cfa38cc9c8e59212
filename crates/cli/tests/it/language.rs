//! One language at a time: what a Chinese reader sees of the demos (the terminal, the report,
//! `show`, `history`, `playbook`) has no English words outside ids, data values and the
//! technical terms practitioners use untranslated; and an English report rebuilt from a Chinese
//! run has no Chinese outside data values.

use std::collections::BTreeSet;
use std::path::Path;

use super::{custseg, text};

/// Words left in English on purpose: acronyms and names of methods, measures and their authors,
/// the product and the sample's names, and symbols of the models' parameters.
const ALLOWED: &[&str] = &[
    "RFM",
    "NDCG",
    "CLV",
    "ABC",
    "BG",
    "NBD",
    "MBG",
    "Pareto",
    "Gamma",
    "Gini",
    "VIP",
    "App",
    "CDNOW",
    "UTF",
    "GBK",
    "ASCII",
    "CSV",
    "BOM",
    "alive",
    "Calinski",
    "Harabasz",
    "Davies",
    "Bouldin",
    "Fader",
    "Hardie",
    "Lee",
    "Schmittlein",
    "Morrison",
    "Colombo",
    "SD",
    "custseg",
    "means",
    "prototypes",
    "B2B",
    "YYYYMMDD",
    "YYYY",
    "MM",
    "DD",
    "alpha",
    "beta",
    "gamma",
    "bgnbd",
    "mbgnbd",
    "kmeans",
    "kprototypes",
    "PAR",
    "JSON",
    "SQL",
    "HTML",
    "Excel",
    "Parquet",
    "SQLite",
];

/// Removes `<script>` and `<style>` elements and tags, and decodes the entities the report uses.
fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    for tag in ["script", "style"] {
        while let Some(a) = s.find(&format!("<{tag}")) {
            let end = s[a..].find(&format!("</{tag}>")).map_or(s.len(), |e| a + e + tag.len() + 3);
            s.replace_range(a..end, " ");
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// The English words of `text` that are not ids or data values: `known` are the ids and values
/// of this run (column names, label ids, customer ids ...). A run of ASCII that holds a file
/// name, path, option, config key, number or `snake_case` id is an id as a whole; so is
/// anything in backticks or in `[section]` brackets, and a command line to type.
fn english_words(text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let text: Vec<&str> = text.lines().filter(|l| !l.trim_start().starts_with("custseg ")).collect();
    // backtick spans and [config] sections are ids
    let mut cleaned = String::with_capacity(text.len());
    let (mut tick, mut bracket) = (false, false);
    for c in text.join("\n").chars() {
        match c {
            '`' => tick = !tick,
            '[' if !tick => bracket = true,
            ']' if bracket => bracket = false,
            c if !tick && !bracket => cleaned.push(c),
            _ => {}
        }
    }
    for run in cleaned.split(|c: char| !c.is_ascii() || c.is_ascii_whitespace()) {
        let run = run.trim_matches(|c: char| ",;:()\"'.!?|".contains(c));
        if run.is_empty()
            || run.starts_with('-')
            || run.contains(['_', '/', '\\', '=', '@'])
            || run.contains('.') && run.chars().any(|c| c.is_ascii_alphabetic())
            || run.chars().any(|c| c.is_ascii_digit())
            || known.contains(run)
        {
            continue;
        }
        for word in run.split(|c: char| !c.is_ascii_alphabetic()) {
            if word.len() >= 2 && !ALLOWED.contains(&word) && !known.contains(word) {
                found.insert(word.to_string());
            }
        }
    }
    found
}

/// The run's ids and data values: the header and values of its CSV outputs and inputs.
fn ids_of(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{e}")).flatten() {
        let p = entry.path();
        if p.extension().is_some_and(|e| e == "csv") {
            let body = std::fs::read_to_string(&p).unwrap_or_default();
            for line in body.lines() {
                out.extend(line.split(',').map(|v| v.trim_matches('"').to_string()));
            }
        }
    }
    out
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn check(what: &str, text: &str, known: &BTreeSet<String>) {
    assert!(has_cjk(text), "{what}: no Chinese at all");
    let words = english_words(text, known);
    assert!(words.is_empty(), "{what}: untranslated English {words:?}\n{text}");
}

fn run_ok(args: &[&str], cwd: &Path) -> String {
    let o = custseg(args, cwd);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout) + &text(&o.stderr)
}

#[test]
fn the_chinese_outputs_of_the_demos_speak_chinese() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cwd = tmp.path();
    for dataset in ["cdnow", "b2b"] {
        let out = format!("demo_{dataset}");
        let terminal = run_ok(&["demo", "--dataset", dataset, "--lang", "zh", "-o", &out], cwd);
        let known = ids_of(&cwd.join(&out));
        check(&format!("{dataset} terminal"), &terminal, &known);
        let html = std::fs::read_to_string(cwd.join(&out).join("report.html")).unwrap_or_default();
        check(&format!("{dataset} report"), &visible_text(&html), &known);
    }
    // the history commands, over two recorded runs of the demo log
    let log = cwd.join("demo_cdnow/cdnow_transactions.csv");
    let log = log.to_str().unwrap_or_default();
    for (out, as_of) in [("r1", "1998-01-01"), ("r2", "1998-07-01")] {
        run_ok(&["run", "-t", log, "--as-of", as_of, "-o", out, "--lang", "zh", "--store", "s.db", "-q"], cwd);
    }
    let known = ids_of(&cwd.join("r2"));
    let customer = known.iter().find(|v| v.len() == 4 && v.chars().all(|c| c.is_ascii_digit())).cloned();
    let customer = customer.unwrap_or_else(|| panic!("no customer id in the outputs"));
    for args in [
        vec!["show", "2", "--lang", "zh", "--store", "s.db"],
        vec!["show", "--customer", &customer, "--lang", "zh", "--store", "s.db"],
        vec!["history", "--lang", "zh", "--store", "s.db"],
        vec!["playbook", "--lang", "zh"],
        vec!["diff", "1", "2", "--lang", "zh", "--store", "s.db", "-o", "d"],
    ] {
        check(&args.join(" "), &run_ok(&args, cwd), &known);
    }
    // the same Chinese runs read in English
    for args in [
        vec!["show", "2", "--lang", "en", "--store", "s.db"],
        vec!["show", "--customer", &customer, "--lang", "en", "--store", "s.db"],
        vec!["diff", "1", "2", "--lang", "en", "--store", "s.db", "-o", "d_en"],
    ] {
        let out = run_ok(&args, cwd);
        assert!(!has_cjk(&out), "{}: Chinese in English output\n{out}", args.join(" "));
    }
    // a report rebuilt in the other language than its run's
    run_ok(&["report", "r2", "--lang", "en", "-o", "en.html"], cwd);
    let en = visible_text(&std::fs::read_to_string(cwd.join("en.html")).unwrap_or_default());
    let cjk: String = en.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).take(40).collect();
    assert!(cjk.is_empty(), "English report of a Chinese run has Chinese: {cjk}");
    run_ok(&["run", "-t", log, "-o", "r3", "--lang", "en", "--no-store", "-q"], cwd);
    run_ok(&["report", "r3", "--lang", "zh", "-o", "zh.html"], cwd);
    let zh = visible_text(&std::fs::read_to_string(cwd.join("zh.html")).unwrap_or_default());
    check("Chinese report of an English run", &zh, &ids_of(&cwd.join("r3")));
}

#[test]
fn the_word_finder_finds_words_and_passes_ids() {
    let known: BTreeSet<String> = ["amount".to_string()].into();
    let found =
        english_words("警告: 21 rows kept `付款 x` [wallet] estimate_by cdnow.csv --dedupe amount RFM 冠军", &known);
    assert_eq!(found, ["kept".to_string(), "rows".to_string()].into());
    assert_eq!(visible_text("<style>a{}</style><p>x &amp; <b>y</b></p>").trim(), "x &  y");
}
