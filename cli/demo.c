/*
 * demo.c - conch demo: the whole tool in half a minute, with nothing to
 * install. Starts `conch serve` (this same binary, /proc/self/exe) with 3
 * replicas on free loopback ports, drives it with `conch run` (clients
 * spread over the replicas at random), once in linearizable mode and once
 * in eventual mode with slow gossip, and shows that the first passes and
 * the second fails, with the report that explains why.
 *
 * Processes: the stores and the runs each get their own process group, so
 * a Ctrl-C at the terminal reaches only the demo. The demo passes each
 * SIGINT or SIGTERM it gets on to the run as one SIGINT (the first makes
 * the run stop invoking and check what it has, a second stops its waiting),
 * then stops the store itself with SIGTERM (SIGKILL if it lingers). Every
 * store started is stopped on every path out of here.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/clock.h"
#include "../util/mem.h"
#include "../util/sbuf.h"
#include "cli.h"

enum { REPLICAS = 3, START_MS = 5000, STOP_MS = 3000 };

static _Atomic int interrupted;

static void on_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&interrupted, 1);
}

typedef struct store {
    pid_t pid;
    int out;                  /* read end of its standard output */
    char *urls[REPLICAS];
} store;

/* The URL in a line "conch serve: n1 on http://127.0.0.1:7001 (...)";
 * NULL if none. The caller frees it. */
static char *url_in(const char *line)
{
    const char *u = strstr(line, "http://");
    if (!u)
        return NULL;
    return xstrndup(u, strcspn(u, " \t\r\n()"));
}

static void store_stop(store *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int64_t until = clock_now_ms() + STOP_MS;
        int st;
        while (waitpid(s->pid, &st, WNOHANG) == 0) {
            if (clock_now_ms() > until) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &st, 0);
                break;
            }
            usleep(20000);
        }
        s->pid = 0;
    }
    if (s->out >= 0)
        close(s->out);
    s->out = -1;
    for (int i = 0; i < REPLICAS; i++) {
        free(s->urls[i]);
        s->urls[i] = NULL;
    }
}

/* Read the store's announcements on s->out, one URL a replica, for up to
 * START_MS; returns how many it found. */
static int read_urls(store *s)
{
    sbuf buf = {0};
    int found = 0;
    int64_t until = clock_now_ms() + START_MS;
    while (found < REPLICAS) {
        int64_t left = until - clock_now_ms();
        struct pollfd p = {s->out, POLLIN, 0};
        if (left <= 0 || atomic_load(&interrupted) || poll(&p, 1, (int)left) <= 0)
            break;
        char chunk[512];
        ssize_t n = read(s->out, chunk, sizeof chunk);
        if (n <= 0)
            break;
        sbuf_addn(&buf, chunk, (size_t)n);
        char *nl;
        while (found < REPLICAS && buf.len && (nl = memchr(buf.p, '\n', buf.len))) {
            *nl = '\0';
            char *u = url_in(buf.p);
            if (u)
                s->urls[found++] = u;
            size_t used = (size_t)(nl + 1 - buf.p);
            memmove(buf.p, nl + 1, buf.len - used);
            buf.len -= used;
            buf.p[buf.len] = '\0';
        }
    }
    sbuf_free(&buf);
    return found;
}

/* Start `conch serve` with args (NULL-terminated) and wait until it says
 * where its replicas listen. Its standard error goes to log. 0, or -1 with
 * a message printed (the store stopped). */
static int store_start(store *s, const char *self, const char *const *args, const char *log)
{
    int fds[2];
    memset(s, 0, sizeof *s);
    s->out = -1;
    if (pipe(fds) < 0) {
        cli_error("demo", "pipe: %s", strerror(errno));
        return -1;
    }
    int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logfd < 0) {
        cli_error("demo", "cannot create %s: %s", log, strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        cli_error("demo", "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        close(logfd);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0); /* a Ctrl-C at the terminal is the demo's to handle */
        dup2(fds[1], 1);
        dup2(logfd, 2);
        close(fds[0]);
        close(fds[1]);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        char *argv[32];
        int n = 0;
        argv[n++] = (char *)"conch";
        argv[n++] = (char *)"serve";
        for (size_t i = 0; args[i] && n < 31; i++)
            argv[n++] = (char *)args[i];
        argv[n] = NULL;
        execv(self, argv);
        fprintf(stderr, "conch demo: cannot run %s: %s\n", self, strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    close(fds[1]);
    close(logfd);
    s->pid = pid;
    s->out = fds[0];

    int found = read_urls(s);
    if (found < REPLICAS) {
        if (!atomic_load(&interrupted)) {
            cli_error("demo", "conch serve did not start; its log, %s:", log);
            FILE *f = fopen(log, "r");
            char line[512];
            for (int i = 0; f && i < 10 && fgets(line, sizeof line, f); i++)
                fprintf(stderr, "  %s", line);
            if (f)
                fclose(f);
        }
        store_stop(s);
        return -1;
    }
    return 0;
}

/* Run `conch run` (this binary) with args; its output goes to ours.
 * Returns its exit code, or 2 if it could not run. */
static int run(const char *self, const char *const *args)
{
    int passed = atomic_load(&interrupted);
    pid_t pid = fork();
    if (pid < 0) {
        cli_error("demo", "fork: %s", strerror(errno));
        return EXIT_USAGE;
    }
    if (pid == 0) {
        char *argv[40];
        int n = 0;
        setpgid(0, 0);
        argv[n++] = (char *)"conch";
        argv[n++] = (char *)"run";
        for (size_t i = 0; args[i] && n < 39; i++)
            argv[n++] = (char *)args[i];
        argv[n] = NULL;
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(self, argv);
        fprintf(stderr, "conch demo: cannot run %s: %s\n", self, strerror(errno));
        _exit(EXIT_USAGE);
    }
    setpgid(pid, pid);
    int st;
    pid_t w;
    while ((w = waitpid(pid, &st, WNOHANG)) == 0 || (w < 0 && errno == EINTR)) {
        for (int got = atomic_load(&interrupted); passed < got; passed++)
            kill(pid, SIGINT);
        usleep(20000);
    }
    if (w < 0)
        return EXIT_USAGE;
    return WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_USAGE;
}

typedef struct phase {
    const char *mode;
    const char *extra[4];  /* more conch serve options */
    const char *what;      /* what the mode does, for people */
    int expect;            /* the exit code the run should end with */
} phase;

static const phase phases[] = {
    {"linearizable", {NULL},
     "one leader orders every operation and replicates it before answering;\n"
     "the other replicas forward to it. Expect: every check passes.",
     EXIT_VALID},
    {"eventual", {"--gossip-ms", "1000", NULL},
     "each replica answers alone and gossips its updates to the others once a\n"
     "second. A client whose next request reaches another replica can read a\n"
     "value older than one it has already seen. Expect: a violation.",
     EXIT_INVALID},
};
enum { NPHASES = sizeof phases / sizeof *phases };

typedef struct demo_args {
    double time_s;
    long clients;
    const char *out;
} demo_args;

#define AT(f, T) OPT_AT(demo_args, f, T)
static const opt_spec demo_opts[] = {
    {.name = "time", .arg = "SECONDS", .kind = OPT_DOUBLE, .off = AT(time_s, double),
     .dmin = 0.1, .def = "8", .help = "how long each run invokes operations"},
    {.name = "clients", .arg = "N", .kind = OPT_LONG, .off = AT(clients, long), .min = 1,
     .max = 1000, .def = "6", .help = "clients in each run"},
    {.name = "out", .arg = "DIR", .kind = OPT_DIR, .off = AT(out, const char *),
     .help = "keep the runs in DIR (default: runs/demo-<time>-<pid>)"},
    OPT_HELP_AND_MAN,
    {0},
};
#undef AT

const opt_cmd cli_cmd_demo = {
    .name = "demo",
    .summary = "serve, run and check, against a right store and a wrong one",
    .synopsis = "[options]",
    .about = "Start conch serve with 3 replicas on free loopback ports, run clients spread "
             "over the replicas, and check: once against the linearizable mode (it passes), "
             "once against the eventual mode with slow gossip (it fails, and the report says "
             "which reads were stale). Nothing to install. Histories and results are kept in "
             "runs/demo-<time>/.",
    .opts = demo_opts,
    .notes = "A Ctrl-C stops the run, which checks what it recorded; the stores are stopped "
             "on every way out.",
    .exit_status = "Exit: 0 when both verdicts are the expected ones, 1 when not, 2 when the "
                   "store cannot be started.",
    .examples = "  conch demo\n  conch demo --time 3 --out /tmp/demo",
    .run = cmd_demo,
};

/* The folder the runs go to: out, or runs/demo-<time>-<pid>; made. */
static bool demo_dir(const char *out, sbuf *dir)
{
    if (out) {
        sbuf_adds(dir, out);
    } else {
        char stamp[32];
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
        mkdir("runs", 0755);
        sbuf_printf(dir, "runs/demo-%s-%ld", stamp, (long)getpid());
    }
    if (mkdir(sbuf_str(dir), 0755) < 0 && errno != EEXIST) {
        cli_error("demo", "cannot create %s: %s", sbuf_str(dir), strerror(errno));
        return false;
    }
    return true;
}

/* One phase: start the store in its mode, run against it, stop it, say
 * how it went. The run's exit code, or -1 if the store did not start. */
static int demo_phase(const phase *ph, size_t i, const char *self, const char *dir,
                      const char *secs, const char *nclients)
{
    sbuf log = {0}, rundir = {0};
    sbuf_printf(&log, "%s/serve-%s.log", dir, ph->mode);
    sbuf_printf(&rundir, "%s/%s", dir, ph->mode);
    const char *sargs[12] = {"--replicas", "3", "--port", "0", "--consistency", ph->mode};
    size_t k = 6;
    for (size_t j = 0; ph->extra[j]; j++)
        sargs[k++] = ph->extra[j];
    sargs[k] = NULL;

    printf("\n== %zu. conch serve --consistency %s%s%s\n%s\n\n", i + 1, ph->mode,
           ph->extra[0] ? " " : "", ph->extra[0] ? "--gossip-ms 1000" : "", ph->what);
    fflush(stdout);
    int got = -1;
    store st;
    if (store_start(&st, self, sargs, sbuf_str(&log)) == 0) {
        const char *rargs[] = {"--time", secs, "--clients", nclients, "--route", "random",
                               "--workload", "cas-register", "--keys", "1",
                               "--ops-per-key", "0", "--rate", "1000",
                               "--out", sbuf_str(&rundir), st.urls[0], st.urls[1], st.urls[2],
                               NULL};
        fflush(stdout);
        got = run(self, rargs);
        store_stop(&st);
        printf("\n-> %s: exit %d (%s)%s\n", ph->mode, got,
               got == 0   ? "every check passed"
               : got == 1 ? "a violation was found"
               : got == 3 ? "unknown"
                          : "error",
               got == ph->expect ? ", as expected" : ", NOT as expected");
        fflush(stdout);
    }
    sbuf_free(&log);
    sbuf_free(&rundir);
    return got;
}

int cmd_demo(int argc, char **argv)
{
    demo_args a = {0};
    size_t n;
    opt_rc prc = opt_parse(&cli_cmd_demo, argc, argv, &a, &n);
    if (prc != OPT_OK)
        return opt_exit(prc);

    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        cli_error("demo", "cannot find this program (/proc/self/exe): %s", strerror(errno));
        return EXIT_USAGE;
    }
    self[len] = '\0';
    sbuf dir = {0};
    if (!demo_dir(a.out, &dir)) {
        sbuf_free(&dir);
        return EXIT_USAGE;
    }

    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    atomic_store(&interrupted, 0);

    char secs[32], nclients[32];
    snprintf(secs, sizeof secs, "%g", a.time_s);
    snprintf(nclients, sizeof nclients, "%ld", a.clients);
    printf("conch demo: two stores, the same workload, and what the checker makes of\n"
           "each: %s clients doing reads, writes and compare-and-sets on one register\n"
           "for %s s, each operation sent to one of 3 replicas at random.\n",
           nclients, secs);
    int exit_code = EXIT_VALID;
    for (size_t i = 0; i < NPHASES && !atomic_load(&interrupted); i++) {
        int got = demo_phase(&phases[i], i, self, sbuf_str(&dir), secs, nclients);
        if (got < 0) {
            exit_code = EXIT_USAGE;
            break;
        }
        if (got != phases[i].expect)
            exit_code = got == EXIT_USAGE ? EXIT_USAGE : EXIT_INVALID;
    }

    if (atomic_load(&interrupted)) {
        printf("\nconch demo: interrupted\n");
        if (exit_code == EXIT_VALID)
            exit_code = EXIT_USAGE;
    } else if (exit_code == EXIT_VALID) {
        printf("\nconch demo: the linearizable store passed and the eventual one failed, as\n"
               "they should. The histories and results are in %s/; check one\n"
               "again with: conch check %s/eventual/history.jsonl\n",
               sbuf_str(&dir), sbuf_str(&dir));
    }
    fflush(stdout);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sbuf_free(&dir);
    return exit_code;
}
