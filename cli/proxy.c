/*
 * proxy.c - conch proxy: the TCP proxy a store's nodes reach their peers
 * through (nemesis/proxy.h), so that conch run --nemesis partition (or
 * anyone, with curl) can cut them apart and heal them. Also where the
 * cluster description is read from --cluster and --node, for run too.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../nemesis/proxy.h"
#include "cli.h"

bool cli_cluster(const char *cmd, const char *file, const opt_list *nodes, clu_desc *c)
{
    sbuf why = {0};
    bool ok = true;
    memset(c, 0, sizeof *c);
    if (file)
        ok = clu_load_file(file, c, &why);
    for (size_t i = 0; ok && i < nodes->n; i++)
        ok = clu_add_node_spec(c, nodes->v[i], &why);
    if (!ok) {
        cli_error(cmd, "%s", sbuf_str(&why));
        clu_free(c);
    }
    sbuf_free(&why);
    return ok;
}

typedef struct proxy_args {
    const char *cluster;
    opt_list nodes;
    const char *admin;
    int mode;
} proxy_args;

static const char *const modes[] = {"blackhole", "drop", NULL};

#define AT(f, T) OPT_AT(proxy_args, f, T)
static const opt_spec proxy_opts[] = {
    {.name = "cluster", .arg = "FILE", .kind = OPT_FILE, .off = AT(cluster, const char *),
     .help = "the cluster file: each node with a peer (listened on) and a peer_target "
             "(forwarded to) gets a route; its admin URL is where the admin endpoints listen"},
    {.name = "node", .arg = "SPEC", .kind = OPT_LIST, .off = AT(nodes, opt_list),
     .help = "a node, as NAME,peer=HOST:PORT,peer-target=HOST:PORT (repeatable; beside "
             "--cluster's)"},
    {.name = "admin", .arg = "HOST:PORT", .kind = OPT_STR, .off = AT(admin, const char *),
     .help = "where the admin endpoints listen, on loopback (default: the cluster file's "
             "admin, else 127.0.0.1:0, a free port)"},
    {.name = "mode", .arg = "MODE", .kind = OPT_CHOICE, .off = AT(mode, int), .choices = modes,
     .def = "blackhole",
     .help = "what a cut does to a connection: blackhole (held, nothing passes until the "
             "heal) or drop (reset); a partition request may say otherwise"},
    OPT_HELP_AND_MAN,
    {0},
};
#undef AT

const opt_cmd cli_cmd_proxy = {
    .name = "proxy",
    .summary = "a TCP proxy between a store's nodes, to partition them",
    .synopsis = "(--cluster FILE | --node SPEC...) [--admin HOST:PORT] [--mode MODE]",
    .about = "Listen on each node's peer address and forward every connection to the "
             "node's peer_target, so that the nodes reach each other through conch proxy. "
             "POST /admin/partition {\"groups\":[[\"n1\"],[\"n2\",\"n3\"]]} cuts the "
             "connections between groups (a node in no group is alone), POST /admin/heal "
             "joins them again, GET /admin/state says what is cut; conch run --nemesis "
             "partition does this on its schedule. Who opened a connection is found from "
             "the process holding its other end (/proc): the node listening on that "
             "process's peer_target. It prints a line per route and one for the admin "
             "endpoints, and runs until SIGTERM or SIGINT.",
    .opts = proxy_opts,
    .notes = "While cut, a blackholed connection passes nothing, and what was sent waits, "
             "as in a real partition; at the heal it goes on. A connection from no known "
             "node is cut by any partition. Linux only (/proc); IPv4.",
    .exit_status = "Exit: 0 after SIGTERM or SIGINT, 2 bad usage or an address that cannot "
                   "be listened on.",
    .examples = "  conch proxy --cluster cluster.json\n"
                "  conch proxy --admin 127.0.0.1:9000 --node n1,peer=127.0.0.1:12380,"
                "peer-target=127.0.0.1:22380 --node n2,peer=127.0.0.1:12381,"
                "peer-target=127.0.0.1:22381\n"
                "  curl -X POST 127.0.0.1:9000/admin/partition -d '{\"groups\":[[\"n1\"]]}'",
    .run = cmd_proxy,
};

static _Atomic int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, 1);
}

int cmd_proxy(int argc, char **argv)
{
    proxy_args a = {0};
    clu_desc c = {0};
    proxy *p = NULL;
    int rc = EXIT_USAGE;
    size_t n;
    opt_rc prc = opt_parse(&cli_cmd_proxy, argc, argv, &a, &n);
    if (prc != OPT_OK) {
        rc = opt_exit(prc);
        goto out;
    }
    if (!a.cluster && !a.nodes.n) {
        cli_error("proxy", "give --cluster FILE or --node SPEC (see conch proxy --help)");
        goto out;
    }
    if (!cli_cluster("proxy", a.cluster, &a.nodes, &c))
        goto out;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    px_config cfg = {.cluster = &c, .admin = a.admin ? a.admin : c.admin ? c.admin : "127.0.0.1:0",
                     .mode = (px_mode)a.mode};
    sbuf why = {0};
    p = px_new(&cfg, &why);
    if (!p) {
        cli_error("proxy", "%s", sbuf_str(&why));
        sbuf_free(&why);
        goto out;
    }
    for (size_t i = 0; i < c.n; i++)
        if (c.nodes[i].peer)
            printf("conch proxy: %s %s -> %s\n", c.nodes[i].name, c.nodes[i].peer,
                   c.nodes[i].peer_target);
    printf("conch proxy: admin on %s (%s)\n", px_admin_url(p), px_mode_name(cfg.mode));
    fflush(stdout);
    px_run(p, &stop_flag);
    fprintf(stderr, "conch proxy: stopping\n");
    rc = EXIT_VALID;
out:
    px_free(p);
    clu_free(&c);
    free(a.nodes.v);
    return rc;
}
