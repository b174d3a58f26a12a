# tests/e2e/lib/stores.sh - sourced after run_common.sh by the tests of the
# shipped specs (tests/e2e/spec_*.sh): start a real store on free loopback
# ports, with its config and data in $WORK, stopped by run_common.sh's EXIT
# trap (each start_* adds its pids to PIDS). Each sets STORE_URL.

# Wait until CMD... succeeds (up to about 20 s); else fail with the end of
# LOG. wait_for WHAT LOG CMD...
wait_for() {
    _what=$1 _log=$2
    shift 2
    i=0
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -gt 200 ] && die "$_what did not start: $(tail -5 "$_log" 2>/dev/null)"
        sleep 0.1
    done
}

# Does $1 answer HTTP (any status)?
answers() {
    curl -s -o /dev/null --max-time 2 "$1"
}

# Is the etcd member at $1 healthy?
etcd_healthy() {
    curl -sf "$1/health" | grep -q true
}

# etcd with its v2 API (--enable-v2), one member.
start_etcd_v2() {
    start_etcd --enable-v2
    STORE_URL=$ETCD_URL
}

# redis-server (no persistence) and webdis in front of it.
start_webdis() {
    need redis-server
    need webdis
    need curl
    need python3
    rport=$(free_port)
    wport=$(free_port)
    [ "$rport" = "$wport" ] && wport=$(free_port)
    mkdir -p "$WORK/redis"
    redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$WORK/redis" >"$WORK/redis.log" 2>&1 &
    PIDS="$PIDS $!"
    cat >"$WORK/webdis.json" <<JSON
{"redis_host": "127.0.0.1", "redis_port": $rport, "http_host": "127.0.0.1",
 "http_port": $wport, "threads": 2, "pool_size": 8, "daemonize": false,
 "database": 0, "verbosity": 1, "logfile": "$WORK/webdis.log"}
JSON
    wait_for redis-server "$WORK/redis.log" redis-cli -p "$rport" ping
    webdis "$WORK/webdis.json" >"$WORK/webdis.out" 2>&1 &
    PIDS="$PIDS $!"
    STORE_URL="http://127.0.0.1:$wport"
    wait_for webdis "$WORK/webdis.log" answers "$STORE_URL/PING"
}

# lighttpd with mod_webdav over a fresh folder. mimetype.assign matters:
# without a Content-Type for the files, lighttpd sends no ETag.
start_lighttpd_dav() {
    need lighttpd
    need curl
    need python3
    [ -f /usr/lib/lighttpd/mod_webdav.so ] || skip "lighttpd-mod-webdav is not installed"
    port=$(free_port)
    mkdir -p "$WORK/dav" "$WORK/dav-tmp"
    cat >"$WORK/lighttpd.conf" <<CONF
server.modules = ("mod_webdav", "mod_staticfile")
server.document-root = "$WORK/dav"
server.upload-dirs = ("$WORK/dav-tmp")
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$WORK/lighttpd.err"
server.max-request-size = 4096
mimetype.assign = ("" => "application/json")
webdav.activate = "enable"
webdav.is-readonly = "disable"
CONF
    lighttpd -D -f "$WORK/lighttpd.conf" >"$WORK/lighttpd.out" 2>&1 &
    PIDS="$PIDS $!"
    STORE_URL="http://127.0.0.1:$port"
    wait_for lighttpd "$WORK/lighttpd.out" answers "$STORE_URL/"
}

# Apache httpd with mod_dav and mod_dav_fs over a fresh folder.
start_apache_dav() {
    need apache2
    need curl
    need python3
    mods=/usr/lib/apache2/modules
    [ -f "$mods/mod_dav_fs.so" ] || skip "apache2's mod_dav_fs is not installed"
    port=$(free_port)
    mkdir -p "$WORK/apache/dav"
    cat >"$WORK/apache/httpd.conf" <<CONF
ServerRoot "$WORK/apache"
PidFile "$WORK/apache/httpd.pid"
Listen 127.0.0.1:$port
ServerName 127.0.0.1
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule dav_module $mods/mod_dav.so
LoadModule dav_fs_module $mods/mod_dav_fs.so
ErrorLog "$WORK/apache/error.log"
DavLockDB "$WORK/apache/davlock"
DocumentRoot "$WORK/apache/dav"
<Directory "$WORK/apache/dav">
    Dav On
    Require all granted
</Directory>
CONF
    # -DFOREGROUND keeps the parent in front: its pid is the one to stop.
    apache2 -f "$WORK/apache/httpd.conf" -DFOREGROUND >"$WORK/apache/out" 2>&1 &
    PIDS="$PIDS $!"
    STORE_URL="http://127.0.0.1:$port"
    wait_for apache2 "$WORK/apache/error.log" answers "$STORE_URL/"
}

# Run conch with a spec: spec_run NAME SPEC ARGS... -> $WORK/NAME/, RUN_CODE.
spec_run() {
    _name=$1 _spec=$2
    shift 2
    $CONCH run --store-spec "$_spec" --out "$WORK/$_name" "$@" >"$WORK/$_name.out" 2>&1
    RUN_CODE=$?
    [ -s "$WORK/$_name/history.jsonl" ] && complete_history "$WORK/$_name/history.jsonl"
}

# The number of events in history $1 matching extended regex $2.
count() {
    grep -cE "$2" "$1"
}

# Three etcd members with the v2 API, peers on loopback; sets STORE_URLS.
start_etcd_v2_cluster() {
    need etcd
    need curl
    need python3
    cluster="" STORE_URLS=""
    for n in 1 2 3; do
        eval "cport$n=$(free_port) pport$n=$(free_port)"
        eval "cluster=\"\$cluster\${cluster:+,}m$n=http://127.0.0.1:\$pport$n\""
    done
    for n in 1 2 3; do
        eval "cp=\$cport$n pp=\$pport$n"
        etcd --enable-v2 --name "m$n" --data-dir "$WORK/etcd-m$n" \
            --listen-client-urls "http://127.0.0.1:$cp" \
            --advertise-client-urls "http://127.0.0.1:$cp" \
            --listen-peer-urls "http://127.0.0.1:$pp" \
            --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
            --initial-cluster "$cluster" --initial-cluster-state new \
            >"$WORK/etcd-m$n.log" 2>&1 &
        PIDS="$PIDS $!"
        STORE_URLS="$STORE_URLS http://127.0.0.1:$cp"
    done
    for u in $STORE_URLS; do
        wait_for "etcd member $u" "$WORK/etcd-m1.log" etcd_healthy "$u"
    done
}
