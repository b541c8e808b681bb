#!/usr/bin/env bash
# Make sure the build and test dependencies are present (Debian 12 packages).
# As root: installs what is missing with apt-get. Otherwise: names it and fails.
set -euo pipefail

# `scripts/deps.sh` : what `make build/check` need; `scripts/deps.sh fuzz` : also clang and
# its libFuzzer/sanitizer runtime, for `make fuzz`.
# The interop tests (tests/interop/) run the peers gnutls-serv (gnutls-bin) and selfserv/certutil/
# pk12util (libnss3-tools), decrypt captures with tshark/dumpcap, and need unshare (util-linux),
# ip and ss (iproute2) for their private network namespace.
packages=(cmake make gcc libc6-dev pkg-config libssl-dev openssl valgrind binutils
          libasan8 libubsan1 libtsan2
          gnutls-bin libnss3-tools tshark curl iproute2 util-linux)
if [ "${1:-}" = fuzz ]; then
    packages+=(clang libclang-rt-14-dev xxd bc)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "sslprov: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # wireshark-common (tshark's dependency) otherwise asks whether to make dumpcap setuid.
    if command -v debconf-set-selections >/dev/null 2>&1; then
        echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    exit 0
fi

echo "sslprov: missing packages: ${missing[*]}" >&2
echo "install them with:  sudo apt-get install ${missing[*]}" >&2
exit 1
