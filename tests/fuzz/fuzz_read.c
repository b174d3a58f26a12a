/*
 * fuzz_read.c - libFuzzer harness for the history readers and pairing.
 *
 * The first byte picks the format (auto, jsonl, edn, log); the rest is the
 * input. Whatever the bytes, reading must end in a history or an error
 * with a position, never a crash, a leak or undefined behaviour. When a
 * history is read, it is also checked with an inferred model under small
 * limits, so compiling and searching see the odd histories too.
 *
 *   make fuzz && build/fuzz/fuzz_read -max_len=4096 tests/fuzz/seeds
 */
#include <stddef.h>
#include <stdint.h>

#include "../../checker/check.h"
#include "../../histories/read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    hist_read_opts o = {0};
    o.format = (hist_format)(data[0] % 4);
    o.max_line = 1024;
    history *h = NULL;
    hist_error err;
    if (hist_read_mem("fuzz", (const char *)data + 1, size - 1, &o, &h, NULL, &err) == HIST_OK) {
        check_opts co = {0};
        co.jobs = 1;
        co.timeout_s = 0.05;
        co.max_memory = 8 << 20;
        check_item it = {0};
        it.h = h;
        check_run(&it, 1, &co);
        check_item_free(&it);
        hist_free(h);
    }
    return 0;
}
