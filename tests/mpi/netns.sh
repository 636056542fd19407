#!/bin/bash
# tests/mpi/netns.sh [BUILD_DIR] — the MPI backend across "hosts": three
# network namespaces on this machine (scripts/netns-hosts.sh), one rank
# each, OpenMPI over TCP on their private link. Runs tests/mpi/test_mpi
# (rank 0 in the first host drives, the others work) and checks that its
# traffic really crossed the namespaces' links; then every collection test
# of BUILD_DIR/tests/mpi/mpi_tests.list (tests/meson.build's
# mpi_collection_tests) the same way, with PAR_TEST_BACKEND=mpi so that
# each client it makes is an MPI client (tests/backend_harness.h).
#
# PAR_NETNS_TESTS="test_glm ..." limits the collection tests to those.
# Needs root, iproute2 and OpenMPI; exits 77 (skipped) with a message when
# namespaces cannot be made here. Every process runs under `timeout`, and
# the namespaces are removed on exit, whatever happens.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
exe=$build/tests/mpi/test_mpi
export PAR_NETNS_PREFIX=${PAR_NETNS_PREFIX:-parmpi}
export PAR_NETNS_NET=${PAR_NETNS_NET:-10.79.0}
P=$PAR_NETNS_PREFIX
hosts=$root/scripts/netns-hosts.sh
rsh=$root/scripts/netns-rsh.sh

list=$build/tests/mpi/mpi_tests.list
[ -x "$exe" ] || { echo "netns.sh: no $exe (build with MPI first)" >&2; exit 1; }
[ -r "$list" ] || { echo "netns.sh: no $list (build with MPI first)" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "netns.sh: skipped: no mpirun" >&2; exit 77; }
[ "$(id -u)" = 0 ] || { echo "netns.sh: skipped: needs root for network namespaces" >&2; exit 77; }

trap '"$hosts" down >/dev/null 2>&1' EXIT INT TERM
timeout 60 "$hosts" up 3
rc=$?
if [ $rc = 77 ]; then
        echo "netns.sh: skipped: cannot make network namespaces here" >&2
        exit 77
fi
[ $rc = 0 ] || { echo "netns.sh: making the namespaces failed" >&2; exit 1; }

bytes2() { # bytes host 2 received and sent on its link
        ip netns exec "${P}2" sh -c 'cd /sys/class/net/eth0/statistics &&
                echo $(($(cat rx_bytes) + $(cat tx_bytes)))'
}
before=$(bytes2)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# mpirun runs inside the first host (the others reach it there); one slot
# per host, no binding (each namespace is a "node" that would bind its
# rank to core 0), TCP only on the private link, yield when idle (three
# ranks on two cores).
# across SECONDS THREADS PROGRAM ARGS... — one program on the three hosts.
across() {
        local limit=$1 threads=$2
        shift 2
        timeout "$limit" ip netns exec "${P}1" \
                mpirun --host "${P}1,${P}2,${P}3" -np 3 --bind-to none \
                --mca plm_rsh_agent "$rsh" \
                --mca pml ob1 --mca btl tcp,self \
                --mca btl_tcp_if_include "$PAR_NETNS_NET.0/24" \
                --mca oob_tcp_if_include "$PAR_NETNS_NET.0/24" \
                --mca mpi_yield_when_idle 1 \
                -x PAR_NUM_THREADS="$threads" -x PAR_TEST_BACKEND \
                "$@"
}
export PAR_TEST_BACKEND=local
across 180 2 "$exe"
rc=$?
moved=$(($(bytes2) - before))
echo "netns.sh: ${P}2 moved $moved bytes on its eth0"
if [ $rc != 0 ]; then
        echo "netns.sh: FAILED: test_mpi across namespaces exited $rc" >&2
        exit 1
fi
# Rank 2 sends its share of a 100000-item bag (about 0.4 MB) to rank 0.
if [ "$moved" -lt 200000 ]; then
        echo "netns.sh: FAILED: too little traffic crossed the namespaces" >&2
        exit 1
fi
# The collection tests, every client an MPI client. Paths in the list are
# relative to the build directory; arguments are absolute.
export PAR_TEST_BACKEND=mpi
failed=()
n=0
while read -r prog args; do
        case $prog in '' | '#'*) continue ;; esac
        # PAR_NETNS_TESTS="test_a test_b" runs only those (by hand).
        if [ -n "${PAR_NETNS_TESTS:-}" ] &&
                [[ " $PAR_NETNS_TESTS " != *" ${prog##*/} "* ]]; then
                continue
        fi
        n=$((n + 1))
        start=$SECONDS
        # shellcheck disable=SC2086 # args are words by design
        across 180 1 "$build/$prog" $args </dev/null \
                >"/tmp/netns-$$-${prog##*/}.log" 2>&1
        trc=$?
        echo "netns.sh: ${prog##*/}: exit $trc in $((SECONDS - start))s"
        if [ $trc != 0 ]; then
                tail -n 30 "/tmp/netns-$$-${prog##*/}.log" >&2
                failed+=("${prog##*/}")
        fi
        rm -f "/tmp/netns-$$-${prog##*/}.log"
done <"$list"
if [ "$n" = 0 ]; then
        echo "netns.sh: FAILED: $list names no tests" >&2
        exit 1
fi
if [ ${#failed[@]} != 0 ]; then
        echo "netns.sh: FAILED across namespaces: ${failed[*]}" >&2
        exit 1
fi
echo "netns.sh: passed (test_mpi and $n collection tests)"
