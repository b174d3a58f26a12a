#!/bin/sh
# Install the Debian packages conch needs to build, test and benchmark
# (etcd-server for the etcd end-to-end tests, python3 for their fake store
# and slow clients, python3-jsonschema to check the JSON reports against
# docs/report.schema.json, chromium to open the HTML report headless, wrk
# and GNU time for make bench).
# As root it runs apt-get; otherwise it prints the line to run.
set -eu
PKGS="build-essential pkg-config libcurl4-openssl-dev libjansson-dev libpcre2-dev \
libcriterion-dev libmicrohttpd-dev curl etcd-server wrk clang libclang-rt-14-dev python3 time \
python3-jsonschema chromium"
missing=""
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "deps: everything is installed"
    exit 0
fi
line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing:$missing"
    echo "deps: run as root:  apt-get update && $line"
    exit 1
fi
echo "deps: installing:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive $line
