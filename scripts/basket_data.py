"""Writes a seeded basket-per-line file for the basket benchmark: N baskets over P products,
popularity skewed (product k drawn with weight 1 / (k + 10)), basket sizes 1 + Poisson(3), and
planted pairs (product 2j brings 2j + 1 in 30% of its baskets, j < 500).

usage: basket_data.py OUT [N=1000000] [P=10000] [SEED=7]
"""
import sys

import numpy as np


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    p = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 7
    rng = np.random.default_rng(seed)
    weights = 1.0 / (np.arange(p) + 10.0)
    weights /= weights.sum()
    sizes = 1 + rng.poisson(3.0, n)
    draws = rng.choice(p, size=int(sizes.sum()), p=weights)
    partner = rng.random(len(draws)) < 0.3
    names = np.array([f"p{k:05d}" for k in range(p)])
    with open(out, "w", encoding="utf-8") as f:
        at = 0
        for s in sizes:
            items = list(draws[at : at + s])
            for k in range(at, at + s):
                d = draws[k]
                if d % 2 == 0 and d < 1000 and partner[k]:
                    items.append(d + 1)
            at += s
            f.write(",".join(names[items]) + "\n")


if __name__ == "__main__":
    main()
