#!/usr/bin/env bash
# scripts/run-main.sh — install what is missing, build par in build/ and run
# the main job: the talk replayed cell by cell (build/examples/talk), on the
# local pool. The King James text it reads is made once from Debian's
# bible-kjv package into talk-out/bible.txt, one verse per line.
# Extra arguments go to the example, e.g. `scripts/run-main.sh --rows 1e8`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/deps.sh
scripts/build.sh build --buildtype=release
if [[ ! -x build/examples/talk ]]; then
        echo "run-main: build/examples/talk was not built;" \
                "is build/ configured with -Dexamples=false?" \
                "(meson configure build -Dexamples=true)" >&2
        exit 1
fi
mkdir -p talk-out
if [[ ! -s talk-out/bible.txt ]]; then
        # `bible -f` prints "Ge1:1 In the beginning ..."; keep the verse text.
        bible -f Gen1:1-Rev22:21 </dev/null | sed -E 's/^[^ ]+ //' \
                >talk-out/bible.txt.tmp
        mv talk-out/bible.txt.tmp talk-out/bible.txt
fi
exec build/examples/talk --out talk-out --text talk-out/bible.txt "$@"
