/*
 * test_cli_opt.c - the option parser (cli/opt.c) on a table of its own,
 * and every command's real table: each default reads, each rule between
 * options names a real option, and --help, the man page and the bash
 * completion each show every option.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/cli.h"
#include "../../cli/doc.h"
#include "../../cli/opt.h"

typedef struct targs {
    bool verbose;
    long number, numbers;
    double fraction;
    int mode;
    const char *name;
    opt_list headers;
    long r;
    const char *cert, *key;
    double time;
    long ops;
    int loud; /* a flag that counts */
} targs;

static const char *const tmodes[] = {"one", "two", "quorum", NULL};

#define AT(f, T) OPT_AT(targs, f, T)
static const opt_spec topts[] = {
    {.name = "verbose", .letter = 'v', .kind = OPT_FLAG, .off = AT(verbose, bool), .help = "v"},
    {.name = "number", .letter = 'n', .arg = "N", .kind = OPT_LONG, .off = AT(number, long),
     .min = 1, .max = 10, .def = "3", .help = "n"},
    {.name = "numbers-of-things", .arg = "N", .kind = OPT_LONG, .off = AT(numbers, long),
     .min = 0, .max = 5, .help = "n"},
    {.name = "fraction", .arg = "F", .kind = OPT_DOUBLE, .off = AT(fraction, double), .dmin = 0,
     .dmax = 1, .help = "f"},
    {.name = "mode", .arg = "M", .kind = OPT_CHOICE, .off = AT(mode, int), .choices = tmodes,
     .def = "one", .help = "one, two or quorum"},
    {.name = "name", .arg = "S", .kind = OPT_STR, .off = AT(name, const char *), .help = "s"},
    {.name = "header", .letter = 'H', .arg = "H", .kind = OPT_LIST,
     .off = AT(headers, opt_list), .help = "h"},
    {.name = "r", .arg = "R", .kind = OPT_LONG, .off = AT(r, long), .min = 1, .max = 9,
     .only_with = "mode=quorum", .help = "r"},
    {.name = "cert", .arg = "F", .kind = OPT_FILE, .off = AT(cert, const char *),
     .only_with = "key", .help = "c"},
    {.name = "key", .arg = "F", .kind = OPT_FILE, .off = AT(key, const char *),
     .only_with = "cert", .help = "k"},
    {.name = "time", .arg = "S", .kind = OPT_DOUBLE, .off = AT(time, double),
     .not_with = "ops", .help = "t"},
    {.name = "ops", .arg = "N", .kind = OPT_LONG, .off = AT(ops, long), .min = 1, .max = 99,
     .help = "o"},
    {.name = "loud", .letter = 'l', .kind = OPT_FLAG, .off = AT(loud, int), .parse = cli_count,
     .help = "l"},
    {.name = "help", .letter = 'h', .kind = OPT_HELP, .help = "this text"},
    {0},
};
#undef AT

static const opt_cmd tcmd = {
    .name = "t", .summary = "a test", .synopsis = "[options] FILE...", .about = "About.",
    .opts = topts, .operand = "FILE", .missing = "no file given",
};

/* What a parse printed on stderr and stdout. */
static char err_out[4096], std_out[65536];

/* Run fn(ctx) with fds 1 and 2 going to files, read back into std_out and
 * err_out. */
static void capture(void (*fn)(void *), void *ctx)
{
    fflush(stdout);
    fflush(stderr);
    FILE *o = tmpfile(), *e = tmpfile();
    cr_assert(o && e);
    int save1 = dup(1), save2 = dup(2);
    dup2(fileno(o), 1);
    dup2(fileno(e), 2);
    fn(ctx);
    fflush(stdout);
    fflush(stderr);
    dup2(save1, 1);
    dup2(save2, 2);
    close(save1);
    close(save2);
    rewind(o);
    rewind(e);
    std_out[fread(std_out, 1, sizeof std_out - 1, o)] = '\0';
    err_out[fread(err_out, 1, sizeof err_out - 1, e)] = '\0';
    fclose(o);
    fclose(e);
}

typedef struct parse_call {
    const opt_cmd *cmd;
    int argc;
    char **argv;
    void *args;
    size_t nops;
    opt_rc rc;
} parse_call;

static void do_parse(void *ctx)
{
    parse_call *c = ctx;
    c->rc = opt_parse(c->cmd, c->argc, c->argv, c->args, &c->nops);
}

static char *argv_buf[32];

/* Parse the NULL-ended words (after the command's name) into a. */
static parse_call parse(targs *a, ...)
{
    va_list ap;
    va_start(ap, a);
    int n = 0;
    argv_buf[n++] = (char *)"t";
    for (char *w; (w = va_arg(ap, char *)) && n < 31;)
        argv_buf[n++] = w;
    va_end(ap);
    argv_buf[n] = NULL;
    memset(a, 0, sizeof *a);
    parse_call c = {&tcmd, n, argv_buf, a, 0, OPT_OK};
    capture(do_parse, &c);
    return c;
}

Test(cli_opt, defaults_then_values)
{
    targs a;
    parse_call c = parse(&a, "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert_eq(a.number, 3);
    cr_assert_eq(a.mode, 0);
    c = parse(&a, "--number", "7", "--mode=two", "-v", "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert_eq(a.number, 7);
    cr_assert_eq(a.mode, 1);
    cr_assert(a.verbose);
}

Test(cli_opt, short_forms)
{
    targs a;
    parse_call c = parse(&a, "-n4", "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert_eq(a.number, 4);
    c = parse(&a, "-vn", "5", "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert(a.verbose);
    cr_assert_eq(a.number, 5);
    c = parse(&a, "-x", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "unknown option '-x' (see conch t --help)"), "%s", err_out);
}

/* A flag with its own parse gets it called, with no value: -ll counts 2. */
Test(cli_opt, flags_that_count)
{
    targs a;
    parse_call c = parse(&a, "f", NULL);
    cr_assert_eq(a.loud, 0);
    c = parse(&a, "-ll", "--loud", "f", "-vl", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert_eq(a.loud, 4);
    cr_assert(a.verbose);
    c = parse(&a, "--loud=2", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE, "a flag takes no value, counting or not");
}

Test(cli_opt, exact_names_only)
{
    targs a;
    /* A prefix of one name, and of two. */
    parse_call c = parse(&a, "--numbers", "1", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "unknown option '--numbers'"), "%s", err_out);
    c = parse(&a, "--verb", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "unknown option '--verb'"), "%s", err_out);
    c = parse(&a, "--numbers-of-things=2", "--number", "1", "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert_eq(a.numbers, 2);
    cr_assert_eq(a.number, 1);
}

Test(cli_opt, operands_anywhere_and_after_dashdash)
{
    targs a;
    parse_call c = parse(&a, "a", "-v", "b", "--", "-n", "-", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert_eq(c.nops, 4);
    cr_assert_str_eq(c.argv[1], "a");
    cr_assert_str_eq(c.argv[2], "b");
    cr_assert_str_eq(c.argv[3], "-n");
    cr_assert_str_eq(c.argv[4], "-");
    cr_assert(a.verbose);
    cr_assert_eq(a.number, 3);
}

Test(cli_opt, operands_counted)
{
    targs a;
    parse_call c = parse(&a, "-v", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "conch t: no file given (see conch t --help)"), "%s", err_out);
}

Test(cli_opt, values_missing_or_unwanted)
{
    targs a;
    parse_call c = parse(&a, "f", "--name", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "--name needs a value"), "%s", err_out);
    c = parse(&a, "f", "-n", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "-n needs a value"), "%s", err_out);
    c = parse(&a, "--verbose=yes", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "--verbose takes no value"), "%s", err_out);
    /* A value that looks like an option is still the value. */
    c = parse(&a, "--name", "-v", "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert_str_eq(a.name, "-v");
    cr_assert_not(a.verbose);
    c = parse(&a, "--name=", "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert_str_eq(a.name, "");
}

Test(cli_opt, values_checked)
{
    targs a;
    parse_call c = parse(&a, "--number", "11", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "--number expects a whole number from 1 to 10, got '11'"), "%s",
              err_out);
    c = parse(&a, "--fraction", "1.5", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "--fraction expects a number from 0 to 1, got '1.5'"), "%s",
              err_out);
    c = parse(&a, "--mode", "three", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "--mode expects one, two or quorum, got 'three'"), "%s", err_out);
}

Test(cli_opt, last_wins_lists_add)
{
    targs a;
    parse_call c = parse(&a, "-n", "2", "-n", "5", "-H", "a: 1", "--header", "b: 2", "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert_eq(a.number, 5);
    cr_assert_eq(a.headers.n, 2);
    cr_assert_str_eq(a.headers.v[0], "a: 1");
    cr_assert_str_eq(a.headers.v[1], "b: 2");
    free(a.headers.v);
}

Test(cli_opt, only_with_a_value)
{
    targs a;
    /* --mode is "one" by default: --r means nothing then. */
    parse_call c = parse(&a, "--r", "2", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "--r applies to --mode quorum only"), "%s", err_out);
    c = parse(&a, "--mode", "two", "--r", "2", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    c = parse(&a, "--r", "2", "--mode", "quorum", "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    cr_assert_eq(a.r, 2);
}

Test(cli_opt, pairs_and_exclusions)
{
    targs a;
    parse_call c = parse(&a, "--cert", "c", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "--cert and --key go together"), "%s", err_out);
    c = parse(&a, "--key", "k", "--cert", "c", "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
    c = parse(&a, "--time", "1", "--ops", "3", "f", NULL);
    cr_assert_eq(c.rc, OPT_EUSAGE);
    cr_assert(strstr(err_out, "give --time or --ops, not both"), "%s", err_out);
    c = parse(&a, "--ops", "3", "f", NULL);
    cr_assert_eq(c.rc, OPT_OK, "%s", err_out);
}

Test(cli_opt, help_stops_parsing)
{
    targs a;
    parse_call c = parse(&a, "-h", NULL);
    cr_assert_eq(c.rc, OPT_DONE);
    cr_assert_eq(opt_exit(c.rc), 0);
    cr_assert(strstr(std_out, "usage: conch t [options] FILE..."), "%s", std_out);
    cr_assert(strstr(std_out, "(default: 3)"), "%s", std_out);
    cr_assert_eq(opt_exit(OPT_EUSAGE), 2);
}

/* Every table conch has: conch's own, then each command's. */
static const opt_cmd *all_cmds(size_t i)
{
    if (i == 0)
        return &cli_conch;
    return cli_conch.commands[i - 1];
}

static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        bool before = p == text || !(p[-1] == '-' || (p[-1] >= 'a' && p[-1] <= 'z'));
        bool after = !(p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z'));
        if (before && after)
            return true;
    }
    return false;
}

static int find(const opt_cmd *cmd, const char *name, size_t len)
{
    for (int i = 0; cmd->opts[i].name; i++)
        if (strlen(cmd->opts[i].name) == len && !strncmp(cmd->opts[i].name, name, len))
            return i;
    return -1;
}

Test(cli_tables, well_formed)
{
    for (size_t c = 0; all_cmds(c); c++) {
        const opt_cmd *cmd = all_cmds(c);
        const char *title = cmd->name ? cmd->name : "conch";
        cr_assert(cmd->summary && cmd->synopsis && cmd->about && cmd->exit_status, "%s", title);
        cr_assert(!cmd->operand || cmd->missing, "%s", title);
        bool help = false;
        for (const opt_spec *o = cmd->opts; o->name; o++) {
            cr_assert(o->help && *o->help, "%s --%s: no help", title, o->name);
            cr_assert_eq(opt_takes_value(o), o->arg != NULL, "%s --%s: arg", title, o->name);
            cr_assert_eq(o->kind == OPT_ACTION, o->action != NULL, "%s --%s", title, o->name);
            cr_assert_eq(find(cmd, o->name, strlen(o->name)), (int)(o - cmd->opts),
                         "%s --%s twice", title, o->name);
            for (const opt_spec *p = cmd->opts; o->letter && p < o; p++)
                cr_assert_neq(p->letter, o->letter, "%s -%c twice", title, o->letter);
            help |= o->kind == OPT_HELP && o->letter == 'h' && !strcmp(o->name, "help");
            /* The default is shown by the table: the help must not say another. */
            if (o->def)
                cr_assert_null(strstr(o->help, "default"), "%s --%s says its default twice",
                               title, o->name);
            /* Every choice of a table's own list is explained (lists made
             * by lower layers are checked below, or listed by an option). */
            const char *const *ch = o->choices;
            for (size_t k = 0; ch && ch[k]; k++)
                cr_assert(has_word(o->help, ch[k]), "%s --%s does not explain '%s'", title,
                          o->name, ch[k]);
            if (o->only_with) {
                const char *eq = strchr(o->only_with, '=');
                size_t n = eq ? (size_t)(eq - o->only_with) : strlen(o->only_with);
                int j = find(cmd, o->only_with, n);
                cr_assert_geq(j, 0, "%s --%s: only_with names no option", title, o->name);
                const char *const *jc = opt_choices(&cmd->opts[j]);
                bool found = !eq;
                for (size_t k = 0; eq && jc && jc[k]; k++)
                    found |= !strcmp(jc[k], eq + 1);
                cr_assert(found, "%s --%s: only_with names no choice", title, o->name);
            }
            if (o->not_with)
                cr_assert_geq(find(cmd, o->not_with, strlen(o->not_with)), 0,
                              "%s --%s: not_with names no option", title, o->name);
        }
        cr_assert(help, "%s has no -h, --help", title);
    }
}

static _Alignas(max_align_t) char args_buf[4096];

/* Each command's defaults read, with nothing else on the command line. */
Test(cli_tables, defaults_read)
{
    for (size_t c = 0; all_cmds(c); c++) {
        const opt_cmd *cmd = all_cmds(c);
        char *argv[] = {(char *)"x", (char *)"operand", NULL};
        memset(args_buf, 0, sizeof args_buf);
        parse_call call = {cmd, cmd->operand ? 2 : 1, argv, args_buf, 0, OPT_OK};
        capture(do_parse, &call);
        cr_assert_eq(call.rc, OPT_OK, "%s: %s", cmd->name ? cmd->name : "conch", err_out);
    }
}

static void do_help(void *ctx)
{
    opt_help(stdout, ctx);
}

static void do_man(void *ctx)
{
    doc_man(stdout, ctx);
}

static void do_completion(void *ctx)
{
    doc_bash_completion(stdout, ctx);
}

Test(cli_tables, help_man_and_completion_show_every_option)
{
    char completion[sizeof std_out];
    capture(do_completion, (void *)&cli_conch);
    strcpy(completion, std_out);
    for (size_t c = 0; all_cmds(c); c++) {
        const opt_cmd *cmd = all_cmds(c);
        const char *title = cmd->name ? cmd->name : "conch";
        if (cmd->name)
            cr_assert(strstr(completion, cmd->name), "completion lacks %s", cmd->name);
        char help[sizeof std_out];
        capture(do_help, (void *)cmd);
        strcpy(help, std_out);
        capture(do_man, (void *)cmd);
        cr_assert(strstr(std_out, ".TH CONCH"), "%s: no .TH", title);
        for (const opt_spec *o = cmd->opts; o->name; o++) {
            char label[128], roff[128], word[128];
            opt_label(o, label, sizeof label);
            cr_assert(strstr(help, label), "%s --help lacks '%s'", title, label);
            char *q = roff + strlen(strcpy(roff, "\\fB\\-\\-"));
            for (const char *p = o->name; *p; p++) {
                if (*p == '-')
                    *q++ = '\\';
                *q++ = *p;
            }
            *q = '\0';
            cr_assert(strstr(std_out, roff), "%s man page lacks %s", title, roff);
            snprintf(word, sizeof word, "--%s", o->name);
            cr_assert(has_word(completion, word), "completion lacks %s", word);
        }
        for (size_t k = 0; cmd->commands && cmd->commands[k]; k++)
            cr_assert(strstr(help, cmd->commands[k]->summary), "conch --help lacks %s",
                      cmd->commands[k]->name);
    }
}

Test(cli_tables, version_given)
{
    cr_assert(cli_version()[0] >= '0' && cli_version()[0] <= '9', "%s", cli_version());
}

/* --model's help names every model models/ has, and its completion offers
 * them: a new model cannot be left out of either. */
Test(cli_tables, model_help_names_every_model)
{
    const opt_spec *o = cli_cmd_check.opts;
    while (o->name && strcmp(o->name, "model"))
        o++;
    cr_assert(o->name);
    const char *const *ch = opt_choices(o);
    for (size_t i = 0; model_types[i]; i++) {
        cr_assert(has_word(o->help, model_types[i]->name), "--model's help lacks %s",
                  model_types[i]->name);
        bool offered = false;
        for (size_t k = 0; ch[k]; k++)
            offered |= !strcmp(ch[k], model_types[i]->name);
        cr_assert(offered, "--model's completion lacks %s", model_types[i]->name);
    }
    for (size_t k = 0; ch[k]; k++)
        cr_assert(has_word(o->help, ch[k]), "--model's help lacks %s", ch[k]);
}
