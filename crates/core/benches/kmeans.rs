//! k-means benchmark: 1M customers × 6 features (seeded Gaussian blobs), k = 8, one run from
//! k-means++ centres; writes the data and the initial centres for the scikit-learn comparison
//! in `scripts/bench_kmeans.sh`, and times the automatic choice of k over 2..=10.
//!
//! ```text
//! cargo bench -p custseg-core --bench kmeans -- [--rows N] [--out DIR]
//! cargo bench -p custseg-core --bench kmeans -- --fit-from DIR   # one timed fit of DIR's data
//! ```
//!
//! `--fit-from` reads the data and centres an earlier run wrote and times one accelerated fit,
//! so the script can alternate custseg and scikit-learn fits in the same minutes (the machine
//! is shared, and timings taken minutes apart differ by ±30%).

use std::io::Write;
use std::time::Instant;

use custseg_core::cluster::select::{SILHOUETTE_SAMPLE, select_k};
use custseg_core::kmeans::{KMeansParams, fit_from, seed_centres};
use custseg_core::math::Rng;

/// Timed runs per variant.
const REPEATS: usize = 5;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn write_f64(path: &str, v: &[f64]) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    for x in v {
        w.write_all(&x.to_le_bytes()).expect("write");
    }
    w.flush().expect("flush");
}

fn read_f64(path: &str) -> Vec<f64> {
    let bytes = std::fs::read(path).expect("read");
    bytes.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))).collect()
}

fn main() {
    if let Some(dir) = arg("--fit-from") {
        let (d, x, init) = (6, read_f64(&format!("{dir}/kmeans_x.f64")), read_f64(&format!("{dir}/kmeans_init.f64")));
        let p = KMeansParams { n_clusters: init.len() / d, n_init: 1, ..KMeansParams::default() }.check().expect("p");
        let t = Instant::now();
        let m = fit_from(&x, d, None, &init, &p).expect("fit");
        println!("fit {:.6} {} {:.6}", t.elapsed().as_secs_f64(), m.n_iter, m.inertia);
        return;
    }
    let n: usize = arg("--rows").and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let out = arg("--out");
    let (d, k) = (6usize, 8usize);
    // 8 blobs with random centres in [0, 10]^6, spread 3: heavily overlapping, as real customer features are
    let mut rng = Rng::new(7);
    let centres: Vec<f64> = (0..k * d).map(|_| rng.uniform() * 10.0).collect();
    let mut x = Vec::with_capacity(n * d);
    for i in 0..n {
        let c = i % k;
        for f in 0..d {
            x.push(centres[c * d + f] + 3.0 * rng.normal());
        }
    }
    // initial centres: k-means++ from seed 42, shared with scikit-learn
    let seed_p = KMeansParams { n_clusters: k, n_init: 1, ..KMeansParams::default() }.check().expect("p");
    let t = Instant::now();
    let init = seed_centres(&x, d, None, &seed_p).expect("seed");
    let seeding_s = t.elapsed().as_secs_f64();
    if let Some(dir) = &out {
        write_f64(&format!("{dir}/kmeans_x.f64"), &x);
        write_f64(&format!("{dir}/kmeans_init.f64"), &init);
    }
    // the machine is shared and single timings vary by ±30%: each variant runs REPEATS times,
    // alternating, and the table gives the fastest and the median
    println!(
        "{:>10} {:>3} {:>3} {:>12} {:>8} {:>8} {:>6} {:>16}",
        "rows", "k", "d", "variant", "min s", "median s", "iters", "inertia"
    );
    let variants = [(true, "hamerly"), (false, "lloyd")];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    let mut results = Vec::new();
    for _ in 0..REPEATS {
        for (v, &(accelerated, _)) in variants.iter().enumerate() {
            let p =
                KMeansParams { n_clusters: k, n_init: 1, accelerated, ..KMeansParams::default() }.check().expect("p");
            let t = Instant::now();
            let m = fit_from(&x, d, None, &init, &p).expect("fit");
            times[v].push(t.elapsed().as_secs_f64());
            results.push((v, m.n_iter, m.inertia));
        }
    }
    for (v, &(_, name)) in variants.iter().enumerate() {
        let mut t = times[v].clone();
        t.sort_by(f64::total_cmp);
        let (_, iters, inertia) = results.iter().find(|r| r.0 == v).copied().expect("ran");
        println!("{n:>10} {k:>3} {d:>3} {name:>12} {:>8.3} {:>8.3} {iters:>6} {inertia:>16.6}", t[0], t[t.len() / 2]);
    }
    println!("(k-means++ seeding: {seeding_s:.3} s)");
    if std::env::args().any(|a| a == "--fit-only") {
        return;
    }
    // automatic k over 2..=10 as `custseg run` does it: one k-means++ restart per k, silhouette
    // on a seeded 20,000-row sample, Calinski-Harabasz, Davies-Bouldin, elbow
    let auto = KMeansParams { n_init: 1, ..KMeansParams::default() };
    let t = Instant::now();
    let sel = select_k(&x, d, None, 2, 10, &auto, SILHOUETTE_SAMPLE).expect("select");
    println!(
        "auto k over 2..=10 ({} features): {:.3} s, chose k = {}",
        d,
        t.elapsed().as_secs_f64(),
        sel.model.n_clusters()
    );
    // the same on the first three features (the default feature count)
    let x3: Vec<f64> = x.chunks_exact(d).flat_map(|r| r[..3].iter().copied()).collect();
    let t = Instant::now();
    let sel = select_k(&x3, 3, None, 2, 10, &auto, SILHOUETTE_SAMPLE).expect("select");
    println!(
        "auto k over 2..=10 (3 features): {:.3} s, chose k = {}",
        t.elapsed().as_secs_f64(),
        sel.model.n_clusters()
    );
}
