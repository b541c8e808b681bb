#!/usr/bin/env bash
# Install the build into a temporary prefix, then build and run a tiny consumer against the
# installed copy twice: with pkg-config and with CMake's find_package(sslprov).
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(dirname "$(find "$tmp/prefix" -name sslprov.pc | head -n1)")
test -f "$tmp/prefix/include/sslprovider.h"

# pkg-config, shared library
PKG_CONFIG_PATH=$libdir cc -std=c17 -Wall -Wextra -Werror "$src/consumer.c" -o "$tmp/consumer_pc" \
    $(PKG_CONFIG_PATH=$libdir pkg-config --cflags --libs sslprov)
LD_LIBRARY_PATH=$(dirname "$libdir") "$tmp/consumer_pc"
pass=$((pass + 1))

# pkg-config, static library
PKG_CONFIG_PATH=$libdir cc -std=c17 -Wall -Wextra -Werror "$src/consumer.c" -o "$tmp/consumer_static" \
    $(PKG_CONFIG_PATH=$libdir pkg-config --cflags sslprov) "$(dirname "$libdir")/libsslprov.a" \
    $(PKG_CONFIG_PATH=$libdir pkg-config --static --libs-only-l sslprov | sed 's/-lsslprov//')
"$tmp/consumer_static"
pass=$((pass + 1))

# CMake package
cmake -S "$src" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cmake-build" >/dev/null
LD_LIBRARY_PATH=$(dirname "$libdir") "$tmp/cmake-build/consumer"
pass=$((pass + 1))

echo "$pass passed, 0 failed"
