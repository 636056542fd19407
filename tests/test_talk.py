#!/usr/bin/env python3
"""Runs the talk replay (examples/talk) at a small scale and checks every
result it prints against an independent reference: `wc -l` and `grep -c`
on the text, `head -3` for take(3), the CSV files read by pandas, and
numpy's lstsq on the same data for the fitted coefficient and intercept.
Pandas and numpy checks are skipped (with a note) if they are missing.

usage: test_talk.py TALK_BINARY
"""
import os
import re
import subprocess
import sys
import tempfile

failed = 0
passed = 0


def check(cond, what):
    global failed, passed
    if cond:
        passed += 1
    else:
        failed += 1
        print("CHECK failed:", what, file=sys.stderr)


def main():
    talk = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="par-talk-") as d:
        # A text with the hard cases: God in some lines, a last line
        # without a newline is avoided so wc -l is exact.
        text = os.path.join(d, "bible.txt")
        with open(text, "w") as f:
            for i in range(5000):
                f.write("verse %d %s and the earth\n" % (i, "God said" if i % 7 == 0 else "Lord"))
        rows, parts = 20000, 8
        out = subprocess.run([talk, "--rows", str(rows), "--partitions", str(parts),
                              "--out", d, "--text", text, "--threads", "2"],
                             capture_output=True, text=True, timeout=300)
        print(out.stdout)
        check(out.returncode == 0, "talk exits 0: " + out.stderr)
        cells = {}
        for block in out.stdout.split("\n>>> ")[1:]:
            code, _, body = block.partition("\n")
            cells[code] = body.strip()

        def cell(prefix):
            for k, v in cells.items():
                if k.startswith(prefix):
                    return v
            check(False, "no cell " + prefix)
            return ""

        check(cell("client.submit(squared, 3)") == "9", "submit(squared, 3) == 9")
        wc = int(subprocess.run(["wc", "-l", text], capture_output=True,
                                text=True).stdout.split()[0])
        grep = int(subprocess.run(["grep", "-c", "God", text], capture_output=True,
                                  text=True).stdout)
        check(cell("client.compute(bible_bag.count())") == str(wc), "count == wc -l")
        check(cell("client.compute(bible_bag.filter") == str(grep), "filter == grep -c")
        head = subprocess.run(["head", "-3", text], capture_output=True,
                              text=True).stdout.splitlines(True)
        take = re.findall(r"'((?:[^'\\]|\\.)*)'", cell("bible_bag = bag.read_text"))
        check([t.replace("\\n", "\n") for t in take] == head, "take(3) == head -3")

        files = sorted(f for f in os.listdir(d) if f.startswith("gen-"))
        check(files == ["gen-%d.csv" % i for i in range(parts)],
              "to_csv wrote gen-0..gen-%d: %s" % (parts - 1, files))
        fit = cell("lr = LinearRegression()")
        m = re.search(r"coef_ = \[\[([^\]]+)\]\]\nintercept_ = (\S+)", fit)
        check(m is not None, "fit printed coef_ and intercept_")
        coef, icept = (float(m.group(1)), float(m.group(2))) if m else (0, 0)
        check(abs(coef - 4) <= 1e-12 and abs(icept - 3) <= 1e-12,
              "coef 4 and intercept 3 within 1e-12: %r %r" % (coef, icept))
        summary = cell("array = df.to_dask_array")
        check("Shape (%d, 3)" % rows in summary and "%d Chunks" % parts in summary
              and "float64" in summary, "array summary: " + summary)
        check("npartitions=%d" % parts in cell("df = dataframe.read_csv")
              and "Unnamed: 0" in cell("df = dataframe.read_csv"), "read_csv structure")
        try:
            import numpy as np
            import pandas as pd
        except ImportError:
            print("numpy/pandas not installed: reference fit skipped")
            return
        df = pd.concat([pd.read_csv(os.path.join(d, f), float_precision="round_trip")
                        for f in files])
        check(len(df) == rows, "pandas reads %d rows" % rows)
        check(list(df.columns) == ["Unnamed: 0", "a", "b"], "columns")
        check(bool((df["b"] == 4 * df["a"] + 3).all()), "b == 4a + 3 in every file")
        A = np.column_stack([df["a"].values, np.ones(len(df))])
        sol = np.linalg.lstsq(A, df["b"].values, rcond=None)[0]
        check(abs(sol[0] - coef) < 1e-9 and abs(sol[1] - icept) < 1e-9,
              "numpy lstsq %r agrees with par %r %r" % (sol, coef, icept))
        head5 = cell("gauss_dataframe = gauss_bag.to_dataframe").splitlines()
        first = float(head5[1].split()[1])
        check(abs(first - df["a"].iloc[0]) < 1e-6, "head() row 0 matches the CSV")


if __name__ == "__main__":
    main()
    print("test_talk: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
