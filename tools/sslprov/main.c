/* sslprov — command-line front end of the library. A command is one row of `commands` plus
 * one cmd_<name>.c file. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

#ifndef SSLPROV_VERSION
#define SSLPROV_VERSION "unknown"
#endif


static const struct command commands[] = {
    {"suites", "[--all] [--protocol ssl2|ssl3|tls1.0|tls1.1|tls1.2|tls1.3|dtls1.0|dtls1.2]",
     "list cipher suites (default: the provider's enumeration; --all: every known suite)",
     cmd_suites},
    {"derive",
     "--protocol ssl3|tls1.0|tls1.1|tls1.2|dtls1.0|dtls1.2 --suite ID|NAME\n"
     "           (--master HEX | --pre-master HEX [--session-hash HEX])\n"
     "           --client-random HEX --server-random HEX [--json]",
     "master secret and session keys of a TLS <= 1.2 connection (through the public API)",
     cmd_derive},
    {"connect",
     "HOST:PORT [--tls1.2|--tls1.3] [--suite LIST] [--group LIST] [--sni NAME]\n"
     "           [--alpn LIST] [--cafile FILE | --insecure] [--cert FILE --key FILE|URI]\n"
     "           [--keylog FILE] [--resume] [--psk ID:HEX] [--psk-modes dhe|both|ke]\n"
     "           [--no-ticket] [--no-ems] [--key-update] [--msg|-v] [--timeout SEC]\n"
     "           [--idle MS] [--quiet]",
     "a TLS 1.3/1.2 client on the reference engine: every secret behind the provider's\n"
     "           handles; stdin to the server, the server to stdout",
     cmd_connect},
    {"serve",
     "--cert FILE --key FILE|URI [--cert2 FILE --key2 FILE|URI] [--host H] [--port N]\n"
     "           [--tls1.2|--tls1.3] [--suites LIST] [--groups LIST] [--alpn LIST]\n"
     "           [--verify-client CAFILE] [--psk ID:HEX] [--psk-ke allow|prefer|never]\n"
     "           [--keylog FILE] [--www | --echo] [--max-connections N] [--timeout SEC]\n"
     "           [--msg|-v] [--quiet]",
     "a TLS 1.3/1.2 server on the reference engine: the key only through SslOpenPrivateKey\n"
     "           and SslSignHash; prints ACCEPT HOST:PORT once listening",
     cmd_serve},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: sslprov [--help | --version] <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-8s %s\n           %s\n", commands[i].name, commands[i].synopsis,
                commands[i].summary);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    const struct command *cmd = command != NULL ? command_find(command) : NULL;
    va_list ap;

    fputs("sslprov: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (cmd != NULL)
        fprintf(stderr, "usage: sslprov %s %s\n", cmd->name, cmd->synopsis);
    else
        usage(stderr);
    return CLI_USAGE;
}

int cli_command_help(const char *command)
{
    const struct command *cmd = command_find(command);

    if (cmd != NULL)
        printf("usage: sslprov %s %s\n%s\n", cmd->name, cmd->synopsis, cmd->summary);
    return CLI_OK;
}

int cli_api_error(const char *what, SECURITY_STATUS st)
{
    fprintf(stderr, "sslprov: %s failed: 0x%08x\n", what, (unsigned)st);
    return CLI_FAIL;
}

int cli_fail(const char *command, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "sslprov %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

int cli_choice(const char *v, const char *const *names)
{
    for (int i = 0; names[i] != NULL; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return -1;
}

int cli_parse_psk(const char *command, const char *arg, char *identity, size_t id_cap,
                  unsigned char *key, size_t key_cap, size_t *key_len)
{
    /* the last colon: an identity may hold colons, hex does not */
    const char *colon = strrchr(arg, ':');
    size_t id_len = colon != NULL ? (size_t)(colon - arg) : 0;
    size_t hex_len = colon != NULL ? strlen(colon + 1) : 0;

    if (id_len == 0 || id_len >= id_cap || hex_len == 0 || hex_len % 2 != 0 || hex_len / 2 > key_cap)
        return cli_usage_error(command, "--psk ID:HEX (an identity of 1 to %zu bytes, 1 to %zu "
                               "bytes of hex)", id_cap - 1, key_cap);
    for (size_t k = 0; k < hex_len / 2; k++) {
        unsigned v;

        if (!isxdigit((unsigned char)colon[1 + 2 * k]) || !isxdigit((unsigned char)colon[2 + 2 * k]) ||
            sscanf(colon + 1 + 2 * k, "%2x", &v) != 1)
            return cli_usage_error(command, "--psk: not hex");
        key[k] = (unsigned char)v;
    }
    memcpy(identity, arg, id_len);
    identity[id_len] = '\0';
    *key_len = hex_len / 2;
    return CLI_OK;
}

void cli_trace_line(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "%s\n", line);
}

void cli_ascii(char *dst, size_t dst_len, const WCHAR *src, size_t cap)
{
    size_t i = 0;

    if (dst_len == 0)
        return;
    for (; i < cap && i + 1 < dst_len && src[i] != 0; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7F ? (char)src[i] : '?';
    dst[i] = '\0';
}

/* The library version and the name the provider reports through the router. */
static int version(void)
{
    NCryptProviderName *list = NULL;
    DWORD count = 0;
    SECURITY_STATUS st;

    printf("sslprov %s\n", SSLPROV_VERSION);
    if ((st = SslEnumProtocolProviders(&count, &list, 0)) != SEC_E_OK)
        return cli_api_error("SslEnumProtocolProviders", st);
    for (DWORD i = 0; i < count; i++) {
        char name[256];

        cli_ascii(name, sizeof name, list[i].pszName, sizeof name);
        printf("provider: %s\n", name);
    }
    SslFreeBuffer(list);
    return CLI_OK;
}

int main(int argc, char **argv)
{
    const struct command *cmd;

    if (argc < 2)
        return cli_usage_error(NULL, "missing command");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return version();
    if (argv[1][0] == '-')
        return cli_usage_error(NULL, "unknown option '%s'", argv[1]);
    if ((cmd = command_find(argv[1])) == NULL)
        return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
    return cmd->run(argc - 1, argv + 1);
}
