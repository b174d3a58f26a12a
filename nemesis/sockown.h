/*
 * sockown.h - which process holds a TCP socket on this machine, as
 * /proc/net/tcp, /proc/net/tcp6 and /proc/PID/fd tell it. conch proxy asks
 * it who opened a connection it accepted: every node's outgoing connections
 * come from 127.0.0.1, so the address says nothing, but the process that
 * holds the other end does, and a node is known by the process listening
 * on its peer address.
 *
 * Only IPv4 (and IPv4-mapped IPv6) sockets are listed. Addresses are kept
 * as in struct in_addr (network byte order), ports in host order. Linux
 * only; elsewhere nothing is found.
 */
#ifndef CONCH_SOCKOWN_H
#define CONCH_SOCKOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum { SOWN_LISTEN = 0x0A };

typedef struct sown_entry {
    uint32_t lip, rip;     /* local and remote address (network order) */
    uint16_t lport, rport; /* host order */
    int state;             /* the kernel's TCP state; SOWN_LISTEN */
    unsigned long inode;
} sown_entry;

/* One line of /proc/net/tcp (v6 false) or tcp6 into *e; false if it is
 * the header, malformed, or (tcp6) not an IPv4-mapped address. */
bool sown_parse_line(const char *line, bool v6, sown_entry *e);

/* Every IPv4 TCP socket now, into *t (the caller frees it). The count. */
size_t sown_table(sown_entry **t);

/* The inode of the socket with local lip:lport and remote rip:rport, or 0. */
unsigned long sown_find(const sown_entry *t, size_t n, uint32_t lip, uint16_t lport,
                        uint32_t rip, uint16_t rport);
/* The inode of the socket listening on ip:port (or on any address at
 * port), or 0. */
unsigned long sown_listener(const sown_entry *t, size_t n, uint32_t ip, uint16_t port);

/* Does process pid hold the socket inode? */
bool sown_pid_has(pid_t pid, unsigned long inode);
/* The process that holds the socket inode (a search of every process), or
 * 0. */
pid_t sown_owner(unsigned long inode);

#endif
