#!/usr/bin/env python3
"""Fits lifetimes 0.11.3 on a BTYD summary CSV (frequency, recency, T) and prints the wall time
and parameters as one JSON line. Usage: lifetimes_fit.py SUMMARY.csv [bgnbd|pnbd]"""
import json
import sys
import time
import warnings

import pandas as pd
from lifetimes import BetaGeoFitter, ParetoNBDFitter

warnings.simplefilter("ignore")
path, model = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "bgnbd")
df = pd.read_csv(path)
fitter = BetaGeoFitter() if model == "bgnbd" else ParetoNBDFitter()
start = time.perf_counter()
fitter.fit(df["frequency"], df["recency"], df["T"])
seconds = time.perf_counter() - start
names = ["r", "alpha", "a", "b"] if model == "bgnbd" else ["r", "alpha", "s", "beta"]
print(json.dumps({"model": model, "customers": len(df), "seconds": seconds,
                  "params": {n: float(fitter.params_[n]) for n in names}}))
