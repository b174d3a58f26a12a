/*
 * main.c - conch's entry point: picks the command.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CONCH_VERSION "0.1.0"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"check", cmd_check, "check recorded histories for linearizability"},
    {"serve", cmd_serve, "run the built-in replicated store"},
    {"run", cmd_run, "drive a store over HTTP, record a history, check it"},
    {"demo", cmd_demo, "serve, run and check, against a right store and a wrong one"},
    {"gen", cmd_gen, "write a synthetic history (for benchmarks and tests)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: conch COMMAND [options] [args]\n\n"
               "conch checks histories of operations on a store for consistency\n"
               "violations, in the spirit of Jepsen.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'conch COMMAND --help' tells more. Exit codes: 0 every check passed,\n"
               "1 a violation was found, 2 usage error or unreadable input,\n"
               "3 no violation found but some check ended unknown.\n");
}

int cli_worst(int a, int b)
{
    static const int rank[] = {0, 2, 3, 1}; /* by exit code: 0, 1, 2, 3 */
    if (a < 0 || a > 3)
        return a;
    if (b < 0 || b > 3)
        return b;
    return rank[a] >= rank[b] ? a : b;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "conch %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool cli_double(const char *cmd, const char *opt, const char *s, double min, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(d) || d < min) {
        cli_error(cmd, "%s expects a number of at least %g, got '%s'", opt, min, s);
        return false;
    }
    *out = d;
    return true;
}

bool cli_long(const char *cmd, const char *opt, const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (!*s || *end || errno || x < min || x > max) {
        cli_error(cmd, "%s expects a whole number from %ld to %ld, got '%s'", opt, min, max, s);
        return false;
    }
    *out = x;
    return true;
}

int cli_choice(const char *cmd, const char *opt, const char *s, const char *const *names)
{
    size_t n = 0;
    for (; names[n]; n++)
        if (!strcmp(s, names[n]))
            return (int)n;
    char list[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
    cli_error(cmd, "%s expects %s, got '%s'", opt, list, s);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("conch %s\n", CONCH_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(cmd, commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "conch: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
