/*
 * serve.c - conch serve: run the built-in replicated store until SIGTERM or
 * SIGINT, then shut down cleanly (exit 0).
 *
 * SIGTERM and SIGINT are blocked before any thread starts, so every thread
 * inherits the mask and only the main thread, in sigwait, receives them.
 */
#include <getopt.h>
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

static const char usage[] =
    "usage: conch serve [options]\n"
    "\n"
    "Run a replicated key-value store over HTTP, N replicas in this process,\n"
    "replica i on port P+i-1, with the consistency chosen here. Stop it with\n"
    "SIGTERM or SIGINT (Ctrl-C).\n"
    "\n"
    "  --replicas N        number of replicas, 1..64 (default 3)\n"
    "  --port P            port of n1; n2 gets P+1, ... (default 7001; 0: any free ports)\n"
    "  --bind ADDR         address to listen on (default 127.0.0.1). The admin\n"
    "                      endpoints (/admin/...) take no credentials on a loopback\n"
    "                      address; on any other they are off unless --admin-token\n"
    "                      is given\n"
    "  --admin-token T     require 'Authorization: Bearer T' on /admin/... (any\n"
    "                      address); also from CONCH_ADMIN_TOKEN, which ps cannot show\n"
    "  --consistency MODE  linearizable (default), session, eventual or quorum\n"
    "  --r R, --w W        quorum mode: replicas a read / a write waits for\n"
    "                      (default N/2+1 each)\n"
    "  --gossip-ms MS      period of gossip rounds and leader heartbeats (default 100)\n"
    "  --lag-ms MS         delay of every message between replicas (default 0)\n"
    "  --drop FRACTION     fraction of messages between replicas lost (default 0)\n"
    "  --seed S            seed for message loss and gossip peers (default: from the clock)\n"
    "  --timeout-ms MS     how long a request waits for other replicas before 503\n"
    "                      (default 1000)\n"
    "  --threads T         HTTP threads per replica (default 4)\n"
    "  --max-conns N       connections a replica holds at once (default 1024)\n"
    "  --max-conns-per-ip N  of those, from one client address (default 256)\n"
    "  --request-timeout-ms MS  time a connection has to send a whole request,\n"
    "                      from when it opens or from its previous answer; then\n"
    "                      it is closed (default 10000). With the two above, slow\n"
    "                      clients cannot keep a replica from answering others\n"
    "  -h, --help          this text\n"
    "\n"
    "API: GET /kv/KEY, PUT /kv/KEY {\"value\":V}, POST /kv/KEY/cas {\"old\":A,\"new\":B},\n"
    "GET /health, POST /admin/partition {\"groups\":[[\"n1\"],[\"n2\",\"n3\"]]},\n"
    "POST /admin/heal, GET /admin/state. Session tokens travel in the\n"
    "X-Conch-Session header. The README's \"conch serve\" section says more.\n";

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

int cmd_serve(int argc, char **argv)
{
    enum {
        O_REPLICAS = 256, O_PORT, O_BIND, O_CONSISTENCY, O_R, O_W, O_GOSSIP, O_LAG, O_DROP,
        O_SEED, O_TIMEOUT, O_THREADS, O_MAXCONNS, O_MAXPERIP, O_REQTIMEOUT, O_ADMINTOKEN,
    };
    static const struct option longopts[] = {
        {"replicas", required_argument, NULL, O_REPLICAS},
        {"port", required_argument, NULL, O_PORT},
        {"bind", required_argument, NULL, O_BIND},
        {"consistency", required_argument, NULL, O_CONSISTENCY},
        {"r", required_argument, NULL, O_R},
        {"w", required_argument, NULL, O_W},
        {"gossip-ms", required_argument, NULL, O_GOSSIP},
        {"lag-ms", required_argument, NULL, O_LAG},
        {"drop", required_argument, NULL, O_DROP},
        {"seed", required_argument, NULL, O_SEED},
        {"timeout-ms", required_argument, NULL, O_TIMEOUT},
        {"threads", required_argument, NULL, O_THREADS},
        {"max-conns", required_argument, NULL, O_MAXCONNS},
        {"max-conns-per-ip", required_argument, NULL, O_MAXPERIP},
        {"request-timeout-ms", required_argument, NULL, O_REQTIMEOUT},
        {"admin-token", required_argument, NULL, O_ADMINTOKEN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cluster_config cfg = {
        .n = 3, .mode = CLUSTER_LINEARIZABLE, .gossip_ms = 100, .lag_ms = 0, .drop = 0,
        .timeout_ms = 1000, .seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
    };
    http_config hc = {.bind = "127.0.0.1", .port = 7001, .threads = 4, .max_body = 1 << 20,
                      .max_conns = 1024, .max_conns_per_ip = 256, .request_timeout_ms = 10000};
    const char *env_token = getenv("CONCH_ADMIN_TOKEN");
    if (env_token && *env_token)
        hc.admin_token = env_token;
    long l, r = 0, w = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case O_REPLICAS:
            if (!cli_long("serve", "--replicas", optarg, 1, CLUSTER_MAX_NODES, &l))
                return EXIT_USAGE;
            cfg.n = (int)l;
            break;
        case O_PORT:
            if (!cli_long("serve", "--port", optarg, 0, 65535, &l))
                return EXIT_USAGE;
            hc.port = (int)l;
            break;
        case O_BIND:
            hc.bind = optarg;
            break;
        case O_CONSISTENCY:
            if (!cluster_mode_parse(optarg, &cfg.mode)) {
                cli_error("serve", "--consistency expects linearizable, session, eventual or "
                                   "quorum, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case O_R:
            if (!cli_long("serve", "--r", optarg, 1, CLUSTER_MAX_NODES, &r))
                return EXIT_USAGE;
            break;
        case O_W:
            if (!cli_long("serve", "--w", optarg, 1, CLUSTER_MAX_NODES, &w))
                return EXIT_USAGE;
            break;
        case O_GOSSIP:
            if (!cli_long("serve", "--gossip-ms", optarg, 1, 3600000, &l))
                return EXIT_USAGE;
            cfg.gossip_ms = (int)l;
            break;
        case O_LAG:
            if (!cli_long("serve", "--lag-ms", optarg, 0, 3600000, &l))
                return EXIT_USAGE;
            cfg.lag_ms = (int)l;
            break;
        case O_DROP:
            if (!cli_double("serve", "--drop", optarg, 0, &cfg.drop))
                return EXIT_USAGE;
            if (cfg.drop > 1) {
                cli_error("serve", "--drop expects a fraction from 0 to 1, got '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case O_SEED:
            if (!cli_long("serve", "--seed", optarg, 0, LONG_MAX, &l))
                return EXIT_USAGE;
            cfg.seed = (uint64_t)l;
            break;
        case O_TIMEOUT:
            if (!cli_long("serve", "--timeout-ms", optarg, 1, 3600000, &l))
                return EXIT_USAGE;
            cfg.timeout_ms = (int)l;
            break;
        case O_THREADS:
            if (!cli_long("serve", "--threads", optarg, 1, 256, &l))
                return EXIT_USAGE;
            hc.threads = (int)l;
            break;
        case O_MAXCONNS:
            if (!cli_long("serve", "--max-conns", optarg, 1, 1000000, &l))
                return EXIT_USAGE;
            hc.max_conns = (unsigned)l;
            break;
        case O_MAXPERIP:
            if (!cli_long("serve", "--max-conns-per-ip", optarg, 1, 1000000, &l))
                return EXIT_USAGE;
            hc.max_conns_per_ip = (unsigned)l;
            break;
        case O_REQTIMEOUT:
            if (!cli_long("serve", "--request-timeout-ms", optarg, 100, 3600000, &l))
                return EXIT_USAGE;
            hc.request_timeout_ms = (int)l;
            break;
        case O_ADMINTOKEN:
            if (!*optarg) {
                cli_error("serve", "--admin-token must not be empty");
                return EXIT_USAGE;
            }
            hc.admin_token = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case ':':
            cli_error("serve", "%s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            cli_error("serve", "unknown option '%s' (see conch serve --help)", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("serve", "unexpected argument '%s' (see conch serve --help)", argv[optind]);
        return EXIT_USAGE;
    }
    if (hc.port && hc.port + cfg.n - 1 > 65535) {
        cli_error("serve", "--port %d with %d replicas goes past port 65535", hc.port, cfg.n);
        return EXIT_USAGE;
    }
    if ((r || w) && cfg.mode != CLUSTER_QUORUM) {
        cli_error("serve", "--r and --w apply to --consistency quorum only");
        return EXIT_USAGE;
    }
    cfg.r = r ? (int)r : cfg.n / 2 + 1;
    cfg.w = w ? (int)w : cfg.n / 2 + 1;
    if (cfg.r > cfg.n || cfg.w > cfg.n) {
        cli_error("serve", "--r %d and --w %d must be at most the number of replicas, %d", cfg.r,
                  cfg.w, cfg.n);
        return EXIT_USAGE;
    }

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

    raise_fd_limit(cfg.n, hc.max_conns);
    int rc = EXIT_USAGE;
    http_server *hs = NULL;
    store_error err;
    cluster *cl = cluster_new(&cfg);
    if (cluster_start(cl, &err) || !(hs = http_start(cl, &hc, &err))) {
        cli_error("serve", "%s", err.msg);
        goto out;
    }
    for (int i = 0; i < cfg.n; i++) {
        char name[12];
        cluster_node_name(i, name);
        printf("conch serve: %s on %s (%s)\n", name, http_url(hs, i), cluster_mode_name(cfg.mode));
    }
    if (!hc.admin_token && !http_admin_open(hs))
        fprintf(stderr, "conch serve: the admin endpoints are off: %s is not a loopback "
                        "address, and no --admin-token was given\n", hc.bind);
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
