/*
 * report_html_perf.c - the faults and the perf graphs' data of the HTML
 * report (report_html_int.h).
 *
 * Faults: the nemesis's events (process "nemesis", kept by histories/ as
 * annotations) paired into bands the way Jepsen's nemeses name them:
 * start-X then stop-X, start then stop, pause then resume, kill then
 * restart (or start), partition then heal; an event that starts a fault
 * already on, or stops one already off, moves the band's edge (Jepsen
 * writes an invoke and an info for each). A fault never stopped lasts to
 * the end; any other nemesis event is a mark at its time.
 *
 * Perf, as Jepsen's latency and rate graphs: for every op that completed,
 * its latency at its invocation time; per op kind (f) and outcome, per
 * time bucket, the count and the median, 95th percentile and greatest
 * latency; completions per bucket by outcome; and the points themselves,
 * one in every k when there are more than POINTS_MAX.
 */
#include "report_html_int.h"

#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"

#define PERF_BUCKETS 200
#define POINTS_MAX 20000

int64_t report_html_fname(val f, valmap *fidx, size_t *n)
{
    uint32_t i;
    if (!valmap_get(fidx, f, &i)) {
        i = (uint32_t)(*n)++;
        valmap_put(fidx, f, i);
    }
    return i;
}

void report_html_fnames(const history *h, const valmap *fidx, size_t n, sbuf *out)
{
    /* valmap has no iteration: find each name's val among the ops'. */
    char **names = xcalloc(n ? n : 1, sizeof *names);
    const hist_op *ops = hist_ops(h);
    for (size_t i = 0; i < hist_nops(h); i++) {
        uint32_t k;
        if (valmap_get(fidx, ops[i].f, &k) && !names[k]) {
            sbuf d = {0};
            size_t len;
            if (ops[i].f.kind == VAL_STR) { /* as it reads: write, not "write" */
                const char *s = val_str_bytes(hist_cvtab(h), ops[i].f, &len);
                sbuf_add_utf8(&d, s, len);
            } else {
                val_describe(hist_cvtab(h), ops[i].f, &d);
            }
            names[k] = d.p ? d.p : xstrdup("");
        }
    }
    report_html_jkey(out, "fs");
    sbuf_addc(out, '[');
    for (size_t k = 0; k < n; k++) {
        if (k)
            sbuf_addc(out, ',');
        report_html_jstr(out, names[k] ? names[k] : "?");
        free(names[k]);
    }
    sbuf_addc(out, ']');
    free(names);
}

/* ---- faults ---- */

typedef struct band {
    char *name;   /* what it is a fault of: "partition" for start-partition */
    char *label;  /* the f that started it */
    char *value;
    int64_t s, e; /* e < 0: still on */
} band;

static const struct {
    const char *on, *off;
} pairs[] = {
    {"pause", "resume"}, {"kill", "restart"}, {"kill", "start"}, {"partition", "heal"},
    {"crash", "recover"}, {"isolate", "heal"},
};

/* Is f a fault starting (1), stopping (-1), or neither (0)? *name gets what
 * it is a fault of. */
static int fault_kind(const char *f, char **name)
{
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        if (!strcmp(f, pairs[i].on) || !strcmp(f, pairs[i].off)) {
            *name = xstrdup(pairs[i].on);
            return strcmp(f, pairs[i].on) ? -1 : 1;
        }
    }
    static const char *const pre[] = {"start", "stop"};
    for (int k = 0; k < 2; k++) {
        size_t n = strlen(pre[k]);
        if (strncmp(f, pre[k], n) || (f[n] && f[n] != '-' && f[n] != '_'))
            continue;
        *name = xstrdup(f[n] ? f + n + 1 : "");
        return k ? -1 : 1;
    }
    *name = NULL;
    return 0;
}

void report_html_faults(const history *h, bool timed, int64_t origin, sbuf *out)
{
    const vtab *vt = hist_cvtab(h);
    size_t nnotes;
    const hist_note *notes = hist_notes(h, &nnotes);
    VEC(band) bands = {0};
    for (size_t i = 0; i < nnotes; i++) {
        const hist_event *e = &notes[i].ev;
        if (timed && e->time == HIST_NONE)
            continue;
        int64_t t = timed ? (e->time - origin) / 1000 : (int64_t)notes[i].at;
        sbuf f = {0}, v = {0};
        size_t fl;
        const char *fs = val_str_bytes(vt, e->f, &fl);
        sbuf_add_utf8(&f, fs, fl);
        if (!val_is_nil(e->value))
            val_describe(vt, e->value, &v);
        char *name;
        int kind = fault_kind(sbuf_str(&f), &name);
        band *open = NULL, *last = NULL;
        for (size_t k = bands.n; kind && k-- > 0;)
            if (bands.v[k].name && !strcmp(bands.v[k].name, name)) {
                if (bands.v[k].e < 0)
                    open = &bands.v[k];
                else if (!last)
                    last = &bands.v[k];
                break;
            }
        if (kind > 0 && open) {
            free(name); /* already on: its invoke, then its info */
        } else if (kind < 0 && open) {
            open->e = t;
            free(name);
        } else if (kind < 0 && last) {
            last->e = t; /* the info after the invoke that stopped it */
            free(name);
        } else {
            band b = {name, xstrdup(sbuf_str(&f)), xstrdup(sbuf_str(&v)), t, kind > 0 ? -1 : t};
            VEC_PUSH(bands, b);
        }
        sbuf_free(&f);
        sbuf_free(&v);
    }
    report_html_jkey(out, "faults");
    sbuf_addc(out, '[');
    for (size_t k = 0; k < bands.n; k++) {
        band *b = &bands.v[k];
        sbuf_printf(out, "%s{\"f\":", k ? "," : "");
        report_html_jstr(out, b->label);
        sbuf_adds(out, ",\"v\":");
        report_html_jstr(out, b->value);
        sbuf_printf(out, ",\"s\":%lld,\"e\":%lld}", (long long)b->s, (long long)b->e);
        free(b->name);
        free(b->label);
        free(b->value);
    }
    sbuf_adds(out, "],");
    free(bands.v);
}

/* ---- perf ---- */

typedef struct sample {
    uint32_t key;  /* series * PERF_BUCKETS + bucket */
    int64_t lat;
} sample;

static int cmp_sample(const void *a, const void *b)
{
    const sample *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->lat < y->lat ? -1 : x->lat > y->lat;
}


void report_html_perf(const history *h, bool timed, int64_t origin, valmap *fidx, size_t *nf,
                      sbuf *out)
{
    const hist_op *ops = hist_ops(h);
    size_t n = hist_nops(h), m = 0;
    if (!timed) {
        sbuf_adds(out, "\"perf\":null,");
        return;
    }
    int64_t end = 1;
    for (size_t i = 0; i < n; i++)
        if (ops[i].ret != HIST_OPEN) {
            int64_t r = (ops[i].ret_time - origin) / 1000;
            end = r > end ? r : end;
            m++;
        }
    int64_t width = end / PERF_BUCKETS + 1;
    /* Series: (f, outcome), numbered as they come. */
    valmap *series = valmap_new();
    VEC(int64_t) sf = {0}, sy = {0};
    sample *s = xmalloc((m ? m : 1) * sizeof *s);
    int64_t thr[3][PERF_BUCKETS] = {{0}};
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].ret == HIST_OPEN)
            continue;
        int64_t f = report_html_fname(ops[i].f, fidx, nf);
        int y = ops[i].status == OP_OK ? 0 : ops[i].status == OP_INFO ? 1 : 2;
        val sk = val_int(f * 3 + y);
        uint32_t id;
        if (!valmap_get(series, sk, &id)) {
            id = (uint32_t)valmap_size(series);
            valmap_put(series, sk, id);
            VEC_PUSH(sf, f);
            VEC_PUSH(sy, y);
        }
        int64_t c = (ops[i].call_time - origin) / 1000, r = (ops[i].ret_time - origin) / 1000;
        int64_t bc = c / width, br = r / width;
        s[k].key = id * PERF_BUCKETS + (uint32_t)(bc < PERF_BUCKETS ? bc : PERF_BUCKETS - 1);
        s[k++].lat = r - c;
        thr[y][br < PERF_BUCKETS ? br : PERF_BUCKETS - 1]++;
    }
    size_t stride = m > POINTS_MAX ? (m + POINTS_MAX - 1) / POINTS_MAX : 1;
    sbuf_printf(out, "\"perf\":{\"b\":%lld,\"end\":%lld,\"stride\":%zu,", (long long)width,
                (long long)end, stride);
    report_html_jints(out, "ok", thr[0], PERF_BUCKETS);
    report_html_jints(out, "info", thr[1], PERF_BUCKETS);
    report_html_jints(out, "fail", thr[2], PERF_BUCKETS);
    /* The points, before sorting: in history order, one in stride. */
    report_html_jkey(out, "pt");
    sbuf_addc(out, '[');
    for (size_t i = 0, j = 0, w = 0; i < n; i++) {
        if (ops[i].ret == HIST_OPEN)
            continue;
        if (j++ % stride == 0)
            sbuf_printf(out, "%s%lld,%lld,%u", w++ ? "," : "",
                        (long long)((ops[i].call_time - origin) / 1000),
                        (long long)s[j - 1].lat, s[j - 1].key / PERF_BUCKETS);
    }
    sbuf_adds(out, "],");
    qsort(s, k, sizeof *s, cmp_sample);
    report_html_jkey(out, "series");
    sbuf_addc(out, '[');
    int64_t q[4][PERF_BUCKETS];
    for (size_t id = 0, at = 0; id < sf.n; id++) {
        memset(q, 0, sizeof q);
        while (at < k && s[at].key / PERF_BUCKETS == id) {
            size_t from = at, bucket = s[at].key % PERF_BUCKETS;
            while (at < k && s[at].key == s[from].key)
                at++;
            size_t cnt = at - from;
            q[0][bucket] = (int64_t)cnt;
            q[1][bucket] = s[from + cnt / 2].lat;
            q[2][bucket] = s[from + (cnt * 95) / 100 < at ? from + (cnt * 95) / 100 : at - 1].lat;
            q[3][bucket] = s[at - 1].lat;
        }
        sbuf_printf(out, "%s{\"f\":%lld,\"y\":%lld,", id ? "," : "", (long long)sf.v[id],
                    (long long)sy.v[id]);
        report_html_jints(out, "n", q[0], PERF_BUCKETS);
        report_html_jints(out, "p50", q[1], PERF_BUCKETS);
        report_html_jints(out, "p95", q[2], PERF_BUCKETS);
        report_html_jints(out, "max", q[3], PERF_BUCKETS);
        out->len--;
        sbuf_addc(out, '}');
    }
    sbuf_adds(out, "]},");
    free(s);
    free(sf.v);
    free(sy.v);
    valmap_free(series);
}
