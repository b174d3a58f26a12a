/*
 * watchdog.c - see watchdog.h. The protocol, one line each, conch to
 * watchdog: "+ID UNDO NODE PID" (UNDO: the wd_undo number), "-ID", "bye".
 */
#include "watchdog.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../proto/admin.h"
#include "../util/mem.h"
#include "node.h"
#include "proc.h"

struct watchdog {
    pid_t pid;
    int fd; /* the pipe's write end; -1 once closed */
};

typedef struct record {
    unsigned id;
    wd_undo undo;
    int node;
    pid_t pid;
    bool open;
} record;

typedef VEC(record) records;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "conch run (watchdog): %s\n", buf);
}

/* Undo one fault that conch left on. */
static void undo(const clu_desc *c, const ask_opts *http, const char *log_dir, const record *r)
{
    sbuf why = {0};
    const char *name = r->node >= 0 && (size_t)r->node < c->n ? c->nodes[r->node].name : "?";
    switch (r->undo) {
    case WD_CONT:
        if (kill(r->pid, SIGCONT) == 0)
            say("resumed pid %d", (int)r->pid);
        break;
    case WD_HEAL: {
        sbuf url = {0}, resp = {0};
        long status = 0;
        sbuf_printf(&url, "%s%s", c->admin, ADMIN_HEAL_PATH);
        if (ask_http(http, "POST", url.p, "{}", 5000, &status, &resp, &why) && status == 200)
            say("healed the partition (%s)", url.p);
        else
            say("could not heal the partition at %s: %s (HTTP %ld)", url.p, sbuf_str(&why),
                status);
        sbuf_free(&url);
        sbuf_free(&resp);
        break;
    }
    case WD_RESTART:
        node_stop_pid(r->pid, 10000);
        /* then start it as it normally runs */
        __attribute__((fallthrough));
    case WD_START: {
        pid_t now = node_pid(c, r->node, 0);
        if (r->undo == WD_START && now > 0 && proc_alive(now))
            break;
        pid_t p = node_start(c, r->node, log_dir, NULL, &why);
        if (p > 0)
            say("started %s again (pid %d)", name, (int)p);
        else
            say("could not start %s: %s", name, sbuf_str(&why));
        break;
    }
    case WD_CLOCK:
        if (node_write_clock(c, r->node, "+0", &why))
            say("set %s's clock back", name);
        else
            say("could not set %s's clock back: %s", name, sbuf_str(&why));
        break;
    }
    sbuf_free(&why);
}

/* The watchdog's life: read records until the pipe closes. Never returns. */
static void watch(int fd, const clu_desc *c, const ask_opts *http, const char *log_dir)
{
    records rs = {0};
    bool bye = false;
    FILE *in = fdopen(fd, "r");
    char line[256];
    while (in && fgets(line, sizeof line, in)) {
        unsigned id;
        int u, node, pid;
        if (!strcmp(line, "bye\n")) {
            bye = true;
        } else if (sscanf(line, "+%u %d %d %d", &id, &u, &node, &pid) == 4) {
            record r = {id, (wd_undo)u, node, (pid_t)pid, true};
            VEC_PUSH(rs, r);
        } else if (sscanf(line, "-%u", &id) == 1) {
            for (size_t i = 0; i < rs.n; i++)
                if (rs.v[i].id == id)
                    rs.v[i].open = false;
        }
    }
    if (!bye) {
        bool any = false;
        for (size_t i = rs.n; i-- > 0;)
            any |= rs.v[i].open;
        if (any) {
            say("conch run ended during a fault: undoing it");
            curl_global_init(CURL_GLOBAL_DEFAULT);
            for (size_t i = rs.n; i-- > 0;)
                if (rs.v[i].open)
                    undo(c, http, log_dir, &rs.v[i]);
        }
    }
    _exit(0); /* not exit: the parent's atexit handlers and stdio buffers are not ours */
}

watchdog *wd_start(const clu_desc *c, const ask_opts *http, const char *log_dir, sbuf *why)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        sbuf_printf(why, "cannot start the nemesis's watchdog: pipe: %s", strerror(errno));
        return NULL;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        sbuf_printf(why, "cannot start the nemesis's watchdog: fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return NULL;
    }
    if (pid == 0) {
        close(p[1]);
        setpgid(0, 0);
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            if (null > 2)
                close(null);
        }
        /* Nothing of conch's but the pipe and stderr stays open: a history
         * file, a socket or a terminal's pipe held here would outlive conch. */
        for (int fd = 3; fd < 1024; fd++)
            if (fd != p[0])
                close(fd);
        watch(p[0], c, http, log_dir);
    }
    close(p[0]);
    watchdog *w = xcalloc(1, sizeof *w);
    w->pid = pid;
    w->fd = p[1];
    return w;
}

static void send_line(watchdog *w, const char *line)
{
    if (!w || w->fd < 0)
        return;
    size_t n = strlen(line), off = 0;
    while (off < n) {
        ssize_t k = write(w->fd, line + off, n - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return; /* the watchdog is gone: nothing to tell */
        off += (size_t)k;
    }
}

void wd_open(watchdog *w, unsigned id, wd_undo undo, int node, pid_t pid)
{
    char line[96];
    snprintf(line, sizeof line, "+%u %d %d %d\n", id, (int)undo, node, (int)pid);
    send_line(w, line);
}

void wd_close(watchdog *w, unsigned id)
{
    char line[32];
    snprintf(line, sizeof line, "-%u\n", id);
    send_line(w, line);
}

void wd_free(watchdog *w)
{
    if (!w)
        return;
    send_line(w, "bye\n");
    close(w->fd);
    while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) {
    }
    free(w);
}
