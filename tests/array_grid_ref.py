#!/usr/bin/env python3
"""NumPy references for tests/test_array_grid.c (arrays on 2-D chunk grids).

usage: array_grid_ref.py SPEC DIR

SPEC has one case per line:  name <TAB> inputs <TAB> expression
  inputs: comma-separated  var=file:ndim:rows:cols  (float64, native byte
          order, row-major, in DIR); empty for none.
  expression: evaluated with `np` and the inputs bound.
For each case the result, as float64 in C order, goes to DIR/name.ref and
a line "name ndim rows cols" to DIR/index (rows and cols are 1 where the
result has fewer dimensions). The C side computes the same expression on
arrays chunked on grids and compares element by element, so the reference
never sees the chunking: whatever the grid, the values must be NumPy's.
"""
import sys

import numpy as np

SHAPES = {0: lambda r, c: (), 1: lambda r, c: (r,), 2: lambda r, c: (r, c)}


def bind(d, item):
    var, spec = item.split("=")
    path, ndim, rows, cols = spec.split(":")
    data = np.fromfile(d + "/" + path, dtype=np.float64)
    return var, data.reshape(SHAPES[int(ndim)](int(rows), int(cols)))


def main():
    spec, d = sys.argv[1], sys.argv[2]
    with open(spec) as cases, open(d + "/index", "w") as index:
        for line in cases:
            name, inputs, expr = line.rstrip("\n").split("\t")
            env = {"np": np}
            for item in inputs.split(","):
                if item:
                    var, value = bind(d, item)
                    env[var] = value
            with np.errstate(all="ignore"):
                r = np.asarray(eval(expr, env), dtype=np.float64, order="C")
            r.tofile(d + "/" + name + ".ref")
            rows = r.shape[0] if r.ndim > 0 else 1
            cols = r.shape[1] if r.ndim > 1 else 1
            index.write("%s %d %d %d\n" % (name, r.ndim, rows, cols))


if __name__ == "__main__":
    main()
