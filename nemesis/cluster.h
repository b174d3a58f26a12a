/*
 * cluster.h - the nodes of a store under test, described once: for the
 * nemesis of conch run (whom to pause, kill, cut off or skew, and how) and
 * for conch proxy (which peer addresses to listen on, where to forward).
 *
 * The description comes from a small JSON file (clu_load_file) or from
 * --node flags (clu_add_node_spec), in the same words:
 *
 *   {"nodes": [{"name": "n1",                        required, unique
 *               "url": "http://127.0.0.1:2379",      its client URL
 *               "pid": 1234, "pid_file": "n1.pid",   its process (the file wins)
 *               "start": "exec etcd --name n1 ...",  a shell command starting it
 *               "log": "n1.log",                     where a start's output goes
 *               "peer": "127.0.0.1:12380",           where its peers reach it (the proxy)
 *               "peer_target": "127.0.0.1:22380",    where it listens for them
 *               "faketime_file": "n1.faketime"}],    its libfaketime timestamp file
 *    "admin": "http://127.0.0.1:9000",   takes POST /admin/partition and /admin/heal
 *    "leader": {"method": "POST", "path": "/v3/maintenance/status",
 *               "body": "{}", "match": "PCRE2; {name} is the node's name"},
 *    "leader_cmd": "a shell command printing the leader's name"}
 *
 * Paths are as given: relative ones are relative to the current directory.
 * A description read here is checked whole (unknown fields, types, names
 * twice, addresses that are not HOST:PORT): what is loaded is well-formed;
 * what a nemesis kind needs of it is the nemesis's to check.
 */
#ifndef CONCH_CLUSTER_DESC_H
#define CONCH_CLUSTER_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../util/sbuf.h"

typedef struct clu_node {
    char *name;
    char *url;           /* NULL: none */
    pid_t pid;           /* 0: none */
    char *pid_file;      /* read at each use, as a restart changes it */
    char *start;         /* run by /bin/sh -c */
    char *log;
    char *peer;          /* "host:port" */
    char *peer_target;   /* "host:port" */
    char *faketime_file;
} clu_node;

/* How to tell the leader by asking each node: a node whose answer (2xx)
 * matches is the leader. */
typedef struct clu_probe {
    char *method;        /* NULL: no probe */
    char *path;
    char *body;          /* NULL: none */
    char *match;         /* a PCRE2 pattern; "{name}" stands for the node's name */
} clu_probe;

typedef struct clu_desc {
    clu_node *nodes;
    size_t n;
    char *admin;         /* NULL: none */
    clu_probe leader;
    char *leader_cmd;
    char *source;        /* the file read, or "--node": for messages */
} clu_desc;

enum { CLU_MAX_NODES = 64 };

/* Read the JSON file at path into *c (which must be zeroed). false with
 * why ("FILE:LINE:COL: ..." or "FILE: nodes[1]: ...") on bad input; *c is
 * then freed and zeroed. */
bool clu_load_file(const char *path, clu_desc *c, sbuf *why);
/* Parse JSON text the same way; name is what messages call it. */
bool clu_load_text(const char *text, const char *name, clu_desc *c, sbuf *why);

/* Add the node of a --node flag: NAME[,KEY=VALUE]..., KEY one of url, pid,
 * pid-file, log, peer, peer-target, faketime-file, start (dashes or
 * underscores); start must come last and takes the rest, commas and all.
 * false with why. */
bool clu_add_node_spec(clu_desc *c, const char *spec, sbuf *why);

/* Checks that need the whole description (names twice, too many nodes).
 * false with why. */
bool clu_check(const clu_desc *c, sbuf *why);

/* The node named name, or -1. */
int clu_find(const clu_desc *c, const char *name);

/* Split "host:port" (or "[v6]:port") into host (into host, size hsize)
 * and port. false if it is not one. */
bool clu_split_addr(const char *addr, char *host, size_t hsize, int *port);

void clu_free(clu_desc *c);

#endif
