/*
 * hash.h - small, fast, non-cryptographic hashes.
 *
 * hash_mix64 is the splitmix64 finaliser (Steele, Lea & Flood 2014): a
 * bijection on 64-bit words with good avalanche, used to spread integers and
 * to combine hashes. hash_bytes reads 8 bytes at a time and mixes each word.
 */
#ifndef CONCH_HASH_H
#define CONCH_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static inline uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = hash_mix64(h ^ w);
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, s, n);
        h = hash_mix64(h ^ w ^ ((uint64_t)n << 56));
    }
    return hash_mix64(h);
}

#endif
