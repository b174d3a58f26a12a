/*
 * run_nemesis.c - see run_nemesis.h.
 */
#include "run_nemesis.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/mem.h"

bool run_nem_cluster(const run_nem_args *a, run_nem *rn, char ***urls, size_t *nurls)
{
    if ((a->cluster || a->nodes.n) && !cli_cluster("run", a->cluster, &a->nodes, &rn->cluster))
        return false;
    if (*nurls)
        return true;
    for (size_t i = 0; i < rn->cluster.n; i++)
        if (rn->cluster.nodes[i].url) {
            rn->urls = xrealloc(rn->urls, (rn->nurls + 1) * sizeof *rn->urls);
            rn->urls[rn->nurls++] = xstrdup(rn->cluster.nodes[i].url);
        }
    if (!rn->nurls) {
        cli_error("run", "no URL given, and the cluster's nodes have none (\"url\")");
        return false;
    }
    *urls = rn->urls;
    *nurls = rn->nurls;
    return true;
}

/* conch serve's replicas, one node per URL, named as each says it is
 * (GET /health); partitions through its /admin/partition. */
static bool serve_nodes(const runner_config *rc, const ask_opts *http, clu_desc *c)
{
    c->source = xstrdup("the URLs (conch serve's replicas)");
    for (size_t i = 0; i < rc->nurls; i++) {
        const char *u = rc->urls[i];
        size_t len = strlen(u);
        while (len && u[len - 1] == '/')
            len--;
        sbuf url = {0}, resp = {0}, why = {0};
        sbuf_printf(&url, "%.*s/health", (int)len, u);
        long status = 0;
        json_t *j = NULL;
        const char *name = NULL;
        if (ask_http(http, "GET", url.p, NULL, 5000, &status, &resp, &why) && status == 200 &&
            (j = json_loads(sbuf_str(&resp), 0, NULL)))
            name = json_string_value(json_object_get(j, "node"));
        sbuf_reset(&why);
        if (name && clu_find(c, name) >= 0) {
            cli_error("run", "URLs %zu and another both reach replica %s", i + 1, name);
            name = NULL;
        } else if (name) {
            sbuf spec = {0};
            sbuf_printf(&spec, "%s,url=%.*s", name, (int)len, u);
            if (!clu_add_node_spec(c, spec.p, &why)) {
                cli_error("run", "%s", sbuf_str(&why));
                name = NULL;
            }
            sbuf_free(&spec);
        } else {
            cli_error("run", "--nemesis: URL %zu is not a conch serve replica that says its "
                             "name (GET /health); describe the cluster with --cluster or --node",
                      i + 1);
        }
        bool ok = name != NULL;
        json_decref(j);
        sbuf_free(&url);
        sbuf_free(&resp);
        sbuf_free(&why);
        if (!ok)
            return false;
    }
    c->admin = xstrndup(rc->urls[0], strcspn(rc->urls[0], "?#"));
    size_t n = strlen(c->admin);
    while (n && c->admin[n - 1] == '/')
        c->admin[--n] = '\0';
    return true;
}

/* What each store's leader looks like to a probe of one node. */
static void builtin_probe(const char *store, clu_probe *p)
{
    memset(p, 0, sizeof *p);
    if (!strcmp(store, "etcd")) {
        /* etcd's v3 gateway: the member that answers is the leader when
         * its own id is the leader's (a backreference). */
        p->method = "POST";
        p->path = "/v3/maintenance/status";
        p->body = "{}";
        p->match = "\"member_id\":\"(\\d+)\".*\"leader\":\"\\1\"";
    } else if (!strcmp(store, "conch")) {
        p->method = "GET";
        p->path = "/admin/state";
        p->match = "\"leader\":\"{name}\"";
    }
}

static void on_note(void *ctx, const char *line)
{
    run_nem *rn = ctx;
    flockfile(stderr);
    fprintf(stderr, "%sconch run: nemesis: %s\n", rn->tty ? "\r\033[K" : "", line);
    funlockfile(stderr);
}

static bool parse_kinds(const char *list, nem_config *cfg)
{
    const char *p = list;
    cfg->nkinds = 0;
    while (*p) {
        size_t len = strcspn(p, ",");
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31), p);
        int k = nem_kind_find(name);
        if (k < 0 || len >= 31) {
            cli_error("run", "--nemesis: unknown kind '%.*s' (expected pause, kill, partition "
                             "or clock, comma-separated)",
                      (int)len, p);
            return false;
        }
        if (cfg->nkinds == sizeof cfg->kinds / sizeof *cfg->kinds) {
            cli_error("run", "--nemesis: at most %zu kinds", cfg->nkinds);
            return false;
        }
        cfg->kinds[cfg->nkinds++] = (nem_kind)k;
        p += len + (p[len] == ',');
    }
    if (!cfg->nkinds) {
        cli_error("run", "--nemesis: no kind given (pause, kill, partition, clock)");
        return false;
    }
    return true;
}

bool run_nem_config(const run_nem_args *a, const char *store, const runner_config *rc,
                    run_nem *rn)
{
    if (!a->kinds)
        return true;
    nem_config *cfg = &rn->cfg;
    memset(cfg, 0, sizeof *cfg);
    if (!parse_kinds(a->kinds, cfg))
        return false;
    cfg->http = (ask_opts){.headers = rc->headers, .nheaders = rc->nheaders,
                           .cacert = rc->cacert, .cert = rc->cert, .key = rc->key,
                           .insecure = rc->insecure};
    if (!rn->cluster.n) {
        if (strcmp(store, "conch")) {
            cli_error("run", "--nemesis needs the cluster: --cluster FILE or --node (only conch "
                             "serve's replicas are found from their URLs)");
            return false;
        }
        if (!serve_nodes(rc, &cfg->http, &rn->cluster))
            return false;
    }
    cfg->cluster = &rn->cluster;
    cfg->target = NEM_RANDOM;
    if (a->target) {
        int t = nem_target_find(a->target);
        cfg->target = t >= 0 ? (nem_target)t : NEM_NAMED;
        cfg->target_name = a->target;
    }
    cfg->interval_s = a->interval;
    cfg->duration_s = a->duration > 0 ? a->duration : a->interval;
    cfg->start_s = a->start >= 0 ? a->start : a->interval;
    cfg->stop_s = a->stop;
    cfg->clock = a->clock;
    builtin_probe(store, &cfg->leader);
    cfg->seed = rc->wl.seed ^ 0x6e656d65736973ULL; /* "nemesis": its own stream */
    cfg->note = on_note;
    cfg->note_ctx = rn;
    rn->tty = isatty(2) != 0;
    sbuf why = {0};
    bool ok = nem_check(cfg, &why);
    if (!ok)
        cli_error("run", "%s", sbuf_str(&why));
    sbuf_free(&why);
    return ok;
}

static bool side_take(void *ctx, char **f, json_t **value)
{
    return nem_take(ctx, f, value);
}

static void side_stop(void *ctx)
{
    nem_stop(ctx);
}

static bool side_done(void *ctx)
{
    return nem_done(ctx);
}

static void schedule_text(const run_nem *rn, sbuf *out)
{
    const nem_config *c = &rn->cfg;
    for (size_t i = 0; i < c->nkinds; i++)
        sbuf_printf(out, "%s%s", i ? ", " : "", nem_kind_name(c->kinds[i]));
    sbuf_printf(out, " on %s%s", c->target == NEM_NAMED ? "" : "a ",
                c->target == NEM_NAMED ? c->target_name
                : c->target == NEM_RANDOM ? "random node"
                                          : nem_target_name(c->target));
    sbuf_printf(out, ", from %g s, each %g s, every %g s", c->start_s, c->duration_s,
                c->interval_s);
    if (c->stop_s > 0)
        sbuf_printf(out, ", until %g s", c->stop_s);
}

bool run_nem_start(run_nem *rn, const char *log_dir, runner_config *rc)
{
    if (!rn->cfg.nkinds)
        return true;
    rn->cfg.log_dir = log_dir;
    sbuf why = {0};
    rn->n = nem_start(&rn->cfg, &why);
    if (!rn->n) {
        cli_error("run", "%s", sbuf_str(&why));
        sbuf_free(&why);
        return false;
    }
    rn->side = (runner_side){nem_fd(rn->n), side_take, side_stop, side_done, rn->n};
    rc->side = &rn->side;
    schedule_text(rn, &why);
    fprintf(stderr, "conch run: nemesis: %s\n", sbuf_str(&why));
    sbuf_free(&why);
    return true;
}

void run_nem_finish(run_nem *rn)
{
    nem_finish(rn->n);
}

void run_nem_report(const run_nem *rn, FILE *f)
{
    if (!rn->n)
        return;
    size_t n;
    const nem_fault *fs = nem_faults(rn->n, &n);
    sbuf s = {0};
    schedule_text(rn, &s);
    fprintf(f, "nemesis: %s: %zu fault%s\n", sbuf_str(&s), n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        sbuf line = {0};
        sbuf_add_printable(&line, fs[i].what, strlen(fs[i].what));
        if (fs[i].stop_s >= 0)
            fprintf(f, "  %6.1f - %6.1f s  %-9s %s\n", fs[i].start_s, fs[i].stop_s,
                    nem_kind_name(fs[i].kind), sbuf_str(&line));
        else
            fprintf(f, "  %6.1f s           %-9s %s%s\n", fs[i].start_s,
                    nem_kind_name(fs[i].kind), sbuf_str(&line),
                    fs[i].error && !strstr(fs[i].what, "(pid") ? " (not done)" : "");
        if (fs[i].error) {
            sbuf_reset(&line);
            sbuf_add_printable(&line, fs[i].error, strlen(fs[i].error));
            fprintf(f, "                    error: %s\n", sbuf_str(&line));
        }
        sbuf_free(&line);
    }
    sbuf_free(&s);
}

json_t *run_nem_json(const run_nem *rn)
{
    if (!rn->n)
        return NULL;
    size_t n;
    const nem_fault *fs = nem_faults(rn->n, &n);
    json_t *kinds = json_array(), *faults = json_array();
    for (size_t i = 0; i < rn->cfg.nkinds; i++)
        json_array_append_new(kinds, json_string(nem_kind_name(rn->cfg.kinds[i])));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:f}", "kind", nem_kind_name(fs[i].kind), "what",
                              fs[i].what, "start", fs[i].start_s);
        json_object_set_new(o, "stop", fs[i].stop_s >= 0 ? json_real(fs[i].stop_s) : json_null());
        if (fs[i].error)
            json_object_set_new(o, "error", json_string(fs[i].error));
        json_array_append_new(faults, o);
    }
    const nem_config *c = &rn->cfg;
    return json_pack("{s:o, s:s, s:f, s:f, s:f, s:o}", "kinds", kinds, "target",
                     c->target == NEM_NAMED ? c->target_name : nem_target_name(c->target),
                     "start", c->start_s, "duration", c->duration_s, "interval", c->interval_s,
                     "faults", faults);
}

void run_nem_free(run_nem *rn)
{
    nem_free(rn->n);
    rn->n = NULL;
    clu_free(&rn->cluster);
    for (size_t i = 0; i < rn->nurls; i++)
        free(rn->urls[i]);
    free(rn->urls);
}
