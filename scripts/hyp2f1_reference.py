#!/usr/bin/env python3
"""Writes testdata/hyp2f1_reference.csv: Gauss 2F1(a, b; c; z) at 50 significant digits (mpmath),
over the parameter regimes custseg's CLV models use (small and large parameters, z from far below
-1 to just under 1). Run: pip install mpmath && python3 scripts/hyp2f1_reference.py"""
import itertools
import os

from mpmath import hyp2f1, mp, mpf, nstr

mp.dps = 50
rows = []
params = [
    (0.2426, 2.4259, 2.2188),  # BG/NBD E[X(t)] with CDNOW parameters
    (2.2426, 4.4259, 4.2188),  # the same for x = 2
    (0.2426, 0.7929, 3.2188),  # BG/NBD survival
    (1.0, 26.55, 28.16),  # Pareto/NBD series, large x
    (1.0, 1.606, 27.16),
    (0.5, 0.5, 1.5),
    (3.7, -1.2, 5.3),
    (-2.5, 1.5, 0.7),
    (12.0, 40.0, 55.5),
    (0.05, 0.9, 1.1),
]
zs = [-1000.0, -50.0, -3.0, -1.0, -0.4, 0.0, 0.1, 0.45, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]
for (a, b, c), z in itertools.product(params, zs):
    v = hyp2f1(mpf(a), mpf(b), mpf(c), mpf(z))
    rows.append(f"{a},{b},{c},{z},{nstr(v, 20)}")
out = os.path.join(os.path.dirname(__file__), "..", "testdata", "hyp2f1_reference.csv")
with open(out, "w") as f:
    f.write("# 2F1(a,b;c;z) from mpmath at 50 digits; regenerate with scripts/hyp2f1_reference.py\n")
    f.write("a,b,c,z,value\n")
    f.write("\n".join(rows) + "\n")
print(f"{len(rows)} rows -> {out}")
