#!/usr/bin/env python3
"""NumPy references for tests/test_array_ops.c and tests/test_array_grid.c.

usage: array_ref.py SPEC DIR

Each line of SPEC is   name <TAB> inputs <TAB> expression
inputs: comma-separated var=file:ndim:rows:cols, each file float64 values in
native byte order, row-major, in DIR (empty: no inputs). The expression is
evaluated by NumPy with `np` and the inputs bound; its result, as float64
in C order, is written to DIR/name.ref, and "name ndim rows cols" to
DIR/index (rows, cols 1 where the result has fewer dimensions).
"""
import sys

import numpy as np


def load(d, item):
    var, rest = item.split("=")
    path, ndim, rows, cols = rest.split(":")
    a = np.fromfile(d + "/" + path, dtype=np.float64)
    shape = {0: (), 1: (int(rows),), 2: (int(rows), int(cols))}[int(ndim)]
    return var, a.reshape(shape)


def main():
    spec, d = sys.argv[1], sys.argv[2]
    with open(spec) as f, open(d + "/index", "w") as index:
        for line in f:
            name, inputs, expr = line.rstrip("\n").split("\t")
            env = {"np": np}
            for item in filter(None, inputs.split(",")):
                var, a = load(d, item)
                env[var] = a
            with np.errstate(all="ignore"):
                r = np.asarray(eval(expr, env), dtype=np.float64, order="C")
            r.tofile(d + "/" + name + ".ref")
            rows = r.shape[0] if r.ndim > 0 else 1
            cols = r.shape[1] if r.ndim > 1 else 1
            index.write("%s %d %d %d\n" % (name, r.ndim, rows, cols))


if __name__ == "__main__":
    main()
