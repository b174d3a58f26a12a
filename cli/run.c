/*
 * run.c - conch run: drive a store over HTTP with concurrent clients,
 * record the history, check it, exit with the verdict.
 *
 * This file wires the layers: clients/ records (runner_run), then
 * cli_check_paths checks the file as `conch check` would, with the model the
 * workload implies, and writes results.json and report.html beside the
 * history. The
 * history is kept whatever happens, so a run can be checked again later.
 *
 * Header values (--header, CONCH_HEADER) are credentials: they go to
 * libcurl and nowhere else; messages about them never quote them.
 */
#include <errno.h>
#include <limits.h>
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../clients/runner.h"
#include "../clients/spec.h"
#include "../util/mem.h"
#include "cli.h"
#include "run_nemesis.h"

static _Atomic int stop_level;

static void on_signal(int sig)
{
    (void)sig;
    int s = atomic_load(&stop_level);
    if (s < 2)
        atomic_store(&stop_level, s + 1);
}

typedef struct progress_state {
    bool tty;
    bool printed;
    double last_s;
    uint64_t last_done;
} progress_state;

/* Rates count what the store answered (ok, fail, info); refused attempts
 * reached no store, and are counted apart. */
static void progress(void *ctx, const runner_stats *s)
{
    progress_state *p = ctx;
    uint64_t done = s->ok + s->fail + s->info;
    double dt = s->elapsed_s - p->last_s;
    double rate = dt > 0 ? (double)(done - p->last_done) / dt : 0;
    p->last_s = s->elapsed_s;
    p->last_done = done;
    char head[64];
    if (s->total_ops)
        snprintf(head, sizeof head, "%.1f s, %llu/%llu ops", s->elapsed_s,
                 (unsigned long long)s->invoked, (unsigned long long)s->total_ops);
    else
        snprintf(head, sizeof head, "%.1f/%g s, %llu ops", s->elapsed_s, s->total_s,
                 (unsigned long long)s->invoked);
    char refused[48] = "";
    if (s->refused)
        snprintf(refused, sizeof refused, "  refused %llu", (unsigned long long)s->refused);
    fprintf(stderr, "%s  %s  %.0f ops/s  ok %llu  fail %llu  info %llu%s%s%s",
            p->tty ? "\r\033[K" : "", head, rate, (unsigned long long)s->ok,
            (unsigned long long)s->fail, (unsigned long long)s->info, refused,
            s->stopping ? "  (stopping)" : "", p->tty ? "" : "\n");
    p->printed = true;
}

/* Create dir and its parents (mode 0755); 0 or -1 with errno. */
static int mkdirs(const char *dir)
{
    char *p = xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            rc = -1;
        *s = '/';
        if (rc)
            break;
    }
    if (!rc && mkdir(p, 0755) < 0 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc;
}

/* runs/<local time>, or with -2, -3, ... when taken; the caller frees. */
static char *new_run_dir(void)
{
    time_t t = time(NULL);
    struct tm tm;
    char stamp[32];
    localtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    if (mkdir("runs", 0755) < 0 && errno != EEXIST)
        return NULL;
    sbuf d = {0};
    for (int i = 1; i < 1000; i++) {
        sbuf_reset(&d);
        sbuf_printf(&d, "runs/%s", stamp);
        if (i > 1)
            sbuf_printf(&d, "-%d", i);
        if (mkdir(d.p, 0755) == 0)
            return d.p;
        if (errno != EEXIST)
            break;
    }
    sbuf_free(&d);
    return NULL;
}

static void base36(uint64_t x, sbuf *out)
{
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[x % 36];
        x /= 36;
    } while (x && n < (int)sizeof tmp);
    while (n)
        sbuf_addc(out, tmp[--n]);
}

/* The run's own counts, as results.json gives them ("run"): what the
 * store answered, and apart from it, what was refused. New reference. */
static json_t *run_stats_json(const runner_stats *st)
{
    uint64_t done = st->ok + st->fail + st->info;
    return json_pack("{s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "seconds", st->elapsed_s,
                     "invoked", (json_int_t)st->invoked, "ok", (json_int_t)st->ok, "fail",
                     (json_int_t)st->fail, "info", (json_int_t)st->info, "refused",
                     (json_int_t)st->refused, "abandoned", (json_int_t)st->abandoned,
                     "answered_per_second", st->elapsed_s > 0 ? (double)done / st->elapsed_s : 0.0);
}

/* Add "run" (and "nemesis", if nem: taken over) to the report
 * check_paths wrote into path. */
static void add_run_stats(const char *path, const runner_stats *st, json_t *nem)
{
    json_t *j = json_load_file(path, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        json_decref(nem);
        return; /* check_paths said why it could not write it */
    }
    json_object_set_new(j, "run", run_stats_json(st));
    if (nem)
        json_object_set_new(j, "nemesis", nem);
    if (json_dump_file(j, path, JSON_INDENT(2)))
        cli_error("run", "cannot write %s", path);
    json_decref(j);
}

/* results.json (and, with --format json, standard output) for a run in
 * which nothing succeeded: not checked, and why. */
static void write_unchecked(const char *path, bool to_stdout, const runner_stats *st,
                            json_t *nem)
{
    json_t *j = json_pack("{s:b, s:s, s:o}", "checked", 0, "why",
                          "no operation succeeded: nothing was checked", "run",
                          run_stats_json(st));
    if (nem)
        json_object_set_new(j, "nemesis", nem);
    if (json_dump_file(j, path, JSON_INDENT(2)))
        cli_error("run", "cannot write %s", path);
    if (to_stdout) {
        json_dumpf(j, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(j);
}

typedef struct run_args {
    int store;           /* index in stores[] */
    const char *store_spec;
    bool dry_run;
    long value_size;     /* 0: integers */
    long clients;
    double time_s;       /* 0: by --ops, or 10 s */
    long ops;            /* 0: by time */
    double rate;
    int route;           /* index in routes[] */
    int workload;        /* index in workloads[] */
    long keys;           /* -1: the workload's */
    long ops_per_key;    /* -1: the workload's */
    long mops;           /* list-append: micro-ops per txn */
    double zipf;
    const char *mix;
    long op_timeout;
    const char *out;
    int fsync;           /* index in fsyncs[] */
    opt_list headers;
    const char *cacert, *cert, *key;
    bool insecure;
    bool serializable;
    long seed;           /* -1: from the clock */
    double check_timeout;
    int format;          /* index in formats[] */
    int verbose;         /* -v given this many times */
    run_nem_args nem;
} run_args;

static const char *const stores[] = {"conch", "etcd", NULL};
static const char *const routes[] = {"sticky", "random", NULL};
static const char *const workloads[] = {"cas-register", "register", "kv", "list-append", NULL};
static const char *const fsyncs[] = {"always", "interval", "never", NULL};
static const rec_fsync fsync_modes[] = {REC_FSYNC_ALWAYS, REC_FSYNC_INTERVAL, REC_FSYNC_NEVER};
static const char *const formats[] = {"text", "json", NULL};

/* A header line is a credential: the message never shows it. */
static bool parse_header(const char *cmd, const char *opt, const char *value, void *field)
{
    if (!cl_header_ok(value)) {
        cli_error(cmd, "%s expects 'Name: value' on one line (the value given is not shown)",
                  opt);
        return false;
    }
    VEC_PUSH(*(opt_list *)field, value);
    return true;
}

#define AT(f, T) OPT_AT(run_args, f, T)
static const opt_spec run_opts[] = {
    {.name = "store", .arg = "NAME", .kind = OPT_CHOICE, .off = AT(store, int),
     .choices = stores, .def = "conch",
     .help = "the API: conch (conch serve's) or etcd (etcd's v3 JSON gateway)"},
    {.name = "store-spec", .arg = "FILE", .kind = OPT_FILE, .off = AT(store_spec, const char *),
     .not_with = "store",
     .help = "or any store's HTTP API, described in a JSON file (specs/README.md says how); "
             "checked whole before the first request"},
    {.name = "dry-run", .kind = OPT_FLAG, .off = AT(dry_run, bool), .only_with = "store-spec",
     .help = "print the requests one operation of each kind would send, and send nothing"},
    {.name = "clients", .arg = "N", .kind = OPT_LONG, .off = AT(clients, long), .min = 1,
     .max = 10000, .def = "8", .help = "concurrent clients"},
    {.name = "time", .arg = "SECONDS", .kind = OPT_DOUBLE, .off = AT(time_s, double),
     .dmin = 0.001, .not_with = "ops",
     .help = "how long to invoke operations (default: 10, unless --ops is given)"},
    {.name = "ops", .arg = "N", .kind = OPT_LONG, .off = AT(ops, long), .min = 1,
     .max = 1L << 40, .help = "or how many operations to invoke"},
    {.name = "rate", .arg = "OPS_PER_S", .kind = OPT_DOUBLE, .off = AT(rate, double),
     .dmin = 0.001, .help = "at most this many invocations a second (all clients)"},
    {.name = "route", .arg = "HOW", .kind = OPT_CHOICE, .off = AT(route, int), .choices = routes,
     .def = "sticky",
     .help = "with several URLs: sticky (client i keeps URL i) or random (each operation "
             "picks one)"},
    {.name = "workload", .arg = "NAME", .kind = OPT_CHOICE, .off = AT(workload, int),
     .choices = workloads, .def = "cas-register",
     .help = "cas-register (read, write, cas), register (read, write), kv (get, put, "
             "append of unique elements to list values), or list-append (Elle's "
             "transactions of appends and reads on several keys, each one transaction of "
             "the store: etcd's; checked for isolation anomalies)"},
    {.name = "mops", .arg = "N", .kind = OPT_LONG, .off = AT(mops, long), .min = 1, .max = 64,
     .def = "4", .only_with = "workload=list-append",
     .help = "micro-ops per transaction, each an append or a read (--mix read=,append= "
             "weighs them)"},
    {.name = "keys", .arg = "K", .kind = OPT_LONG, .off = AT(keys, long), .min = 1,
     .max = 1000000, .help = "keys in use at a time (default: 4)"},
    {.name = "ops-per-key", .arg = "N", .kind = OPT_LONG, .off = AT(ops_per_key, long),
     .min = 0, .max = 1L << 31,
     .help = "then the key is replaced by a fresh one; 0: never (default: 500, kv 100; "
             "list-append: its appends, 32)"},
    {.name = "zipf", .arg = "S", .kind = OPT_DOUBLE, .off = AT(zipf, double), .dmin = 0,
     .def = "0", .help = "skew key choice: key i has weight 1/(i+1)^S; 0: uniform"},
    {.name = "value-size", .arg = "BYTES", .kind = OPT_LONG, .off = AT(value_size, long),
     .min = 1, .max = 262144,
     .help = "write strings of BYTES bytes (\"17-xxx...\"), still unique, instead of "
             "integers: some races only open with large bodies (kv: the items of put lists)"},
    {.name = "mix", .arg = "SPEC", .kind = OPT_STR, .off = AT(mix, const char *),
     .help = "operation weights, e.g. read=50,write=40,cas=10 (names: read, write, cas, "
             "append; get, put)"},
    {.name = "op-timeout", .arg = "MS", .kind = OPT_LONG, .off = AT(op_timeout, long),
     .min = 1, .max = 3600000, .def = "1000",
     .help = "give up on an operation after this long: info; also the longest backoff "
             "after refused connections"},
    {.name = "out", .arg = "DIR", .kind = OPT_DIR, .off = AT(out, const char *),
     .help = "write history.jsonl, results.json and report.html (the HTML report: "
             "timelines, latency and throughput, faults) into DIR (default: runs/<time>/)"},
    {.name = "fsync", .arg = "WHEN", .kind = OPT_CHOICE, .off = AT(fsync, int),
     .choices = fsyncs, .def = "interval",
     .help = "sync the history to disk: always (every write), interval (every 100 ms) or "
             "never"},
    {.name = "header", .arg = "'N: V'", .kind = OPT_LIST, .off = AT(headers, opt_list),
     .parse = parse_header,
     .help = "send this header (repeatable); also from the environment variable "
             "CONCH_HEADER (one a line)"},
    {.name = "cacert", .arg = "FILE", .kind = OPT_FILE, .off = AT(cacert, const char *),
     .help = "CA certificates to verify the store with"},
    {.name = "cert", .arg = "FILE", .kind = OPT_FILE, .off = AT(cert, const char *),
     .only_with = "key", .help = "client certificate, with --key"},
    {.name = "key", .arg = "FILE", .kind = OPT_FILE, .off = AT(key, const char *),
     .only_with = "cert", .help = "the client certificate's private key, with --cert"},
    {.name = "insecure", .kind = OPT_FLAG, .off = AT(insecure, bool),
     .help = "do not verify the store's TLS certificate"},
    {.name = "etcd-serializable", .kind = OPT_FLAG, .off = AT(serializable, bool),
     .only_with = "store=etcd",
     .help = "serve reads from the member asked (not linearizable: expect violations)"},
    {.name = "cluster", .arg = "FILE", .kind = OPT_FILE, .off = AT(nem.cluster, const char *),
     .help = "the store's nodes, in a JSON file (README: the cluster file): for the nemesis, "
             "and their URLs when none is given"},
    {.name = "node", .arg = "SPEC", .kind = OPT_LIST, .off = AT(nem.nodes, opt_list),
     .help = "a node, as NAME then ,KEY=VALUE for each of url, pid, pid-file, log, peer, "
             "peer-target, faketime-file and start (start last: it takes the rest; e.g. "
             "n1,url=http://127.0.0.1:2379,pid-file=n1.pid); repeatable"},
    {.name = "nemesis", .arg = "KINDS", .kind = OPT_STR, .off = AT(nem.kinds, const char *),
     .help = "inject faults, in turn: pause (SIGSTOP, SIGCONT), kill (SIGKILL, then the "
             "node's start command), partition (through the cluster's admin: conch proxy, or "
             "conch serve's), clock (libfaketime), comma-separated; each start and end is a "
             "nemesis event in the history"},
    {.name = "nemesis-target", .arg = "WHO", .kind = OPT_STR,
     .off = AT(nem.target, const char *), .only_with = "nemesis",
     .help = "whom a fault hits: random (default), leader, minority, or a node's name"},
    {.name = "nemesis-interval", .arg = "SECONDS", .kind = OPT_DOUBLE,
     .off = AT(nem.interval, double), .dmin = 0.01, .def = "5", .only_with = "nemesis",
     .help = "the time between the end of a fault and the start of the next"},
    {.name = "nemesis-duration", .arg = "SECONDS", .kind = OPT_DOUBLE,
     .off = AT(nem.duration, double), .dmin = 0.01, .only_with = "nemesis",
     .help = "how long a fault lasts (default: the interval)"},
    {.name = "nemesis-start", .arg = "SECONDS", .kind = OPT_DOUBLE,
     .off = AT(nem.start, double), .dmin = 0, .only_with = "nemesis",
     .help = "when the first fault starts (default: the interval)"},
    {.name = "nemesis-stop", .arg = "SECONDS", .kind = OPT_DOUBLE, .off = AT(nem.stop, double),
     .dmin = 0.01, .only_with = "nemesis",
     .help = "start no fault after this, and undo any still on (default: the end of the run)"},
    {.name = "nemesis-clock", .arg = "SPEC", .kind = OPT_STR, .off = AT(nem.clock, const char *),
     .def = "+60s", .only_with = "nemesis",
     .help = "a clock fault's libfaketime spec: an offset (+60s, -1h) or a rate (+0 x2)"},
    {.name = "seed", .arg = "N", .kind = OPT_LONG, .off = AT(seed, long), .min = 0,
     .max = LONG_MAX, .help = "seed of the operation choices (default: from the clock)"},
    {.name = "check-timeout", .arg = "SECONDS", .kind = OPT_DOUBLE,
     .off = AT(check_timeout, double), .dmin = 0,
     .help = "give up the check after this long: unknown"},
    {.name = "format", .arg = "FORMAT", .kind = OPT_CHOICE, .off = AT(format, int),
     .choices = formats, .def = "text", .help = "the report on standard output: text or json"},
    {.name = "verbose", .letter = 'v', .kind = OPT_FLAG, .off = AT(verbose, int),
     .parse = cli_count,
     .help = "every part of the check, more violations in full, and search statistics; "
             "-vv: every violation in full"},
    OPT_HELP_AND_MAN,
    {0},
};
#undef AT

const opt_cmd cli_cmd_run = {
    .name = "run",
    .summary = "drive a store over HTTP, record a history, check it",
    .synopsis = "[options] URL...\n[options] --cluster FILE [URL...]",
    .about = "Run concurrent clients against a store over HTTP, record the history as it "
             "happens (runs/<time>/history.jsonl), check it as conch check does, and exit "
             "with the verdict. Each client is a process with one operation in flight.",
    .opts = run_opts,
    .operand = "URL",
    .missing = "no URL given",
    .operand_unless = "cluster,node",
    .notes = "Outcomes follow Jepsen: fail only when an operation certainly did not take "
             "effect (not connected, cas mismatch, a request the store refused); info when "
             "unknown (timeout, reset, 5xx, a success that does not say what it did), and "
             "that client goes on as a new process. A client whose connection is refused "
             "backs off (10 ms doubling, up to --op-timeout); refused attempts are counted "
             "apart from the store's answers. Header values and URL passwords are masked "
             "(***) in everything written or printed. SIGINT or SIGTERM stops invoking, "
             "waits for operations in flight, and checks what was recorded; a second one "
             "stops waiting.",
    .exit_status = "Exit: 0 every check passed, 1 a violation, 2 bad usage, the store "
                   "unreachable or no operation succeeded (then nothing is checked), 3 "
                   "unknown.",
    .environment = "CONCH_HEADER\n"
                   "  request headers, one 'Name: value' a line, sent as --header sends them; "
                   "kept out of everything conch writes\n\n"
                   "NO_COLOR\n"
                   "  set to anything but the empty string: no colour in the report",
    .examples = "  conch run --time 10 --route random http://127.0.0.1:7001 "
                "http://127.0.0.1:7002\n"
                "  conch run --store etcd --workload kv http://127.0.0.1:2379\n"
                "  conch run --store-spec specs/webdis.json --dry-run http://127.0.0.1:7379\n"
                "  conch run --ops 1000 --format json --out run1 https://store:8443",
    .run = cmd_run,
};

/* What a run holds besides the runner's config: what it frees at the end. */
typedef struct run_state {
    runner_config rc;
    spec *spec;                /* --store-spec's */
    adp_type spec_type;        /* the adapter it describes */
    wl_kind kind;
    VEC(const char *) headers; /* --header's, then CONCH_HEADER's */
    char *env_headers;         /* CONCH_HEADER, cut into lines */
    char *dir, *hist_path, *results, *html;
} run_state;

static void run_state_free(run_state *r)
{
    spec_free(r->spec);
    free(r->headers.v);
    free(r->env_headers);
    free(r->dir);
    free(r->hist_path);
    free(r->results);
    free(r->html);
}

/* The headers: --header's, then CONCH_HEADER's lines. */
static bool run_headers(const run_args *a, run_state *r)
{
    for (size_t i = 0; i < a->headers.n; i++)
        VEC_PUSH(r->headers, a->headers.v[i]);
    const char *env = getenv("CONCH_HEADER");
    if (env && *env) {
        r->env_headers = xstrdup(env);
        char *save = NULL;
        for (char *h = strtok_r(r->env_headers, "\n", &save); h; h = strtok_r(NULL, "\n", &save)) {
            size_t n = strlen(h);
            if (n && h[n - 1] == '\r')
                h[n - 1] = '\0';
            if (!*h)
                continue;
            if (!cl_header_ok(h)) {
                cli_error("run", "CONCH_HEADER expects 'Name: value' lines "
                                 "(the value given is not shown)");
                return false;
            }
            VEC_PUSH(r->headers, h);
        }
    }
    r->rc.headers = r->headers.v;
    r->rc.nheaders = r->headers.n;
    return true;
}

/* The workload: its kind, keys, mix, seed, and a key prefix unique to
 * this run, so the store holds nothing from before. */
static bool run_workload(const run_args *a, run_state *r)
{
    wl_config *wl = &r->rc.wl;
    r->kind = (wl_kind)wl_kind_parse(workloads[a->workload]);
    wl_config_init(wl, r->kind);
    if (a->keys > 0)
        wl->keys = (uint32_t)a->keys;
    if (a->ops_per_key >= 0)
        wl->ops_per_key = (uint32_t)a->ops_per_key;
    wl->zipf = a->zipf;
    wl->value_size = (uint32_t)a->value_size;
    if (r->kind == WL_LIST_APPEND) {
        wl->mops = (uint32_t)a->mops;
        if (a->value_size) {
            cli_error("run", "--value-size does not apply to --workload list-append: its "
                             "appended elements are integers, unique in the run (Elle's)");
            return false;
        }
        if (!r->rc.adapter->txn) {
            cli_error("run", "--workload list-append needs a store with transactions of "
                             "several keys (--store etcd); %s has none",
                      r->rc.adapter->name);
            return false;
        }
    }
    if (a->mix) {
        sbuf why = {0};
        bool ok = wl_mix_parse(wl, a->mix, &why);
        if (!ok)
            cli_error("run", "--mix: %s", sbuf_str(&why));
        sbuf_free(&why);
        if (!ok)
            return false;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t stamp = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
    wl->seed = a->seed >= 0 ? (uint64_t)a->seed : stamp ^ ((uint64_t)getpid() << 40);
    sbuf p = {0};
    sbuf_addc(&p, 'c');
    base36(stamp, &p);
    base36((uint64_t)getpid(), &p);
    sbuf_addc(&p, '-');
    snprintf(wl->prefix, sizeof wl->prefix, "%s", sbuf_str(&p));
    sbuf_free(&p);
    return true;
}

/* The runner's config from the command line; false with the reason said. */
static bool run_config_from(const run_args *a, char **urls, size_t nurls, run_state *r)
{
    runner_config *rc = &r->rc;
    rc->adapter = adp_find(stores[a->store]);
    rc->aopts.serializable = a->serializable;
    if (a->store_spec) {
        cl_error err = {0};
        if (spec_load(a->store_spec, &r->spec, &err) != CL_OK) {
            cli_error("run", "%s", err.msg);
            return false;
        }
        adp_spec(r->spec, &r->spec_type);
        rc->adapter = &r->spec_type;
        rc->aopts.spec = r->spec;
    }
    rc->clients = (unsigned)a->clients;
    rc->ops = (uint64_t)a->ops;
    rc->time_s = rc->ops ? 0 : a->time_s > 0 ? a->time_s : 10;
    rc->rate = a->rate;
    rc->route_random = a->route == 1;
    rc->op_timeout_ms = a->op_timeout;
    rc->fsync = fsync_modes[a->fsync];
    rc->cacert = a->cacert;
    rc->cert = a->cert;
    rc->key = a->key;
    rc->insecure = a->insecure;
    rc->urls = (const char *const *)urls;
    rc->nurls = nurls;
    for (size_t i = 0; i < nurls; i++) {
        if (strncmp(urls[i], "http://", 7) && strncmp(urls[i], "https://", 8)) {
            sbuf u = {0};
            runner_display_url(urls[i], &u);
            cli_error("run", "URL '%s' must start with http:// or https://", sbuf_str(&u));
            sbuf_free(&u);
            return false;
        }
    }
    return run_headers(a, r) && run_workload(a, r);
}

/* --dry-run: the requests of one op of each kind, on the run's first key,
 * with the values the workload would write first, to the first URL; the
 * spec's credentials masked, as in everything conch run writes. */
static void print_dry_run(const run_state *r)
{
    const wl_config *wl = &r->rc.wl;
    vtab *vt = vtab_new();
    val v[3];
    for (int i = 0; i < 3; i++)
        v[i] = wl_value(wl, vt, i + 1);
    val w1 = v[0], w2 = v[1];
    if (wl->kind == WL_KV) { /* values are lists there: [1], then [1 3] */
        v[2] = val_int(3);   /* appended elements stay integers */
        w1 = val_list(vt, v, 1);
        val two[2] = {v[0], v[2]};
        w2 = val_list(vt, two, 2);
    }
    sbuf key = {0}, base = {0}, out = {0};
    sbuf_printf(&key, "%s0", wl->prefix);
    runner_display_url(r->rc.urls[0], &base);
    while (base.len && base.p[base.len - 1] == '/')
        base.p[--base.len] = '\0';
    spec_dry_run(r->spec, vt, sbuf_str(&base), sbuf_str(&key), w1, w2, v[2], &out);
    scrub *sc = scrub_new();
    spec_secrets(r->spec, sc);
    scrub_text(sc, &out);
    scrub_free(sc);
    fputs(sbuf_str(&out), stdout);
    sbuf_free(&key);
    sbuf_free(&base);
    sbuf_free(&out);
    vtab_free(vt);
}

/* The run's folder (--out, or a new one under runs/) and its files. */
static bool run_paths(const char *out_dir, run_state *r)
{
    if (out_dir) {
        if (mkdirs(out_dir) < 0) {
            cli_error("run", "cannot create %s: %s", out_dir, strerror(errno));
            return false;
        }
        r->dir = xstrdup(out_dir);
    } else if (!(r->dir = new_run_dir())) {
        cli_error("run", "cannot create a directory under runs/: %s", strerror(errno));
        return false;
    }
    sbuf p = {0};
    sbuf_printf(&p, "%s/history.jsonl", r->dir);
    r->hist_path = p.p;
    p = (sbuf){0};
    sbuf_printf(&p, "%s/results.json", r->dir);
    r->results = p.p;
    p = (sbuf){0};
    sbuf_printf(&p, "%s/report.html", r->dir);
    r->html = p.p;
    r->rc.history = r->hist_path;
    return true;
}

/* What is about to happen, on stderr. */
static void run_announce(const run_state *r)
{
    const runner_config *rc = &r->rc;
    sbuf shown = {0};
    for (size_t i = 0; i < rc->nurls; i++) {
        sbuf_adds(&shown, i ? " " : "");
        runner_display_url(rc->urls[i], &shown);
    }
    const char *plural = rc->wl.keys == 1 ? "" : "s";
    if (rc->ops)
        fprintf(stderr, "conch run: %u clients, %s on %u key%s, %llu ops against %s (%s)\n",
                rc->clients, wl_model_name(r->kind), rc->wl.keys, plural,
                (unsigned long long)rc->ops, sbuf_str(&shown), rc->adapter->name);
    else
        fprintf(stderr, "conch run: %u clients, %s on %u key%s, %g s against %s (%s)\n",
                rc->clients, wl_model_name(r->kind), rc->wl.keys, plural, rc->time_s,
                sbuf_str(&shown), rc->adapter->name);
    fprintf(stderr, "conch run: recording %s\n", r->hist_path);
    sbuf_free(&shown);
}

/* What the run did, on stderr. */
static void run_summary(const runner_stats *st)
{
    uint64_t done = st->ok + st->fail + st->info;
    fprintf(stderr,
            "conch run: %llu ops in %.1f s (%.0f ops/s): ok %llu, fail %llu, info %llu%s\n",
            (unsigned long long)done, st->elapsed_s,
            st->elapsed_s > 0 ? (double)done / st->elapsed_s : 0.0, (unsigned long long)st->ok,
            (unsigned long long)st->fail, (unsigned long long)st->info,
            atomic_load(&stop_level) ? " (interrupted)" : "");
    if (st->refused)
        fprintf(stderr, "conch run: and %llu attempts refused (no connection could be made: "
                        "recorded fail, not counted above)\n",
                (unsigned long long)st->refused);
    if (st->abandoned)
        fprintf(stderr, "conch run: %llu ops had no answer when the run ended: recorded info\n",
                (unsigned long long)st->abandoned);
}

/* Drive the store and record the history, with progress on stderr;
 * SIGINT and SIGTERM stop it (stop_level). The nemesis, if any, is started
 * here and has undone everything by the time the signals are given back
 * their old handlers. The runner's result. */
static cl_rc run_record(run_state *r, runner_stats *st, run_nem *rn)
{
    runner_config *rc = &r->rc;
    progress_state ps = {.tty = isatty(2) != 0};
    rc->progress = progress;
    rc->ctx = &ps;
    rc->progress_s = ps.tty ? 0.25 : 5;
    atomic_store(&stop_level, 0);
    rc->stop = &stop_level;
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    signal(SIGPIPE, SIG_IGN);

    cl_error err = {0};
    cl_rc res = CL_EUSAGE;
    bool nem_ok = run_nem_start(rn, r->dir, rc); /* it said why not */
    if (nem_ok)
        res = runner_run(rc, st, &err);
    else
        memset(st, 0, sizeof *st);
    run_nem_finish(rn);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (ps.printed && ps.tty)
        fputc('\n', stderr);
    run_summary(st);
    if (res != CL_OK && nem_ok) {
        cli_error("run", "%s", err.msg);
        if (res == CL_EUNREACHABLE)
            fprintf(stderr, "conch run: is the store running, and is the URL right? "
                            "the history is in %s\n", r->hist_path);
    }
    return res;
}

/* Check the recorded history as conch check would, or, when nothing
 * succeeded, say so and check nothing. The exit code. */
static int run_verdict(const run_args *a, const run_state *r, const runner_stats *st,
                       const run_nem *rn)
{
    int exit_code;
    if (a->format == 0)
        run_nem_report(rn, stdout);
    if (st->ok == 0) {
        /* A pass over a history where nothing happened tests nothing: it is
         * not checked, so that no verdict appears above the error. */
        cli_error("run", "no operation succeeded (%llu fail, %llu info, %llu refused): nothing "
                         "was checked, the store was not tested",
                  (unsigned long long)st->fail, (unsigned long long)st->info,
                  (unsigned long long)st->refused);
        exit_code = EXIT_USAGE;
        write_unchecked(r->results, a->format == 1, st, run_nem_json(rn));
    } else {
        cli_check_config cfg;
        cli_check_init(&cfg);
        cfg.co.model = model_find(wl_model_name(r->kind));
        if (r->kind == WL_LIST_APPEND)
            cfg.co.txn_workload = MODEL_TXN_LIST_APPEND;
        cfg.co.nil = NIL_ABSENT;
        cfg.co.timeout_s = a->check_timeout;
        cfg.json = a->format == 1;
        cfg.verbose = a->verbose;
        cfg.json_out = r->results;
        cfg.html_out = r->html;
        char *path = r->hist_path;
        exit_code = cli_check_paths(&cfg, &path, 1);
        add_run_stats(r->results, st, run_nem_json(rn));
    }
    fprintf(stderr, "conch run: results in %s%s%s (exit %d)\n", r->results,
            st->ok ? " and " : "", st->ok ? r->html : "", exit_code);
    return exit_code;
}

int cmd_run(int argc, char **argv)
{
    run_args a = {.keys = -1, .ops_per_key = -1, .seed = -1, .nem.start = -1};
    run_state r = {0};
    run_nem rn = {0};
    int exit_code = EXIT_USAGE;
    size_t nurls;
    opt_rc prc = opt_parse(&cli_cmd_run, argc, argv, &a, &nurls);
    if (prc != OPT_OK) {
        exit_code = opt_exit(prc);
        goto out;
    }
    char **urls = argv + 1;
    if (!run_nem_cluster(&a.nem, &rn, &urls, &nurls) || !run_config_from(&a, urls, nurls, &r))
        goto out;
    if (a.dry_run) {
        print_dry_run(&r);
        exit_code = 0;
        goto out;
    }
    /* A store described by a spec has no built-in leader probe, and its
     * nodes are not found from its URLs. */
    if (!run_nem_config(&a.nem, a.store_spec ? "spec" : stores[a.store], &r.rc, &rn) ||
        !run_paths(a.out, &r))
        goto out;
    run_announce(&r);
    runner_stats st;
    if (run_record(&r, &st, &rn) == CL_OK)
        exit_code = run_verdict(&a, &r, &st, &rn);
out:
    run_nem_free(&rn);
    free(a.headers.v);
    free(a.nem.nodes.v);
    run_state_free(&r);
    return exit_code;
}
