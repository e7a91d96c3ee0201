/* fuzz_agenthttp.c — the agent's HTTP answer parser on raw bytes, with and
 * without the connection closed after them. Invariants: a parsed answer
 * takes no more bytes than there are, its body lies inside them, and its
 * status is a three-digit code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (int eof = 0; eof < 2; eof++) {
        char *p = malloc(size ? size : 1);
        memcpy(p, data, size);
        http_answer a;
        if (http_answer_parse(p, size, eof, &a) == 1) {
            if (a.consumed > size || a.status < 100 || a.status > 599) abort();
            if (a.body_len && (a.body < p || a.body + a.body_len > p + size)) abort();
        }
        free(p);
    }
    return 0;
}
