/*
 * cli.h - the command line: one function per command, and what they share.
 */
#ifndef CONCH_CLI_H
#define CONCH_CLI_H

#include <stdbool.h>

/* Exit codes (DESIGN.md). */
enum {
    EXIT_VALID = 0,    /* every check passed */
    EXIT_INVALID = 1,  /* a violation was found */
    EXIT_USAGE = 2,    /* usage error, unreadable input, unreachable store */
    EXIT_UNKNOWN = 3,  /* no violation found, but some check ended unknown */
};

/* Combine two exit codes: an error outranks a violation, which outranks an
 * unknown, which outranks a pass. */
int cli_worst(int a, int b);

/* "conch CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a number option; false (and an error printed) if s is not one. */
bool cli_double(const char *cmd, const char *opt, const char *s, double min, double *out);
bool cli_long(const char *cmd, const char *opt, const char *s, long min, long max, long *out);

int cmd_check(int argc, char **argv);

#endif
