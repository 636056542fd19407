#!/usr/bin/env bash
# check_headers.sh INCLUDE_DIR — every public header (INCLUDE_DIR/*.h and
# INCLUDE_DIR/par/*.h, found by glob so a new header is checked without
# editing anything) must compile on its own:
#   * as C17 with -Wall -Wextra -Werror -pedantic (included twice, which also
#     checks its include guard), and
#   * as C++ (-x c++), so C++ programs can include it.
# Compilers: $CC (default cc) and $CXX (default g++, else c++, else clang++).
# Both may hold several words, e.g. "ccache gcc".
set -euo pipefail

if (($# != 1)) || [[ ! -d "$1" ]]; then
        echo "usage: $0 INCLUDE_DIR" >&2
        exit 2
fi
incdir=$(cd "$1" && pwd)

read -r -a cc <<<"${CC:-cc}"
if [[ -n "${CXX:-}" ]]; then
        read -r -a cxx <<<"$CXX"
else
        cxx=()
        for c in g++ c++ clang++; do
                if command -v "$c" >/dev/null 2>&1; then
                        cxx=("$c")
                        break
                fi
        done
        if ((${#cxx[@]} == 0)); then
                echo "check_headers: no C++ compiler (g++, c++, clang++); set CXX" >&2
                exit 1
        fi
fi

shopt -s nullglob
headers=()
for h in "$incdir"/*.h "$incdir"/par/*.h; do
        headers+=("${h#"$incdir"/}")
done
if ((${#headers[@]} == 0)); then
        echo "check_headers: no headers under $incdir — nothing checked" >&2
        exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cflags=(-std=c17 -Wall -Wextra -Werror -pedantic -Wstrict-prototypes
        -fsyntax-only -I "$incdir")
cxxflags=(-x c++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I "$incdir")

fail=0
for h in "${headers[@]}"; do
        printf '#include <%s>\n#include <%s>\n' "$h" "$h" >"$tmp/tu.c"
        if "${cc[@]}" "${cflags[@]}" "$tmp/tu.c" 2>"$tmp/err"; then
                echo "ok   C17  $h"
        else
                echo "FAIL C17  $h"; sed 's/^/     /' "$tmp/err"; fail=1
        fi
        if "${cxx[@]}" "${cxxflags[@]}" "$tmp/tu.c" 2>"$tmp/err"; then
                echo "ok   C++  $h"
        else
                echo "FAIL C++  $h"; sed 's/^/     /' "$tmp/err"; fail=1
        fi
done

echo "check_headers: ${#headers[@]} headers, compilers: ${cc[*]} / ${cxx[*]}"
exit "$fail"
