#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "keylog.h"

/* label, two spaces, 32-byte random and up to a 64-byte secret in hex, newline */
#define KEYLOG_LINE_MAX (48 + 2 + 2 * KEYLOG_RANDOM_LEN + 2 * 64 + 1)

void keylog_open(struct keylog *kl)
{
    const char *path = secure_getenv("SSLKEYLOGFILE");

    kl->fd = -1;
    pthread_mutex_init(&kl->lock, NULL);
    if (path == NULL || *path == '\0')
        return;
    /* O_NOFOLLOW: a planted symlink must not redirect secrets; 0600: only the owner reads them */
    kl->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

void keylog_close(struct keylog *kl)
{
    if (kl->fd >= 0)
        close(kl->fd);
    kl->fd = -1;
    pthread_mutex_destroy(&kl->lock);
}

static size_t put_hex(char *out, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    return 2 * len;
}

/* The caller holds the lock. */
static void write_line(struct keylog *kl, const char *label, const uint8_t *random, const uint8_t *secret,
                       size_t secret_len)
{
    char line[KEYLOG_LINE_MAX];
    size_t n = strlen(label);

    if (n > 48 || secret_len > 64)
        return;
    memcpy(line, label, n);
    line[n++] = ' ';
    n += put_hex(line + n, random, KEYLOG_RANDOM_LEN);
    line[n++] = ' ';
    n += put_hex(line + n, secret, secret_len);
    line[n++] = '\n';
    /* one write per line: O_APPEND keeps lines of several processes whole. A failed or short
     * write loses the line, never the handshake. */
    while (write(kl->fd, line, n) < 0 && errno == EINTR)
        ;
    OPENSSL_cleanse(line, sizeof(line));
}

void keylog_line(struct keylog *kl, const char *label, const uint8_t random[KEYLOG_RANDOM_LEN],
                 const uint8_t *secret, size_t secret_len)
{
    if (!keylog_enabled(kl))
        return;
    pthread_mutex_lock(&kl->lock);
    write_line(kl, label, random, secret, secret_len);
    pthread_mutex_unlock(&kl->lock);
}

void keylog_client_random(struct keylog *kl, uint8_t last[KEYLOG_RANDOM_LEN], bool *logged,
                          const uint8_t random[KEYLOG_RANDOM_LEN], const uint8_t ms[48])
{
    if (!keylog_enabled(kl))
        return;
    pthread_mutex_lock(&kl->lock);
    if (!*logged || memcmp(last, random, KEYLOG_RANDOM_LEN) != 0) {
        write_line(kl, "CLIENT_RANDOM", random, ms, 48);
        memcpy(last, random, KEYLOG_RANDOM_LEN);
        *logged = true;
    }
    pthread_mutex_unlock(&kl->lock);
}

void keylog_traffic(struct keylog *kl, const struct keylog_tag *tag, const uint8_t *secret, size_t len)
{
    char label[48];

    if (!tag->on || tag->side == 0)
        return;
    snprintf(label, sizeof(label), "%s_TRAFFIC_SECRET_%u", tag->side == 'C' ? "CLIENT" : "SERVER",
             (unsigned)tag->gen);
    keylog_line(kl, label, tag->random, secret, len);
}
