/*
 * proc.h - the processes of a store's nodes, as the nemesis handles them:
 * start one from a shell command, read its pid file, signal it, tell
 * whether it is alive or stopped, wait for it to die.
 *
 * A started node is a daemon of its own: its own session (a signal to
 * conch's process group does not reach it), standard input from /dev/null,
 * output appended to a log file, no descriptor of conch's but those three,
 * default signal handling. It outlives conch. Its pid is the shell's, so a
 * command that should keep that pid starts with exec.
 *
 * Between fork and exec the child only calls what is async-signal-safe:
 * conch may have threads.
 */
#ifndef CONCH_PROC_H
#define CONCH_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "../util/sbuf.h"

/* Start `/bin/sh -c cmd`, with output appended to log (NULL: /dev/null)
 * and the environment variables env ("NAME=value", NULL-ended; NULL: none)
 * added to conch's. The pid, or -1 with why. */
pid_t proc_spawn(const char *cmd, const char *log, const char *const *env, sbuf *why);

/* The pid in the file at path (a decimal number, maybe with spaces around
 * it), or 0 if it has none; -1 with why if it cannot be read. */
pid_t proc_read_pid_file(const char *path, sbuf *why);

/* Is pid a live process (not a zombie)? Reaps it first if it is a child
 * of conch that has exited. */
bool proc_alive(pid_t pid);
/* Is pid stopped (SIGSTOP)? */
bool proc_stopped(pid_t pid);
/* Wait until pid has died, up to timeout_ms; whether it has. */
bool proc_wait_dead(pid_t pid, int timeout_ms);

/* Run `/bin/sh -c cmd`, its standard output into out (at most 64 KiB),
 * for at most timeout_ms. 0 if it ran and exited 0; -1 with why. */
int proc_capture(const char *cmd, int timeout_ms, sbuf *out, sbuf *why);

#endif
