/*
 * unique_int.h - what unique.c (the decision) and unique_form.c (ops into
 * reads and updates) share; not for other modules.
 *
 * The ops of a part become reads and updates of numbered values (uop):
 * u[i] is ops[i]. The translation fills u, nvals, init and model_replay;
 * the decision the rest.
 */
#ifndef CONCH_UNIQUE_INT_H
#define CONCH_UNIQUE_INT_H

#include "unique.h"

#define NONE UINT32_MAX

typedef struct uop {
    uint32_t val;       /* the value read, or written */
    uint32_t pred;      /* an update's previous value; NONE: a write */
    uint32_t read;      /* 1: a read, 0: an update */
    uint32_t call, ret; /* the op's (kept here, close at hand) */
} uop;

typedef struct chain {
    int64_t L, R;        /* first return, last call; L = -1: the initial value's */
    uint32_t lop, rop;   /* the ops at L and R */
    uint32_t first, len; /* its values: cvals[first .. first+len) */
} chain;

typedef struct ctx {
    const model *md;
    const lin_op *ops;
    size_t n;
    uop *u;               /* u[i] is ops[i] */
    uint32_t nvals, init; /* init: the initial value's number, NONE if no op needs it */
    uint32_t *byc;        /* op indices by call */
    uint32_t *prod;       /* per value, the op that writes it */
    uint32_t *next;       /* per value, the update from it that must take effect */
    uint8_t *need;        /* per op: must take effect */
    uint32_t *rstart, *rlist; /* per value, its reads in call order */
    uint32_t *cvals;      /* the chains' values, chain after chain */
    chain *ch;
    size_t nch;
    uint32_t *order;      /* the linearization built */
    size_t norder;
    bool model_replay;    /* replay it through the model's step */
    uv_form form;
    size_t bytes;         /* charged, at the most */
    /* Limits (unique.h): what is charged to hold now; once stopped, by what. */
    const lin_limits *lim;
    bhold *hold;
    size_t held;    /* charged now, through uv_take and uv_charge */
    size_t charged; /* of which through uv_charge (given back at the end) */
    lin_stop stop;
} ctx;

/* n bytes, charged to c's budget, given back with uv_give; NULL when the
 * budget refuses them, or when c was stopped already (c->stop says why).
 * uv_take_none fills n words with NONE. */
void *uv_take(ctx *c, size_t n);
uint32_t *uv_take_none(ctx *c, size_t n);
void uv_give(ctx *c, void *p);
/* Charge n more bytes (memory not from uv_take: a map's); false, and c
 * stopped, if refused. What is charged so is given back at the end. */
bool uv_charge(ctx *c, size_t n);
/* Has a limit stopped c? Checks the interrupt, the cancel flag and the
 * deadline; c->stop says which. */
bool uv_halted(ctx *c);
/* End the part as stopped (out: unknown, UV_STOPPED); returns true, the
 * value a step returns when it decided. */
bool uv_stopped(ctx *c, uv_result *out);
/* Sort keys packed as key << 32 | index, the indices increasing; false if
 * the memory for it was refused (c is stopped). */
bool uv_sort_packed(ctx *c, uint64_t *a, size_t n);
/* Set r's verdict, kind and first nops ops. */
void uv_put(uv_result *r, lin_verdict v, uv_kind k, size_t nops, uint32_t a, uint32_t b,
            uint32_t c, uint32_t d);

/* Fill c from ops whose vocabulary kinds are kind[]: reads, writes and cas
 * (uv_form_values), reads and appends (uv_form_appends), or reads and adds
 * to a set (uv_form_sets). Return true if that decided the part already
 * (out says how). */
bool uv_form_values(ctx *c, const uint8_t *kind, uv_result *out);
bool uv_form_appends(ctx *c, const uint8_t *kind, uv_result *out);
bool uv_form_sets(ctx *c, const uint8_t *kind, uv_result *out);

#endif
