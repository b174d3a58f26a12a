/*
 * check.c - conch check: read histories, check them, report, exit with
 * the verdict.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../checker/check.h"
#include "../util/clock.h"
#include "../histories/read.h"
#include "../histories/shard.h"
#include "../report/report.h"
#include "../report/report_html.h"
#include "../report/report_json.h"
#include "../report/report_junit.h"
#include "../report/report_progress.h"
#include "../report/report_text.h"
#include "../util/mem.h"
#include "cli.h"

/* What the command line says, as the table reads it; check_config_from
 * turns it into the checker's options. */
/* --model names a model of single objects, or a kind of transactions. */
typedef struct check_model {
    const model_type *model;
    txn_workload txn; /* MODEL_TXN_AUTO: not given */
    jw_kind jw;       /* MODEL_JW_NONE: not given */
} check_model;

/* --shard I/N (count 0: none). */
typedef struct shard_arg {
    long index, count;
} shard_arg;

typedef struct check_args {
    check_model model;
    int cm;           /* --consistency-model: txn_cm, or -1 */
    unsigned assume;  /* TXN_ORDER_* bits */
    const char *init;
    const char *total;  /* --total-amount, as given */
    int negative;       /* index in allow_forbid[] */
    int stale;          /* index in allow_forbid[] */
    int nil;          /* index in nils[] */
    int from;         /* index in froms[]; -1: detect */
    int independent;  /* index in independents[], hist_independent's order */
    long jobs;        /* 0: one per core */
    double timeout;
    long max_memory;  /* MB; 0: half the machine's */
    bool all_parts;
    bool search;
    unsigned checks;
    int order;        /* index in orders[]; -1: by the history */
    int format;       /* index in formats[] */
    shard_arg shard;
    const char *results;
    const char *html; /* --html FILE */
    bool progress;
    double minimize;  /* --minimize-time */
    int verbose;      /* -v given this many times */
} check_args;

static const char *const nils[] = {"absent", "unknown", NULL};
static const char *const froms[] = {"jsonl", "edn", "jepsen-log", NULL};
static const char *const independents[] = {"auto", "no", "yes", NULL};
static const char *const orders[] = {"store", "inferred", "realtime", NULL};
static const char *const formats[] = {"text", "json", "junit", NULL};
static const char *const check_names[] = {"lin", "ryw", "mr", "mw", "wfr", NULL};
static const char *const assumptions[] = {"sequential-keys", "linearizable-keys", NULL};
static const char *const allow_forbid[] = {"allow", "forbid", NULL};

/* What --model takes, from models/ and the txn checker: for completion. */
static const char *const *model_names(void)
{
    static const char *names[64];
    if (!names[0]) {
        size_t n = 0;
        for (; model_types[n] && n + 6 < 64; n++)
            names[n] = model_types[n]->name;
        names[n++] = model_txn_workload_name(MODEL_TXN_LIST_APPEND);
        names[n++] = model_txn_workload_name(MODEL_TXN_RW_REGISTER);
        for (int k = MODEL_JW_BANK; k <= MODEL_JW_SET_FULL; k++)
            names[n++] = model_jw_name((jw_kind)k);
    }
    return names;
}

/* The consistency models of transactions, for completion. */
static const char *const *cm_names(void)
{
    static const char *names[TCM_COUNT + 1];
    if (!names[0])
        for (int m = 0; m < TCM_COUNT; m++)
            names[m] = txn_cm_name((txn_cm)m);
    return names;
}

static bool parse_model(const char *cmd, const char *opt, const char *value, void *field)
{
    (void)opt;
    check_model *m = field;
    int txn = model_txn_workload_parse(value);
    if (txn >= 0) {
        *m = (check_model){NULL, (txn_workload)txn, MODEL_JW_NONE};
        return true;
    }
    jw_kind jw = model_jw_parse(value);
    if (jw != MODEL_JW_NONE) {
        *m = (check_model){NULL, MODEL_TXN_AUTO, jw};
        return true;
    }
    const model_type *t = model_find(value);
    if (!t) {
        sbuf b = {0};
        for (const char *const *n = model_names(); *n; n++)
            sbuf_printf(&b, "%s%s", n == model_names() ? "" : ", ", *n);
        cli_error(cmd, "unknown model '%s' (models: %s)", value, sbuf_str(&b));
        sbuf_free(&b);
        return false;
    }
    *m = (check_model){t, MODEL_TXN_AUTO, MODEL_JW_NONE};
    return true;
}

static bool parse_cm(const char *cmd, const char *opt, const char *value, void *field)
{
    int m = txn_cm_parse(value);
    if (m < 0) {
        cli_error(cmd, "%s: unknown model '%s' (models: %s)", opt, value, txn_cm_names());
        return false;
    }
    *(int *)field = m;
    return true;
}

/* Given twice, both assumptions hold. */
static bool parse_assume(const char *cmd, const char *opt, const char *value, void *field)
{
    int k = cli_choice(cmd, opt, value, assumptions);
    if (k < 0)
        return false;
    *(unsigned *)field |= k ? TXN_ORDER_REALTIME : TXN_ORDER_PROCESS;
    return true;
}

/* --shard I/N: 0 <= I < N. */
static bool parse_shard(const char *cmd, const char *opt, const char *value, void *field)
{
    shard_arg *s = field;
    char *end;
    errno = 0;
    long i = strtol(value, &end, 10), n = 0;
    bool ok = end != value && *end == '/' && !errno;
    if (ok) {
        const char *d = end + 1;
        n = strtol(d, &end, 10);
        ok = end != d && !*end && !errno && n >= 1 && n <= 100000 && i >= 0 && i < n;
    }
    if (!ok) {
        cli_error(cmd, "%s: expected I/N, shard I (from 0) of N (at most 100000), e.g. 0/4; "
                       "got '%s'", opt, value);
        return false;
    }
    *s = (shard_arg){i, n};
    return true;
}

/* --help-models: what each consistency model forbids. */
static void help_models(void)
{
    for (int m = 0; m < TCM_COUNT; m++) {
        uint64_t bad = txn_cm_forbids((txn_cm)m);
        printf("%s forbids:", txn_cm_name((txn_cm)m));
        for (int a = 0; a < TA_COUNT; a++)
            if (bad >> a & 1)
                printf(" %s", txn_anomaly_name((txn_anomaly)a));
        printf("\n");
    }
}

/* The value must read as JSON; the checker reads it again per model. */
static bool parse_init(const char *cmd, const char *opt, const char *value, void *field)
{
    vtab *vt = vtab_new();
    val v;
    sbuf why = {0};
    int bad = hist_val_from_json(vt, value, &v, &why);
    vtab_free(vt);
    if (bad)
        cli_error(cmd, "%s: %s", opt, sbuf_str(&why));
    else
        *(const char **)field = value;
    sbuf_free(&why);
    return !bad;
}

/* -v counts: -vv says more than -v. */
bool cli_count(const char *cmd, const char *opt, const char *value, void *field)
{
    (void)cmd;
    (void)opt;
    (void)value;
    (*(int *)field)++;
    return true;
}

/* An integer, kept as given: check_config_from reads it again. */
static bool parse_total(const char *cmd, const char *opt, const char *value, void *field)
{
    char *end;
    errno = 0;
    (void)strtoll(value, &end, 10);
    if (errno || end == value || *end) {
        cli_error(cmd, "%s: expected an integer, got '%s'", opt, value);
        return false;
    }
    *(const char **)field = value;
    return true;
}

/* "lin,ryw,mr" -> CHECK_LIN | 1 << SG_RYW | 1 << SG_MR */
static bool parse_checks(const char *cmd, const char *opt, const char *s, void *field)
{
    static const unsigned bits[] = {CHECK_LIN, 1u << SG_RYW, 1u << SG_MR, 1u << SG_MW,
                                    1u << SG_WFR};
    unsigned m = 0;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, ",");
        size_t k = 0;
        while (check_names[k] && !(strlen(check_names[k]) == n && !strncmp(p, check_names[k], n)))
            k++;
        if (!check_names[k]) {
            cli_error(cmd, "%s: unknown check '%.*s' (checks: lin, ryw, mr, mw, wfr)", opt,
                      (int)n, p);
            return false;
        }
        m |= bits[k];
        p += n + (p[n] == ',');
    }
    if (!m) {
        cli_error(cmd, "%s: name at least one of lin, ryw, mr, mw, wfr", opt);
        return false;
    }
    *(unsigned *)field = m;
    return true;
}

#define AT(f, T) OPT_AT(check_args, f, T)
static const opt_spec check_opts_table[] = {
    {.name = "model", .arg = "NAME", .kind = OPT_STR, .off = AT(model, check_model),
     .parse = parse_model, .list_choices = model_names,
     .help = "register, cas-register, kv, multi-register, set, counter, fifo-queue, "
             "unordered-queue, mutex; or list-append, rw-register: transactions, checked for "
             "anomalies; or Jepsen's bank, long-fork, set-full (default: inferred from the "
             "ops, and said; txns of appends are list-append, of reads and writes "
             "multi-register unless --consistency-model is given; a transfer, or reads of "
             "maps of integers and no writes, are bank; reads and writes of micro-ops "
             "long-fork; add and read are a set: set-full is only named)"},
    {.name = "consistency-model", .arg = "NAME", .kind = OPT_STR, .off = AT(cm, int),
     .parse = parse_cm, .list_choices = cm_names,
     .help = "for transactions: the model whose anomalies are violations, e.g. "
             "serializable, snapshot-isolation, repeatable-read, read-committed (default: "
             "strict-serializable; --help-models lists them)"},
    {.name = "help-models", .kind = OPT_ACTION, .action = help_models,
     .help = "list the consistency models of transactions, and what each forbids"},
    {.name = "assume", .arg = "KEYS", .kind = OPT_STR, .off = AT(assume, unsigned),
     .parse = parse_assume, .choices = assumptions,
     .help = "for rw-register: sequential-keys or linearizable-keys: order each key's "
             "versions by process or real-time order (Elle's assumptions; anomalies found "
             "with them are named -process or -realtime); may be given twice"},
    {.name = "init", .arg = "JSON", .kind = OPT_STR, .off = AT(init, const char *),
     .parse = parse_init,
     .help = "the model's initial value (default: null). For kv and multi-register a map "
             "names each key's: --init '{\"x\":0,\"y\":0}' starts x and y at 0 and every "
             "other key at null (a name is a string key, or an integer key's digits); any "
             "other value is every key's. For a register a map is its value"},
    {.name = "total-amount", .arg = "N", .kind = OPT_STR, .off = AT(total, const char *),
     .parse = parse_total,
     .help = "for bank: the total every read's balances must sum to (default: the sum of "
             "--init's balances, else the first read's, as elle-cli takes it)"},
    {.name = "negative-balances", .arg = "WHAT", .kind = OPT_CHOICE, .off = AT(negative, int),
     .choices = allow_forbid, .def = "allow",
     .help = "for bank: allow or forbid: forbid makes a negative balance a violation, as "
             "Jepsen's bank test does; conch reports them either way, as a store may allow "
             "overdrafts"},
    {.name = "stale-reads", .arg = "WHAT", .kind = OPT_CHOICE, .off = AT(stale, int),
     .choices = allow_forbid, .def = "allow",
     .help = "for set-full: allow or forbid: forbid makes a stale read (an element missing "
             "from a read that began after it was known to be added) a violation (Jepsen's "
             ":linearizable? true); reported either way"},
    {.name = "nil-read", .arg = "MEANING", .kind = OPT_CHOICE, .off = AT(nil, int),
     .choices = nils, .def = "absent",
     .help = "absent: a nil read says the object has no value (Porcupine); unknown: a nil "
             "read says nothing (Knossos)"},
    {.name = "from", .arg = "FORMAT", .kind = OPT_CHOICE, .off = AT(from, int),
     .choices = froms, .help = "jsonl, edn or jepsen-log: the input format, instead of "
                               "detecting it from the first bytes"},
    {.name = "independent", .arg = "WHEN", .kind = OPT_CHOICE, .off = AT(independent, int),
     .choices = independents, .def = "auto",
     .help = "auto, yes or no: read values as Jepsen's independent [key value] pairs (auto: "
             "when every op has one)"},
    {.name = "jobs", .letter = 'j', .arg = "N", .kind = OPT_LONG, .off = AT(jobs, long),
     .min = 1, .max = 1024, .help = "threads for the search (default: one per core)"},
    {.name = "timeout", .arg = "SECONDS", .kind = OPT_DOUBLE, .off = AT(timeout, double),
     .help = "give up the checks after this long: what they did not finish is unknown. A "
             "history's parts (keys) share it: each gets its share of the time left, and "
             "one stopped by its share is searched again once the others are done"},
    {.name = "max-memory", .arg = "MB", .kind = OPT_LONG, .off = AT(max_memory, long),
     .min = 1, .max = 1L << 40,
     .help = "the most memory conch may hold (history included); a search that would need "
             "more is unknown; parts searched at once each get a share (default: half of "
             "this machine's); an input larger than this is an input error"},
    {.name = "all-parts", .kind = OPT_FLAG, .off = AT(all_parts, bool),
     .help = "search every part of a history, even once one part is invalid (by default "
             "the other parts stop, and are reported not searched, as the verdict is "
             "known)"},
    {.name = "minimize-time", .arg = "SECONDS", .kind = OPT_DOUBLE, .off = AT(minimize, double),
     .def = "3",
     .help = "shrink each invalid part to its smallest counterexample: a few ops that cannot "
             "be linearized, though they can with any one of them crashed; all parts within "
             "this long (0: not at all)"},
    {.name = "search", .kind = OPT_FLAG, .off = AT(search, bool),
     .help = "search every part, even where written values are unique (there, by default, "
             "parts are decided without search; the search explains with the longest "
             "linearizable prefix)"},
    {.name = "checks", .arg = "LIST", .kind = OPT_STR, .off = AT(checks, unsigned),
     .parse = parse_checks, .choices = check_names,
     .help = "lin, ryw, mr, mw, wfr, comma-separated (default: all that the history's ops "
             "allow)"},
    {.name = "version-order", .arg = "ORDER", .kind = OPT_CHOICE, .off = AT(order, int),
     .choices = orders,
     .help = "how the session checks order each key's versions: store (the ops' versions; "
             "the default when they carry one), inferred (from unique written values; the "
             "default otherwise) or realtime (inferred, plus: a write that completed "
             "before another began is older)"},
    {.name = "format", .arg = "FORMAT", .kind = OPT_CHOICE, .off = AT(format, int),
     .choices = formats, .def = "text",
     .help = "the report on standard output: text, json or junit (JUnit XML, a test case "
             "per check)"},
    {.name = "html", .arg = "FILE", .kind = OPT_FILE, .off = AT(html, const char *),
     .help = "also write the HTML report there: one self-contained file that opens in any "
             "browser, with a timeline per part (the counterexamples marked, the faults "
             "shaded) and latency and throughput over time"},
    {.name = "progress", .kind = OPT_FLAG, .off = AT(progress, bool),
     .help = "a progress line on standard error even when it is not a terminal (on a "
             "terminal it is always drawn)"},
    {.name = "verbose", .letter = 'v', .kind = OPT_FLAG, .off = AT(verbose, int),
     .parse = cli_count,
     .help = "every part, the first 20 violations in full, and search statistics; -vv: "
             "every violation in full"},
    {.name = "shard", .arg = "I/N", .kind = OPT_STR, .off = AT(shard, shard_arg),
     .parse = parse_shard,
     .help = "check only the keys that hash to shard I of N (I from 0 to N-1), as N checks "
             "on N machines do, each reading the whole history; conch merge combines their "
             "results files (--results). The model, if not named, is inferred from every "
             "op, as a whole check infers it. Not for transactions, which span keys"},
    {.name = "results", .arg = "FILE", .kind = OPT_FILE, .off = AT(results, const char *),
     .help = "also write the JSON report to FILE: the results file conch merge reads (with "
             "the history's fingerprint, and its shard)"},
    OPT_HELP_AND_MAN,
    {0},
};
#undef AT

const opt_cmd cli_cmd_check = {
    .name = "check",
    .summary = "check recorded histories: linearizability, session guarantees, transactions",
    .synopsis = "[options] FILE...",
    .about = "Check recorded histories (FILE '-' is standard input) for linearizability and "
             "session guarantees (read-your-writes, monotonic reads, monotonic writes, "
             "writes-follow-reads), or histories of transactions for the anomalies their "
             "consistency model forbids (Elle's list-append and rw-register), print a "
             "report, and exit with the verdict.\n\n"
             "Formats are detected: conch's JSON Lines, a JSON array of ops (elle-cli), "
             "Jepsen EDN (history.edn, Knossos and Porcupine files) and Jepsen log lines.",
    .opts = check_opts_table,
    .operand = "FILE",
    .operand_kind = OPT_FILE,
    .missing = "no history file given",
    .notes = "With several files the worst verdict wins: an error, then a violation, then "
             "unknown. Bad input is an error with its file, line and column.",
    .exit_status = "Exit: 0 every check passed, 1 a violation, 2 bad usage or input, 3 unknown "
                   "(a time or memory limit).",
    .environment = "NO_COLOR\n"
                   "  set to anything but the empty string: no colour in the report, even on "
                   "a terminal",
    .examples = "  conch check histories/examples/stale-read.jsonl\n"
                "  conch check --model cas-register --init 0 history.edn\n"
                "  conch check --checks ryw,mr --version-order inferred run.jsonl\n"
                "  conch check --format junit runs/*/history.jsonl > junit.xml",
    .run = cmd_check,
};

static size_t default_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return (size_t)4 << 30;
    return (size_t)pages * (size_t)size / 2;
}

static void check_config_from(const check_args *a, cli_check_config *cfg)
{
    cli_check_init(cfg);
    cfg->co.model = a->model.model;
    cfg->co.txn_workload = a->model.txn;
    if (a->cm >= 0) {
        cfg->co.txn_model = (txn_cm)a->cm;
        cfg->co.txn_model_given = true;
    }
    cfg->co.txn_assume = a->assume;
    cfg->co.jw.kind = a->model.jw;
    if (a->total) {
        cfg->co.jw.has_total = true;
        cfg->co.jw.total = strtoll(a->total, NULL, 10);
    }
    cfg->co.jw.forbid_negative = a->negative == 1;
    cfg->co.jw.forbid_stale = a->stale == 1;
    cfg->co.init_json = a->init;
    cfg->co.nil = a->nil ? NIL_UNKNOWN : NIL_ABSENT;
    if (a->from >= 0)
        cfg->ro.format = (hist_format)hist_format_parse(froms[a->from]);
    cfg->ro.independent = (hist_independent)a->independent; /* in the enum's order */
    cfg->co.jobs = (int)a->jobs;
    cfg->co.timeout_s = a->timeout;
    if (a->max_memory) {
        cfg->co.max_memory = (size_t)a->max_memory << 20;
        cfg->ro.max_bytes = cfg->co.max_memory; /* the input may hold no more */
    }
    cfg->co.all_parts = a->all_parts;
    cfg->co.search_only = a->search;
    cfg->co.checks = a->checks;
    if (a->order >= 0)
        cfg->co.order = (sess_order)(SO_STORE + a->order); /* in the enum's order */
    cfg->co.minimize_s = a->minimize;
    cfg->json = a->format == 1;
    cfg->junit = a->format == 2;
    cfg->verbose = a->verbose;
    cfg->json_out = a->results;
    cfg->ro.shard_index = (uint32_t)a->shard.index;
    cfg->ro.shard_count = (uint32_t)a->shard.count;
    cfg->html_out = a->html;
    cfg->progress = a->progress;
}

int cmd_check(int argc, char **argv)
{
    check_args a = {.cm = -1, .from = -1, .order = -1, .minimize = CHECK_MINIMIZE_S};
    size_t n;
    opt_rc rc = opt_parse(&cli_cmd_check, argc, argv, &a, &n);
    if (rc != OPT_OK)
        return opt_exit(rc);
    if (a.shard.count && (a.model.txn != MODEL_TXN_AUTO || a.cm >= 0 ||
                       a.model.model == model_find("multi-register"))) {
        cli_error("check", "--shard: transactions span keys, so their checks cannot be "
                           "dealt out by key (check such a history whole)");
        return EXIT_USAGE;
    }
    if (a.shard.count && a.model.jw != MODEL_JW_NONE) {
        cli_error("check", "--shard: Jepsen's %s workload is checked over the whole history "
                           "(check it whole)",
                  model_jw_name(a.model.jw));
        return EXIT_USAGE;
    }
    cli_check_config cfg;
    check_config_from(&a, &cfg);
    return cli_check_paths(&cfg, argv + 1, n);
}

void cli_check_init(cli_check_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->co.max_memory = default_memory();
    cfg->co.minimize_s = CHECK_MINIMIZE_S;
    cfg->ro.max_bytes = cfg->co.max_memory;
}

static _Atomic int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, 1);
}

/* The histories of one conch check, read and checked. */
typedef struct batch {
    char **paths;
    size_t nfiles;
    history **hs;
    hist_format *fmts;
    char **errors;      /* per file: why it could not be read, or NULL */
    check_item *items;  /* one per history read */
    const model_type **models; /* per item: the model a shard is checked with, or NULL */
    double *read_s;     /* per item: the seconds its reading took, */
    double *read_cpu_s; /* and of them, on the CPU (others' jobs may take it) */
    size_t *item_of;    /* file -> its item */
    size_t nitems;
} batch;

static double now_s(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Read every file; those that cannot be read (or checked as the shards
 * they are) keep their error. Returns EXIT_USAGE if one could not be read,
 * else EXIT_VALID. rp (if not NULL) shows how far it got. */
static int batch_read(batch *b, const hist_read_opts *opts, const model_type *given,
                      bool verbose, report_progress *rp)
{
    hist_read_opts ro_ = *opts, *ro = &ro_;
    if (rp && !ro->hook) {
        ro->hook = report_progress_bytes;
        ro->hook_arg = rp;
        ro->events = report_progress_events(rp);
    }
    int exit_code = EXIT_VALID;
    b->hs = xcalloc(b->nfiles, sizeof *b->hs);
    b->fmts = xcalloc(b->nfiles, sizeof *b->fmts);
    b->errors = xcalloc(b->nfiles, sizeof *b->errors);
    b->items = xcalloc(b->nfiles, sizeof *b->items);
    b->models = xcalloc(b->nfiles, sizeof *b->models);
    b->read_s = xcalloc(b->nfiles, sizeof *b->read_s);
    b->read_cpu_s = xcalloc(b->nfiles, sizeof *b->read_cpu_s);
    b->item_of = xcalloc(b->nfiles, sizeof *b->item_of);
    for (size_t i = 0; i < b->nfiles; i++) {
        hist_error err = {0};
        double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
        struct stat st;
        bool sized = stat(b->paths[i], &st) == 0 && S_ISREG(st.st_mode);
        report_progress_file(rp, b->paths[i], sized ? (size_t)st.st_size : 0);
        if (hist_read_file(b->paths[i], ro, &b->hs[i], &b->fmts[i], &err)) {
            sbuf msg = {0};
            hist_error_format(&err, &msg);
            b->errors[i] = msg.p;
            exit_code = EXIT_USAGE;
            continue;
        }
        for (size_t w = 0; w < hist_nwarnings(b->hs[i]); w++)
            fprintf(stderr, "conch check: warning: %s\n", hist_warning(b->hs[i], w));
        sbuf why = {0};
        if (!cli_shard_model(b->hs[i], given, &b->models[b->nitems], &why)) {
            b->errors[i] = why.p;
            exit_code = EXIT_USAGE;
            continue;
        }
        b->read_s[b->nitems] = now_s(CLOCK_MONOTONIC) - t0;
        b->read_cpu_s[b->nitems] = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
        if (verbose)
            fprintf(stderr, "conch check: read %s in %.3f s (%.3f s of CPU): %zu ops held in "
                            "%.1f MB\n",
                    hist_name(b->hs[i]), b->read_s[b->nitems], b->read_cpu_s[b->nitems],
                    hist_nops(b->hs[i]), (double)hist_bytes(b->hs[i]) / 1e6);
        b->item_of[i] = b->nitems;
        b->items[b->nitems++].h = b->hs[i];
    }
    return exit_code;
}

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->nitems; i++)
        check_item_free(&b->items[i]);
    for (size_t i = 0; i < b->nfiles; i++) {
        hist_free(b->hs[i]);
        free(b->errors[i]);
    }
    free(b->hs);
    free(b->fmts);
    free(b->errors);
    free(b->items);
    free(b->models);
    free(b->read_s);
    free(b->read_cpu_s);
    free(b->item_of);
}

/* Check what was read, stopping early on SIGINT or SIGTERM. --max-memory
 * bounds the process: the checks get what the histories and the rest of
 * conch leave of it. */
static void batch_check(batch *b, check_opts co, report_progress *rp)
{
    if (co.max_memory) {
        size_t rss = mem_resident();
        if (rss >= co.max_memory) {
            fprintf(stderr, "conch check: warning: conch holds %zu MB already (the histories "
                            "read), past --max-memory %zu MB: nothing is left to search with\n",
                    rss >> 20, co.max_memory >> 20);
            co.max_memory = 1;
        } else {
            co.max_memory -= rss;
        }
    }
    co.stop = &stop_flag;
    check_progress *cp = rp ? progress_new() : NULL;
    co.progress = cp;
    report_progress_check(rp, cp, b->items, b->nitems);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    bool own = false; /* a shard with a model of its own: checked alone */
    for (size_t i = 0; i < b->nitems; i++)
        own |= b->models[i] != NULL;
    if (!own)
        check_run(b->items, b->nitems, &co);
    for (size_t i = 0; own && i < b->nitems; i++) {
        check_opts one = co;
        if (b->models[i])
            one.model = b->models[i];
        check_run(&b->items[i], 1, &one);
        if (b->models[i])
            b->items[i].inferred = true; /* from the whole history's ops */
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    report_progress_stop(rp); /* the line cleared before any report */
    progress_free(cp);
}

/* The HTML report of every file, to cfg->html_out; returns the exit code,
 * made worse if it cannot be written. */
static int batch_html(const batch *b, const cli_check_config *cfg, int exit_code)
{
    report_html_file *hf = xcalloc(b->nfiles ? b->nfiles : 1, sizeof *hf);
    for (size_t i = 0; i < b->nfiles; i++) {
        const check_item *it = b->errors[i] ? NULL : &b->items[b->item_of[i]];
        hf[i] = (report_html_file){b->paths[i], it && !it->rc ? it : NULL,
                                   b->errors[i] ? b->errors[i] : it ? sbuf_str(&it->why) : "",
                                   b->fmts[i]};
    }
    sbuf why = {0};
    int64_t t0 = clock_now_ns();
    size_t bytes = 0;
    if (report_html_write(cfg->html_out, hf, b->nfiles, &bytes, &why)) {
        cli_error("check", "%s", sbuf_str(&why));
        exit_code = cli_worst(exit_code, EXIT_USAGE);
    } else if (cfg->verbose) {
        fprintf(stderr, "conch check: %s: %.2f MB written in %.3f s\n", cfg->html_out,
                (double)bytes / 1e6, (double)(clock_now_ns() - t0) / 1e9);
    }
    sbuf_free(&why);
    free(hf);
    return exit_code;
}

/* A file that could not be read, or checked (why): said on stderr, and in
 * the reports on stdout. */
static void report_error(const cli_check_config *cfg, json_t *files, const char *name,
                         const char *why)
{
    fprintf(stderr, "conch check: %s\n", why);
    if (files)
        json_array_append_new(files, report_json_error(name, why));
    if (cfg->junit)
        report_junit_error(stdout, name, why);
}

static const char *const verdicts[] = {"valid", "invalid", "error", "unknown"};

/* The JSON report: to stdout with --format json, and to cfg->json_out.
 * Takes files over. Returns the exit code, made worse if it cannot be
 * written. */
static int report_json_all(const cli_check_config *cfg, json_t *files, int exit_code)
{
    json_t *out = json_object();
    json_object_set_new(out, "files", files);
    json_object_set_new(out, "verdict", json_string(verdicts[exit_code]));
    json_object_set_new(out, "exit", json_integer(exit_code));
    if (cfg->json) {
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    if (cfg->json_out && json_dump_file(out, cfg->json_out, JSON_INDENT(2))) {
        cli_error("check", "cannot write %s", cfg->json_out);
        exit_code = cli_worst(exit_code, EXIT_USAGE);
    }
    json_decref(out);
    return exit_code;
}

/* Report every file in the forms asked for; returns the exit code, from
 * exit_code (the reading's) and each verdict. */
static int batch_report(const batch *b, const cli_check_config *cfg, int exit_code)
{
    bool text = !cfg->json && !cfg->junit;
    report_opts rep = {cli_color(1), cfg->verbose, HIST_FMT_AUTO, cfg->json_out};
    json_t *files = cfg->json || cfg->json_out ? json_array() : NULL;
    if (cfg->junit)
        report_junit_open(stdout);
    for (size_t i = 0; i < b->nfiles; i++) {
        if (b->errors[i]) {
            report_error(cfg, files, b->paths[i], b->errors[i]);
            continue;
        }
        const check_item *it = &b->items[b->item_of[i]];
        rep.format = b->fmts[i];
        if (it->rc) {
            report_error(cfg, files, hist_name(it->h), sbuf_str(&it->why));
            exit_code = cli_worst(exit_code, EXIT_USAGE);
            continue;
        }
        int code = it->verdict == LIN_VALID ? EXIT_VALID
                   : it->verdict == LIN_INVALID ? EXIT_INVALID : EXIT_UNKNOWN;
        exit_code = cli_worst(exit_code, code);
        if (files) {
            json_t *fj = report_json(it, &rep);
            char hex[17];
            shard_fp_hex(hist_fingerprint(it->h), hex);
            json_object_set_new(fj, "fingerprint", json_string(hex));
            json_object_set_new(fj, "read_seconds", json_real(b->read_s[b->item_of[i]]));
            json_object_set_new(fj, "read_cpu_seconds", json_real(b->read_cpu_s[b->item_of[i]]));
            json_object_set_new(fj, "history_bytes", json_integer((json_int_t)hist_bytes(it->h)));
            json_t *sj = cli_shard_json(it->h);
            if (sj)
                json_object_set_new(fj, "shard", sj);
            json_array_append_new(files, fj);
        }
        if (cfg->junit)
            report_junit(stdout, it);
        if (text) {
            report_text(stdout, it, &rep);
            cli_shard_text(stdout, it->h);
        }
    }
    if (files)
        exit_code = report_json_all(cfg, files, exit_code);
    if (cfg->junit)
        report_junit_close(stdout);
    if (cfg->html_out)
        exit_code = batch_html(b, cfg, exit_code);
    if (text && b->nfiles > 1)
        printf("verdict: %s for %zu files (exit %d)\n", verdicts[exit_code], b->nfiles,
               exit_code);
    return exit_code;
}

int cli_check_paths(const cli_check_config *cfg, char **paths, size_t nfiles)
{
    batch b = {.paths = paths, .nfiles = nfiles};
    /* The progress line: on a terminal, or asked for. */
    bool tty = isatty(2);
    report_progress *rp = tty || cfg->progress ? report_progress_start(stderr, tty) : NULL;
    int exit_code = batch_read(&b, &cfg->ro, cfg->co.model, cfg->verbose, rp);
    batch_check(&b, cfg->co, rp);
    exit_code = batch_report(&b, cfg, exit_code);
    batch_free(&b);
    return exit_code;
}
