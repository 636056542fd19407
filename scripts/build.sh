#!/usr/bin/env bash
# scripts/build.sh DIR [MESON_SETUP_ARGS...] — configure DIR if it is not a
# configured meson build directory yet, then build it with ninja.
#
# An already configured DIR is only rebuilt (ninja re-runs meson by itself
# when a meson.build changed); pass --reconfigure as the first extra argument
# to apply MESON_SETUP_ARGS to an existing DIR as well. Run from anywhere; DIR
# is relative to the repository root.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if (($# < 1)); then
        echo "usage: $0 DIR [--reconfigure] [MESON_SETUP_ARGS...]" >&2
        exit 2
fi
dir=$1
shift
reconfigure=0
if [[ "${1:-}" == --reconfigure ]]; then
        reconfigure=1
        shift
fi

if [[ -f "$dir/build.ninja" && -f "$dir/meson-private/coredata.dat" ]]; then
        if ((reconfigure)); then
                meson setup --reconfigure "$dir" "$@"
        fi
elif [[ -f "$dir/meson-private/coredata.dat" ]]; then
        # A setup that failed half way: start that directory afresh.
        meson setup --wipe "$dir" "$@"
else
        meson setup "$dir" "$@"
fi

ninja -C "$dir"
