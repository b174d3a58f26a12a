/*
 * cli.h - the command line: one function per command, each with its
 * option table (opt.h), and what the commands share.
 */
#ifndef CONCH_CLI_H
#define CONCH_CLI_H

#include <stdbool.h>

#include "opt.h"

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

/* "conch CMD: message" on stderr ("conch: message" when cmd is NULL). */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a number option; false (and an error printed) if s is not one.
 * max 0: no upper bound. */
bool cli_double(const char *cmd, const char *opt, const char *s, double min, double max,
                double *out);
bool cli_long(const char *cmd, const char *opt, const char *s, long min, long max, long *out);
/* Which of names (NULL-terminated) is s? Its index; or -1, and an error
 * printed: "OPT expects a, b or c, got 's'". */
int cli_choice(const char *cmd, const char *opt, const char *s, const char *const *names);
/* An opt_parse_fn for a flag that counts (-v, -vv): adds one to an int. */
bool cli_count(const char *cmd, const char *opt, const char *value, void *field);

/* Whether to colour what goes to fd: a terminal, and NO_COLOR not set to
 * a non-empty value (no-color.org). */
bool cli_color(int fd);

/* conch's version, as the build was given it (the Makefile). */
const char *cli_version(void);

/* conch: its own options (--help, --version, ...), or the command named
 * in argv[1]. Returns the exit code. */
int cli_main(int argc, char **argv);

/* conch itself (its options and commands), and each command. */
extern const opt_cmd cli_conch;
extern const opt_cmd cli_cmd_check, cli_cmd_serve, cli_cmd_run, cli_cmd_demo, cli_cmd_gen,
    cli_cmd_split, cli_cmd_merge, cli_cmd_proxy;

int cmd_check(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_proxy(int argc, char **argv);

/* What `conch check` does, for other commands to reuse (conch run checks
 * the history it recorded this way). */
#include "../checker/check.h"
#include "../histories/read.h"

typedef struct cli_check_config {
    check_opts co;
    hist_read_opts ro;
    bool json;            /* the JSON report on stdout instead of text */
    bool junit;           /* JUnit XML on stdout instead of text */
    int verbose;          /* -v given this many times */
    const char *json_out; /* also write the JSON report to this file */
    const char *html_out; /* and the HTML report to this one */
    bool progress;        /* a progress line even when stderr is not a terminal */
} cli_check_config;

/* A history that is one shard of a larger one (cli/shard.c): the model
 * to check it with, given (given) or as the whole history's ops say it is
 * (*chosen; NULL: the checker infers it as usual). false, with why, when
 * the history cannot be checked as a shard (transactions; --shard other
 * than the shard file says). */
bool cli_shard_model(const history *h, const model_type *given, const model_type **chosen,
                     sbuf *why);
/* What its results file says of the shard (NULL: not one), and its line in
 * the text report. */
struct json_t;
struct json_t *cli_shard_json(const history *h);
void cli_shard_text(FILE *f, const history *h);

/* Defaults of conch check (model inferred, nil reads absent, every core,
 * half the memory). */
void cli_check_init(cli_check_config *cfg);
/* Read, check and report the histories at paths; returns the exit code. */
int cli_check_paths(const cli_check_config *cfg, char **paths, size_t n);

/* The cluster described by file (NULL: none) and the --node specs; false
 * with the reason said (as cmd). c is freed with clu_free. */
#include "../nemesis/cluster.h"
bool cli_cluster(const char *cmd, const char *file, const opt_list *nodes, clu_desc *c);

#endif
