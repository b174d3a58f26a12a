#!/bin/sh
# Install the Debian packages conch needs to build, test and benchmark
# (etcd-server for the etcd end-to-end tests, faketime (libfaketime) for the
# clock nemesis and its tests, python3 for their fake store and slow
# clients, man-db to read the man pages the install test installs, wrk and
# GNU time for make bench; redis-server, webdis, lighttpd with mod_webdav
# and apache2-bin for the shipped store specs' tests, tests/e2e/spec_*.sh;
# GNU parallel to run the shards of a check, as tests/e2e/check_shards.sh
# does; python3-jsonschema to check the JSON reports against
# docs/report.schema.json, chromium to open the HTML report headless). As
# root it runs apt-get; otherwise it prints the
# exact line to run and fails, so that `make demo` and `make test` (which
# run this first) stop there. One dpkg-query finds what is missing, so this
# is cheap when everything is installed (and the Makefile's stamp skips it).
set -eu
PKGS="build-essential pkg-config libcurl4-openssl-dev libjansson-dev libpcre2-dev \
libcriterion-dev libmicrohttpd-dev curl etcd-server wrk clang libclang-rt-14-dev python3 \
time man-db redis-server redis-tools webdis lighttpd lighttpd-mod-webdav apache2-bin parallel \
python3-jsonschema chromium faketime"
# shellcheck disable=SC2086 # word splitting of PKGS is wanted
installed=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' $PKGS 2>/dev/null |
    awk '$1 == "ii" {print $2}')
missing=""
for p in $PKGS; do
    case " $(echo $installed) " in
        *" $p "*) ;;
        *) missing="$missing $p" ;;
    esac
done
if [ -z "$missing" ]; then
    echo "deps: everything is installed"
    exit 0
fi
line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing:$missing" >&2
    echo "deps: run as root:  apt-get update && $line" >&2
    exit 1
fi
echo "deps: installing:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive $line
