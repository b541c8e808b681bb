#!/usr/bin/env bash
# sslprov serve with the key forms users have (issue 14): a PEM key file, a PKCS#8 file, a
# PKCS#12 file with a password, an OSSL_STORE "file:" URI — each reached only through
# SslOpenPrivateKey + SslSignHash — answering sslprov connect over loopback. Twins: a wrong
# PKCS#12 password, a key that is not the certificate's, a URI that yields no key: serve
# refuses to start, exit 1, naming the problem. SIGTERM stops a serving server with exit 0.
# Every process started here is stopped; every wait is bounded; 127.0.0.1 only.
# usage: serve_keys.sh <sslprov binary>
set -uo pipefail
bin=${1:?usage: serve_keys.sh <sslprov binary>}
tmp=$(mktemp -d) || exit 1
pids=()
passed=0
failed=0

cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# A CA, an RSA leaf for localhost, and the key in every form.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=serve_keys CA" -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null &&
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tmp/leaf.key" \
    -out "$tmp/leaf.csr" 2>/dev/null &&
printf 'subjectAltName=DNS:localhost\n' >"$tmp/ext.cnf" &&
openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
    -days 2 -extfile "$tmp/ext.cnf" -out "$tmp/leaf.pem" 2>/dev/null &&
openssl pkcs8 -topk8 -nocrypt -in "$tmp/leaf.key" -out "$tmp/leaf.p8" &&
openssl pkcs12 -export -in "$tmp/leaf.pem" -inkey "$tmp/leaf.key" -passout pass:s3cret \
    -out "$tmp/leaf.p12" 2>/dev/null &&
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/other.key" 2>/dev/null ||
    { echo "serve_keys: could not make the test PKI" >&2; exit 1; }

# start <log> args...: serve in the background; PORT from its ACCEPT line (bounded wait)
start() {
    local log=$1
    shift
    "$bin" serve --www --timeout 5 "$@" >"$tmp/$log.out" 2>"$tmp/$log.err" &
    pids+=($!)
    PID=$!
    PORT=
    for _ in $(seq 50); do
        PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/$log.out")
        [ -n "$PORT" ] && return 0
        kill -0 "$PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# one form: serve it, connect, check the page and that serve ended cleanly
serves() {
    local name=$1
    shift
    if ! start "$name" --max-connections 1 "$@"; then
        bad "$name: serve did not start: $(cat "$tmp/$name.err")"
        return
    fi
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout 10 "$bin" connect "localhost:$PORT" --cafile "$tmp/ca.pem" --tls1.3 --quiet \
            >"$tmp/$name.page" 2>"$tmp/$name.cerr"
    if grep -q '^protocol  TLSv1.3$' "$tmp/$name.page"; then ok; else
        bad "$name: no TLS 1.3 page: $(cat "$tmp/$name.cerr")"
    fi
    if timeout 10 tail --pid="$PID" -f /dev/null && wait "$PID"; then ok; else
        bad "$name: serve did not exit 0 after its connection"
    fi
}

# refuses <what> <message> args...: serve must not start, exit 1, and say why
refuses() {
    local name=$1 want=$2
    shift 2
    timeout 10 "$bin" serve --www "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    local rc=$?
    if [ "$rc" -eq 1 ] && ! grep -q ACCEPT "$tmp/$name.out" && grep -q -- "$want" "$tmp/$name.err"; then
        ok
    else
        bad "$name: exit $rc, want 1 with '$want': $(cat "$tmp/$name.err")"
    fi
}

serves pem --cert "$tmp/leaf.pem" --key "$tmp/leaf.key"
serves pkcs8 --cert "$tmp/leaf.pem" --key "$tmp/leaf.p8"
SSLPROV_P12_PASS=s3cret serves pkcs12 --key "$tmp/leaf.p12"
serves uri --cert "$tmp/leaf.pem" --key "file:$tmp/leaf.key"

SSLPROV_P12_PASS=wrong refuses p12-password "password" --key "$tmp/leaf.p12"
refuses other-key "does not match" --cert "$tmp/leaf.pem" --key "$tmp/other.key"
refuses no-key "no key associated\|NTE_NO_KEY\|0x8009000D" --cert "$tmp/leaf.pem" --key "file:$tmp/none.key"

# a bad option value is a usage error (exit 2) that names the option
timeout 10 "$bin" serve --www --cert "$tmp/leaf.pem" --key "$tmp/leaf.key" --psk-ke sometimes \
    >"$tmp/usage.out" 2>"$tmp/usage.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q -- "--psk-ke allow|prefer|never" "$tmp/usage.err"; then ok; else
    bad "psk-ke usage: exit $rc, want 2: $(cat "$tmp/usage.err")"
fi

# SIGTERM: a serving server stops cleanly
if start sigterm --cert "$tmp/leaf.pem" --key "$tmp/leaf.key"; then
    kill -TERM "$PID"
    if timeout 10 tail --pid="$PID" -f /dev/null && wait "$PID"; then ok; else
        bad "sigterm: serve did not exit 0"
    fi
else
    bad "sigterm: serve did not start"
fi

echo "serve_keys: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
