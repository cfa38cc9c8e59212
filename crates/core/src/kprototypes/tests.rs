use super::*;
use crate::cluster::metrics::adjusted_rand_index;
use crate::math::Rng;

/// Four groups: two numeric locations × two levels of one attribute, plus a noisy second
/// attribute that agrees with the group 90% of the time.
fn mixed(per: usize, seed: u64) -> (Vec<f64>, Vec<u32>, Vec<u32>) {
    let mut rng = Rng::new(seed);
    let (mut x, mut cat, mut truth) = (Vec::new(), Vec::new(), Vec::new());
    for g in 0..4u32 {
        let centre = if g < 2 { 0.0 } else { 6.0 };
        for _ in 0..per {
            x.push(centre + rng.normal());
            x.push(centre + rng.normal());
            cat.push(g % 2);
            cat.push(if rng.uniform() < 0.9 { g } else { rng.below(4) as u32 });
            truth.push(g);
        }
    }
    (x, cat, truth)
}

fn same_partition(a: &[u32], b: &[u32]) -> bool {
    let mut map = std::collections::HashMap::new();
    let mut back = std::collections::HashMap::new();
    a.iter().zip(b).all(|(x, y)| *map.entry(x).or_insert(y) == y && *back.entry(y).or_insert(x) == x)
}

#[test]
fn separates_groups_that_only_categories_tell_apart() {
    let (x, cat, truth) = mixed(200, 1);
    let p = KPrototypesParams { n_clusters: 4, ..KPrototypesParams::default() }.check().expect("valid");
    let m = fit(&x, 2, &cat, &[2, 4], None, &p).expect("fit");
    // a row whose noisy attribute points to the sibling group ties between the two prototypes,
    // so a few rows go either way; numeric k-means alone cannot split the siblings at all
    let ari = adjusted_rand_index(&m.labels, &truth);
    assert!(ari > 0.97, "{ari}");
    let km = crate::kmeans::KMeansParams { n_clusters: 4, ..Default::default() }.check().expect("p");
    let numeric_only = crate::kmeans::fit(&x, 2, None, &km).expect("kmeans");
    assert!(adjusted_rand_index(&numeric_only.labels, &truth) < 0.7);
    assert!(m.converged);
    // the modes are the groups' levels
    let mut first_attr: Vec<u32> = (0..4).map(|j| m.modes[j * 2]).collect();
    first_attr.sort_unstable();
    assert_eq!(first_attr, vec![0, 0, 1, 1]);
    assert_eq!(m.predict(&x, &cat).expect("predict"), m.labels);
    // gamma estimated: 0.5 × mean SD of the numeric features (about 3.16 here)
    assert!(m.gamma > 1.3 && m.gamma < 1.9, "{}", m.gamma);
}

#[test]
fn same_seed_same_result_with_one_or_two_threads() {
    let (x, cat, _) = mixed(3000, 2);
    let p = KPrototypesParams { n_clusters: 5, gamma: Some(0.7), ..KPrototypesParams::default() }.check().expect("p");
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| fit(&x, 2, &cat, &[2, 4], None, &p))
    };
    assert_eq!(run(1).expect("fit"), run(2).expect("fit"));
}

#[test]
fn gamma_zero_is_k_means_on_the_numeric_part() {
    let (x, cat, _) = mixed(100, 3);
    let p = KPrototypesParams { n_clusters: 2, gamma: Some(0.0), ..KPrototypesParams::default() }.check().expect("p");
    let m = fit(&x, 2, &cat, &[2, 4], None, &p).expect("fit");
    // the two numeric locations, whatever the categories say
    let truth: Vec<u32> = (0..400).map(|i| u32::from(i >= 200)).collect();
    assert!(same_partition(&m.labels, &truth));
}

#[test]
fn bad_inputs_give_clear_errors() {
    let p = KPrototypesParams { n_clusters: 2, ..KPrototypesParams::default() }.check().expect("valid");
    assert_eq!(fit(&[1.0], 1, &[0], &[1], None, &p), Err(KPrototypesError::TooFewRows { n_rows: 1, n_clusters: 2 }));
    assert_eq!(fit(&[1.0, 2.0], 1, &[0, 0], &[], None, &p), Err(KPrototypesError::NoCategorical));
    assert!(matches!(
        fit(&[1.0, 2.0], 1, &[0, 3], &[2], None, &p),
        Err(KPrototypesError::Level { row: 1, code: 3, .. })
    ));
    assert!(matches!(
        fit(&[1.0, f64::NAN], 1, &[0, 1], &[2], None, &p),
        Err(KPrototypesError::NonFinite { row: 1, .. })
    ));
    assert!(matches!(fit(&[1.0, 2.0, 3.0], 1, &[0, 1], &[2], None, &p), Err(KPrototypesError::Shape { .. })));
    assert!(matches!(
        fit(&[1.0, 2.0], 1, &[0, 1], &[2], Some(&[1.0, -2.0]), &p),
        Err(KPrototypesError::Weight { row: 1, .. })
    ));
    assert!(KPrototypesParams { gamma: Some(-1.0), ..KPrototypesParams::default() }.check().is_err());
    // categorical only (no numeric features) works
    let m = fit(&[], 0, &[0, 0, 1, 1], &[2], None, &p).expect("fit");
    assert_eq!(m.labels[0], m.labels[1]);
    assert_ne!(m.labels[0], m.labels[2]);
}
