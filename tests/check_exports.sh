#!/usr/bin/env bash
# The shared library exports exactly the API: the 47 functions of api.md §11 and
# SslExpandNextGenTrafficKey (conventions.md §6), plus the SslProv* extensions of
# include/sslprov_ext.h when that header exists — nothing else.
set -euo pipefail
lib=$1
here=$(cd "$(dirname "$0")" && pwd)
expected=$(mktemp) actual=$(mktemp)
trap 'rm -f "$expected" "$actual"' EXIT

cat > "$expected" <<'LIST'
GetSChannelInterface
SslChangeNotify
SslComputeClientAuthHash
SslComputeEapKeyBlock
SslComputeFinishedHash
SslComputeSessionHash
SslCreateClientAuthHash
SslCreateEphemeralKey
SslCreateHandshakeHash
SslDecrementProviderReferenceCount
SslDecryptPacket
SslDuplicateTranscriptHash
SslEncryptPacket
SslEnumCipherSuites
SslEnumCipherSuitesEx
SslEnumEccCurves
SslEnumProtocolProviders
SslExpandBinderKey
SslExpandExporterMasterKey
SslExpandNextGenTrafficKey
SslExpandPreSharedKey
SslExpandResumptionMasterKey
SslExpandTrafficKeys
SslExpandWriteKey
SslExportKey
SslExportKeyingMaterial
SslExtractEarlyKey
SslExtractHandshakeKey
SslExtractMasterKey
SslFreeBuffer
SslFreeObject
SslGenerateMasterKey
SslGeneratePreMasterKey
SslGenerateSessionKeys
SslGetCipherSuitePRFHashAlgorithm
SslGetKeyProperty
SslGetProviderProperty
SslHashHandshake
SslImportKey
SslImportMasterKey
SslIncrementProviderReferenceCount
SslInitializeInterface
SslLookupCipherLengths
SslLookupCipherSuiteInfo
SslOpenPrivateKey
SslOpenProvider
SslSignHash
SslVerifySignature
LIST
if [ -f "$here/../include/sslprov_ext.h" ]; then
    grep -oE '\bSslProv[A-Za-z0-9]+\s*\(' "$here/../include/sslprov_ext.h" | tr -d '( ' >> "$expected"
fi
sort -u -o "$expected" "$expected"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort -u > "$actual"
if diff -u "$expected" "$actual"; then
    echo "$(wc -l < "$expected") passed, 0 failed"
else
    echo "0 passed, 1 failed"
    exit 1
fi
