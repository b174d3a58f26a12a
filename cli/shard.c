/*
 * shard.c - what conch check does for a history that is one shard of a
 * larger one (histories/shard.h): the model the whole history would be
 * checked with, and what its results file says of the shard, for conch
 * merge.
 */
#include <jansson.h>
#include <string.h>

#include "../checker/jw.h"
#include "../histories/shard.h"
#include "cli.h"

/* Is h one shard of a larger history: read with --shard, or written so
 * by conch split (its note)? */
static bool is_shard(const hist_shard *s)
{
    return s->count || s->noted;
}

bool cli_shard_model(const history *h, const model_type *given, const model_type **chosen,
                     sbuf *why)
{
    const hist_shard *s = hist_shard_of(h);
    *chosen = NULL;
    if (s->count && s->noted && (s->index != s->note_index || s->count != s->note_count)) {
        sbuf_printf(why, "%s is shard %u of %u of %s (conch split wrote it), not shard %u of %u: "
                         "check it without --shard",
                    hist_name(h), s->note_index, s->note_count, s->file, s->index, s->count);
        return false;
    }
    if (!is_shard(s) || given)
        return true;
    /* A shard's own ops might say another model than the whole history's:
     * infer it from what the whole history's ops are (their f names). */
    history *summary = hist_shard_summary(h);
    sbuf ignored = {0};
    *chosen = model_infer(summary, &ignored); /* none: the checker says why, as usual */
    sbuf_free(&ignored);
    /* Jepsen's bank and long-fork ops have no key, so they all land in one
     * shard; a transfer on another is in the summary's f names, but a
     * long-fork read or a bank read of balances is a read there: the
     * shard's own ops tell those. Checked with the summary's model, they
     * would be judged as a register's. */
    jw_kind jw = jw_infer(summary, NULL, NULL);
    if (jw == MODEL_JW_NONE)
        jw = jw_infer(h, NULL, NULL);
    hist_free(summary);
    if (*chosen && !strcmp((*chosen)->name, "multi-register")) {
        sbuf_printf(why, "%s: --shard: the history is of transactions, which span keys, so their "
                         "checks cannot be dealt out by key (check it whole)",
                    hist_name(h));
        return false;
    }
    if (jw != MODEL_JW_NONE) {
        sbuf_printf(why, "%s: --shard: the history is Jepsen's %s workload, whose check spans "
                         "the whole history (check it whole)",
                    hist_name(h), model_jw_name(jw));
        return false;
    }
    return true;
}

json_t *cli_shard_json(const history *h)
{
    const hist_shard *s = hist_shard_of(h);
    if (!is_shard(s))
        return NULL;
    char hex[17];
    shard_fp_hex(s->noted ? s->whole : hist_fingerprint(h), hex);
    json_t *j = json_object();
    json_object_set_new(j, "index", json_integer(s->noted ? s->note_index : s->index));
    json_object_set_new(j, "of", json_integer(s->noted ? s->note_count : s->count));
    json_object_set_new(j, "history", json_string(hex));
    json_object_set_new(j, "events",
                        json_integer((json_int_t)(s->noted ? s->events : hist_nevents(h))));
    sbuf file = {0};
    sbuf_add_utf8(&file, s->noted ? s->file : hist_name(h),
                  strlen(s->noted ? s->file : hist_name(h)));
    json_object_set_new(j, "file", json_string(sbuf_str(&file)));
    sbuf_free(&file);
    json_object_set_new(j, "ops_of_other_shards", json_integer((json_int_t)s->dropped));
    return j;
}

void cli_shard_text(FILE *f, const history *h)
{
    const hist_shard *s = hist_shard_of(h);
    if (!is_shard(s))
        return;
    char hex[17];
    shard_fp_hex(s->noted ? s->whole : hist_fingerprint(h), hex);
    sbuf file = {0};
    sbuf_add_printable(&file, s->noted ? s->file : hist_name(h),
                       strlen(s->noted ? s->file : hist_name(h)));
    fprintf(f, "  shard %u of %u of %s (history %s)", s->noted ? s->note_index : s->index,
            s->noted ? s->note_count : s->count, sbuf_str(&file), hex);
    if (s->count)
        fprintf(f, ": %zu ops on the other shards' keys left out", s->dropped);
    fprintf(f, "; conch merge combines the shards' results\n");
    sbuf_free(&file);
}
