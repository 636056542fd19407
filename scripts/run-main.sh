#!/usr/bin/env bash
# scripts/run-main.sh — install what is missing, build par in build/ and run
# the main example (build/examples/futures). Extra arguments go to the example.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/deps.sh
scripts/build.sh build --buildtype=release
if [[ ! -x build/examples/futures ]]; then
        echo "run-main: build/examples/futures was not built;" \
                "is build/ configured with -Dexamples=false?" \
                "(meson configure build -Dexamples=true)" >&2
        exit 1
fi
exec build/examples/futures "$@"
