#!/bin/bash
# netns-rsh.sh [ssh options] HOST COMMAND... — what ssh would do for an MPI
# launcher (OpenMPI's --mca plm_rsh_agent), for the namespace hosts of
# netns-hosts.sh: run COMMAND with /bin/sh inside network namespace HOST,
# with its own hostname HOST (a UTS namespace).
while [ $# -gt 0 ]; do
        case "$1" in
        -x | -q | -T | -n | -t) shift ;;
        -o | -p | -l) shift 2 ;;
        *) break ;;
        esac
done
host=${1:?usage: netns-rsh.sh HOST COMMAND...}
shift
host=${host#*@}
if ! ip netns list | awk '{print $1}' | grep -qx -- "$host"; then
        echo "netns-rsh: no namespace host '$host'" >&2
        exit 255
fi
exec ip netns exec "$host" unshare --uts /bin/sh -c \
        'hostname "$0" && exec /bin/sh -c "$1"' "$host" "$*"
