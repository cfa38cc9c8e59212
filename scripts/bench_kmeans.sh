#!/usr/bin/env bash
# k-means benchmark: custseg vs scikit-learn KMeans (lloyd and elkan) on the same 1M x 6 data
# and the same initial centres, k = 8, n_init = 1 (scikit-learn from PyPI into bench-data/.venv),
# five alternating runs each (fastest and median), then the automatic k over 2..=10 on 1M rows.
#   scripts/bench_kmeans.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
DATA="$PWD/bench-data"
mkdir -p "$DATA"
if ! "$DATA/.venv/bin/python" -c "import sklearn" 2>/dev/null; then
  python3 -m venv "$DATA/.venv" >&2
  "$DATA/.venv/bin/pip" install --quiet scikit-learn >&2
fi
echo "== custseg (cargo bench -p custseg-core --bench kmeans)"
cargo bench --quiet -p custseg-core --bench kmeans -- --rows "$ROWS" --out "$DATA" ${FIT_ONLY:+--fit-only}
echo "== custseg vs scikit-learn, same data and initial centres, alternating in the same minutes"
"$DATA/.venv/bin/python" - "$DATA" <<'PY'
import statistics, subprocess, sys, time
import numpy as np, sklearn
from sklearn.cluster import KMeans
d = sys.argv[1]
x = np.fromfile(f"{d}/kmeans_x.f64", dtype="<f8").reshape(-1, 6)
init = np.fromfile(f"{d}/kmeans_init.f64", dtype="<f8").reshape(-1, 6)
def custseg():
    out = subprocess.run(["cargo", "bench", "--quiet", "-p", "custseg-core", "--bench", "kmeans", "--", "--fit-from", d],
                         check=True, capture_output=True, text=True).stdout
    _, secs, iters, inertia = out.split("\n")[-2].split()
    return float(secs), int(iters), float(inertia)
def sk(algo):
    t = time.perf_counter()
    km = KMeans(n_clusters=len(init), init=init, n_init=1, algorithm=algo, tol=1e-4, max_iter=300).fit(x)
    return time.perf_counter() - t, km.n_iter_, km.inertia_
# seven rounds, each one custseg fit (its own timer, data already in memory) then one scikit-learn
# lloyd and one elkan fit: the ratios compare fits taken seconds apart
rounds = {"custseg hamerly": [], "sklearn lloyd": [], "sklearn elkan": []}
for _ in range(7):
    rounds["custseg hamerly"].append(custseg())
    rounds["sklearn lloyd"].append(sk("lloyd"))
    rounds["sklearn elkan"].append(sk("elkan"))
base = rounds["custseg hamerly"]
print(f"scikit-learn {sklearn.__version__}; 7 alternating rounds")
print(f"{'variant':>16} {'min s':>7} {'median s':>8} {'iters':>5} {'inertia':>17} {'median ratio':>12}")
for name, rs in rounds.items():
    ts = sorted(r[0] for r in rs)
    ratio = statistics.median(r[0] / b[0] for r, b in zip(rs, base))
    print(f"{name:>16} {ts[0]:7.3f} {ts[len(ts) // 2]:8.3f} {rs[0][1]:5d} {rs[0][2]:17.6f} {ratio:11.2f}x")
rel = abs(rounds["sklearn lloyd"][0][2] - base[0][2]) / base[0][2]
print(f"relative inertia difference custseg vs sklearn lloyd: {rel:.2e}")
PY
