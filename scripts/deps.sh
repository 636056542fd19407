#!/usr/bin/env bash
# scripts/deps.sh — install the Debian 12 packages par needs, and only those
# that are missing. When everything is already installed it touches neither
# the network nor apt, so a repeat run is quick and works offline.
#
# Usage: scripts/deps.sh            (as root, or as a user with sudo)
#        PAR_SKIP_DEPS=1 scripts/…   skip this step entirely
set -euo pipefail

packages=(
        build-essential   # gcc, g++, make, libc headers
        meson
        ninja-build
        pkg-config
        libopenblas-dev   # -Dblas
        liblapacke-dev    # -Dblas
        zlib1g-dev        # -Dzlib: gzip input
        libpcre2-dev      # -Dpcre2: regular expressions
        libtbb-dev
        libomp-dev
        clang
        libclang-rt-14-dev  # sanitizer runtimes for clang
        valgrind
        binutils          # nm, for tests/infra/check_exports.sh
        python3
        python3-numpy     # tests compare with numpy (lstsq, .npy files)
        python3-pandas    # tests read par's CSV with pandas and vice versa
        python3-scipy     # linear-model tests compare with scipy/sklearn
        python3-sklearn
        libopenmpi-dev    # -Dmpi: the MPI backend
        openmpi-bin       # mpirun for the MPI tests
        iproute2          # ip netns, for the multi-host MPI tests
        bible-kjv         # the King James text the talk example reads
)

if [[ "${PAR_SKIP_DEPS:-0}" == 1 ]]; then
        echo "deps: PAR_SKIP_DEPS=1, not checking packages"
        exit 0
fi

if ! command -v dpkg >/dev/null 2>&1; then
        echo "deps: no dpkg here (not Debian?); install these by hand:" >&2
        echo "      ${packages[*]}" >&2
        exit 0
fi

missing=()
for p in "${packages[@]}"; do
        if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
                missing+=("$p")
        fi
done

if ((${#missing[@]} == 0)); then
        echo "deps: all ${#packages[@]} packages already installed"
        exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
if ((EUID != 0)); then
        if command -v sudo >/dev/null 2>&1; then
                sudo=(sudo)
        else
                echo "deps: missing packages and not root (and no sudo): ${missing[*]}" >&2
                exit 1
        fi
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for a dpkg lock held by e.g. unattended-upgrades on a fresh machine
# instead of failing at once.
apt_opts=(-y -q -o DPkg::Lock::Timeout=600)
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" \
        install --no-install-recommends "${missing[@]}"
