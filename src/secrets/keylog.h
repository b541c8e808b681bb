/* SSLKEYLOGFILE (conventions.md §10): opt-in, ours, not Windows'. The variable is read with
 * secure_getenv at SslOpenProvider (so set-uid programs never log); unset, or a file that cannot
 * be opened, means no logging. Lines follow the NSS key log format that Wireshark and
 * OpenSSL's SSL_CTX_set_keylog_callback use. */
#ifndef SSLPROV_KEYLOG_H
#define SSLPROV_KEYLOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYLOG_RANDOM_LEN 32

struct keylog {
    int fd; /* -1: off */
    pthread_mutex_t lock;
};

/* What a TLS 1.3 secret remembers for the lines derived from it later: the ClientHello random
 * of its transcript and, for application traffic secrets, the side and generation N of
 * CLIENT/SERVER_TRAFFIC_SECRET_N (SslExpandNextGenTrafficKey has no transcript). */
struct keylog_tag {
    bool on;
    char side; /* 'C' or 'S' for application traffic secrets, else 0 */
    uint32_t gen;
    uint8_t random[KEYLOG_RANDOM_LEN];
};

void keylog_open(struct keylog *kl);
void keylog_close(struct keylog *kl);

static inline bool keylog_enabled(const struct keylog *kl)
{
    return kl->fd >= 0;
}

/* One line "<label> <client random hex> <secret hex>\n", written with a single write(2)
 * under the lock. */
void keylog_line(struct keylog *kl, const char *label, const uint8_t random[KEYLOG_RANDOM_LEN],
                 const uint8_t *secret, size_t secret_len);

/* TLS <= 1.2: "CLIENT_RANDOM <cr> <ms>" once per (master key, client random): *last holds the
 * client random last logged for that master key (*logged says whether there is one). */
void keylog_client_random(struct keylog *kl, uint8_t last[KEYLOG_RANDOM_LEN], bool *logged,
                          const uint8_t random[KEYLOG_RANDOM_LEN], const uint8_t ms[48]);

/* The line of an application traffic secret of generation tag->gen. */
void keylog_traffic(struct keylog *kl, const struct keylog_tag *tag, const uint8_t *secret, size_t len);

#endif
