/*
 * run.c - conch run: drive a store over HTTP with concurrent clients,
 * record the history, check it, exit with the verdict.
 *
 * This file wires the layers: clients/ records (runner_run), then
 * check_paths checks the file as `conch check` would, with the model the
 * workload implies, and writes results.json and report.html beside the
 * history. The history is kept whatever happens, so a run can be checked
 * again later.
 *
 * Header values (--header, CONCH_HEADER) are credentials: they go to
 * libcurl and nowhere else; messages about them never quote them.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
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
#include "../util/mem.h"
#include "cli.h"

static const char usage[] =
    "usage: conch run [options] URL...\n"
    "\n"
    "Run concurrent clients against a store over HTTP, record the history as it\n"
    "happens (runs/<time>/history.jsonl), check it as conch check does, and exit\n"
    "with the verdict. Each client is a process with one operation in flight.\n"
    "\n"
    "  --store NAME          conch (conch serve, default) or etcd (v3 JSON gateway)\n"
    "  --clients N           concurrent clients (default 8)\n"
    "  --time SECONDS        how long to invoke operations (default 10)\n"
    "  --ops N               or how many operations to invoke\n"
    "  --rate OPS_PER_S      at most this many invocations a second (all clients)\n"
    "  --route HOW           with several URLs: sticky (default: client i keeps\n"
    "                        URL i) or random (each operation picks one)\n"
    "  --workload NAME       cas-register (default), register, or kv (get, put,\n"
    "                        append of unique elements to list values)\n"
    "  --keys K              keys in use at a time (default 4)\n"
    "  --ops-per-key N       then the key is replaced by a fresh one (default 500,\n"
    "                        kv 100; 0: never)\n"
    "  --zipf S              skew key choice: key i has weight 1/(i+1)^S\n"
    "  --mix SPEC            operation weights, e.g. read=50,write=40,cas=10\n"
    "                        (names: read, write, cas, append; get, put)\n"
    "  --op-timeout MS       give up on an operation after this long: info\n"
    "                        (default 1000)\n"
    "  --out DIR             write history.jsonl, results.json and report.html (the\n"
    "                        HTML report: timelines, latency, faults) into DIR\n"
    "  --fsync WHEN          always, interval (default: every 100 ms) or never\n"
    "  --header 'N: V'       send this header (repeatable); also from the\n"
    "                        environment variable CONCH_HEADER (one a line)\n"
    "  --cacert FILE         CA certificates to verify the store with\n"
    "  --cert FILE           client certificate, with --key FILE\n"
    "  --insecure            do not verify the store's TLS certificate\n"
    "  --etcd-serializable   etcd: serve reads from the member asked (not\n"
    "                        linearizable: expect violations)\n"
    "  --seed N              seed of the operation choices\n"
    "  --check-timeout SECS  give up the check after this long: unknown\n"
    "  --format FORMAT       the report: text (default) or json on standard output\n"
    "  -v, --verbose         every part of the check, and search statistics\n"
    "  -h, --help            this text\n"
    "\n"
    "Outcomes follow Jepsen: fail only when an operation certainly did not take\n"
    "effect (not connected, cas mismatch, a request the store refused); info\n"
    "when unknown (timeout, reset, 5xx, a success that does not say what it did),\n"
    "and that client goes on as a new process. A client whose connection is\n"
    "refused backs off (10 ms doubling, up to --op-timeout); refused attempts\n"
    "are counted apart from the store's answers. Header values and URL\n"
    "passwords are masked (***) in everything written or printed.\n"
    "SIGINT or SIGTERM stops invoking, waits for operations in flight, and checks\n"
    "what was recorded; a second one stops waiting.\n"
    "\n"
    "Exit: 0 every check passed, 1 a violation, 2 bad usage, the store\n"
    "unreachable or no operation succeeded (then nothing is checked), 3 unknown.\n";

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

/* Add "run" to the report check_paths wrote into path. */
static void add_run_stats(const char *path, const runner_stats *st)
{
    json_t *j = json_load_file(path, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return; /* check_paths said why it could not write it */
    }
    json_object_set_new(j, "run", run_stats_json(st));
    if (json_dump_file(j, path, JSON_INDENT(2)))
        cli_error("run", "cannot write %s", path);
    json_decref(j);
}

/* results.json (and, with --format json, standard output) for a run in
 * which nothing succeeded: not checked, and why. */
static void write_unchecked(const char *path, bool to_stdout, const runner_stats *st)
{
    json_t *j = json_pack("{s:b, s:s, s:o}", "checked", 0, "why",
                          "no operation succeeded: nothing was checked", "run",
                          run_stats_json(st));
    if (json_dump_file(j, path, JSON_INDENT(2)))
        cli_error("run", "cannot write %s", path);
    if (to_stdout) {
        json_dumpf(j, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(j);
}

int cmd_run(int argc, char **argv)
{
    enum {
        O_STORE = 256, O_CLIENTS, O_TIME, O_OPS, O_RATE, O_ROUTE, O_WORKLOAD, O_KEYS,
        O_OPK, O_ZIPF, O_MIX, O_OPTIMEOUT, O_OUT, O_FSYNC, O_HEADER, O_CACERT, O_CERT,
        O_KEY, O_INSECURE, O_SERIAL, O_SEED, O_CHECKTIMEOUT, O_FORMAT,
    };
    static const struct option longopts[] = {
        {"store", required_argument, NULL, O_STORE},
        {"clients", required_argument, NULL, O_CLIENTS},
        {"time", required_argument, NULL, O_TIME},
        {"ops", required_argument, NULL, O_OPS},
        {"rate", required_argument, NULL, O_RATE},
        {"route", required_argument, NULL, O_ROUTE},
        {"workload", required_argument, NULL, O_WORKLOAD},
        {"keys", required_argument, NULL, O_KEYS},
        {"ops-per-key", required_argument, NULL, O_OPK},
        {"zipf", required_argument, NULL, O_ZIPF},
        {"mix", required_argument, NULL, O_MIX},
        {"op-timeout", required_argument, NULL, O_OPTIMEOUT},
        {"out", required_argument, NULL, O_OUT},
        {"fsync", required_argument, NULL, O_FSYNC},
        {"header", required_argument, NULL, O_HEADER},
        {"cacert", required_argument, NULL, O_CACERT},
        {"cert", required_argument, NULL, O_CERT},
        {"key", required_argument, NULL, O_KEY},
        {"insecure", no_argument, NULL, O_INSECURE},
        {"etcd-serializable", no_argument, NULL, O_SERIAL},
        {"seed", required_argument, NULL, O_SEED},
        {"check-timeout", required_argument, NULL, O_CHECKTIMEOUT},
        {"format", required_argument, NULL, O_FORMAT},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    runner_config rc = {0};
    rc.adapter = &adp_conch;
    rc.clients = 8;
    rc.op_timeout_ms = 1000;
    rc.fsync = REC_FSYNC_INTERVAL;
    wl_kind kind = WL_CAS_REGISTER;
    const char *mix = NULL, *out_dir = NULL;
    long keys = -1, opk = -1;
    double zipf = 0, time_s = 0, check_timeout = 0;
    bool json = false, have_seed = false;
    int verbose = 0;
    uint64_t seed = 0;
    VEC(const char *) headers = {0};
    char *env_headers = NULL, *dir = NULL, *hist_path = NULL, *results = NULL, *html = NULL;
    int exit_code = EXIT_USAGE;
    long l;

    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
        switch (c) {
        case O_STORE:
            rc.adapter = adp_find(optarg);
            if (!rc.adapter) {
                cli_error("run", "--store expects conch or etcd, got '%s'", optarg);
                goto out;
            }
            break;
        case O_CLIENTS:
            if (!cli_long("run", "--clients", optarg, 1, 10000, &l))
                goto out;
            rc.clients = (unsigned)l;
            break;
        case O_TIME:
            if (!cli_double("run", "--time", optarg, 0.001, &time_s))
                goto out;
            break;
        case O_OPS:
            if (!cli_long("run", "--ops", optarg, 1, 1L << 40, &l))
                goto out;
            rc.ops = (uint64_t)l;
            break;
        case O_RATE:
            if (!cli_double("run", "--rate", optarg, 0.001, &rc.rate))
                goto out;
            break;
        case O_ROUTE: {
            static const char *const routes[] = {"sticky", "random", NULL};
            int k = cli_choice("run", "--route", optarg, routes);
            if (k < 0)
                goto out;
            rc.route_random = k == 1;
            break;
        }
        case O_WORKLOAD: {
            int k = wl_kind_parse(optarg);
            if (k < 0) {
                cli_error("run", "--workload expects register, cas-register or kv, got '%s'",
                          optarg);
                goto out;
            }
            kind = (wl_kind)k;
            break;
        }
        case O_KEYS:
            if (!cli_long("run", "--keys", optarg, 1, 1000000, &keys))
                goto out;
            break;
        case O_OPK:
            if (!cli_long("run", "--ops-per-key", optarg, 0, 1L << 31, &opk))
                goto out;
            break;
        case O_ZIPF:
            if (!cli_double("run", "--zipf", optarg, 0, &zipf))
                goto out;
            break;
        case O_MIX:
            mix = optarg;
            break;
        case O_OPTIMEOUT:
            if (!cli_long("run", "--op-timeout", optarg, 1, 3600000, &rc.op_timeout_ms))
                goto out;
            break;
        case O_OUT:
            out_dir = optarg;
            break;
        case O_FSYNC: {
            static const char *const whens[] = {"always", "interval", "never", NULL};
            static const rec_fsync fsyncs[] = {REC_FSYNC_ALWAYS, REC_FSYNC_INTERVAL,
                                               REC_FSYNC_NEVER};
            int k = cli_choice("run", "--fsync", optarg, whens);
            if (k < 0)
                goto out;
            rc.fsync = fsyncs[k];
            break;
        }
        case O_HEADER:
            if (!cl_header_ok(optarg)) {
                cli_error("run", "--header expects 'Name: value' on one line "
                                 "(the value given is not shown)");
                goto out;
            }
            VEC_PUSH(headers, optarg);
            break;
        case O_CACERT:
            rc.cacert = optarg;
            break;
        case O_CERT:
            rc.cert = optarg;
            break;
        case O_KEY:
            rc.key = optarg;
            break;
        case O_INSECURE:
            rc.insecure = true;
            break;
        case O_SERIAL:
            rc.aopts.serializable = true;
            break;
        case O_SEED:
            if (!cli_long("run", "--seed", optarg, 0, LONG_MAX, &l))
                goto out;
            seed = (uint64_t)l;
            have_seed = true;
            break;
        case O_CHECKTIMEOUT:
            if (!cli_double("run", "--check-timeout", optarg, 0, &check_timeout))
                goto out;
            break;
        case O_FORMAT: {
            static const char *const forms[] = {"text", "json", NULL};
            int k = cli_choice("run", "--format", optarg, forms);
            if (k < 0)
                goto out;
            json = k == 1;
            break;
        }
        case 'v':
            verbose++;
            break;
        case 'h':
            fputs(usage, stdout);
            exit_code = 0;
            goto out;
        case ':':
            cli_error("run", "%s needs a value", argv[optind - 1]);
            goto out;
        default:
            cli_error("run", "unknown option '%s' (see conch run --help)", argv[optind - 1]);
            goto out;
        }
    }
    if (optind >= argc) {
        cli_error("run", "no URL given (see conch run --help)");
        goto out;
    }
    if (time_s > 0 && rc.ops) {
        cli_error("run", "give --time or --ops, not both");
        goto out;
    }
    if ((rc.cert != NULL) != (rc.key != NULL)) {
        cli_error("run", "--cert and --key go together");
        goto out;
    }
    if (!rc.ops)
        rc.time_s = time_s > 0 ? time_s : 10;
    rc.urls = (const char *const *)argv + optind;
    rc.nurls = (size_t)(argc - optind);
    for (size_t i = 0; i < rc.nurls; i++) {
        if (strncmp(rc.urls[i], "http://", 7) && strncmp(rc.urls[i], "https://", 8)) {
            sbuf u = {0};
            runner_display_url(rc.urls[i], &u);
            cli_error("run", "URL '%s' must start with http:// or https://", sbuf_str(&u));
            sbuf_free(&u);
            goto out;
        }
    }

    const char *env = getenv("CONCH_HEADER");
    if (env && *env) {
        env_headers = xstrdup(env);
        char *save = NULL;
        for (char *h = strtok_r(env_headers, "\n", &save); h; h = strtok_r(NULL, "\n", &save)) {
            size_t n = strlen(h);
            if (n && h[n - 1] == '\r')
                h[n - 1] = '\0';
            if (!*h)
                continue;
            if (!cl_header_ok(h)) {
                cli_error("run", "CONCH_HEADER expects 'Name: value' lines "
                                 "(the value given is not shown)");
                goto out;
            }
            VEC_PUSH(headers, h);
        }
    }
    rc.headers = headers.v;
    rc.nheaders = headers.n;

    wl_config_init(&rc.wl, kind);
    if (keys > 0)
        rc.wl.keys = (uint32_t)keys;
    if (opk >= 0)
        rc.wl.ops_per_key = (uint32_t)opk;
    rc.wl.zipf = zipf;
    if (mix) {
        sbuf why = {0};
        if (!wl_mix_parse(&rc.wl, mix, &why)) {
            cli_error("run", "--mix: %s", sbuf_str(&why));
            sbuf_free(&why);
            goto out;
        }
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t stamp = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
    rc.wl.seed = have_seed ? seed : stamp ^ ((uint64_t)getpid() << 40);
    {
        /* Keys unique to this run: the store holds nothing from before. */
        sbuf p = {0};
        sbuf_addc(&p, 'c');
        base36(stamp, &p);
        base36((uint64_t)getpid(), &p);
        sbuf_addc(&p, '-');
        snprintf(rc.wl.prefix, sizeof rc.wl.prefix, "%s", sbuf_str(&p));
        sbuf_free(&p);
    }

    if (out_dir) {
        if (mkdirs(out_dir) < 0) {
            cli_error("run", "cannot create %s: %s", out_dir, strerror(errno));
            goto out;
        }
        dir = xstrdup(out_dir);
    } else if (!(dir = new_run_dir())) {
        cli_error("run", "cannot create a directory under runs/: %s", strerror(errno));
        goto out;
    }
    sbuf p = {0};
    sbuf_printf(&p, "%s/history.jsonl", dir);
    hist_path = p.p;
    p = (sbuf){0};
    sbuf_printf(&p, "%s/results.json", dir);
    results = p.p;
    p = (sbuf){0};
    sbuf_printf(&p, "%s/report.html", dir);
    html = p.p;
    rc.history = hist_path;

    sbuf shown = {0};
    for (size_t i = 0; i < rc.nurls; i++) {
        sbuf_adds(&shown, i ? " " : "");
        runner_display_url(rc.urls[i], &shown);
    }
    const char *plural = rc.wl.keys == 1 ? "" : "s";
    if (rc.ops)
        fprintf(stderr, "conch run: %u clients, %s on %u key%s, %llu ops against %s (%s)\n",
                rc.clients, wl_model_name(kind), rc.wl.keys, plural,
                (unsigned long long)rc.ops, sbuf_str(&shown), rc.adapter->name);
    else
        fprintf(stderr, "conch run: %u clients, %s on %u key%s, %g s against %s (%s)\n",
                rc.clients, wl_model_name(kind), rc.wl.keys, plural, rc.time_s,
                sbuf_str(&shown), rc.adapter->name);
    fprintf(stderr, "conch run: recording %s\n", hist_path);
    sbuf_free(&shown);

    progress_state ps = {.tty = isatty(2) != 0};
    rc.progress = progress;
    rc.ctx = &ps;
    rc.progress_s = ps.tty ? 0.25 : 5;
    atomic_store(&stop_level, 0);
    rc.stop = &stop_level;
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    signal(SIGPIPE, SIG_IGN);

    runner_stats st;
    cl_error err = {0};
    cl_rc r = runner_run(&rc, &st, &err);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (ps.printed && ps.tty)
        fputc('\n', stderr);
    uint64_t done = st.ok + st.fail + st.info;
    fprintf(stderr,
            "conch run: %llu ops in %.1f s (%.0f ops/s): ok %llu, fail %llu, info %llu%s\n",
            (unsigned long long)done, st.elapsed_s,
            st.elapsed_s > 0 ? (double)done / st.elapsed_s : 0.0, (unsigned long long)st.ok,
            (unsigned long long)st.fail, (unsigned long long)st.info,
            atomic_load(&stop_level) ? " (interrupted)" : "");
    if (st.refused)
        fprintf(stderr, "conch run: and %llu attempts refused (no connection could be made: "
                        "recorded fail, not counted above)\n",
                (unsigned long long)st.refused);
    if (st.abandoned)
        fprintf(stderr, "conch run: %llu ops had no answer when the run ended: recorded info\n",
                (unsigned long long)st.abandoned);
    if (r != CL_OK) {
        cli_error("run", "%s", err.msg);
        if (r == CL_EUNREACHABLE)
            fprintf(stderr, "conch run: is the store running, and is the URL right? "
                            "the history is in %s\n", hist_path);
        goto out;
    }

    if (st.ok == 0) {
        /* A pass over a history where nothing happened tests nothing: it is
         * not checked, so that no verdict appears above the error. */
        cli_error("run", "no operation succeeded (%llu fail, %llu info, %llu refused): nothing "
                         "was checked, the store was not tested",
                  (unsigned long long)st.fail, (unsigned long long)st.info,
                  (unsigned long long)st.refused);
        exit_code = EXIT_USAGE;
        write_unchecked(results, json, &st);
    } else {
        check_config cfg;
        check_config_init(&cfg);
        cfg.co.model = model_find(wl_model_name(kind));
        cfg.co.nil = NIL_ABSENT;
        cfg.co.timeout_s = check_timeout;
        cfg.json = json;
        cfg.verbose = verbose;
        cfg.json_out = results;
        cfg.html_out = html;
        exit_code = check_paths(&cfg, &hist_path, 1);
        add_run_stats(results, &st);
    }
    fprintf(stderr, "conch run: results in %s%s%s (exit %d)\n", results, st.ok ? " and " : "",
            st.ok ? html : "", exit_code);
out:
    free(headers.v);
    free(env_headers);
    free(dir);
    free(hist_path);
    free(results);
    free(html);
    return exit_code;
}
