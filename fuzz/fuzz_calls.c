/* fuzz_calls: random call sequences over live, stale, foreign (a second provider's), zero,
 * random and wrong-class handles — the TLS 1.3 schedule in any order (SslExtractEarlyKey /
 * HandshakeKey / MasterKey, SslExpand*), TLS 1.2 PSK masters and session keys, hashes,
 * records, exports and re-imports, properties, frees, double frees, provider references and
 * a provider freed while its objects live.
 *
 * The input is a program: each op byte picks an entry point, the following bytes pick its
 * handles from a pool of what the program made (kept after a free, as stale handles), the
 * two providers, 0 or a random value. The harness models every handle's class, stage and
 * provider, and checks (docs/fuzzing.md):
 *  - a bad provider handle gives NTE_INVALID_HANDLE; so does any stale, random, zero (where
 *    required), foreign or wrong-class handle (conventions.md §1: handles are checked before
 *    flags, protocols and parameters, and every output pointer here is valid);
 *  - a right-class handle of the wrong stage never succeeds;
 *  - statuses in the documented sets; output handles 0 and no object left on failure;
 *  - a new handle never equals one the program has seen (a recycled slot never answers to
 *    an old handle);
 *  - SslFreeObject of a live handle succeeds, of a freed one gives NTE_INVALID_HANDLE;
 *  - SslGetKeyProperty(KEYTYPE) answers for every live key;
 *  - a provider freed while its objects live: its handle is dead at once, its objects stay
 *    usable (freeable) and are refused with another provider. */
#include "fuzz_common.h"

enum kind {
    K_NONE, K_PROV, K_HASH13, K_HASH12, K_PSK, K_EARLY, K_HS, K_MS13, K_TRAFFIC, K_WRITE13,
    K_EXPMS, K_RESMS, K_BINDER, K_EPH, K_PEER, K_MASTER12, K_SESS12, K_COUNT
};
#define B(k) (1u << (k))
#define M_SECRETS (B(K_PSK) | B(K_EARLY) | B(K_HS) | B(K_MS13) | B(K_TRAFFIC) | B(K_WRITE13) | \
                   B(K_EXPMS) | B(K_RESMS) | B(K_BINDER) | B(K_SESS12))
#define M_KEYS (M_SECRETS | B(K_EPH) | B(K_PEER) | B(K_MASTER12))
#define M_HASH (B(K_HASH13) | B(K_HASH12))

static const char *const kind_names[] = {
    "none", "provider", "hash13", "hash12", "psk", "early", "handshake", "master13", "traffic",
    "write13", "exporter", "resumption", "binder", "ephemeral", "peer", "master12", "session12",
};

/* conventions.md §1 classes: provider, hash, master key, ephemeral, secret/record key */
static unsigned class_of(unsigned kind_mask)
{
    unsigned c = 0;

    c |= (kind_mask & B(K_PROV)) ? 1 : 0;
    c |= (kind_mask & M_HASH) ? 2 : 0;
    c |= (kind_mask & B(K_MASTER12)) ? 4 : 0;
    c |= (kind_mask & (B(K_EPH) | B(K_PEER))) ? 8 : 0;
    c |= (kind_mask & M_SECRETS) ? 16 : 0;
    return c;
}

struct slot {
    ULONG_PTR h;
    enum kind kind;
    int prov;      /* 0 A, 1 B, 2 the temporary provider */
    bool live;
    DWORD suite;
};

#define MAXSLOTS 40
#define MAXSEEN 400

static NCRYPT_PROV_HANDLE provs[3];
static struct slot pool[MAXSLOTS];
static int nslots;
static ULONG_PTR seen[MAXSEEN];
static int nseen;
static uint8_t buf[20000], out[20000];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_target = "fuzz_calls";
    fz_install_allocator();
    provs[0] = fz_open();
    provs[1] = fz_open();
    return 0;
}

/* A handle argument as the program chose it, with what the model knows. */
struct arg {
    ULONG_PTR h;
    enum kind kind; /* K_NONE: zero or unknown */
    int prov;       /* -1: no provider */
    bool live;
    bool known;     /* one the program made or a provider */
    int slot;
};

/* A handle value the program made up (random, or a made handle with its generation changed)
 * may still name a live object: the fuzzer learns handle values, and a slot's next generation
 * can equal a changed one. The model then knows it for what it is. */
static struct arg resolve(struct arg a)
{
    for (int i = 0; i < nslots; i++)
        if (pool[i].live && pool[i].h == a.h)
            return (struct arg){pool[i].h, pool[i].kind, pool[i].prov, true, true, i};
    for (int j = 0; j < 2; j++)
        if (a.h == provs[j])
            return (struct arg){provs[j], K_PROV, j, true, true, -1};
    return a;
}

static struct arg pick(struct fz_in *in)
{
    uint8_t b = fz_u8(in);
    struct arg a = {0, K_NONE, -1, false, false, -1};

    if (b % 16 < 11 && nslots > 0) {
        struct slot *s = &pool[fz_u8(in) % nslots];
        a = (struct arg){s->h, s->kind, s->prov, s->live, true, (int)(s - pool)};
    } else if (b % 16 == 12) {
        a.h = fz_u64(in) | 1;
    } else if (b % 16 == 13 || b % 16 == 14) {
        a = (struct arg){provs[b % 16 - 13], K_PROV, b % 16 - 13, true, true, -1};
    } else if (b % 16 == 15 && nslots > 0) { /* a made handle with its generation changed */
        ULONG_PTR h = pool[fz_u8(in) % nslots].h;
        a.h = h ^ ((ULONG_PTR)(1 + fz_u8(in) % 7) << 32);
    }
    return a.known ? a : resolve(a);
}

/* The provider argument: mostly A, sometimes B, a freed one, 0 or random. */
static struct arg pick_prov(struct fz_in *in)
{
    uint8_t b = fz_u8(in) % 16;

    if (b < 10)
        return (struct arg){provs[0], K_PROV, 0, true, true, -1};
    if (b < 13)
        return (struct arg){provs[1], K_PROV, 1, true, true, -1};
    if (b == 13 && provs[2] != 0)
        return (struct arg){provs[2], K_PROV, 2, false, true, -1};
    if (b == 14 && nslots > 0) { /* a wrong-class handle as the provider */
        struct slot *s = &pool[fz_u8(in) % nslots];
        return (struct arg){s->h, s->kind, s->prov, s->live, true, -1};
    }
    return resolve((struct arg){b == 15 ? fz_u64(in) : 0, K_NONE, -1, false, false, -1});
}

enum verdict { V_OK, V_STAGE, V_BAD };

/* What the model expects of one handle argument: accepted kinds; optional: 0 is "none". */
static enum verdict judge(const struct arg *a, int prov, unsigned accepted, bool optional)
{
    if (a->h == 0)
        return optional ? V_OK : V_BAD;
    if (!a->known || !a->live)
        return V_BAD;
    if (a->kind != K_PROV && a->prov != prov)
        return V_BAD; /* foreign */
    if ((class_of(B(a->kind)) & class_of(accepted)) == 0)
        return V_BAD;
    return (B(a->kind) & accepted) ? V_OK : V_STAGE;
}

struct call {
    const char *name;
    struct arg p;
    enum verdict v; /* the worst strict verdict of the handle arguments */
    bool stage;     /* some argument is of the wrong stage (or a loose one is bad) */
};

static void begin(struct call *c, const char *name, struct arg p)
{
    *c = (struct call){name, p, V_OK, false};
}

/* strict: a bad handle here must give NTE_INVALID_HANDLE; loose: only "does not succeed".
 * Arguments are checked in parameter order, so a loose problem (a wrong stage may be found at
 * lookup, an optional pair is judged together) makes the later ones loose too. */
static void arg_in(struct call *c, const struct arg *a, unsigned accepted, bool optional, bool strict)
{
    enum verdict v = judge(a, c->p.prov, accepted, optional);

    if (v == V_BAD && strict && !c->stage)
        c->v = V_BAD;
    else if (v != V_OK)
        c->stage = true;
}

static bool prov_ok(const struct call *c)
{
    return c->p.known && c->p.live && c->p.kind == K_PROV;
}

/* The status against the model. */
static void verdict(const struct call *c, SECURITY_STATUS st)
{
    if (!prov_ok(c) && st != NTE_INVALID_HANDLE)
        FZ_FAIL("%s with a bad provider handle (%s) returned %s, not NTE_INVALID_HANDLE", c->name,
                c->p.known ? kind_names[c->p.kind] : "unknown", fz_status_name(st));
    if (prov_ok(c) && c->v == V_BAD && st != NTE_INVALID_HANDLE)
        FZ_FAIL("%s with a stale/foreign/zero/random/wrong-class handle returned %s, not "
                "NTE_INVALID_HANDLE", c->name, fz_status_name(st));
    if (c->stage && st == SEC_E_OK)
        FZ_FAIL("%s succeeded with a handle of the wrong stage or a bad optional handle", c->name);
}

/* A new handle from a successful call: never one seen before; into the pool. */
static void add(ULONG_PTR h, enum kind kind, int prov, DWORD suite)
{
    for (int i = 0; i < nseen; i++)
        if (seen[i] == h)
            FZ_FAIL("a new %s handle 0x%llx equals one handed out before in this program",
                    kind_names[kind], (unsigned long long)h);
    if (nseen < MAXSEEN)
        seen[nseen++] = h;
    fz_track(h);
    if (nslots == MAXSLOTS) {
        fz_release(h);
        for (int i = 0; i < nslots; i++) /* keep it as a stale handle where one was stale */
            if (!pool[i].live) {
                pool[i] = (struct slot){h, kind, prov, false, suite};
                return;
            }
        return;
    }
    pool[nslots++] = (struct slot){h, kind, prov, true, suite};
}

static DWORD suite13(struct fz_in *in)
{
    uint8_t b = fz_u8(in);

    return b < 0xF0 ? 0x1301 + b % 5 : fz_u16(in);
}

static const WCHAR *const types[] = {
    BCRYPT_OPAQUE_KEY_BLOB, TLS_13_PRE_SHARED_KEY, SSL_ECCPUBLIC_BLOB, BCRYPT_ECCPUBLIC_BLOB,
};

static void op(struct fz_in *in)
{
    uint8_t o = fz_u8(in) % 26;
    struct call c;
    struct arg p = pick_prov(in), a1, a2, a3;
    NCRYPT_KEY_HANDLE h1 = 0, h2 = 0;
    SECURITY_STATUS st;
    DWORD cb = FZ_SENTINEL, s;
    size_t n;
    const uint8_t *bytes;

#define GO0(name, set, expr)                    \
    do {                                        \
        FZ_CALL(st, name, set, expr);           \
        verdict(&c, st);                        \
    } while (0)
#define GO(name, set, expr)                     \
    do {                                        \
        GO0(name, set, expr);                   \
        fz_check_out(name, st, h1);             \
    } while (0)

    switch (o) {
    case 0: /* SslImportKey(PSK) */
        bytes = fz_slice(in, 80, &n);
        begin(&c, "SslImportKey(TLS13PRESHAREDKEY)", p);
        GO(c.name, SET_IMPORT, SslImportKey(p.h, &h1, TLS_13_PRE_SHARED_KEY, (PBYTE)bytes, (DWORD)n, 0));
        if (st == SEC_E_OK)
            add(h1, K_PSK, p.prov, 0);
        break;
    case 1:
        a1 = pick(in), s = suite13(in);
        begin(&c, "SslExtractEarlyKey", p);
        arg_in(&c, &a1, B(K_PSK), true, true);
        GO(c.name, SET_TLS13, SslExtractEarlyKey(p.h, a1.h, &h1, TLS1_3_PROTOCOL_VERSION, s, NULL, fz_u8(in)));
        if (st == SEC_E_OK)
            add(h1, K_EARLY, p.prov, s);
        break;
    case 2:
        a1 = pick(in), a2 = pick(in), a3 = pick(in);
        begin(&c, "SslExtractHandshakeKey", p);
        if (fz_bool(in))
            a1.h = a2.h = 0, a1.known = a2.known = false;
        /* both 0 (psk_ke) or both set: exactly one 0 is NTE_INVALID_PARAMETER, so loose */
        arg_in(&c, &a1, B(K_EPH), true, a1.h != 0 && a2.h != 0);
        if ((a1.h == 0) != (a2.h == 0))
            c.stage = true;
        arg_in(&c, &a2, B(K_EPH) | B(K_PEER), true, a1.h != 0 && a2.h != 0);
        arg_in(&c, &a3, B(K_EARLY), false, true);
        GO(c.name, SET_TLS13, SslExtractHandshakeKey(p.h, a1.h, a2.h, a3.h, &h1, NULL, 0));
        if (st == SEC_E_OK)
            add(h1, K_HS, p.prov, a3.slot >= 0 ? pool[a3.slot].suite : 0);
        break;
    case 3:
        a1 = pick(in);
        begin(&c, "SslExtractMasterKey", p);
        arg_in(&c, &a1, B(K_HS), false, true);
        GO(c.name, SET_TLS13, SslExtractMasterKey(p.h, a1.h, &h1, NULL, 0));
        if (st == SEC_E_OK)
            add(h1, K_MS13, p.prov, 0);
        break;
    case 4: {
        bool server = fz_bool(in);
        a1 = pick(in), a2 = pick(in);
        begin(&c, "SslExpandTrafficKeys", p);
        arg_in(&c, &a1, B(K_EARLY) | B(K_HS) | B(K_MS13), false, true);
        arg_in(&c, &a2, B(K_HASH13), false, true);
        if (server && a1.kind == K_EARLY)
            c.stage = true;
        FZ_CALL(st, c.name, SET_TLS13, SslExpandTrafficKeys(p.h, a1.h, a2.h, &h1, server ? &h2 : NULL, NULL, 0));
        verdict(&c, st);
        fz_check_out(c.name, st, h1);
        if (server)
            fz_check_out(c.name, st, h2);
        if (st == SEC_E_OK) {
            add(h1, K_TRAFFIC, p.prov, 0);
            if (server)
                add(h2, K_TRAFFIC, p.prov, 0);
        }
        break;
    }
    case 5:
        a1 = pick(in);
        begin(&c, "SslExpandWriteKey", p);
        arg_in(&c, &a1, B(K_TRAFFIC), false, true);
        GO(c.name, SET_TLS13, SslExpandWriteKey(p.h, a1.h, &h1, NULL, 0));
        if (st == SEC_E_OK)
            add(h1, K_WRITE13, p.prov, 0);
        break;
    case 6:
        a1 = pick(in), a2 = pick(in);
        begin(&c, "SslExpandExporterMasterKey", p);
        arg_in(&c, &a1, B(K_EARLY) | B(K_MS13), false, true);
        arg_in(&c, &a2, B(K_HASH13), false, true);
        GO(c.name, SET_TLS13, SslExpandExporterMasterKey(p.h, a1.h, a2.h, &h1, NULL, 0));
        if (st == SEC_E_OK)
            add(h1, K_EXPMS, p.prov, 0);
        break;
    case 7:
        a1 = pick(in), a2 = pick(in);
        begin(&c, "SslExpandResumptionMasterKey", p);
        arg_in(&c, &a1, B(K_MS13), false, true);
        arg_in(&c, &a2, B(K_HASH13), false, true);
        GO(c.name, SET_TLS13, SslExpandResumptionMasterKey(p.h, a1.h, a2.h, &h1, NULL, 0));
        if (st == SEC_E_OK)
            add(h1, K_RESMS, p.prov, 0);
        break;
    case 8: {
        DWORD f = fz_u8(in) < 0xF0 ? (DWORD)(1 + fz_bool(in)) : fz_u32(in);
        a1 = pick(in);
        begin(&c, "SslExpandBinderKey", p);
        arg_in(&c, &a1, B(K_EARLY), false, true);
        if (f != 1 && f != 2)
            c.stage = true;
        GO(c.name, SET_TLS13_FLAGS, SslExpandBinderKey(p.h, a1.h, &h1, NULL, f));
        if (st == SEC_E_OK)
            add(h1, K_BINDER, p.prov, 0);
        break;
    }
    case 9:
        a1 = pick(in);
        bytes = fz_slice(in, 300, &n);
        begin(&c, "SslExpandPreSharedKey", p);
        arg_in(&c, &a1, B(K_RESMS), false, true);
        if (n > 255)
            c.stage = true;
        GO(c.name, SET_TLS13, SslExpandPreSharedKey(p.h, a1.h, (PBYTE)bytes, (DWORD)n, &h1, NULL, 0));
        if (st == SEC_E_OK)
            add(h1, K_PSK, p.prov, 0);
        break;
    case 10:
        a1 = pick(in);
        begin(&c, "SslExpandNextGenTrafficKey", p);
        arg_in(&c, &a1, B(K_TRAFFIC), false, true);
        GO(c.name, SET_TLS13_FLAGS, SslExpandNextGenTrafficKey(p.h, a1.h, &h1, NULL, 0));
        if (st == SEC_E_OK)
            add(h1, K_TRAFFIC, p.prov, 0);
        break;
    case 11: { /* SslCreateHandshakeHash */
        bool t13 = fz_bool(in);
        DWORD proto = t13 ? TLS1_3_PROTOCOL_VERSION : TLS1_2_PROTOCOL_VERSION;
        s = t13 ? suite13(in) : TLS_PSK_WITH_AES_128_GCM_SHA256;
        begin(&c, "SslCreateHandshakeHash", p);
        GO(c.name, SET_HASH, SslCreateHandshakeHash(p.h, &h1, proto, s, 0));
        if (st == SEC_E_OK)
            add(h1, t13 ? K_HASH13 : K_HASH12, p.prov, s);
        break;
    }
    case 12:
        a1 = pick(in);
        bytes = fz_slice(in, 200, &n);
        begin(&c, "SslHashHandshake", p);
        arg_in(&c, &a1, M_HASH, false, true);
        GO0(c.name, SET_HASH, SslHashHandshake(p.h, a1.h, (PBYTE)bytes, (DWORD)n, 0));
        break;
    case 13:
        a1 = pick(in);
        begin(&c, "SslDuplicateTranscriptHash", p);
        arg_in(&c, &a1, M_HASH, false, true);
        GO(c.name, SET_HASH, SslDuplicateTranscriptHash(p.h, a1.h, &h1, 0));
        if (st == SEC_E_OK)
            add(h1, a1.kind, p.prov, a1.slot >= 0 ? pool[a1.slot].suite : 0);
        break;
    case 14: { /* SslComputeFinishedHash */
        DWORD len = fz_u8(in) % 70, f = fz_u8(in) % 4;
        a1 = pick(in), a2 = pick(in);
        begin(&c, "SslComputeFinishedHash", p);
        arg_in(&c, &a1, B(K_TRAFFIC) | B(K_BINDER) | B(K_MASTER12), false, true);
        arg_in(&c, &a2, M_HASH, false, true);
        GO0(c.name, SET_FINISHED, SslComputeFinishedHash(p.h, a1.h, a2.h, out, len, f));
        break;
    }
    case 15: { /* SslCreateEphemeralKey */
        static const DWORD groups[] = {29, 23, 30, 256, 24};
        DWORD g = groups[fz_u8(in) % 5];
        begin(&c, "SslCreateEphemeralKey", p);
        GO(c.name, SET_EPHEMERAL, SslCreateEphemeralKey(p.h, &h1, TLS1_3_PROTOCOL_VERSION, 0x1301, g, 0, NULL, 0, 0));
        if (st == SEC_E_OK)
            add(h1, K_EPH, p.prov, g);
        break;
    }
    case 16: { /* SslExportKey of anything, SslImportKey of what came out */
        int t = fz_u8(in) % 4;
        a1 = pick(in);
        begin(&c, "SslExportKey", p);
        arg_in(&c, &a1, M_KEYS, false, true);
        FZ_CALL(st, c.name, SET_EXPORT, SslExportKey(p.h, a1.h, types[t], buf, sizeof(buf), &cb, 0));
        verdict(&c, st);
        fz_check_cb(c.name, st, buf, sizeof(buf), cb);
        if (st != SEC_E_OK)
            break;
        begin(&c, "SslImportKey", pick_prov(in));
        FZ_CALL(st, c.name, SET_IMPORT, SslImportKey(c.p.h, &h1, types[t], buf, cb, 0));
        verdict(&c, st);
        fz_check_out(c.name, st, h1);
        if (st == SEC_E_OK)
            add(h1, t >= 2 ? K_PEER : a1.kind == K_EPH ? K_PEER : a1.kind, c.p.prov,
                a1.slot >= 0 ? pool[a1.slot].suite : 0);
        break;
    }
    case 17: { /* SslFreeObject */
        a1 = pick(in);
        if (a1.kind == K_PROV) { /* one reference more, then one less: the provider stays */
            if ((st = SslIncrementProviderReferenceCount(a1.h)) != SEC_E_OK ||
                (st = SslFreeObject(a1.h, 0)) != SEC_E_OK)
                FZ_FAIL("SslIncrementProviderReferenceCount + SslFreeObject of a live provider: %s",
                        fz_status_name(st));
        } else if (a1.known && a1.live) {
            fz_release(a1.h);
            pool[a1.slot].live = false;
        } else if (a1.h != 0 || fz_bool(in)) {
            st = SslFreeObject(a1.h, 0);
            if (st != NTE_INVALID_HANDLE)
                FZ_FAIL("SslFreeObject of a %s handle returned %s", a1.known ? "freed" : "random/zero",
                        fz_status_name(st));
        }
        break;
    }
    case 18: { /* SslEncryptPacket */
        DWORD len = 1 + fz_u8(in) % 64;
        a1 = pick(in);
        begin(&c, "SslEncryptPacket", p);
        arg_in(&c, &a1, B(K_WRITE13) | B(K_SESS12), false, true);
        fz_bytes(in, buf, len);
        FZ_CALL(st, c.name, SET_ENCRYPT, SslEncryptPacket(p.h, a1.h, buf, len, out, 200, &cb, fz_u64(in), 23, 0));
        verdict(&c, st);
        fz_check_cb(c.name, st, out, 200, cb);
        break;
    }
    case 19: { /* SslDecryptPacket */
        a1 = pick(in);
        bytes = fz_slice(in, 300, &n);
        begin(&c, "SslDecryptPacket", p);
        arg_in(&c, &a1, B(K_WRITE13) | B(K_SESS12), false, true);
        memcpy(buf, bytes, n);
        FZ_CALL(st, c.name, SET_DECRYPT, SslDecryptPacket(p.h, a1.h, buf, (DWORD)n, out, 400, &cb, fz_u64(in), 0));
        verdict(&c, st);
        fz_check_cb(c.name, st, out, 400, cb);
        break;
    }
    case 20: { /* SslGetKeyProperty: no provider argument */
        PBYTE v = NULL;
        DWORD vn = 0;
        a1 = pick(in);
        FZ_CALL(st, "SslGetKeyProperty", SET_PROPERTY, SslGetKeyProperty(a1.h, SSL_KEY_TYPE_PROPERTY, &v, &vn, 0));
        if (a1.known && a1.live && (B(a1.kind) & M_KEYS) && st != SEC_E_OK)
            FZ_FAIL("SslGetKeyProperty(KEYTYPE) of a live %s key: %s", kind_names[a1.kind], fz_status_name(st));
        if ((!a1.known || !a1.live || !(B(a1.kind) & M_KEYS)) && st != NTE_INVALID_HANDLE)
            FZ_FAIL("SslGetKeyProperty(KEYTYPE) of a bad or non-key handle (%s): %s",
                    a1.known ? kind_names[a1.kind] : "unknown", fz_status_name(st));
        if (st == SEC_E_OK && (v == NULL || vn != 4))
            FZ_FAIL("SslGetKeyProperty(KEYTYPE) gave %u bytes", vn);
        if (st == SEC_E_OK && SslFreeBuffer(v) != SEC_E_OK)
            FZ_FAIL("SslFreeBuffer of a property value failed");
        break;
    }
    case 21: { /* TLS 1.2 PSK master key */
        uint8_t r[64];
        NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, r}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, r + 32}};
        NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
        a1 = pick(in), a2 = pick(in);
        fz_bytes(in, r, 64);
        begin(&c, "SslGenerateMasterKey(PSK)", p);
        arg_in(&c, &a1, B(K_PSK), false, false); /* the suite's exchange decides the class */
        if (a2.h != 0 && fz_bool(in))
            c.stage = true; /* hPublicKey must be 0 for PSK */
        else
            a2.h = 0;
        GO(c.name, SET_MASTER, SslGenerateMasterKey(p.h, a1.h, a2.h, &h1, TLS1_2_PROTOCOL_VERSION,
                                                    TLS_PSK_WITH_AES_128_GCM_SHA256, &d, NULL, 0, NULL,
                                                    NCRYPT_SSL_CLIENT_FLAG));
        if (st == SEC_E_OK)
            add(h1, K_MASTER12, p.prov, TLS_PSK_WITH_AES_128_GCM_SHA256);
        break;
    }
    case 22: {
        uint8_t r[64];
        NCryptBuffer b[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, r}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, r + 32}};
        NCryptBufferDesc d = {NCRYPTBUFFER_VERSION, 2, b};
        a1 = pick(in);
        fz_bytes(in, r, 64);
        begin(&c, "SslGenerateSessionKeys", p);
        arg_in(&c, &a1, B(K_MASTER12), false, true);
        FZ_CALL(st, c.name, SET_SESSIONKEYS, SslGenerateSessionKeys(p.h, a1.h, &h1, &h2, &d, 0));
        verdict(&c, st);
        fz_check_out(c.name, st, h1);
        fz_check_out(c.name, st, h2);
        if (st == SEC_E_OK) {
            add(h1, K_SESS12, p.prov, 0);
            add(h2, K_SESS12, p.prov, 0);
        }
        break;
    }
    case 23: { /* SslExportKeyingMaterial */
        uint8_t r[64];
        bool t12 = fz_bool(in);
        a1 = pick(in);
        fz_bytes(in, r, 64);
        begin(&c, "SslExportKeyingMaterial", p);
        arg_in(&c, &a1, B(K_MASTER12) | B(K_EXPMS), false, true);
        FZ_CALL(st, c.name, SET_EKM, SslExportKeyingMaterial(p.h, a1.h, (PCHAR) "EXPORTER-fuzz", t12 ? r : NULL,
                                                             t12 ? 64 : 0, NULL, 0, out, 1 + fz_u8(in), 0));
        verdict(&c, st);
        break;
    }
    case 24: { /* a provider freed while its objects live */
        NCRYPT_KEY_HANDLE k = 0;
        uint8_t psk[32];

        if (provs[2] != 0)
            break;
        provs[2] = fz_open();
        fz_prng(fz_u64(in), psk, sizeof(psk));
        if ((st = SslImportKey(provs[2], &k, TLS_13_PRE_SHARED_KEY, psk, 32, 0)) != SEC_E_OK)
            FZ_FAIL("SslImportKey(PSK) on a fresh provider: %s", fz_status_name(st));
        if ((st = SslFreeObject(provs[2], 0)) != SEC_E_OK)
            FZ_FAIL("SslFreeObject of a provider with a live key: %s", fz_status_name(st));
        if ((st = SslFreeObject(provs[2], 0)) != NTE_INVALID_HANDLE)
            FZ_FAIL("second SslFreeObject of a provider: %s", fz_status_name(st));
        if ((st = SslDecrementProviderReferenceCount(provs[2])) != NTE_INVALID_HANDLE)
            FZ_FAIL("SslDecrementProviderReferenceCount of a freed provider: %s", fz_status_name(st));
        add(k, K_PSK, 2, 0);
        break;
    }
    default: { /* provider references: +1 then -1 on a live one; -1 on a dead one */
        a1 = pick(in);
        if (a1.kind == K_PROV) {
            if ((st = SslIncrementProviderReferenceCount(a1.h)) != SEC_E_OK ||
                (st = SslDecrementProviderReferenceCount(a1.h)) != SEC_E_OK)
                FZ_FAIL("provider reference +1/-1: %s", fz_status_name(st));
        } else if ((st = SslIncrementProviderReferenceCount(a1.h)) != NTE_INVALID_HANDLE) {
            FZ_FAIL("SslIncrementProviderReferenceCount of a %s handle: %s",
                    a1.known ? kind_names[a1.kind] : "random/zero", fz_status_name(st));
        }
        break;
    }
    }
#undef GO
#undef GO0
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};

    nslots = nseen = 0;
    provs[2] = 0;
    for (int i = 0; i < 60 && in.n > 0; i++)
        op(&in);
    fz_release_all();
    return 0;
}
