/*
 * gen.c - conch gen: write a synthetic history (for benchmarks and tests).
 */
#include <stdio.h>
#include <string.h>

#include "../histories/gen.h"
#include "cli.h"

typedef struct gen_args {
    long ops, sessions, keys, seed;
    bool versions, cas, append;
    double stale, crash;
    int format;
    const char *out;
} gen_args;

static const char *const formats[] = {"jsonl", "edn", "jepsen-log", NULL};

#define AT(f, T) OPT_AT(gen_args, f, T)
static const opt_spec gen_opts_table[] = {
    {.name = "ops", .arg = "N", .kind = OPT_LONG, .off = AT(ops, long), .min = 0,
     .max = 1L << 40, .def = "1000", .help = "operations"},
    {.name = "sessions", .arg = "N", .kind = OPT_LONG, .off = AT(sessions, long), .min = 1,
     .max = 100000, .def = "8", .help = "concurrent sessions"},
    {.name = "keys", .arg = "N", .kind = OPT_LONG, .off = AT(keys, long), .min = 1,
     .max = 100000000, .def = "1", .help = "keys"},
    {.name = "versions", .kind = OPT_FLAG, .off = AT(versions, bool),
     .help = "record the store's version with each ok op"},
    {.name = "cas", .kind = OPT_FLAG, .off = AT(cas, bool),
     .not_with = "append",
     .help = "include compare-and-set (a cas-register); without it, a register"},
    {.name = "append", .kind = OPT_FLAG, .off = AT(append, bool),
     .help = "append unique items to a list per key, and read the list (kv)"},
    {.name = "stale", .arg = "P", .kind = OPT_DOUBLE, .off = AT(stale, double), .dmin = 0,
     .dmax = 1, .def = "0", .help = "fraction of reads that return an older version"},
    {.name = "crash", .arg = "P", .kind = OPT_DOUBLE, .off = AT(crash, double), .dmin = 0,
     .dmax = 1, .def = "0", .help = "fraction of ops that complete as info"},
    {.name = "seed", .arg = "N", .kind = OPT_LONG, .off = AT(seed, long), .min = 0,
     .max = 1L << 62, .def = "1", .help = "random seed"},
    {.name = "format", .arg = "FORMAT", .kind = OPT_CHOICE, .off = AT(format, int),
     .choices = formats, .def = "jsonl",
     .help = "jsonl (conch's), edn (Jepsen's history.edn) or jepsen-log (Jepsen's log lines, "
             "a key's values as independent [key value] pairs): the other readers' benchmarks"},
    {.name = "out", .letter = 'o', .arg = "FILE", .kind = OPT_FILE, .off = AT(out, const char *),
     .help = "write there instead of standard output"},
    OPT_HELP_AND_MAN,
    {0},
};
#undef AT

const opt_cmd cli_cmd_gen = {
    .name = "gen",
    .summary = "write a synthetic history (for benchmarks and tests)",
    .synopsis = "[options]",
    .about = "Write a synthetic history in conch's JSON Lines: concurrent sessions drive a "
             "simulated store whose ops take effect at a random point inside their "
             "intervals, so without faults the history is linearizable. Every value "
             "written (or appended) is unique.",
    .opts = gen_opts_table,
    .exit_status = "Exit: 0 written, 2 bad usage or a failed write.",
    .examples = "  conch gen --ops 1000000 --sessions 64 --keys 1000 --cas --versions -o "
                "big.jsonl\n"
                "  conch gen --stale 0.01 | conch check -",
    .run = cmd_gen,
};

int cmd_gen(int argc, char **argv)
{
    gen_args a = {0};
    size_t n;
    opt_rc prc = opt_parse(&cli_cmd_gen, argc, argv, &a, &n);
    if (prc != OPT_OK)
        return opt_exit(prc);
    gen_opts o = {.ops = (uint64_t)a.ops, .sessions = (unsigned)a.sessions,
                  .keys = (unsigned)a.keys, .versions = a.versions, .cas = a.cas, .append = a.append,
                  .stale = a.stale, .crash = a.crash, .seed = (uint64_t)a.seed,
                  .format = a.format};
    FILE *f = a.out ? fopen(a.out, "w") : stdout;
    if (!f) {
        cli_error("gen", "cannot write %s", a.out);
        return EXIT_USAGE;
    }
    int rc = gen_history(&o, f);
    if (a.out && fclose(f))
        rc = -1;
    if (rc) {
        cli_error("gen", "write failed");
        return EXIT_USAGE;
    }
    return EXIT_VALID;
}
