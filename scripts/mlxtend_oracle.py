"""Compares custseg's itemsets.csv and rules.csv with mlxtend's fpgrowth and association_rules
on the same basket-per-line file and thresholds.

usage: mlxtend_oracle.py BASKETS OUT_DIR MIN_SUPPORT MIN_CONFIDENCE MIN_LIFT MAX_LEN
Prints "ok ITEMSETS RULES SECONDS" (SECONDS: mlxtend's fpgrowth and association_rules, the
encoding not counted) and exits 0 when every itemset and every single-consequent rule matches
(support, confidence, lift to 1e-9; leverage and conviction too); else prints the differences
and exits 1. The baskets are one-hot encoded sparse, so a million baskets fit in memory.
"""
import math
import sys
import time

import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth
from mlxtend.preprocessing import TransactionEncoder

SEP = "|"
TOL = 1e-9


def main():
    path, out, min_support, min_conf, min_lift, max_len = sys.argv[1:7]
    min_support, min_conf, min_lift, max_len = float(min_support), float(min_conf), float(min_lift), int(max_len)
    with open(path, encoding="utf-8") as f:
        baskets = [line.rstrip("\n").rstrip("\r").split(",") for line in f]
    baskets = [b for b in baskets if b != [""]]
    te = TransactionEncoder()
    encoded = te.fit(baskets).transform(baskets, sparse=True)
    df = pd.DataFrame.sparse.from_spmatrix(encoded, columns=te.columns_)
    del baskets, encoded
    t0 = time.perf_counter()
    sets = fpgrowth(df, min_support=min_support, use_colnames=True, max_len=max_len)
    rules = association_rules(sets, num_itemsets=len(df), metric="confidence", min_threshold=min_conf)
    seconds = time.perf_counter() - t0
    rules = rules[(rules["lift"] >= min_lift) & (rules["consequents"].apply(len) == 1)]

    ours_sets = pd.read_csv(f"{out}/itemsets.csv", keep_default_na=False)
    ours_rules = pd.read_csv(f"{out}/rules.csv", keep_default_na=False)
    key = lambda items: SEP.join(sorted(items))
    theirs = {key(s): v for s, v in zip(sets["itemsets"], sets["support"])}
    mine = {k: v for k, v in zip(ours_sets["items"], ours_sets["support"])}
    bad = []
    for k in sorted(set(theirs) | set(mine)):
        if k not in theirs or k not in mine:
            bad.append(f"itemset {k}: mlxtend {theirs.get(k)}, custseg {mine.get(k)}")
        elif abs(theirs[k] - mine[k]) > TOL:
            bad.append(f"itemset {k}: support mlxtend {theirs[k]!r}, custseg {mine[k]!r}")
    cols = ["support", "confidence", "lift", "leverage", "conviction"]
    theirs_r = {(key(a), key(c)): r for a, c, r in zip(rules["antecedents"], rules["consequents"], rules[cols].to_dict("records"))}
    mine_r = {(a, c): r for a, c, r in zip(ours_rules["antecedent"], ours_rules["consequent"], ours_rules[cols].to_dict("records"))}
    for k in sorted(set(theirs_r) | set(mine_r)):
        if k not in theirs_r or k not in mine_r:
            bad.append(f"rule {k}: in mlxtend {k in theirs_r}, in custseg {k in mine_r}")
            continue
        for c in cols:
            t, m = float(theirs_r[k][c]), float(mine_r[k][c])
            if math.isinf(t) and math.isinf(m):
                continue
            if abs(t - m) > TOL * max(1.0, abs(t)):
                bad.append(f"rule {k} {c}: mlxtend {t!r}, custseg {m!r}")
    if bad:
        print("\n".join(bad[:50]))
        print(f"{len(bad)} differences")
        sys.exit(1)
    print(f"ok {len(theirs)} {len(theirs_r)} {seconds:.3f}")


if __name__ == "__main__":
    main()
