#!/bin/bash
# netns-hosts.sh up N | down — test "hosts" for par's multi-host tests,
# made from network namespaces on this machine (root only).
#
#   up N   makes namespaces ${P}1..${P}N (P = $PAR_NETNS_PREFIX, default
#          "parmpi"), each with an eth0 at $PAR_NETNS_NET.K/24 (default
#          10.79.0) plugged into a bridge that lives in a namespace of its
#          own (${P}hub). Nothing is added to the root namespace, so the
#          hosts have no route anywhere else: test traffic stays inside.
#          Names resolve through /etc/netns/${P}K/hosts, which
#          `ip netns exec` mounts over /etc/hosts in that namespace only.
#          Removes leftovers of an earlier run first.
#   down   kills what still runs in those namespaces (only there) and
#          deletes them.
#
# Exit status: 0, 1 on failure, 77 when namespaces cannot be made here
# (not root, no iproute2, or `ip netns add` refused).
set -u
P=${PAR_NETNS_PREFIX:-parmpi}
NET=${PAR_NETNS_NET:-10.79.0}
HUB=${P}hub

ours() {
        ip netns list 2>/dev/null | awk '{print $1}' |
                grep -E "^${P}([0-9]+|hub)\$" || true
}

down() {
        local ns pids
        for ns in $(ours); do
                pids=$(ip netns pids "$ns" 2>/dev/null || true)
                if [ -n "$pids" ]; then
                        kill $pids 2>/dev/null || true
                        sleep 0.3
                        pids=$(ip netns pids "$ns" 2>/dev/null || true)
                        [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
                fi
                ip netns del "$ns" 2>/dev/null || true
                rm -rf "/etc/netns/$ns"
        done
}

up() {
        local n=$1 k ns hosts
        case "$n" in '' | *[!0-9]*) echo "netns-hosts: N must be a number" >&2; return 1 ;; esac
        [ "$n" -ge 1 ] && [ "$n" -le 64 ] || { echo "netns-hosts: N must be 1..64" >&2; return 1; }
        [ "$(id -u)" = 0 ] || { echo "netns-hosts: needs root" >&2; return 77; }
        command -v ip >/dev/null || { echo "netns-hosts: no iproute2 (ip)" >&2; return 77; }
        down
        if ! ip netns add "$HUB" 2>/dev/null; then
                echo "netns-hosts: 'ip netns add' is not permitted here" >&2
                return 77
        fi
        set -e
        ip -n "$HUB" link set lo up
        ip -n "$HUB" link add br0 type bridge
        ip -n "$HUB" link set br0 type bridge stp_state 0 forward_delay 0
        ip -n "$HUB" link set br0 up
        hosts="127.0.0.1 localhost"$'\n'
        for k in $(seq 1 "$n"); do
                hosts+="$NET.$k ${P}$k"$'\n'
        done
        for k in $(seq 1 "$n"); do
                ns=${P}$k
                ip netns add "$ns"
                ip -n "$ns" link set lo up
                ip link add "${P}v$k" netns "$HUB" type veth peer name eth0 netns "$ns"
                ip -n "$HUB" link set "${P}v$k" master br0
                ip -n "$HUB" link set "${P}v$k" up
                ip -n "$ns" addr add "$NET.$k/24" dev eth0
                ip -n "$ns" link set eth0 up
                # IPv4 only, so MPI does not try fe80:: addresses.
                ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 || true
                mkdir -p "/etc/netns/$ns"
                printf '%s' "$hosts" > "/etc/netns/$ns/hosts"
        done
        set +e
        echo "netns-hosts: ${P}1..${P}$n on $NET.0/24"
}

case "${1:-}" in
up) up "${2:-}" ;;
down) [ "$(id -u)" = 0 ] || { echo "netns-hosts: needs root" >&2; exit 77; }; down ;;
*) echo "usage: netns-hosts.sh up N | down" >&2; exit 2 ;;
esac
