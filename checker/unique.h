/*
 * unique.h - one part's linearizability without search, when every value
 * written to it is unique (unique.c explains the algorithm and why it is
 * right).
 *
 * A part qualifies when its model maps every op into the unique-value
 * vocabulary (model_vop in models/model.h), no value is written twice,
 * and the initial value is never written again; a part whose only updates
 * are appends qualifies when it starts at nil and no item is appended
 * twice; so does a set's whose adds are of distinct members, none of them
 * initial. Then uv_check decides it in O(n log n) time and O(n) memory and,
 * for an invalid part, names the few ops that contradict each other.
 * Otherwise it says why not, and the caller searches (lin.h).
 *
 * It keeps the limits the search keeps: everything it holds is charged to
 * a memory budget (util/budget.h), and it looks at the deadline, the
 * interrupt and the cancel flag of lin_limits between its steps; a part
 * they stop is unknown (UV_STOPPED, with what stopped it), not searched:
 * the search needs more of both.
 */
#ifndef CONCH_UNIQUE_H
#define CONCH_UNIQUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lin.h"

/* In uv_result.ops: not an op, the initial value (there from the start). */
#define UV_OP_INIT UINT32_MAX
#define UV_MAX_OPS 8

typedef enum uv_kind {
    UV_NONE = 0,
    /* Invalid; ops are indices into the ops given. */
    UV_UNWRITTEN, /* ops[0] needs a value no op writes and that is not the initial one */
    UV_TWO_NEXT,  /* ops[0] and ops[1] both replace one value, which exists once
                   * (ops[2] wrote it, or UV_OP_INIT) */
    UV_CYCLE,     /* ops[0..nops): updates each needing the value the one before wrote */
    UV_ORDER,     /* ops[0] must take effect before ops[1], as the value went from
                   * ops[0]'s to ops[1]'s through the updates ops[2..nops) (nlinks in
                   * all), and no value comes back; yet ops[1] completed before
                   * ops[0] was invoked */
    UV_OVERLAP,   /* two stretches of values that must each come first: ops[0]
                   * completed before ops[1] was invoked, ops[2] before ops[3];
                   * ops[1] and ops[2] need one stretch, ops[0] and ops[3] the
                   * other (ops[2] is UV_OP_INIT when it is the initial value's) */
    UV_DIVERGE,   /* reads ops[0] and ops[1] return lists (sets) neither of which
                   * extends (contains) the other */
    /* Not decided: the search must (ops show an example). */
    UV_NO_FORM,       /* ops[0] has no unique-value form (the model says) */
    UV_WRITTEN_TWICE, /* ops[0] and ops[1] write the same value */
    UV_INIT_WRITTEN,  /* ops[0] writes the initial value */
    UV_MIXED,         /* ops[0] appends or adds, ops[1] overwrites (or adds), in one part */
    UV_APPEND_INIT,   /* appends, to an initial value that is not nil */
    UV_INTERNAL,      /* the linearization built failed its check: a bug */
    UV_SEARCH_ASKED,  /* not tried: the caller asked for the search */
    UV_STOPPED,       /* a limit stopped it before it decided (uv_result.stop) */
    UV_NKINDS         /* not a kind: how many there are */
} uv_kind;

/* How the part's ops were read (unique_form.c): values written and read,
 * a list grown by appends, or a set grown by adds. */
typedef enum uv_form { UV_VALUES = 0, UV_LIST, UV_SET } uv_form;

typedef struct uv_result {
    lin_verdict verdict; /* LIN_UNKNOWN: not decided (kind says why) */
    uv_kind kind;
    lin_stop stop;       /* UV_STOPPED: by what (time, memory, interrupt, another part) */
    uv_form form;
    uint32_t ops[UV_MAX_OPS];
    size_t nops;
    unsigned reads;  /* bit k: ops[k] is a read (else an update) */
    size_t nlinks;   /* UV_ORDER: updates between the two values; UV_CYCLE: its length */
    size_t chains;   /* stretches of values found (a write and the updates after it) */
    size_t dropped;  /* crashed updates whose value no op needs, left out */
    size_t bytes;    /* memory it allocated, in all (at least its peak) */
    double seconds;
} uv_result;

/* Decide ops (one part of a history; any order) without search if they
 * qualify. Reads only md, its vtab and ops; safe on the checker's threads.
 * Its memory is charged to hold, and lim's deadline (extend is not used),
 * stop and cancel end it as UV_STOPPED; NULL: no limit. */
void uv_check(const model *md, const lin_op *ops, size_t n, const lin_limits *lim, bhold *hold,
              uv_result *out);

/* A few words on kind, for people ("a value is written more than once"),
 * and a name for programs ("written-twice"). */
const char *uv_kind_text(uv_kind k);
const char *uv_kind_name(uv_kind k);

#endif
