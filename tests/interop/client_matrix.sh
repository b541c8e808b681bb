#!/usr/bin/env bash
# Interop matrix, client side (issue 13): `sslprov connect` against openssl s_server, gnutls-serv
# and NSS selfserv, loopback only, inside a private network namespace.
#
# usage: client_matrix.sh SSLPROV_BINARY
#   INTEROP_CLIENT=openssl  use openssl s_client behind the same options instead (checks the
#                           servers and the harness, not sslprov)
#   INTEROP_CASES=REGEX     only the cases whose name matches
#   INTEROP_KEEP=1          keep the temporary directory (logs, transcripts)
#
# Each case sends a payload and checks the reply byte for byte (gnutls echo, selfserv's echo of
# the request) or the page's markers (s_server -www), the client's report against what the case
# asks for, and the server's own account of the connection (its page or log) against the same.
# One server per (peer, configuration) serves every case; the three peers run in parallel.
# Prints a table case x peer (pass / FAIL / n/a) and exits 1 on any FAIL.
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

peers_enter_netns "$here/client_matrix.sh" "$@"
peers_require openssl gnutls-serv selfserv certutil pk12util ss stdbuf timeout
peers_init
started=$SECONDS

# The cases. ver: 1.3 / 1.2 / - (no version option). suite, group: the client's --suite and
# --group (- none). want: the group the report must name (- not checked: RSA key exchange has
# none). flags: hrr (the peer's P-384-only configuration), resume, noticket, noems, keyupdate,
# psk (an external PSK: TLS 1.2 RFC 4279 suites, TLS 1.3 with a SHA-256 suite), pskke (TLS 1.3
# psk_ke alone, --psk-modes ke: the PSK's connection, external or resumed, has no group).
CASES=$(cat <<'EOF'
# name                        ver suite                                          group             want       flags
default                       -   -                                              -                 -          -
tls13-aes128gcm-x25519        1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     -
tls13-aes128gcm-p256          1.3 TLS_AES_128_GCM_SHA256                         secp256r1         secp256r1  -
tls13-aes256gcm-x25519        1.3 TLS_AES_256_GCM_SHA384                         x25519            x25519     -
tls13-aes256gcm-p256          1.3 TLS_AES_256_GCM_SHA384                         secp256r1         secp256r1  -
tls13-chacha20-x25519         1.3 TLS_CHACHA20_POLY1305_SHA256                   x25519            x25519     -
tls13-chacha20-p256           1.3 TLS_CHACHA20_POLY1305_SHA256                   secp256r1         secp256r1  -
tls13-aes128ccm-x25519        1.3 TLS_AES_128_CCM_SHA256                         x25519            x25519     -
tls13-aes128ccm-p256          1.3 TLS_AES_128_CCM_SHA256                         secp256r1         secp256r1  -
tls13-aes128ccm8-x25519       1.3 TLS_AES_128_CCM_8_SHA256                       x25519            x25519     -
tls13-aes128ccm8-p256         1.3 TLS_AES_128_CCM_8_SHA256                       secp256r1         secp256r1  -
tls13-group-x448              1.3 TLS_AES_128_GCM_SHA256                         x448              x448       -
tls13-group-p384              1.3 TLS_AES_256_GCM_SHA384                         secp384r1         secp384r1  -
tls13-group-p521              1.3 TLS_AES_256_GCM_SHA384                         secp521r1         secp521r1  -
tls13-group-ffdhe2048         1.3 TLS_AES_128_GCM_SHA256                         ffdhe2048         ffdhe2048  -
tls13-group-ffdhe3072         1.3 TLS_AES_128_GCM_SHA256                         ffdhe3072         ffdhe3072  -
tls13-group-ffdhe4096         1.3 TLS_AES_128_GCM_SHA256                         ffdhe4096         ffdhe4096  -
tls13-group-ffdhe6144         1.3 TLS_AES_128_GCM_SHA256                         ffdhe6144         ffdhe6144  -
tls13-group-ffdhe8192         1.3 TLS_AES_128_GCM_SHA256                         ffdhe8192         ffdhe8192  -
tls13-hrr-x25519-to-p384      1.3 TLS_AES_128_GCM_SHA256                         x25519,secp384r1  secp384r1  hrr
tls13-resume                  1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     resume
tls13-keyupdate               1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     keyupdate
tls12-ecdhe-rsa-aes128gcm     1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256          x25519            x25519     -
tls12-ecdhe-rsa-aes256gcm     1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384          secp384r1         secp384r1  -
tls12-ecdhe-rsa-chacha20      1.2 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256    x25519            x25519     -
tls12-ecdhe-rsa-cbc-sha       1.2 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA             x25519            x25519     -
tls12-ecdhe-rsa-cbc-sha384    1.2 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384          x25519            x25519     -
tls12-ecdhe-ecdsa-aes128gcm   1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256        secp256r1         secp256r1  -
tls12-ecdhe-ecdsa-chacha20    1.2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256  secp256r1         secp256r1  -
tls12-ecdhe-ecdsa-cbc-sha     1.2 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA           secp256r1         secp256r1  -
tls12-ecdhe-ecdsa-cbc-sha384  1.2 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384        secp256r1         secp256r1  -
tls12-rsa-aes128gcm           1.2 TLS_RSA_WITH_AES_128_GCM_SHA256                -                 -          -
tls12-rsa-cbc-sha             1.2 TLS_RSA_WITH_AES_128_CBC_SHA                   -                 -          -
tls12-dhe-rsa-aes128gcm       1.2 TLS_DHE_RSA_WITH_AES_128_GCM_SHA256            ffdhe2048         ffdhe2048  -
tls12-dhe-rsa-aes256gcm       1.2 TLS_DHE_RSA_WITH_AES_256_GCM_SHA384            ffdhe2048         ffdhe2048  -
tls12-ecdhe-rsa-no-ems        1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256          x25519            x25519     noems
tls12-rsa-no-ems              1.2 TLS_RSA_WITH_AES_128_CBC_SHA                   -                 -          noems
tls12-resume-ticket           1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256          x25519            x25519     resume
tls12-resume-session-id       1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256          x25519            x25519     resume,noticket
tls12-resume-no-ems           1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256        secp256r1         secp256r1  resume,noems
tls13-psk                     1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     psk
tls13-psk-ke                  1.3 TLS_AES_128_GCM_SHA256                         x25519            -          psk,pskke
tls13-resume-psk-ke           1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     resume,pskke
tls12-psk-aes128gcm           1.2 TLS_PSK_WITH_AES_128_GCM_SHA256                -                 -          psk
tls12-psk-cbc-sha256          1.2 TLS_PSK_WITH_AES_128_CBC_SHA256                -                 -          psk
EOF
)
PEERS=(openssl gnutls nss)


PSK_ID=sslprov-interop
PSK_HEX=8c1d4e3f5a6b7c8d9e0f112233445566778899aabbccddeeff00112233445566

# Why PEER cannot run a case (empty: it can).
not_applicable() { # not_applicable PEER SUITE GROUP FLAGS
    if [ "$1" = nss ] && { has "$4" psk || has "$4" pskke; }; then
        echo "selfserv has no PSK option and NSS offers no psk_ke"
        return
    fi
    case $1:$2 in
    nss:TLS_AES_128_CCM_SHA256 | nss:TLS_AES_128_CCM_8_SHA256) echo "NSS has no TLS 1.3 CCM suites"; return ;;
    esac
    case $1:$3 in
    nss:x448) echo "NSS has no X448" ;;
    esac
}

# --- checks ------------------------------------------------------------------------------------

# The client's reports (one per connection) against the case.
check_report() { # check_report ERRFILE NCONN
    local err=$1 n proto
    if grep -q '^sslprov connect:' "$err"; then
        fail "client: $(grep -m1 '^sslprov connect:' "$err")"
    fi
    proto=TLSv1.3
    [ "$ver" = 1.2 ] && proto=TLSv1.2
    for ((n = 1; n <= $2; n++)); do
        expect "report $n protocol" "$(report_get "$err" protocol "$n")" "$proto"
        [ "$suite" = - ] || expect "report $n suite" "$(report_get "$err" suite "$n")" "$suite"
        # A resumed TLS 1.2 session runs no key exchange: no group to name; nor does psk_ke.
        if psk_ke_conn "$n"; then
            expect "report $n group (psk_ke)" "$(report_get "$err" group "$n")" -
        elif [ "$want" != - ] && ! { [ "$ver" = 1.2 ] && [ "$n" = 2 ]; }; then
            if [[ $suite == TLS_DHE_* ]]; then
                # TLS 1.2 DHE: the ServerKeyExchange carries a prime, not a group; the contract
                # does not say how the report names it (the CLI says dh2048 for the RFC 7919 prime).
                expect_re "report $n group" "$(report_get "$err" group "$n")" "^(${want}|dh${want#ffdhe})\$"
            else
                expect "report $n group" "$(report_get "$err" group "$n")" "$want"
            fi
        fi
        if has "$flags" hrr; then
            expect "report $n hrr" "$(report_get "$err" hrr "$n")" yes
        elif [ "$ver" = 1.2 ]; then
            expect_re "report $n hrr" "$(report_get "$err" hrr "$n")" '^(no|n/a)$'
        else
            expect "report $n hrr" "$(report_get "$err" hrr "$n")" no
        fi
        expect "report $n resumed" "$(report_get "$err" resumed "$n")" "$([ "$n" = 2 ] && echo yes || echo no)"
        if [ "$proto" = TLSv1.3 ]; then
            expect "report $n ems" "$(report_get "$err" ems "$n")" n/a
        else
            expect "report $n ems" "$(report_get "$err" ems "$n")" "$(has "$flags" noems && echo no || echo yes)"
        fi
    done
    # The contract puts "keyupdate sent S received R" in the report printed after the handshake,
    # where it can only say 0 and 0; the CLI prints it once the data is done, and only with
    # --key-update. Either way the last one must count the KeyUpdate both ways.
    if has "$flags" keyupdate; then
        expect "keyupdate" "$(awk '$1 == "keyupdate" { $1 = ""; sub(/^ +/, ""); v = $0 } END { print v }' "$err")" \
            "sent 1 received 1"
    else
        awk '$1 == "keyupdate" && $0 !~ /sent 0 received 0$/ { bad = $0 } END { if (bad) { print bad; exit 1 } }' "$err" >/dev/null ||
            fail "keyupdate without --key-update: $(grep -m1 '^keyupdate' "$err")"
    fi
    # The contract does not say whether a resumed connection names the certificate again.
    # An external PSK's handshake has no certificate.
    if has "$flags" psk; then
        expect "report 1 subject" "$(report_get "$err" subject 1)" -
    else
        expect_re "report 1 subject" "$(report_get "$err" subject 1)" 'CN ?= ?localhost'
        expect_re "report 1 issuer" "$(report_get "$err" issuer 1)" 'CN ?= ?sslprov test CA'
    fi
}

# Whether connection N of the case runs psk_ke: the external PSK's, or the resumption.
psk_ke_conn() { has "$flags" pskke && { has "$flags" psk || [ "$1" = 2 ]; }; }

# Whether connection N takes a PSK the server reports as a reuse: a TLS 1.3 external PSK (the
# server's session comes from it) or a resumption.
reused_conn() { [ "$1" = 2 ] || { has "$flags" psk && [ "$nproto" = 1.3 ]; }; }

# What the negotiation must have been, for the peers' side: the case's values, or, where the
# case leaves them to the defaults, the client's first report.
negotiated() {
    nsuite=$suite
    [ "$nsuite" = - ] && nsuite=$(report_get "$1" suite 1)
    ngroup=$want
    [ "$ngroup" = - ] && [ "$ver" != 1.2 ] && ngroup=$(report_get "$1" group 1)
    nproto=${ver/-/1.3}
}

# s_server -www: one page per connection naming protocol, cipher, New/Reused, shared groups
# (the client's offer met with the server's list) and EMS; its -msg log has the KeyUpdates and
# the HelloRetryRequest (a second ServerHello).
check_openssl() { # check_openssl OUTPREFIX NCONN LOG
    local out=$1 n page ossl shared
    ossl=$nsuite
    [ "$nproto" = 1.2 ] && ossl=$(openssl_suite_name "$nsuite")
    awk -v p="$out.page" '/^HTTP\/1.0 200 ok\r$/ { n++ } n { print > (p n) }' "$out.out"
    expect "pages" "$(grep -c $'^HTTP/1.0 200 ok\r$' "$out.out" || true)" "$2"
    for ((n = 1; n <= $2; n++)); do
        page=$out.page$n
        [ -f "$page" ] || continue
        grep -q '^</pre></BODY></HTML>' "$page" || fail "page $n: incomplete"
        # "New, TLSv1.0, Cipher is X": the version there is the cipher's oldest, not the protocol.
        grep -q "^$(reused_conn "$n" && echo Reused || echo New), [^,]*, Cipher is $ossl\$" "$page" ||
            fail "page $n: no '$(reused_conn "$n" && echo Reused || echo New), ..., Cipher is $ossl'"
        grep -q "^    Protocol  : TLSv$nproto\$" "$page" || fail "page $n: protocol is not TLSv$nproto"
        if [ "$nproto" = 1.2 ]; then
            grep -q "^    Extended master secret: $(has "$flags" noems && echo no || echo yes)\$" "$page" ||
                fail "page $n: $(grep -m1 'Extended master secret' "$page")"
        fi
        # The shared groups are the group the server used when the client offers one group,
        # or when the server takes only one (hrr). For TLS 1.2 DHE, OpenSSL 3.0 ignores the
        # client's FFDHE groups, lists none and uses its -dhparam (the ffdhe2048 prime); a
        # resumed TLS 1.2 connection has no key exchange and lists none either.
        if [ "$want" != - ] && { [[ $group != *,* ]] || has "$flags" hrr; } &&
            ! { [ "$nproto" = 1.2 ] && { [[ $want == ffdhe* ]] || [ "$n" = 2 ]; }; }; then
            shared=$(sed -n 's/^Shared groups: //p' "$page")
            expect "page $n shared groups" "$shared" "$want"
        fi
    done
    if has "$flags" keyupdate; then
        grep -q '^<<< TLS 1.3, Handshake \[length 0005\], KeyUpdate' "$3" || fail "server log: no KeyUpdate received"
        grep -q '^>>> TLS 1.3, Handshake \[length 0005\], KeyUpdate' "$3" || fail "server log: no KeyUpdate sent"
    fi
    if has "$flags" hrr; then
        expect "server log: ServerHellos sent" "$(grep -c '^>>> .*ServerHello' "$3" || true)" 2
    fi
}

# gnutls-serv: the echo is the payload, byte for byte; its log has one block per connection.
check_gnutls() { # check_gnutls OUTPREFIX NCONN LOG PAYLOAD
    local out=$1 n blk desc
    local expected=$out.expected
    : >"$expected"
    for ((n = 1; n <= $2; n++)); do cat "$4" >>"$expected"; done
    cmp -s "$expected" "$out.out" || fail "echo differs from the payload ($(wc -c <"$out.out") bytes, want $(wc -c <"$expected"))"
    awk -v p="$out.blk" '/^\* Accepted connection/ { n++ } n { print > (p n) }' "$3"
    for ((n = 1; n <= $2; n++)); do
        blk=$out.blk$n
        [ -f "$blk" ] || { fail "server log: no connection $n"; continue; }
        desc=$(sed -n 's/^- Description: //p' "$blk")
        expect "server $n version" "$(sed -n 's/^- Version: //p' "$blk")" "TLS$nproto"
        expect "server $n cipher" "$(sed -n 's/^- Cipher: //p' "$blk")" "$(gnutls_cipher "$nsuite")"
        expect "server $n mac" "$(sed -n 's/^- MAC: //p' "$blk")" "$(gnutls_mac "$nsuite")"
        if [ "$nproto" = 1.2 ]; then
            expect "server $n key exchange" "$(sed -n 's/^- Key Exchange: //p' "$blk")" "$(kx12 "$nsuite")"
            if has "$flags" noems; then
                grep -q '^- Options: .*extended master secret' "$blk" && fail "server $n: EMS used"
            else
                grep -q '^- Options: .*extended master secret' "$blk" || fail "server $n: no EMS"
            fi
        fi
        # A resumed TLS 1.3 connection's description names no key exchange, nor does a PSK's.
        if [ -n "$ngroup" ] && [ "$ngroup" != - ] && [ "$n" = 1 ] && ! has "$flags" psk; then
            # OpenSSL's client (the stand-in) sends no FFDHE group in a TLS 1.2 ClientHello,
            # so gnutls falls back to its built-in prime, which it calls CUSTOM2048.
            if [ "${INTEROP_CLIENT:-}" = openssl ] && [ "$ngroup" = ffdhe2048 ] && [ "$nproto" = 1.2 ]; then
                desc=${desc/DHE-CUSTOM2048/DHE-FFDHE2048}
            fi
            [[ $desc == *"($(gnutls_group "$ngroup"))"* ]] || fail "server $n: description $desc lacks $(gnutls_group "$ngroup")"
        fi
        if [ "$n" = 2 ]; then
            grep -q '^\*\*\* This is a resumed session' "$blk" || fail "server $n: not resumed"
        else
            grep -q '^\*\*\* This is a resumed session' "$blk" && fail "server $n: resumed"
        fi
    done
    return 0
}

# selfserv: the reply is its fixed header, our request and its trailer, byte for byte; -v logs
# version, cipher, key exchange size, EMS and the session cache's hits per connection.
check_nss() { # check_nss OUTPREFIX NCONN LOG PAYLOAD
    local out=$1 n blk hits prev_hits="" kx
    local expected=$out.expected
    : >"$expected"
    for ((n = 1; n <= $2; n++)); do nss_reply "$4" >>"$expected"; done
    cmp -s "$expected" "$out.out" || fail "reply differs from the expected echo ($(wc -c <"$out.out") bytes, want $(wc -c <"$expected"))"
    # selfserv prints the cache statistics first, then the connection's parameters.
    awk -v p="$out.blk" '/^selfserv: [0-9]+ cache hits/ { n++ } n { print > (p n) }' "$3"
    for ((n = 1; n <= $2; n++)); do
        blk=$out.blk$n
        [ -f "$blk" ] || { fail "server log: no connection $n"; continue; }
        grep -q "^selfserv: SSL version 3.$([ "$nproto" = 1.3 ] && echo 4 || echo 3) using $(nss_cipher "$nsuite")\$" "$blk" ||
            fail "server $n: $(grep -m1 'SSL version' "$blk") (want $nproto, $(nss_cipher "$nsuite"))"
        kx=$(sed -n 's/.*Key Exchange: //p' "$blk")
        if [ "$nproto" = 1.3 ]; then
            expect "server $n key exchange" "$kx" "$(nss_bits "$ngroup")-bit TLS 1.3"
        elif [ "$n" = 1 ]; then
            case $(kx12 "$nsuite") in
            ECDHE-*) expect "server $n key exchange" "$kx" "$(nss_bits "$ngroup")-bit ECDHE" ;;
            DHE-*) expect "server $n key exchange" "$kx" "$(nss_bits "$ngroup")-bit DHE" ;;
            RSA) expect "server $n key exchange" "$kx" "2048-bit RSA" ;;
            esac
        fi
        if [ "$nproto" = 1.2 ]; then
            grep -q "Extended Master Secret: $(has "$flags" noems && echo No || echo Yes)\$" "$blk" ||
                fail "server $n: $(grep -o 'Extended Master Secret: [A-Za-z]*' "$blk")"
        fi
        hits=$(sed -n 's/^selfserv: \([0-9]*\) cache hits.*/\1/p' "$blk")
        if [ "$n" = 2 ]; then
            [ "$hits" = $((prev_hits + 1)) ] || fail "server $n: not resumed (cache hits $prev_hits -> $hits)"
        fi
        prev_hits=$hits
    done
    return 0
}

# --- running ---------------------------------------------------------------------------------

make_payloads() {
    local d=$PEER_TMP/payload i
    mkdir -p "$d"
    printf 'GET / HTTP/1.0\r\n\r\n' >"$d/openssl"
    # More than one record's worth, so the echo crosses record boundaries both ways.
    for ((i = 1; i <= 400; i++)); do
        printf 'line %03d: sslprov interop payload 0123456789 abcdefghijklmnopqrstuvwxyz\r\n' "$i"
    done >"$d/gnutls"
    printf 'GET /interop HTTP/1.0\r\nX-Sslprov: %s\r\nX-Bytes: %s\r\n\r\n' \
        "sslprov interop payload" "$(printf '%0200d' 7)" >"$d/nss"
}

# run_column PEER: every case against PEER's servers; results in $PEER_TMP/results.PEER.
run_column() {
    local peer=$1 name suite group want flags ver conf port reason args out log off nconn
    local res=$PEER_TMP/results.$peer
    : >"$res"
    while read -r name ver suite group want flags; do
        [ -z "$name" ] || [[ $name == \#* ]] && continue
        if [ -n "${INTEROP_CASES:-}" ] && ! [[ $name =~ $INTEROP_CASES ]]; then
            continue
        fi
        reason=$(not_applicable "$peer" "$suite" "$group" "$flags")
        if [ -n "$reason" ]; then
            printf '%s n/a %s\n' "$name" "$reason" >>"$res"
            continue
        fi
        conf=main
        has "$flags" hrr && conf=hrr
        port=${PORTS[$peer.$conf]}
        args=(connect "127.0.0.1:$port" --cafile "$CA" --sni localhost --timeout 5)
        [ "$ver" = - ] || args+=("--tls$ver")
        [ "$suite" = - ] || args+=(--suite "$suite")
        [ "$group" = - ] || args+=(--group "$group")
        has "$flags" resume && args+=(--resume)
        has "$flags" noticket && args+=(--no-ticket)
        has "$flags" noems && args+=(--no-ems)
        has "$flags" keyupdate && args+=(--key-update)
        has "$flags" psk && args+=(--psk "$PSK_ID:$PSK_HEX")
        has "$flags" pskke && args+=(--psk-modes ke)
        [ "$peer" = gnutls ] && args+=(--idle "$ECHO_IDLE_MS")
        nconn=1
        has "$flags" resume && nconn=2
        out=$PEER_TMP/run/$peer.$name
        log=$peer.$conf
        off=$(log_size "$log")
        client_run "$out" "${args[@]}" <"$PEER_TMP/payload/$peer"
        why=""
        if [ "$CLIENT_RC" -ne 0 ]; then
            fail "client exited $CLIENT_RC: $(grep -m1 '^sslprov connect:' "$out.err" || tail -n 1 "$out.err")"
        else
            check_report "$out.err" "$nconn"
            negotiated "$out.err"
            case $peer in
            openssl) log_since "$log" "$off" '^>>> .*Finished' "$nconn" >"$out.log" ;;
            gnutls) log_since "$log" "$off" '^- Options' "$nconn" >"$out.log" ;;
            nss) log_since "$log" "$off" '^selfserv: issuer ' "$nconn" >"$out.log" ;;
            esac
            case $peer in
            openssl) check_openssl "$out" "$nconn" "$out.log" ;;
            gnutls) check_gnutls "$out" "$nconn" "$out.log" "$PEER_TMP/payload/$peer" ;;
            nss) check_nss "$out" "$nconn" "$out.log" "$PEER_TMP/payload/$peer" ;;
            esac
        fi
        if [ -z "$why" ]; then
            printf '%s pass\n' "$name" >>"$res"
        else
            printf '%s FAIL\n' "$name" >>"$res"
            printf '%s' "$why" | sed "s|^|$peer/$name: |" >>"$PEER_TMP/why.$peer"
        fi
    done <<<"$CASES"
}

print_table() {
    local name p cell rc=0 line
    printf '\n%-30s %-8s %-8s %-8s\n' case "${PEERS[@]}"
    printf '%-30s %-8s %-8s %-8s\n' ------------------------------ -------- -------- --------
    while read -r name _; do
        [ -z "$name" ] || [[ $name == \#* ]] && continue
        line=$(printf '%-30s' "$name")
        local any=0
        for p in "${PEERS[@]}"; do
            cell=$(awk -v n="$name" '$1 == n { print $2; exit }' "$PEER_TMP/results.$p")
            [ -n "$cell" ] && any=1
            [ "$cell" = FAIL ] && rc=1
            line+=$(printf ' %-8s' "${cell:--}")
        done
        [ "$any" = 1 ] && printf '%s\n' "$line"
    done <<<"$CASES"
    for p in "${PEERS[@]}"; do
        awk '$2 == "n/a" { $2 = ""; sub(/^[^ ]+ +/, ""); print }' "$PEER_TMP/results.$p" | sort -u |
            sed "s|^|n/a ($p): |"
    done
    for p in "${PEERS[@]}"; do
        [ -s "$PEER_TMP/why.$p" ] && cat "$PEER_TMP/why.$p"
    done
    return "$rc"
}

pki_make
pki_nssdb
make_payloads
mkdir -p "$PEER_TMP/run"
declare -A PORTS
# The main configurations also know the PSK (and take psk_ke from a client that offers only it).
printf '%s:%s\n' "$PSK_ID" "$PSK_HEX" >"$PEER_TMP/psk.passwd"
GNUTLS_PRIORITY+=:+PSK:+ECDHE-PSK:+DHE-PSK:+SHA256
for conf in main hrr; do
    extra_openssl=() extra_gnutls=()
    if [ "$conf" = main ]; then
        extra_openssl=(-psk_identity "$PSK_ID" -psk "$PSK_HEX" -allow_no_dhe_kex -cipher 'DEFAULT:PSK:@SECLEVEL=1')
        extra_gnutls=(--pskpasswd "$PEER_TMP/psk.passwd")
    fi
    server_openssl "openssl.$conf" "$conf" "${extra_openssl[@]}"
    PORTS[openssl.$conf]=$PORT
    server_gnutls "gnutls.$conf" "$conf" "${extra_gnutls[@]}"
    PORTS[gnutls.$conf]=$PORT
    server_nss "nss.$conf" "$conf"
    PORTS[nss.$conf]=$PORT
done

note "client: ${INTEROP_CLIENT:-sslprov} ${SSLPROV}"
jobs_pids=()
for p in "${PEERS[@]}"; do
    run_column "$p" &
    jobs_pids+=($!)
done
# A column that stopped early (an unexpected error under set -e) fails the run; its missing
# cells show as "-".
status=0
for i in "${!PEERS[@]}"; do
    if ! wait "${jobs_pids[$i]}"; then
        note "the ${PEERS[$i]} column stopped before its last case"
        status=1
    fi
done

print_table || status=1
printf '\n%s client, %d s\n' "${INTEROP_CLIENT:-sslprov}" $((SECONDS - started))
exit "$status"
