/*
 * cluster.c - see cluster.h. The fields of a node are one table, read by
 * the JSON loader and by --node alike, so the two cannot drift apart.
 */
#include "cluster.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"

typedef enum { F_STR, F_PID } ftype;

static const struct field {
    const char *name; /* as in JSON; --node also takes it with dashes */
    ftype type;
    size_t off;
} fields[] = {
    {"url", F_STR, offsetof(clu_node, url)},
    {"pid", F_PID, offsetof(clu_node, pid)},
    {"pid_file", F_STR, offsetof(clu_node, pid_file)},
    {"start", F_STR, offsetof(clu_node, start)},
    {"log", F_STR, offsetof(clu_node, log)},
    {"peer", F_STR, offsetof(clu_node, peer)},
    {"peer_target", F_STR, offsetof(clu_node, peer_target)},
    {"faketime_file", F_STR, offsetof(clu_node, faketime_file)},
};
enum { NFIELDS = sizeof fields / sizeof *fields };

static const char node_fields[] =
    "name, url, pid, pid_file, start, log, peer, peer_target, faketime_file";

/* The field called name (len bytes), "-" read as "_"; or NULL. */
static const struct field *find_field(const char *name, size_t len)
{
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *f = fields[i].name;
        if (strlen(f) != len)
            continue;
        size_t k = 0;
        while (k < len && (name[k] == f[k] || (name[k] == '-' && f[k] == '_')))
            k++;
        if (k == len)
            return &fields[i];
    }
    return NULL;
}

bool clu_split_addr(const char *addr, char *host, size_t hsize, int *port)
{
    const char *h = addr, *colon;
    if (addr[0] == '[') {
        const char *end = strchr(addr, ']');
        if (!end || end[1] != ':')
            return false;
        h = addr + 1;
        colon = end + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon || memchr(addr, ':', (size_t)(colon - addr)))
            return false;
    }
    size_t hlen = (size_t)((addr[0] == '[' ? colon - 1 : colon) - h);
    if (hlen == 0 || hsize <= hlen)
        return false;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || p < 1 || p > 65535)
        return false;
    *port = (int)p;
    return true;
}

/* Store value (len bytes) in node field f; false with why. */
static bool set_field(clu_node *nd, const struct field *f, const char *value, size_t len,
                      const char *where, sbuf *why)
{
    char *slot = (char *)nd + f->off;
    if (f->type == F_PID) {
        char buf[24], *end;
        if (len == 0 || len >= sizeof buf) {
            sbuf_printf(why, "%s: pid must be a process id (a positive integer)", where);
            return false;
        }
        memcpy(buf, value, len);
        buf[len] = '\0';
        errno = 0;
        long p = strtol(buf, &end, 10);
        if (*end || errno || p < 1 || p > INT_MAX) {
            sbuf_printf(why, "%s: pid must be a process id (a positive integer), not '%s'",
                        where, buf);
            return false;
        }
        *(pid_t *)slot = (pid_t)p;
        return true;
    }
    if (len == 0 || memchr(value, '\0', len)) {
        sbuf_printf(why, "%s: %s must be a non-empty string", where, f->name);
        return false;
    }
    char **s = (char **)slot;
    free(*s);
    *s = xstrndup(value, len);
    if ((!strcmp(f->name, "peer") || !strcmp(f->name, "peer_target"))) {
        char host[256];
        int port;
        if (!clu_split_addr(*s, host, sizeof host, &port)) {
            sbuf_printf(why, "%s: %s must be HOST:PORT (e.g. 127.0.0.1:12380), not '%s'", where,
                        f->name, *s);
            return false;
        }
    }
    if (!strcmp(f->name, "url") && strncmp(*s, "http://", 7) && strncmp(*s, "https://", 8)) {
        sbuf_printf(why, "%s: url must start with http:// or https://", where);
        return false;
    }
    return true;
}

static void node_free(clu_node *nd)
{
    free(nd->name);
    for (size_t i = 0; i < NFIELDS; i++)
        if (fields[i].type == F_STR)
            free(*(char **)((char *)nd + fields[i].off));
    memset(nd, 0, sizeof *nd);
}

static clu_node *add_node(clu_desc *c)
{
    c->nodes = xrealloc(c->nodes, (c->n + 1) * sizeof *c->nodes);
    clu_node *nd = &c->nodes[c->n++];
    memset(nd, 0, sizeof *nd);
    return nd;
}

static bool good_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

static const char name_rule[] = "letters, digits, '-', '_' or '.'";

/* ---- JSON ---- */

static bool load_node(json_t *j, size_t i, clu_desc *c, const char *src, sbuf *why)
{
    char where[300];
    snprintf(where, sizeof where, "%s: nodes[%zu]", src, i);
    if (!json_is_object(j)) {
        sbuf_printf(why, "%s: expected an object {\"name\": ..., ...}", where);
        return false;
    }
    clu_node *nd = add_node(c);
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        if (!strcmp(key, "name")) {
            if (!json_is_string(v) || !good_name(json_string_value(v))) {
                sbuf_printf(why, "%s: name must be a string of %s", where, name_rule);
                return false;
            }
            nd->name = xstrdup(json_string_value(v));
            continue;
        }
        const struct field *f = strchr(key, '-') ? NULL : find_field(key, strlen(key));
        if (!f) {
            sbuf_printf(why, "%s: unknown field \"%s\" (expected %s)", where, key, node_fields);
            return false;
        }
        char buf[24];
        const char *s;
        size_t len;
        if (f->type == F_PID && json_is_integer(v)) {
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            s = buf;
            len = strlen(buf);
        } else if (f->type == F_STR && json_is_string(v)) {
            s = json_string_value(v);
            len = json_string_length(v);
        } else {
            sbuf_printf(why, "%s: %s must be %s", where, f->name,
                        f->type == F_PID ? "an integer" : "a string");
            return false;
        }
        if (!set_field(nd, f, s, len, where, why))
            return false;
    }
    if (!nd->name) {
        sbuf_printf(why, "%s: no \"name\"", where);
        return false;
    }
    return true;
}

/* A string member of o, or NULL; false (with why) if it is there and not
 * a non-empty string. */
static bool get_str(json_t *o, const char *key, char **out, const char *where, sbuf *why)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return true;
    if (!json_is_string(v) || !json_string_length(v)) {
        sbuf_printf(why, "%s: %s must be a non-empty string", where, key);
        return false;
    }
    *out = xstrdup(json_string_value(v));
    return true;
}

/* Fail with why if o has a member not in allowed (NULL-ended). */
static bool only_keys(json_t *o, const char *const *allowed, const char *where, const char *list,
                      sbuf *why)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key))
            i++;
        if (!allowed[i]) {
            sbuf_printf(why, "%s: unknown field \"%s\" (expected %s)", where, key, list);
            return false;
        }
    }
    return true;
}

static bool load_leader(json_t *j, clu_desc *c, const char *src, sbuf *why)
{
    char where[300];
    snprintf(where, sizeof where, "%s: leader", src);
    if (!json_is_object(j)) {
        sbuf_printf(why, "%s: expected an object {\"method\", \"path\", \"body\", \"match\"}",
                    where);
        return false;
    }
    static const char *const keys[] = {"method", "path", "body", "match", NULL};
    clu_probe *p = &c->leader;
    if (!only_keys(j, keys, where, "method, path, body, match", why) ||
        !get_str(j, "method", &p->method, where, why) ||
        !get_str(j, "path", &p->path, where, why) || !get_str(j, "body", &p->body, where, why) ||
        !get_str(j, "match", &p->match, where, why))
        return false;
    if (!p->path || !p->match) {
        sbuf_printf(why, "%s: needs \"path\" and \"match\"", where);
        return false;
    }
    if (p->path[0] != '/') {
        sbuf_printf(why, "%s: path must start with '/'", where);
        return false;
    }
    if (!p->method)
        p->method = xstrdup(p->body ? "POST" : "GET");
    return true;
}

static bool load_json(json_t *root, clu_desc *c, const char *src, sbuf *why)
{
    if (!json_is_object(root)) {
        sbuf_printf(why, "%s: expected an object {\"nodes\": [...]}", src);
        return false;
    }
    static const char *const keys[] = {"nodes", "admin", "leader", "leader_cmd", NULL};
    if (!only_keys(root, keys, src, "nodes, admin, leader, leader_cmd", why))
        return false;
    json_t *nodes = json_object_get(root, "nodes");
    if (!json_is_array(nodes) || !json_array_size(nodes)) {
        sbuf_printf(why, "%s: \"nodes\" must be a non-empty array of nodes", src);
        return false;
    }
    size_t i;
    json_t *v;
    json_array_foreach(nodes, i, v) {
        if (!load_node(v, i, c, src, why))
            return false;
    }
    if (!get_str(root, "admin", &c->admin, src, why) ||
        !get_str(root, "leader_cmd", &c->leader_cmd, src, why))
        return false;
    if (c->admin && strncmp(c->admin, "http://", 7) && strncmp(c->admin, "https://", 8)) {
        sbuf_printf(why, "%s: admin must be a URL (http://HOST:PORT)", src);
        return false;
    }
    json_t *l = json_object_get(root, "leader");
    if (l && !load_leader(l, c, src, why))
        return false;
    return clu_check(c, why);
}

static bool load(json_t *root, const json_error_t *jerr, const char *name, clu_desc *c,
                 sbuf *why)
{
    bool ok;
    c->source = xstrdup(name);
    if (!root) {
        sbuf_printf(why, "%s:%d:%d: %s", name, jerr->line, jerr->column, jerr->text);
        ok = false;
    } else {
        ok = load_json(root, c, name, why);
    }
    json_decref(root);
    if (!ok)
        clu_free(c);
    return ok;
}

bool clu_load_file(const char *path, clu_desc *c, sbuf *why)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && jerr.line < 0) { /* could not open or read it */
        sbuf_printf(why, "%s: %s", path, jerr.text);
        return false;
    }
    return load(root, &jerr, path, c, why);
}

bool clu_load_text(const char *text, const char *name, clu_desc *c, sbuf *why)
{
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    return load(root, &jerr, name, c, why);
}

/* ---- --node ---- */

bool clu_add_node_spec(clu_desc *c, const char *spec, sbuf *why)
{
    if (!c->source)
        c->source = xstrdup("--node");
    size_t nlen = strcspn(spec, ",");
    char *name = xstrndup(spec, nlen);
    char where[300];
    snprintf(where, sizeof where, "--node '%.200s'", name);
    if (!good_name(name)) {
        sbuf_printf(why, "--node: the spec starts with the node's name (%s), then "
                         ",KEY=VALUE pairs",
                    name_rule);
        free(name);
        return false;
    }
    clu_node *nd = add_node(c);
    nd->name = name;
    const char *p = spec + nlen;
    while (*p == ',') {
        p++;
        const char *eq = strchr(p, '=');
        size_t klen = eq ? (size_t)(eq - p) : strlen(p);
        const struct field *f = eq ? find_field(p, klen) : NULL;
        if (!f) {
            sbuf_printf(why, "%s: unknown key '%.*s' (expected url, pid, pid-file, log, peer, "
                             "peer-target, faketime-file, or start, last)",
                        where, (int)klen, p);
            return false;
        }
        const char *val = eq + 1;
        size_t vlen = !strcmp(f->name, "start") ? strlen(val) : strcspn(val, ",");
        if (!set_field(nd, f, val, vlen, where, why))
            return false;
        p = val + vlen;
    }
    return clu_check(c, why);
}

/* ---- the whole ---- */

bool clu_check(const clu_desc *c, sbuf *why)
{
    if (c->n > CLU_MAX_NODES) {
        sbuf_printf(why, "%s: %zu nodes, at most %d", c->source ? c->source : "cluster", c->n,
                    CLU_MAX_NODES);
        return false;
    }
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->nodes[i].name, c->nodes[j].name)) {
                sbuf_printf(why, "%s: two nodes are called '%s'",
                            c->source ? c->source : "cluster", c->nodes[i].name);
                return false;
            }
    return true;
}

int clu_find(const clu_desc *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->nodes[i].name, name))
            return (int)i;
    return -1;
}

void clu_free(clu_desc *c)
{
    for (size_t i = 0; i < c->n; i++)
        node_free(&c->nodes[i]);
    free(c->nodes);
    free(c->admin);
    free(c->leader.method);
    free(c->leader.path);
    free(c->leader.body);
    free(c->leader.match);
    free(c->leader_cmd);
    free(c->source);
    memset(c, 0, sizeof *c);
}
