#!/bin/sh
# Write report/report_html_assets.c from report/html.css and report/html.js:
# the HTML report's style and script as C strings, so that the report is one
# self-contained file and the build needs no tool to make it. Run after
# editing either file (tests/e2e/html_assets.sh fails while they differ):
#   sh scripts/embed.sh > report/report_html_assets.c
set -eu
cd "$(dirname "$0")/.."
# Each line a C string: backslashes, quotes and question marks escaped (the
# last so that no ??x trigraph forms under -std=c11).
cstr() {
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/    "/' -e 's/$/\\n"/' "$1"
}
cat <<'HEAD'
/*
 * report_html_assets.c - the HTML report's style and script (html.css,
 * html.js), as C strings. Made by scripts/embed.sh: edit those files and
 * run it; do not edit this one.
 */
#include "report_html_int.h"

HEAD
printf 'const char report_html_css[] =\n'
cstr report/html.css
printf '    "";\n\nconst char report_html_js[] =\n'
cstr report/html.js
printf '    "";\n'
