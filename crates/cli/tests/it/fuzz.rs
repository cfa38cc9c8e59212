//! A seeded mutation fuzzer over the inputs a user hands custseg: CSV, JSON lines and Parquet
//! files, each mutated a few hundred ways (bytes flipped, inserted, deleted; quotes, delimiters,
//! NULs, line breaks, extreme values and bad encodings spliced in; lines repeated, swapped,
//! cut). Every case must end with exit code 0, 1 or 2, never a panic, and every run that
//! completes must account for every row (read = kept + after the as-of date + rejected).
//!
//! `CUSTSEG_FUZZ_CASES=N` runs N cases per format instead of the default (the CI budget);
//! `CUSTSEG_FUZZ_SEED=S` another seed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Pieces a real export gets wrong.
const SPLICES: &[&[u8]] = &[
    b"\"",
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r",
    b"\r\n",
    b"\0",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xC3",
    b"\xB6\xA9\xB5\xA5",
    b"99999999999999",
    b"-99999999999999.9999",
    b"1e308",
    b"NaN",
    b"inf",
    b"1.234,50",
    b"(12.50)",
    b"2091-03-02",
    b"0000-00-00",
    b"9999-12-31",
    b"31/02/2024",
    b"2024/1/9",
    b"\xE5\x90\x88\xE8\xAE\xA1",
    b"n/a",
    b",,,,,",
    b"{\"customer_id\":7}",
    b"null",
    b"true",
    b"[1,2]",
    b"\"\"\"",
];

/// One mutation of `input`.
fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = input.to_vec();
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let at = rng.below(b.len() + 1);
        match rng.below(9) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let piece = SPLICES[rng.below(SPLICES.len())];
                b.splice(at..at, piece.iter().copied());
            }
            2 if !b.is_empty() => {
                let len = 1 + rng.below(16.min(b.len() - at.min(b.len() - 1)));
                let from = at.min(b.len() - 1);
                b.drain(from..(from + len).min(b.len()));
            }
            3 => b.truncate(at),
            4 => {
                // repeat a line
                let lines: Vec<&[u8]> = b.split(|c| *c == b'\n').collect();
                if lines.len() > 1 {
                    let line = lines[rng.below(lines.len())].to_vec();
                    let mut out = b.clone();
                    out.extend_from_slice(&line);
                    out.push(b'\n');
                    b = out;
                }
            }
            5 => {
                // a value replaced by a splice, between delimiters
                if let Some(pos) = b.iter().skip(at).position(|c| *c == b',') {
                    let start = at + pos + 1;
                    let end =
                        b.iter().skip(start).position(|c| matches!(c, b',' | b'\n')).map_or(b.len(), |e| start + e);
                    let piece = SPLICES[rng.below(SPLICES.len())];
                    b.splice(start..end, piece.iter().copied());
                }
            }
            6 => {
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                b.splice(at..at, bytes);
            }
            7 => {
                // swap two lines
                let mut lines: Vec<Vec<u8>> = b.split(|c| *c == b'\n').map(<[u8]>::to_vec).collect();
                if lines.len() > 2 {
                    let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
                    lines.swap(i, j);
                    b = lines.join(&b'\n');
                }
            }
            _ => {
                // the header or a line cut short
                if let Some(nl) = b.iter().skip(at).position(|c| *c == b'\n') {
                    let cut = rng.below(nl + 1);
                    b.drain(at + cut..at + nl);
                }
            }
        }
    }
    b
}

fn custseg(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args(args)
        .current_dir(cwd)
        .env("LANG", "en_US.UTF-8")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap_or_else(|e| panic!("cannot start custseg: {e}"))
}

/// Runs `custseg run` on `input` and checks the outcome; returns the exit code.
fn check_case(dir: &Path, input: &Path, case: &str) -> i32 {
    let out = dir.join("out");
    let input = input.to_str().unwrap_or_default();
    let out_s = out.to_str().unwrap_or_default();
    let o = custseg(&["run", "-t", input, "-o", out_s, "--no-store", "--no-report", "--no-cluster", "--quiet"], dir);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let code = o.status.code().unwrap_or(-1);
    assert!(matches!(code, 0..=2), "{case}: exit {code} (signal or panic)\n{stderr}");
    assert!(!stderr.contains("panicked"), "{case}: a panic\n{stderr}");
    if code == 0 {
        let q: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("quality.json")).unwrap_or_default())
                .unwrap_or_else(|e| panic!("{case}: quality.json: {e}"));
        let t = &q["transactions"];
        let n = |k: &str| t[k].as_u64().unwrap_or(u64::MAX);
        assert_eq!(n("rows_read"), n("rows_kept") + n("rows_rejected") + n("rows_after_as_of"), "{case}: {t}");
        let by_reason: u64 =
            t["rejected_by_reason"].as_object().into_iter().flatten().filter_map(|(_, v)| v.as_u64()).sum();
        assert_eq!(by_reason, n("rows_rejected"), "{case}");
        assert!(out.join("run.json").is_file(), "{case}: no run.json after exit 0");
    }
    let _ = std::fs::remove_dir_all(&out);
    code
}

fn cases() -> usize {
    std::env::var("CUSTSEG_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100)
}

fn seed() -> u64 {
    std::env::var("CUSTSEG_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(20_261_206)
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixture as JSON lines.
fn json_lines(csv: &str) -> String {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    lines
        .map(|l| {
            let fields: Vec<String> = header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| match v.parse::<f64>() {
                    Ok(_) if *h == "amount" => format!("\"{h}\":{v}"),
                    _ => format!("\"{h}\":\"{v}\""),
                })
                .collect();
            format!("{{{}}}\n", fields.join(","))
        })
        .collect()
}

#[test]
fn mutated_inputs_never_crash_and_always_add_up() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv = std::fs::read_to_string(repo().join("testdata/fixture/transactions.csv")).unwrap_or_default();
    let made = custseg(
        &["generate", "--customers", "40", "--seed", "3", "-o", "seed.parquet", "--format", "parquet"],
        dir.path(),
    );
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let parquet = std::fs::read(dir.path().join("seed.parquet")).unwrap_or_default();
    let seeds: [(&str, Vec<u8>); 3] =
        [("csv", csv.clone().into_bytes()), ("jsonl", json_lines(&csv).into_bytes()), ("parquet", parquet)];
    let mut rng = Rng(seed());
    let mut codes = [0usize; 3];
    for (ext, original) in &seeds {
        // the unmutated seed runs cleanly
        let clean = dir.path().join(format!("seed_ok.{ext}"));
        std::fs::write(&clean, original).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(check_case(dir.path(), &clean, &format!("{ext} seed")), 0, "{ext} seed");
        for k in 0..cases() {
            let mutated = mutate(original, &mut rng);
            let path = dir.path().join(format!("case.{ext}"));
            std::fs::write(&path, &mutated).unwrap_or_else(|e| panic!("{e}"));
            let case = format!("{ext} case {k} (CUSTSEG_FUZZ_SEED={})", seed());
            let code = check_case(dir.path(), &path, &case);
            codes[code as usize] += 1;
        }
    }
    // the mutations reach both outcomes: runs that complete and inputs that are refused
    assert!(codes[0] > 0 && codes[2] > 0, "exit codes 0/1/2: {codes:?}");
}
