#!/usr/bin/env bash
# Benchmark: custseg run vs DuckDB on the same synthetic logs.
#
#   scripts/bench.sh [SIZES...]     sizes in customers; default "100000 1000000"
#                                   (about 1.07M and 10.7M transactions)
#
# Generates CSV and Parquet logs with `custseg generate` (seeded; rows customer by customer) and
# a copy of the CSV sorted by date (input "time.csv"), times `custseg run` end to end
# (wall, peak RSS, per-stage timings from run.json), then DuckDB computing the equivalent
# per-customer RFM table (recency, distinct orders, monetary, first purchase, tenure, ntile(5)
# R/F/M) written as CSV. DuckDB comes from PyPI into bench-data/.venv (created here).
# Prints a markdown table. Run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("${@:-100000 1000000}")
read -r -a SIZES <<< "${SIZES[*]}"
DATA=bench-data
mkdir -p "$DATA"
cargo build --release -p custseg-cli >&2
BIN="${CARGO_TARGET_DIR:-target}/release/custseg"

if [ ! -x "$DATA/.venv/bin/python" ]; then
  python3 -m venv "$DATA/.venv" >&2
  "$DATA/.venv/bin/pip" install --quiet duckdb >&2
fi
PY="$DATA/.venv/bin/python"

# measure CMD...: prints "wall_seconds peak_rss_mb" of the child process tree's largest child
measure() {
  "$PY" - "$@" <<'PYEOF'
import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t
if r.returncode != 0:
    sys.exit(f"command failed: {sys.argv[1:]}")
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{wall:.2f} {rss:.0f}")
PYEOF
}

duckdb_job() { # INPUT OUTPUT
  cat > "$DATA/duck.py" <<'PYEOF'
import sys, duckdb
src, out = sys.argv[1], sys.argv[2]
reader = f"read_parquet('{src}')" if src.endswith(".parquet") else f"read_csv('{src}')"
duckdb.sql(f"""
COPY (
  WITH t AS (SELECT customer_id, order_id, CAST(order_date AS DATE) AS d, amount FROM {reader}),
  asofd AS (SELECT max(d) + 1 AS a FROM t),
  c AS (SELECT customer_id, min(d) AS first_purchase, max(d) AS last_purchase,
               count(DISTINCT order_id) AS orders, sum(amount) AS monetary
        FROM t GROUP BY customer_id)
  SELECT c.*, a - last_purchase AS recency_days, a - first_purchase AS tenure_days,
         ntile(5) OVER (ORDER BY a - last_purchase DESC) AS r,
         ntile(5) OVER (ORDER BY orders) AS f,
         ntile(5) OVER (ORDER BY monetary) AS m
  FROM c, asofd
) TO '{out}' (HEADER)
""")
PYEOF
  measure "$PY" "$DATA/duck.py" "$1" "$2"
}

# custseg runs three times per input:
#   job   the job issue 2's bar names, compared with DuckDB: features + RFM + ABC + value tier +
#         lifecycle, every output file written (scripts/bench_job.toml turns off what later
#         issues added on top; --no-store)
#   all   the default classifiers without the CLV model and the clustering (adds the matrix,
#         the look-alike value classes, the rule schemes and next_action: 42 columns instead of
#         32): --no-clv --no-cluster --no-report --no-store
#   default  the default run: CLV model, clustering (auto-k), report.html and the recording
#         in a fresh run history store on top
echo "| input | rows | job wall s | job peak MB | job stages (ms) | DuckDB wall s | DuckDB peak MB | job / DuckDB | all wall s | all / DuckDB | default wall s | default peak MB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for n in "${SIZES[@]}"; do
  for fmt in csv parquet time.csv; do
    # "g2": the generator without dropout at the first purchase (files of the old one differ)
    f="$DATA/log_${n}_g2.${fmt}"
    if [ "$fmt" = time.csv ]; then
      # the same rows in time order (the generator writes customer by customer): how most
      # exports come, and harder for us (consecutive rows rarely share a customer)
      f="$DATA/log_${n}_time.csv"
      [ -f "$f" ] || { head -n 1 "$DATA/log_${n}_g2.csv"; tail -n +2 "$DATA/log_${n}_g2.csv" | LC_ALL=C sort -s -t, -k3,3; } > "$f"
    fi
    [ -f "$f" ] || "$BIN" generate --customers "$n" --seed 42 -o "$f" --format "$fmt" >&2
    out="$DATA/out_${n}_${fmt}"
    read -r cw cm < <(measure "$BIN" run -t "$f" -o "$out" --quiet --no-store -c scripts/bench_job.toml)
    stages=$("$PY" -c "import json,sys; t=json.load(open(sys.argv[1]))['timings_ms']; print(' '.join(f'{k}={v}' for k,v in t.items()))" "$out/run.json")
    rows=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['counts']['rows_read'])" "$out/run.json")
    read -r dw dm < <(duckdb_job "$f" "$DATA/duck_${n}_${fmt}.csv")
    read -r aw am < <(measure "$BIN" run -t "$f" -o "${out}_all" --quiet --no-clv --no-cluster --no-report --no-store)
    ratio=$("$PY" -c "print(f'{$cw/$dw:.2f}')")
    all_ratio=$("$PY" -c "print(f'{$aw/$dw:.2f}')")
    rm -f "$DATA/bench.db" "$DATA/bench.db-wal" "$DATA/bench.db-shm"
    read -r vw vm < <(measure "$BIN" run -t "$f" -o "${out}_clv" --quiet --store "$DATA/bench.db")
    echo "| $fmt | $rows | $cw | $cm | $stages | $dw | $dm | $ratio | $aw | $all_ratio | $vw | $vm |"
  done
done
