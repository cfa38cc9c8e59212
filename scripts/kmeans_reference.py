#!/usr/bin/env python3
"""Writes testdata/kmeans/: a small seeded dataset (600 rows x 3 features, 4 overlapping
blobs), initial centres, and scikit-learn's KMeans result from those centres (lloyd, n_init=1,
tol=1e-4) for custseg's cross-check test. Run: pip install scikit-learn && python3 scripts/kmeans_reference.py"""
import json
import os

import numpy as np
import sklearn
from sklearn.cluster import KMeans

out = os.path.join(os.path.dirname(__file__), "..", "testdata", "kmeans")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20261122)
centres = np.array([[0, 0, 0], [4, 1, 0], [1, 4, 2], [3, 3, 5]], dtype=float)
x = np.vstack([c + rng.normal(scale=1.5, size=(150, 3)) for c in centres])
init = x[[0, 150, 300, 450]] + 0.5
km = KMeans(n_clusters=4, init=init, n_init=1, algorithm="lloyd", tol=1e-4, max_iter=300).fit(x)
np.savetxt(os.path.join(out, "data.csv"), x, delimiter=",", fmt="%.17g")
np.savetxt(os.path.join(out, "init.csv"), init, delimiter=",", fmt="%.17g")
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "inertia": float(km.inertia_), "n_iter": int(km.n_iter_),
               "labels": km.labels_.tolist(), "centres": km.cluster_centers_.tolist()}, f)
print(f"inertia {km.inertia_:.12g} after {km.n_iter_} iterations -> {out}")
