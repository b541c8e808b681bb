#!/usr/bin/env bash
# The keylog `sslprov connect --keylog` writes (the provider's own SSLKEYLOGFILE lines) decrypts
# a capture: one TLS 1.3 and one TLS 1.2 (ECDHE) connection to openssl s_server -www, captured
# on the private namespace's loopback with dumpcap; tshark must show both HTTP exchanges with
# our keylog and none without it. Our lines must also equal the server's own keylog lines
# (-keylogfile) for the same client random, as sets. Where capturing is impossible the test says
# so and checks the keylog against the server's only.
#
# usage: keylog_tshark.sh SSLPROV_BINARY   (INTEROP_CLIENT=openssl: s_client as a stand-in;
#        INTEROP_DUMPCAP=PROGRAM captures instead of dumpcap, e.g. `false` to try the fallback)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/peers.sh"

SSLPROV=${1:-}
if [ "${INTEROP_CLIENT:-sslprov}" != openssl ]; then
    if [ -z "$SSLPROV" ] || [ ! -x "$SSLPROV" ]; then
        note "usage: $0 SSLPROV_BINARY   (or INTEROP_CLIENT=openssl $0)"
        exit 2
    fi
    SSLPROV=$(cd "$(dirname "$SSLPROV")" && pwd)/$(basename "$SSLPROV")
fi

peers_enter_netns "$here/keylog_tshark.sh" "$@"
peers_require openssl tshark dumpcap ss stdbuf timeout
peers_init
failed=0
fails=0
bad() { note "FAIL: $*"; failed=1; fails=$((fails + 1)); }

pki_make
ours=$PEER_TMP/ours.keylog
theirs=$PEER_TMP/server.keylog
cap=$PEER_TMP/lo.pcapng
: >"$ours"
server_openssl openssl.main main -keylogfile "$theirs"
printf 'GET / HTTP/1.0\r\n\r\n' >"$PEER_TMP/get"

# The capture: running once dumpcap says so (bounded); any failure to start means no capture.
capture=1
"${INTEROP_DUMPCAP:-dumpcap}" -i lo -f "tcp port $PORT" -w "$cap" -q 2>"$PEER_TMP/dumpcap.err" &
cap_pid=$!
PEER_PIDS+=("$cap_pid")
for ((i = 0; i < 100; i++)); do
    grep -qs '^Capturing on' "$PEER_TMP/dumpcap.err" && break
    if ! kill -0 "$cap_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if ! grep -qs '^Capturing on' "$PEER_TMP/dumpcap.err"; then
    capture=0
    note "capture impossible here: ${INTEROP_DUMPCAP:-dumpcap} did not start capturing on lo" \
        "$(tr '\n' ' ' <"$PEER_TMP/dumpcap.err")"
    note "checking our keylog against the server's keylog only"
    proc_stop "$cap_pid"
fi

# One connection per version, in this order: tcp.stream 0 is TLS 1.3, 1 is TLS 1.2.
n=0
for v in "--tls1.3" "--tls1.2 --suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"; do
    # shellcheck disable=SC2086  # $v is two options or one
    client_run "$PEER_TMP/c$n" connect "127.0.0.1:$PORT" --cafile "$CA" --sni localhost \
        --timeout 10 --keylog "$ours" $v <"$PEER_TMP/get"
    if [ "$CLIENT_RC" -ne 0 ]; then
        bad "client $v exited $CLIENT_RC: $(tail -n 1 "$PEER_TMP/c$n.err")"
    elif ! grep -q '^</pre></BODY></HTML>' "$PEER_TMP/c$n.out"; then
        bad "client $v: no complete page"
    fi
    n=$((n + 1))
done

# Our keylog against the server's, per client random: the same lines.
before=$fails
mapfile -t randoms < <(awk 'NF == 3 { print $2 }' "$ours" | sort -u)
[ "${#randoms[@]}" -eq 2 ] || bad "our keylog names ${#randoms[@]} client randoms, want 2"
for r in "${randoms[@]}"; do
    if ! cmp -s <(grep " $r " "$ours" | sort -u) <(grep " $r " "$theirs" | sort -u); then
        bad "keylog lines for client random ${r:0:16}... differ from the server's:"
        diff <(grep " $r " "$ours" | sort -u | cut -c1-60) <(grep " $r " "$theirs" | sort -u | cut -c1-60) >&2 || true
    fi
done
grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$ours" || bad "no TLS 1.3 traffic secret in our keylog"
grep -q '^CLIENT_RANDOM ' "$ours" || bad "no TLS 1.2 master secret in our keylog"
[ "$fails" != "$before" ] || note "keylog: ours equals the server's for both connections"

if [ "$capture" = 1 ]; then
    # Let dumpcap take the last segments off the ring before it stops.
    sleep 0.5
    proc_stop "$cap_pid" INT
    before=$fails
    # s_server's HTTP/1.0 page has no Content-Length: with body desegmentation on, tshark
    # waits for an end of body that only a TCP FIN after close_notify would give, and shows no
    # response at all.
    http=$(tshark -r "$cap" -o "tls.keylog_file:$ours" -o http.desegment_body:FALSE -Y http \
        -T fields -e tcp.stream -e http.request.method -e http.response.code 2>/dev/null)
    for s in 0 1; do
        grep -q "^$s	GET	\$" <<<"$http" || bad "stream $s: tshark shows no decrypted GET"
        grep -q "^$s		200\$" <<<"$http" || bad "stream $s: tshark shows no decrypted 200 response"
    done
    # The page as tshark decrypted it names the protocol s_server negotiated.
    for s in 0 1; do
        want=TLSv1.3
        [ "$s" = 1 ] && want=TLSv1.2
        tshark -r "$cap" -o "tls.keylog_file:$ours" -q -z "follow,tls,ascii,$s" 2>/dev/null |
            grep -q "Protocol  : $want" || bad "stream $s: decrypted page does not say $want"
    done
    # The twin: without the keylog nothing decrypts.
    [ -z "$(tshark -r "$cap" -Y http 2>/dev/null)" ] || bad "tshark decrypts HTTP without the keylog"
    [ "$fails" != "$before" ] || note "tshark: both connections decrypted with our keylog ($(wc -l <"$ours") lines), none without"
fi
exit "$failed"
