/*
 * nemesis_fault.c - each kind of fault, and whom it hits (nemesis_int.h).
 *
 * The watchdog hears what undoes a fault before the fault is done, so
 * there is no moment at which conch could die leaving a fault nobody knows
 * of; undoing what was not done (SIGCONT to a running process, a heal with
 * no partition, a start of a node that runs) is harmless.
 *
 * Nodes may share a process (conch serve's replicas are one): a fault on
 * a process is done once, whichever of its nodes were chosen.
 */
#include "nemesis_int.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../proto/admin.h"
#include "../util/clock.h"
#include "../util/rng.h"
#include "node.h"
#include "proc.h"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static bool stopping(nemesis *n)
{
    pthread_mutex_lock(&n->mu);
    bool s = n->stop;
    pthread_mutex_unlock(&n->mu);
    return s;
}

const char *fault_needs(const nem_config *c, nem_kind k, int i)
{
    const clu_node *nd = &c->cluster->nodes[i];
    bool pid = nd->pid || nd->pid_file;
    switch (k) {
    case NEM_PAUSE:
        return pid ? NULL : "no pid or pid_file";
    case NEM_KILL:
        return !pid ? "no pid or pid_file" : !nd->start ? "no start command" : NULL;
    case NEM_PARTITION:
        return NULL; /* the cluster's admin URL: nem_check looks */
    case NEM_CLOCK:
        if (nd->faketime_file)
            return NULL;
        return !pid ? "no faketime_file, nor a pid or pid_file to restart it by"
             : !nd->start ? "no faketime_file, nor a start command to restart it under "
                            "libfaketime"
             : NULL;
    case NEM_NKINDS:
        break;
    }
    return "?";
}

/* ---- the leader ---- */

/* The probe's pattern for node name: "{name}" made a literal. */
static void probe_pattern(const char *match, const char *name, sbuf *out)
{
    for (const char *p = match; *p;) {
        if (!strncmp(p, "{name}", 6)) {
            sbuf_printf(out, "\\Q%s\\E", name);
            p += 6;
        } else {
            sbuf_addc(out, *p++);
        }
    }
}

/* Does text match pattern? -1 if the pattern does not compile (why). */
static int matches(const char *pattern, const char *text, size_t len, sbuf *why)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_DOTALL, &err,
                                   &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        sbuf_printf(why, "the leader probe's match does not compile at %zu: %s", (size_t)off,
                    (char *)msg);
        return -1;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)text, len, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return rc >= 0;
}

bool fault_probe_ok(const clu_probe *p, sbuf *why)
{
    sbuf pat = {0};
    probe_pattern(p->match, "n1", &pat);
    bool ok = matches(sbuf_str(&pat), "", 0, why) >= 0;
    sbuf_free(&pat);
    return ok;
}

/* Ask each node once; the first that says it leads, or -1. */
static int probe_once(nemesis *n, const clu_probe *p, sbuf *said)
{
    const clu_desc *cl = n->c.cluster;
    for (size_t k = 0; k < cl->n; k++) {
        sbuf url = {0}, resp = {0}, why = {0}, pat = {0};
        long status = 0;
        const char *base = cl->nodes[k].url;
        size_t blen = strlen(base);
        while (blen && base[blen - 1] == '/')
            blen--;
        sbuf_printf(&url, "%.*s%s", (int)blen, base, p->path);
        bool leads = false;
        if (ask_http(&n->c.http, p->method, url.p, p->body, 1000, &status, &resp, &why) &&
            status / 100 == 2) {
            probe_pattern(p->match, cl->nodes[k].name, &pat);
            leads = matches(pat.p, sbuf_str(&resp), resp.len, said) == 1;
        }
        sbuf_free(&url);
        sbuf_free(&resp);
        sbuf_free(&why);
        sbuf_free(&pat);
        if (leads)
            return (int)k;
    }
    return -1;
}

/* The leader now, looked for up to 5 s (an election may be under way);
 * -1 if none was found, with what was seen in said. */
static int find_leader(nemesis *n, sbuf *said)
{
    const clu_desc *cl = n->c.cluster;
    const clu_probe *p = cl->leader.method ? &cl->leader : &n->c.leader;
    int64_t end = clock_now_ns() + 5000000000LL;
    for (;;) {
        int k = -1;
        if (cl->leader_cmd) {
            sbuf out = {0};
            sbuf_reset(said);
            if (proc_capture(cl->leader_cmd, 3000, &out, said) == 0) {
                char *s = out.p ? out.p : "";
                s[strcspn(s, "\r\n")] = '\0';
                while (*s == ' ')
                    s++;
                size_t l = strlen(s);
                while (l && s[l - 1] == ' ')
                    s[--l] = '\0';
                if ((k = clu_find(cl, s)) < 0)
                    sbuf_printf(said, "leader_cmd printed '%.64s', no node's name", s);
            }
            sbuf_free(&out);
        } else {
            k = probe_once(n, p, said);
        }
        if (k >= 0 || stopping(n) || clock_now_ns() >= end)
            return k;
        sleep_ms(300);
    }
}

/* ---- whom ---- */

/* The nodes f hits, into f->nodes; note says how they were chosen when
 * that needs saying. */
static void pick(nemesis *n, fault *f, sbuf *note)
{
    const clu_desc *cl = n->c.cluster;
    size_t total = cl->n;
    f->nn = 0;
    switch (n->c.target) {
    case NEM_NAMED:
        f->nodes[f->nn++] = clu_find(cl, n->c.target_name);
        return;
    case NEM_LEADER: {
        sbuf said = {0};
        int k = find_leader(n, &said);
        if (k >= 0) {
            f->nodes[f->nn++] = k;
            sbuf_free(&said);
            return;
        }
        sbuf_printf(note, "no leader found%s%s: a random node", said.len ? ": " : "",
                    sbuf_str(&said));
        sbuf_free(&said);
    }
    /* fall through */
    case NEM_RANDOM:
        f->nodes[f->nn++] = (int)(rng_next(&n->rng) % total);
        return;
    case NEM_MINORITY: {
        int order[CLU_MAX_NODES];
        for (size_t i = 0; i < total; i++)
            order[i] = (int)i;
        for (size_t i = total; i > 1; i--) { /* Fisher-Yates */
            size_t j = rng_next(&n->rng) % i;
            int t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        size_t m = (total - 1) / 2 ? (total - 1) / 2 : 1;
        for (size_t i = 0; i < m; i++)
            f->nodes[f->nn++] = order[i];
        return;
    }
    }
}

static json_t *names_json(const nemesis *n, const int *nodes, size_t nn)
{
    json_t *a = json_array();
    for (size_t i = 0; i < nn; i++)
        json_array_append_new(a, json_string(n->c.cluster->nodes[nodes[i]].name));
    return a;
}

static json_t *pids_json(const pid_t *pids, size_t np)
{
    json_t *a = json_array();
    for (size_t i = 0; i < np; i++)
        json_array_append_new(a, json_integer(pids[i]));
    return a;
}

/* "n1 n2 (pid 4242)" */
static void describe_nodes(const nemesis *n, const fault *f, sbuf *out)
{
    for (size_t i = 0; i < f->nn; i++)
        sbuf_printf(out, "%s%s", i ? " " : "", n->c.cluster->nodes[f->nodes[i]].name);
    for (size_t i = 0; i < f->np; i++)
        sbuf_printf(out, "%s%d", i ? ", " : f->np > 1 ? " (pids " : " (pid ", (int)f->pids[i]);
    if (f->np)
        sbuf_addc(out, ')');
}

/* The nodes of f that have a process, each process once: into f->nodes
 * (the nodes) and procs (their pids, for the nodes kept). */
static void by_process(nemesis *n, fault *f, pid_t *procs, sbuf *err)
{
    const clu_desc *cl = n->c.cluster;
    size_t kept = 0;
    for (size_t i = 0; i < f->nn; i++) {
        int k = f->nodes[i];
        pid_t p = node_pid(cl, k, n->spawned[k]);
        if (p <= 0 || !proc_alive(p)) {
            sbuf_printf(err, "%s%s is not running", err->len ? "; " : "", cl->nodes[k].name);
            continue;
        }
        bool seen = false;
        for (size_t j = 0; j < kept; j++)
            seen |= procs[j] == p;
        if (seen)
            continue;
        f->nodes[kept] = k;
        procs[kept++] = p;
    }
    f->nn = kept;
}

/* ---- the kinds ---- */

static bool pause_start(nemesis *n, fault *f, sbuf *err)
{
    pid_t procs[CLU_MAX_NODES];
    by_process(n, f, procs, err);
    size_t kept = 0;
    for (size_t i = 0; i < f->nn; i++) {
        unsigned id = f->id + (unsigned)i;
        wd_open(n->wd, id, WD_CONT, f->nodes[i], procs[i]);
        if (kill(procs[i], SIGSTOP) < 0) {
            wd_close(n->wd, id);
            sbuf_printf(err, "%scannot stop pid %d", err->len ? "; " : "", (int)procs[i]);
            continue;
        }
        f->nodes[kept] = f->nodes[i];
        f->pids[kept++] = procs[i];
    }
    f->nids = (unsigned)f->nn;
    f->nn = f->np = kept;
    return kept > 0;
}

static void pause_stop(fault *f)
{
    for (size_t i = 0; i < f->np; i++)
        kill(f->pids[i], SIGCONT);
}

static bool kill_start(nemesis *n, fault *f, sbuf *err)
{
    pid_t procs[CLU_MAX_NODES];
    by_process(n, f, procs, err);
    for (size_t i = 0; i < f->nn; i++) {
        wd_open(n->wd, f->id + (unsigned)i, WD_START, f->nodes[i], 0);
        kill(procs[i], SIGKILL);
        f->pids[i] = procs[i];
    }
    f->nids = (unsigned)f->nn;
    f->np = f->nn;
    for (size_t i = 0; i < f->np; i++)
        if (!proc_wait_dead(f->pids[i], 10000))
            sbuf_printf(err, "%spid %d still runs 10 s after SIGKILL", err->len ? "; " : "",
                        (int)f->pids[i]);
    return f->nn > 0;
}

/* Start node k again; the nodes that shared its old process (old) now
 * share the new one. */
static pid_t restart(nemesis *n, int k, pid_t old, const char *faketime, sbuf *err)
{
    sbuf why = {0};
    pid_t p = node_start(n->c.cluster, k, n->c.log_dir, faketime, &why);
    if (p < 0) {
        sbuf_printf(err, "%s%s", err->len ? "; " : "", sbuf_str(&why));
    } else {
        const clu_desc *cl = n->c.cluster;
        for (size_t j = 0; j < cl->n; j++)
            if ((int)j == k || (old > 0 && node_pid(cl, (int)j, n->spawned[j]) == old))
                n->spawned[j] = p;
    }
    sbuf_free(&why);
    return p;
}

static void kill_stop(nemesis *n, fault *f, sbuf *err)
{
    for (size_t i = 0; i < f->nn; i++)
        f->pids[i] = restart(n, f->nodes[i], f->pids[i], NULL, err);
}

/* POST the cluster's admin path with body; true on a 200, retried a few
 * times (a heal must not be lost to one slow answer). */
static bool admin_post(nemesis *n, const char *path, const char *body, int tries, sbuf *err)
{
    const char *base = n->c.cluster->admin;
    size_t blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;
    sbuf url = {0};
    sbuf_printf(&url, "%.*s%s", (int)blen, base, path);
    bool ok = false;
    for (int t = 0; t < tries && !ok; t++) {
        sbuf resp = {0}, why = {0};
        long status = 0;
        if (t)
            sleep_ms(500);
        ok = ask_http(&n->c.http, "POST", url.p, body, 10000, &status, &resp, &why) &&
             status == 200;
        if (!ok && t == tries - 1)
            sbuf_printf(err, "%sPOST %s: %s", err->len ? "; " : "", url.p,
                        why.len ? sbuf_str(&why) : sbuf_str(&resp));
        sbuf_free(&resp);
        sbuf_free(&why);
    }
    sbuf_free(&url);
    return ok;
}

static json_t *groups_json(const nemesis *n, const fault *f)
{
    json_t *in = names_json(n, f->nodes, f->nn), *out = json_array();
    const clu_desc *cl = n->c.cluster;
    for (size_t k = 0; k < cl->n; k++)
        if (!f->group[k])
            json_array_append_new(out, json_string(cl->nodes[k].name));
    json_t *g = json_array();
    json_array_append_new(g, in);
    if (json_array_size(out))
        json_array_append_new(g, out);
    else
        json_decref(out);
    return g;
}

static bool partition_start(nemesis *n, fault *f, sbuf *err)
{
    const clu_desc *cl = n->c.cluster;
    for (size_t k = 0; k < cl->n; k++)
        f->group[k] = 0;
    for (size_t i = 0; i < f->nn; i++)
        f->group[f->nodes[i]] = 1;
    json_t *body = json_pack("{s:o}", ADMIN_GROUPS, groups_json(n, f));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    f->nids = 1;
    wd_open(n->wd, f->id, WD_HEAL, -1, 0);
    bool ok = admin_post(n, ADMIN_PARTITION_PATH, text, 1, err);
    free(text);
    if (!ok)
        wd_close(n->wd, f->id);
    return ok;
}

static void partition_stop(nemesis *n, fault *f, sbuf *err)
{
    (void)f;
    admin_post(n, ADMIN_HEAL_PATH, "{}", 10, err);
}

static bool clock_start(nemesis *n, fault *f, sbuf *err)
{
    const clu_desc *cl = n->c.cluster;
    const char *spec = n->c.clock;
    f->live = true;
    for (size_t i = 0; i < f->nn; i++)
        f->live &= cl->nodes[f->nodes[i]].faketime_file != NULL;
    if (f->live) {
        size_t kept = 0;
        for (size_t i = 0; i < f->nn; i++) {
            sbuf why = {0};
            unsigned id = f->id + (unsigned)i;
            wd_open(n->wd, id, WD_CLOCK, f->nodes[i], 0);
            if (node_write_clock(cl, f->nodes[i], spec, &why))
                f->nodes[kept++] = f->nodes[i];
            else
                sbuf_printf(err, "%s%s", err->len ? "; " : "", sbuf_str(&why));
            sbuf_free(&why);
        }
        f->nids = (unsigned)f->nn;
        f->nn = kept;
        return kept > 0;
    }
    pid_t procs[CLU_MAX_NODES];
    by_process(n, f, procs, err);
    size_t kept = 0;
    for (size_t i = 0; i < f->nn; i++) {
        unsigned id = f->id + (unsigned)(2 * i);
        wd_open(n->wd, id, WD_START, f->nodes[i], 0);
        node_stop_pid(procs[i], 10000);
        pid_t p = restart(n, f->nodes[i], procs[i], spec, err);
        wd_open(n->wd, id + 1, WD_RESTART, f->nodes[i], p);
        wd_close(n->wd, id);
        if (p > 0) {
            f->nodes[kept] = f->nodes[i];
            f->pids[kept++] = p;
        } else {
            wd_close(n->wd, id + 1);
        }
    }
    f->nids = (unsigned)(2 * f->nn);
    f->nn = f->np = kept;
    return kept > 0;
}

static void clock_stop(nemesis *n, fault *f, sbuf *err)
{
    for (size_t i = 0; i < f->nn; i++) {
        sbuf why = {0};
        if (f->live) {
            if (!node_write_clock(n->c.cluster, f->nodes[i], "+0", &why))
                sbuf_printf(err, "%s%s", err->len ? "; " : "", sbuf_str(&why));
        } else {
            node_stop_pid(f->pids[i], 10000);
            f->pids[i] = restart(n, f->nodes[i], f->pids[i], NULL, err);
        }
        sbuf_free(&why);
    }
}

/* ---- start and stop ---- */

static json_t *fault_value(const nemesis *n, const fault *f)
{
    if (f->kind == NEM_PARTITION)
        return json_pack("{s:o}", ADMIN_GROUPS, groups_json(n, f));
    json_t *v = json_pack("{s:o}", "nodes", names_json(n, f->nodes, f->nn));
    if (f->np)
        json_object_set_new(v, "pids", pids_json(f->pids, f->np));
    if (f->kind == NEM_CLOCK) {
        json_object_set_new(v, "faketime", json_string(n->c.clock));
        json_object_set_new(v, "how", json_string(f->live ? "faketime_file" : "restart"));
    }
    return v;
}

static void describe(const nemesis *n, const fault *f, sbuf *out)
{
    if (f->kind == NEM_PARTITION) {
        const clu_desc *cl = n->c.cluster;
        for (int g = 1; g >= 0; g--) {
            if (g == 0)
                sbuf_adds(out, " |");
            for (size_t k = 0; k < cl->n; k++)
                if (f->group[k] == g)
                    sbuf_printf(out, "%s%s", out->len ? " " : "", cl->nodes[k].name);
        }
        return;
    }
    describe_nodes(n, f, out);
    if (f->kind == NEM_CLOCK)
        sbuf_printf(out, " at %s (%s)", n->c.clock, f->live ? "faketime file" : "restarted");
}

bool fault_start(nemesis *n, nem_kind k, fault *f)
{
    memset(f, 0, sizeof *f);
    f->kind = k;
    f->id = n->next_id;
    n->next_id += 2 * CLU_MAX_NODES;
    sbuf note = {0}, err = {0};
    pick(n, f, &note);
    bool ok = false;
    switch (k) {
    case NEM_PAUSE:
        ok = pause_start(n, f, &err);
        break;
    case NEM_KILL:
        ok = kill_start(n, f, &err);
        break;
    case NEM_PARTITION:
        ok = partition_start(n, f, &err);
        break;
    case NEM_CLOCK:
        ok = clock_start(n, f, &err);
        break;
    case NEM_NKINDS:
        break;
    }
    sbuf what = {0}, f_name = {0};
    describe(n, f, &what);
    if (note.len) {
        sbuf_printf(&what, " [%s]", sbuf_str(&note));
    }
    if (!ok) {
        json_t *v = json_pack("{s:s, s:s}", "fault", nem_kind_name(k), "error", sbuf_str(&err));
        if (note.len)
            json_object_set_new(v, "note", json_string(sbuf_str(&note)));
        nem_emit(n, "error", v);
        nem_log(n, k, sbuf_str(&what), sbuf_str(&err));
        nem_note(n, "%.1f s: %s failed: %s", nem_now_s(n), nem_kind_name(k), sbuf_str(&err));
    } else {
        f->value = fault_value(n, f);
        json_t *v = json_deep_copy(f->value);
        if (n->c.target == NEM_LEADER || note.len)
            json_object_set_new(v, "target", json_string(nem_target_name(n->c.target)));
        if (note.len)
            json_object_set_new(v, "note", json_string(sbuf_str(&note)));
        if (err.len)
            json_object_set_new(v, "error", json_string(sbuf_str(&err)));
        sbuf_printf(&f_name, "start-%s", nem_kind_name(k));
        nem_emit(n, f_name.p, v);
        f->log = nem_log(n, k, sbuf_str(&what), err.len ? sbuf_str(&err) : NULL);
        nem_note(n, "%.1f s: %s %s%s%s", nem_now_s(n), f_name.p, sbuf_str(&what),
                 err.len ? "; " : "", sbuf_str(&err));
    }
    sbuf_free(&note);
    sbuf_free(&err);
    sbuf_free(&what);
    sbuf_free(&f_name);
    return ok;
}

void fault_stop(nemesis *n, fault *f)
{
    sbuf err = {0}, f_name = {0};
    switch (f->kind) {
    case NEM_PAUSE:
        pause_stop(f);
        break;
    case NEM_KILL:
        kill_stop(n, f, &err);
        break;
    case NEM_PARTITION:
        partition_stop(n, f, &err);
        break;
    case NEM_CLOCK:
        clock_stop(n, f, &err);
        break;
    case NEM_NKINDS:
        break;
    }
    /* Done: the watchdog has nothing left to undo (even on an error, as
     * it could do no better than what was just tried). */
    for (unsigned i = 0; i < f->nids; i++)
        wd_close(n->wd, f->id + i);
    json_t *v = f->value;
    if (f->kind == NEM_KILL || (f->kind == NEM_CLOCK && !f->live)) {
        json_decref(v);
        v = fault_value(n, f); /* the pids it runs as now */
    }
    if (stopping(n))
        json_object_set_new(v, "why", json_string("the run is ending"));
    if (err.len)
        json_object_set_new(v, "error", json_string(sbuf_str(&err)));
    sbuf_printf(&f_name, "stop-%s", nem_kind_name(f->kind));
    nem_emit(n, f_name.p, v);
    f->value = NULL;
    pthread_mutex_lock(&n->mu);
    nem_fault *e = &n->faults.v[f->log];
    e->stop_s = nem_now_s(n);
    if (err.len && !e->error)
        e->error = xstrdup(sbuf_str(&err));
    pthread_mutex_unlock(&n->mu);
    nem_note(n, "%.1f s: %s%s%s", nem_now_s(n), f_name.p, err.len ? ": " : "", sbuf_str(&err));
    sbuf_free(&err);
    sbuf_free(&f_name);
}
