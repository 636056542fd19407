#!/usr/bin/env bash
# check_exports.sh LIBPAR_SO — the shared library must export only public
# API: every defined dynamic symbol starts with par_ and none with par__
# (par__ marks internals, which stay hidden). It also fails when no par_
# symbol is exported at all, so a broken or empty library cannot pass.
#
# Symbols the toolchain adds for exported variables under AddressSanitizer
# (__odr_asan.NAME) are checked as NAME. $NM picks the nm (default nm).
set -euo pipefail

if (($# != 1)) || [[ ! -f "$1" ]]; then
        echo "usage: $0 path/to/libpar.so" >&2
        exit 2
fi
lib=$1
read -r -a nm <<<"${NM:-nm}"

# "ADDRESS TYPE NAME[@VERSION]" -> NAME
syms=$("${nm[@]}" -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u)

n_public=0
bad=()
while IFS= read -r s; do
        [[ -z "$s" ]] && continue
        name=${s#__odr_asan.}
        if [[ "$name" == par__* ]]; then
                bad+=("$s   (internal par__ symbol)")
        elif [[ "$name" == par_* ]]; then
                if [[ "$s" == "$name" ]]; then
                        n_public=$((n_public + 1))
                fi
        else
                bad+=("$s   (not par_-prefixed)")
        fi
done <<<"$syms"

if ((${#bad[@]} > 0)); then
        echo "check_exports: $lib exports ${#bad[@]} symbol(s) it should not:"
        printf '  %s\n' "${bad[@]}"
        echo "(mark them static, or leave out PAR_API; the library builds with"
        echo " -fvisibility=hidden, so only PAR_API declarations are exported)"
        exit 1
fi
if ((n_public == 0)); then
        echo "check_exports: $lib exports no par_ symbol at all" >&2
        exit 1
fi
echo "check_exports: ok, $n_public par_ symbols exported, nothing else"
