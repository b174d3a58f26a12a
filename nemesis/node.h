/*
 * node.h - what the nemesis and its watchdog do to one node of the
 * cluster: find its process, start it, stop it, set its clock.
 *
 * A node conch starts logs to its "log", else to LOG_DIR/NAME.log (the
 * run's folder). A node with a "faketime_file" is always started under
 * libfaketime reading that file (FAKETIME_TIMESTAMP_FILE, re-read every
 * second), so its clock can be moved while it runs; a clock fault on a
 * node without one restarts it under FAKETIME instead. Either way the
 * monotonic clock is left alone (FAKETIME_DONT_FAKE_MONOTONIC), as a wall
 * clock set by hand or by NTP leaves it.
 */
#ifndef CONCH_NODE_H
#define CONCH_NODE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cluster.h"

/* Node k's pid now: its pid file's, else the last one conch started
 * (spawned; 0: none), else the one given; 0 if none is known. */
pid_t node_pid(const clu_desc *c, int k, pid_t spawned);

/* Start node k with its start command (faketime: under that faketime
 * spec, NULL: as the node is normally started). The pid, or -1 with why. */
pid_t node_start(const clu_desc *c, int k, const char *log_dir, const char *faketime, sbuf *why);

/* Stop pid: SIGTERM, then SIGKILL after wait_ms; whether it died. */
bool node_stop_pid(pid_t pid, int wait_ms);

/* Put spec in node k's faketime file, atomically (a rename). false with
 * why. */
bool node_write_clock(const clu_desc *c, int k, const char *spec, sbuf *why);

/* Where libfaketime is: $CONCH_LIBFAKETIME, or where Debian and others
 * put it; NULL if not found. */
const char *node_libfaketime(void);

#endif
