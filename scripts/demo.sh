#!/usr/bin/env bash
# `make demo`: sslprov at work with a real peer. A throw-away CA and server certificate,
# `openssl s_server -www` on a loopback port, then `sslprov connect` over TLS 1.3 and TLS 1.2
# verifying the chain against that CA: what was negotiated and the first lines of the page.
# Every process started here is stopped on exit; every wait is bounded.
set -euo pipefail

cli=${1:?usage: demo.sh path/to/sslprov [path/to/sslprov-demo]}
inproc=${2:-}
work=$(mktemp -d)
server_pid=

cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "A CA and a server certificate for localhost (openssl req / x509)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=sslprov demo CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/ext.cnf"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
    -CAcreateserial -days 2 -extfile "$work/ext.cnf" -out "$work/server.pem" 2>/dev/null
echo "CA: CN=sslprov demo CA; server: CN=localhost, RSA-2048"

step "openssl s_server -www on 127.0.0.1 (a port the kernel picks)"
openssl s_server -accept 127.0.0.1:0 -cert "$work/server.pem" -key "$work/server.key" -www \
    > "$work/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 50); do
    port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.log")
    [ -n "$port" ] && break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "demo: openssl s_server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
echo "listening on 127.0.0.1:$port (pid $server_pid)"

for version in tls1.3 tls1.2; do
    step "sslprov connect localhost:$port --$version --cafile ca.pem   (every secret behind the provider's handles)"
    printf 'GET / HTTP/1.0\r\n\r\n' |
        "$cli" connect "localhost:$port" "--$version" --cafile "$work/ca.pem" --timeout 10 \
        > "$work/page.$version" 2> "$work/report.$version" || {
        cat "$work/report.$version" >&2
        exit 1
    }
    sed 's/^/  /' "$work/report.$version"
    echo "  -- the first lines of the page s_server sent back:"
    grep -m1 '^HTTP/' "$work/page.$version" | sed 's/^/  | /'
    grep -E '^(New|Reused),' "$work/page.$version" | sed 's/^/  | /'
    grep -m1 'Shared groups' "$work/page.$version" | sed 's/^/  | /' || true
done

step "A server we cannot trust: the same connect without --cafile"
if printf '' | "$cli" connect "localhost:$port" --tls1.3 --timeout 10 > /dev/null 2> "$work/untrusted"; then
    echo "demo: the connection to an unknown CA succeeded" >&2
    exit 1
fi
sed 's/^/  /' "$work/untrusted"

if [ -n "$inproc" ]; then
    step "The provider's objects in memory (examples/demo.c)"
    "$inproc"
fi
