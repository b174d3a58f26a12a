/*
 * doc.h - conch's man pages and bash completion, made from the same
 * option tables as the parser and --help (opt.h). The build writes them
 * with `conch --man`, `conch CMD --man` and `conch --bash-completion`
 * (the Makefile's man and completion targets); installing copies them.
 */
#ifndef CONCH_DOC_H
#define CONCH_DOC_H

#include <stdio.h>

#include "opt.h"

/* The man page of cmd in roff (man(7) macros): conch(1) for conch
 * itself, conch-CMD(1) for a command. */
void doc_man(FILE *f, const opt_cmd *cmd);

/* A bash completion script for conch and its commands: command names,
 * options, the values of options whose choices are known, files and
 * directories where a value or operand is one. */
void doc_bash_completion(FILE *f, const opt_cmd *top);

#endif
