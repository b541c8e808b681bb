/* The layout of ACVP's TLS-v1.3 KDF vectors (acvp_tls13_kdf.json), shared by the tests that
 * replay them: the eight derived secrets in the file's order, the RFC 8446 §7.1 label of each,
 * and which transcript point each is taken at (acvp13.c). The file's transcript points: T0 =
 * Hash(helloClientRandom), T1 = Hash(.. || helloServerRandom), T2 = Hash(.. ||
 * finishedServerRandom), T3 = Hash(.. || finishedClientRandom). */
#ifndef SSLPROV_TEST_ACVP13_H
#define SSLPROV_TEST_ACVP13_H

enum { CET, EEMS, CHTS, SHTS, CATS, SATS, EMS, RMS, ACVP_NOUT };

extern const char *const acvp_names[ACVP_NOUT];
extern const char *const acvp_labels[ACVP_NOUT];
extern const int acvp_transcript[ACVP_NOUT];
extern const char *const acvp_random_names[4];

#endif
