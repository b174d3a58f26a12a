/* sockown.c - see sockown.h. */
#include "sockown.h"

#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/mem.h"

/* n hex digits at s into *out; false if any is not one. */
static bool hex(const char *s, int n, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
              : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

/* "0100007F:1F90" (or 32 hex digits for tcp6) at *s into ip and port;
 * advances *s past it. The kernel prints each 32-bit word of the address
 * as the number its bytes make in host order, so the word read back is
 * the in_addr as memory holds it. */
static bool addr(const char **s, bool v6, uint32_t *ip, uint16_t *port, bool *mapped)
{
    const char *p = *s;
    uint32_t w[4] = {0};
    int words = v6 ? 4 : 1;
    for (int i = 0; i < words; i++, p += 8)
        if (!hex(p, 8, &w[i]))
            return false;
    uint32_t pt;
    if (*p != ':' || !hex(p + 1, 4, &pt))
        return false;
    *s = p + 5;
    *port = (uint16_t)pt;
    if (!v6) {
        *ip = w[0];
        *mapped = true;
        return true;
    }
    unsigned char b[16];
    memcpy(b, w, sizeof b);
    static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    *mapped = !memcmp(b, prefix, sizeof prefix);
    memcpy(ip, b + 12, 4);
    return true;
}

bool sown_parse_line(const char *line, bool v6, sown_entry *e)
{
    const char *p = strchr(line, ':'); /* after "  sl:" */
    if (!p)
        return false;
    p++;
    while (*p == ' ')
        p++;
    bool m1, m2;
    if (!addr(&p, v6, &e->lip, &e->lport, &m1) || *p++ != ' ' ||
        !addr(&p, v6, &e->rip, &e->rport, &m2) || *p++ != ' ')
        return false;
    uint32_t st;
    if (!hex(p, 2, &st))
        return false;
    e->state = (int)st;
    p += 2;
    /* then: tx:rx tr:when retrnsmt uid timeout inode */
    char *end;
    for (int field = 0; field < 5; field++) {
        while (*p == ' ')
            p++;
        while (*p && *p != ' ')
            p++;
    }
    e->inode = strtoul(p, &end, 10);
    if (end == p)
        return false;
    return m1 && m2;
}

typedef VEC(sown_entry) sown_vec;

static void read_table(const char *path, bool v6, sown_vec *t)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        sown_entry e;
        if (sown_parse_line(line, v6, &e))
            VEC_PUSH(*t, e);
    }
    fclose(f);
}

size_t sown_table(sown_entry **out)
{
    sown_vec t = {0};
    read_table("/proc/net/tcp", false, &t);
    read_table("/proc/net/tcp6", true, &t);
    *out = t.v;
    return t.n;
}

unsigned long sown_find(const sown_entry *t, size_t n, uint32_t lip, uint16_t lport,
                        uint32_t rip, uint16_t rport)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].lport == lport && t[i].rport == rport && t[i].lip == lip && t[i].rip == rip &&
            t[i].state != SOWN_LISTEN)
            return t[i].inode;
    return 0;
}

unsigned long sown_listener(const sown_entry *t, size_t n, uint32_t ip, uint16_t port)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].state == SOWN_LISTEN && t[i].lport == port &&
            (t[i].lip == ip || t[i].lip == htonl(INADDR_ANY)))
            return t[i].inode;
    return 0;
}

bool sown_pid_has(pid_t pid, unsigned long inode)
{
    char dir[64], want[64], link[64], path[400];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    snprintf(want, sizeof want, "socket:[%lu]", inode);
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        ssize_t k = readlink(path, link, sizeof link - 1);
        if (k <= 0)
            continue;
        link[k] = '\0';
        found = !strcmp(link, want);
    }
    closedir(d);
    return found;
}

pid_t sown_owner(unsigned long inode)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    pid_t found = 0;
    struct dirent *de;
    while (!found && (de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        if (sown_pid_has((pid_t)pid, inode))
            found = (pid_t)pid;
    }
    closedir(d);
    return found;
}
