#!/bin/bash
# examples/mpi_check.sh MPI_TALK — runs the example under `mpirun -n 3` and
# as a one-rank cluster, and checks that the numbers agree: the mean, the
# standard deviation and the fitted coefficients bit for bit (the same trees
# sum the same partials wherever they run), and coef_ = 4, intercept_ = 3
# within 1e-12 (b = 4a + 3 exactly).
set -euo pipefail
exe=$1
rows=${PAR_MPI_ROWS:-200000}
one=$(timeout 120 "$exe" --rows "$rows" --partitions 12)
three=$(timeout 240 mpirun -n 3 --bind-to none --mca mpi_yield_when_idle 1 \
        "$exe" --rows "$rows" --partitions 12)
echo "---- one rank"; echo "$one"
echo "---- three ranks"; echo "$three"
grep -q '^client: Scheduler: mpi (3 ranks' <<<"$three" ||
        { echo "mpi_check: the 3-rank client does not say it runs on 3 ranks" >&2; exit 1; }
nums() { grep -E '^(mean|std|coef_|intercept_)' <<<"$1"; }
if [[ "$(nums "$one")" != "$(nums "$three")" ]]; then
        echo "mpi_check: one rank and three ranks disagree" >&2
        exit 1
fi
python3 - "$three" <<'PY'
import sys
v = dict(l.split(" = ") for l in sys.argv[1].splitlines() if " = " in l)
coef, icpt = float(v["coef_"]), float(v["intercept_"])
assert abs(coef - 4) <= 1e-12 and abs(icpt - 3) <= 1e-12, (coef, icpt)
print("mpi_check: ok, coef_ - 4 = %.1e, intercept_ - 3 = %.1e" % (coef - 4, icpt - 3))
PY
