/*
 * cli.c - conch's own options and the list of its commands, and the
 * helpers the commands share (errors, numbers, choices, colour).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "doc.h"

typedef struct conch_args {
    bool version;
    bool completion;
} conch_args;

#define AT(f, T) OPT_AT(conch_args, f, T)
static const opt_spec conch_opts[] = {
    {.name = "help", .letter = 'h', .kind = OPT_HELP,
     .help = "print the usage, the commands and these options"},
    {.name = "version", .letter = 'V', .kind = OPT_FLAG, .off = AT(version, bool),
     .help = "print conch's version"},
    {.name = "man", .kind = OPT_MAN,
     .help = "print conch(1), the manual page, in roff (to read it: conch --man | man -l "
             "-); each command has its own (conch check --man)"},
    {.name = "bash-completion", .kind = OPT_FLAG, .off = AT(completion, bool),
     .help = "print a bash completion script for conch (the install puts it where bash "
             "finds it; or: source <(conch --bash-completion))"},
    {0},
};
#undef AT

static const opt_cmd *const commands[] = {
    &cli_cmd_check, &cli_cmd_serve, &cli_cmd_run, &cli_cmd_demo, &cli_cmd_gen,
    &cli_cmd_split, &cli_cmd_merge, &cli_cmd_proxy, NULL,
};

const opt_cmd cli_conch = {
    .summary = "a consistency checker, in the spirit of Jepsen",
    .synopsis = "COMMAND [options] [args]\n-h | -V | --man | --bash-completion",
    .about =
        "conch checks histories of operations on a store for consistency violations, in "
        "the spirit of Jepsen: linearizability, the session guarantees "
        "(read-your-writes, monotonic reads, monotonic writes, writes-follow-reads) and "
        "the anomalies of transactions (Elle's list-append and rw-register). It "
        "drives a store over HTTP and records what happened (conch run), checks "
        "histories recorded by it or by Jepsen, Knossos, Porcupine and elle-cli (conch "
        "check), and ships a replicated store whose consistency is chosen at start, to "
        "try it on (conch serve).",
    .opts = conch_opts,
    .notes = "'conch COMMAND --help' (or 'conch help COMMAND') tells more.",
    .exit_status = "Exit codes: 0 every check passed, 1 a violation was found, 2 usage error, "
                   "unreadable input or unreachable store, 3 no violation found but some "
                   "check ended unknown (a time or memory limit).",
    .environment =
        "NO_COLOR\n"
        "  set to anything but the empty string: no colour, even on a terminal "
        "(no-color.org)\n\n"
        "CONCH_HEADER\n"
        "  conch run: request headers, one 'Name: value' a line, as --header gives them\n\n"
        "CONCH_ADMIN_TOKEN\n"
        "  conch serve: the admin endpoints' bearer token, as --admin-token gives it",
    .examples = "  conch demo\n"
                "  conch check --model cas-register history.edn\n"
                "  conch serve --consistency eventual &\n"
                "  conch run --time 10 http://127.0.0.1:7001 http://127.0.0.1:7002",
    .commands = commands,
};

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        opt_help(stderr, &cli_conch);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (name[0] != '-') {
        if (!strcmp(name, "version")) {
            printf("conch %s\n", cli_version());
            return EXIT_VALID;
        }
        bool help = !strcmp(name, "help");
        if (help && argc < 3) {
            opt_help(stdout, &cli_conch);
            return EXIT_VALID;
        }
        if (help)
            name = argv[2];
        for (size_t i = 0; commands[i]; i++) {
            if (strcmp(name, commands[i]->name))
                continue;
            if (help)
                opt_help(stdout, commands[i]);
            return help ? EXIT_VALID : commands[i]->run(argc - 1, argv + 1);
        }
        cli_error(NULL, "unknown command '%s' (see conch --help)", name);
        return EXIT_USAGE;
    }
    conch_args a = {0};
    size_t n;
    opt_rc rc = opt_parse(&cli_conch, argc, argv, &a, &n);
    if (rc != OPT_OK)
        return opt_exit(rc);
    if (a.version)
        printf("conch %s\n", cli_version());
    else if (a.completion)
        doc_bash_completion(stdout, &cli_conch);
    else {
        opt_help(stderr, &cli_conch); /* "conch --": nothing asked */
        return EXIT_USAGE;
    }
    return EXIT_VALID;
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
    fprintf(stderr, "conch%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool cli_double(const char *cmd, const char *opt, const char *s, double min, double max,
                double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(d) || d < min || (max > 0 && d > max)) {
        if (max > 0)
            cli_error(cmd, "%s expects a number from %g to %g, got '%s'", opt, min, max, s);
        else
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

bool cli_color(int fd)
{
    const char *no = getenv("NO_COLOR");
    return isatty(fd) && !(no && *no);
}
