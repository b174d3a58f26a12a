/*
 * merge.c - conch merge: the results files of a history's shards
 * (conch check --shard I/N --results FILE, or of the files conch split
 * wrote) combined into the whole history's verdict, report and exit code
 * (report/report_merge.h says how, and what is refused).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "../report/report_merge.h"
#include "../util/mem.h"
#include "cli.h"

typedef struct merge_args {
    int format; /* index in formats[] */
    const char *results;
} merge_args;

static const char *const formats[] = {"text", "json", NULL};

#define AT(f, T) OPT_AT(merge_args, f, T)
static const opt_spec merge_opts_table[] = {
    {.name = "format", .arg = "FORMAT", .kind = OPT_CHOICE, .off = AT(format, int),
     .choices = formats, .def = "text",
     .help = "the report on standard output: text, or json (conch check's, one entry per "
             "history, from its shards)"},
    {.name = "results", .arg = "FILE", .kind = OPT_FILE, .off = AT(results, const char *),
     .help = "also write the combined JSON report to FILE"},
    OPT_HELP_AND_MAN,
    {0},
};
#undef AT

const opt_cmd cli_cmd_merge = {
    .name = "merge",
    .summary = "combine the results of a history's shards into one verdict",
    .synopsis = "[--format text|json] [--results FILE] RESULTS...",
    .about = "Read the results files of the shards of one or more histories (conch check "
             "--shard I/N --results FILE, run where each fits; or conch check --results FILE "
             "of the files conch split wrote) and combine them: each history's parts side "
             "by side, its session checks' keys and violations added up, each verdict the "
             "worst of its shards'. Print the report, and exit as conch check would have "
             "on the whole history.\n\n"
             "Refused, exit 2: results that are not a shard's, a history with a shard "
             "missing or given twice (results of another history's shards make two "
             "histories, each missing shards), shards checked with different models, "
             "initial values or nil reads, and a shard that could not be checked.",
    .opts = merge_opts_table,
    .operand = "RESULTS",
    .operand_kind = OPT_FILE,
    .missing = "no results file given",
    .exit_status = "Exit: 0 every check passed, 1 a violation, 2 bad usage, or results that "
                   "cannot be combined, 3 unknown (a shard's time or memory limit).",
    .examples = "  parallel conch check --shard {}/4 --results r{}.json h.jsonl ::: 0 1 2 3\n"
                "  conch merge r0.json r1.json r2.json r3.json",
    .run = cmd_merge,
};

int cmd_merge(int argc, char **argv)
{
    merge_args a = {0};
    size_t n;
    opt_rc prc = opt_parse(&cli_cmd_merge, argc, argv, &a, &n);
    if (prc != OPT_OK)
        return opt_exit(prc);
    json_t **docs = xcalloc(n, sizeof *docs);
    const char **names = xcalloc(n, sizeof *names);
    int code = EXIT_USAGE;
    json_t *merged = NULL;
    for (size_t i = 0; i < n; i++) {
        names[i] = argv[1 + i];
        json_error_t je;
        docs[i] = json_load_file(names[i], 0, &je);
        if (!docs[i]) {
            cli_error("merge", "%s:%d:%d: not a results file: %s", names[i], je.line, je.column,
                      je.text);
            goto out;
        }
    }
    sbuf why = {0};
    if (!report_merge(docs, names, n, &merged, &why)) {
        cli_error("merge", "%s", sbuf_str(&why));
        sbuf_free(&why);
        goto out;
    }
    sbuf_free(&why);
    code = (int)json_integer_value(json_object_get(merged, "exit"));
    if (a.format == 1) {
        json_dumpf(merged, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else {
        report_merge_text(stdout, merged, cli_color(1));
    }
    if (a.results && json_dump_file(merged, a.results, JSON_INDENT(2))) {
        cli_error("merge", "cannot write %s", a.results);
        code = cli_worst(code, EXIT_USAGE);
    }
out:
    json_decref(merged);
    for (size_t i = 0; i < n; i++)
        json_decref(docs[i]);
    free(docs);
    free(names);
    return code;
}
