/*
 * test_nemesis_proxy.c - conch proxy (nemesis/proxy.h) forwarding a stream
 * much larger than its buffer, each way, on loopback: every byte arrives,
 * in order, then the end. A proxy whose buffer, once filled to its end and
 * drained, was never read into again (it stalled with megabytes waiting,
 * issue 9: an etcd member behind by thousands of entries never caught up)
 * stops short, and the test says after how many bytes.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../nemesis/cluster.h"
#include "../../nemesis/proxy.h"

enum { STREAM = 8 << 20, STALL_MS = 20000 };

/* A loopback socket bound to a port of the kernel's choice; its port. */
static int bound(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static unsigned char byte_at(size_t i)
{
    return (unsigned char)(i * 7 + i / 4096);
}

typedef struct sender {
    int fd;
    pthread_t t;
} sender;

/* Send the STREAM bytes (blocking, as fast as the other end takes them),
 * then a FIN. */
static void *send_all(void *arg)
{
    sender *s = arg;
    static unsigned char chunk[1 << 16];
    for (size_t off = 0; off < STREAM;) {
        size_t n = 0;
        for (; n < sizeof chunk && off + n < STREAM; n++)
            chunk[n] = byte_at(off + n);
        size_t sent = 0;
        while (sent < n) {
            ssize_t w = send(s->fd, chunk + sent, n - sent, MSG_NOSIGNAL);
            if (w <= 0)
                return NULL;
            sent += (size_t)w;
        }
        off += n;
    }
    shutdown(s->fd, SHUT_WR);
    return NULL;
}

typedef struct fixture {
    clu_desc c;
    proxy *p;
    _Atomic int stop;
    pthread_t loop;
    int client, node; /* the two ends: a peer dialing, the node's accepted socket */
} fixture;

static void *run_loop(void *arg)
{
    fixture *f = arg;
    px_run(f->p, &f->stop);
    return NULL;
}

/* One node, its peer_target a socket of ours; the proxy running; a
 * connection through it, accepted at the target. */
static void start(fixture *f)
{
    int peer_port, target_port;
    int hold = bound(&peer_port); /* a free port for the proxy: taken again below */
    int target = bound(&target_port);
    cr_assert_eq(listen(target, 8), 0);
    close(hold);
    char text[256];
    snprintf(text, sizeof text,
             "{\"nodes\":[{\"name\":\"n1\",\"peer\":\"127.0.0.1:%d\","
             "\"peer_target\":\"127.0.0.1:%d\"}]}",
             peer_port, target_port);
    sbuf why = {0};
    cr_assert(clu_load_text(text, "c.json", &f->c, &why), "%s", sbuf_str(&why));
    px_config cfg = {.cluster = &f->c, .admin = "127.0.0.1:0", .mode = PX_BLACKHOLE};
    f->p = px_new(&cfg, &why);
    cr_assert(f->p, "%s", sbuf_str(&why));
    sbuf_free(&why);
    atomic_store(&f->stop, 0);
    cr_assert_eq(pthread_create(&f->loop, NULL, run_loop, f), 0);
    f->client = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)peer_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(connect(f->client, (struct sockaddr *)&a, sizeof a), 0);
    f->node = accept(target, NULL, NULL);
    cr_assert(f->node >= 0);
    close(target);
}

static void stop(fixture *f)
{
    atomic_store(&f->stop, 1);
    pthread_join(f->loop, NULL);
    px_free(f->p);
    close(f->client);
    close(f->node);
    clu_free(&f->c);
}

/* Everything the sender on the other end sent, up to its FIN: checked byte
 * by byte. A stall (nothing for STALL_MS) fails, with how far it got. */
static void receive_all(int fd)
{
    static unsigned char buf[1 << 16];
    size_t got = 0;
    for (;;) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int r = poll(&pf, 1, STALL_MS);
        cr_assert(r > 0, "the stream stalled after %zu of %d bytes", got, STREAM);
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        cr_assert(n >= 0, "recv: %s", strerror(errno));
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            cr_assert_eq(buf[i], byte_at(got + (size_t)i), "byte %zu differs", got + (size_t)i);
        got += (size_t)n;
    }
    cr_assert_eq(got, (size_t)STREAM, "the stream ended after %zu of %d bytes", got, STREAM);
}

/* STREAM bytes from the node to the client (to_client), or back. */
static void stream_through(bool to_client)
{
    fixture f = {0};
    start(&f);
    sender s = {.fd = to_client ? f.node : f.client};
    cr_assert_eq(pthread_create(&s.t, NULL, send_all, &s), 0);
    receive_all(to_client ? f.client : f.node);
    pthread_join(s.t, NULL);
    stop(&f);
}

Test(proxy, forwards_a_stream_larger_than_its_buffer_to_the_client)
{
    stream_through(true);
}

Test(proxy, forwards_a_stream_larger_than_its_buffer_to_the_node)
{
    stream_through(false);
}
