//! The engine's modules form no import circle (ARCHITECTURE.md): each stage owns its
//! configuration section and knows nothing of the configuration, model, pipeline or commands
//! above it. Read from the sources: every `crate::module` a module's non-test code names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules its code names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap_or(&path).to_string_lossy().into_owned();
            if !rel.ends_with(".rs") || rel.ends_with("tests.rs") || rel == "lib.rs" {
                continue;
            }
            let top = rel.split('/').next().unwrap_or("").trim_end_matches(".rs").to_string();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let deps = graph.entry(top.clone()).or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (i, _) in line.match_indices("crate::") {
                    let rest = &line[i + "crate::".len()..];
                    let names: Vec<&str> = match rest.strip_prefix('{') {
                        Some(group) => group.split('}').next().unwrap_or("").split(',').collect(),
                        None => vec![rest],
                    };
                    for n in names {
                        let n: String = n.trim().chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                        if !n.is_empty() && n != top {
                            deps.insert(n);
                        }
                    }
                }
            }
        }
    }
    graph
}

/// A circle through `from`, if there is one: the modules along it.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        goal: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == goal {
                return true;
            }
            if graph.contains_key(next) && seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, next, goal, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_string()];
    walk(graph, from, from, &mut path, &mut BTreeSet::new()).then(|| {
        path.push(from.to_string());
        path
    })
}

#[test]
fn the_engine_modules_form_no_import_circle() {
    let graph = imports();
    assert!(graph.len() > 20 && graph["pipeline"].contains("label"), "the sources were not read: {graph:?}");
    let circles: Vec<String> = graph.keys().filter_map(|m| circle(&graph, m)).map(|c| c.join(" -> ")).collect();
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

#[test]
fn stages_do_not_know_the_configuration_or_what_is_built_on_them() {
    let graph = imports();
    let above =
        ["config", "model", "label", "one", "input", "pipeline", "commands", "history", "track", "demo", "inspect"];
    for stage in [
        "classify",
        "cluster",
        "clv",
        "rules",
        "matrix",
        "lookalike",
        "wallet",
        "playbook",
        "alerts",
        "output",
        "basket",
    ] {
        let knows: Vec<&str> = above.iter().copied().filter(|a| graph[stage].contains(*a)).collect();
        assert!(knows.is_empty(), "{stage} imports {knows:?}");
    }
}
