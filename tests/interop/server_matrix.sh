#!/usr/bin/env bash
# Interop matrix, server side (issue 14): `sslprov serve` against the clients people use —
# openssl s_client, gnutls-cli, NSS tstclnt, curl (Debian's, OpenSSL-backed) and our own
# `sslprov connect` — loopback only, inside a private network namespace.
#
# usage: server_matrix.sh SSLPROV_BINARY
#   INTEROP_SERVER=openssl  serve with openssl s_server behind the same options instead (checks
#                           the clients and the harness, not sslprov serve); SSLPROV_BINARY is
#                           still the `sslprov connect` of the last column
#   INTEROP_CASES=REGEX     only the cases whose name matches
#   INTEROP_CLIENTS="..."   only these columns (default: openssl gnutls nss curl sslprov)
#   INTEROP_KEEP=1          keep the temporary directory (logs, transcripts)
#
# The server follows /work/notes/serve-contract.md: it announces its port with one line
# "ACCEPT 127.0.0.1:PORT", answers --www with a status page of "key value" lines and logs one
# line per connection. Each case checks the page (or the echo) byte for byte against the page
# the case implies, the client's own account of the negotiation (s_client's summary and -msg
# trace, gnutls-cli's "- Description:", tstclnt -v, curl -v, connect's report) and the
# server's line for each connection. Every column has its own servers, one per configuration,
# and the columns run in parallel. Prints a table case x client (pass / FAIL / n/a) and exits
# 1 on any FAIL.
# shellcheck disable=SC2317  # run_CLIENT, the feeders and the stand-in are called by name
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/peers.sh"

SSLPROV=${1:-}
if [ -z "$SSLPROV" ] || [ ! -x "$SSLPROV" ]; then
    note "usage: $0 SSLPROV_BINARY   (INTEROP_SERVER=openssl: s_server stands in for serve)"
    exit 2
fi
SSLPROV=$(cd "$(dirname "$SSLPROV")" && pwd)/$(basename "$SSLPROV")
STANDIN=0
[ "${INTEROP_SERVER:-sslprov}" = openssl ] && STANDIN=1

peers_enter_netns "$here/server_matrix.sh" "$@"
peers_require openssl gnutls-cli tstclnt certutil pk12util curl perl stdbuf timeout
if [ "$STANDIN" = 0 ] && ! "$SSLPROV" serve --help >/dev/null 2>&1; then
    note "$SSLPROV has no serve command; skipped (INTEROP_SERVER=openssl runs the stand-in)"
    exit 77
fi
peers_init
started=$SECONDS

PSK_ID=sslprov-interop
PSK_HEX=8c1d4e3f5a6b7c8d9e0f112233445566778899aabbccddeeff00112233445566
# The server's groups: every group sslprov has (the contract's default lacks ffdhe4096-8192).
SERVER_GROUPS=x25519,secp256r1,secp384r1,secp521r1,x448,ffdhe2048,ffdhe3072,ffdhe4096,ffdhe6144,ffdhe8192
SUITES13=(TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256
    TLS_AES_128_CCM_SHA256 TLS_AES_128_CCM_8_SHA256)

suite_abbr() {
    case $1 in
    TLS_AES_128_GCM_SHA256) echo aes128gcm ;; TLS_AES_256_GCM_SHA384) echo aes256gcm ;;
    TLS_CHACHA20_POLY1305_SHA256) echo chacha20 ;; TLS_AES_128_CCM_SHA256) echo aes128ccm ;;
    TLS_AES_128_CCM_8_SHA256) echo aes128ccm8 ;;
    esac
}

# The cases. ver: 1.3 / 1.2 / - (no version option). suite, group: what the client offers
# (- its defaults). want: the group the server must use (- none: RSA key exchange, PSK).
# flags: hrr (a P-384-only server), resume, noticket, noems, keyupdate, psk, echo,
# certrsa / certec (a client certificate; the server has --verify-client), pskke (TLS 1.3
# psk_ke: the client allows a PSK without (EC)DHE, the server prefers it; the external PSK's
# connection or the resumption then has no group). The configuration a case runs against
# follows from its flags: hrr, auth, psk (also pskke), echo or main. TLS 1.2 ECDHE-ECDSA
# offers P-256: the curve of the server's ECDSA certificate must be among the client's groups
# (RFC 8422 §5.1), so an x25519-only offer leaves the server nothing to sign with.
tls13_cases() {
    local s g
    for s in "${SUITES13[@]}"; do
        for g in ${SERVER_GROUPS//,/ }; do
            printf '%-30s 1.3 %-46s %-17s %-10s -\n' "tls13-$(suite_abbr "$s")-$g" "$s" "$g" "$g"
        done
    done
}

CASES=$(
    cat <<'EOF'
# name                        ver suite                                          group             want       flags
default                       -   -                                              -                 -          -
EOF
    tls13_cases
    cat <<'EOF'
tls13-hrr-x25519-to-p384      1.3 TLS_AES_128_GCM_SHA256                         x25519,secp384r1  secp384r1  hrr
tls13-resume                  1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     resume
tls13-keyupdate               1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     keyupdate
tls13-echo                    1.3 TLS_AES_256_GCM_SHA384                         x25519            x25519     echo
tls13-client-rsa              1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     certrsa
tls13-client-ecdsa            1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     certec
tls12-ecdhe-rsa-aes128gcm     1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256          x25519            x25519     -
tls12-ecdhe-rsa-aes256gcm     1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384          secp384r1         secp384r1  -
tls12-ecdhe-rsa-chacha20      1.2 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256    x25519            x25519     -
tls12-ecdhe-rsa-cbc-sha       1.2 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA             x25519            x25519     -
tls12-ecdhe-rsa-cbc-sha384    1.2 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384          secp256r1         secp256r1  -
tls12-ecdhe-ecdsa-aes128gcm   1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256        secp256r1         secp256r1  -
tls12-ecdhe-ecdsa-aes256gcm   1.2 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384        secp256r1         secp256r1  -
tls12-ecdhe-ecdsa-chacha20    1.2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256  secp256r1         secp256r1  -
tls12-ecdhe-ecdsa-cbc-sha     1.2 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA           secp256r1         secp256r1  -
tls12-ecdhe-ecdsa-cbc-sha384  1.2 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384        secp256r1         secp256r1  -
tls12-rsa-aes128gcm           1.2 TLS_RSA_WITH_AES_128_GCM_SHA256                -                 -          -
tls12-rsa-aes256gcm           1.2 TLS_RSA_WITH_AES_256_GCM_SHA384                -                 -          -
tls12-rsa-cbc-sha             1.2 TLS_RSA_WITH_AES_128_CBC_SHA                   -                 -          -
tls12-rsa-cbc-sha256          1.2 TLS_RSA_WITH_AES_128_CBC_SHA256                -                 -          -
tls12-dhe-rsa-aes128gcm       1.2 TLS_DHE_RSA_WITH_AES_128_GCM_SHA256            ffdhe2048         ffdhe2048  -
tls12-dhe-rsa-aes256gcm       1.2 TLS_DHE_RSA_WITH_AES_256_GCM_SHA384            ffdhe2048         ffdhe2048  -
tls12-dhe-rsa-chacha20        1.2 TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256      ffdhe2048         ffdhe2048  -
tls12-dhe-rsa-cbc-sha         1.2 TLS_DHE_RSA_WITH_AES_128_CBC_SHA               ffdhe2048         ffdhe2048  -
tls12-ecdhe-rsa-no-ems        1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256          x25519            x25519     noems
tls12-ecdhe-ecdsa-no-ems      1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256        secp256r1         secp256r1  noems
tls12-rsa-no-ems              1.2 TLS_RSA_WITH_AES_128_CBC_SHA                   -                 -          noems
tls12-resume-ticket           1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256          x25519            x25519     resume
tls12-resume-session-id       1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256          x25519            x25519     resume,noticket
tls12-resume-no-ems           1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256        secp256r1         secp256r1  resume,noems
tls13-psk                     1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     psk
tls13-psk-ke                  1.3 TLS_AES_128_GCM_SHA256                         x25519            -          psk,pskke
tls13-resume-psk-ke           1.3 TLS_AES_128_GCM_SHA256                         x25519            x25519     resume,pskke
tls12-psk-aes128gcm           1.2 TLS_PSK_WITH_AES_128_GCM_SHA256                -                 -          psk
tls12-psk-aes256gcm           1.2 TLS_PSK_WITH_AES_256_GCM_SHA384                -                 -          psk
tls12-psk-cbc-sha256          1.2 TLS_PSK_WITH_AES_128_CBC_SHA256                -                 -          psk
tls12-echo                    1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256          x25519            x25519     echo
tls12-client-rsa              1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256          x25519            x25519     certrsa
tls12-client-ecdsa            1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256        secp256r1         secp256r1  certec
EOF
)
read -r -a CLIENTS <<<"${INTEROP_CLIENTS:-openssl gnutls nss curl sslprov}"
CONFS=(main hrr auth psk echo)

# The server's suites: the cases' own (an explicit list, since the provider's default leaves
# out TLS_AES_128_CCM_8_SHA256 and the PSK suites).
SERVER_SUITES=$(awk '!/^#/ && $3 != "-" { print $3 }' <<<"$CASES" | awk '!seen[$0]++' | paste -sd, -)

case_conf() { # case_conf FLAGS
    if has "$1" hrr; then echo hrr
    elif has "$1" certrsa || has "$1" certec; then echo auth
    elif has "$1" psk || has "$1" pskke; then echo psk
    elif has "$1" echo; then echo echo
    else echo main
    fi
}

# Why CLIENT cannot run a case (empty: it can).
not_applicable() { # not_applicable CLIENT SUITE GROUP FLAGS
    local c=$1 s=$2 g=$3 f=$4
    case $c in
    nss)
        case $s in TLS_AES_128_CCM*) echo "NSS has no TLS 1.3 CCM suites"; return ;; esac
        [ "$g" = x448 ] && { echo "NSS has no X448"; return; }
        has "$f" keyupdate && { echo "tstclnt cannot send a KeyUpdate"; return; }
        has "$f" psk && { echo "tstclnt has no PSK option"; return; }
        has "$f" pskke && { echo "NSS offers psk_dhe_ke only"; return; }
        has "$f" noems && { echo "tstclnt always offers EMS"; return; }
        ;;
    curl)
        has "$f" keyupdate && { echo "curl cannot send a KeyUpdate"; return; }
        has "$f" psk && { echo "curl has no PSK option"; return; }
        has "$f" echo && { echo "curl speaks HTTP, not echo"; return; }
        ;;
    esac
    return 0
}

# --- the servers -----------------------------------------------------------------------------

# The contract's options for configuration CONF.
serve_args() { # serve_args CONF
    local d=$PEER_TMP/pki
    local -a a=(--cert "$d/rsa.pem" --key "$d/rsa.key" --cert2 "$d/ec.pem" --key2 "$d/ec.key"
        --suites "$SERVER_SUITES" --timeout 5)
    case $1 in
    main) a+=(--groups "$SERVER_GROUPS" --www) ;;
    hrr) a+=(--tls1.3 --groups secp384r1 --www) ;;
    auth) a+=(--groups "$SERVER_GROUPS" --www --verify-client "$CA") ;;
    psk) a+=(--groups "$SERVER_GROUPS" --www --psk "$PSK_ID:$PSK_HEX" --psk-ke prefer) ;;
    echo) a+=(--groups "$SERVER_GROUPS" --echo) ;;
    esac
    printf '%s\n' "${a[@]}"
}

# The stand-in: openssl s_server behind the contract's options. --echo becomes -rev (s_server
# has no echo; -rev sends every line back reversed), -msg logs the handshake messages.
standin_serve() { # standin_serve [serve options]
    local -a o=(-accept 127.0.0.1:0 -msg -dhparam "$PEER_TMP/pki/ffdhe2048.pem")
    local s13="" s12="" x
    while [ $# -gt 0 ]; do
        case $1 in
        --cert) o+=(-cert "$2"); shift ;;
        --key) o+=(-key "$2"); shift ;;
        --cert2) o+=(-dcert "$2"); shift ;;
        --key2) o+=(-dkey "$2"); shift ;;
        --tls1.2) o+=(-tls1_2) ;;
        --tls1.3) o+=(-tls1_3) ;;
        --suites)
            for x in ${2//,/ }; do
                case $x in
                TLS_AES_* | TLS_CHACHA20_POLY1305_SHA256) s13+=${s13:+:}$x ;;
                *) s12+=${s12:+:}$(openssl_suite_name "$x") ;;
                esac
            done
            shift ;;
        --groups) o+=(-groups "${2//,/:}"); shift ;;
        --verify-client) o+=(-Verify 1 -CAfile "$2" -verify_return_error); shift ;;
        --psk) o+=(-psk_identity "${2%%:*}" -psk "${2#*:}"); shift ;;
        # (OpenSSL 3.0's server takes psk_ke only when the client offers nothing else)
        --psk-ke) [ "$2" = never ] || o+=(-allow_no_dhe_kex); shift ;;
        --www) o+=(-www) ;;
        --echo) o+=(-rev) ;;
        --timeout) shift ;;
        *) note "stand-in: unsupported serve option $1"; return 2 ;;
        esac
        shift
    done
    [ -n "$s13" ] && o+=(-ciphersuites "$s13")
    [ -n "$s12" ] && o+=(-cipher "$s12:@SECLEVEL=1")
    exec openssl s_server "${o[@]}"
}

# Starts column CLIENT's server for CONF; its port in PORTS_CONF (empty if it did not start).
start_server() { # start_server CLIENT CONF
    local -a args
    mapfile -t args < <(serve_args "$2")
    if [ "$STANDIN" = 1 ]; then
        server_start_accept "$1.$2" bash -c "$(declare -f standin_serve openssl_suite_name note); PEER_TMP='$PEER_TMP'; standin_serve \"\$@\"" standin "${args[@]}"
    else
        server_start_accept "$1.$2" "$SSLPROV" serve "${args[@]}"
    fi
}

# SIGTERM ends the server; the contract says it then exits 0. SERVER_EXIT gets its status.
stop_server() { # stop_server PID
    local i
    kill -TERM "$1" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$1" 2>/dev/null || true
    SERVER_EXIT=0
    wait "$1" 2>/dev/null || SERVER_EXIT=$?
}

# --- names -------------------------------------------------------------------------------------

# OpenSSL's cipher names (s_client's summary, curl -v) -> IANA, from `openssl ciphers -stdname`.
make_cipher_map() {
    openssl ciphers -stdname -ciphersuites "$OPENSSL_TLS13_SUITES" 'ALL:@SECLEVEL=0' |
        awk '{ print $3, $1 }' >"$PEER_TMP/ciphers.map"
}

iana_of() { awk -v n="$1" '$1 == n { print $2; exit }' "$PEER_TMP/ciphers.map"; }

# A group by its key-exchange report: s_client's "Server Temp Key: ..." (X25519, 253 bits /
# ECDH, prime256v1, 256 bits / DH, 2048 bits), gnutls' (ECDHE-X25519) / (DHE-FFDHE2048).
group_of_tempkey() {
    case $1 in
    X25519,*) echo x25519 ;; X448,*) echo x448 ;;
    "ECDH, prime256v1,"*) echo secp256r1 ;; "ECDH, secp384r1,"*) echo secp384r1 ;;
    "ECDH, secp521r1,"*) echo secp521r1 ;;
    "DH, "*) local b=${1#DH, }; echo "ffdhe${b%% bits}" ;;
    esac
}

nss_groups() { # sslprov group list -> tstclnt -I
    local g out=""
    for g in ${1//,/ }; do
        case $g in
        secp256r1) g=P256 ;; secp384r1) g=P384 ;; secp521r1) g=P521 ;; ffdhe*) g=FF${g#ffdhe} ;;
        esac
        out+=${out:+,}$g
    done
    echo "$out"
}

gnutls_priority() {
    local p=NORMAL g
    [ "$ver" = 1.3 ] && p+=:-VERS-ALL:+VERS-TLS1.3
    [ "$ver" = 1.2 ] && p+=:-VERS-ALL:+VERS-TLS1.2
    if [ "$suite" != - ]; then
        p+=":-CIPHER-ALL:+$(gnutls_cipher "$suite"):-MAC-ALL:+$(gnutls_mac "$suite")"
        [ "$ver" = 1.2 ] && p+=":-KX-ALL:+$(kx12 "$suite")"
    fi
    if [ "$group" != - ]; then
        p+=:-GROUP-ALL
        for g in ${group//,/ }; do p+=":+GROUP-${g^^}"; done
    fi
    has "$flags" noems && p+=:%NO_SESSION_HASH
    # TLS 1.3 PSK: psk_dhe_ke (ECDHE-PSK), or psk_ke alone (PSK)
    if [ "$ver" = 1.3 ] && has "$flags" psk; then
        if has "$flags" pskke; then p+=:-KX-ALL:+PSK; else p+=:+ECDHE-PSK; fi
    fi
    echo "$p"
}

# gnutls' "- Description: (TLS1.2-X.509)-(ECDHE-X25519)-(RSA-SHA256)-(AES-128-CBC)-(SHA1)"
# as the report keys protocol, suite (IANA, rebuilt) and group.
gnutls_description() { # gnutls_description N DESCRIPTION
    local n=$1 d=$2 proto kx sig cipher mac c h k
    IFS='|' read -r proto kx sig cipher mac <<<"$(sed 's/^(\(.*\))$/\1/; s/)-(/|/g' <<<"$d")"
    # TLS 1.3 and RSA key exchange leave a field out: (TLS1.3-X.509)-(ECDHE-X25519)-(SIG)-(CIPHER).
    case $proto in
    TLS1.3*) echo "$n protocol TLSv1.3"; mac="" ;;
    TLS1.2*) echo "$n protocol TLSv1.2" ;;
    esac
    if [[ $proto == TLS1.2* ]] && { [ "$kx" = RSA ] || [ "$kx" = PSK ]; }; then
        mac=$cipher cipher=$sig sig=""
    fi
    case $kx in
    ECDHE-* | DHE-*) k=${kx#*-}; echo "$n group ${k,,}" ;;
    esac
    c=${cipher//-/_}
    case $c in
    AES_128_GCM | CHACHA20_POLY1305 | AES_128_CCM | AES_128_CCM_8) h=SHA256 ;; AES_256_GCM) h=SHA384 ;;
    *) case $mac in SHA1) h=SHA ;; *) h=$mac ;; esac ;;
    esac
    [ -n "$c" ] || return 0
    if [[ $proto == TLS1.3* ]]; then
        echo "$n suite TLS_${c}_$h"
    else
        case $kx in
        ECDHE-*) k=ECDHE_${sig%%-*} ;; DHE-*) k=DHE_${sig%%-*} ;; *) k=$kx ;;
        esac
        [ "$k" = ECDHE_RSA ] || [ "$k" = ECDHE_ECDSA ] || [ "$k" = DHE_RSA ] || [ "$k" = RSA ] ||
            [ "$k" = PSK ] || return 0
        echo "$n suite TLS_${k}_WITH_${c}_$h"
    fi
}

# --- payloads and expectations -----------------------------------------------------------------

make_payloads() {
    local d=$PEER_TMP/payload i
    mkdir -p "$d"
    printf 'GET / HTTP/1.0\r\n\r\n' >"$d/get"
    # More than one record's worth, so the echo crosses record boundaries both ways; LF only,
    # since s_server -rev (the stand-in) gives every line back without its CR.
    for ((i = 1; i <= 400; i++)); do
        printf 'line %03d: sslprov serve interop payload 0123456789 abcdefghijklmnopqrstuvwxyz\n' "$i"
    done >"$d/echo"
    rev <"$d/echo" >"$d/echo.rev"
}

feed_get() { cat "$PEER_TMP/payload/get"; }
# s_client reads its command letters from a line of its own, so the K waits a little.
feed_k_get() { printf 'K\n'; sleep 0.3; cat "$PEER_TMP/payload/get"; }
feed_rekey_get() { printf '^rekey^\n'; sleep 0.3; cat "$PEER_TMP/payload/get"; }
# Echo clients stop at the end of their input: the echo has a second to come back.
feed_echo() { cat "$PEER_TMP/payload/echo"; sleep 1; }

# What the case leaves to the defaults (the "default" case): the client's report says, or,
# for what this client does not name (tstclnt the suite, curl the group), the page itself.
negotiated() { # negotiated KEY: the value of KEY for connection 1
    local v
    v=$(rep_get "$out.rep" 1 "$1")
    if [ -z "$v" ] && [ -f "$out.data" ]; then
        v=$(page_normalize <"$out.data" | awk -v k="$1" '$1 == k { print $2; exit }')
    fi
    echo "${v:-?}"
}

# The page the contract's --www gives for this case's connection (RESUMED yes|no).
expected_page() { # expected_page RESUMED
    local proto=TLSv1.3 ems=n/a grp=$want s=$suite hrr=no client=- ku=0
    [ "$ver" = 1.2 ] && proto=TLSv1.2 ems=yes
    [ "$ver" = - ] && proto=$(negotiated protocol)
    [ "$proto" = TLSv1.2 ] && ems=yes
    has "$flags" noems && ems=no
    [ "$s" = - ] && s=$(negotiated suite)
    [ "$grp" = - ] && [ "$ver" = - ] && grp=$(negotiated group)
    # A resumed TLS 1.2 session runs no key exchange, nor does psk_ke.
    [ "$proto" = TLSv1.2 ] && [ "$1" = yes ] && grp=-
    psk_ke_conn "$1" && grp=-
    has "$flags" hrr && hrr=yes
    has "$flags" certrsa && client=$CLIENT_SUBJECT_rsa
    has "$flags" certec && client=$CLIENT_SUBJECT_ec
    has "$flags" keyupdate && ku=1
    printf 'HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n'
    printf '%-9s %s\n' protocol "$proto" suite "$s" group "${grp:-?}" hrr "$hrr" resumed "$1" \
        ems "$ems" alpn - sni localhost client "$client"
    printf 'keyupdate received %s\n' "$ku"
}

# Whether the case's connection (RESUMED yes|no) runs psk_ke: the external PSK's, or the
# resumption.
psk_ke_conn() { has "$flags" pskke && { has "$flags" psk || [ "$1" = yes ]; }; }

# The contract names a TLS 1.2 DHE group neither way for sure: "dh2048" (connect's report says
# so for any 2048-bit prime) and "ffdhe2048" (the RFC 7919 group it is) both pass.
page_normalize() { sed -E 's/^(group +)dh([0-9]+)$/\1ffdhe\2/'; }

# rep_get REPORT N KEY: KEY's value for connection N in a normalized report ("N key value").
rep_get() { awk -v n="$2" -v k="$3" '$1 == n && $2 == k { $1 = $2 = ""; sub(/^ +/, ""); print; exit }' "$1"; }

# --- the clients -------------------------------------------------------------------------------
# Each run_CLIENT runs the case against PORT and leaves: the application data it received in
# $out.data, its account of each connection in $out.rep (normalized lines "N key value"),
# CLIENT_RC, NCONN (the connections it made) and PAGES (resumed yes|no of each page it asked
# for: gnutls-cli --resume sends its data on the resumed connection only).

run_openssl() {
    local n rc=0 feeder=feed_get hold=1
    # -quiet: stdout carries the data alone (the summary and the TLS 1.3 session printouts
    # would interleave with it); s_client's account of the handshake is its -trace.
    local -a o=(-connect "127.0.0.1:$PORT" -servername localhost -CAfile "$CA" -verify_return_error
        -quiet -msg -trace)
    local -a env=()
    [ "$ver" = 1.3 ] && o+=(-tls1_3)
    [ "$ver" = 1.2 ] && o+=(-tls1_2)
    if [ "$suite" != - ]; then
        if [ "$ver" = 1.3 ]; then o+=(-ciphersuites "$suite"); else o+=(-cipher "$(openssl_suite_name "$suite"):@SECLEVEL=1"); fi
    fi
    [ "$group" = - ] || o+=(-groups "${group//,/:}")
    has "$flags" noticket && o+=(-no_ticket)
    has "$flags" noems && env=(OPENSSL_CONF="$(standin_noems_conf)")
    has "$flags" psk && o+=(-psk "$PSK_HEX" -psk_identity "$PSK_ID")
    # (it then offers psk_ke and psk_dhe_ke; the server prefers psk_ke)
    has "$flags" pskke && o+=(-allow_no_dhe_kex)
    has "$flags" certrsa && o+=(-cert "$PEER_TMP/pki/client-rsa.pem" -key "$PEER_TMP/pki/client-rsa.key")
    has "$flags" certec && o+=(-cert "$PEER_TMP/pki/client-ec.pem" -key "$PEER_TMP/pki/client-ec.key")
    # The command letter K (KeyUpdate, update_requested) is read only when s_client does not
    # ignore the end of its input (-quiet does); elsewhere the letters are off, since a line
    # of data that happens to start with Q or R would be taken for one.
    if has "$flags" keyupdate; then
        o+=(-no_ign_eof)
        feeder=feed_k_get
    else
        o+=(-nocommands)
    fi
    # The echo ends when the input does: s_client then sends close_notify.
    has "$flags" echo && { o+=(-no_ign_eof); feeder=feed_echo hold=0; }
    NCONN=1 PAGES=no
    has "$flags" resume && NCONN=2 PAGES="no yes"
    has "$flags" echo && PAGES=""
    : >"$out.data"
    : >"$out.rep"
    CLIENT_RC=0
    for ((n = 1; n <= NCONN; n++)); do
        local -a so=("${o[@]}" -msgfile "$out.trace$n")
        if has "$flags" resume; then
            if [ "$n" = 1 ]; then so+=(-sess_out "$out.sess"); else so+=(-sess_in "$out.sess"); fi
        fi
        client_feed "$feeder" "$hold" env "${env[@]}" openssl s_client "${so[@]}" >"$out.so$n" 2>"$out.se$n"
        cat "$out.so$n" >>"$out.data"
        [ "$CLIENT_RC" = 0 ] || { rc=$CLIENT_RC; cat "$out.se$n" >>"$out.err"; break; }
        openssl_report "$n" "$out.trace$n" "$out.se$n" >>"$out.rep"
    done
    CLIENT_RC=$rc
}

# s_client's -trace as the report keys: peers.sh's standin_report (made for client_matrix's
# stand-in) reads protocol, suite, group, HelloRetryRequest, resumption (no server
# Certificate), EMS and KeyUpdates from it; the client's own Certificate is read here.
openssl_report() { # openssl_report N TRACE STDERR
    local n=$1
    standin_report "$2" "$3" | awk -v n="$n" -v psk="$(has "$flags" psk && echo 1)" '
        $1 == "protocol" { p = $2 }
        # (TLS 1.3 without a group is psk_ke, which the case checks)
        $1 == "group" && $2 == "-" && p != "TLSv1.3" { next }
        # A PSK handshake has no server Certificate either: not a resumption.
        $1 == "resumed" && psk { next }
        $1 ~ /^(protocol|suite|group|hrr|resumed|ems)$/ { print n, $1, $2 }
        $1 == "keyupdate" { $1 = ""; sub(/^ +/, ""); print n, "keyupdate", $0 }'
    awk -v n="$n" '/^Sent Record/ { dir = "sent" } /^Received Record/ { dir = "recv" }
        dir == "sent" && /^    Certificate, Length=/ { c = 1 }
        END { print n, "clientcert", (c ? "yes" : "no") }' "$2"
}

run_gnutls() {
    local feeder=feed_get hold=1
    local -a o=(127.0.0.1 -p "$PORT" --sni-hostname localhost --verify-hostname localhost
        --x509cafile "$CA" --priority "$(gnutls_priority)")
    # One key share, so that an x25519-first offer meets a P-384-only server with a retry.
    has "$flags" hrr && o+=(--single-key-share)
    # --resume: the first connection ends after the handshake; under TLS 1.3 it must first
    # wait for the server's ticket.
    has "$flags" resume && o+=(--resume)
    has "$flags" resume && [ "$ver" = 1.3 ] && o+=(--waitresumption)
    has "$flags" noticket && o+=(--noticket)
    has "$flags" psk && o+=(--pskusername "$PSK_ID" --pskkey "$PSK_HEX")
    has "$flags" certrsa && o+=(--x509certfile "$PEER_TMP/pki/client-rsa.pem" --x509keyfile "$PEER_TMP/pki/client-rsa.key")
    has "$flags" certec && o+=(--x509certfile "$PEER_TMP/pki/client-ec.pem" --x509keyfile "$PEER_TMP/pki/client-ec.key")
    has "$flags" keyupdate && { o+=(--inline-commands); feeder=feed_rekey_get; }
    has "$flags" echo && feeder=feed_echo hold=0
    NCONN=1 PAGES=no
    has "$flags" resume && NCONN=2 PAGES=yes
    has "$flags" echo && PAGES=""
    client_feed "$feeder" "$hold" gnutls-cli "${o[@]}" >"$out.so" 2>"$out.err"
    # gnutls-cli writes its own notes among the data: the close, and a rekey's completion.
    perl -0777 -ne 'if (/^- Simple Client Mode:\n\n(.*)\z/ms) { $d = $1; $d =~ s/^- Peer has closed the GnuTLS connection\n\z//m;
                    $d =~ s/^- Rekey was completed\n//mg; print $d }' "$out.so" >"$out.data"
    awk '/^- Description: / { n++; sub(/^- Description: /, ""); print n, $0 }
         /^\*\*\* This is a resumed session/ { r[n] = 1 }
         /^- Options:/ { o[n] = $0 }
         END { for (i = 1; i <= n; i++) { print i, "@resumed", (r[i] ? "yes" : "no"); print i, "@options", o[i] } }' \
        "$out.so" >"$out.raw"
    : >"$out.rep"
    local n k v
    while read -r n k v; do
        case $k in
        @resumed) echo "$n resumed $v" ;;
        @options) ;;
        *) gnutls_description "$n" "$k${v:+ $v}" ;;
        esac
    done <"$out.raw" >>"$out.rep"
    # EMS shows in "- Options:" (TLS 1.2 only).
    local ems=""
    while read -r n k v; do
        [ "$k" = @options ] || continue
        [ "$(rep_get "$out.rep" "$n" protocol)" = TLSv1.2 ] || continue
        ems+="$n ems $([[ $v == *"extended master secret"* ]] && echo yes || echo no)"$'\n'
    done <"$out.raw"
    printf '%s' "$ems" >>"$out.rep"
}

run_nss() {
    local feeder=feed_get hold=0
    local -a o=(-h localhost -4 -p "$PORT" -d "sql:$PEER_TMP/pki/clientdb" -v)
    [ "$ver" = 1.3 ] && o+=(-V tls1.3:tls1.3)
    [ "$ver" = 1.2 ] && o+=(-V tls1.2:tls1.2)
    # tstclnt 3.87 frees its -c list twice when it reconnects (-L): a resumed case offers
    # NSS's defaults, and the server's first choice (the order of SERVER_SUITES, the table's)
    # is the case's suite, which the page must name.
    if [ "$suite" != - ] && ! has "$flags" resume; then
        o+=(-c ":$(openssl ciphers -V -stdname -ciphersuites "$OPENSSL_TLS13_SUITES" 'ALL:@SECLEVEL=0' |
            awk -v s="$suite" '$3 == s { gsub(/0x|,/, "", $1); print $1; exit }')")
    fi
    if [ "$group" != - ]; then
        o+=(-I "$(nss_groups "$group")")
    fi
    # NSS offers FFDHE groups for TLS 1.2 DHE only when told to (RFC 7919).
    [[ $suite == TLS_DHE_* ]] && o+=(-H)
    NCONN=1 PAGES=no
    if has "$flags" resume; then
        NCONN=2 PAGES="no yes"
        o+=(-L 2)
        has "$flags" noticket || o+=(-u)
    fi
    has "$flags" certrsa && o+=(-n client-rsa)
    has "$flags" certec && o+=(-n client-ec)
    if has "$flags" echo; then
        feeder=feed_echo PAGES=""
    else
        # -A: the request is sent again on the reconnection (-L).
        o+=(-A "$PEER_TMP/payload/get")
    fi
    if has "$flags" echo; then
        # tstclnt does not close at the end of its input: it waits for the server, which
        # echoes until the client closes. It gets 3 s, then SIGTERM; its echo is then checked.
        CLIENT_TIMEOUT=3 client_feed "$feeder" "$hold" tstclnt "${o[@]}" >"$out.data" 2>"$out.err"
        [ "$CLIENT_RC" = 124 ] && CLIENT_RC=0
    else
        client_feed "$feeder" "$hold" tstclnt "${o[@]}" >"$out.data" 2>"$out.err"
    fi
    # One block per connection from "SSL version"; the cache hits count resumptions.
    awk '/^tstclnt: SSL version / { n++; v = ($4 == "3.4") ? "TLSv1.3" : "TLSv1.2"; print n, "protocol", v
                                    d = $0; sub(/^.* using /, "", d); print n, "nss_cipher", d }
         /Key Exchange: / { d = $0; sub(/^.*Key Exchange: /, "", d); print n, "nss_kx", d }
         /Extended Master Secret: / { if (v == "TLSv1.2") print n, "ems", ($NF == "Yes" ? "yes" : "no") }
         /^[0-9]+ cache hits;/ { print n, "resumed", ($1 > hits ? "yes" : "no"); hits = $1 }' \
        "$out.err" >"$out.rep"
}

run_curl() {
    # --include: the page's HTTP head too, for the byte-for-byte comparison.
    local -a o=(-sS -v --include --cacert "$CA" --resolve "localhost:$PORT:127.0.0.1" --max-time 10)
    local -a env=() conf=()
    local url=https://localhost:$PORT/
    [ "$ver" = 1.3 ] && o+=(--tlsv1.3 --tls-max 1.3)
    [ "$ver" = 1.2 ] && o+=(--tlsv1.2 --tls-max 1.2)
    if [ "$suite" != - ]; then
        if [ "$ver" = 1.3 ]; then o+=(--tls13-ciphers "$suite"); else o+=(--ciphers "$(openssl_suite_name "$suite")"); fi
    fi
    [ "$group" = - ] || o+=(--curves "${group//,/:}")
    has "$flags" certrsa && o+=(--cert "$PEER_TMP/pki/client-rsa.pem" --key "$PEER_TMP/pki/client-rsa.key")
    has "$flags" certec && o+=(--cert "$PEER_TMP/pki/client-ec.pem" --key "$PEER_TMP/pki/client-ec.key")
    # curl has no options for EMS or tickets, but its libssl reads OPENSSL_CONF.
    has "$flags" noems && conf+=(-ExtendedMasterSecret)
    has "$flags" noticket && conf+=(-SessionTicket)
    has "$flags" pskke && conf+=(AllowNoDHEKEX)
    [ ${#conf[@]} -gt 0 ] && env=(OPENSSL_CONF="$(openssl_options_conf "${conf[@]}")")
    NCONN=1 PAGES=no
    # Two URLs: the server closes after the page, so the second is a new connection that
    # resumes the first's session.
    local -a urls=("$url")
    has "$flags" resume && { NCONN=2 PAGES="no yes"; urls+=("$url"); }
    CLIENT_RC=0
    timeout -k 2 "$CLIENT_TIMEOUT" env "${env[@]}" curl "${o[@]}" "${urls[@]}" >"$out.data" 2>"$out.err" ||
        CLIENT_RC=$?
    local map=$PEER_TMP/ciphers.map
    awk -v map="$map" '
        BEGIN { while ((getline l < map) > 0) { split(l, a, " "); iana[a[1]] = a[2] } }
        /^\* Connected to / { n++; cert[n] = 0; sh[n] = 0; ccert[n] = 0 }
        /\(IN\), TLS handshake, Certificate \(11\)/ { cert[n]++ }
        /\(OUT\), TLS handshake, Certificate \(11\)/ { ccert[n]++ }
        /\(IN\), TLS handshake, Server hello \(2\)/ { sh[n]++ }
        /^\* SSL connection using / { proto[n] = $5; suite[n] = iana[$7] }
        END { for (i = 1; i <= n; i++) {
                  print i, "protocol", proto[i]; print i, "suite", suite[i]
                  print i, "resumed", (cert[i] ? "no" : "yes")
                  if (proto[i] == "TLSv1.3") print i, "hrr", (sh[i] == 2 ? "yes" : "no")
                  print i, "clientcert", (ccert[i] ? "yes" : "no") } }' "$out.err" >"$out.rep"
}

# An OpenSSL configuration whose system_default applies OPTIONS (e.g. -ExtendedMasterSecret).
openssl_options_conf() {
    local f=$PEER_TMP/options${*// /}.cnf
    printf '%s\n' 'openssl_conf = oc' '[oc]' 'ssl_conf = sc' '[sc]' 'system_default = sd' \
        '[sd]' "Options = $(IFS=,; echo "$*")" >"$f"
    printf '%s\n' "$f"
}

run_sslprov() {
    local -a o=(connect "127.0.0.1:$PORT" --cafile "$CA" --sni localhost --timeout 5)
    local payload=$PEER_TMP/payload/get
    [ "$ver" = - ] || o+=("--tls$ver")
    [ "$suite" = - ] || o+=(--suite "$suite")
    [ "$group" = - ] || o+=(--group "$group")
    has "$flags" resume && o+=(--resume)
    has "$flags" noticket && o+=(--no-ticket)
    has "$flags" noems && o+=(--no-ems)
    has "$flags" keyupdate && o+=(--key-update)
    has "$flags" psk && o+=(--psk "$PSK_ID:$PSK_HEX")
    has "$flags" pskke && o+=(--psk-modes ke)
    has "$flags" certrsa && o+=(--cert "$PEER_TMP/pki/client-rsa.pem" --key "$PEER_TMP/pki/client-rsa.key")
    has "$flags" certec && o+=(--cert "$PEER_TMP/pki/client-ec.pem" --key "$PEER_TMP/pki/client-ec.key")
    NCONN=1 PAGES=no
    has "$flags" resume && NCONN=2 PAGES="no yes"
    if has "$flags" echo; then
        o+=(--idle 400)
        payload=$PEER_TMP/payload/echo PAGES=""
    fi
    CLIENT_RC=0
    timeout -k 2 "$CLIENT_TIMEOUT" "$SSLPROV" "${o[@]}" <"$payload" >"$out.data" 2>"$out.err" || CLIENT_RC=$?
    # connect's report: "key value" lines per connection, "keyupdate sent S received R" once
    # the data is done; dh2048 names a 2048-bit prime; a TLS 1.3 group "-" is psk_ke.
    awk '$1 == "protocol" { n++; p = $2 }
         $1 ~ /^(protocol|suite|group|hrr|resumed|ems)$/ && n {
             v = $2; if ($1 == "group" && v ~ /^dh[0-9]+$/) v = "ffdhe" substr(v, 3)
             if (!($1 == "group" && v == "-" && p != "TLSv1.3")) print n, $1, v }
         $1 == "keyupdate" && n { $1 = ""; sub(/^ +/, ""); print n, "keyupdate", $0 }' "$out.err" >"$out.rep"
}

# --- checks ------------------------------------------------------------------------------------

# The client's report of every connection against the case.
check_report() { # check_report REPORT
    local rep=$1 n proto r
    for ((n = 1; n <= NCONN; n++)); do
        if [ -z "$(rep_get "$rep" "$n" protocol)" ]; then
            # gnutls --resume reports its first connection too; a client that says nothing
            # about a connection has not made it.
            fail "client report: no connection $n"
            continue
        fi
        proto=TLSv1.3
        [ "$ver" = 1.2 ] && proto=TLSv1.2
        [ "$ver" = - ] || expect "client $n protocol" "$(rep_get "$rep" "$n" protocol)" "$proto"
        proto=$(rep_get "$rep" "$n" protocol)
        r=no
        [ "$n" = 2 ] && r=yes
        if [ -n "$(rep_get "$rep" "$n" resumed)" ]; then
            expect "client $n resumed" "$(rep_get "$rep" "$n" resumed)" "$r"
        fi
        # tstclnt reconnects with the server's choice (see run_nss); every other client must
        # have got the case's suite.
        if [ "$suite" != - ] && [ -n "$(rep_get "$rep" "$n" suite)" ]; then
            expect "client $n suite" "$(rep_get "$rep" "$n" suite)" "$suite"
        fi
        if [ -n "$(rep_get "$rep" "$n" nss_cipher)" ] && [ "$suite" != - ] && ! has "$flags" resume; then
            expect "client $n cipher" "$(rep_get "$rep" "$n" nss_cipher)" "$(nss_cipher "$suite")"
        fi
        if [ -n "$(rep_get "$rep" "$n" nss_kx)" ] && ! { [ "$proto" = TLSv1.2 ] && [ "$r" = yes ]; }; then
            check_nss_kx "$n" "$(rep_get "$rep" "$n" nss_kx)" "$proto"
        fi
        # A resumed TLS 1.2 session runs no key exchange; a client that names none is silent;
        # under psk_ke the client must name none.
        if psk_ke_conn "$r"; then
            [ -z "$(rep_get "$rep" "$n" group)" ] || expect "client $n group (psk_ke)" "$(rep_get "$rep" "$n" group)" -
        elif [ "$want" != - ] && [ -n "$(rep_get "$rep" "$n" group)" ] && ! { [ "$proto" = TLSv1.2 ] && [ "$r" = yes ]; }; then
            expect "client $n group" "$(rep_get "$rep" "$n" group)" "$want"
        fi
        if [ -n "$(rep_get "$rep" "$n" hrr)" ]; then
            expect "client $n hrr" "$(rep_get "$rep" "$n" hrr)" "$(has "$flags" hrr && echo yes || echo no)"
        fi
        if [ "$proto" = TLSv1.2 ] && [ -n "$(rep_get "$rep" "$n" ems)" ]; then
            expect "client $n ems" "$(rep_get "$rep" "$n" ems)" "$(has "$flags" noems && echo no || echo yes)"
        fi
        if [ -n "$(rep_get "$rep" "$n" keyupdate)" ]; then
            expect "client $n keyupdate" "$(rep_get "$rep" "$n" keyupdate)" \
                "$(has "$flags" keyupdate && echo 'sent 1 received 1' || echo 'sent 0 received 0')"
        fi
        if [ -n "$(rep_get "$rep" "$n" clientcert)" ]; then
            expect "client $n sent a certificate" "$(rep_get "$rep" "$n" clientcert)" \
                "$({ has "$flags" certrsa || has "$flags" certec; } && echo yes || echo no)"
        fi
    done
}

check_nss_kx() { # check_nss_kx N KX PROTO
    local w
    if [ "$3" = TLSv1.3 ]; then
        [ "$want" = - ] && return 0
        w="$(nss_bits "$want")-bit TLS 1.3"
    else
        case $(kx12 "$suite") in
        ECDHE-*) w="$(nss_bits "$want")-bit ECDHE" ;; DHE-*) w="$(nss_bits "$want")-bit DHE" ;;
        RSA) w="2048-bit RSA" ;; *) return 0 ;;
        esac
    fi
    expect "client $1 key exchange" "$2" "$w"
}

# The data: the pages (one per entry of PAGES) or the echo, byte for byte.
check_data() { # check_data OUTPREFIX
    local out=$1 r
    if has "$flags" echo; then
        local want_echo=$PEER_TMP/payload/echo
        [ "$STANDIN" = 1 ] && want_echo=$PEER_TMP/payload/echo.rev
        cmp -s "$want_echo" "$out.data" ||
            fail "echo differs ($(wc -c <"$out.data") bytes, want $(wc -c <"$want_echo"))"
        return 0
    fi
    if [ "$STANDIN" = 1 ]; then
        check_standin_pages "$out"
        return 0
    fi
    : >"$out.expected"
    for r in $PAGES; do expected_page "$r" >>"$out.expected"; done
    page_normalize <"$out.data" >"$out.got"
    if ! cmp -s "$out.expected" "$out.got"; then
        fail "page differs: $(diff <(cat -A "$out.expected") <(cat -A "$out.got") | grep '^[<>]' | head -n 6 | tr '\n' ' ')"
    fi
}

# The stand-in's page (s_server -www) names protocol, cipher, New/Reused, EMS, the shared
# groups and the client certificate: those are checked.
check_standin_pages() { # check_standin_pages OUTPREFIX
    local out=$1 n=0 r page ossl s=$suite
    awk -v p="$out.page" '/^HTTP\/1.0 200 ok\r$/ { n++ } n { print > (p n) }' "$out.data"
    expect "pages" "$(grep -c $'^HTTP/1.0 200 ok\r$' "$out.data" || true)" "$(wc -w <<<"$PAGES")"
    for r in $PAGES; do
        n=$((n + 1))
        page=$out.page$n
        [ -f "$page" ] || continue
        grep -q '^</pre></BODY></HTML>' "$page" || fail "page $n: incomplete"
        [ "$s" = - ] && s=$(rep_get "$out.rep" 1 suite)
        # The client may not name the suite (tstclnt): then any.
        ossl=${s:-.*}
        [[ $s == TLS_*_WITH_* ]] && ossl=$(openssl_suite_name "$s")
        grep -q "^$([ "$r" = yes ] && echo Reused || echo New), [^,]*, Cipher is $ossl\$" "$page" ||
            fail "page $n: $(grep -m1 -E '^(New|Reused), ' "$page") (want $r, $ossl)"
        [ "$ver" = - ] || grep -q "^    Protocol  : TLSv$ver\$" "$page" || fail "page $n: protocol is not TLSv$ver"
        if [ "$ver" = 1.2 ]; then
            grep -q "^    Extended master secret: $(has "$flags" noems && echo no || echo yes)\$" "$page" ||
                fail "page $n: $(grep -m1 'Extended master secret' "$page")"
        fi
        if has "$flags" hrr; then
            expect "page $n shared groups" "$(sed -n 's/^Shared groups: //p' "$page")" secp384r1
        fi
        if has "$flags" certrsa || has "$flags" certec; then
            grep -q "Subject: O=sslprov client $(has "$flags" certrsa && echo RSA || echo ECDSA), CN=client" "$page" ||
                fail "page $n: no client certificate"
        fi
    done
}

# The server's own account. sslprov serve: one line per connection, "TLSv1.3 SUITE GROUP
# resumed=R client=C". The stand-in: its -msg log (KeyUpdates, the HelloRetryRequest).
check_server() { # check_server LOGNAME OFFSET
    local log=$1 off=$2 lines n r g want_line proto s cl
    if [ "$STANDIN" = 1 ]; then
        log_since "$log" "$off" '^>>> .*Finished' "$NCONN" >"$out.slog"
        if has "$flags" keyupdate; then
            grep -q '^<<< TLS 1.3, Handshake \[length 0005\], KeyUpdate' "$out.slog" || fail "server: no KeyUpdate received"
            grep -q '^>>> TLS 1.3, Handshake \[length 0005\], KeyUpdate' "$out.slog" || fail "server: no KeyUpdate sent"
        fi
        has "$flags" hrr && expect "server: ServerHellos sent" "$(grep -c '^>>> .*ServerHello' "$out.slog" || true)" 2
        return 0
    fi
    log_since "$log" "$off" '^sslprov serve: 127\.0\.0\.1:[0-9]*: TLSv1' "$NCONN" >"$out.slog"
    lines=$(grep -E '^sslprov serve: 127\.0\.0\.1:[0-9]+: TLSv1' "$out.slog" | sed -E 's/^sslprov serve: [^ ]+ //' || true)
    expect "server: connections logged" "$(grep -c . <<<"$lines" || true)" "$NCONN"
    for ((n = 1; n <= NCONN; n++)); do
        r=no
        [ "$n" = 2 ] && r=yes
        proto=TLSv1.3
        [ "$ver" = 1.2 ] && proto=TLSv1.2
        [ "$ver" = - ] && proto=$(negotiated protocol)
        s=$suite
        [ "$s" = - ] && s=$(negotiated suite)
        g=$want
        [ "$g" = - ] && [ "$ver" = - ] && g=$(negotiated group)
        [ "$proto" = TLSv1.2 ] && [ "$r" = yes ] && g=-
        psk_ke_conn "$r" && g=-
        cl=-
        has "$flags" certrsa && cl=$CLIENT_SUBJECT_rsa
        has "$flags" certec && cl=$CLIENT_SUBJECT_ec
        # The line names the group as the page does: a TLS 1.2 DHE prime as dhN (or ffdheN),
        # not "-", which the page keeps for key exchanges without one (RSA, PSK, resumption).
        want_line="$proto $s ${g:-?} resumed=$r client=$cl"
        expect "server line $n" "$(sed -n "${n}p" <<<"$lines" | sed -E 's/ dh([0-9]+) / ffdhe\1 /')" "$want_line"
    done
}

# --- running ---------------------------------------------------------------------------------

# run_column CLIENT: every case with CLIENT against its own servers; results in
# $PEER_TMP/results.CLIENT.
run_column() {
    local client=$1 name ver suite group want flags conf reason out log off c
    local res=$PEER_TMP/results.$client
    : >"$res"
    while read -r name ver suite group want flags; do
        [ -z "$name" ] || [[ $name == \#* ]] && continue
        if [ -n "${INTEROP_CASES:-}" ] && ! [[ $name =~ $INTEROP_CASES ]]; then
            continue
        fi
        reason=$(not_applicable "$client" "$suite" "$group" "$flags")
        if [ -n "$reason" ]; then
            printf '%s n/a %s\n' "$name" "$reason" >>"$res"
            continue
        fi
        conf=$(case_conf "$flags")
        why=""
        PORT=$(cat "$PEER_TMP/port.$client.$conf" 2>/dev/null || true)
        if [ -z "$PORT" ]; then
            fail "the $conf server did not start"
        else
            out=$PEER_TMP/run/$client.$name
            log=$client.$conf
            off=$(log_size "$log")
            "run_$client"
            if [ "$CLIENT_RC" -ne 0 ]; then
                fail "client exited $CLIENT_RC: $(grep -v '^$' "$out.err" 2>/dev/null | tail -n 2 | tr '\n' ' ')"
            fi
            check_report "$out.rep"
            check_data "$out"
            check_server "$log" "$off"
        fi
        if [ -z "$why" ]; then
            printf '%s pass\n' "$name" >>"$res"
        else
            printf '%s FAIL\n' "$name" >>"$res"
            printf '%s' "$why" | sed "s|^|$client/$name: |" >>"$PEER_TMP/why.$client"
        fi
    done <<<"$CASES"
}

print_table() {
    local name p cell rc=0 line any
    printf '\n%-30s' case
    printf ' %-8s' "${CLIENTS[@]}"
    printf '\n%-30s' ------------------------------
    for p in "${CLIENTS[@]}"; do printf ' %-8s' --------; done
    printf '\n'
    while read -r name _; do
        [ -z "$name" ] || [[ $name == \#* ]] && continue
        line=$(printf '%-30s' "$name")
        any=0
        for p in "${CLIENTS[@]}"; do
            cell=$(awk -v n="$name" '$1 == n { print $2; exit }' "$PEER_TMP/results.$p" 2>/dev/null)
            [ -n "$cell" ] && any=1
            [ "$cell" = FAIL ] && rc=1
            line+=$(printf ' %-8s' "${cell:--}")
        done
        [ "$any" = 1 ] && printf '%s\n' "$line"
    done <<<"$CASES"
    for p in "${CLIENTS[@]}"; do
        awk '$2 == "n/a" { $2 = ""; sub(/^[^ ]+ +/, ""); print }' "$PEER_TMP/results.$p" 2>/dev/null | sort -u |
            sed "s|^|n/a ($p): |"
    done
    for p in "${CLIENTS[@]}"; do
        if [ -s "$PEER_TMP/why.$p" ]; then cat "$PEER_TMP/why.$p"; fi
    done
    return "$rc"
}

pki_make
pki_client_leaves
pki_nss_clientdb
make_payloads
make_cipher_map
mkdir -p "$PEER_TMP/run"

note "server: $([ "$STANDIN" = 1 ] && echo "openssl s_server (stand-in)" || echo "$SSLPROV serve"); clients: ${CLIENTS[*]}"
declare -A SERVER_PIDS
for c in "${CLIENTS[@]}"; do
    for conf in "${CONFS[@]}"; do
        if start_server "$c" "$conf"; then
            printf '%s\n' "$PORT" >"$PEER_TMP/port.$c.$conf"
            SERVER_PIDS[$c.$conf]=$SERVER_PID
        fi
    done
done

jobs_pids=()
for c in "${CLIENTS[@]}"; do
    run_column "$c" &
    jobs_pids+=($!)
done
# A column that stopped early (an unexpected error under set -e) fails the run; its missing
# cells show as "-".
status=0
for i in "${!CLIENTS[@]}"; do
    if ! wait "${jobs_pids[$i]}"; then
        note "the ${CLIENTS[$i]} column stopped before its last case"
        status=1
    fi
done

# The contract: SIGTERM stops serve cleanly, with status 0.
for key in "${!SERVER_PIDS[@]}"; do
    stop_server "${SERVER_PIDS[$key]}"
    if [ "$STANDIN" = 0 ] && [ "$SERVER_EXIT" != 0 ]; then
        note "server $key exited $SERVER_EXIT on SIGTERM (want 0)"
        status=1
    fi
done
PEER_PIDS=()

print_table || status=1
printf '\n%s server, %d s\n' "$([ "$STANDIN" = 1 ] && echo "openssl s_server stand-in" || echo "sslprov serve")" \
    $((SECONDS - started))
exit "$status"
