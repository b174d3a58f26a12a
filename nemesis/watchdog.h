/*
 * watchdog.h - the process that undoes the nemesis's faults if conch dies
 * during one (SIGKILL, a crash, the OOM killer), when nothing in conch can.
 *
 * wd_start forks it while conch has no other thread, so it is a whole copy
 * of conch that needs no exec: it keeps the cluster description it was
 * forked with. Before each fault the nemesis tells it, over a pipe, what
 * would undo it ("+ID cont PID"), and after undoing it itself, that it is
 * done ("-ID"). When conch's end of the pipe closes, because conch exited
 * in any way, the watchdog undoes whatever is still open, says so on
 * standard error, and exits; after a goodbye ("bye") it just exits.
 *
 * It is a process group of its own and ignores SIGINT, SIGTERM and SIGHUP,
 * so that what stops conch (Ctrl-C, a kill of conch's group) leaves it to
 * do its work. Its standard output is /dev/null; it keeps standard error.
 */
#ifndef CONCH_WATCHDOG_H
#define CONCH_WATCHDOG_H

#include <stdbool.h>
#include <sys/types.h>

#include "ask.h"
#include "cluster.h"

typedef enum wd_undo {
    WD_CONT,    /* SIGCONT pid */
    WD_HEAL,    /* POST the cluster's admin /admin/heal */
    WD_START,   /* start node, unless it runs */
    WD_RESTART, /* stop pid (it runs under a faked clock), then start node */
    WD_CLOCK,   /* put node's faketime file back to "+0" */
} wd_undo;

typedef struct watchdog watchdog;

/* Fork the watchdog. c, http and log_dir are copied by the fork (a node
 * it starts logs as node.h says). NULL with why. */
watchdog *wd_start(const clu_desc *c, const ask_opts *http, const char *log_dir, sbuf *why);
/* Record what undoes fault id: undo, on node (an index) or pid. */
void wd_open(watchdog *w, unsigned id, wd_undo undo, int node, pid_t pid);
/* Fault id is undone. */
void wd_close(watchdog *w, unsigned id);
/* Goodbye: the watchdog exits without doing anything; wait for it. */
void wd_free(watchdog *w);

#endif
