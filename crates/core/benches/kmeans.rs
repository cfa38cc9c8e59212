//! k-means benchmark: 1M customers × 6 features (seeded Gaussian blobs), k = 8, one run from
//! k-means++ centres; writes the data and the initial centres for the scikit-learn comparison
//! in `scripts/bench_kmeans.sh`, and times the k = 2..=10 fits an automatic choice of k needs.
//!
//! ```text
//! cargo bench -p custseg-core --bench kmeans -- [--rows N] [--out DIR]
//! ```

use std::io::Write;
use std::time::Instant;

use custseg_core::kmeans::{KMeansParams, fit, fit_from, seed_centres};
use custseg_core::math::Rng;

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

fn main() {
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
    println!(
        "{:>10} {:>3} {:>3} {:>12} {:>10} {:>6} {:>16}",
        "rows", "k", "d", "variant", "seconds", "iters", "inertia"
    );
    for accelerated in [true, false] {
        let p = KMeansParams { n_clusters: k, n_init: 1, accelerated, ..KMeansParams::default() }.check().expect("p");
        let t = Instant::now();
        let m = fit_from(&x, d, None, &init, &p).expect("fit");
        let s = t.elapsed().as_secs_f64();
        let name = if accelerated { "hamerly" } else { "lloyd" };
        println!("{n:>10} {k:>3} {d:>3} {name:>12} {s:>10.3} {:>6} {:>16.6}", m.n_iter, m.inertia);
    }
    println!("(k-means++ seeding: {seeding_s:.3} s)");
    // the fits an automatic k over 2..=10 needs (one restart each)
    let t = Instant::now();
    for kk in 2..=10 {
        let p = KMeansParams { n_clusters: kk, n_init: 1, ..KMeansParams::default() }.check().expect("p");
        fit(&x, d, None, &p).expect("fit");
    }
    println!("k = 2..=10, one k-means++ restart each: {:.3} s", t.elapsed().as_secs_f64());
}
