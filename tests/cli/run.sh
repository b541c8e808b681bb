#!/bin/sh
# The sslprov CLI: help, version, the suites command and its errors.
# usage: run.sh <path of the sslprov binary>
bin=$1
passed=0
failed=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "usage: $0 <sslprov binary>" >&2
    exit 2
fi

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# run <expected status> args...: output in $tmp/out, errors in $tmp/err
run() {
    want=$1
    shift
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "sslprov $* exited $got, want $want"; fi
}

has() { # has <file> <text> <label>
    if grep -q -- "$2" "$tmp/$1"; then ok; else bad "$3: '$2' missing from $1"; fi
}

lacks() {
    if grep -q -- "$2" "$tmp/$1"; then bad "$3: '$2' unexpected in $1"; else ok; fi
}

run 0 --help
has out "usage" "--help"
has out "suites" "--help"
run 0 -h
has out "usage" "-h"
run 0 --version
has out "^sslprov [0-9]" "--version"
has out "Microsoft SSL Protocol Provider" "--version"

run 0 suites
has out "TLS_AES_128_GCM_SHA256" "suites"
has out "0x13,0x02 - TLS_AES_256_GCM_SHA384" "suites"
has out "TLS1.2,DTLS1.2" "suites"
lacks out "TLS_RSA_WITH_RC4_128_MD5" "suites"
lacks out "3DES" "suites"
lacks out "TLS1.0" "suites"
run 0 suites --help
has out "usage: sslprov suites" "suites --help"

run 0 suites --all
has out "TLS_RSA_WITH_RC4_128_MD5" "suites --all"
has out "RC4" "suites --all"
has out "SSL_CK_RC4_128_WITH_MD5" "suites --all"
has out "TLS_AES_128_CCM_8_SHA256" "suites --all"

run 0 suites --protocol tls1.0
has out "0x00,0x2F" "suites --protocol tls1.0"
lacks out "GCM" "suites --protocol tls1.0"
lacks out "TLS1.2" "suites --protocol tls1.0"
run 0 suites --protocol=tls1.3
has out "TLS_AES_128_GCM_SHA256" "suites --protocol=tls1.3"
lacks out "0x00,0x2F" "suites --protocol=tls1.3"
run 0 suites --all --protocol ssl3
has out "TLS_RSA_WITH_RC4_128_MD5" "suites --all --protocol ssl3"
lacks out "ECDHE" "suites --all --protocol ssl3"

# usage errors: status 2, a message naming the problem, and the usage
run 2 suites --protocol tls9
has err "tls9" "bad protocol"
has err "usage" "bad protocol"
run 2 suites --protocol
has err "--protocol" "missing protocol"
has err "usage" "missing protocol"
run 2 frobnicate
has err "frobnicate" "unknown command"
has err "usage" "unknown command"
run 2 --frobnicate
has err "--frobnicate" "unknown option"
run 2 suites --frobnicate
has err "--frobnicate" "unknown suites option"
has err "usage" "unknown suites option"
run 2 suites extra
has err "extra" "extra argument"
run 2
has err "usage" "no command"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
