#!/usr/bin/env python3
"""Compares the outputs of two custseg binaries on the same job, file by file.

usage: scripts/same_outputs.py OLD_BINARY NEW_BINARY DIR -- RUN_ARGS...

Runs `OLD run RUN_ARGS -o DIR/old` and `NEW run RUN_ARGS -o DIR/new` (with --no-store) and
reports every file that differs. run.json is compared without `timings_ms`; files and run.json
fields only the new binary writes are listed as new, not as differences. Exit status 1 on any
difference.
"""
import json
import subprocess
import sys
from pathlib import Path

NEW_FILES = {"classifier.json"}
NEW_RUN_FIELDS = {"model"}


def run(binary, out, args):
    cmd = [binary, "run", *args, "-o", str(out), "--no-store", "-q"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def run_json(path):
    v = json.loads(path.read_text())
    v.pop("timings_ms", None)
    for f in NEW_RUN_FIELDS:
        v.pop(f, None)
    v["outputs"] = [o for o in v.get("outputs", []) if o not in NEW_FILES]
    return v


def main():
    if "--" not in sys.argv or len(sys.argv) < 5:
        sys.exit(__doc__)
    old, new, work = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    args = sys.argv[sys.argv.index("--") + 1:]
    a, b = work / "old", work / "new"
    run(old, a, args)
    run(new, b, args)
    names = sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()})
    bad = 0
    for name in names:
        pa, pb = a / name, b / name
        if not pa.exists():
            print(f"new      {name}" if name in NEW_FILES else f"ONLY NEW {name}")
            bad += name not in NEW_FILES
        elif not pb.exists():
            print(f"MISSING  {name}")
            bad += 1
        elif name == "run.json":
            same = run_json(pa) == run_json(pb)
            print(f"{'same' if same else 'DIFFERS':8} {name} (without timings and new fields)")
            bad += not same
        else:
            same = pa.read_bytes() == pb.read_bytes()
            print(f"{'same' if same else 'DIFFERS':8} {name}")
            bad += not same
    sys.exit(1 if bad else 0)


main()
