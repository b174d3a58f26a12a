/*
 * fuzz_adapter.c - libFuzzer harness for the store adapters' response
 * parsing (clients/adapter.h), with the runner's scrubbing of the body
 * before it (clients/scrub.h).
 *
 * Input: one byte (bit 0 the adapter, conch or etcd; bits 1-2 the request
 * kind, read, write or cas), two bytes of HTTP status (100 to 599), then
 * the body. Whatever the body, the outcome must follow the rules of
 * adapter.h: ok, fail or info; a write or cas is ok only with the version
 * it wrote; a cas mismatch is a fail; and the error text must not hold the
 * secret the harness configures (as a header value), however the body
 * quotes it.
 *
 *   make build/fuzz/fuzz_adapter && build/fuzz/fuzz_adapter -dict=tests/fuzz/fuzz_adapter.dict
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../clients/adapter.h"
#include "../../clients/scrub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "s3cr3t-fuzz-token"

static scrub *secrets;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    if (!secrets) {
        secrets = scrub_new();
        scrub_add_header(secrets, "Authorization: Bearer " SECRET);
    }
    const adp_type *t = data[0] & 1 ? &adp_etcd : &adp_conch;
    adp_kind kind = (adp_kind)((data[0] >> 1 & 3) % 3);
    long status = 100 + (long)((data[1] << 8 | data[2]) % 500);
    sbuf body = {0};
    sbuf_addn(&body, (const char *)data + 3, size - 3);
    scrub_body(secrets, &body);

    vtab *vt = vtab_new();
    adp_opts o = {.serializable = data[0] & 8};
    adp_result res;
    adp_result_init(&res);
    adp_resp resp = {.status = status, .body = sbuf_str(&body), .len = body.len};
    t->response(&o, vt, kind, &resp, &res);
    if (res.type != EV_OK && res.type != EV_FAIL && res.type != EV_INFO)
        abort();
    if (res.type == EV_OK && kind != ADP_READ && res.version == HIST_NONE)
        abort(); /* a write said ok without saying what it wrote */
    if (res.mismatch && (res.type != EV_FAIL || kind != ADP_CAS))
        abort();
    if (res.type != EV_OK && !res.error.len)
        abort(); /* every outcome but ok says why */
    if (memmem(sbuf_str(&res.error), res.error.len, SECRET, strlen(SECRET)))
        abort(); /* the secret got into what would be recorded */
    if (kind != ADP_READ && !val_is_nil(res.value))
        abort();
    sbuf_free(&res.error);
    sbuf_free(&body);
    vtab_free(vt);
    return 0;
}
