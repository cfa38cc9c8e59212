#!/usr/bin/env bash
# CLV benchmark: custseg's BG/NBD, Pareto/NBD and Gamma-Gamma fits and prediction throughput on
# synthetic customer bases, and the same BG/NBD fit by Python lifetimes 0.11.3 on the same
# 1M-customer summary (installed from PyPI into bench-data/.venv here).
#
#   scripts/bench_clv.sh [SIZES] [PNBD_MAX]     # defaults: 10000,100000,1000000,10000000  1000000
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${1:-10000,100000,1000000,10000000}"
PNBD_MAX="${2:-1000000}"
DATA=bench-data
mkdir -p "$DATA"
if ! "$DATA/.venv/bin/python" -c "import lifetimes" 2>/dev/null; then
  python3 -m venv "$DATA/.venv" >&2
  "$DATA/.venv/bin/pip" install --quiet "lifetimes==0.11.3" >&2
fi
SUMMARY="$PWD/$DATA/btyd_1000000.csv"
echo "== custseg (cargo bench -p custseg-core --bench clv)"
cargo bench --quiet -p custseg-core --bench clv -- --sizes "$SIZES" --pnbd-max "$PNBD_MAX" \
  --summary-out "$SUMMARY" --summary-size 1000000 | tee "$DATA/clv_bench.txt"
if [ ! -s "$SUMMARY" ]; then
  echo "(no 1M size in this run: skipping the lifetimes comparison)"
  exit 0
fi
echo "== lifetimes 0.11.3 BG/NBD on the same 1,000,000-customer summary"
"$DATA/.venv/bin/python" scripts/lifetimes_fit.py "$SUMMARY" bgnbd | tee "$DATA/lifetimes_bgnbd.json"
"$DATA/.venv/bin/python" - "$DATA/clv_bench.txt" "$DATA/lifetimes_bgnbd.json" <<'PY'
import json, re, sys
bench, lt = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
row = next(l for l in bench.splitlines() if l.split() and l.split()[0] == "1000000")
ours_s = float(row.split()[3])
ours = dict(re.findall(r"(\w+)=([-\d.]+)", row.split("| pnbd")[0]))
worst = max(abs(float(ours[k]) - v) / abs(v) for k, v in lt["params"].items())
print(f"BG/NBD 1M fit: custseg {ours_s:.3f} s, lifetimes {lt['seconds']:.2f} s, "
      f"ratio {lt['seconds'] / ours_s:.1f}x; largest relative parameter difference {worst:.1e}")
PY
