/*
 * run_nemesis.h - conch run's nemesis and cluster options, wired to
 * nemesis/: the cluster (--cluster, --node, or conch serve's replicas from
 * the URLs), the schedule and target, the runner's side (runner.h) that
 * records the faults, the faults in the text report and results.json.
 */
#ifndef CONCH_RUN_NEMESIS_H
#define CONCH_RUN_NEMESIS_H

#include <stdio.h>

#include "../clients/runner.h"
#include "../nemesis/nemesis.h"
#include "cli.h"

/* The options, as run's table fills them (run.c). */
typedef struct run_nem_args {
    const char *kinds;   /* --nemesis KIND[,KIND...] */
    const char *target;  /* random, leader, minority, or a node's name */
    double interval, duration, start, stop;
    const char *clock;
    const char *cluster;
    opt_list nodes;
} run_nem_args;

typedef struct run_nem {
    clu_desc cluster;
    nem_config cfg;
    nemesis *n;
    runner_side side;
    char **urls;         /* the cluster's, when no URL was given; owned */
    size_t nurls;
    bool tty;
} run_nem;

/* The cluster of --cluster and --node, if given; with no URL operand, the
 * URLs are its nodes' (*urls, *nurls then point into rn). false with the
 * reason said. */
bool run_nem_cluster(const run_nem_args *a, run_nem *rn, char ***urls, size_t *nurls);

/* The nemesis's settings, checked against the cluster (conch serve's
 * replicas, found from the URLs, when no cluster is given), for store (its
 * built-in leader probe) with rc's headers and TLS. false with the reason
 * said. Nothing is started. */
bool run_nem_config(const run_nem_args *a, const char *store, const runner_config *rc,
                    run_nem *rn);

/* Start it, logging started nodes into log_dir; rc->side is set. false
 * with the reason said. */
bool run_nem_start(run_nem *rn, const char *log_dir, runner_config *rc);

/* Undo everything still on and stop (every way out calls it). */
void run_nem_finish(run_nem *rn);

/* The faults, for people (the text report) and for results.json (new
 * reference; NULL when there was no nemesis). */
void run_nem_report(const run_nem *rn, FILE *f);
json_t *run_nem_json(const run_nem *rn);

void run_nem_free(run_nem *rn);

#endif
