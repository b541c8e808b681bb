/* The TLS 1.3 key schedule from several threads at once (run under TSan by make check): the
 * pooled TLS13-KDF contexts of one provider (backend.c, kdf13.c) and the cached
 * Transcript-Hash of shared handshake hash objects (transcript.c). Every value must equal the
 * ACVP TLS-v1.3 KDF sample set (tests/vectors/acvp_tls13_kdf.json, BoringSSL's answers):
 *  - through kdf13_*: threads run whole schedules of every case, each starting at another
 *    case, so SHA-256 and SHA-384 derivations, extracts with a salt ("derived" step) and
 *    without, and Expand-Label interleave on the same pools;
 *  - through the public API (the PSK-only cases, where every secret has an API path): the
 *    threads read hash objects they share, right after the main thread hashed the next
 *    message, so the first reader computes the digest while others wait for it; a cache
 *    that outlived an update would give the previous stage's secrets.
 * Negative twins: a flipped PSK byte, and a transcript with one byte more, change the values. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "acvp13.h"
#include "bytes.h"
#include "check.h"
#include "json.h"
#include "kdf13.h"
#include "provider.h"
#include "sslprovider.h"
#include "sslprov_opaque.h"

#define THREADS 8
#define KDF_ROUNDS 25
#define ROUNDS 6 /* hash objects per case through the API */
#define MAX_CASES 16
#define HMAX KDF13_MAX_HASH
#define P13 TLS1_3_PROTOCOL_VERSION

struct vcase {
    enum md_id md;
    DWORD suite;
    const uint8_t *psk, *dhe, *r[4]; /* psk / dhe NULL when the mode has none */
    size_t psk_len, dhe_len, r_len[4];
    uint8_t th[4][HMAX];             /* transcript hashes, by libcrypto here */
    const uint8_t *want[ACVP_NOUT];
    struct json_fields f;
};

/* One PSK-only case through the API: a hash object per round, shared by all threads. */
struct api_case {
    const struct vcase *c;
    NCRYPT_KEY_HANDLE psk, early, hs, master;
    NCRYPT_HASH_HANDLE th[ROUNDS];
};

static NCRYPT_PROV_HANDLE hprov;
static const struct backend *be;
static struct vcase cases[MAX_CASES];
static size_t ncases;
static struct api_case api[MAX_CASES];
static size_t napi;
static int stage; /* which API step the threads run; set while no thread runs */
static atomic_uint mismatches;

/* ---- the vectors -------------------------------------------------------------------------- */

static bool read_case(const struct json *g, const struct json *t, struct vcase *c)
{
    const char *alg = json_str(g, "hmacAlg");
    const EVP_MD *md;
    EVP_MD_CTX *run = EVP_MD_CTX_new();
    bool ok = run != NULL;

    c->f.what = "acvp_tls13_kdf";
    c->md = alg != NULL && strcmp(alg, "SHA2-384") == 0 ? MD_SHA384 : MD_SHA256;
    c->suite = c->md == MD_SHA384 ? TLS_AES_256_GCM_SHA384 : TLS_AES_128_GCM_SHA256;
    md = c->md == MD_SHA384 ? EVP_sha384() : EVP_sha256();
    if (json_get(t, "psk") != NULL)
        c->psk = json_field(&c->f, t, "psk", 0, &c->psk_len);
    if (json_get(t, "dhe") != NULL)
        c->dhe = json_field(&c->f, t, "dhe", 0, &c->dhe_len);
    for (int i = 0; i < ACVP_NOUT; i++)
        c->want[i] = json_field(&c->f, t, acvp_names[i], md_size(c->md), NULL);
    ok = ok && EVP_DigestInit_ex(run, md, NULL);
    for (int i = 0; i < 4 && ok; i++) {
        c->r[i] = json_field(&c->f, t, acvp_random_names[i], 0, &c->r_len[i]);
        ok = c->r[i] != NULL && EVP_DigestUpdate(run, c->r[i], c->r_len[i]);
        /* a copy finished at each point, the running hash goes on */
        {
            EVP_MD_CTX *point = EVP_MD_CTX_new();

            ok = ok && point != NULL && EVP_MD_CTX_copy_ex(point, run) && EVP_DigestFinal_ex(point, c->th[i], NULL);
            EVP_MD_CTX_free(point);
        }
    }
    EVP_MD_CTX_free(run);
    return ok && !c->f.bad;
}

static void load_cases(void)
{
    char path[512];
    struct json *root;
    const struct json *groups;
    size_t per_md[2] = {0, 0};

    snprintf(path, sizeof(path), "%s/acvp_tls13_kdf.json", SSLPROV_TEST_VECTORS);
    CHECK((root = json_load(path)) != NULL);
    groups = json_get(root, "testGroups");
    for (const struct json *g = groups != NULL ? groups->child : NULL; g != NULL; g = g->next) {
        const struct json *tests = json_get(g, "tests");

        for (const struct json *t = tests != NULL ? tests->child : NULL; t != NULL && ncases < MAX_CASES;
             t = t->next) {
            struct vcase *c = &cases[ncases++];

            CHECK(read_case(g, t, c));
            per_md[c->md == MD_SHA384]++;
            if (c->psk != NULL && c->dhe == NULL)
                api[napi++].c = c;
        }
    }
    /* kept: the cases point into the decoded fields, not into the tree */
    json_free(root);
    CHECK(per_md[0] > 0 && per_md[1] > 0 && napi >= 2);
    printf("acvp_tls13_kdf.json: %zu cases (%zu SHA-256, %zu SHA-384), %zu PSK-only through the API\n", ncases,
           per_md[0], per_md[1], napi);
}

/* ---- through kdf13_* ---------------------------------------------------------------------- */

/* RFC 8446 §7.1 on kdf13_* alone; true when all eight secrets are the vector's. */
static bool schedule(const struct vcase *c)
{
    size_t h = md_size(c->md);
    uint8_t early[HMAX], hs[HMAX], ms[HMAX], s[HMAX];
    bool ok = kdf13_extract(be, c->md, NULL, c->psk, c->psk_len, early) == SEC_E_OK &&
              kdf13_extract(be, c->md, early, c->dhe, c->dhe_len, hs) == SEC_E_OK &&
              kdf13_extract(be, c->md, hs, NULL, 0, ms) == SEC_E_OK;

    for (int i = 0; ok && i < ACVP_NOUT; i++) {
        const uint8_t *base = i < CHTS ? early : i < CATS ? hs : ms;

        ok = kdf13_expand_label(be, c->md, base, acvp_labels[i], c->th[acvp_transcript[i]], h, s, h) == SEC_E_OK &&
             memcmp(s, c->want[i], h) == 0;
    }
    return ok;
}

static void *run_kdf13(void *arg)
{
    size_t first = (size_t)(uintptr_t)arg;

    for (int round = 0; round < KDF_ROUNDS; round++)
        for (size_t i = 0; i < ncases; i++)
            if (!schedule(&cases[(first + i) % ncases]))
                atomic_fetch_add(&mismatches, 1);
    return NULL;
}

/* ---- through the API ---------------------------------------------------------------------- */

/* The secret behind k (its OpaqueKeyBlob: length at 88, bytes at 92) is want; k is freed. */
static bool secret_is(NCRYPT_KEY_HANDLE k, const uint8_t *want, size_t len)
{
    uint8_t blob[256];
    DWORD cb = 0;
    bool ok = k != 0 && SslExportKey(hprov, k, BCRYPT_OPAQUE_KEY_BLOB, blob, sizeof(blob), &cb, 0) == SEC_E_OK &&
              cb >= 92 + len && get32(blob + SSLPROV_OPAQUE_KDBM_KEYLEN) == len && memcmp(blob + SSLPROV_OPAQUE_KDBM_KEY, want, len) == 0;

    if (k != 0)
        SslFreeObject(k, 0);
    return ok;
}

/* The secrets of one stage from the hash object of this round. */
static bool api_stage(const struct api_case *a, NCRYPT_HASH_HANDLE th)
{
    const struct vcase *c = a->c;
    size_t h = md_size(c->md);
    NCRYPT_KEY_HANDLE x = 0, y = 0;
    bool ok = false;

    switch (stage) {
    case 0:
        ok = SslExpandTrafficKeys(hprov, a->early, th, &x, NULL, NULL, 0) == SEC_E_OK && secret_is(x, c->want[CET], h);
        ok = ok && SslExpandExporterMasterKey(hprov, a->early, th, &y, NULL, 0) == SEC_E_OK &&
             secret_is(y, c->want[EEMS], h);
        break;
    case 1:
    case 2:
        ok = SslExpandTrafficKeys(hprov, stage == 1 ? a->hs : a->master, th, &x, &y, NULL, 0) == SEC_E_OK;
        /* secret_is first: it frees the key either way */
        ok = secret_is(x, c->want[stage == 1 ? CHTS : CATS], h) && ok;
        ok = secret_is(y, c->want[stage == 1 ? SHTS : SATS], h) && ok;
        if (stage == 2)
            ok = ok && SslExpandExporterMasterKey(hprov, a->master, th, &x, NULL, 0) == SEC_E_OK &&
                 secret_is(x, c->want[EMS], h);
        break;
    case 3:
        ok = SslExpandResumptionMasterKey(hprov, a->master, th, &x, NULL, 0) == SEC_E_OK &&
             secret_is(x, c->want[RMS], h);
        break;
    }
    return ok;
}

static void *run_api(void *arg)
{
    size_t first = (size_t)(uintptr_t)arg;

    for (int round = 0; round < ROUNDS; round++)
        for (size_t i = 0; i < napi; i++)
            if (!api_stage(&api[(first + i) % napi], api[(first + i) % napi].th[round]))
                atomic_fetch_add(&mismatches, 1);
    return NULL;
}

static void run_threads(void *(*fn)(void *))
{
    pthread_t t[THREADS];

    for (uintptr_t i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, fn, (void *)i) == 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
}

/* Before stage s: message s into every hash object, and the next base secret (psk_ke). */
static void api_advance(int s)
{
    for (size_t i = 0; i < napi; i++) {
        struct api_case *a = &api[i];

        for (int r = 0; r < ROUNDS; r++)
            CHECK_ST(SslHashHandshake(hprov, a->th[r], (PBYTE)a->c->r[s], (DWORD)a->c->r_len[s], 0), SEC_E_OK);
        if (s == 1)
            CHECK_ST(SslExtractHandshakeKey(hprov, 0, 0, a->early, &a->hs, NULL, 0), SEC_E_OK);
        if (s == 2)
            CHECK_ST(SslExtractMasterKey(hprov, a->hs, &a->master, NULL, 0), SEC_E_OK);
    }
    stage = s;
}

static void test_api(void)
{
    for (size_t i = 0; i < napi; i++) {
        struct api_case *a = &api[i];

        CHECK_ST(SslImportKey(hprov, &a->psk, TLS_13_PRE_SHARED_KEY, (PBYTE)a->c->psk, (DWORD)a->c->psk_len, 0),
                 SEC_E_OK);
        CHECK_ST(SslExtractEarlyKey(hprov, a->psk, &a->early, P13, a->c->suite, NULL, 0), SEC_E_OK);
        for (int r = 0; r < ROUNDS; r++)
            CHECK_ST(SslCreateHandshakeHash(hprov, &a->th[r], P13, a->c->suite, 0), SEC_E_OK);
    }
    for (int s = 0; s < 4; s++) {
        api_advance(s);
        run_threads(run_api);
    }
    /* negative twin: one byte more in the transcript, another resumption master secret */
    {
        NCRYPT_KEY_HANDLE x = 0;

        CHECK_ST(SslHashHandshake(hprov, api[0].th[0], (PBYTE)"x", 1, 0), SEC_E_OK);
        CHECK_ST(SslExpandResumptionMasterKey(hprov, api[0].master, api[0].th[0], &x, NULL, 0), SEC_E_OK);
        CHECK(!secret_is(x, api[0].c->want[RMS], md_size(api[0].c->md)));
    }
    for (size_t i = 0; i < napi; i++) {
        struct api_case *a = &api[i];
        NCRYPT_KEY_HANDLE k[] = {a->psk, a->early, a->hs, a->master};

        for (size_t j = 0; j < sizeof(k) / sizeof(k[0]); j++)
            CHECK_ST(SslFreeObject(k[j], 0), SEC_E_OK);
        for (int r = 0; r < ROUNDS; r++)
            CHECK_ST(SslFreeObject(a->th[r], 0), SEC_E_OK);
    }
}

int main(void)
{
    struct provider *prov = NULL;

    CHECK_ST(SslOpenProvider(&hprov, NULL, 0), SEC_E_OK);
    CHECK_ST(provider_pin(hprov, &prov), SEC_E_OK);
    if (prov == NULL)
        return check_summary();
    be = &prov->be;
    load_cases();

    /* every case once on one thread first: a wrong vector is not a concurrency bug */
    for (size_t i = 0; i < ncases; i++)
        CHECK(schedule(&cases[i]));
    run_threads(run_kdf13);
    test_api();
    CHECK(atomic_load(&mismatches) == 0);
    if (atomic_load(&mismatches) != 0)
        fprintf(stderr, "%u schedules or stages differ from the vectors\n", atomic_load(&mismatches));

    /* negative twin: a flipped PSK byte gives other secrets */
    if (napi > 0) {
        struct vcase flipped = *api[0].c;
        uint8_t psk[256];

        CHECK(flipped.psk_len <= sizeof(psk));
        memcpy(psk, flipped.psk, flipped.psk_len);
        psk[0] ^= 0x01;
        flipped.psk = psk;
        CHECK(!schedule(&flipped));
    }

    for (size_t i = 0; i < ncases; i++)
        json_fields_free(&cases[i].f);
    provider_unpin(prov);
    CHECK_ST(SslFreeObject(hprov, 0), SEC_E_OK);
    return check_summary();
}
