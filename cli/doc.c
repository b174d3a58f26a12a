/*
 * doc.c - man pages (roff) and the bash completion script, from the
 * option tables.
 *
 * Roff: every text goes through roff_text, which escapes what roff would
 * read as its own (backslashes, a '.' or '\'' starting a line, '-' that
 * must stay an ASCII hyphen-minus so options can be searched and pasted)
 * and drops indentation inside filled paragraphs (a line starting with a
 * space would break the fill). Literal paragraphs go in .nf/.fi.
 */
#include <ctype.h>
#include <string.h>

#include "cli.h"
#include "doc.h"

/* s[0..n) as roff text; a line's leading spaces dropped unless keep_indent. */
static void roff_text(FILE *f, const char *s, size_t n, bool keep_indent)
{
    bool bol = true;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (bol && !keep_indent && c == ' ')
            continue;
        if (bol && (c == '.' || c == '\''))
            fputs("\\&", f);
        bol = c == '\n';
        if (c == '\\')
            fputs("\\e", f);
        else if (c == '-')
            fputs("\\-", f);
        else
            fputc(c, f);
    }
}

static void roff_str(FILE *f, const char *s)
{
    roff_text(f, s, strlen(s), false);
}

static void man_paragraph(void *ctx, const char *p, size_t n, bool literal)
{
    FILE *f = ctx;
    if (literal) {
        /* The two spaces that mark it are roff's indent now. */
        fputs(".PP\n.RS 4\n.nf\n", f);
        for (size_t i = 0; i < n;) {
            size_t len = strcspn(p + i, "\n");
            if (len > n - i)
                len = n - i;
            size_t skip = len >= 2 && p[i] == ' ' && p[i + 1] == ' ' ? 2 : 0;
            roff_text(f, p + i + skip, len - skip, true);
            fputc('\n', f);
            i += len + 1;
        }
        fputs(".fi\n.RE\n", f);
        return;
    }
    size_t term;
    if (opt_definition(p, n, &term)) {
        fputs(".TP\n.B ", f);
        roff_text(f, p, term, false);
        fputc('\n', f);
        roff_text(f, p + term + 1, n - term - 1, false);
    } else {
        fputs(".PP\n", f);
        roff_text(f, p, n, false);
    }
    fputc('\n', f);
}

static void man_section(FILE *f, const char *title, const char *text)
{
    if (!text || !*text)
        return;
    fprintf(f, ".SH %s\n", title);
    opt_paragraphs(text, man_paragraph, f);
}

static void man_option(FILE *f, const opt_spec *o)
{
    fputs(".TP\n", f);
    if (o->letter)
        fprintf(f, "\\fB\\-%c\\fR, ", o->letter);
    fputs("\\fB\\-\\-", f);
    roff_str(f, o->name);
    fputs("\\fR", f);
    if (o->arg) {
        fputs(" \\fI", f);
        roff_str(f, o->arg);
        fputs("\\fR", f);
    }
    fputc('\n', f);
    roff_str(f, o->help);
    if (o->def) {
        fputs(" (default: ", f);
        roff_str(f, o->def);
        fputc(')', f);
    }
    fputc('\n', f);
}

/* "conch-check", or "conch" for conch itself. */
static void page_name(const opt_cmd *cmd, char *buf, size_t size)
{
    snprintf(buf, size, "conch%s%s", cmd->name ? "-" : "", cmd->name ? cmd->name : "");
}

static void man_see_also(FILE *f, const opt_cmd *cmd)
{
    const opt_cmd *const *all = cli_conch.commands;
    fputs(".SH SEE ALSO\n", f);
    bool first = true;
    if (cmd->name) {
        fputs(".BR conch (1)", f);
        first = false;
    }
    for (size_t i = 0; all[i]; i++) {
        if (all[i] == cmd)
            continue;
        fprintf(f, "%s.BR conch\\-", first ? "" : ",\n");
        roff_str(f, all[i]->name);
        fputs(" (1)", f);
        first = false;
    }
    fputc('\n', f);
}

void doc_man(FILE *f, const opt_cmd *cmd)
{
    char page[64];
    page_name(cmd, page, sizeof page);
    fputs(".\\\" Made by `conch", f);
    if (cmd->name)
        fprintf(f, " %s", cmd->name);
    fputs(" --man` from its option table: edit cli/, not this file.\n", f);
    fputs(".TH ", f);
    for (const char *p = page; *p; p++) /* the title in capitals, as man(7) asks */
        fputs(*p == '-' ? "\\-" : (char[]){(char)toupper((unsigned char)*p), 0}, f);
    fprintf(f, " 1 \"\" \"conch %s\" \"conch manual\"\n", cli_version());
    fputs(".nh\n.ad l\n", f); /* no hyphens added inside option names */

    fputs(".SH NAME\n", f);
    roff_str(f, page);
    fputs(" \\- ", f);
    roff_str(f, cmd->summary);
    fputc('\n', f);

    fputs(".SH SYNOPSIS\n", f);
    const char *syn = cmd->synopsis;
    while (*syn) {
        size_t n = strcspn(syn, "\n");
        fputs(".br\n.B ", f);
        roff_str(f, opt_cmd_title(cmd));
        fputc('\n', f);
        roff_text(f, syn, n, false);
        fputc('\n', f);
        syn += n + (syn[n] == '\n');
    }

    fputs(".SH DESCRIPTION\n", f);
    opt_paragraphs(cmd->about, man_paragraph, f);
    opt_paragraphs(cmd->notes, man_paragraph, f);
    if (cmd->commands) {
        fputs(".SH COMMANDS\n", f);
        for (size_t i = 0; cmd->commands[i]; i++) {
            const opt_cmd *c = cmd->commands[i];
            fputs(".TP\n.B ", f);
            roff_str(f, c->name);
            fputc('\n', f);
            roff_str(f, c->summary);
            fputs(": see\n.BR conch\\-", f);
            roff_str(f, c->name);
            fputs(" (1).\n", f);
        }
    }
    fputs(".SH OPTIONS\n", f);
    for (const opt_spec *o = cmd->opts; o->name; o++)
        man_option(f, o);
    man_section(f, "EXIT STATUS", cmd->exit_status);
    man_section(f, "ENVIRONMENT", cmd->environment);
    man_section(f, "EXAMPLES", cmd->examples);
    man_see_also(f, cmd);
}

/* Space-separated words, for compgen -W: every name of each option. */
static void option_words(FILE *f, const opt_cmd *cmd)
{
    for (const opt_spec *o = cmd->opts; o->name; o++) {
        if (o->letter)
            fprintf(f, "-%c ", o->letter);
        fprintf(f, "--%s%s", o->name, o[1].name ? " " : "");
    }
}

/* The case arms completing the value after an option of cmd. */
static void value_arms(FILE *f, const opt_cmd *cmd)
{
    bool any_plain = false;
    for (const opt_spec *o = cmd->opts; o->name; o++) {
        if (!opt_takes_value(o))
            continue;
        const char *const *ch = opt_choices(o);
        if (!ch && o->kind != OPT_FILE && o->kind != OPT_DIR) {
            any_plain = true;
            continue;
        }
        fputs("        ", f);
        if (o->letter)
            fprintf(f, "-%c|", o->letter);
        fprintf(f, "--%s) ", o->name);
        if (ch) {
            fputs("_conch_words '", f);
            for (size_t i = 0; ch[i]; i++)
                fprintf(f, "%s%s", i ? " " : "", ch[i]);
            fputs("'", f);
        } else {
            fputs(o->kind == OPT_FILE ? "_conch_files" : "_conch_dirs", f);
        }
        fputs("; return ;;\n", f);
    }
    if (!any_plain)
        return;
    /* A value conch cannot guess (a number, a URL): offer nothing. */
    const char *sep = "        ";
    for (const opt_spec *o = cmd->opts; o->name; o++) {
        if (!opt_takes_value(o) || opt_choices(o) || o->kind == OPT_FILE || o->kind == OPT_DIR)
            continue;
        if (o->letter) {
            fprintf(f, "%s-%c", sep, o->letter);
            sep = "|";
        }
        fprintf(f, "%s--%s", sep, o->name);
        sep = "|";
    }
    fputs(") return ;;\n", f);
}

void doc_bash_completion(FILE *f, const opt_cmd *top)
{
    fputs("# bash completion for conch. Made by `conch --bash-completion` from its\n"
          "# option tables: edit cli/, not this file. Installed as\n"
          "# share/bash-completion/completions/conch; or: source <(conch --bash-completion)\n"
          "\n"
          "_conch_words() { mapfile -t COMPREPLY < <(compgen -W \"$1\" -- \"$cur\"); }\n"
          "_conch_files() {\n"
          "    compopt -o filenames 2>/dev/null\n"
          "    mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
          "}\n"
          "_conch_dirs() {\n"
          "    compopt -o filenames 2>/dev/null\n"
          "    mapfile -t COMPREPLY < <(compgen -d -- \"$cur\")\n"
          "}\n"
          "\n"
          "_conch() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i\n"
          "    COMPREPLY=()\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        case ${COMP_WORDS[i]} in\n"
          "            -*) ;;\n"
          "            *) cmd=${COMP_WORDS[i]}; break ;;\n"
          "        esac\n"
          "    done\n"
          "    case $cmd in\n"
          "    '')\n"
          "        case $cur in\n"
          "            -*) _conch_words '",
          f);
    option_words(f, top);
    fputs("' ;;\n            *) _conch_words 'help", f);
    for (size_t i = 0; top->commands[i]; i++)
        fprintf(f, " %s", top->commands[i]->name);
    fputs("' ;;\n        esac ;;\n    help)\n        [ \"$COMP_CWORD\" -eq $((i + 1)) ] && "
          "_conch_words '",
          f);
    for (size_t i = 0; top->commands[i]; i++)
        fprintf(f, "%s%s", i ? " " : "", top->commands[i]->name);
    fputs("' ;;\n", f);
    for (size_t i = 0; top->commands[i]; i++) {
        const opt_cmd *c = top->commands[i];
        fprintf(f, "    %s)\n        case $prev in\n", c->name);
        value_arms(f, c);
        fputs("        esac\n        case $cur in\n            -*) _conch_words '", f);
        option_words(f, c);
        fputs("' ;;\n", f);
        if (c->operand && c->operand_kind == OPT_FILE)
            fputs("            *) _conch_files ;;\n", f);
        fputs("        esac ;;\n", f);
    }
    fputs("    esac\n}\ncomplete -F _conch conch\n", f);
}
