/* node.c - see node.h. */
#include "node.h"

#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/mem.h"
#include "proc.h"

pid_t node_pid(const clu_desc *c, int k, pid_t spawned)
{
    const clu_node *nd = &c->nodes[k];
    if (nd->pid_file) {
        sbuf why = {0};
        pid_t p = proc_read_pid_file(nd->pid_file, &why);
        sbuf_free(&why);
        if (p > 0 && (proc_alive(p) || !spawned))
            return p;
    }
    if (spawned > 0)
        return spawned;
    return nd->pid;
}

const char *node_libfaketime(void)
{
    static char found[512];
    const char *env = getenv("CONCH_LIBFAKETIME");
    if (env && *env)
        return access(env, R_OK) == 0 ? env : NULL;
    static const char *const where[] = {
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/*/faketime/libfaketime.so.1",
        "/usr/lib/faketime/libfaketime.so.1",
        "/usr/local/lib/faketime/libfaketime.so.1",
        "/usr/lib64/faketime/libfaketime.so.1",
    };
    for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
        glob_t g;
        if (glob(where[i], 0, NULL, &g) == 0 && g.gl_pathc > 0) {
            snprintf(found, sizeof found, "%s", g.gl_pathv[0]);
            globfree(&g);
            return found;
        }
        globfree(&g);
    }
    return NULL;
}

pid_t node_start(const clu_desc *c, int k, const char *log_dir, const char *faketime, sbuf *why)
{
    const clu_node *nd = &c->nodes[k];
    if (!nd->start) {
        sbuf_printf(why, "node %s has no start command", nd->name);
        return -1;
    }
    sbuf log = {0};
    if (nd->log)
        sbuf_adds(&log, nd->log);
    else if (log_dir)
        sbuf_printf(&log, "%s/%s.log", log_dir, nd->name);
    char *env[6] = {0};
    size_t ne = 0;
    if (faketime || nd->faketime_file) {
        const char *lib = node_libfaketime();
        if (!lib) {
            sbuf_printf(why, "node %s: libfaketime is not installed (Debian: faketime; or "
                             "set CONCH_LIBFAKETIME)",
                        nd->name);
            sbuf_free(&log);
            return -1;
        }
        const char *pre = getenv("LD_PRELOAD");
        sbuf e = {0};
        sbuf_printf(&e, "LD_PRELOAD=%s%s%s", lib, pre && *pre ? ":" : "", pre ? pre : "");
        env[ne++] = e.p;
        e = (sbuf){0};
        if (faketime) {
            sbuf_printf(&e, "FAKETIME=%s", faketime);
            env[ne++] = e.p;
        } else {
            sbuf_printf(&e, "FAKETIME_TIMESTAMP_FILE=%s", nd->faketime_file);
            env[ne++] = e.p;
            env[ne++] = xstrdup("FAKETIME_CACHE_DURATION=1");
        }
        env[ne++] = xstrdup("FAKETIME_DONT_FAKE_MONOTONIC=1");
    }
    pid_t pid = proc_spawn(nd->start, log.len ? log.p : NULL, (const char *const *)env, why);
    for (size_t i = 0; i < ne; i++)
        free(env[i]);
    sbuf_free(&log);
    return pid;
}

bool node_stop_pid(pid_t pid, int wait_ms)
{
    if (pid <= 0 || !proc_alive(pid))
        return true;
    kill(pid, SIGCONT); /* a paused process cannot act on SIGTERM */
    kill(pid, SIGTERM);
    if (proc_wait_dead(pid, wait_ms))
        return true;
    kill(pid, SIGKILL);
    return proc_wait_dead(pid, 5000);
}

bool node_write_clock(const clu_desc *c, int k, const char *spec, sbuf *why)
{
    const char *file = c->nodes[k].faketime_file;
    sbuf tmp = {0};
    sbuf_printf(&tmp, "%s.tmp.%d", file, (int)getpid());
    FILE *f = fopen(tmp.p, "w");
    bool ok = f && fprintf(f, "%s\n", spec) > 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp.p, file) != 0)
        ok = false;
    if (!ok) {
        sbuf_printf(why, "cannot write %s: %s", file, strerror(errno));
        unlink(tmp.p);
    }
    sbuf_free(&tmp);
    return ok;
}
