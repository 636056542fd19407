#!/bin/bash
# tests/mpi/netns.sh [BUILD_DIR] — the MPI backend across "hosts": three
# network namespaces on this machine (scripts/netns-hosts.sh), one rank
# each, OpenMPI over TCP on their private link. Runs tests/mpi/test_mpi
# (rank 0 in the first host drives, the others work) and checks that its
# traffic really crossed the namespaces' links.
#
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

[ -x "$exe" ] || { echo "netns.sh: no $exe (build with MPI first)" >&2; exit 1; }
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
timeout 180 ip netns exec "${P}1" \
        mpirun --host "${P}1,${P}2,${P}3" -np 3 --bind-to none \
        --mca plm_rsh_agent "$rsh" \
        --mca pml ob1 --mca btl tcp,self \
        --mca btl_tcp_if_include "$PAR_NETNS_NET.0/24" \
        --mca oob_tcp_if_include "$PAR_NETNS_NET.0/24" \
        --mca mpi_yield_when_idle 1 \
        -x PAR_NUM_THREADS=2 \
        "$exe"
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
echo "netns.sh: passed"
