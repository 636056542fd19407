#!/bin/sh
# bench/make_text.sh - the text of the bag benchmarks (bag_count,
# bag_filter_count): the King James Bible, one verse per line, and a copy
# of it repeated up to at least SIZE_MB MiB.
#
# usage: bench/make_text.sh OUT_DIR [SIZE_MB]     (SIZE_MB default 1024)
#
# Writes OUT_DIR/bible.txt (31,102 lines such as
# "Ge1:1 In the beginning God created the heaven and the earth.") and
# OUT_DIR/bible-SIZE_MBm.txt (whole copies of bible.txt, as many as it takes
# to reach SIZE_MB * 2^20 bytes: 244 copies, 1,074,676,528 bytes, for 1024),
# and prints the path of the big file as its last line of standard output.
# Files that are already there with the right size are kept. The text comes
# from Debian's bible-kjv-text data, read with the `bible` program of
# bible-kjv; both are installed with apt-get when dpkg says they are
# missing (as root, or through sudo -n). Put OUT_DIR under a git-ignored
# folder (bench/out/) or /tmp: the data is never committed.
set -eu

usage() {
        echo "usage: bench/make_text.sh OUT_DIR [SIZE_MB]" >&2
        exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
out=$1
size_mb=${2:-1024}
case $size_mb in
'' | *[!0-9]*) usage ;;
esac
[ "$size_mb" -ge 1 ] || usage

say() { echo "make_text: $*" >&2; }

# ---- the packages ----------------------------------------------------------
missing=""
for p in bible-kjv bible-kjv-text; do
        if ! dpkg -s "$p" >/dev/null 2>&1; then
                missing="$missing $p"
        fi
done
if [ -n "$missing" ]; then
        if [ "$(id -u)" -eq 0 ]; then
                sudo=""
        elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
                sudo="sudo -n"
        else
                say "missing packages:$missing, and not root: install them first"
                exit 1
        fi
        say "installing$missing"
        # shellcheck disable=SC2086
        if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
                --no-install-recommends $missing >&2; then
                DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >&2
                # shellcheck disable=SC2086
                DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
                        --no-install-recommends $missing >&2
        fi
fi
command -v bible >/dev/null 2>&1 || {
        say "no 'bible' program after installing bible-kjv"
        exit 1
}

mkdir -p "$out"

# ---- one verse per line ------------------------------------------------------
base="$out/bible.txt"
if [ ! -s "$base" ]; then
        # -f: plain output, one verse per line with its reference first.
        bible -f Gen1:1-Rev22:21 </dev/null >"$base.tmp"
        mv "$base.tmp" "$base"
fi
base_bytes=$(wc -c <"$base")
base_lines=$(wc -l <"$base")
if [ "$base_lines" -ne 31102 ]; then
        say "$base has $base_lines lines, expected the 31102 verses"
        exit 1
fi

# ---- the big copy ------------------------------------------------------------
want=$((size_mb * 1048576))
copies=$(((want + base_bytes - 1) / base_bytes))
big="$out/bible-${size_mb}m.txt"
big_bytes=$((copies * base_bytes))
if [ ! -f "$big" ] || [ "$(wc -c <"$big")" -ne "$big_bytes" ]; then
        say "writing $big: $copies copies of $base ($big_bytes bytes)"
        rm -f "$big.tmp"
        # Doubling: 2^k copies in a scratch file, appended where the binary
        # form of `copies` has a 1, so about log2(copies) large writes.
        unit="$big.unit.tmp"
        cp "$base" "$unit"
        : >"$big.tmp"
        n=$copies
        while [ "$n" -gt 0 ]; do
                if [ $((n % 2)) -eq 1 ]; then
                        cat "$unit" >>"$big.tmp"
                fi
                n=$((n / 2))
                if [ "$n" -gt 0 ]; then
                        cat "$unit" "$unit" >"$unit.2"
                        mv "$unit.2" "$unit"
                fi
        done
        rm -f "$unit"
        got=$(wc -c <"$big.tmp")
        if [ "$got" -ne "$big_bytes" ]; then
                say "$big.tmp has $got bytes, expected $big_bytes"
                exit 1
        fi
        mv "$big.tmp" "$big"
fi
say "$big: $big_bytes bytes, $((copies * base_lines)) lines"
echo "$big"
