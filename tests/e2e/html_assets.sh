#!/bin/sh
# report/report_html_assets.c is made from report/html.css and report/html.js
# by scripts/embed.sh; it must be what the script makes of them now (after
# editing either, run: sh scripts/embed.sh > report/report_html_assets.c).
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT
sh scripts/embed.sh >"$out" || { echo "FAIL: scripts/embed.sh"; exit 1; }
if ! cmp -s "$out" report/report_html_assets.c; then
    echo "FAIL: report/report_html_assets.c is not what scripts/embed.sh makes of"
    echo "report/html.css and report/html.js: run sh scripts/embed.sh > report/report_html_assets.c"
    diff "$out" report/report_html_assets.c | head -10
    exit 1
fi
echo "html assets: report_html_assets.c matches html.css and html.js"
