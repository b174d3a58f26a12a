/*
 * serve.c - conch serve: run the built-in replicated store until SIGTERM or
 * SIGINT, then shut down cleanly (exit 0).
 *
 * SIGTERM and SIGINT are blocked before any thread starts, so every thread
 * inherits the mask and only the main thread, in sigwait, receives them.
 */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../store/cluster.h"
#include "../store/http.h"
#include "cli.h"

typedef struct serve_args {
    long replicas;
    long port;
    const char *bind;
    const char *admin_token;
    int consistency; /* index in modes[] */
    long r, w;       /* 0: a majority */
    long gossip_ms;
    long lag_ms;
    double drop;
    long seed;       /* -1: from the clock */
    long timeout_ms;
    long threads;
    long max_conns;
    long max_conns_per_ip;
    long request_timeout_ms;
} serve_args;

static const char *const modes[] = {"linearizable", "session", "eventual", "quorum", NULL};

static bool parse_token(const char *cmd, const char *opt, const char *value, void *field)
{
    if (!*value) {
        cli_error(cmd, "%s must not be empty", opt);
        return false;
    }
    *(const char **)field = value;
    return true;
}

#define AT(f, T) OPT_AT(serve_args, f, T)
static const opt_spec serve_opts[] = {
    {.name = "replicas", .arg = "N", .kind = OPT_LONG, .off = AT(replicas, long), .min = 1,
     .max = CLUSTER_MAX_NODES, .def = "3", .help = "number of replicas, 1 to 64"},
    {.name = "port", .arg = "P", .kind = OPT_LONG, .off = AT(port, long), .min = 0,
     .max = 65535, .def = "7001", .help = "port of n1; n2 gets P+1, ...; 0: any free ports"},
    {.name = "bind", .arg = "ADDR", .kind = OPT_STR, .off = AT(bind, const char *),
     .def = "127.0.0.1",
     .help = "address to listen on. The admin endpoints (/admin/...) take no credentials "
             "on a loopback address; on any other they are off unless --admin-token is "
             "given"},
    {.name = "admin-token", .arg = "T", .kind = OPT_STR, .off = AT(admin_token, const char *),
     .parse = parse_token,
     .help = "require 'Authorization: Bearer T' on /admin/... (any address); also from "
             "CONCH_ADMIN_TOKEN, which ps cannot show"},
    {.name = "consistency", .arg = "MODE", .kind = OPT_CHOICE, .off = AT(consistency, int),
     .choices = modes, .def = "linearizable",
     .help = "linearizable, session, eventual or quorum"},
    {.name = "r", .arg = "R", .kind = OPT_LONG, .off = AT(r, long), .min = 1,
     .max = CLUSTER_MAX_NODES, .only_with = "consistency=quorum",
     .help = "quorum mode: replicas a read waits for (default: a majority, N/2+1)"},
    {.name = "w", .arg = "W", .kind = OPT_LONG, .off = AT(w, long), .min = 1,
     .max = CLUSTER_MAX_NODES, .only_with = "consistency=quorum",
     .help = "quorum mode: replicas a write waits for (default: a majority, N/2+1)"},
    {.name = "gossip-ms", .arg = "MS", .kind = OPT_LONG, .off = AT(gossip_ms, long), .min = 1,
     .max = 3600000, .def = "100",
     .help = "period of gossip rounds, leader heartbeats and quorum resends"},
    {.name = "lag-ms", .arg = "MS", .kind = OPT_LONG, .off = AT(lag_ms, long), .min = 0,
     .max = 3600000, .def = "0", .help = "delay of every message between replicas"},
    {.name = "drop", .arg = "FRACTION", .kind = OPT_DOUBLE, .off = AT(drop, double), .dmin = 0,
     .dmax = 1, .def = "0", .help = "fraction of messages between replicas lost at random"},
    {.name = "seed", .arg = "S", .kind = OPT_LONG, .off = AT(seed, long), .min = 0,
     .max = LONG_MAX,
     .help = "seed of message loss and gossip peers (default: from the clock; shown in "
             "/admin/state)"},
    {.name = "timeout-ms", .arg = "MS", .kind = OPT_LONG, .off = AT(timeout_ms, long), .min = 1,
     .max = 3600000, .def = "1000",
     .help = "how long a request waits for other replicas before 503"},
    {.name = "threads", .arg = "T", .kind = OPT_LONG, .off = AT(threads, long), .min = 1,
     .max = 256, .def = "4", .help = "HTTP threads per replica"},
    {.name = "max-conns", .arg = "N", .kind = OPT_LONG, .off = AT(max_conns, long), .min = 1,
     .max = 1000000, .def = "1024", .help = "connections a replica holds at once"},
    {.name = "max-conns-per-ip", .arg = "N", .kind = OPT_LONG, .off = AT(max_conns_per_ip, long),
     .min = 1, .max = 1000000, .def = "256", .help = "of those, from one client address"},
    {.name = "request-timeout-ms", .arg = "MS", .kind = OPT_LONG,
     .off = AT(request_timeout_ms, long), .min = 100, .max = 3600000, .def = "10000",
     .help = "time a connection has to send a whole request, from when it opens or from "
             "its previous answer; then it is closed. With the two above, slow clients "
             "cannot keep a replica from answering others"},
    OPT_HELP_AND_MAN,
    {0},
};
#undef AT

const opt_cmd cli_cmd_serve = {
    .name = "serve",
    .summary = "run the built-in replicated store",
    .synopsis = "[options]",
    .about = "Run a replicated key-value store over HTTP, N replicas in this process, "
             "replica i on port P+i-1, with the consistency chosen here, to be checked "
             "with conch run. It prints one line per replica, and runs until SIGTERM or "
             "SIGINT (Ctrl-C), then stops cleanly.",
    .opts = serve_opts,
    .notes = "API: GET /kv/KEY, PUT /kv/KEY {\"value\":V}, POST /kv/KEY/cas "
             "{\"old\":A,\"new\":B}, GET /health, POST /admin/partition "
             "{\"groups\":[[\"n1\"],[\"n2\",\"n3\"]]}, POST /admin/heal, GET /admin/state. "
             "Session tokens travel in the X-Conch-Session header. The README's \"conch "
             "serve\" section says more.\n\n"
             "Modes: linearizable (a leader orders every operation and answers once a "
             "majority has it), session (writes through the leader, reads wait for the "
             "client's session token), eventual (every replica answers alone and gossips), "
             "quorum (Dynamo-style R and W).",
    .exit_status = "Exit: 0 after SIGTERM or SIGINT, 2 bad usage or a port that cannot be "
                   "bound.",
    .environment = "CONCH_ADMIN_TOKEN\n"
                   "  the admin endpoints' bearer token, as --admin-token gives it (the option "
                   "wins); ps does not show it",
    .examples = "  conch serve --consistency session --lag-ms 50\n"
                "  conch serve --port 0 --consistency quorum --r 1 --w 1\n"
                "  curl -X PUT localhost:7001/kv/x -d '{\"value\":1}'\n"
                "  curl -X POST localhost:7001/admin/partition -d "
                "'{\"groups\":[[\"n1\"],[\"n2\",\"n3\"]]}'",
    .run = cmd_serve,
};

/* The store's and HTTP's configuration from the command line (and
 * CONCH_ADMIN_TOKEN); false, with the reason said, if they do not fit
 * together. */
static bool serve_config_from(const serve_args *a, cluster_config *cfg, http_config *hc)
{
    *cfg = (cluster_config){
        .n = (int)a->replicas, .gossip_ms = (int)a->gossip_ms, .lag_ms = (int)a->lag_ms,
        .drop = a->drop, .timeout_ms = (int)a->timeout_ms,
        .seed = a->seed >= 0 ? (uint64_t)a->seed
                             : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
    };
    cluster_mode_parse(modes[a->consistency], &cfg->mode);
    *hc = (http_config){
        .bind = a->bind, .port = (int)a->port, .threads = (int)a->threads,
        .max_body = 1 << 20, .max_conns = (unsigned)a->max_conns,
        .max_conns_per_ip = (unsigned)a->max_conns_per_ip,
        .request_timeout_ms = (int)a->request_timeout_ms, .admin_token = a->admin_token,
    };
    const char *env_token = getenv("CONCH_ADMIN_TOKEN");
    if (!hc->admin_token && env_token && *env_token)
        hc->admin_token = env_token;
    if (hc->port && hc->port + cfg->n - 1 > 65535) {
        cli_error("serve", "--port %d with %d replicas goes past port 65535", hc->port, cfg->n);
        return false;
    }
    cfg->r = a->r ? (int)a->r : cfg->n / 2 + 1;
    cfg->w = a->w ? (int)a->w : cfg->n / 2 + 1;
    if (cfg->r > cfg->n || cfg->w > cfg->n) {
        cli_error("serve", "--r %d and --w %d must be at most the number of replicas, %d",
                  cfg->r, cfg->w, cfg->n);
        return false;
    }
    return true;
}

/* Let the process hold every connection the limits allow (a shell's soft
 * limit is often 1024): raise the soft limit toward the hard one, and say
 * so if that is not enough. */
static void raise_fd_limit(int replicas, unsigned max_conns)
{
    rlim_t need = (rlim_t)replicas * (max_conns + 16) + 64;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
        return;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < need)
        fprintf(stderr, "conch serve: warning: the process may open %llu files, fewer than "
                        "--max-conns allows (%llu); new connections wait when it runs out\n",
                (unsigned long long)rl.rlim_cur, (unsigned long long)need);
}

/* Start the store, say where it listens, serve until SIGTERM or SIGINT,
 * stop. The exit code. */
static int serve(const cluster_config *cfg, const http_config *hc)
{
    /* Before any thread starts: see the top of the file. A shell starts
     * background jobs with SIGINT ignored, and an ignored signal never
     * reaches sigwait: take both back. */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    raise_fd_limit(cfg->n, hc->max_conns);
    int rc = EXIT_USAGE;
    http_server *hs = NULL;
    store_error err;
    cluster *cl = cluster_new(cfg);
    if (cluster_start(cl, &err) || !(hs = http_start(cl, hc, &err))) {
        cli_error("serve", "%s", err.msg);
        goto out;
    }
    for (int i = 0; i < cfg->n; i++) {
        char name[12];
        cluster_node_name(i, name);
        printf("conch serve: %s on %s (%s)\n", name, http_url(hs, i),
               cluster_mode_name(cfg->mode));
    }
    if (!hc->admin_token && !http_admin_open(hs))
        fprintf(stderr, "conch serve: the admin endpoints are off: %s is not a loopback "
                        "address, and no --admin-token was given\n", hc->bind);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "conch serve: %s, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = EXIT_VALID;
out:
    /* Fail requests still waiting for replicas, then stop HTTP (which waits
     * for requests in progress), then the replicas. */
    cluster_close(cl);
    http_stop(hs);
    cluster_free(cl);
    return rc;
}

int cmd_serve(int argc, char **argv)
{
    serve_args a = {.seed = -1};
    size_t n;
    opt_rc prc = opt_parse(&cli_cmd_serve, argc, argv, &a, &n);
    if (prc != OPT_OK)
        return opt_exit(prc);
    cluster_config cfg;
    http_config hc;
    if (!serve_config_from(&a, &cfg, &hc))
        return EXIT_USAGE;
    return serve(&cfg, &hc);
}
