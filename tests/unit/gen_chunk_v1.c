/* gen_chunk_v1.c — writes chunk_v1_blobs.h: the chunks of chunk_v1_fill.h
 * encoded by the codec it is linked with. It was run once, against the
 * tmcore of commit ac271b3 (the last codec of chunk format 1), to freeze
 * what data directories of that time hold; test_chunk_compat.c decodes the
 * blobs with today's codec. Not built by CMake:
 *   cc -O2 -Isrc -Itests/unit tests/unit/gen_chunk_v1.c OLD_BUILD/libtmcore.a -lzstd -lm \
 *     -o /tmp/gen && /tmp/gen > tests/unit/chunk_v1_blobs.h */
#include <stdio.h>
#include <string.h>
#include <math.h>
#include "core/chunk.h"
#include "model/batch.h"
#include "chunk_v1_fill.h"
static void hex(const char *name, tm_buf *b) {
    printf("static const char %s[] =\n    \"", name);
    for (size_t i = 0; i < b->n; i++) { printf("%02x", b->p[i]); if (i % 48 == 47 && i + 1 < b->n) printf("\"\n    \""); }
    printf("\";\n");
}
int main(void) {
    printf("/* chunk_v1_blobs.h — written by gen_chunk_v1.c with the codec of commit ac271b3; do not edit. */\n");
    for (int k = 0; k < GOLD_KINDS; k++) {
        tm_cols c; gold_fill(&c, k);
        tm_buf b = {0}; chunk_encode(&c, &b);
        char nm[32]; snprintf(nm, sizeof nm, "gold_%d", k); hex(nm, &b);
        cols_free(&c); buf_free(&b);
    }
    printf("static const char *const gold_blobs[GOLD_KINDS] = {");
    for (int k = 0; k < GOLD_KINDS; k++) printf("%sgold_%d", k ? ", " : "", k);
    printf("};\n");
}
