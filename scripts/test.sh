#!/usr/bin/env bash
# scripts/test.sh — install what is missing, build par in build/ and run the
# test suite (meson's default test setup, which leaves out the slow suite).
# Extra arguments go to `meson test`, e.g. `scripts/test.sh --suite core`
# (see README.md, "Tests").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/deps.sh
scripts/build.sh build --buildtype=release
meson test -C build --print-errorlogs "$@"
