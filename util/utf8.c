/* utf8.c - see utf8.h. */
#include "utf8.h"

size_t utf8_seq(const char *s, size_t left, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (left == 0)
        return 0;
    unsigned char c = p[0];
    if (c < 0x80) {
        if (cp)
            *cp = c;
        return 1;
    }
    size_t n;
    uint32_t x;
    if (c < 0xc2)
        return 0; /* a continuation byte, or an overlong 2-byte lead */
    if (c < 0xe0) { n = 2; x = c & 0x1f; }
    else if (c < 0xf0) { n = 3; x = c & 0x0f; }
    else if (c < 0xf5) { n = 4; x = c & 0x07; }
    else return 0;
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        x = x << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && x < 0x800) || (n == 4 && (x < 0x10000 || x > 0x10ffff)) ||
        (x >= 0xd800 && x <= 0xdfff))
        return 0;
    if (cp)
        *cp = x;
    return n;
}

bool utf8_incomplete(const char *s, size_t left)
{
    const unsigned char *p = (const unsigned char *)s;
    if (left == 0 || p[0] < 0xc2 || p[0] >= 0xf5)
        return false;
    size_t n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
    if (left >= n)
        return false;
    for (size_t i = 1; i < left; i++)
        if ((p[i] & 0xc0) != 0x80)
            return false;
    /* The second byte alone can already rule out overlong forms, surrogates
     * and code points past U+10FFFF. */
    if (left >= 2) {
        unsigned c = p[0], d = p[1];
        if ((c == 0xe0 && d < 0xa0) || (c == 0xed && d >= 0xa0) || (c == 0xf0 && d < 0x90) ||
            (c == 0xf4 && d >= 0x90))
            return false;
    }
    return true;
}

uint32_t utf8_next(const char *s, size_t n, size_t *i)
{
    uint32_t cp;
    size_t k = utf8_seq(s + *i, n - *i, &cp);
    if (!k) {
        (*i)++;
        return UTF8_INVALID;
    }
    *i += k;
    return cp;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}
