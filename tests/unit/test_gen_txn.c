/* Unit tests: conch gen --workload list-append (histories/gen_txn.c).
 *
 * Without planted anomalies a generated history is strict serializable,
 * crashes or not; with one planted, the txn checker names it (a -realtime
 * cycle may be named by its -process form); with all planted at once,
 * every one of them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../checker/txn.h"
#include "../../histories/gen_txn.h"
#include "helpers.h"

static void check_gen(const gen_txn_opts *o, txn_result *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert(f);
    cr_assert_eq(gen_txn_history(o, f), 0);
    fclose(f);
    history *h = th_read(text);
    sbuf why = {0};
    cr_assert_eq(txn_check(h, &(txn_opts){.model = TCM_STRICT_SERIALIZABLE}, r, &why), 0, "%s",
                 sbuf_str(&why));
    sbuf_free(&why);
    hist_free(h);
    free(text);
}

/* Did r name the anomaly named want? A -realtime cycle counts as found
 * when named -process: a process's txns are in real-time order, so that
 * cycle is the same one, told by the stronger edges. */
static bool named(const txn_result *r, const char *want)
{
    for (int a = 0; a < TA_COUNT; a++) {
        if (!(r->anomalies >> a & 1))
            continue;
        const char *n = txn_anomaly_name((txn_anomaly)a);
        size_t base = strlen(want) - strlen("-realtime");
        if (!strcmp(n, want) ||
            (strlen(want) > strlen("-realtime") && !strcmp(want + base, "-realtime") &&
             !strncmp(n, want, base) && !strcmp(n + base, "-process")))
            return true;
    }
    return false;
}

Test(gen_txn, valid_without_plants)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        txn_result r;
        check_gen(&(gen_txn_opts){.txns = 400, .sessions = 8, .keys = 3, .mops = 4,
                                  .appends_per_key = 8, .crash = seed % 2 ? 0.05 : 0,
                                  .seed = seed},
                  &r);
        cr_expect_eq(r.verdict, TXN_VALID, "seed %llu: anomalies %llx", (unsigned long long)seed,
                     (unsigned long long)r.anomalies);
        cr_expect_gt(r.nedges, 100, "seed %llu: the txns depend on each other", (unsigned long long)seed);
        txn_result_free(&r);
    }
}

Test(gen_txn, each_plant_is_found)
{
    for (int p = 0; p < GP_COUNT; p++) {
        const char *want = gen_txn_plant_anomaly((gen_txn_plant)p);
        for (uint64_t seed = 1; seed <= 5; seed++) {
            txn_result r;
            check_gen(&(gen_txn_opts){.txns = 300, .sessions = 6, .keys = 3, .mops = 4,
                                      .appends_per_key = 8, .crash = 0.02, .seed = seed,
                                      .plant = 1u << p},
                      &r);
            cr_expect(named(&r, want), "%s, seed %llu: %s not found (anomalies %llx)",
                      gen_txn_plant_name((gen_txn_plant)p), (unsigned long long)seed, want,
                      (unsigned long long)r.anomalies);
            cr_expect_eq(r.verdict, TXN_INVALID);
            txn_result_free(&r);
        }
    }
}

Test(gen_txn, all_plants_at_once)
{
    txn_result r;
    check_gen(&(gen_txn_opts){.txns = 1000, .sessions = 16, .keys = 4, .mops = 4,
                              .appends_per_key = 16, .seed = 7, .plant = (1u << GP_COUNT) - 1},
              &r);
    for (int p = 0; p < GP_COUNT; p++)
        cr_expect(named(&r, gen_txn_plant_anomaly((gen_txn_plant)p)), "%s not found",
                  gen_txn_plant_name((gen_txn_plant)p));
    txn_result_free(&r);
}

Test(gen_txn, plant_names)
{
    uint32_t bits = 0;
    sbuf why = {0};
    cr_expect_eq(gen_txn_plant_parse("g0,stale", &bits, &why), 0);
    cr_expect_eq(bits, (1u << GP_G0) | (1u << GP_STALE));
    cr_expect_eq(gen_txn_plant_parse("all", &bits, &why), 0);
    cr_expect_eq(bits, (1u << GP_COUNT) - 1);
    cr_expect_eq(gen_txn_plant_parse("g0,g9", &bits, &why), -1);
    cr_expect(strstr(sbuf_str(&why), "unknown anomaly 'g9'"), "%s", sbuf_str(&why));
    sbuf_free(&why);
}
