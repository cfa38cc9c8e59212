use super::*;
use crate::math::Rng;

/// `per` points around each of `centres` (2-D), standard deviation `sd`, seeded.
fn blobs(centres: &[(f64, f64)], per: usize, sd: f64, seed: u64) -> (Vec<f64>, Vec<u32>) {
    let mut rng = Rng::new(seed);
    let mut x = Vec::new();
    let mut truth = Vec::new();
    for (j, &(cx, cy)) in centres.iter().enumerate() {
        for _ in 0..per {
            x.push(cx + sd * rng.normal());
            x.push(cy + sd * rng.normal());
            truth.push(j as u32);
        }
    }
    (x, truth)
}

/// Whether two labelings are the same partition.
fn same_partition(a: &[u32], b: &[u32]) -> bool {
    let mut map = std::collections::HashMap::new();
    let mut back = std::collections::HashMap::new();
    a.iter().zip(b).all(|(x, y)| *map.entry(x).or_insert(y) == y && *back.entry(y).or_insert(x) == x)
}

const CENTRES: [(f64, f64); 4] = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0)];

#[test]
fn recovers_well_separated_blobs() {
    let (x, truth) = blobs(&CENTRES, 500, 1.0, 1);
    let p = KMeansParams { n_clusters: 4, ..KMeansParams::default() }.check().expect("valid");
    let m = fit(&x, 2, None, &p).expect("fit");
    assert!(same_partition(&m.labels, &truth));
    assert!(m.converged);
    assert_eq!(m.predict(&x).expect("predict"), m.labels);
}

#[test]
fn hamerly_and_plain_lloyd_agree() {
    let (x, _) = blobs(&CENTRES, 3000, 3.0, 2);
    for k in [3, 4, 7] {
        let fast = KMeansParams { n_clusters: k, n_init: 1, ..KMeansParams::default() }.check().expect("valid");
        let plain = KMeansParams { accelerated: false, ..fast.params().clone() }.check().expect("valid");
        let a = fit(&x, 2, None, &fast).expect("fit");
        let b = fit(&x, 2, None, &plain).expect("fit");
        assert_eq!(a.labels, b.labels, "k = {k}");
        assert_eq!(a.n_iter, b.n_iter);
        assert!((a.inertia - b.inertia).abs() <= 1e-9 * b.inertia);
    }
}

#[test]
fn same_seed_same_result_with_one_or_two_threads() {
    let (x, _) = blobs(&CENTRES, 5000, 4.0, 3);
    let p = KMeansParams { n_clusters: 5, ..KMeansParams::default() }.check().expect("valid");
    let run = |threads| {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool").install(|| fit(&x, 2, None, &p))
    };
    let (a, b) = (run(1).expect("fit"), run(2).expect("fit"));
    assert_eq!(a, b);
}

#[test]
fn inertia_never_increases_across_iterations() {
    let (x, _) = blobs(&CENTRES, 2000, 5.0, 4);
    let data = fit::Data::new(&x, 2, None).expect("data");
    let mut rng = Rng::for_stream(9, 0);
    let start = fit::kmeans_plus_plus(&data, 6, &mut rng);
    let mut last = f64::INFINITY;
    for iters in 1..15 {
        let m = fit::lloyd(&data, start.clone(), iters, 0.0, true);
        assert!(m.inertia <= last * (1.0 + 1e-12), "{iters}: {} > {last}", m.inertia);
        last = m.inertia;
    }
}

#[test]
fn weights_pull_centres() {
    // one cluster over three points; weight 8 on the last puts the centre at 8/10 of the way
    let x = [0.0, 0.0, 10.0];
    let p = KMeansParams { n_clusters: 1, ..KMeansParams::default() }.check().expect("valid");
    let m = fit(&x, 1, Some(&[1.0, 1.0, 8.0]), &p).expect("fit");
    assert!((m.centroids[0] - 8.0).abs() < 1e-12);
}

#[test]
fn degenerate_inputs_give_clear_errors_or_documented_results() {
    let p = KMeansParams { n_clusters: 3, ..KMeansParams::default() }.check().expect("valid");
    assert_eq!(fit(&[1.0, 2.0], 1, None, &p), Err(KMeansError::TooFewRows { n_rows: 2, n_clusters: 3 }));
    assert!(matches!(fit(&[1.0, f64::NAN, 3.0, 4.0], 1, None, &p), Err(KMeansError::NonFinite { row: 1, .. })));
    assert!(matches!(fit(&[1.0, 2.0, 3.0], 2, None, &p), Err(KMeansError::Shape { .. })));
    assert!(matches!(fit(&[1.0, 2.0, 3.0], 1, Some(&[1.0, -1.0, 1.0]), &p), Err(KMeansError::Weight { row: 1, .. })));
    // identical rows: every cluster but one is re-seeded onto the same point; inertia 0
    let m = fit(&[5.0; 20], 1, None, &p).expect("fit");
    assert_eq!(m.inertia, 0.0);
    assert!(m.centroids.iter().all(|c| *c == 5.0));
    assert!(KMeansParams { n_clusters: 0, ..KMeansParams::default() }.check().is_err());
}

/// scikit-learn 1.9.1 from the same initial centres (testdata/kmeans, scripts/kmeans_reference.py):
/// the same final partition and inertia.
#[test]
fn matches_scikit_learn_from_the_same_start() {
    let parse = |text: &str| -> Vec<f64> {
        text.lines().flat_map(|l| l.split(',').map(|v| v.trim().parse::<f64>().expect("number"))).collect()
    };
    let x = parse(include_str!("../../../../testdata/kmeans/data.csv"));
    let init = parse(include_str!("../../../../testdata/kmeans/init.csv"));
    let expected: serde_json::Value =
        serde_json::from_str(include_str!("../../../../testdata/kmeans/expected.json")).expect("json");
    let want_inertia = expected["inertia"].as_f64().expect("inertia");
    let want_labels: Vec<u32> =
        expected["labels"].as_array().expect("labels").iter().map(|v| v.as_u64().expect("label") as u32).collect();
    for accelerated in [true, false] {
        let p =
            KMeansParams { n_clusters: 4, n_init: 1, accelerated, ..KMeansParams::default() }.check().expect("valid");
        let m = fit_from(&x, 3, None, &init, &p).expect("fit");
        assert!(((m.inertia - want_inertia) / want_inertia).abs() < 1e-6, "{} vs {want_inertia}", m.inertia);
        assert_eq!(m.labels, want_labels);
    }
}

#[test]
fn mini_batch_recovers_blobs_and_is_deterministic() {
    let (x, truth) = blobs(&CENTRES, 5000, 1.0, 5);
    let p = KMeansParams { n_clusters: 4, algorithm: Algorithm::MiniBatch, batch_size: 512, ..KMeansParams::default() }
        .check()
        .expect("valid");
    assert!(p.uses_minibatch(10));
    let run = |threads| {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool").install(|| fit(&x, 2, None, &p))
    };
    let (a, b) = (run(1).expect("fit"), run(2).expect("fit"));
    assert_eq!(a, b);
    assert!(same_partition(&a.labels, &truth));
    // auto switches at the documented size
    let auto = KMeansParams::default().check().expect("valid");
    assert!(!auto.uses_minibatch(2_000_000) && auto.uses_minibatch(2_000_001));
}
