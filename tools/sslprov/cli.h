/* The sslprov command-line tool: shared declarations. Every command is one row of the table
 * in main.c and one cmd_<name>.c file; commands use only the public API. */
#ifndef SSLPROV_CLI_H
#define SSLPROV_CLI_H

#include <stddef.h>
#include "sslprovider.h"

/* Exit statuses */
#define CLI_OK 0
#define CLI_FAIL 1  /* an API call failed */
#define CLI_USAGE 2 /* bad command line */

struct command {
    const char *name;
    const char *synopsis; /* what follows the command name in the usage line */
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

int cmd_suites(int argc, char **argv);
int cmd_derive(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* "sslprov: <message>" and the command's usage on stderr; returns CLI_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The command's usage line on stdout (for --help); returns CLI_OK. */
int cli_command_help(const char *command);
/* "sslprov: <what> failed: 0x%08x" on stderr; returns CLI_FAIL. */
int cli_api_error(const char *what, SECURITY_STATUS st);

/* "sslprov <command>: <message>" on stderr (the one-line failure of connect and serve);
 * returns CLI_FAIL. */
int cli_fail(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* --psk ID:HEX (as openssl's -psk_identity ID -psk HEX): the identity (1..id_cap - 1 bytes,
 * NUL-terminated) and the key (1..key_cap bytes); CLI_OK, or CLI_USAGE after saying why. */
int cli_parse_psk(const char *command, const char *arg, char *identity, size_t id_cap,
                  unsigned char *key, size_t key_cap, size_t *key_len);
/* The index of v in the NULL-terminated list names, or -1 (an option's value by name). */
int cli_choice(const char *v, const char *const *names);
/* An engine trace line on stderr (--msg). */
void cli_trace_line(void *arg, const char *line);

/* A UTF-16 field of at most cap units as ASCII ('?' for anything else), NUL-terminated. */
void cli_ascii(char *dst, size_t dst_len, const WCHAR *src, size_t cap);

#endif
