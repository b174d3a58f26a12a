/* b64.c - see b64.h. */
#include "b64.h"

#include <stdint.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void b64_encode(const void *p, size_t n, sbuf *out)
{
    const unsigned char *s = p;
    char q[4];
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t x = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        q[0] = alphabet[x >> 18];
        q[1] = alphabet[(x >> 12) & 63];
        q[2] = alphabet[(x >> 6) & 63];
        q[3] = alphabet[x & 63];
        sbuf_addn(out, q, 4);
    }
    if (i < n) {
        uint32_t x = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        q[0] = alphabet[x >> 18];
        q[1] = alphabet[(x >> 12) & 63];
        q[2] = i + 1 < n ? alphabet[(x >> 6) & 63] : '=';
        q[3] = '=';
        sbuf_addn(out, q, 4);
    }
}

static int digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

bool b64_decode(const char *s, size_t n, sbuf *out)
{
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return false;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int d = digit((unsigned char)s[i]);
        if (d < 0)
            return false;
        acc = acc << 6 | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            sbuf_addc(out, (char)((acc >> bits) & 0xff));
        }
    }
    return true;
}
