/*
 * opt.c - the option parser and the --help text, both read from a
 * command's table (opt.h says what the parser keeps to).
 *
 * A table has at most OPT_MAX entries, so what the parser tracks per
 * option (given or not, the value last read) lives on the stack.
 */
#include <string.h>

#include "cli.h"
#include "doc.h"
#include "opt.h"

enum { OPT_MAX = 64, HELP_COL = 24, WIDTH = 79 };

typedef struct parse_state {
    const opt_cmd *cmd;
    void *args;
    size_t n;                  /* entries in cmd->opts */
    bool given[OPT_MAX];       /* on the command line */
    const char *value[OPT_MAX]; /* the last value read, given or the default */
} parse_state;

const char *opt_cmd_title(const opt_cmd *cmd)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "conch%s%s", cmd->name ? " " : "", cmd->name ? cmd->name : "");
    return buf;
}

const char *const *opt_choices(const opt_spec *o)
{
    return o->list_choices ? o->list_choices() : o->choices;
}

bool opt_takes_value(const opt_spec *o)
{
    return o->kind != OPT_FLAG && o->kind != OPT_HELP && o->kind != OPT_MAN &&
           o->kind != OPT_ACTION;
}

/* The entry named name (len bytes, not NUL-ended), or -1. Exactly: no
 * abbreviations. */
static int find_long(const parse_state *ps, const char *name, size_t len)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strlen(ps->cmd->opts[i].name) == len && !strncmp(ps->cmd->opts[i].name, name, len))
            return (int)i;
    return -1;
}

static int find_short(const parse_state *ps, char c)
{
    for (size_t i = 0; i < ps->n; i++)
        if (ps->cmd->opts[i].letter == c)
            return (int)i;
    return -1;
}

/* Read value into the field of entry i (by its kind, or its own parse). */
static bool store(parse_state *ps, size_t i, const char *value)
{
    const opt_spec *o = &ps->cmd->opts[i];
    const char *cmd = ps->cmd->name;
    void *field = (char *)ps->args + o->off;
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", o->name);
    if (o->parse)
        return o->parse(cmd, opt, value, field);
    switch (o->kind) {
    case OPT_STR:
    case OPT_FILE:
    case OPT_DIR:
        *(const char **)field = value;
        return true;
    case OPT_LONG:
        return cli_long(cmd, opt, value, o->min, o->max, field);
    case OPT_DOUBLE:
        return cli_double(cmd, opt, value, o->dmin, o->dmax, field);
    case OPT_CHOICE: {
        int k = cli_choice(cmd, opt, value, opt_choices(o));
        if (k < 0)
            return false;
        *(int *)field = k;
        return true;
    }
    case OPT_LIST:
        VEC_PUSH(*(opt_list *)field, value);
        return true;
    case OPT_FLAG:
    case OPT_HELP:
    case OPT_MAN:
    case OPT_ACTION:
        break;
    }
    return false;
}

/* Entry i was given on the command line, with value (NULL for those that
 * take none). */
static opt_rc apply(parse_state *ps, size_t i, const char *value)
{
    const opt_spec *o = &ps->cmd->opts[i];
    switch (o->kind) {
    case OPT_HELP:
        opt_help(stdout, ps->cmd);
        return OPT_DONE;
    case OPT_MAN:
        doc_man(stdout, ps->cmd);
        return OPT_DONE;
    case OPT_ACTION:
        o->action();
        return OPT_DONE;
    case OPT_FLAG: /* a flag's own parse, if set, gets no value: -v counts */
        if (o->parse) {
            if (!store(ps, i, NULL))
                return OPT_EUSAGE;
        } else {
            *(bool *)((char *)ps->args + o->off) = true;
        }
        break;
    default:
        if (!store(ps, i, value))
            return OPT_EUSAGE;
    }
    ps->given[i] = true;
    ps->value[i] = value;
    return OPT_OK;
}

/* "--name[=value]" at argv[*i]. */
static opt_rc parse_long(parse_state *ps, int argc, char **argv, int *i)
{
    const char *name = argv[*i] + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    int k = find_long(ps, name, len);
    if (k < 0) {
        cli_error(ps->cmd->name, "unknown option '--%.*s' (see %s --help)", (int)len, name,
                  opt_cmd_title(ps->cmd));
        return OPT_EUSAGE;
    }
    const opt_spec *o = &ps->cmd->opts[k];
    const char *value = NULL;
    if (!opt_takes_value(o)) {
        if (eq) {
            cli_error(ps->cmd->name, "--%s takes no value", o->name);
            return OPT_EUSAGE;
        }
    } else if (eq) {
        value = eq + 1;
    } else if (*i + 1 < argc) {
        value = argv[++*i];
    } else {
        cli_error(ps->cmd->name, "--%s needs a value", o->name);
        return OPT_EUSAGE;
    }
    return apply(ps, (size_t)k, value);
}

/* "-abc", "-jVALUE", "-j VALUE" at argv[*i]. */
static opt_rc parse_short(parse_state *ps, int argc, char **argv, int *i)
{
    for (const char *p = argv[*i] + 1; *p; p++) {
        int k = find_short(ps, *p);
        if (k < 0) {
            cli_error(ps->cmd->name, "unknown option '-%c' (see %s --help)", *p,
                      opt_cmd_title(ps->cmd));
            return OPT_EUSAGE;
        }
        const opt_spec *o = &ps->cmd->opts[k];
        if (!opt_takes_value(o)) {
            opt_rc rc = apply(ps, (size_t)k, NULL);
            if (rc != OPT_OK)
                return rc;
            continue;
        }
        const char *value = p[1] ? p + 1 : *i + 1 < argc ? argv[++*i] : NULL;
        if (!value) {
            cli_error(ps->cmd->name, "-%c needs a value", *p);
            return OPT_EUSAGE;
        }
        return apply(ps, (size_t)k, value);
    }
    return OPT_OK;
}

/* The rules between options: .only_with and .not_with. */
static opt_rc check_pairs(const parse_state *ps)
{
    const opt_spec *opts = ps->cmd->opts;
    const char *cmd = ps->cmd->name;
    for (size_t i = 0; i < ps->n; i++) {
        if (!ps->given[i])
            continue;
        const char *w = opts[i].only_with;
        if (w) {
            const char *eq = strchr(w, '=');
            int j = find_long(ps, w, eq ? (size_t)(eq - w) : strlen(w));
            if (j < 0)
                continue; /* a table error: the unit tests catch it */
            if (eq && !(ps->value[j] && !strcmp(ps->value[j], eq + 1))) {
                cli_error(cmd, "--%s applies to --%s %s only", opts[i].name, opts[j].name, eq + 1);
                return OPT_EUSAGE;
            }
            if (!eq && !ps->given[j]) {
                const char *back = opts[j].only_with;
                if (back && !strcmp(back, opts[i].name))
                    cli_error(cmd, "--%s and --%s go together", opts[i].name, opts[j].name);
                else
                    cli_error(cmd, "--%s needs --%s", opts[i].name, opts[j].name);
                return OPT_EUSAGE;
            }
        }
        w = opts[i].not_with;
        if (w) {
            int j = find_long(ps, w, strlen(w));
            if (j >= 0 && ps->given[j]) {
                cli_error(cmd, "give --%s or --%s, not both", opts[i].name, opts[j].name);
                return OPT_EUSAGE;
            }
        }
    }
    return OPT_OK;
}

/* Was one of the options named in list ("a,b"; NULL: none) given? */
static bool given_any(const parse_state *ps, const char *list)
{
    while (list && *list) {
        size_t len = strcspn(list, ",");
        int k = find_long(ps, list, len);
        if (k >= 0 && ps->given[k])
            return true;
        list += len + (list[len] == ',');
    }
    return false;
}

opt_rc opt_parse(const opt_cmd *cmd, int argc, char **argv, void *args, size_t *noperands)
{
    parse_state ps = {.cmd = cmd, .args = args};
    *noperands = 0;
    while (cmd->opts[ps.n].name)
        ps.n++;
    if (ps.n > OPT_MAX) {
        cli_error(cmd->name, "internal error: more than %d options", OPT_MAX);
        return OPT_EUSAGE;
    }
    for (size_t i = 0; i < ps.n; i++) {
        if (!cmd->opts[i].def)
            continue;
        if (!store(&ps, i, cmd->opts[i].def))
            return OPT_EUSAGE; /* a table error: the unit tests catch it */
        ps.value[i] = cmd->opts[i].def;
    }

    size_t nops = 0;
    bool operands_only = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        opt_rc rc = OPT_OK;
        if (operands_only || a[0] != '-' || !a[1])
            argv[1 + nops++] = a; /* never past i: what it overwrites is read */
        else if (!strcmp(a, "--"))
            operands_only = true;
        else if (a[1] == '-')
            rc = parse_long(&ps, argc, argv, &i);
        else
            rc = parse_short(&ps, argc, argv, &i);
        if (rc != OPT_OK)
            return rc;
    }

    if (nops && !cmd->operand) {
        cli_error(cmd->name, "unexpected argument '%s' (see %s --help)", argv[1],
                  opt_cmd_title(cmd));
        return OPT_EUSAGE;
    }
    if (!nops && cmd->operand && !given_any(&ps, cmd->operand_unless)) {
        cli_error(cmd->name, "%s (see %s --help)", cmd->missing, opt_cmd_title(cmd));
        return OPT_EUSAGE;
    }
    opt_rc rc = check_pairs(&ps);
    if (rc == OPT_OK)
        *noperands = nops;
    return rc;
}

int opt_exit(opt_rc rc)
{
    return rc == OPT_DONE ? EXIT_VALID : EXIT_USAGE;
}

/* Words of s[0..n) from column col, wrapped at WIDTH to column indent. */
static size_t put_wrapped(FILE *f, const char *s, size_t n, size_t col, size_t indent)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\n'))
            i++;
        size_t w = i;
        while (w < n && s[w] != ' ' && s[w] != '\n')
            w++;
        if (w == i)
            break;
        if (col > indent && col + 1 + (w - i) > WIDTH) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(s + i, 1, w - i, f);
        col += w - i;
        i = w;
    }
    return col;
}

void opt_paragraphs(const char *text, void (*fn)(void *ctx, const char *p, size_t n, bool literal),
                    void *ctx)
{
    const char *p = text;
    while (p && *p) {
        while (*p == '\n')
            p++;
        if (!*p)
            break;
        const char *end = strstr(p, "\n\n");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && p[n - 1] == '\n')
            n--;
        fn(ctx, p, n, p[0] == ' ' && p[1] == ' ');
        p += n;
    }
}

/* --help is sections separated by blank lines. */
typedef struct help_out {
    FILE *f;
    bool started; /* something was printed: a blank line goes before the next */
} help_out;

static void help_gap(help_out *h)
{
    if (h->started)
        fputc('\n', h->f);
    h->started = true;
}

bool opt_definition(const char *p, size_t n, size_t *term_len)
{
    const char *nl = memchr(p, '\n', n);
    if (p[0] == ' ' || !nl)
        return false;
    for (const char *q = nl; q && q < p + n; q = memchr(q + 1, '\n', (size_t)(p + n - q - 1)))
        if (q + 2 >= p + n || q[1] != ' ' || q[2] != ' ')
            return false;
    *term_len = (size_t)(nl - p);
    return true;
}

static void help_paragraph(void *ctx, const char *p, size_t n, bool literal)
{
    help_out *h = ctx;
    size_t term;
    help_gap(h);
    if (literal) {
        fwrite(p, 1, n, h->f);
    } else if (opt_definition(p, n, &term)) {
        fwrite(p, 1, term, h->f);
        fputs("\n  ", h->f);
        put_wrapped(h->f, p + term, n - term, 2, 2);
    } else {
        put_wrapped(h->f, p, n, 0, 0);
    }
    fputc('\n', h->f);
}

void opt_label(const opt_spec *o, char *buf, size_t size)
{
    char letter[8] = "";
    if (o->letter)
        snprintf(letter, sizeof letter, "-%c, ", o->letter);
    snprintf(buf, size, "%s--%s%s%s", letter, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

static void help_option(FILE *f, const opt_spec *o)
{
    char label[80];
    opt_label(o, label, sizeof label);
    size_t col = 2 + strlen(label);
    fprintf(f, "  %s", label);
    if (col + 2 > HELP_COL)
        fprintf(f, "\n%*s", HELP_COL, "");
    else
        fprintf(f, "%*s", (int)(HELP_COL - col), "");
    col = put_wrapped(f, o->help, strlen(o->help), HELP_COL, HELP_COL);
    if (o->def) {
        char d[128];
        snprintf(d, sizeof d, "(default: %s)", o->def);
        put_wrapped(f, d, strlen(d), col, HELP_COL);
    }
    fputc('\n', f);
}

void opt_help(FILE *f, const opt_cmd *cmd)
{
    help_out h = {f, true};
    const char *title = opt_cmd_title(cmd), *syn = cmd->synopsis;
    for (bool first = true; *syn; first = false) {
        size_t n = strcspn(syn, "\n");
        fprintf(f, "%s %s %.*s\n", first ? "usage:" : "      ", title, (int)n, syn);
        syn += n + (syn[n] == '\n');
    }
    opt_paragraphs(cmd->about, help_paragraph, &h);
    if (cmd->commands) {
        help_gap(&h);
        fputs("commands:\n", f);
        for (size_t i = 0; cmd->commands[i]; i++)
            fprintf(f, "  %-8s %s\n", cmd->commands[i]->name, cmd->commands[i]->summary);
    }
    help_gap(&h);
    fputs("options:\n", f);
    for (const opt_spec *o = cmd->opts; o->name; o++)
        help_option(f, o);
    opt_paragraphs(cmd->notes, help_paragraph, &h);
    opt_paragraphs(cmd->exit_status, help_paragraph, &h);
}
