/*
 * b64.h - base64 (RFC 4648, standard alphabet, padded), as etcd's JSON
 * gateway wants its keys and values.
 */
#ifndef CONCH_B64_H
#define CONCH_B64_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/sbuf.h"

/* Append the base64 text of p[0..n) to out. */
void b64_encode(const void *p, size_t n, sbuf *out);
/* Append the bytes s[0..n) stands for to out. Accepts the standard and the
 * URL-safe alphabet, with or without padding; returns false (out holding
 * part of the bytes) on any other character or a bad length. */
bool b64_decode(const char *s, size_t n, sbuf *out);

#endif
