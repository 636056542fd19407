"""pandas' answers for tests/test_groupby.c.

Usage: frame_ref.py DATA.csv QUERIES.txt name:dtype,...

Reads the CSV the test wrote (dtypes: int64 -> pandas' nullable Int64,
float64, bool -> nullable boolean, string -> object; an empty field is
missing) and answers each line of QUERIES:

  groupby K1,K2 COL:STAT,COL:STAT   df.groupby(keys).agg(...).reset_index()
  value_counts COL                  counts, ties in order of first appearance
  describe                          df.describe(), one line per column
  stat COL                          count sum mean min max std var

Each answer is printed as '== QUERY' and then rows of tab-separated cells:
integers and bools (1/0) as integers, floats by repr, NULL for missing.
"""
import sys

import numpy as np
import pandas as pd


def cell(v):
    if v is None or v is pd.NA:
        return "NULL"
    if isinstance(v, (float, np.floating)) and np.isnan(v):
        return "NULL"
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)


def row(cells):
    print("\t".join(cell(c) for c in cells))


def groupby(df, keys, aggs):
    named = {}
    for a in aggs.split(","):
        col, stat = a.split(":")
        named[col + "_" + stat] = (col, stat)
    r = df.groupby(keys.split(","), sort=True, dropna=True).agg(**named)
    for t in r.reset_index().itertuples(index=False):
        row(t)


def value_counts(df, col):
    s = df[col].dropna()
    first = s.drop_duplicates()
    counts = s.value_counts(sort=False).reindex(first.values)
    counts = counts.sort_values(ascending=False, kind="stable")
    for value, n in counts.items():
        row((value, n))


def describe(df):
    d = df.describe()
    for col in d.columns:
        row([col] + [d.loc[s, col] for s in
                     ("count", "mean", "std", "min", "25%", "50%", "75%", "max")])


def stat(df, col):
    s = df[col]
    if s.dtype == "boolean":
        s = s.astype("Int64")
    row((s.count(), s.sum(), s.mean(), s.min(), s.max(), s.std(), s.var()))


def main():
    data, queries, schema = sys.argv[1:4]
    kinds = {"int64": "Int64", "float64": "float64", "bool": "boolean",
             "string": "object"}
    dtypes = {}
    for spec in schema.split(","):
        name, t = spec.split(":")
        dtypes[name] = kinds[t]
    df = pd.read_csv(data, dtype=dtypes, float_precision="round_trip")
    with open(queries) as f:
        for line in f:
            q = line.split()
            if not q:
                continue
            print("== " + " ".join(q))
            if q[0] == "groupby":
                groupby(df, q[1], q[2])
            elif q[0] == "value_counts":
                value_counts(df, q[1])
            elif q[0] == "describe":
                describe(df)
            elif q[0] == "stat":
                stat(df, q[1])
    print("== end")


if __name__ == "__main__":
    main()
