/*
 * txn_models.c - anomaly names, which anomalies imply which, and which
 * consistency models forbid which anomalies (txn.h).
 *
 * Two graphs, as in Elle's elle.consistency-model (after Adya 1999, Adya,
 * Liskov & O'Neil 2000, Bailis et al. 2014, Cerone et al. 2015):
 *   - anomaly a -> b when every history showing a shows b too (G0 is a G1c,
 *     G1a is a G1, a cycle without process edges is trivially one "with"
 *     them, and a process edge is a real-time one since a process runs one
 *     op at a time);
 *   - model m -> n when every history m allows, n allows (serializable ->
 *     snapshot isolation, repeatable read).
 * Each model directly forbids a few anomalies; it forbids what those
 * imply backwards (every anomaly implying a forbidden one) and what the
 * models it implies forbid.
 *
 * One departure from Elle's tables, after Adya: our anti-dependencies are
 * all item ones (no predicates), so a G-single or G-nonadjacent cycle is
 * also a G2-item cycle in Adya's sense (a cycle with one or more item
 * anti-dependency edges), and repeatable read forbids it. The names keep
 * Elle's classification: G2-item for two or more rw edges, some adjacent.
 *
 * garbage-read (a value no transaction wrote) has no place in Adya's
 * histories, where every read reads an installed version: read uncommitted
 * forbids it, like duplicate elements.
 */
#include <string.h>
#include <strings.h>

#include "txn.h"

#define B(a) (1ull << (a))

static const struct {
    const char *name, *summary;
    uint64_t implies; /* direct successors */
} anomalies[TA_COUNT] = {
    [TA_G0] = {"G0", "a cycle of write-write dependencies (dirty write)",
               B(TA_G1C) | B(TA_G0_PROCESS)},
    [TA_G1C] = {"G1c", "a cycle of write-write and write-read dependencies (circular information flow)",
                B(TA_G1) | B(TA_G1C_PROCESS)},
    [TA_G_SINGLE] = {"G-single", "a dependency cycle with exactly one read-write anti-dependency (read skew)",
                     B(TA_G_NONADJACENT) | B(TA_G2_ITEM) | B(TA_G_SINGLE_PROCESS)},
    [TA_G_NONADJACENT] = {"G-nonadjacent",
                          "a dependency cycle with two or more read-write anti-dependencies, no two adjacent",
                          B(TA_G2_ITEM) | B(TA_G2) | B(TA_G_NONADJACENT_PROCESS)},
    [TA_G2_ITEM] = {"G2-item", "a dependency cycle with two or more read-write anti-dependencies (write skew)",
                    B(TA_G2) | B(TA_G2_ITEM_PROCESS)},
    [TA_G0_PROCESS] = {"G0-process", "a cycle of write-write dependencies and process order",
                       B(TA_G1C_PROCESS) | B(TA_G0_REALTIME)},
    [TA_G1C_PROCESS] = {"G1c-process", "a cycle of write-write, write-read dependencies and process order",
                        B(TA_G1_PROCESS) | B(TA_G1C_REALTIME)},
    [TA_G_SINGLE_PROCESS] = {"G-single-process",
                             "a cycle with exactly one read-write anti-dependency, and process order",
                             B(TA_G_NONADJACENT_PROCESS) | B(TA_G2_ITEM_PROCESS) |
                                 B(TA_G_SINGLE_REALTIME)},
    [TA_G_NONADJACENT_PROCESS] = {"G-nonadjacent-process",
                                  "a cycle with nonadjacent read-write anti-dependencies, and process order",
                                  B(TA_G2_ITEM_PROCESS) | B(TA_G2_PROCESS) |
                                      B(TA_G_NONADJACENT_REALTIME)},
    [TA_G2_ITEM_PROCESS] = {"G2-item-process",
                            "a cycle with two or more read-write anti-dependencies, and process order",
                            B(TA_G2_PROCESS) | B(TA_G2_ITEM_REALTIME)},
    [TA_G0_REALTIME] = {"G0-realtime", "a cycle of write-write dependencies and real-time order",
                        B(TA_G1C_REALTIME)},
    [TA_G1C_REALTIME] = {"G1c-realtime",
                         "a cycle of write-write, write-read dependencies and real-time order",
                         B(TA_G1_REALTIME)},
    [TA_G_SINGLE_REALTIME] = {"G-single-realtime",
                              "a cycle with exactly one read-write anti-dependency, and real-time order",
                              B(TA_G_NONADJACENT_REALTIME) | B(TA_G2_ITEM_REALTIME)},
    [TA_G_NONADJACENT_REALTIME] = {"G-nonadjacent-realtime",
                                   "a cycle with nonadjacent read-write anti-dependencies, and real-time order",
                                   B(TA_G2_ITEM_REALTIME) | B(TA_G2_REALTIME)},
    [TA_G2_ITEM_REALTIME] = {"G2-item-realtime",
                             "a cycle with two or more read-write anti-dependencies, and real-time order",
                             B(TA_G2_REALTIME)},
    [TA_G1A] = {"G1a", "a committed transaction read a write of a failed one (aborted read)", B(TA_G1)},
    [TA_G1B] = {"G1b", "a transaction read a value its writer later overwrote (intermediate read)",
                B(TA_G1)},
    [TA_INTERNAL] = {"internal", "a read disagrees with its own transaction's earlier reads and writes", 0},
    [TA_FUTURE_READ] = {"future-read", "a read saw a write its own transaction made only later",
                        B(TA_G1C)},
    [TA_DUPLICATE] = {"duplicate-elements", "a read of a list holds one appended element twice", 0},
    [TA_INCOMPATIBLE_ORDER] = {"incompatible-order",
                               "two reads of a list disagree on the order of its appends", B(TA_G1A)},
    [TA_GARBAGE_READ] = {"garbage-read", "a read of a value no transaction wrote", B(TA_G1A)},
    [TA_G1] = {"G1", "aborted read, intermediate read or circular information flow", B(TA_G1_PROCESS)},
    [TA_G1_PROCESS] = {"G1-process", "G1, or G1c with process order", B(TA_G1_REALTIME)},
    [TA_G1_REALTIME] = {"G1-realtime", "G1, or G1c with real-time order", 0},
    [TA_G2] = {"G2", "a dependency cycle with anti-dependencies", B(TA_G2_PROCESS)},
    [TA_G2_PROCESS] = {"G2-process", "G2, with process order", B(TA_G2_REALTIME)},
    [TA_G2_REALTIME] = {"G2-realtime", "G2, with real-time order", 0},
};

static const struct {
    const char *name;
    const char *aliases; /* space-separated */
    uint64_t implies;    /* models directly weaker */
    uint64_t forbids;    /* anomalies forbidden directly */
    unsigned orders;
} models[TCM_COUNT] = {
    [TCM_READ_UNCOMMITTED] = {"read-uncommitted", "PL-1", 0,
                              B(TA_G0) | B(TA_DUPLICATE) | B(TA_GARBAGE_READ), 0},
    [TCM_READ_COMMITTED] = {"read-committed", "PL-2", B(TCM_READ_UNCOMMITTED), B(TA_G1), 0},
    [TCM_CONSISTENT_VIEW] = {"consistent-view", "PL-2+", B(TCM_READ_COMMITTED),
                             B(TA_G1) | B(TA_G_SINGLE), 0},
    [TCM_REPEATABLE_READ] = {"repeatable-read", "PL-2.99", B(TCM_READ_COMMITTED),
                             B(TA_G1) | B(TA_G2_ITEM), 0},
    [TCM_SNAPSHOT_ISOLATION] = {"snapshot-isolation", "PL-SI si", B(TCM_CONSISTENT_VIEW),
                                B(TA_INTERNAL) | B(TA_G1) | B(TA_G_SINGLE) | B(TA_G_NONADJACENT), 0},
    [TCM_SERIALIZABLE] = {"serializable", "PL-3 conflict-serializable",
                          B(TCM_REPEATABLE_READ) | B(TCM_SNAPSHOT_ISOLATION),
                          B(TA_INTERNAL) | B(TA_G1) | B(TA_G2), 0},
    [TCM_STRONG_SESSION_READ_UNCOMMITTED] = {"strong-session-read-uncommitted", "strong-session-PL-1",
                                             B(TCM_READ_UNCOMMITTED), B(TA_G0_PROCESS),
                                             TXN_ORDER_PROCESS},
    [TCM_STRONG_SESSION_READ_COMMITTED] = {"strong-session-read-committed", "strong-session-PL-2",
                                           B(TCM_READ_COMMITTED) |
                                               B(TCM_STRONG_SESSION_READ_UNCOMMITTED),
                                           B(TA_G1C_PROCESS), TXN_ORDER_PROCESS},
    [TCM_STRONG_SESSION_SNAPSHOT_ISOLATION] = {"strong-session-snapshot-isolation", "",
                                               B(TCM_SNAPSHOT_ISOLATION) |
                                                   B(TCM_STRONG_SESSION_READ_COMMITTED),
                                               B(TA_INTERNAL) | B(TA_G1_PROCESS) |
                                                   B(TA_G_NONADJACENT_PROCESS),
                                               TXN_ORDER_PROCESS},
    [TCM_STRONG_SESSION_SERIALIZABLE] = {"strong-session-serializable", "",
                                         B(TCM_SERIALIZABLE) |
                                             B(TCM_STRONG_SESSION_SNAPSHOT_ISOLATION),
                                         B(TA_G1_PROCESS) | B(TA_G2_PROCESS), TXN_ORDER_PROCESS},
    [TCM_STRONG_READ_UNCOMMITTED] = {"strong-read-uncommitted", "strong-PL-1",
                                     B(TCM_STRONG_SESSION_READ_UNCOMMITTED), B(TA_G0_REALTIME),
                                     TXN_ORDER_PROCESS | TXN_ORDER_REALTIME},
    [TCM_STRONG_READ_COMMITTED] = {"strong-read-committed", "strong-PL-2",
                                   B(TCM_STRONG_SESSION_READ_COMMITTED) |
                                       B(TCM_STRONG_READ_UNCOMMITTED),
                                   B(TA_G1C_REALTIME), TXN_ORDER_PROCESS | TXN_ORDER_REALTIME},
    [TCM_STRONG_SNAPSHOT_ISOLATION] = {"strong-snapshot-isolation", "",
                                       B(TCM_STRONG_SESSION_SNAPSHOT_ISOLATION) |
                                           B(TCM_STRONG_READ_COMMITTED),
                                       B(TA_INTERNAL) | B(TA_G1_REALTIME) |
                                           B(TA_G_NONADJACENT_REALTIME),
                                       TXN_ORDER_PROCESS | TXN_ORDER_REALTIME},
    [TCM_STRICT_SERIALIZABLE] = {"strict-serializable", "PL-SS strong-serializable",
                                 B(TCM_SERIALIZABLE) | B(TCM_STRONG_SNAPSHOT_ISOLATION) |
                                     B(TCM_STRONG_SESSION_SERIALIZABLE),
                                 B(TA_G1) | B(TA_G1C_REALTIME) | B(TA_G2_REALTIME),
                                 TXN_ORDER_PROCESS | TXN_ORDER_REALTIME},
};

const char *txn_anomaly_name(txn_anomaly a)
{
    return a < TA_COUNT ? anomalies[a].name : "?";
}

const char *txn_anomaly_summary(txn_anomaly a)
{
    return a < TA_COUNT ? anomalies[a].summary : "?";
}

/* start and everything reachable from it, where next(i) gives node i's
 * direct successors as bits. */
static uint64_t closure(int start, uint64_t (*next)(int))
{
    uint64_t seen = B(start), todo = B(start);
    while (todo) {
        int i = __builtin_ctzll(todo);
        todo &= todo - 1;
        uint64_t n = next(i) & ~seen;
        seen |= n;
        todo |= n;
    }
    return seen;
}

static uint64_t anomaly_next(int a)
{
    return anomalies[a].implies;
}

static uint64_t model_next(int m)
{
    return models[m].implies;
}

uint64_t txn_anomaly_implied(txn_anomaly a)
{
    return closure(a, anomaly_next);
}

const char *txn_cm_name(txn_cm m)
{
    return m < TCM_COUNT ? models[m].name : "?";
}

/* Case-insensitive match of s against one space-separated word of list. */
static bool word_in(const char *s, const char *list)
{
    size_t n = strlen(s);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && strncasecmp(p, s, n) == 0)
            return true;
        p += k;
        while (*p == ' ')
            p++;
    }
    return false;
}

int txn_cm_parse(const char *s)
{
    for (int m = 0; m < TCM_COUNT; m++)
        if (strcasecmp(s, models[m].name) == 0 || word_in(s, models[m].aliases))
            return m;
    return -1;
}

const char *txn_cm_names(void)
{
    return "read-uncommitted, read-committed, consistent-view, repeatable-read, "
           "snapshot-isolation, serializable, strict-serializable, "
           "strong-session-read-uncommitted, strong-session-read-committed, "
           "strong-session-snapshot-isolation, strong-session-serializable, "
           "strong-read-uncommitted, strong-read-committed, strong-snapshot-isolation "
           "(and Adya's PL-1, PL-2, PL-2+, PL-2.99, PL-SI, PL-3, PL-SS)";
}

/* m and every model it implies, as bits. */
static uint64_t implied_models(txn_cm m)
{
    return closure(m, model_next);
}

uint64_t txn_cm_forbids(txn_cm m)
{
    uint64_t direct = 0;
    for (uint64_t ms = implied_models(m); ms; ms &= ms - 1)
        direct |= models[__builtin_ctzll(ms)].forbids;
    /* Every anomaly that implies a forbidden one is forbidden too. */
    uint64_t out = 0;
    for (int a = 0; a < TA_COUNT; a++)
        if (txn_anomaly_implied((txn_anomaly)a) & direct)
            out |= B(a);
    return out;
}

unsigned txn_cm_orders(txn_cm m)
{
    unsigned o = 0;
    for (uint64_t ms = implied_models(m); ms; ms &= ms - 1)
        o |= models[__builtin_ctzll(ms)].orders;
    return o;
}

uint64_t txn_cm_ruled_out(uint64_t found, uint64_t *weakest)
{
    uint64_t out = 0;
    for (int m = 0; m < TCM_COUNT; m++)
        if (txn_cm_forbids((txn_cm)m) & found)
            out |= B(m);
    if (weakest) {
        uint64_t w = 0;
        for (uint64_t ms = out; ms; ms &= ms - 1) {
            int m = __builtin_ctzll(ms);
            /* weakest: no other ruled-out model is implied by it */
            if (!((implied_models((txn_cm)m) & ~B(m)) & out))
                w |= B(m);
        }
        *weakest = w;
    }
    return out;
}

