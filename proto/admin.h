/*
 * admin.h - the partition endpoints, as they go over the wire. conch serve
 * answers them (store/api.c, for its in-process network) and so does conch
 * proxy (nemesis/proxy_admin.c, for the TCP links between a store's nodes);
 * the nemesis of conch run asks either one the same way (nemesis/). The
 * README documents them for people.
 *
 *   POST /admin/partition {"groups":[["n1"],["n2","n3"]]}
 *        200 {"ok":true,...}: from now on nodes in different groups cannot
 *        reach each other; a node in no group is cut off alone. conch proxy
 *        also takes "mode": "blackhole" (held: nothing passes until the
 *        heal, as in a real partition) or "drop" (reset, refused).
 *   POST /admin/heal
 *        200 {"ok":true,...}: one group again.
 *   GET  /admin/state
 *        200: what is cut now, and counters.
 *   any error: 4xx {"error":"why"}
 */
#ifndef CONCH_PROTO_ADMIN_H
#define CONCH_PROTO_ADMIN_H

#define ADMIN_PARTITION_PATH "/admin/partition"
#define ADMIN_HEAL_PATH "/admin/heal"
#define ADMIN_STATE_PATH "/admin/state"
#define ADMIN_GROUPS "groups"
#define ADMIN_MODE "mode"

#endif
