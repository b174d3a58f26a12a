/*
 * runner.c - runs the unit tests registered through the stand-in
 * criterion.h (see there why), for the ThreadSanitizer build.
 *
 * Each test runs in a child process, one at a time, so a crash or a
 * failed assertion ends that test only. The child exits through exit(),
 * so ThreadSanitizer's exit code (66 once it has reported a race) says the
 * test failed even when every assertion held.
 *
 *   build/tsan/unit-tests [SUBSTRING]   runs the tests whose suite/name
 *                                       contains SUBSTRING (default: all)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "criterion/criterion.h"

enum { MAX_TESTS = 1024 };

static struct {
    const char *suite, *name;
    void (*fn)(void);
} tests[MAX_TESTS];
static int ntests;
static bool failed; /* in the child: an expectation failed */

void tshim_register(const char *suite, const char *name, void (*fn)(void))
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "tsan runner: more than %d tests\n", MAX_TESTS);
        exit(2);
    }
    tests[ntests].suite = suite;
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

void tshim_fail(bool fatal, const char *file, int line, const char *expr, const char *fmt, ...)
{
    fprintf(stderr, "[----] %s:%d: assertion failed: %s", file, line, expr);
    if (strcmp(fmt, ": ")) { /* a message: ": " and the test's format */
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    failed = true;
    if (fatal)
        exit(1);
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int run = 0, bad = 0;
    for (int i = 0; i < ntests; i++) {
        char full[256];
        snprintf(full, sizeof full, "%s/%s", tests[i].suite, tests[i].name);
        if (filter && !strstr(full, filter))
            continue;
        run++;
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 2;
        }
        if (pid == 0) {
            tests[i].fn();
            exit(failed ? 1 : 0);
        }
        int st = 0;
        while (waitpid(pid, &st, 0) < 0) {
            if (errno != EINTR) {
                perror("waitpid");
                return 2;
            }
        }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            continue;
        bad++;
        if (WIFSIGNALED(st))
            fprintf(stderr, "[FAIL] %s: killed by signal %d\n", full, WTERMSIG(st));
        else
            fprintf(stderr, "[FAIL] %s: exit %d\n", full, WEXITSTATUS(st));
    }
    printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d (ThreadSanitizer build)\n",
           run, run - bad, bad);
    return bad ? 1 : 0;
}
