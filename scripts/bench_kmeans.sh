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
echo "== scikit-learn, same data and initial centres"
"$DATA/.venv/bin/python" - "$DATA" <<'PY'
import sys, time
import numpy as np, sklearn
from sklearn.cluster import KMeans
d = sys.argv[1]
x = np.fromfile(f"{d}/kmeans_x.f64", dtype="<f8").reshape(-1, 6)
init = np.fromfile(f"{d}/kmeans_init.f64", dtype="<f8").reshape(-1, 6)
# five timed runs per algorithm, alternating, as the custseg bench does: fastest and median
times = {"lloyd": [], "elkan": []}
for _ in range(5):
    for algo in times:
        t = time.perf_counter()
        km = KMeans(n_clusters=len(init), init=init, n_init=1, algorithm=algo, tol=1e-4, max_iter=300).fit(x)
        times[algo].append(time.perf_counter() - t)
        last = km
for algo, ts in times.items():
    ts.sort()
    km = KMeans(n_clusters=len(init), init=init, n_init=1, algorithm=algo, tol=1e-4, max_iter=300).fit(x)
    print(f"sklearn {sklearn.__version__} {algo:>6}: min {ts[0]:.3f} s, median {ts[len(ts) // 2]:.3f} s, {km.n_iter_} iterations, inertia {km.inertia_:.6f}")
PY
