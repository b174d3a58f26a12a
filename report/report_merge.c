/*
 * report_merge.c - shards' results into the whole's (report_merge.h).
 */
#include "report_merge.h"

#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"

/* ---- verdicts, worst last ---- */

static int rank(const char *v, const char *const *order)
{
    for (int i = 0; order[i]; i++)
        if (v && !strcmp(v, order[i]))
            return i;
    return 0;
}

static const char *const verdicts[] = {"valid", "unknown", "invalid", "error", NULL};
static const char *const statuses[] = {"n/a", "holds", "unknown", "violated", NULL};

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* o[k] = the worse of o[k] and v. */
static void worse(json_t *o, const char *k, const char *v, const char *const *order)
{
    if (rank(v, order) > rank(str(o, k), order))
        json_object_set_new(o, k, json_string(v));
}

/* o[k] += from[k], for numbers (what the shards counted apart). */
static void add(json_t *o, const json_t *from, const char *k)
{
    json_t *a = json_object_get(o, k), *b = json_object_get(from, k);
    if (json_is_integer(a) && json_is_integer(b))
        json_object_set_new(o, k, json_integer(json_integer_value(a) + json_integer_value(b)));
    else if (json_is_number(a) && json_is_number(b))
        json_object_set_new(o, k, json_real(json_number_value(a) + json_number_value(b)));
}

static void add_all(json_t *o, const json_t *from, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++)
        add(o, from, keys[i]);
}

/* o[k] gets from[k]'s items after its own. */
static void append(json_t *o, const json_t *from, const char *k)
{
    json_t *a = json_object_get(o, k), *b = json_object_get(from, k);
    if (json_is_array(a) && json_is_array(b))
        json_array_extend(a, b);
}

/* ---- one history's shards ---- */

typedef struct shard {
    const json_t *entry; /* the history's entry in a results file */
    const char *from;    /* that file */
    const char *history; /* the whole history's fingerprint */
    json_int_t index, of;
} shard;

static int by_index(const void *a, const void *b)
{
    const shard *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* A guarantee's verdict over the shards: each shard looked at its keys. */
static void merge_guarantee(json_t *g, const json_t *from)
{
    const char *before = str(g, "status"), *theirs = str(from, "status");
    static const char *const counts[] = {"keys", "keys_violated", "violations", NULL};
    add_all(g, from, counts);
    append(g, from, "shown");
    if (rank(theirs, statuses) > rank(before, statuses)) {
        json_object_set_new(g, "status", json_string(theirs));
        json_t *why = json_object_get(from, "reason");
        if (why)
            json_object_set(g, "reason", why);
        else
            json_object_del(g, "reason");
    }
}

static void merge_sessions(json_t *s, const json_t *from)
{
    static const char *const counts[] = {"keys", "keys_not_unique", "reads_without_version",
                                         "seconds", NULL};
    static const char *const gs[] = {"ryw", "mr", "mw", "wfr", "pram", "all", NULL};
    add_all(s, from, counts);
    /* Sessions are processes, which the shards share: the most any saw. */
    json_int_t a = json_integer_value(json_object_get(s, "sessions"));
    json_int_t b = json_integer_value(json_object_get(from, "sessions"));
    if (b > a)
        json_object_set_new(s, "sessions", json_integer(b));
    if (json_is_true(json_object_get(from, "applicable")))
        json_object_set_new(s, "applicable", json_true());
    if (!json_object_get(s, "stopped_by") && json_object_get(from, "stopped_by"))
        json_object_set(s, "stopped_by", json_object_get(from, "stopped_by"));
    for (size_t i = 0; gs[i]; i++) {
        json_t *g = json_object_get(s, gs[i]), *h = json_object_get(from, gs[i]);
        if (json_is_object(g) && json_is_object(h))
            merge_guarantee(g, h);
    }
}

static void merge_lin(json_t *l, const json_t *from)
{
    static const char *const counts[] = {"ops_searched", "ops_left_out",
                                         "unseen_crashed_writes_left_out", "seconds",
                                         "parts_not_searched", NULL};
    add_all(l, from, counts);
    worse(l, "verdict", str(from, "verdict"), verdicts);
    append(l, from, "parts");
}

/* What every shard must have been checked with alike. */
static const char *const same[] = {"model", "init", "nil_read", NULL};

/* The whole history from its shards s[0..n) (sorted, complete). */
static json_t *merge_history(const shard *s, size_t n, sbuf *why)
{
    const json_t *first = s[0].entry;
    for (size_t i = 1; i < n; i++)
        for (size_t k = 0; same[k]; k++)
            if (!json_equal(json_object_get(first, same[k]),
                            json_object_get(s[i].entry, same[k]))) {
                char *a = json_dumps(json_object_get(first, same[k]), JSON_ENCODE_ANY);
                char *b = json_dumps(json_object_get(s[i].entry, same[k]), JSON_ENCODE_ANY);
                sbuf_printf(why, "%s: shards were checked with different %s (%s in shard 0, %s "
                                 "in shard %lld): check every shard alike (name it)",
                            str(json_object_get(first, "shard"), "file"), same[k],
                            a ? a : "none", b ? b : "none", (long long)s[i].index);
                free(a);
                free(b);
                return NULL;
            }
    json_t *m = json_deep_copy(first);
    const json_t *sh = json_object_get(first, "shard");
    json_object_set(m, "file", json_object_get(sh, "file"));
    json_object_set(m, "events", json_object_get(sh, "events"));
    json_object_set_new(m, "fingerprint", json_string(s[0].history));
    json_object_del(m, "shard");
    json_t *files = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(files, json_object_get(s[i].entry, "file"));
    json_t *shards = json_object();
    json_object_set_new(shards, "of", json_integer(s[0].of));
    json_object_set_new(shards, "files", files);
    json_object_set_new(m, "shards", shards);
    static const char *const opcounts[] = {"ok", "info", "fail", "never_completed", NULL};
    json_t *checks = json_object_get(m, "checks");
    for (size_t i = 1; i < n; i++) {
        const json_t *e = s[i].entry, *c = json_object_get(e, "checks");
        add_all(json_object_get(m, "ops"), json_object_get(e, "ops"), opcounts);
        json_t *w = json_object_get(m, "warnings");
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(e, "warnings"), k, x) {
            bool seen = false;
            size_t j;
            json_t *y;
            json_array_foreach(w, j, y) seen |= json_equal(x, y);
            if (!seen && json_is_array(w))
                json_array_append(w, x);
        }
        json_t *l = json_object_get(checks, "linearizability");
        if (json_is_object(l) && json_is_object(json_object_get(c, "linearizability")))
            merge_lin(l, json_object_get(c, "linearizability"));
        json_t *ss = json_object_get(checks, "sessions");
        if (json_is_object(ss) && json_is_object(json_object_get(c, "sessions")))
            merge_sessions(ss, json_object_get(c, "sessions"));
        worse(m, "verdict", str(e, "verdict"), verdicts);
    }
    return m;
}

/* Where shard fingerprint h's entries stop being in s[from..n) (sorted
 * by history, then index). */
static int by_history(const void *a, const void *b)
{
    const shard *x = a, *y = b;
    int c = strcmp(x->history, y->history);
    return c ? c : by_index(a, b);
}

/* Are s[0..n) (one history's, sorted) every shard once? */
static bool complete(const shard *s, size_t n, sbuf *why)
{
    const char *file = str(json_object_get(s[0].entry, "shard"), "file");
    for (size_t i = 0; i < n; i++) {
        if (s[i].of != s[0].of) {
            sbuf_printf(why, "%s (history %s): %s says it is a shard of %lld, %s of %lld",
                        file, s[0].history, s[i].from, (long long)s[i].of, s[0].from,
                        (long long)s[0].of);
            return false;
        }
        if (i && s[i].index == s[i - 1].index) {
            sbuf_printf(why, "%s (history %s): shard %lld of %lld is given twice (%s, %s)", file,
                        s[0].history, (long long)s[i].index, (long long)s[0].of, s[i - 1].from,
                        s[i].from);
            return false;
        }
    }
    if ((json_int_t)n == s[0].of)
        return true;
    size_t missing = (size_t)s[0].of - n, k = 0, said = 0;
    sbuf_printf(why, "%s (history %s): shard%s", file, s[0].history, missing > 1 ? "s" : "");
    for (json_int_t i = 0; i < s[0].of; i++) {
        while (k < n && s[k].index < i)
            k++;
        if (k < n && s[k].index == i)
            continue;
        if (said++ < 8)
            sbuf_printf(why, "%s %lld", said > 1 ? "," : "", (long long)i);
    }
    if (missing > 8)
        sbuf_printf(why, " and %zu more", missing - 8);
    sbuf_printf(why, " of %lld %s missing (results of shards of another history count as "
                     "another history's)",
                (long long)s[0].of, missing == 1 ? "is" : "are");
    return false;
}

bool report_merge(json_t *const *docs, const char *const *names, size_t n, json_t **out,
                  sbuf *why)
{
    *out = NULL;
    VEC(shard) s = {0};
    bool ok = true;
    for (size_t d = 0; d < n && ok; d++) {
        json_t *files = json_object_get(docs[d], "files");
        if (!json_is_array(files)) {
            sbuf_printf(why, "%s: not the results of conch check (no \"files\")", names[d]);
            ok = false;
            break;
        }
        size_t i;
        json_t *e;
        json_array_foreach(files, i, e) {
            const json_t *sh = json_object_get(e, "shard");
            const char *file = str(e, "file");
            if (str(e, "error")) {
                sbuf_printf(why, "%s: %s was not checked: %s", names[d], file ? file : "?",
                            str(e, "error"));
                ok = false;
                break;
            }
            json_t *idx = json_object_get(sh, "index"), *of = json_object_get(sh, "of");
            if (!json_is_integer(idx) || !json_is_integer(of) || !str(sh, "history") ||
                !str(sh, "file") || json_integer_value(idx) < 0 ||
                json_integer_value(idx) >= json_integer_value(of)) {
                sbuf_printf(why, "%s: %s: not the results of a shard (check it with --shard "
                                 "I/N, or a file conch split wrote)",
                            names[d], file ? file : "?");
                ok = false;
                break;
            }
            shard x = {e, names[d], str(sh, "history"), json_integer_value(idx),
                       json_integer_value(of)};
            VEC_PUSH(s, x);
        }
    }
    if (ok && !s.n) {
        sbuf_adds(why, "no results to merge");
        ok = false;
    }
    json_t *merged = json_array();
    const char *verdict = "valid";
    if (ok)
        qsort(s.v, s.n, sizeof *s.v, by_history);
    for (size_t i = 0; ok && i < s.n;) {
        size_t j = i;
        while (j < s.n && !strcmp(s.v[j].history, s.v[i].history))
            j++;
        json_t *m = NULL;
        ok = complete(s.v + i, j - i, why) && (m = merge_history(s.v + i, j - i, why));
        if (m) {
            if (rank(str(m, "verdict"), verdicts) > rank(verdict, verdicts))
                verdict = str(m, "verdict");
            json_array_append_new(merged, m);
        }
        i = j;
    }
    free(s.v);
    if (!ok) {
        json_decref(merged);
        return false;
    }
    static const int exits[] = {0, 3, 1, 2};
    *out = json_object();
    json_object_set_new(*out, "files", merged);
    json_object_set_new(*out, "verdict", json_string(verdict));
    json_object_set_new(*out, "exit", json_integer(exits[rank(verdict, verdicts)]));
    return true;
}

/* ---- for people ---- */

static const char *paint(bool color, const char *v)
{
    if (!color)
        return "";
    int r = rank(v, verdicts);
    return r == 0 ? "\033[32m" : r == 1 ? "\033[33m" : "\033[31m";
}

/* An op of the JSON report, for people: "process 3 read -> 4 (lines 7-8)". */
static void op_text(const json_t *op, sbuf *out)
{
    char *p = json_dumps(json_object_get(op, "process"), JSON_ENCODE_ANY);
    char *v = json_dumps(json_object_get(op, "value"), JSON_ENCODE_ANY);
    char *r = json_dumps(json_object_get(op, "result"), JSON_ENCODE_ANY);
    const char *f = str(op, "f"), *type = str(op, "type");
    sbuf_printf(out, "process %s %s", p ? p : "?", f ? f : "?");
    if (type && !strcmp(type, "ok") && r && strcmp(r, "null") && (!v || strcmp(v, r)))
        sbuf_printf(out, " %s-> %s", v && strcmp(v, "null") ? v : "", r);
    else if (v && strcmp(v, "null"))
        sbuf_printf(out, " %s", v);
    json_t *a = json_object_get(op, "invoke_line"), *b = json_object_get(op, "complete_line");
    if (json_is_integer(a) && json_is_integer(b))
        sbuf_printf(out, " (lines %lld-%lld)", (long long)json_integer_value(a),
                    (long long)json_integer_value(b));
    else if (json_is_integer(a) || json_is_integer(b))
        sbuf_printf(out, " (line %lld)", (long long)json_integer_value(a ? a : b));
    if (type && strcmp(type, "ok"))
        sbuf_printf(out, ", %s", type);
    free(p);
    free(v);
    free(r);
}

/* Text s, each line indented. */
static void indented(FILE *f, const char *indent, const char *s)
{
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        fprintf(f, "%s%.*s\n", indent, (int)n, s);
        s += n + (nl != NULL);
    }
}

static void text_part(FILE *f, const json_t *p, bool color)
{
    const char *v = str(p, "verdict");
    char *key = json_dumps(json_object_get(p, "key"), JSON_ENCODE_ANY);
    fprintf(f, "    %s%s%s%s%s, %lld ops, %s\n", key ? "key " : "", key ? key : "",
            key ? ": " : "", paint(color, v), v ? v : "?",
            (long long)json_integer_value(json_object_get(p, "ops")),
            str(p, "path") && !strcmp(str(p, "path"), "unique-values") ? "without search"
                                                                       : "searched");
    free(key);
    if (color)
        fputs("\033[0m", f);
    if (str(p, "reason"))
        fprintf(f, "      %s\n", str(p, "reason"));
    if (!v || strcmp(v, "invalid"))
        return;
    sbuf b = {0};
    op_text(json_object_get(p, "op"), &b);
    fprintf(f, "      cannot linearize: %s\n", sbuf_str(&b));
    sbuf_free(&b);
    const json_t *viol = json_object_get(p, "violation");
    if (viol) {
        indented(f, "      ", str(viol, "explanation"));
        return;
    }
    const json_t *pre = json_object_get(p, "linearizable_prefix");
    fprintf(f, "      the longest linearizable prefix found has %zu ops", json_array_size(pre));
    const json_t *st = json_object_get(p, "states_then");
    if (json_array_size(st)) {
        fprintf(f, "; the object could then be:");
        size_t i;
        json_t *x;
        json_array_foreach(st, i, x) fprintf(f, "%s %s", i ? "," : "", json_string_value(x));
    }
    fprintf(f, "\n");
}

/* Parts told in full; the rest that are not valid get a line each. */
#define PARTS_IN_FULL 5

static void text_lin(FILE *f, const json_t *l, bool color)
{
    const char *v = str(l, "verdict");
    const json_t *parts = json_object_get(l, "parts");
    size_t i, fine = 0, told = 0;
    json_t *p;
    fprintf(f, "  linearizability: %s%s%s (%zu parts, %.3f s in all)\n", paint(color, v),
            v ? v : "?", color ? "\033[0m" : "", json_array_size(parts),
            json_number_value(json_object_get(l, "seconds")));
    json_array_foreach(parts, i, p) {
        if (str(p, "verdict") && !strcmp(str(p, "verdict"), "valid")) {
            fine++;
        } else if (told++ < PARTS_IN_FULL) {
            text_part(f, p, color);
        } else {
            char *key = json_dumps(json_object_get(p, "key"), JSON_ENCODE_ANY);
            fprintf(f, "    key %s: %s, %lld ops (--format json tells it all)\n",
                    key ? key : "?", str(p, "verdict"),
                    (long long)json_integer_value(json_object_get(p, "ops")));
            free(key);
        }
    }
    if (fine && fine < json_array_size(parts))
        fprintf(f, "    ... and %zu more parts, all valid\n", fine);
}

static void text_sessions(FILE *f, const json_t *s, bool color)
{
    static const char *const gs[] = {"ryw", "mr", "mw", "wfr", "pram", "all", NULL};
    fprintf(f, "  session guarantees (version order: %s; %lld sessions, %lld keys):\n",
            str(s, "version_order") ? str(s, "version_order") : "?",
            (long long)json_integer_value(json_object_get(s, "sessions")),
            (long long)json_integer_value(json_object_get(s, "keys")));
    for (size_t i = 0; gs[i]; i++) {
        const json_t *g = json_object_get(s, gs[i]);
        if (!g)
            continue;
        const char *st = str(g, "status");
        bool bad = st && !strcmp(st, "violated");
        fprintf(f, "    %s: %s%s%s", str(g, "name"), bad && color ? "\033[31m" : "",
                st ? st : "?", bad && color ? "\033[0m" : "");
        if (bad)
            fprintf(f, " on %lld of %lld keys\n",
                    (long long)json_integer_value(json_object_get(g, "keys_violated")),
                    (long long)json_integer_value(json_object_get(g, "keys")));
        else if (str(g, "reason"))
            fprintf(f, " (%s)\n", str(g, "reason"));
        else
            fprintf(f, " (%lld keys)\n", (long long)json_integer_value(json_object_get(g, "keys")));
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(g, "shown"), k, x)
            indented(f, "      ", str(x, "explanation"));
    }
}

void report_merge_text(FILE *f, const json_t *merged, bool color)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(merged, "files"), i, e) {
        const json_t *ops = json_object_get(e, "ops"), *sh = json_object_get(e, "shards");
        fprintf(f, "%s: %lld events, %lld ops (%lld ok, %lld info, %lld fail), from %lld shards "
                   "(history %s)\n",
                str(e, "file"), (long long)json_integer_value(json_object_get(e, "events")),
                (long long)(json_integer_value(json_object_get(ops, "ok")) +
                            json_integer_value(json_object_get(ops, "info")) +
                            json_integer_value(json_object_get(ops, "fail"))),
                (long long)json_integer_value(json_object_get(ops, "ok")),
                (long long)json_integer_value(json_object_get(ops, "info")),
                (long long)json_integer_value(json_object_get(ops, "fail")),
                (long long)json_integer_value(json_object_get(sh, "of")),
                str(e, "fingerprint"));
        char *init = json_dumps(json_object_get(e, "init"), JSON_ENCODE_ANY);
        fprintf(f, "  model %s%s, initial value %s, nil reads %s\n", str(e, "model"),
                json_is_true(json_object_get(e, "model_inferred"))
                    ? " (inferred from the ops' names)" : "",
                init && strcmp(init, "null") ? init : "nil", str(e, "nil_read"));
        free(init);
        const json_t *checks = json_object_get(e, "checks");
        if (json_object_get(checks, "linearizability"))
            text_lin(f, json_object_get(checks, "linearizability"), color);
        const json_t *s = json_object_get(checks, "sessions");
        if (json_is_true(json_object_get(s, "applicable")))
            text_sessions(f, s, color);
    }
    const char *v = str(merged, "verdict");
    fprintf(f, "verdict: %s%s%s (exit %lld)\n", paint(color, v), v, color ? "\033[0m" : "",
            (long long)json_integer_value(json_object_get(merged, "exit")));
}
