use super::metrics::*;
use super::pca::Pca;
use super::prep::*;
use super::profile::*;
use super::select::*;
use super::*;
use crate::kmeans::KMeansParams;
use crate::math::Rng;

/// `per` points around each centre (any dimension), standard deviation `sd`, seeded.
fn blobs(centres: &[Vec<f64>], per: usize, sd: f64, seed: u64) -> (Vec<f64>, Vec<u32>) {
    let mut rng = Rng::new(seed);
    let (mut x, mut truth) = (Vec::new(), Vec::new());
    for (j, c) in centres.iter().enumerate() {
        for _ in 0..per {
            x.extend(c.iter().map(|v| v + sd * rng.normal()));
            truth.push(j as u32);
        }
    }
    (x, truth)
}

#[test]
fn metrics_match_hand_computed_values() {
    let x = [0.0, 1.0, 5.0, 6.0];
    let labels = [0, 0, 1, 1];
    let centres = [0.5, 5.5];
    let s = silhouette_many(&x, 1, &[0, 1, 2, 3], &[&labels], &[2]);
    let want = (4.5 / 5.5 + 3.5 / 4.5) / 2.0;
    assert!((s[0] - want).abs() < 1e-12, "{} vs {want}", s[0]);
    assert!((calinski_harabasz(&x, 1, &labels, &centres).expect("ch") - 50.0).abs() < 1e-9);
    assert!((davies_bouldin(&x, 1, &labels, &centres).expect("db") - 0.2).abs() < 1e-12);
    assert_eq!(calinski_harabasz(&x, 1, &[0, 0, 0, 0], &[3.0]), None);
    // a clear elbow at the third point
    assert_eq!(kneedle(&[2.0, 3.0, 4.0, 5.0, 6.0], &[100.0, 40.0, 10.0, 8.0, 7.0]), Some(2));
    assert_eq!(kneedle(&[1.0, 2.0], &[2.0, 1.0]), None);
    assert!((adjusted_rand_index(&[0, 0, 1, 1, 2, 2], &[1, 1, 0, 0, 2, 2]) - 1.0).abs() < 1e-12);
    assert!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]) < 0.0);
}

#[test]
fn auto_k_finds_the_true_number_of_blobs() {
    let centres: Vec<Vec<f64>> =
        vec![vec![0.0, 0.0, 0.0], vec![8.0, 0.0, 0.0], vec![0.0, 8.0, 0.0], vec![0.0, 0.0, 8.0], vec![8.0, 8.0, 8.0]];
    let (x, truth) = blobs(&centres, 400, 1.0, 11);
    let p = KMeansParams { n_init: 2, ..KMeansParams::default() };
    let sel = select_k(&x, 3, None, 2, 10, &p, 1000).expect("select");
    assert_eq!(sel.model.n_clusters(), 5);
    assert!(adjusted_rand_index(&sel.model.labels, &truth) > 0.999);
    assert_eq!(sel.candidates.len(), 9);
    assert_eq!(sel.candidates.iter().filter(|c| c.chosen).count(), 1);
    assert_eq!(sel.silhouette_rows, 1000);
    // the other scores agree here
    let best_ch =
        sel.candidates.iter().max_by(|a, b| a.calinski_harabasz.partial_cmp(&b.calinski_harabasz).expect("cmp"));
    assert_eq!(best_ch.map(|c| c.k), Some(5));
    let elbow: Vec<usize> = sel.candidates.iter().filter(|c| c.elbow).map(|c| c.k).collect();
    assert_eq!(elbow, vec![5]);
}

#[test]
fn k_range_is_capped_at_the_distinct_rows() {
    // three distinct points repeated
    let x: Vec<f64> = (0..30).map(|i| f64::from(i % 3)).collect();
    let p = KMeansParams::default();
    let sel = select_k(&x, 1, None, 2, 10, &p, 100).expect("select");
    assert_eq!(sel.candidates.last().map(|c| c.k), Some(3));
    assert_eq!(
        select_k(&[1.0; 10], 1, None, 2, 10, &p, 100).err(),
        Some(ClusterError::TooFewDistinct { distinct: 1, min_k: 2 })
    );
    assert_eq!(select_k(&x, 1, None, 5, 3, &p, 100).err(), Some(ClusterError::KRange { min: 5, max: 3 }));
    assert_eq!(sample_rows(10, 20, 1), (0..10).collect::<Vec<_>>());
    let s = sample_rows(1000, 50, 1);
    assert_eq!(s.len(), 50);
    assert!(s.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(s, sample_rows(1000, 50, 1));
}

#[test]
fn preparation_transforms_fills_scales_and_weights() {
    let monetary = [Some(-5.0), Some(0.0), Some((1.0f64).exp() - 1.0), None];
    let age = [Some(20.0), Some(30.0), Some(30.0), Some(40.0)];
    let flat = [Some(7.0); 4];
    let specs = vec![
        FeatureSpec { name: "monetary".into(), transform: Transform::Log1p, weight: 1.0 },
        FeatureSpec { name: "age".into(), transform: Transform::None, weight: 4.0 },
        FeatureSpec { name: "flat".into(), transform: Transform::None, weight: 1.0 },
    ];
    let p = prepare(&[&monetary, &age, &flat], &specs, Scaling::Zscore).expect("prep");
    // log1p after clipping: 0, 0, 1; the gap gets the median 0
    assert_eq!(p.transformed[0], vec![0.0, 0.0, 1.0, 0.0]);
    assert_eq!(p.report[0], FeatureReport { name: "monetary".into(), missing: 1, clipped: 1, constant: false });
    // age: mean 30, population SD sqrt(50); weight 4 doubles the scaled value
    let sd = 50.0f64.sqrt();
    assert!((p.x[1] - 2.0 * (-10.0 / sd)).abs() < 1e-12);
    assert!(p.report[2].constant);
    assert!(p.x.iter().skip(2).step_by(3).all(|v| *v == 0.0));
    // the saved recipe prepares new customers identically
    assert_eq!(apply(&p.scales, &[&monetary, &age, &flat]).expect("apply"), p.x);
    let robust = prepare(&[&age], &specs[1..2], Scaling::Robust).expect("prep");
    // median 30, IQR 32.5 - 27.5 = 5, weight 4
    assert!((robust.x[0] - 2.0 * (-10.0 / 5.0)).abs() < 1e-12);
    let none: [Option<f64>; 2] = [None, None];
    assert_eq!(
        prepare(&[&none], &specs[..1], Scaling::Zscore).err(),
        Some(ClusterError::AllMissing { feature: "monetary".into() })
    );
    let bad = FeatureSpec { weight: 0.0, ..specs[0].clone() };
    assert!(matches!(prepare(&[&age], &[bad], Scaling::Zscore), Err(ClusterError::Weight { .. })));
}

#[test]
fn pca_finds_the_main_axis_with_a_fixed_sign() {
    // points along (1, 1) with small noise across
    let mut rng = Rng::new(3);
    let mut x = Vec::new();
    for _ in 0..500 {
        let t = 5.0 * rng.normal();
        let e = 0.1 * rng.normal();
        x.extend([t + e, t - e]);
    }
    let p = Pca::fit(&x, 2);
    let h = std::f64::consts::FRAC_1_SQRT_2;
    assert!((p.components[0][0] - h).abs() < 1e-3 && (p.components[0][1] - h).abs() < 1e-3, "{:?}", p.components);
    assert!(p.explained[0] > 0.99);
    assert!((p.explained[0] + p.explained[1] - 1.0).abs() < 1e-9);
    let proj = p.project(&[p.mean[0] + 1.0, p.mean[1] + 1.0]);
    assert!((proj[0] - 2.0 * h).abs() < 1e-3);
}

#[test]
fn profiles_number_by_monetary_and_name_the_traits() {
    // cluster 0: low spend, rare, lapsed; cluster 1: high spend, frequent, recent
    let names: Vec<String> = ["recency_days", "frequency", "monetary"].iter().map(|s| s.to_string()).collect();
    let recency = [Some(300.0), Some(280.0), Some(10.0), Some(5.0)];
    let freq = [Some(1.0), Some(1.0), Some(9.0), Some(12.0)];
    let monetary = [Some(20.0), Some(30.0), Some(900.0), Some(1100.0)];
    let specs: Vec<FeatureSpec> =
        names.iter().map(|n| FeatureSpec { name: n.clone(), transform: Transform::Log1p, weight: 1.0 }).collect();
    let prep = prepare(&[&recency, &freq, &monetary], &specs, Scaling::Zscore).expect("prep");
    let labels = [0, 0, 1, 1];
    let revenue = [20.0, 30.0, 900.0, 1100.0];
    let numbers = numbering(&labels, &revenue, 2);
    assert_eq!(numbers, vec![2, 1]);
    let raw: Vec<&[Option<f64>]> = vec![&recency, &freq, &monetary];
    let levels = vec!["online".to_string(), "store".to_string()];
    let codes = [1, 1, 0, 0];
    let cats = [Categorical { name: "channel", levels: &levels, codes: &codes }];
    let input = ProfileInput {
        names: &names,
        raw: &raw,
        transformed: &prep.transformed,
        categorical: &cats,
        revenue: &revenue,
    };
    let ps = profiles(&input, &labels, &numbers);
    assert_eq!(ps[0].cluster, 1);
    assert_eq!(ps[0].size, 2);
    assert!((ps[0].revenue_share - 2000.0 / 2050.0).abs() < 1e-12);
    assert_eq!(ps[0].mean[2], 1000.0);
    assert_eq!(ps[0].median[1], 10.5);
    assert_eq!(ps[0].traits.len(), 3);
    assert_eq!(ps[0].modes[0], ("online".to_string(), 1.0));
    // strongest first: on the log scale monetary separates the clusters most, recency least
    assert_eq!(ps[0].name_zh, "高价值·高频·近期活跃");
    assert_eq!(ps[0].name_en, "High value, frequent, recent");
    assert_eq!(ps[1].name_en, "Low value, infrequent, lapsed");
    assert!(ps[0].deviation[2] > ps[0].deviation[1] && ps[0].deviation[1] > -ps[0].deviation[0]);
    assert_eq!(name_of(&[]), ("均衡".to_string(), "Average".to_string()));
    assert_eq!(trait_words("age", true), ("高age".to_string(), "high age".to_string()));
}
