#!/usr/bin/env bash
# The Python oracles the tests compare with (mlxtend for association rules), installed from PyPI
# into the repository's own virtual environment, .venv-oracle, at the pinned versions of
# scripts/oracle-requirements.txt. Idempotent: a venv that already has them is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-oracle
STAMP="$VENV/.installed"
if [ -f "$STAMP" ] && cmp -s "$STAMP" scripts/oracle-requirements.txt; then
  exit 0
fi
python3 -m venv "$VENV" >&2
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/oracle-requirements.txt >&2
cp scripts/oracle-requirements.txt "$STAMP"
