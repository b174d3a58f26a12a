/* proc.c - see proc.h. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/clock.h"
#include "../util/mem.h"

extern char **environ;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* Close every descriptor from 3 up, as a child about to exec does. */
static void close_from_3(void)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
        return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = 3; fd < max; fd++)
        close(fd);
}

/* Signals back to their defaults, none blocked: a started node must not
 * inherit conch's SIGPIPE ignored or the nemesis thread's mask. */
static void default_signals(void)
{
    static const int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* conch's environment with env's variables put in (replacing any of the
 * same name). The array is the caller's to free; its strings are borrowed. */
static char **make_env(const char *const *env)
{
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    while (env && env[k])
        k++;
    char **out = xcalloc(n + k + 1, sizeof *out);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < k && !replaced; j++) {
            size_t len = strcspn(env[j], "=");
            replaced = !strncmp(environ[i], env[j], len) && environ[i][len] == '=';
        }
        if (!replaced)
            out[m++] = environ[i];
    }
    for (size_t j = 0; j < k; j++)
        out[m++] = (char *)env[j];
    return out;
}

pid_t proc_spawn(const char *cmd, const char *log, const char *const *env, sbuf *why)
{
    char **envp = make_env(env);
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    int errp[2];
    if (pipe2(errp, O_CLOEXEC) < 0) {
        sbuf_printf(why, "cannot start '%s': pipe: %s", cmd, strerror(errno));
        free(envp);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* The child: async-signal-safe calls only, until exec. */
        int what = 0; /* 1: the log, 2: exec */
        setsid();
        default_signals();
        int in = open("/dev/null", O_RDONLY);
        int out = log ? open(log, O_WRONLY | O_CREAT | O_APPEND, 0644) : open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0) {
            what = 1;
        } else {
            dup2(in, 0);
            dup2(out, 1);
            dup2(out, 2);
            int keep = errp[1];
            if (keep != 3) {
                dup3(keep, 3, O_CLOEXEC);
                keep = 3;
            }
            /* close everything above the error pipe, now on 3 */
#ifdef SYS_close_range
            if (syscall(SYS_close_range, 4U, ~0U, 0U) != 0)
#endif
                for (int fd = 4; fd < 65536; fd++)
                    close(fd);
            errp[1] = keep;
            execve("/bin/sh", argv, envp);
            what = 2;
        }
        int e[2] = {what, errno};
        ssize_t w = write(errp[1], e, sizeof e);
        (void)w;
        _exit(127);
    }
    int saved = errno;
    close(errp[1]);
    free(envp);
    if (pid < 0) {
        close(errp[0]);
        sbuf_printf(why, "cannot start '%s': fork: %s", cmd, strerror(saved));
        return -1;
    }
    int e[2];
    ssize_t r;
    while ((r = read(errp[0], e, sizeof e)) < 0 && errno == EINTR) {
    }
    close(errp[0]);
    if (r == (ssize_t)sizeof e) {
        waitpid(pid, NULL, 0);
        if (e[0] == 1)
            sbuf_printf(why, "cannot start '%s': cannot open its log %s: %s", cmd,
                        log ? log : "/dev/null", strerror(e[1]));
        else
            sbuf_printf(why, "cannot start '%s': /bin/sh: %s", cmd, strerror(e[1]));
        return -1;
    }
    return pid;
}

pid_t proc_read_pid_file(const char *path, sbuf *why)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        sbuf_printf(why, "cannot read pid file %s: %s", path, strerror(errno));
        return -1;
    }
    char buf[64] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = buf, *end;
    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    if (!*p)
        return 0; /* being written */
    errno = 0;
    long v = strtol(p, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (errno || *end || v < 1 || v > INT_MAX) {
        sbuf_printf(why, "pid file %s holds no process id", path);
        return -1;
    }
    return (pid_t)v;
}

/* The state letter of /proc/PID/stat (R, S, D, T, Z, X, ...), or 0. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *rp = strrchr(buf, ')'); /* the command name may hold ')' */
    return rp && rp[1] == ' ' ? rp[2] : 0;
}

bool proc_alive(pid_t pid)
{
    if (pid <= 0)
        return false;
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid)
        return false;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return false;
    char s = proc_state(pid);
    return s != 0 && s != 'Z' && s != 'X';
}

bool proc_stopped(pid_t pid)
{
    char s = proc_state(pid);
    return s == 'T' || s == 't';
}

bool proc_wait_dead(pid_t pid, int timeout_ms)
{
    int64_t end = clock_now_ms() + timeout_ms;
    while (proc_alive(pid)) {
        if (clock_now_ms() >= end)
            return false;
        sleep_ms(10);
    }
    return true;
}

int proc_capture(const char *cmd, int timeout_ms, sbuf *out, sbuf *why)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        sbuf_printf(why, "cannot run '%s': pipe: %s", cmd, strerror(errno));
        return -1;
    }
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        default_signals();
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0)
            dup2(in, 0);
        dup2(p[1], 1);
        close_from_3();
        execve("/bin/sh", argv, environ);
        _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
        sbuf_printf(why, "cannot run '%s': fork: %s", cmd, strerror(errno));
        close(p[0]);
        return -1;
    }
    int64_t end = clock_now_ms() + timeout_ms;
    bool timed_out = false;
    char buf[4096];
    for (;;) {
        int64_t left = end - clock_now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pfd = {p[0], POLLIN, 0};
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            timed_out = r == 0;
            break;
        }
        ssize_t n = read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out->len < 65536)
            sbuf_addn(out, buf, (size_t)n);
    }
    close(p[0]);
    if (timed_out)
        kill(-pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        sbuf_printf(why, "'%s' did not finish in %d ms", cmd, timeout_ms);
        return -1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        sbuf_printf(why, "'%s' failed (%s %d)", cmd, WIFEXITED(st) ? "exit" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        return -1;
    }
    return 0;
}
