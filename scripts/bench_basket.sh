#!/usr/bin/env bash
# The basket benchmark: custseg basket against mlxtend 0.23.4's fpgrowth + association_rules on
# N generated baskets over P products (scripts/basket_data.py: skewed popularity, planted pairs),
# at a support that yields about 10,000 itemsets, with the outputs checked equal
# (scripts/mlxtend_oracle.py). Prints each side's time and peak memory. custseg's time is the
# whole command (reading the file, mining, writing itemsets.csv and rules.csv); mlxtend's is its
# two calls alone, on an already encoded sparse DataFrame.
# usage: scripts/bench_basket.sh [N=1000000] [P=10000] [SUPPORT=0.00013]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
P=${2:-10000}
SUPPORT=${3:-0.00013}
scripts/install_oracle.sh
PY=.venv-oracle/bin/python
mkdir -p bench-data
DATA=bench-data/baskets_${N}_${P}.csv
[ -f "$DATA" ] || "$PY" scripts/basket_data.py "$DATA" "$N" "$P" 7
cargo build --release -q -p custseg-cli
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for round in 1 2 3; do
  /usr/bin/time -f "custseg basket, round $round: %e s wall, %M KB peak" \
    target/release/custseg basket -q -t "$DATA" --min-support "$SUPPORT" --min-confidence 0.1 \
    --min-lift 1 --max-len 4 -o "$OUT" >/dev/null
done
echo "itemsets: $(($(wc -l < "$OUT/itemsets.csv") - 1)), rules: $(($(wc -l < "$OUT/rules.csv") - 1))"
/usr/bin/time -f "mlxtend script (encoding and comparison included): %e s wall, %M KB peak" \
  "$PY" scripts/mlxtend_oracle.py "$DATA" "$OUT" "$SUPPORT" 0.1 1 4
