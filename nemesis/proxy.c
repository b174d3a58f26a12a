/*
 * proxy.c - see proxy.h; proxy_int.h names the files.
 *
 * A connection is two sockets and a buffer each way: buf[i] holds what was
 * read from side i and not yet written to the other. A side is read while
 * its buffer has room, written while the other's has bytes. A FIN is passed
 * on once what came before it is written (shutdown of the other side's
 * writing); a connection ends when both ways are done, and an error on
 * either side resets both (SO_LINGER 0), as the two ends of a TCP
 * connection would see it.
 *
 * A held connection is taken out of the epoll set altogether, so nothing
 * about it (data, a FIN, a reset) crosses the partition until the heal;
 * one accepted while held, with no upstream yet, is watched for its
 * client hanging up only (EPOLLRDHUP), so that clients that give up and
 * dial again do not pile up descriptors.
 *
 * Connections closed while handling a batch of events are freed after the
 * batch, since later events of the batch may point at them.
 */
#include "proxy_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/clock.h"
#include "../util/mem.h"
#include "sockown.h"

const char *px_mode_name(px_mode m)
{
    return m == PX_DROP ? "drop" : "blackhole";
}

int px_mode_find(const char *name)
{
    return !strcmp(name, "blackhole") ? PX_BLACKHOLE : !strcmp(name, "drop") ? PX_DROP : -1;
}

/* "host:port" into an IPv4 address; false with why. */
static bool resolve(const char *addr, struct sockaddr_in *out, sbuf *why)
{
    char host[256];
    int port;
    if (!clu_split_addr(addr, host, sizeof host, &port)) {
        sbuf_printf(why, "'%s' is not HOST:PORT", addr);
        return false;
    }
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &ai);
    if (rc || !ai) {
        sbuf_printf(why, "cannot resolve '%s' to an IPv4 address: %s", host, gai_strerror(rc));
        return false;
    }
    memcpy(out, ai->ai_addr, sizeof *out);
    out->sin_port = htons((uint16_t)port);
    freeaddrinfo(ai);
    return true;
}

static void stat_add(proxy *p, uint64_t *counter, int delta)
{
    pthread_mutex_lock(&p->mu);
    *counter += (uint64_t)(int64_t)delta;
    pthread_mutex_unlock(&p->mu);
}

/* ---- who opened a connection ---- */

/* The node whose process holds the other end of the connection that fd
 * accepted, or -1 (sockown.h). Each node is the process listening on its
 * peer_target; who that is is remembered, and looked for again when the
 * node has been restarted. */
static int identify(proxy *p, int fd)
{
    struct sockaddr_in me, peer;
    socklen_t ml = sizeof me, pl = sizeof peer;
    if (getsockname(fd, (struct sockaddr *)&me, &ml) || getpeername(fd, (struct sockaddr *)&peer, &pl) ||
        me.sin_family != AF_INET || peer.sin_family != AF_INET)
        return -1;
    sown_entry *t;
    size_t n = sown_table(&t);
    unsigned long ino = sown_find(t, n, peer.sin_addr.s_addr, ntohs(peer.sin_port),
                                  me.sin_addr.s_addr, ntohs(me.sin_port));
    int found = -1;
    for (size_t k = 0; ino && k < p->c->n && found < 0; k++) {
        if (!p->has_target[k])
            continue;
        const struct sockaddr_in *ta = &p->target[k];
        unsigned long lino = sown_listener(t, n, ta->sin_addr.s_addr, ntohs(ta->sin_port));
        if (!lino)
            continue;
        pid_t pid = p->node_pid[k];
        if (!pid || !sown_pid_has(pid, lino))
            pid = p->node_pid[k] = sown_owner(lino);
        if (pid && sown_pid_has(pid, ino))
            found = (int)k;
    }
    free(t);
    return found;
}

/* ---- connections ---- */

static bool is_cut(const proxy *p, int from, int to)
{
    return p->now.on && (from < 0 || p->now.group[from] != p->now.group[to]);
}

static void watch(proxy *p, px_conn *c, int side, uint32_t ev)
{
    int fd = c->fd[side];
    if (fd < 0 || ev == c->events[side])
        return;
    struct epoll_event e = {.events = ev, .data.ptr = &c->ep[side]};
    int op = !c->events[side] ? EPOLL_CTL_ADD : !ev ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    epoll_ctl(p->ep, op, fd, op == EPOLL_CTL_DEL ? NULL : &e);
    c->events[side] = ev;
}

static bool has_bytes(const px_buf *b)
{
    return b->off < b->len;
}

/* Whether b can take more: it holds fewer than PX_BUF bytes not yet
 * written. Not len < PX_BUF: a buffer read to its end and then written out
 * has len == PX_BUF and room for all of it, which conn_read makes (it
 * starts again at 0, or moves what is left to the front); a side not read
 * because of that stalled its connection for good, since nothing else
 * would ever read it again. */
static bool has_room(const px_buf *b)
{
    return b->len - b->off < PX_BUF;
}

/* What each side of c should be watched for now. */
static void rewatch(proxy *p, px_conn *c)
{
    if (c->held) {
        watch(p, c, 0, c->fd[1] < 0 ? EPOLLRDHUP : 0);
        watch(p, c, 1, 0);
        return;
    }
    for (int s = 0; s < 2; s++) {
        if (c->fd[s] < 0)
            continue;
        uint32_t ev = 0;
        if (!c->eof[s] && has_room(c->buf[s]) && !(s == 1 && c->connecting))
            ev |= EPOLLIN;
        if ((has_bytes(c->buf[1 - s]) && !(s == 1 && c->connecting)) || (s == 1 && c->connecting))
            ev |= EPOLLOUT;
        watch(p, c, s, ev);
    }
}

static void close_fd(int fd, bool reset)
{
    if (fd < 0)
        return;
    if (reset) {
        struct linger l = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(fd);
}

/* End c (reset: with RST on both sides) and put it on the list to free. */
static void conn_close(proxy *p, px_conn *c, bool reset, px_conn **graveyard)
{
    for (int s = 0; s < 2; s++) {
        watch(p, c, s, 0);
        close_fd(c->fd[s], reset);
        c->fd[s] = -1;
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        p->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_lock(&p->mu);
    c->rt->open--;
    if (c->held)
        c->rt->held--;
    pthread_mutex_unlock(&p->mu);
    c->next = *graveyard;
    *graveyard = c;
}

static void conn_free(px_conn *c)
{
    free(c->buf[0]);
    free(c->buf[1]);
    free(c);
}

static void set_held(proxy *p, px_conn *c, bool held)
{
    if (c->held == held)
        return;
    c->held = held;
    stat_add(p, &c->rt->held, held ? 1 : -1);
}

/* Connect c's upstream (non-blocking); false if it failed at once. */
static bool connect_upstream(proxy *p, px_conn *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&c->rt->target, sizeof c->rt->target) < 0 &&
        errno != EINPROGRESS) {
        close(fd);
        return false;
    }
    c->fd[1] = fd;
    c->connecting = true;
    rewatch(p, c);
    return true;
}

/* Pass on a FIN once the bytes before it are written; end c when both
 * ways are done. */
static void settle(proxy *p, px_conn *c, px_conn **graveyard)
{
    for (int s = 0; s < 2; s++) {
        int o = 1 - s;
        if (c->eof[s] && !has_bytes(c->buf[s]) && !c->shut[o] && c->fd[o] >= 0 &&
            !(o == 1 && c->connecting)) {
            shutdown(c->fd[o], SHUT_WR);
            c->shut[o] = true;
        }
    }
    if (c->shut[0] && c->shut[1]) {
        conn_close(p, c, false, graveyard);
        return;
    }
    rewatch(p, c);
}

/* Read what side s has into its buffer. false: c was closed. */
static bool conn_read(proxy *p, px_conn *c, int s, px_conn **graveyard)
{
    px_buf *b = c->buf[s];
    if (b->off == b->len)
        b->off = b->len = 0;
    else if (b->len == PX_BUF && b->off) {
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
    }
    if (b->len == PX_BUF || c->eof[s])
        return true;
    ssize_t n = recv(c->fd[s], b->data + b->len, PX_BUF - b->len, 0);
    if (n > 0) {
        b->len += (size_t)n;
    } else if (n == 0) {
        c->eof[s] = true;
    } else if (errno != EAGAIN && errno != EINTR) {
        conn_close(p, c, true, graveyard);
        return false;
    }
    return true;
}

/* Write to side s what the other side sent. false: c was closed. */
static bool conn_write(proxy *p, px_conn *c, int s, px_conn **graveyard)
{
    px_buf *b = c->buf[1 - s];
    while (has_bytes(b) && c->fd[s] >= 0 && !(s == 1 && c->connecting)) {
        ssize_t n = send(c->fd[s], b->data + b->off, b->len - b->off, MSG_NOSIGNAL);
        if (n > 0) {
            b->off += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            break;
        } else {
            conn_close(p, c, true, graveyard);
            return false;
        }
    }
    return true;
}

static void conn_event(proxy *p, px_conn *c, int s, uint32_t ev, px_conn **graveyard)
{
    if (c->fd[s] < 0)
        return; /* closed earlier in this batch */
    if (c->held) {
        /* Only a connection with no upstream is watched while held: its
         * client hung up. */
        conn_close(p, c, false, graveyard);
        return;
    }
    if (s == 1 && c->connecting) {
        if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len);
        if (err || (ev & EPOLLERR)) {
            conn_close(p, c, true, graveyard); /* the node is down: as refused */
            return;
        }
        c->connecting = false;
    }
    if (ev & EPOLLERR) {
        conn_close(p, c, true, graveyard);
        return;
    }
    if ((ev & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) && !conn_read(p, c, s, graveyard))
        return;
    if (!conn_write(p, c, 1 - s, graveyard) || !conn_write(p, c, s, graveyard))
        return;
    settle(p, c, graveyard);
}

static void accept_all(proxy *p, px_route *rt, px_conn **graveyard)
{
    for (;;) {
        int fd = accept4(rt->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or out of descriptors: the next event tries again */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int from = identify(p, fd);
        pthread_mutex_lock(&p->mu);
        rt->accepted++;
        if (from < 0)
            rt->unknown++;
        pthread_mutex_unlock(&p->mu);
        bool cut = is_cut(p, from, rt->node);
        if (cut && p->now.mode == PX_DROP) {
            close_fd(fd, true);
            continue;
        }
        px_conn *c = xcalloc(1, sizeof *c);
        c->rt = rt;
        c->from = from;
        c->fd[0] = fd;
        c->fd[1] = -1;
        for (int s = 0; s < 2; s++) {
            c->ep[s] = (px_ep){EP_CONN, s, c};
            c->buf[s] = xmalloc(sizeof *c->buf[s]);
            c->buf[s]->off = c->buf[s]->len = 0;
        }
        c->next = p->conns;
        if (p->conns)
            p->conns->prev = c;
        p->conns = c;
        stat_add(p, &rt->open, 1);
        if (cut) {
            set_held(p, c, true);
            rewatch(p, c);
        } else if (!connect_upstream(p, c)) {
            conn_close(p, c, true, graveyard);
        }
    }
}

/* Make the partition the admin handed over the one in force. */
static void apply_cut(proxy *p, px_conn **graveyard)
{
    uint64_t v;
    ssize_t r = read(p->wake, &v, sizeof v);
    (void)r;
    pthread_mutex_lock(&p->mu);
    p->now = p->want;
    uint64_t gen = p->want_gen;
    pthread_mutex_unlock(&p->mu);
    px_conn *next;
    for (px_conn *c = p->conns; c; c = next) {
        next = c->next;
        bool cut = is_cut(p, c->from, c->rt->node);
        if (cut && p->now.mode == PX_DROP) {
            conn_close(p, c, true, graveyard);
        } else if (cut) {
            set_held(p, c, true);
            rewatch(p, c);
        } else if (c->held) {
            set_held(p, c, false);
            if (c->fd[1] < 0) {
                watch(p, c, 0, 0);
                if (!connect_upstream(p, c))
                    conn_close(p, c, true, graveyard);
            } else {
                rewatch(p, c);
            }
        }
    }
    pthread_mutex_lock(&p->mu);
    p->done_gen = gen;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void px_run(proxy *p, _Atomic int *stop)
{
    struct epoll_event evs[64];
    while (!atomic_load(stop)) {
        int n = epoll_wait(p->ep, evs, 64, 100);
        px_conn *graveyard = NULL;
        for (int i = 0; i < n; i++) {
            px_ep *e = evs[i].data.ptr;
            if (e->kind == EP_WAKE)
                apply_cut(p, &graveyard);
            else if (e->kind == EP_LISTEN)
                accept_all(p, e->obj, &graveyard);
            else
                conn_event(p, e->obj, e->side, evs[i].events, &graveyard);
        }
        while (graveyard) {
            px_conn *c = graveyard;
            graveyard = c->next;
            conn_free(c);
        }
    }
}

/* ---- setup ---- */

static int listen_on(const struct sockaddr_in *a)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)a, sizeof *a) || listen(fd, 1024)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

proxy *px_new(const px_config *cfg, sbuf *why)
{
    proxy *p = xcalloc(1, sizeof *p);
    p->c = cfg->cluster;
    p->mode = cfg->mode;
    p->wake = -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->ep = epoll_create1(EPOLL_CLOEXEC);
    p->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (p->ep < 0 || p->wake < 0) {
        sbuf_printf(why, "epoll or eventfd: %s", strerror(errno));
        goto fail;
    }
    p->wake_ep = (px_ep){EP_WAKE, 0, NULL};
    struct epoll_event we = {.events = EPOLLIN, .data.ptr = &p->wake_ep};
    epoll_ctl(p->ep, EPOLL_CTL_ADD, p->wake, &we);
    p->routes = xcalloc(p->c->n ? p->c->n : 1, sizeof *p->routes);
    for (size_t k = 0; k < p->c->n; k++) {
        const clu_node *nd = &p->c->nodes[k];
        if (!nd->peer && nd->peer_target) {
            /* Reached some other way, but it may dial the others: it is
             * known by its peer_target all the same. */
            sbuf e = {0};
            p->has_target[k] = resolve(nd->peer_target, &p->target[k], &e);
            sbuf_free(&e);
        }
        if (!nd->peer)
            continue;
        if (!nd->peer_target) {
            sbuf_printf(why, "node %s: a route needs both peer (where the proxy listens) and "
                             "peer_target (where the node listens)",
                        nd->name);
            goto fail;
        }
        px_route *rt = &p->routes[p->nroutes];
        rt->node = (int)k;
        rt->fd = -1;
        sbuf e = {0};
        if (!resolve(nd->peer, &rt->listen, &e) || !resolve(nd->peer_target, &rt->target, &e)) {
            sbuf_printf(why, "node %s: %s", nd->name, sbuf_str(&e));
            sbuf_free(&e);
            goto fail;
        }
        p->target[k] = rt->target;
        p->has_target[k] = true;
        if ((rt->fd = listen_on(&rt->listen)) < 0) {
            sbuf_printf(why, "node %s: cannot listen on %s: %s", nd->name, nd->peer,
                        strerror(errno));
            goto fail;
        }
        p->nroutes++;
        rt->ep = (px_ep){EP_LISTEN, 0, rt};
        struct epoll_event le = {.events = EPOLLIN, .data.ptr = &rt->ep};
        epoll_ctl(p->ep, EPOLL_CTL_ADD, rt->fd, &le);
    }
    if (!p->nroutes) {
        sbuf_printf(why, "%s: no node has a peer and a peer_target: nothing to proxy",
                    p->c->source ? p->c->source : "the cluster");
        goto fail;
    }
    if (!px_admin_start(p, cfg->admin, why))
        goto fail;
    return p;
fail:
    px_free(p);
    return NULL;
}

const char *px_admin_url(const proxy *p)
{
    return p->admin_url;
}

void px_free(proxy *p)
{
    if (!p)
        return;
    px_admin_stop(p);
    px_conn *dead = NULL;
    while (p->conns)
        conn_close(p, p->conns, false, &dead);
    while (dead) {
        px_conn *c = dead;
        dead = c->next;
        conn_free(c);
    }
    for (size_t i = 0; i < p->nroutes; i++)
        close_fd(p->routes[i].fd, false);
    free(p->routes);
    if (p->ep >= 0)
        close(p->ep);
    if (p->wake >= 0)
        close(p->wake);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}
