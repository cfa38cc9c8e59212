use custseg_core::catalog::{Lang, Names};
use rusqlite::Connection;

use super::*;

fn sample<'a>(ids: &'a [&'a str], codes: &'a [Vec<Option<u16>>]) -> NewRun<'a> {
    NewRun {
        as_of: "2024-07-01",
        version: "0.1.0",
        config_hash: "abc".into(),
        config_json: "{}".into(),
        inputs_json: "[]".into(),
        rows: (10, 9, 1),
        rows_after_as_of: 0,
        out_dir: "out".into(),
        dataset: "shop".into(),
        schemes: vec![
            SchemeLabels {
                scheme: "abc".into(),
                name: Names::new("ABC tier", "ABC 分类"),
                labels: vec![("a".into(), "A".into()), ("b".into(), Names::new("B", "B类"))],
            },
            SchemeLabels {
                scheme: "lifecycle".into(),
                name: "Lifecycle".into(),
                labels: vec![("active".into(), "Active".into())],
            },
        ],
        ids,
        codes: codes.iter().map(Vec::as_slice).collect(),
        recency_days: vec![Some(3.0), None],
        frequency: vec![Some(2.0), Some(0.0)],
        monetary: vec![Some(10.5), Some(0.0)],
        clv: vec![None, None],
        p_alive: vec![Some(0.9), None],
    }
}

#[test]
fn runs_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.db");
    let ids = ["C1", "C2"];
    let codes = vec![vec![Some(1), Some(0)], vec![Some(0), None]];
    let id = {
        let mut store = Store::open(&path).expect("open");
        let id = store.record(&sample(&ids, &codes)).expect("record");
        // recorded, outputs not yet published: listed as incomplete, never compared with
        assert!(!store.run_info(id).expect("info").complete);
        assert_eq!(store.previous_with_config("abc", "shop", id + 1).expect("prev"), None);
        assert!(store.customer_history("C1").expect("history").rows.is_empty());
        store.complete(id).expect("complete");
        id
    };
    let store = Store::open(&path).expect("reopen");
    let runs = store.runs().expect("runs");
    assert!(runs[0].complete);
    assert_eq!(runs[0].dataset, "shop");
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].id, runs[0].as_of.as_str(), runs[0].customers, runs[0].rows),
        (id, "2024-07-01", 2, (10, 9, 1))
    );
    let run = store.load(id).expect("load");
    assert_eq!(run.ids, ids);
    assert_eq!(run.codes, codes);
    assert_eq!(run.label(0, 0), Some("b"));
    assert_eq!(run.label(1, 1), None);
    assert_eq!(run.recency_days, vec![Some(3.0), None]);
    assert_eq!(run.p_alive, vec![Some(0.9), None]);
    let h = store.customer_history("C1").expect("history");
    assert_eq!(h.rows.len(), 1);
    // both languages' names come back
    let l = &h.rows[0].labels;
    assert_eq!(l.len(), 2);
    assert_eq!((l[0].scheme.as_str(), l[0].label.as_str()), ("abc", "b"));
    assert_eq!((l[0].name.get(Lang::Zh), l[0].scheme_name.get(Lang::Zh)), ("B类", "ABC 分类"));
    assert_eq!((l[1].label.as_str(), l[1].name.get(Lang::En)), ("active", "Active"));
    assert_eq!(store.previous_with_config("abc", "shop", id + 1).expect("prev"), Some(id));
    assert_eq!(store.previous_with_config("abc", "shop", id).expect("prev"), None);
    // another dataset with the same configuration is never the previous run
    assert_eq!(store.previous_with_config("abc", "other", id + 1).expect("prev"), None);
    assert!(matches!(store.load(id + 5), Err(EngineError::NoSuchRun { .. })));
}

#[test]
fn an_old_store_is_migrated_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    {
        // a version-1 store with one run, as custseg 0.1 wrote it
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(schema::SCHEMA_V1).expect("v1");
        conn.pragma_update(None, "user_version", 1).expect("version");
        conn.execute_batch(
            "INSERT INTO runs VALUES (1, '2026-01-01T00:00:00Z', '2025-12-31', '0.1.0', 'h', '{}', '[]', 3, 3, 0, 1, 'o');
             INSERT INTO run_schemes VALUES (1, 0, 'abc', '[[\"a\",\"A\"]]');
             INSERT INTO run_customers VALUES (1, 'X', 1.0, 2.0, 3.0, NULL, x'0000');",
        )
        .expect("rows");
    }
    let store = Store::open(&path).expect("migrate");
    assert_eq!(schema::version(&store.conn).expect("version"), schema::CURRENT);
    let run = store.load(1).expect("old run");
    assert_eq!(run.ids, ["X"]);
    assert_eq!(run.label(0, 0), Some("a"));
    // its names, stored in one language, serve both; the scheme's from the catalog
    assert_eq!(run.schemes[0].labels[0].1, Names::same("A"));
    assert_eq!(run.schemes[0].name.get(Lang::Zh), "ABC 分类");
    assert_eq!(run.p_alive, vec![None]);
    // the v2 index is there
    let n: i64 = store
        .conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'run_customers_by_customer'", [], |r| r.get(0))
        .expect("index");
    assert_eq!(n, 1);
}

#[test]
fn a_newer_store_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new.db");
    Connection::open(&path).expect("open").pragma_update(None, "user_version", 99).expect("version");
    let err = Store::open(&path).expect_err("newer");
    assert!(err.to_string().contains("schema version 99 is newer"), "{err}");
}

#[test]
fn config_hash_ignores_the_run_section() {
    let mut a = crate::Config::default();
    let b = crate::Config::default();
    a.run.as_of = Some("2024-01-01".parse().expect("date"));
    a.run.lang = Some(custseg_core::catalog::Lang::Zh);
    assert_eq!(config_hash(&a), config_hash(&b));
    a.abc.a_share = 0.7;
    assert_ne!(config_hash(&a), config_hash(&b));
}
