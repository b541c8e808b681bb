/* The layout of ACVP's TLS-v1.3 KDF vectors (acvp_tls13_kdf.json), shared by the tests that
 * replay them: the eight derived secrets in the file's order, the RFC 8446 §7.1 label of each,
 * and which transcript point each is taken at. The file's transcript points: T0 =
 * Hash(helloClientRandom), T1 = Hash(.. || helloServerRandom), T2 = Hash(.. ||
 * finishedServerRandom), T3 = Hash(.. || finishedClientRandom). */
#ifndef SSLPROV_TEST_ACVP13_H
#define SSLPROV_TEST_ACVP13_H

enum { CET, EEMS, CHTS, SHTS, CATS, SATS, EMS, RMS, ACVP_NOUT };

static const char *const acvp_names[ACVP_NOUT] = {
    "clientEarlyTrafficSecret",       "earlyExporterMasterSecret",      "clientHandshakeTrafficSecret",
    "serverHandshakeTrafficSecret",   "clientApplicationTrafficSecret", "serverApplicationTrafficSecret",
    "exporterMasterSecret",           "resumptionMasterSecret"};
static const char *const acvp_labels[ACVP_NOUT] = {"c e traffic",  "e exp master", "c hs traffic", "s hs traffic",
                                                   "c ap traffic", "s ap traffic", "exp master",   "res master"};
static const int acvp_transcript[ACVP_NOUT] = {0, 0, 1, 1, 2, 2, 2, 3};
static const char *const acvp_random_names[4] = {"helloClientRandom", "helloServerRandom", "finishedServerRandom",
                                                 "finishedClientRandom"};

#endif
