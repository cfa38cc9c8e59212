#!/usr/bin/env bash
# k-means benchmark: custseg vs scikit-learn KMeans (lloyd and elkan) on the same 1M x 6 data
# and the same initial centres, k = 8, n_init = 1 (scikit-learn from PyPI into bench-data/.venv).
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
for algo in ["lloyd", "elkan"]:
    t = time.perf_counter()
    km = KMeans(n_clusters=len(init), init=init, n_init=1, algorithm=algo, tol=1e-4, max_iter=300).fit(x)
    print(f"sklearn {sklearn.__version__} {algo:>6}: {time.perf_counter() - t:.3f} s, {km.n_iter_} iterations, inertia {km.inertia_:.6f}")
PY
