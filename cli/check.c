/*
 * check.c - conch check: read histories, check them, report, exit with
 * the verdict.
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../checker/check.h"
#include "../checker/sched.h"
#include "../histories/read.h"
#include "../report/report_html.h"
#include "../report/report_json.h"
#include "../report/report_progress.h"
#include "../report/report_junit.h"
#include "../report/report_text.h"
#include "../util/mem.h"
#include "cli.h"

static const char usage[] =
    "usage: conch check [options] FILE...\n"
    "\n"
    "Check recorded histories (FILE '-' is standard input) for linearizability and\n"
    "session guarantees (read-your-writes, monotonic reads, monotonic writes,\n"
    "writes-follow-reads).\n"
    "Formats are detected: conch's JSON Lines, a JSON array of ops (elle-cli),\n"
    "Jepsen EDN (history.edn, Knossos and Porcupine files) and Jepsen log lines.\n"
    "\n"
    "  --model NAME        register, cas-register, kv, multi-register, set, counter,\n"
    "                      fifo-queue, unordered-queue, mutex; or list-append,\n"
    "                      rw-register: transactions, checked for anomalies\n"
    "                      (default: inferred from the ops' f names, and said; txns\n"
    "                      of appends are list-append, of reads and writes\n"
    "                      multi-register unless --consistency-model is given)\n"
    "  --consistency-model NAME\n"
    "                      for transactions: the model whose anomalies are\n"
    "                      violations, e.g. serializable, snapshot-isolation,\n"
    "                      repeatable-read, read-committed (default:\n"
    "                      strict-serializable; --help-models lists them)\n"
    "  --assume KEYS       for rw-register: sequential-keys or linearizable-keys:\n"
    "                      order each key's versions by process or real-time\n"
    "                      order (Elle's assumptions; anomalies found with them\n"
    "                      are named -process or -realtime)\n"
    "  --init JSON         the model's initial value (default: null). For kv and\n"
    "                      multi-register a map names each key's: --init '{\"x\":0,\"y\":0}'\n"
    "                      starts x and y at 0 and every other key at null (a name\n"
    "                      is a string key, or an integer key's digits); any other\n"
    "                      value is every key's. For a register a map is its value.\n"
    "  --nil-read MEANING  absent: a nil read says the object has no value (default)\n"
    "                      unknown: a nil read says nothing (Knossos)\n"
    "  --from FORMAT       jsonl, edn or jepsen-log, instead of detecting it\n"
    "  --independent WHEN  auto, yes or no: read values as Jepsen's independent\n"
    "                      [key value] pairs (default auto: when every op has one)\n"
    "  -j, --jobs N        threads for the search (default: one per core)\n"
    "  --timeout SECONDS   give up the checks after this long: what they did not\n"
    "                      finish is unknown. A history's parts (keys) share it:\n"
    "                      each gets its share of the time left, and one stopped\n"
    "                      by its share is searched again once the others are done\n"
    "  --max-memory MB     the most memory conch may hold (history included); a\n"
    "                      search that would need more is unknown; parts searched at\n"
    "                      once each get a share (default: half of this machine's);\n"
    "                      an input larger than this is an input error\n"
    "  --all-parts         search every part of a history, even once one part is\n"
    "                      invalid (default: the other parts stop, and are reported\n"
    "                      not searched, as the verdict is known)\n"
    "  --minimize-time S   shrink each invalid part to a smallest counterexample:\n"
    "                      a few ops that are not linearizable together, though\n"
    "                      any fewer are; all parts within S seconds (default 3;\n"
    "                      0: not at all)\n"
    "  --search            search every part, even where written values are unique\n"
    "                      (there, by default, parts are decided without search; the\n"
    "                      search explains with the longest linearizable prefix)\n"
    "  --checks LIST       lin, ryw, mr, mw, wfr, comma-separated (default: all that\n"
    "                      the history's ops allow)\n"
    "  --version-order O   how the session checks order each key's versions:\n"
    "                      store (the ops' versions; the default when they carry one),\n"
    "                      inferred (from unique written values; the default otherwise)\n"
    "                      or realtime (inferred, plus: a write that completed before\n"
    "                      another began is older)\n"
    "  --format FORMAT     text (default), json or junit, on standard output\n"
    "  --html FILE         also write the HTML report there: one file that opens in\n"
    "                      any browser (timelines, the counterexamples, latency)\n"
    "  --progress          a progress line on standard error even when it is not a\n"
    "                      terminal (on a terminal it is always drawn)\n"
    "  -v, --verbose       every part, more violations in full, and search\n"
    "                      statistics; -vv: every violation in full\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit: 0 linearizable, 1 a violation, 2 bad usage or input, 3 unknown.\n";

static _Atomic int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, 1);
}

/* "lin,ryw,mr" -> CHECK_LIN | 1 << SG_RYW | 1 << SG_MR */
static bool parse_checks(const char *s, unsigned *out)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        {"lin", CHECK_LIN}, {"ryw", 1u << SG_RYW}, {"mr", 1u << SG_MR},
        {"mw", 1u << SG_MW}, {"wfr", 1u << SG_WFR},
    };
    unsigned m = 0;
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (strlen(names[i].name) == n && !strncmp(p, names[i].name, n)) {
                m |= names[i].bit;
                found = true;
            }
        if (!found) {
            cli_error("check", "--checks: unknown check '%.*s' (checks: lin, ryw, mr, mw, wfr)",
                      (int)n, p);
            return false;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (!m) {
        cli_error("check", "--checks: name at least one of lin, ryw, mr, mw, wfr");
        return false;
    }
    *out = m;
    return true;
}

static size_t default_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return (size_t)4 << 30;
    return (size_t)pages * (size_t)size / 2;
}

int cmd_check(int argc, char **argv)
{
    enum { O_MODEL = 256, O_INIT, O_NIL, O_FROM, O_INDEP, O_TIMEOUT, O_MEM, O_FORMAT, O_CHECKS,
           O_ORDER, O_ALL_PARTS, O_SEARCH, O_CM, O_CM_HELP, O_ASSUME, O_MINIMIZE, O_HTML,
           O_PROGRESS };
    static const struct option longopts[] = {
        {"model", required_argument, NULL, O_MODEL},
        {"init", required_argument, NULL, O_INIT},
        {"nil-read", required_argument, NULL, O_NIL},
        {"from", required_argument, NULL, O_FROM},
        {"independent", required_argument, NULL, O_INDEP},
        {"jobs", required_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"max-memory", required_argument, NULL, O_MEM},
        {"all-parts", no_argument, NULL, O_ALL_PARTS},
        {"search", no_argument, NULL, O_SEARCH},
        {"minimize-time", required_argument, NULL, O_MINIMIZE},
        {"html", required_argument, NULL, O_HTML},
        {"progress", no_argument, NULL, O_PROGRESS},
        {"format", required_argument, NULL, O_FORMAT},
        {"checks", required_argument, NULL, O_CHECKS},
        {"version-order", required_argument, NULL, O_ORDER},
        {"consistency-model", required_argument, NULL, O_CM},
        {"help-models", no_argument, NULL, O_CM_HELP},
        {"assume", required_argument, NULL, O_ASSUME},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    check_config cfg;
    check_config_init(&cfg);
    check_opts co = cfg.co;
    hist_read_opts ro = cfg.ro;
    bool json = false, junit = false;
    int verbose = 0;
    long l;
    double d;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":j:vh", longopts, NULL)) != -1) {
        switch (c) {
        case O_MODEL:
            if (txn_workload_parse(optarg) >= 0) {
                co.txn_workload = (txn_workload)txn_workload_parse(optarg);
                break;
            }
            co.model = model_find(optarg);
            if (!co.model) {
                sbuf b = {0};
                for (size_t i = 0; model_types[i]; i++)
                    sbuf_printf(&b, "%s%s", i ? ", " : "", model_types[i]->name);
                cli_error("check", "unknown model '%s' (models: %s, list-append, rw-register)",
                          optarg, sbuf_str(&b));
                sbuf_free(&b);
                return EXIT_USAGE;
            }
            break;
        case O_INIT: {
            vtab *vt = vtab_new();
            val v;
            sbuf why = {0};
            int bad = hist_val_from_json(vt, optarg, &v, &why);
            vtab_free(vt);
            if (bad) {
                cli_error("check", "--init: %s", sbuf_str(&why));
                sbuf_free(&why);
                return EXIT_USAGE;
            }
            co.init_json = optarg;
            break;
        }
        case O_NIL: {
            static const char *const nils[] = {"absent", "unknown", NULL};
            int k = cli_choice("check", "--nil-read", optarg, nils);
            if (k < 0)
                return EXIT_USAGE;
            co.nil = k ? NIL_UNKNOWN : NIL_ABSENT;
            break;
        }
        case O_FROM: {
            static const char *const fmts[] = {"jsonl", "edn", "jepsen-log", NULL};
            if (cli_choice("check", "--from", optarg, fmts) < 0)
                return EXIT_USAGE;
            ro.format = (hist_format)hist_format_parse(optarg);
            break;
        }
        case O_INDEP: {
            static const char *const whens[] = {"auto", "no", "yes", NULL};
            int k = cli_choice("check", "--independent", optarg, whens);
            if (k < 0)
                return EXIT_USAGE;
            ro.independent = (hist_independent)k; /* in the enum's order */
            break;
        }
        case 'j':
            if (!cli_long("check", "--jobs", optarg, 1, 1024, &l))
                return EXIT_USAGE;
            co.jobs = (int)l;
            break;
        case O_TIMEOUT:
            if (!cli_double("check", "--timeout", optarg, 0, &d))
                return EXIT_USAGE;
            co.timeout_s = d;
            break;
        case O_MEM:
            if (!cli_long("check", "--max-memory", optarg, 1, 1L << 40, &l))
                return EXIT_USAGE;
            co.max_memory = (size_t)l << 20;
            ro.max_bytes = co.max_memory; /* the input may hold no more */
            break;
        case O_ALL_PARTS:
            co.all_parts = true;
            break;
        case O_SEARCH:
            co.search_only = true;
            break;
        case O_HTML:
            cfg.html_out = optarg;
            break;
        case O_PROGRESS:
            cfg.progress = true;
            break;
        case O_MINIMIZE:
            if (!cli_double("check", "--minimize-time", optarg, 0, &d))
                return EXIT_USAGE;
            co.minimize_s = d;
            break;
        case O_FORMAT: {
            static const char *const forms[] = {"text", "json", "junit", NULL};
            int k = cli_choice("check", "--format", optarg, forms);
            if (k < 0)
                return EXIT_USAGE;
            json = k == 1;
            junit = k == 2;
            break;
        }
        case O_CHECKS:
            if (!parse_checks(optarg, &co.checks))
                return EXIT_USAGE;
            break;
        case O_ORDER: {
            static const char *const orders[] = {"store", "inferred", "realtime", NULL};
            int k = cli_choice("check", "--version-order", optarg, orders);
            if (k < 0)
                return EXIT_USAGE;
            co.order = (sess_order)(SO_STORE + k); /* in the enum's order */
            break;
        }
        case O_CM:
            if (txn_cm_parse(optarg) < 0) {
                cli_error("check", "--consistency-model: unknown model '%s' (models: %s)", optarg,
                          txn_cm_names());
                return EXIT_USAGE;
            }
            co.txn_model = (txn_cm)txn_cm_parse(optarg);
            co.txn_model_given = true;
            break;
        case O_ASSUME: {
            static const char *const keys[] = {"sequential-keys", "linearizable-keys", NULL};
            int k = cli_choice("check", "--assume", optarg, keys);
            if (k < 0)
                return EXIT_USAGE;
            co.txn_assume |= k ? TXN_ORDER_REALTIME : TXN_ORDER_PROCESS;
            break;
        }
        case O_CM_HELP:
            for (int m = 0; m < TCM_COUNT; m++) {
                uint64_t bad = txn_cm_forbids((txn_cm)m);
                printf("%s forbids:", txn_cm_name((txn_cm)m));
                for (int a = 0; a < TA_COUNT; a++)
                    if (bad >> a & 1)
                        printf(" %s", txn_anomaly_name((txn_anomaly)a));
                printf("\n");
            }
            return 0;
        case 'v':
            verbose++;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case ':':
            cli_error("check", "%s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            cli_error("check", "unknown option '%s' (see conch check --help)", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("check", "no history file given (see conch check --help)");
        return EXIT_USAGE;
    }

    cfg.co = co;
    cfg.ro = ro;
    cfg.json = json;
    cfg.junit = junit;
    cfg.verbose = verbose;
    return check_paths(&cfg, argv + optind, (size_t)(argc - optind));
}

void check_config_init(check_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->co.max_memory = default_memory();
    cfg->co.minimize_s = CHECK_MINIMIZE_S;
    cfg->ro.max_bytes = cfg->co.max_memory;
}

int check_paths(const check_config *cfg, char **paths, size_t nfiles)
{
    check_opts co = cfg->co;
    bool json = cfg->json, junit = cfg->junit, text = !json && !junit;
    history **hs = xcalloc(nfiles, sizeof *hs);
    hist_format *fmts = xcalloc(nfiles, sizeof *fmts);
    char **errors = xcalloc(nfiles, sizeof *errors);
    check_item *items = xcalloc(nfiles, sizeof *items);
    size_t *item_of = xcalloc(nfiles, sizeof *item_of);
    size_t nitems = 0;
    int exit_code = EXIT_VALID;
    /* The progress line: on a terminal, or asked for. */
    bool tty = isatty(2);
    report_progress *rp = tty || cfg->progress ? report_progress_start(stderr, tty) : NULL;
    hist_read_opts ro = cfg->ro;
    if (rp && !ro.hook) {
        ro.hook = report_progress_bytes;
        ro.hook_arg = rp;
        ro.events = report_progress_events(rp);
    }
    for (size_t i = 0; i < nfiles; i++) {
        hist_error err = {0};
        struct stat st;
        report_progress_file(rp, paths[i],
                             stat(paths[i], &st) == 0 && S_ISREG(st.st_mode) ? (size_t)st.st_size
                                                                             : 0);
        if (hist_read_file(paths[i], &ro, &hs[i], &fmts[i], &err)) {
            sbuf b = {0};
            hist_error_format(&err, &b);
            errors[i] = b.p;
            exit_code = EXIT_USAGE;
            continue;
        }
        for (size_t w = 0; w < hist_nwarnings(hs[i]); w++)
            fprintf(stderr, "conch check: warning: %s\n", hist_warning(hs[i], w));
        item_of[i] = nitems;
        items[nitems++].h = hs[i];
    }

    /* --max-memory bounds the process: the checks get what the histories
     * and the rest of conch leave of it. */
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
    report_progress_check(rp, cp, items, nitems);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    check_run(items, nitems, &co);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    report_progress_stop(rp);
    progress_free(cp);

    report_opts rep = {isatty(1) && !getenv("NO_COLOR"), cfg->verbose, HIST_FMT_AUTO,
                       cfg->json_out};
    bool want_json = json || cfg->json_out;
    if (junit)
        report_junit_open(stdout);
    json_t *out = want_json ? json_object() : NULL, *files = want_json ? json_array() : NULL;
    for (size_t i = 0; i < nfiles; i++) {
        if (errors[i]) {
            fprintf(stderr, "conch check: %s\n", errors[i]);
            if (want_json)
                json_array_append_new(files, report_json_error(paths[i], errors[i]));
            if (junit)
                report_junit_error(stdout, paths[i], errors[i]);
            continue;
        }
        check_item *it = &items[item_of[i]];
        rep.format = fmts[i];
        if (it->rc) {
            fprintf(stderr, "conch check: %s\n", sbuf_str(&it->why));
            exit_code = cli_worst(exit_code, EXIT_USAGE);
            if (want_json)
                json_array_append_new(files, report_json_error(hist_name(it->h),
                                                               sbuf_str(&it->why)));
            if (junit)
                report_junit_error(stdout, hist_name(it->h), sbuf_str(&it->why));
            continue;
        }
        int code = it->verdict == LIN_VALID ? EXIT_VALID
                   : it->verdict == LIN_INVALID ? EXIT_INVALID : EXIT_UNKNOWN;
        exit_code = cli_worst(exit_code, code);
        if (want_json)
            json_array_append_new(files, report_json(it, &rep));
        if (junit)
            report_junit(stdout, it);
        if (text)
            report_text(stdout, it, &rep);
    }
    static const char *names[] = {"valid", "invalid", "error", "unknown"};
    if (want_json) {
        json_object_set_new(out, "files", files);
        json_object_set_new(out, "verdict", json_string(names[exit_code]));
        json_object_set_new(out, "exit", json_integer(exit_code));
        if (json) {
            json_dumpf(out, stdout, JSON_INDENT(2));
            fputc('\n', stdout);
        }
        if (cfg->json_out && json_dump_file(out, cfg->json_out, JSON_INDENT(2))) {
            cli_error("check", "cannot write %s", cfg->json_out);
            exit_code = cli_worst(exit_code, EXIT_USAGE);
        }
        json_decref(out);
    }
    if (junit)
        report_junit_close(stdout);
    if (cfg->html_out) {
        report_html_file *hf = xcalloc(nfiles ? nfiles : 1, sizeof *hf);
        for (size_t i = 0; i < nfiles; i++) {
            check_item *it = errors[i] ? NULL : &items[item_of[i]];
            hf[i] = (report_html_file){paths[i], it && !it->rc ? it : NULL,
                                       errors[i] ? errors[i] : it ? sbuf_str(&it->why) : "",
                                       fmts[i]};
        }
        sbuf why = {0};
        int64_t t0 = sched_now_ns();
        size_t bytes = 0;
        if (report_html_write(cfg->html_out, hf, nfiles, &bytes, &why)) {
            cli_error("check", "%s", sbuf_str(&why));
            exit_code = cli_worst(exit_code, EXIT_USAGE);
        } else if (cfg->verbose) {
            fprintf(stderr, "conch check: %s: %.2f MB written in %.3f s\n", cfg->html_out,
                    (double)bytes / 1e6, (double)(sched_now_ns() - t0) / 1e9);
        }
        sbuf_free(&why);
        free(hf);
    }
    if (text && nfiles > 1) {
        printf("verdict: %s for %zu files (exit %d)\n", names[exit_code], nfiles, exit_code);
    }
    for (size_t i = 0; i < nitems; i++)
        check_item_free(&items[i]);
    for (size_t i = 0; i < nfiles; i++) {
        hist_free(hs[i]);
        free(errors[i]);
    }
    free(hs);
    free(fmts);
    free(errors);
    free(items);
    free(item_of);
    return exit_code;
}
