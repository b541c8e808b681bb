/* acvp13.h: the vector file's names, in its order. */
#include "acvp13.h"

const char *const acvp_names[ACVP_NOUT] = {
    "clientEarlyTrafficSecret",       "earlyExporterMasterSecret",      "clientHandshakeTrafficSecret",
    "serverHandshakeTrafficSecret",   "clientApplicationTrafficSecret", "serverApplicationTrafficSecret",
    "exporterMasterSecret",           "resumptionMasterSecret"};
const char *const acvp_labels[ACVP_NOUT] = {"c e traffic",  "e exp master", "c hs traffic", "s hs traffic",
                                            "c ap traffic", "s ap traffic", "exp master",   "res master"};
const int acvp_transcript[ACVP_NOUT] = {0, 0, 1, 1, 2, 2, 2, 3};
const char *const acvp_random_names[4] = {"helloClientRandom", "helloServerRandom", "finishedServerRandom",
                                          "finishedClientRandom"};
