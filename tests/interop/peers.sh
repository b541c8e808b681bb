# shellcheck shell=bash
# shellcheck disable=SC2034  # CA, CLIENT_RC, PORT, ECHO_IDLE_MS are read by the sourcing scripts
# The interop harness's shared pieces, sourced by client_matrix.sh, server_matrix.sh and
# keylog_tshark.sh:
# a private network namespace, a throw-away PKI, the three peer servers (openssl s_server,
# gnutls-serv, NSS selfserv), the client runner (sslprov connect, or openssl s_client as a
# stand-in) and the parsing of the client's report (the contract of `sslprov connect`: one
# "key value" line per fact on stderr after the handshake, the data on stdout).
#
# Every process started here is recorded in PEER_PIDS and stopped by peers_cleanup (the EXIT
# trap), every wait is bounded, and only the namespace's loopback is used.

PEER_PIDS=()
PEER_TMP=""
# A client run never takes longer than this (the client's own --timeout is smaller).
CLIENT_TIMEOUT=${INTEROP_CLIENT_TIMEOUT:-30}
# How long the gnutls echo server may stay silent before the client stops reading: the echo
# server never closes, so without --idle every case would wait for --timeout.
ECHO_IDLE_MS=${INTEROP_ECHO_IDLE_MS:-400}

note() { printf '%s\n' "$*" >&2; }

# Re-executes the calling script inside a private network namespace (as root `unshare -n`,
# otherwise a user namespace as well, `unshare -rn`) so that the servers, gnutls-serv
# especially, which binds every address, are reachable from nowhere but this loopback.
# Exits 77 (ctest: skipped) when no namespace can be made.
peers_enter_netns() {
    local script=$1
    shift
    if [ "${SSLPROV_INTEROP_NETNS:-}" = 1 ]; then
        ip link set lo up
        return 0
    fi
    local -a how=(-n)
    if [ "$(id -u)" -ne 0 ]; then
        how=(-rn)
    fi
    if ! unshare "${how[@]}" true 2>/dev/null; then
        note "$(basename "$script"): cannot create a private network namespace (unshare ${how[*]}); skipped"
        exit 77
    fi
    SSLPROV_INTEROP_NETNS=1 exec unshare "${how[@]}" bash "$script" "$@"
}

peers_require() {
    local t missing=()
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        note "missing tools: ${missing[*]} (scripts/deps.sh installs them)"
        exit 77
    fi
}

# Makes PEER_TMP and arranges for everything to be stopped and removed on exit.
# INTEROP_KEEP=1 keeps the directory (logs, transcripts) for a post-mortem.
peers_init() {
    PEER_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sslprov-interop.XXXXXX")
    trap peers_cleanup EXIT
    trap 'exit 130' INT TERM
}

peers_cleanup() {
    local rc=$? pid i
    for pid in "${PEER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    # Bounded: a server that ignores SIGTERM for 3 s gets SIGKILL.
    for pid in "${PEER_PIDS[@]}"; do
        for ((i = 0; i < 30; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PEER_PIDS=()
    if [ -n "$PEER_TMP" ]; then
        if [ "${INTEROP_KEEP:-}" = 1 ]; then
            note "kept $PEER_TMP"
        else
            rm -rf "$PEER_TMP"
        fi
    fi
    exit "$rc"
}

# Stops one process this script started (bounded, SIGKILL after 3 s) and forgets it.
proc_stop() { # proc_stop PID [SIGNAL]
    local pid=$1 i p keep=()
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PEER_PIDS[@]}"; do
        [ "$p" = "$pid" ] || keep+=("$p")
    done
    PEER_PIDS=("${keep[@]}")
}

# --- the PKI ---------------------------------------------------------------------------------

# A CA and two leaves for localhost / 127.0.0.1 (RSA-2048 and ECDSA P-256) and an RFC 7919
# ffdhe2048 parameter file. The leaves differ in O= because NSS files certificates by subject:
# two leaves with one subject would share one nickname and selfserv could not be given both.
pki_make() {
    local d=$PEER_TMP/pki
    mkdir -p "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -keyout "$d/ca.key" -out "$d/ca.pem" -subj "/CN=sslprov test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/rsa.key" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/ec.key" 2>/dev/null
    pki_leaf rsa "sslprov RSA" "digitalSignature,keyEncipherment"
    pki_leaf ec "sslprov ECDSA" "digitalSignature"
    openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$d/ffdhe2048.pem" 2>/dev/null
    CA=$d/ca.pem
}

# An NSS database (no password) holding both leaves with their keys, imported from PKCS#12.
pki_nssdb() {
    local d=$PEER_TMP/pki
    mkdir -p "$d/nssdb"
    certutil -N -d "sql:$d/nssdb" --empty-password
    local k
    for k in rsa ec; do
        openssl pkcs12 -export -in "$d/$k.pem" -inkey "$d/$k.key" -certfile "$d/ca.pem" \
            -name "$k" -passout pass:interop -out "$d/$k.p12"
        pk12util -i "$d/$k.p12" -d "sql:$d/nssdb" -W interop >/dev/null
    done
}

# Client certificates for the servers' --verify-client, RSA-2048 and ECDSA P-256, issued by
# pki_make's CA (call it first): client-rsa.{pem,key}, client-ec.{pem,key}. Their subjects
# are CLIENT_SUBJECT_rsa / CLIENT_SUBJECT_ec (X509_NAME_oneline's form).
pki_client_leaves() {
    local d=$PEER_TMP/pki
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/client-rsa.key" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/client-ec.key" 2>/dev/null
    pki_leaf client-rsa "sslprov client RSA" digitalSignature clientAuth client
    pki_leaf client-ec "sslprov client ECDSA" digitalSignature clientAuth client
    CLIENT_SUBJECT_rsa="/O=sslprov client RSA/CN=client"
    CLIENT_SUBJECT_ec="/O=sslprov client ECDSA/CN=client"
}

# An NSS database for the clients (tstclnt): the CA trusted for servers, the two client
# certificates with their keys under the nicknames client-rsa and client-ec.
pki_nss_clientdb() {
    local d=$PEER_TMP/pki k
    mkdir -p "$d/clientdb"
    certutil -N -d "sql:$d/clientdb" --empty-password
    certutil -A -d "sql:$d/clientdb" -n ca -t CT,C,C -i "$d/ca.pem"
    for k in client-rsa client-ec; do
        openssl pkcs12 -export -in "$d/$k.pem" -inkey "$d/$k.key" -name "$k" \
            -passout pass:interop -out "$d/$k.p12"
        pk12util -i "$d/$k.p12" -d "sql:$d/clientdb" -W interop >/dev/null
    done
}

pki_leaf() { # pki_leaf NAME ORG KEYUSAGE [EXTENDEDKEYUSAGE [CN]]
    local d=$PEER_TMP/pki
    printf '%s\n' "basicConstraints=CA:FALSE" "subjectAltName=DNS:${5:-localhost},IP:127.0.0.1" \
        "keyUsage=critical,$3" "extendedKeyUsage=${4:-serverAuth}" >"$d/$1.ext"
    openssl req -new -key "$d/$1.key" -subj "/O=$2/CN=${5:-localhost}" -out "$d/$1.csr"
    openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile "$d/$1.ext" -out "$d/$1.pem" 2>/dev/null
}

# --- servers ---------------------------------------------------------------------------------

NEXT_PORT=${INTEROP_BASE_PORT:-24430}

listening() { # listening PORT: something listens on TCP PORT
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# The next port nothing listens on (the namespace is private, so nobody can take it between
# this check and the server's bind but this script).
port_pick() {
    while listening "$NEXT_PORT"; do
        NEXT_PORT=$((NEXT_PORT + 1))
    done
    PORT=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
}

# server_start NAME CMD...: starts CMD (which listens on $PORT) with its output line-buffered
# into $PEER_TMP/NAME.log and waits, bounded, until it listens. Sets SERVER_PID.
server_start() {
    local name=$1 i
    shift
    stdbuf -oL -eL "$@" >"$PEER_TMP/$name.log" 2>&1 </dev/null &
    SERVER_PID=$!
    PEER_PIDS+=("$SERVER_PID")
    for ((i = 0; i < 100; i++)); do
        if listening "$PORT"; then
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    note "server $name did not start listening on $PORT: $*"
    sed 's/^/    /' "$PEER_TMP/$name.log" >&2
    return 1
}

# server_start_accept NAME CMD...: starts CMD, which listens on a port the kernel picks and
# announces it with a line "ACCEPT 127.0.0.1:PORT" (openssl s_server -accept 127.0.0.1:0 and
# `sslprov serve` do), output line-buffered into $PEER_TMP/NAME.log. Waits, bounded, for that
# line; sets PORT and SERVER_PID.
server_start_accept() {
    local name=$1 i
    shift
    stdbuf -oL -eL "$@" >"$PEER_TMP/$name.log" 2>&1 </dev/null &
    SERVER_PID=$!
    PEER_PIDS+=("$SERVER_PID")
    for ((i = 0; i < 100; i++)); do
        PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$PEER_TMP/$name.log" 2>/dev/null | head -n 1)
        if [ -n "$PORT" ]; then
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    note "server $name announced no ACCEPT line: $*"
    sed 's/^/    /' "$PEER_TMP/$name.log" >&2
    return 1
}

OPENSSL_TLS13_SUITES=TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256

# openssl s_server -www with both leaves: the page it returns names the protocol, the cipher,
# New/Reused, the shared groups and EMS; -msg logs every handshake message (KeyUpdate, HRR).
# CONF "main": every TLS 1.3 suite (CCM ones are off by default), every group; "hrr": P-384 only.
server_openssl() { # server_openssl NAME CONF [extra s_server options]
    local name=$1 conf=$2 d=$PEER_TMP/pki
    shift 2
    local -a groups=(-groups x25519:secp256r1:x448:secp384r1:secp521r1:ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192)
    if [ "$conf" = hrr ]; then
        groups=(-groups secp384r1 -tls1_3)
    fi
    port_pick
    server_start "$name" openssl s_server -accept "127.0.0.1:$PORT" -www -msg \
        -cert "$d/rsa.pem" -key "$d/rsa.key" -dcert "$d/ec.pem" -dkey "$d/ec.key" \
        -dhparam "$d/ffdhe2048.pem" -ciphersuites "$OPENSSL_TLS13_SUITES" \
        -cipher 'DEFAULT:@SECLEVEL=1' "${groups[@]}" "$@"
}

GNUTLS_PRIORITY='NORMAL:+AES-128-CCM:+AES-128-CCM-8:+SHA384:+RSA:+DHE-RSA:+GROUP-ALL'

# gnutls-serv --echo (--crlf: echo CRLF as sent) logs a description of every connection:
# version, key exchange, group, cipher, MAC, EMS, resumption. No --dhparams: without them it
# takes TLS 1.2 DHE's group from the client's supported_groups (RFC 7919), with them it would
# use the file's prime as a "custom" group even when the client offers ffdhe2048.
server_gnutls() { # server_gnutls NAME CONF [extra gnutls-serv options]
    local name=$1 conf=$2 d=$PEER_TMP/pki prio=$GNUTLS_PRIORITY
    shift 2
    if [ "$conf" = hrr ]; then
        prio='NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-SECP384R1'
    fi
    port_pick
    server_start "$name" gnutls-serv --port "$PORT" --echo --crlf --disable-client-cert \
        --x509certfile "$d/rsa.pem" --x509keyfile "$d/rsa.key" \
        --x509certfile "$d/ec.pem" --x509keyfile "$d/ec.key" --priority "$prio" "$@"
}

# The suites NSS enables by default lack ECDHE CBC-SHA384, so selfserv gets the list (-c, hex
# codes): TLS 1.3 AES-GCM/ChaCha20, ECDHE GCM/ChaCha20/CBC-SHA/CBC-SHA256/CBC-SHA384, RSA GCM
# and CBC, DHE GCM and CBC.
NSS_SUITES=:1301:1302:1303:C02F:C02B:C030:C02C:CCA8:CCA9:C013:C009:C014:C00A:C027:C023:C028:C024:009C:009D:002F:0035:009E:009F:0033:0039

# selfserv: -u tickets, -G EMS, -H 1 DHE (RFC 7919 groups when the client offers them), -v a
# description of every connection. It answers an HTTP request (up to its blank line) with a
# fixed header, the request itself and a trailer, then closes: see nss_reply.
server_nss() { # server_nss NAME CONF
    local name=$1 conf=$2 d=$PEER_TMP/pki
    # shellcheck disable=SC2054  # -I takes a comma list
    local -a opts=(-V tls1.2:tls1.3 -I x25519,P256,P384,P521,FF2048,FF3072,FF4096,FF6144,FF8192)
    if [ "$conf" = hrr ]; then
        opts=(-V tls1.3:tls1.3 -I P384)
    fi
    port_pick
    server_start "$name" selfserv -d "sql:$d/nssdb" -n rsa -e ec -p "$PORT" -v -u -G -H 1 \
        -c "$NSS_SUITES" "${opts[@]}"
}

# What selfserv sends back for REQUEST (a byte-exact reply; its Date header is a constant).
nss_reply() { # nss_reply REQUESTFILE
    printf 'HTTP/1.0 200 OK\r\nServer: Generic Web Server\r\nDate: Tue, 26 Aug 1997 22:10:05 GMT\r\nContent-type: text/plain\r\n\r\n'
    cat "$1"
    printf 'EOF\r\n\r\n\r\n'
}

# The bytes a server's log gained since OFFSET (bounded wait until it holds MARKER COUNT times:
# a server may still be writing when the client has exited).
log_since() { # log_since NAME OFFSET MARKER COUNT
    local f=$PEER_TMP/$1.log i
    for ((i = 0; i < 20; i++)); do
        if [ "$(tail -c +"$(($2 + 1))" "$f" | grep -c -- "$3" || true)" -ge "$4" ]; then
            break
        fi
        sleep 0.05
    done
    tail -c +"$(($2 + 1))" "$f"
}

log_size() { stat -c %s "$PEER_TMP/$1.log"; }

# --- checks and names, shared by the matrices ---------------------------------------------------

# has LIST WORD: WORD is one of the comma-separated LIST.
has() { [[ ",$1," == *",$2,"* ]]; }

gnutls_cipher() {
    case $1 in
    *AES_128_GCM*) echo AES-128-GCM ;; *AES_256_GCM*) echo AES-256-GCM ;;
    *CHACHA20_POLY1305*) echo CHACHA20-POLY1305 ;;
    *AES_128_CCM_8*) echo AES-128-CCM-8 ;; *AES_128_CCM*) echo AES-128-CCM ;;
    *AES_128_CBC*) echo AES-128-CBC ;; *AES_256_CBC*) echo AES-256-CBC ;;
    esac
}

gnutls_mac() {
    case $1 in
    *_CBC_SHA) echo SHA1 ;; *_CBC_SHA256) echo SHA256 ;; *_CBC_SHA384) echo SHA384 ;; *) echo AEAD ;;
    esac
}

gnutls_group() {
    case $1 in
    x25519 | x448) echo "ECDHE-${1^^}" ;; secp*) echo "ECDHE-${1^^}" ;; ffdhe*) echo "DHE-${1^^}" ;;
    esac
}

# TLS 1.2 key exchange as gnutls names it: TLS_ECDHE_RSA_WITH_... -> ECDHE-RSA.
kx12() { local k=${1#TLS_}; k=${k%%_WITH_*}; echo "${k//_/-}"; }

nss_cipher() {
    case $1 in
    *AES_128_GCM*) echo "128-bit AES-GCM with 128-bit AEAD MAC" ;;
    *AES_256_GCM*) echo "256-bit AES-GCM with 128-bit AEAD MAC" ;;
    *CHACHA20_POLY1305*) echo "256-bit CHACHA20POLY1305 with 128-bit AEAD MAC" ;;
    *AES_128_CBC_SHA) echo "128-bit AES with 160-bit SHA1 MAC" ;;
    *AES_256_CBC_SHA) echo "256-bit AES with 160-bit SHA1 MAC" ;;
    *AES_128_CBC_SHA256) echo "128-bit AES with 256-bit SHA256 MAC" ;;
    *AES_256_CBC_SHA256) echo "256-bit AES with 256-bit SHA256 MAC" ;;
    *AES_256_CBC_SHA384) echo "256-bit AES with 384-bit SHA384 MAC" ;;
    esac
}

nss_bits() {
    case $1 in
    x25519) echo 255 ;; secp256r1) echo 256 ;; secp384r1) echo 384 ;; secp521r1) echo 521 ;;
    ffdhe*) echo "${1#ffdhe}" ;;
    esac
}

# Every check that fails adds a line to $why; a case passes when $why stays empty.
why=""
fail() { why+="$*"$'\n'; }

expect() { # expect LABEL GOT WANT
    [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

expect_re() { # expect_re LABEL GOT REGEX
    [[ $2 =~ $3 ]] || fail "$1: got '$2', want /$3/"
}

# --- the client ------------------------------------------------------------------------------

# client_run OUTPREFIX connect HOST:PORT [options] < payload: runs the client bounded by
# CLIENT_TIMEOUT; data in OUTPREFIX.out, report and errors in OUTPREFIX.err, status in CLIENT_RC.
client_run() {
    local out=$1
    shift
    CLIENT_RC=0
    if [ "${INTEROP_CLIENT:-sslprov}" = openssl ]; then
        standin_connect "$out" "$@" || CLIENT_RC=$?
    else
        timeout -k 2 "$CLIENT_TIMEOUT" "$SSLPROV" "$@" >"$out.out" 2>"$out.err" || CLIENT_RC=$?
    fi
}

# client_feed FEEDER HOLD CMD...: runs CMD (bounded by CLIENT_TIMEOUT) with the bytes the
# shell function FEEDER writes on its stdin; HOLD=1 keeps stdin open after them until CMD
# exits. Clients that stop at the end of their input before the server has answered
# (gnutls-cli; s_client when it reads its command letters) need it held. Status in CLIENT_RC.
client_feed() {
    local feeder=$1 hold=$2 fifo pid
    shift 2
    fifo=$(mktemp -u "$PEER_TMP/feed.XXXXXX")
    mkfifo "$fifo"
    if [ "$hold" = 1 ]; then
        ( "$feeder"; exec sleep "$CLIENT_TIMEOUT" ) >"$fifo" &
    else
        ( "$feeder" ) >"$fifo" &
    fi
    pid=$!
    CLIENT_RC=0
    timeout -k 2 "$CLIENT_TIMEOUT" "$@" <"$fifo" || CLIENT_RC=$?
    # The feeder is the subshell itself (exec) or blocked writing to, or opening, the fifo.
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$fifo"
}

# report_get ERRFILE KEY [N]: the value of KEY in the Nth report (1: the first connection).
report_get() {
    awk -v key="$2" -v n="${3:-1}" '
        $1 == key { if (++seen == n) { $1 = ""; sub(/^ +/, ""); print; exit } }' "$1"
}

# --- the stand-in: openssl s_client behind the contract's options ------------------------------
# Only for checking the servers and the harness while `sslprov connect` does not exist: it maps
# the options, and writes a report in the contract's format made from s_client's -trace.

standin_connect() { # standin_connect OUTPREFIX connect HOST:PORT [options] < payload
    local out=$1 hostport=$3
    shift 3
    local -a o=(-connect "$hostport" -trace -quiet)
    local resume=0 keyupdate=0 idle="" noems=0 s13="" s12="" x
    while [ $# -gt 0 ]; do
        case $1 in
        --tls1.2) o+=(-tls1_2) ;;
        --tls1.3) o+=(-tls1_3) ;;
        --suite)
            for x in ${2//,/ }; do
                case $x in
                TLS_AES_* | TLS_CHACHA20_POLY1305_SHA256) s13+=${s13:+:}$x ;;
                *) s12+=${s12:+:}$(openssl_suite_name "$x") ;;
                esac
            done
            [ -n "$s13" ] && o+=(-ciphersuites "$s13")
            [ -n "$s12" ] && o+=(-cipher "$s12:@SECLEVEL=1")
            shift ;;
        --group) o+=(-groups "${2//,/:}"); shift ;;
        --sni) o+=(-servername "$2"); shift ;;
        --cafile) o+=(-CAfile "$2" -verify_return_error); shift ;;
        --keylog) o+=(-keylogfile "$2"); shift ;;
        --no-ticket) o+=(-no_ticket) ;;
        --no-ems) noems=1 ;;
        --resume) resume=1 ;;
        --key-update) keyupdate=1 ;;
        --idle) idle=$2; shift ;;
        --timeout) shift ;;
        --psk) o+=(-psk_identity "${2%:*}" -psk "${2##*:}"); shift ;;
        # (s_client offers psk_dhe_ke too: the nearest it comes to psk_ke alone)
        --psk-modes) [ "$2" = dhe ] || o+=(-allow_no_dhe_kex); shift ;;
        *) note "stand-in: unsupported option $1"; return 2 ;;
        esac
        shift
    done
    cat >"$out.in"
    : >"$out.out"
    : >"$out.err"
    local n rc=0
    for ((n = 1; n <= resume + 1; n++)); do
        local -a so=("${o[@]}" -msgfile "$out.trace$n" -sess_out "$out.sess$n")
        [ "$n" -gt 1 ] && so+=(-sess_in "$out.sess1")
        # s_client only reads its command letters (K: KeyUpdate with update_requested) when it
        # does not ignore stdin's EOF; then it stops at EOF, so stdin stays open for a while.
        local wait=0
        if [ -n "$idle" ] || [ "$keyupdate" = 1 ]; then
            so+=(-no_ign_eof)
            [ "$keyupdate" = 1 ] || so+=(-nocommands)
            wait=1.5
        fi
        {
            if [ "$keyupdate" = 1 ]; then printf 'K\n'; sleep 0.3; fi
            cat "$out.in"
            sleep "$wait"
        } | if [ "$noems" = 1 ]; then
            OPENSSL_CONF=$(standin_noems_conf) timeout -k 2 "$CLIENT_TIMEOUT" openssl s_client "${so[@]}"
        else
            timeout -k 2 "$CLIENT_TIMEOUT" openssl s_client "${so[@]}"
        fi >>"$out.out" 2>"$out.serr$n" || rc=$?
        [ "$rc" -eq 0 ] || { cat "$out.serr$n" >>"$out.err"; return 1; }
        # A resumed connection shows no certificate: name the first connection's.
        [ "$n" = 1 ] || grep '^depth=' "$out.serr1" >>"$out.serr$n"
        standin_report "$out.trace$n" "$out.serr$n" >>"$out.err"
    done
    return 0
}

openssl_suite_name() { # IANA name -> OpenSSL name
    openssl ciphers -stdname 'ALL:@SECLEVEL=0' | awk -v s="$1" '$1 == s { print $3; exit }'
}

standin_noems_conf() {
    local f=$PEER_TMP/noems.cnf
    if [ ! -f "$f" ]; then
        printf '%s\n' 'openssl_conf = oc' '[oc]' 'ssl_conf = sc' '[sc]' 'system_default = sd' \
            '[sd]' 'Options = -ExtendedMasterSecret' >"$f"
    fi
    printf '%s\n' "$f"
}

# The contract's report from s_client's -trace (messages per direction) and its verify lines.
standin_report() { # standin_report TRACE STDERR
    awk '
        BEGIN { split("23 secp256r1 24 secp384r1 25 secp521r1 29 x25519 30 x448 " \
                      "256 ffdhe2048 257 ffdhe3072 258 ffdhe4096 259 ffdhe6144 260 ffdhe8192", a, " ")
                for (i = 1; i < 20; i += 2) gname[a[i]] = a[i + 1]
                proto = "TLSv1.2"; group = "-"; ems = "no" }
        /^Sent Record/ { dir = "sent" }
        /^Received Record/ { dir = "recv" }
        /^    [A-Za-z]+, Length=/ { msg = $1; sub(/,$/, "", msg)
            if (dir == "recv" && msg == "ServerHello") sh++
            if (dir == "recv" && msg == "Certificate") cert++
            if (msg == "KeyUpdate") ku[dir]++ }
        dir == "recv" && msg == "ServerHello" && /cipher_suite \{/ { suite = $NF }
        dir == "recv" && msg == "ServerHello" && /TLS 1.3 \(772\)/ { proto = "TLSv1.3" }
        dir == "recv" && msg == "ServerHello" && /extended_master_secret/ { ems = "yes" }
        dir == "recv" && (msg == "ServerHello" || msg == "ServerKeyExchange") &&
            /(NamedGroup|named_curve):/ { g = $NF; gsub(/[()]/, "", g); group = gname[g] }
        # TLS 1.2 DHE names no group: an RFC 7919 prime is known by its first 64 bits.
        dir == "recv" && /dh_p \(len=/ && $NF ~ /^FFFFFFFFFFFFFFFFADF85458/ {
            l = $2; gsub(/[^0-9]/, "", l); group = "ffdhe" (l * 8) }
        END {
            printf "protocol  %s\nsuite     %s\ngroup     %s\n", proto, suite, group
            printf "hrr       %s\n", (proto == "TLSv1.3" && sh == 2) ? "yes" : "no"
            printf "alpn      -\nresumed   %s\n", cert ? "no" : "yes"
            printf "ems       %s\n", proto == "TLSv1.3" ? "n/a" : ems
            printf "keyupdate sent %d received %d\n", ku["sent"], ku["recv"]
        }' "$1"
    sed -n 's/^depth=0 /subject   /p; s/^depth=1 /issuer    /p' "$2"
}
