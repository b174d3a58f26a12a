/*
 * gen.c - conch gen: write a synthetic history (for benchmarks and tests).
 */
#include <stdio.h>
#include <string.h>

#include "../histories/gen.h"
#include "../histories/gen_txn.h"
#include "cli.h"

typedef struct gen_args {
    long ops, sessions, keys, seed;
    bool versions, cas, append;
    double stale, crash;
    int workload;        /* index in workloads[] */
    long mops, per_key;  /* list-append */
    uint32_t plant;      /* list-append: 1 << GP_* */
    int format;          /* index in formats[] */
    const char *out;
} gen_args;

static const char *const formats[] = {"jsonl", "edn", "jepsen-log", NULL};

static const char *const workloads[] = {"register", "cas-register", "kv", "list-append", NULL};
enum { W_REGISTER, W_CAS_REGISTER, W_KV, W_LIST_APPEND };

static const char *const *plant_names(void)
{
    static const char *names[GP_COUNT + 2];
    if (!names[0]) {
        for (int p = 0; p < GP_COUNT; p++)
            names[p] = gen_txn_plant_name((gen_txn_plant)p);
        names[GP_COUNT] = "all";
    }
    return names;
}

static bool parse_plant(const char *cmd, const char *opt, const char *value, void *field)
{
    sbuf why = {0};
    bool ok = gen_txn_plant_parse(value, field, &why) == 0;
    if (!ok)
        cli_error(cmd, "%s: %s", opt, sbuf_str(&why));
    sbuf_free(&why);
    return ok;
}

/* --help-plants: how each anomaly is planted, and what the checker calls it. */
static void help_plants(void)
{
    for (int p = 0; p < GP_COUNT; p++)
        printf("%s (%s): %s\n", gen_txn_plant_name((gen_txn_plant)p),
               gen_txn_plant_anomaly((gen_txn_plant)p), gen_txn_plant_how((gen_txn_plant)p));
}

#define AT(f, T) OPT_AT(gen_args, f, T)
static const opt_spec gen_opts_table[] = {
    {.name = "ops", .arg = "N", .kind = OPT_LONG, .off = AT(ops, long), .min = 0,
     .max = 1L << 40, .def = "1000", .help = "operations"},
    {.name = "sessions", .arg = "N", .kind = OPT_LONG, .off = AT(sessions, long), .min = 1,
     .max = 100000, .def = "8", .help = "concurrent sessions"},
    {.name = "keys", .arg = "N", .kind = OPT_LONG, .off = AT(keys, long), .min = 1,
     .max = 100000000, .def = "1", .help = "keys"},
    {.name = "workload", .arg = "NAME", .kind = OPT_CHOICE, .off = AT(workload, int),
     .choices = workloads, .def = "register",
     .help = "register (read, write), cas-register (and cas: as --cas), kv (appends to lists "
             "and reads: as --append), or list-append: Elle's transactions of appends and "
             "reads (f txn), checked for isolation anomalies"},
    {.name = "mops", .arg = "N", .kind = OPT_LONG, .off = AT(mops, long), .min = 1, .max = 1000,
     .def = "4", .only_with = "workload=list-append",
     .help = "micro-ops per transaction, each an append or a read of one of the keys"},
    {.name = "appends-per-key", .arg = "N", .kind = OPT_LONG, .off = AT(per_key, long), .min = 1,
     .max = 1000000, .def = "32", .only_with = "workload=list-append",
     .help = "appends a key takes before a fresh key replaces it, so reads stay short "
             "(Jepsen's max-writes-per-key)"},
    {.name = "plant", .arg = "LIST", .kind = OPT_STR, .off = AT(plant, uint32_t),
     .parse = parse_plant, .list_choices = plant_names, .only_with = "workload=list-append",
     .help = "anomalies to plant, once each, comma-separated, or all: g0, g1a, g1b, g1c, "
             "g-single, g2-item, internal, duplicate, incompatible-order, garbage-read, "
             "future-read, stale. Each is the smallest history of its kind, on keys of its "
             "own, run by the sessions among the other txns, its reads scripted "
             "(--help-plants says each one's txns)"},
    {.name = "help-plants", .kind = OPT_ACTION, .action = help_plants,
     .help = "how each anomaly --plant names is made, and what conch check calls it"},
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
             "a key's values as independent [key value] pairs): the other readers' benchmarks; "
             "list-append: jsonl only"},
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
             "written (or appended) is unique.\n\n"
             "With --workload list-append, the ops are Elle's transactions (--ops of them, "
             "--mops micro-ops each), each applied whole at a random point inside its "
             "interval: without --crash or --plant the history is strict serializable. A "
             "planted anomaly is exactly that anomaly, so conch check must name it: its "
             "keys are its own, and its txns start one after another (or together, where "
             "the anomaly needs it), their reads returning what the anomaly needs.",
    .opts = gen_opts_table,
    .exit_status = "Exit: 0 written, 2 bad usage or a failed write.",
    .examples = "  conch gen --ops 1000000 --sessions 64 --keys 1000 --cas --versions -o "
                "big.jsonl\n"
                "  conch gen --workload list-append --ops 1000 --plant g0,stale | conch check -\n"
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
    bool txn = a.workload == W_LIST_APPEND;
    if ((a.cas && a.workload != W_REGISTER && a.workload != W_CAS_REGISTER) ||
        (a.append && a.workload != W_REGISTER && a.workload != W_KV) ||
        (txn && (a.versions || a.stale > 0))) {
        cli_error("gen", "--workload %s does not go with --%s", workloads[a.workload],
                  a.cas ? "cas" : a.append ? "append" : a.versions ? "versions" : "stale");
        return EXIT_USAGE;
    }
    if (txn && a.format != 0) {
        cli_error("gen", "--workload list-append writes conch's JSON Lines only, not --format %s",
                  formats[a.format]);
        return EXIT_USAGE;
    }
    gen_opts o = {.ops = (uint64_t)a.ops, .sessions = (unsigned)a.sessions,
                  .keys = (unsigned)a.keys, .versions = a.versions,
                  .cas = a.cas || a.workload == W_CAS_REGISTER,
                  .append = a.append || a.workload == W_KV,
                  .stale = a.stale, .crash = a.crash, .seed = (uint64_t)a.seed,
                  .format = a.format};
    gen_txn_opts to = {.txns = (uint64_t)a.ops, .sessions = (unsigned)a.sessions,
                       .keys = (unsigned)a.keys, .mops = (unsigned)a.mops,
                       .appends_per_key = (unsigned)a.per_key, .crash = a.crash,
                       .seed = (uint64_t)a.seed, .plant = a.plant};
    FILE *f = a.out ? fopen(a.out, "w") : stdout;
    if (!f) {
        cli_error("gen", "cannot write %s", a.out);
        return EXIT_USAGE;
    }
    int rc = txn ? gen_txn_history(&to, f) : gen_history(&o, f);
    if (a.out && fclose(f))
        rc = -1;
    if (rc) {
        cli_error("gen", "write failed");
        return EXIT_USAGE;
    }
    return EXIT_VALID;
}
