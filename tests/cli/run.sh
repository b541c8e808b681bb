#!/bin/sh
# The sslprov CLI: help, version, the suites and derive commands and their errors.
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


# ---- derive: master secret and key block through the public API (docs/cli.md) ----------
# Known answers copied from tests/vectors/*.json.

field() { # field <name>: a text field of $tmp/out ("" when the key is empty)
    sed -n "s/^$1: *//p" "$tmp/out"
}
key_block() { # the RFC 5246 §6.3 order
    echo "$(field client_write_MAC_key)$(field server_write_MAC_key)$(field client_write_key)$(field server_write_key)$(field client_write_IV)$(field server_write_IV)"
}
eq() { # eq <got> <want> <label>
    if [ -n "$2" ] && [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', want '$2'"; fi
}
prefix() { # prefix <got> <longer want> <label>: got is a non-empty prefix of want
    case $2 in
    "$1"*) if [ -n "$1" ]; then ok; else bad "$3: empty"; fi ;;
    *) bad "$3: '$1' is not a prefix of '$2'" ;;
    esac
}

# NIST CAVP TLS 1.0/1.1, COUNT 0 (nist_cavp_tls_kdf.json): TLS_RSA_WITH_AES_128_CBC_SHA, the
# 104-byte key block = MAC 20+20, key 16+16, IV 16+16
cavp10_ms=e8d72a6c2b05dee3b2d1516ef0963ce7686e491d4cc2d4b647d0889fa9ae2f6a4e3c3c57e442268e60dc27b3cadfe17c
cavp10_cr=ae3a8f247d52ca855184c07504ce1014df1180d9580e5c2e2bf6c9efb2870c60
cavp10_sr=eb4fece2c5589f51d143bee18191fc280f1b0daf71f7d4c0d41aa3440229949f
cavp10_kb=200549a88def3166d1cc9d851a09e063ef42c7dd1989e3570ef65925e02087a0fb1dbf4eddf05780e4a1a0e184c75088e5e485d9d90b7ae7f56415924252606ab1041f7649f21fc715307ff481d0d429bc2eeb384a08963ff5f93b689a77d3d2208409cd72dedec6
run 0 derive --protocol tls1.0 --suite 0x002F --master $cavp10_ms --client-random $cavp10_cr --server-random $cavp10_sr
eq "$(field master_secret)" $cavp10_ms "derive CAVP TLS 1.0 master_secret"
eq "$(key_block)" $cavp10_kb "derive CAVP TLS 1.0 key block"
eq "$(field client_write_IV)" 15307ff481d0d429bc2eeb384a08963f "derive CAVP TLS 1.0 client IV"
has out "^suite: *TLS_RSA_WITH_AES_128_CBC_SHA (0x002F)" "derive CAVP TLS 1.0"
has out "^protocol: *tls1.0 (0x0301)" "derive CAVP TLS 1.0"
# negative twin: one flipped master-secret byte, another key block
run 0 derive --protocol tls1.0 --suite 0x002F --master "f${cavp10_ms#e}" --client-random $cavp10_cr --server-random $cavp10_sr
if [ "$(key_block)" != $cavp10_kb ]; then ok; else bad "derive: flipped master gives the same key block"; fi

# NIST CAVP TLS 1.2 SHA-256, COUNT 0: TLS_RSA_WITH_AES_256_CBC_SHA256, 128-byte key block =
# MAC 32+32, key 32+32, no IVs. The master secret uses the Hello randoms, the key block the others.
cavp12_pms=193f02f13c3c59ccb33c39e94a1cb5cdebf4ac41d5f599dbe9131f6df8264ddfbd2570e22b473b11458ccbf1c1ecfbdb
cavp12_chr=cd80dbd121522fcff7ace185a2fd7574ca9373d80749a26cfb7922636983856b
cavp12_shr=388a24f4e0850efffa5d690c97dbb5dfe9a61422e6257d4fbd4d633741bb3133
cavp12_cr=c1ee3a6484b44eeb6f582ec2dd4092cb2c5b90fe2816f0bcd60540666d4bc172
cavp12_sr=e08971d42d127c20df826e9529e58eb20f061628a51c0f1cb3904940ea5fab26
cavp12_ms=e8389cf4ae9d20a9a73479afbceaebbb1d30623049f85d08b6ccf8874e30c440b69b9a0b030d4783bf10ce80b0fc3d19
cavp12_kb=f18fb4c16ad7ec26eb61e9538df8b538b8e7bf62fca6bd203327e3131a5c98990c8bffbaf46ca9fcd6b6e423daef58291243245db75b8723c28a97fdc8151f02d061b0fb92556ac846824c0ca5e8c136885786b5baaf78b17fb5d7b078dc3f50af838031ea3c22e0114f4e40517239851f1306c15e53641fa25754982737a1ad
run 0 derive --protocol tls1.2 --suite 0x003D --master $cavp12_ms --client-random $cavp12_cr --server-random $cavp12_sr
eq "$(key_block)" $cavp12_kb "derive CAVP TLS 1.2 key block"
has out "^client_write_IV:$" "derive CAVP TLS 1.2 empty IV"
has out "^server_write_IV:$" "derive CAVP TLS 1.2 empty IV"
run 0 derive --protocol tls1.2 --suite TLS_RSA_WITH_AES_256_CBC_SHA256 --pre-master $cavp12_pms --client-random $cavp12_chr --server-random $cavp12_shr
eq "$(field master_secret)" $cavp12_ms "derive CAVP TLS 1.2 --pre-master master_secret"

# ACVP TLS 1.2 EMS, SHA2-256 group, tcId 11 (acvp_tls12_ems_kdf.json)
ems_pms=23c9d8d88575378f5f8009bb596be6815f5d96a3b633467712e1a22405a73482192ec19f5b1273832cb9663e7e66cb28
ems_sh=9f395b2cec7548b4785dd555b9d9b315ec880233f70654e986366248fd766cc4
ems_cr=8d5a49ecff49fd0fefce10fe246f88ae8c2b8802666fe5af1f175f2036f10f7c
ems_sr=66321715222702416ca015eca33ee91c2b76f6667009ba9bb6cc5211237b671a
ems_ms=3a43bb93200224518942279b01cbe0c04398c6da15232bfb4790b52f15fa563048360312c9958e788c74a19a2f16465e
ems_kb=12562ee7021c315e0b23ccd6daac537b47741a2fb61717c83c76ee203b27ccd4cb7864044cdd22c4a77bd2dc163cb2ed082351a11cb9c1af1893f833058382f5e0e1e16ec79f7f04cd670fb1f38259561f0d2cfd2525f51a1cc1bcf065022493b35565cba3e216466a3b85f7f5785a99d1d964a5a1c414e6ccc14ca68d80a319
run 0 derive --protocol tls1.2 --suite 0x003D --pre-master $ems_pms --session-hash $ems_sh --client-random $ems_cr --server-random $ems_sr
eq "$(field master_secret)" $ems_ms "derive ACVP EMS master_secret"
eq "$(key_block)" $ems_kb "derive ACVP EMS key block"
# the same pre-master under an ECDHE AES-GCM suite (enters through an RSA suite of the same PRF):
# no MAC keys, key 16+16, salt 4+4 = the first 40 bytes of the key block
run 0 derive --protocol tls1.2 --suite 0xC02F --pre-master $ems_pms --session-hash $ems_sh --client-random $ems_cr --server-random $ems_sr
eq "$(field master_secret)" $ems_ms "derive EMS under 0xC02F master_secret"
prefix "$(key_block)" $ems_kb "derive EMS under 0xC02F key block"
eq "$(field client_write_IV)" cb786404 "derive EMS under 0xC02F client IV"
has out "^client_write_MAC_key:$" "derive 0xC02F empty MAC key"
cp "$tmp/out" "$tmp/gcm_pre_master"
run 0 derive --protocol tls1.2 --suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 --master $ems_ms --client-random $ems_cr --server-random $ems_sr
if cmp -s "$tmp/out" "$tmp/gcm_pre_master"; then ok; else bad "derive 0xC02F: --master and --pre-master differ"; fi

# ACVP TLS 1.2 EMS, SHA2-384 group, tcId 31, under 0xC030 (a SHA-384 PRF suite: the carrier
# RSA suite must have the same PRF)
run 0 derive --protocol tls1.2 --suite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 --pre-master 86d4c4505eb4b275bddbd62f7a368638427bf2cd4341b575ae00a7f34e06088e3af6dd916898e28078bf4656a204c2cd --session-hash fab73aa9d9b80f3d7acaceff0eb2bae0b15ea2f240d9492db70b7ba70b3055678eaa7b05a02c56c22648bd77acf2be91 --client-random f20e31c397cdb58b988e9cc84ac07bf8203307e42e7f3ab315dfc994faf62607 --server-random 825247fbde6e5d986b316d7a2ee198dc36969b4fc45b9dda171d63abcb38df91
eq "$(field master_secret)" 0020134a8a8a830082674842e91bd090e695f06685298ff2fe4fc6598fd0ce2f2920faf1127b6f6745f33527a9c6a131 "derive ACVP EMS SHA-384 master_secret"
prefix "$(key_block)" 0e4f3d3a50bf595aa110edfebce1ee84b8cf95787e0a57f1bc66d25c0ac2c723fb8af0ca1a1a934a1209cfaba51b022bca27d4d56b875f516157b28e0fda285a097358bc56ca8ae5966fc9dad0241dd9c77b6d2ac55706350eade2c5fc139cb704412665c3595fa4104746858427054869d50eeaa212e0732cce09904f8badf0 "derive ACVP EMS SHA-384 key block"

# Go crypto/tls TLS 1.0 vector 1 (tls10_key_derivation_go.json), TLS_RSA_WITH_RC4_128_SHA
go_pms=0302cac83ad4b1db3b9ab49ad05957de2a504a634a386fc600889321e1a971f57479466830ac3e6f468e87f5385fa0c5
go_cr=4ae66303755184a3917fcb44880605fcc53baa01912b22ed94473fc69cebd558
go_sr=4ae663020ec16e6bb5130be918cfcafd4d765979a3136a5d50c593446e4e44db
go_ms=3d851bab6e5556e959a16bc36d66cfae32f672bfa9ecdef6096cbb1b23472df1da63dbbd9827606413221d149ed08ceb
go_cmac=805aaa19b3d2c0a0759a4b6c9959890e08480119
go_smac=2d22f9fe519c075c16448305ceee209fc24ad109
go_ckey=d50b5771244f850cd8117a9ccafe2cf1
go_skey=e076e33206b30507a85c32855acd0919
run 0 derive --protocol tls1.0 --suite 0x0005 --master $go_ms --client-random $go_cr --server-random $go_sr
eq "$(field client_write_MAC_key)" $go_cmac "derive Go client_write_MAC_key"
eq "$(field server_write_MAC_key)" $go_smac "derive Go server_write_MAC_key"
eq "$(field client_write_key)" $go_ckey "derive Go client_write_key"
eq "$(field server_write_key)" $go_skey "derive Go server_write_key"
cp "$tmp/out" "$tmp/go_text"
run 0 derive --protocol tls1.0 --suite 0x0005 --pre-master $go_pms --client-random $go_cr --server-random $go_sr
eq "$(field master_secret)" $go_ms "derive Go --pre-master master_secret"
if cmp -s "$tmp/out" "$tmp/go_text"; then ok; else bad "derive Go: --master and --pre-master differ"; fi
run 0 derive --protocol tls1.0 --suite TLS_RSA_WITH_RC4_128_SHA --master $go_ms --client-random $go_cr --server-random $go_sr --json
if command -v python3 >/dev/null 2>&1; then
    if python3 -c 'import json,sys; json.load(sys.stdin)' <"$tmp/out"; then ok; else bad "derive --json: not JSON"; fi
    for f in master_secret client_write_MAC_key server_write_MAC_key client_write_key server_write_key client_write_IV server_write_IV; do
        got=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' $f <"$tmp/out")
        want=$(sed -n "s/^$f: *//p" "$tmp/go_text")
        if [ "$got" = "$want" ]; then ok; else bad "derive --json $f: '$got', text '$want'"; fi
    done
    got=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["protocol"], d["suite"], d["suite_id"])' <"$tmp/out")
    eq "$got" "tls1.0 TLS_RSA_WITH_RC4_128_SHA 0x0005" "derive --json protocol and suite"
else
    has out "^{.*}$" "derive --json one object"
    has out "\"master_secret\": \"$go_ms\"" "derive --json"
    has out "\"client_write_MAC_key\": \"$go_cmac\"" "derive --json"
    has out "\"server_write_key\": \"$go_skey\"" "derive --json"
    has out "\"client_write_IV\": \"\"" "derive --json"
fi

# SSL 3.0 (ssl3_kdf.json, Go's VersionSSL30 entry)
run 0 derive --protocol ssl3 --suite 0x0005 --master a614863e56299dcffeea2938f22c2ba023768dbe4b3f6877bc9c346c6ae529b51d9cb87ff9695ea4d01f2205584405b2 --client-random 4ae663b2ee389c0de147c509d8f18f5052afc4aaf9699efe8cb05ece883d3a5e --server-random 4ae664d503fd4cff50cfc1fb8fc606580f87b0fcdac9554ba0e01d785bdf278e
eq "$(key_block)" 2c450d5b6f6e2013ac6bea6a0b32200d4e1ffb947a7a7438769536f2fb1ae49a61f0703b79b2dc53f8f6b26c10f12855c9aafb1e0e839ccf2b9d4b4a60cb7f396780ebff50650419 "derive SSL 3.0 key block"

run 0 derive --help
has out "usage: sslprov derive" "derive --help"

# derive errors: the command line (and what lookups tell about it) -> 2; key operations the
# API refuses -> 1 with the status and its name
go="--client-random $go_cr --server-random $go_sr"
run 2 derive --protocol tls1.0 --suite 0x0005 --master "${go_ms}zz" $go
has err "--master: bad hex" "derive bad hex"
has err "usage" "derive bad hex"
lacks err "$go_ms" "derive bad hex does not echo the secret"
run 2 derive --protocol tls1.0 --suite 0x0005 --master "${go_ms}0" $go
has err "--master: bad hex" "derive odd hex"
run 2 derive --protocol tls1.0 --suite 0x0005 --master $go_ms --client-random "${go_cr%??}" --server-random $go_sr
has err "--client-random must be 32 bytes, got 31" "derive 31-byte random"
run 2 derive --protocol tls1.0 --suite 0x0005 --master "${go_ms%??}" $go
has err "--master must be 48 bytes, got 47" "derive short master"
run 2 derive --protocol tls1.0 --suite 0x9999 --master $go_ms $go
has err "unknown suite '0x9999'" "derive unknown suite id"
run 2 derive --protocol tls1.0 --suite TLS_NO_SUCH_SUITE --master $go_ms $go
has err "unknown suite 'TLS_NO_SUCH_SUITE'" "derive unknown suite name"
run 2 derive --protocol tls1.0 --suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 --master $go_ms $go
has err "not valid for tls1.0" "derive GCM suite with tls1.0"
run 2 derive --protocol tls1.2 --suite 0x1301 --master $go_ms $go
has err "not valid for tls1.2" "derive TLS 1.3 suite"
run 2 derive --protocol tls1.3 --suite 0x1301 --master $go_ms $go
has err "unknown protocol 'tls1.3'" "derive tls1.3"
run 2 derive --protocol tls1.0 --suite 0x0005 --pre-master "${go_pms}00" $go
has err "--pre-master must be 48 bytes, got 49" "derive 49-byte pre-master"
has err "RSA key exchange" "derive 49-byte pre-master"
run 2 derive --protocol tls1.2 --suite 0x003D --pre-master $ems_pms --session-hash "${ems_sh}00" --client-random $ems_cr --server-random $ems_sr
has err "--session-hash must be 32 bytes" "derive session hash length"
run 2 derive --protocol tls1.0 --suite 0x0005 --master $go_ms --pre-master $go_pms $go
has err "exclude each other" "derive --master and --pre-master"
run 2 derive --protocol tls1.0 --suite 0x0005 --master $go_ms --session-hash $ems_sh $go
has err "--session-hash goes with --pre-master" "derive --session-hash with --master"
run 2 derive --protocol tls1.0 --suite 0x0005 $go
has err "missing --master or --pre-master" "derive no secret"
run 2 derive --protocol tls1.0 --suite 0x0005 --master $go_ms --client-random $go_cr
has err "missing --server-random" "derive no server random"
run 2 derive --suite 0x0005 --master $go_ms $go
has err "missing --protocol" "derive no protocol"
run 2 derive --protocol tls1.0 --master $go_ms $go
has err "missing --suite" "derive no suite"
run 2 derive --protocol tls1.0 --suite 0x0005 --master $go_ms $go --frobnicate
has err "unknown option '--frobnicate'" "derive unknown option"
run 2 derive --protocol tls1.0 --suite 0x0005 --master
has err "'--master' needs a value" "derive option without value"
run 1 derive --protocol ssl3 --suite 0x0005 --pre-master $go_pms --session-hash $ems_sh $go
has err "SslImportMasterKey failed: 0x80090029 (NTE_NOT_SUPPORTED)" "derive SSL 3.0 EMS refused by the API"
lacks out "master_secret" "derive API failure prints no result"

# connect --psk / --psk-modes: usage errors (2) before any network, the key not echoed
run 2 connect 127.0.0.1:1 --psk nocolon
has err "--psk ID:HEX" "connect --psk without a colon"
run 2 connect 127.0.0.1:1 --psk id:abc
has err "--psk ID:HEX" "connect --psk odd hex"
run 2 connect 127.0.0.1:1 --psk id:zz0011
has err "--psk: not hex" "connect --psk not hex"
run 2 connect 127.0.0.1:1 --psk ":0011"
has err "--psk ID:HEX" "connect --psk empty identity"
run 2 connect 127.0.0.1:1 --psk "id:$(printf '%0130d' 0)"
has err "1 to 64 bytes" "connect --psk key over 64 bytes"
run 2 connect 127.0.0.1:1 --psk "$(printf '%0257d' 0):0011"
has err "an identity of 1 to 256 bytes" "connect --psk identity over 256 bytes"
run 2 connect 127.0.0.1:1 --psk-modes sometimes
has err "--psk-modes dhe|both|ke" "connect --psk-modes"
run 2 serve --psk "id:0g"
has err "--psk: not hex" "serve --psk not hex"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
