/*
 * opt.h - a command's options as data. One table per command holds each
 * option's names, value, help text and where its value goes; the parser,
 * the --help text, the man page and the bash completion are all made from
 * it (doc.h), so an option cannot drift from its documentation (curl's
 * tool_getparam.c aliases[] and tool_listhelp.c, made one table).
 *
 * What the parser keeps to, as a Unix user expects:
 *   - long names match exactly, never by abbreviation (getopt_long read
 *     `conch check --version` as --version-order);
 *   - `--name VALUE` and `--name=VALUE`; `-x VALUE`, `-xVALUE`, and short
 *     flags bundled (`-vh`); `--` ends the options; `-` is an operand;
 *   - options and operands mix in any order, as with GNU getopt;
 *   - an option given twice: the last value wins, but a list adds each;
 *   - an option that means something only with another option's value
 *     (.only_with) is refused without it, and two that exclude each other
 *     (.not_with) are refused together;
 *   - a default (.def) is given as a user would type it, read by the same
 *     code as the command line before it, and shown in --help and the man
 *     page: the value and its documentation are one string.
 */
#ifndef CONCH_OPT_H
#define CONCH_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../util/mem.h"

typedef enum opt_kind {
    OPT_FLAG,   /* no value: sets a bool */
    OPT_STR,    /* the value as given: const char * */
    OPT_FILE,   /* a file's path: const char * (completion offers files) */
    OPT_DIR,    /* a directory's path: const char * (completion offers dirs) */
    OPT_LONG,   /* a whole number from .min to .max: long */
    OPT_DOUBLE, /* a number from .dmin to .dmax: double */
    OPT_CHOICE, /* one of .choices: int, its index */
    OPT_LIST,   /* repeatable: each value added to an opt_list */
    OPT_HELP,   /* prints the command's --help text; exit 0 */
    OPT_MAN,    /* prints the command's man page (roff); exit 0 */
    OPT_ACTION, /* .action prints something else (as --help does); exit 0 */
} opt_kind;

/* The values of an OPT_LIST option, in command-line order; pointers into
 * argv. The command frees .v. */
typedef VEC(const char *) opt_list;

/* The command's own reading of a value (where a kind's is not enough):
 * store it in *field, or print why not (cli_error) and return false. */
typedef bool opt_parse_fn(const char *cmd, const char *opt, const char *value, void *field);

typedef struct opt_spec {
    const char *name;   /* long name without "--"; NULL ends a table */
    char letter;        /* short name, or 0 */
    opt_kind kind;
    const char *arg;    /* the value's name in help: "N", "FILE" */
    const char *help;   /* what it does; wrapped when shown. Without its
                         * default when .def is set (that is added) */
    size_t off;         /* where the value goes in the command's args (OPT_AT) */
    long min, max;                /* OPT_LONG */
    double dmin, dmax;            /* OPT_DOUBLE; dmax 0: no upper bound */
    const char *const *choices;   /* OPT_CHOICE, and completion of others; NULL-ended */
    const char *const *(*list_choices)(void); /* the same, made at run time */
    opt_parse_fn *parse;          /* replaces the kind's reading, if set (a flag's
                                   * gets value NULL: e.g. cli_count) */
    void (*action)(void);         /* OPT_ACTION */
    const char *def;       /* the default, as typed; NULL: none, or .help says */
    const char *only_with; /* "store=etcd": refused unless --store is etcd
                            * (given or by default); "cert": unless --cert is given */
    const char *not_with;  /* "ops": refused together with --ops */
} opt_spec;

/* -h, --help and --man, which every command has. */
#define OPT_HELP_AND_MAN                                                                    \
    {.name = "help", .letter = 'h', .kind = OPT_HELP,                                       \
     .help = "print this command's usage and options"},                                    \
    {.name = "man", .kind = OPT_MAN,                                                        \
     .help = "print this command's manual page, in roff (to read it: man -l -)"}

/* Where a value goes: the offset of field f of struct S, which must have
 * type T (a compile error otherwise, so a table cannot write a long into a
 * double). */
#define OPT_AT(S, f, T) (offsetof(S, f) + 0 * sizeof(_Generic(((S *)0)->f, T: 1)))

/* A command: its table, and the words around it in --help and its man
 * page. Texts are paragraphs separated by blank lines, wrapped when shown;
 * a paragraph whose lines start with two spaces is shown as it is, and
 * one of a line (a term) then lines that start with two spaces (what it
 * means) is a definition (.TP in a man page). */
typedef struct opt_cmd {
    const char *name;        /* "check"; NULL for conch itself */
    const char *summary;     /* one line, for `conch --help` and the man page's NAME */
    const char *synopsis;    /* after "conch check ": "[options] FILE..." */
    const char *about;       /* what it does: --help, and DESCRIPTION */
    const opt_spec *opts;
    const char *operand;     /* "FILE": one or more are needed; NULL: none taken */
    opt_kind operand_kind;   /* OPT_FILE: completion offers files */
    const char *missing;     /* said when no operand is given */
    const char *operand_unless; /* "cluster,node": none is needed when one of
                                 * these options is given */
    const char *notes;       /* more, after the options: --help and DESCRIPTION */
    const char *exit_status; /* --help, and EXIT STATUS */
    const char *environment; /* ENVIRONMENT (man page only) */
    const char *examples;    /* EXAMPLES (man page only) */
    const struct opt_cmd *const *commands; /* conch's: its commands, NULL-ended */
    int (*run)(int argc, char **argv);
} opt_cmd;

typedef enum opt_rc {
    OPT_OK = 0,   /* parsed: go on */
    OPT_DONE,     /* --help or --man was printed: exit 0 */
    OPT_EUSAGE,   /* a bad command line, said on stderr: exit 2 */
} opt_rc;

/* Parse argv (argv[0] is the command's name) against cmd's table into
 * args, a struct of the command's own, whose fields the table's .def
 * values are read into first. The operands, in order, are moved to
 * argv[1 ..] and *noperands says how many (argv is reordered, as GNU
 * getopt does). Checks the operands' number and the options'
 * .only_with / .not_with. On OPT_EUSAGE the message was printed. */
opt_rc opt_parse(const opt_cmd *cmd, int argc, char **argv, void *args, size_t *noperands);

/* The exit code for a parse that did not return OPT_OK. */
int opt_exit(opt_rc rc);

/* "conch check" or "conch"; static storage, valid until the next call. */
const char *opt_cmd_title(const opt_cmd *cmd);

/* Whether o takes a value (not a flag, --help, --man or an action). */
bool opt_takes_value(const opt_spec *o);

/* The choices of o, static or made at run time; NULL if it has none. */
const char *const *opt_choices(const opt_spec *o);

/* The --help text of cmd. */
void opt_help(FILE *f, const opt_cmd *cmd);

/* The left column of o's help line: "-j, --jobs N". */
void opt_label(const opt_spec *o, char *buf, size_t size);

/* Call fn for each paragraph of text (see opt_cmd): its start, length,
 * and whether it is to be shown as it is (literal, or a definition: see
 * opt_definition). */
void opt_paragraphs(const char *text, void (*fn)(void *ctx, const char *p, size_t n, bool literal),
                    void *ctx);

/* Whether the paragraph p[0..n) is a definition: a term's line, then
 * lines starting with two spaces; *term_len is the term's length. */
bool opt_definition(const char *p, size_t n, size_t *term_len);

#endif
