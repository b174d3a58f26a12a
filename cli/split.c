/*
 * split.c - conch split: a history's shards, as files, for histories too
 * large to read whole on one machine (histories/shard.h says how ops are
 * dealt, and what each file says of the history it came from).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../histories/shard.h"
#include "../util/mem.h"
#include "cli.h"

typedef struct split_args {
    long shards;
    const char *dir;
} split_args;

#define AT(f, T) OPT_AT(split_args, f, T)
static const opt_spec split_opts_table[] = {
    {.name = "shards", .letter = 'n', .arg = "N", .kind = OPT_LONG, .off = AT(shards, long),
     .min = 1, .max = 100000, .help = "how many shards (required)"},
    {.name = "out", .letter = 'o', .arg = "DIR", .kind = OPT_DIR, .off = AT(dir, const char *),
     .help = "the folder the shard files go to (default: the history's own)"},
    OPT_HELP_AND_MAN,
    {0},
};
#undef AT

const opt_cmd cli_cmd_split = {
    .name = "split",
    .summary = "write a history's shards as files, for checks on several machines",
    .synopsis = "--shards N [-o DIR] FILE",
    .about = "Read a history in conch's JSON Lines (FILE, or '-' for standard input) and "
             "write it as N shard files, NAME.shard-I-of-N.jsonl for I from 0 to N-1: each "
             "op goes to the shard its key hashes to, as conch check --shard I/N deals "
             "them, nemesis events to every shard, and each file ends with a note of "
             "which shard of which history it is. The history is read as it streams, in "
             "memory that does not grow with its size, so it may be larger than one "
             "machine's memory; each shard is then checked where it fits (conch check "
             "SHARD-FILE, with --results), and conch merge combines the results.\n\n"
             "A history of one object, or one that names some ops' keys with \"key\" and "
             "others as Jepsen's [key value] pairs, has nothing to split by, and is an "
             "error.",
    .opts = split_opts_table,
    .operand = "FILE",
    .operand_kind = OPT_FILE,
    .missing = "no history file given",
    .exit_status = "Exit: 0 written, 2 bad usage, unreadable input or a failed write.",
    .examples = "  conch split --shards 8 -o /shared/shards big.jsonl\n"
                "  conch check --results r3.json /shared/shards/big.shard-3-of-8.jsonl",
    .run = cmd_split,
};

/* NAME of path: its file name without .jsonl or .json ("history" for
 * standard input). */
static void stem(const char *path, sbuf *out)
{
    if (!strcmp(path, "-")) {
        sbuf_adds(out, "history");
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 6 && !strcmp(base + n - 6, ".jsonl"))
        n -= 6;
    else if (n > 5 && !strcmp(base + n - 5, ".json"))
        n -= 5;
    sbuf_addn(out, base, n);
}

static void dir_of(const char *path, sbuf *out)
{
    const char *slash = strrchr(path, '/');
    if (!strcmp(path, "-") || !slash)
        sbuf_adds(out, ".");
    else
        sbuf_addn(out, path, slash == path ? 1 : (size_t)(slash - path));
}

int cmd_split(int argc, char **argv)
{
    split_args a = {0};
    size_t nops;
    opt_rc prc = opt_parse(&cli_cmd_split, argc, argv, &a, &nops);
    if (prc != OPT_OK)
        return opt_exit(prc);
    if (!a.shards) {
        cli_error("split", "--shards N is required");
        return EXIT_USAGE;
    }
    if (nops != 1) {
        cli_error("split", "one history at a time (got %zu)", nops);
        return EXIT_USAGE;
    }
    const char *path = argv[1];
    uint32_t n = (uint32_t)a.shards;
    FILE **outs = xcalloc(n, sizeof *outs);
    char **names = xcalloc(n, sizeof *names);
    size_t *lines = xcalloc(n, sizeof *lines);
    int code = EXIT_VALID;
    for (uint32_t i = 0; i < n && code == EXIT_VALID; i++) {
        sbuf name = {0};
        if (a.dir)
            sbuf_adds(&name, a.dir);
        else
            dir_of(path, &name);
        sbuf_addc(&name, '/');
        stem(path, &name);
        sbuf_printf(&name, ".shard-%u-of-%u.jsonl", i, n);
        names[i] = name.p;
        /* A shard written before is not overwritten: it may be in use. */
        int fd = open(names[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 || !(outs[i] = fdopen(fd, "w"))) {
            cli_error("split", "cannot create %s: %s", names[i], strerror(errno));
            if (fd >= 0)
                close(fd);
            code = EXIT_USAGE;
            break;
        }
        setvbuf(outs[i], NULL, _IOFBF, 1 << 20);
    }
    if (code == EXIT_VALID) {
        hist_read_opts ro = {0};
        shard_stats st = {.lines = lines};
        hist_error err = {0};
        if (shard_split(path, &ro, outs, n, &st, &err)) {
            sbuf msg = {0};
            hist_error_format(&err, &msg);
            cli_error("split", "%s", sbuf_str(&msg));
            sbuf_free(&msg);
            code = EXIT_USAGE;
        } else {
            if (st.torn)
                fprintf(stderr, "conch split: warning: %s: skipped its last line: it has no "
                                "newline and is not valid JSON, so it was cut short while "
                                "being written\n", path);
            printf("%s: %zu events into %u shards\n", path, st.events, n);
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        if (outs[i] && fclose(outs[i]) && code == EXIT_VALID) {
            cli_error("split", "cannot write %s: %s", names[i], strerror(errno));
            code = EXIT_USAGE;
        }
        if (code == EXIT_VALID)
            printf("  %s: %zu lines\n", names[i], lines[i]);
        else if (outs[i])
            unlink(names[i]); /* half a shard is no shard */
        free(names[i]);
    }
    free(outs);
    free(names);
    free(lines);
    return code;
}
