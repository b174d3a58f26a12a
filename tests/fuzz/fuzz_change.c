/*
 * fuzz_change.c - libFuzzer harness: reading a history from a file that
 * changes while it is read.
 *
 * The input is a header of 8 bytes, then the file's first content, then
 * what the change writes (split where the header says):
 *   byte 0     format (auto, jsonl, edn, log)
 *   byte 1     bytes per read() (1..64)
 *   bytes 2-3  the change is made once this many bytes were read
 *   byte 4     kind: 0 truncate, 1 append, 2 overwrite in place
 *   bytes 5-6  where: truncate to / overwrite at this offset
 *   byte 7     how many of the remaining bytes are the change's (from the end)
 * The file lives in memory (memfd) and is read by its /proc path, as any
 * file is. Whatever happens, reading must end in a history or an error with
 * its message, never a crash (it was SIGBUS once, the file being mapped);
 * and when the change alters the file's size, it must be the error "file
 * changed while being read".
 *
 *   make build/fuzz/fuzz_change && build/fuzz/fuzz_change tests/fuzz/seeds-change
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../histories/read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct change {
    int fd;
    size_t at;
    int kind;
    size_t where;
    const uint8_t *bytes;
    size_t n;
    bool made;
    off_t before, after; /* the file's size around the change */
} change;

static off_t size_of(int fd)
{
    return lseek(fd, 0, SEEK_END);
}

static void apply(void *arg, size_t done)
{
    change *c = arg;
    if (c->made || done < c->at)
        return;
    c->made = true;
    c->before = size_of(c->fd);
    if (c->kind == 0) {
        if (ftruncate(c->fd, (off_t)c->where) != 0)
            abort();
    } else {
        off_t at = c->kind == 1 ? c->before : (off_t)c->where;
        if (c->n && pwrite(c->fd, c->bytes, c->n, at) != (ssize_t)c->n)
            abort();
    }
    c->after = size_of(c->fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    const uint8_t *h = data;
    data += 8;
    size -= 8;
    size_t tail = h[7] < size ? h[7] : size;
    size_t first = size - tail;
    int fd = memfd_create("fuzz_change", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    if (first && write(fd, data, first) != (ssize_t)first)
        abort();
    change c = {fd, (size_t)(h[2] | h[3] << 8), h[4] % 3, (size_t)(h[5] | h[6] << 8),
                data + first, tail, false, 0, 0};
    hist_read_opts o = {0};
    o.format = (hist_format)(h[0] % 4);
    o.max_line = 1024;
    o.chunk = 1 + h[1] % 64;
    o.hook = apply;
    o.hook_arg = &c;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    history *hist = NULL;
    hist_error err = {0};
    hist_rc rc = hist_read_file(path, &o, &hist, NULL, &err);
    if (rc == HIST_OK) {
        if (!hist || (c.made && c.before != c.after))
            abort(); /* no history, or the file's size changed unnoticed */
    } else {
        if (hist || !err.msg[0])
            abort(); /* an error must say why, and leave no history */
    }
    hist_free(hist);
    close(fd);
    return 0;
}
