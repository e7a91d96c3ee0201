/* fuzz_forward_queue.c — arbitrary bytes as a forward-queue segment on disk
 * (first byte: flags; bit 0 makes every frame's CRC right, so the record
 * decoder is reached, not only the frame check), then the queue opened and
 * read to the end. Whatever it hands back must be well-formed samples,
 * never more than the segment said it held, and reading must end. */
#include <dirent.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/wal.h"
#include "forward/queue.h"

static char dir[64], qdir[96];

static void clean(void) {
    DIR *d = opendir(qdir);
    struct dirent *e;
    char p[400];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", qdir, e->d_name);
            unlink(p);
        }
    if (d) closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz-fq-XXXXXX");
        if (!mkdtemp(dir)) abort();
        snprintf(qdir, sizeof qdir, "%s/q", dir);
    }
    if (!size) return 0;
    uint8_t *seg = malloc(size);
    memcpy(seg, data + 1, size - 1);
    size_t n = size - 1;
    if (data[0] & 1) /* right CRCs wherever a frame's length fits */
        for (size_t off = 0; off + 8 <= n;) {
            uint32_t len;
            memcpy(&len, seg + off, 4);
            if (len > n - off - 8) break;
            uint32_t crc = crc32c(0, seg + off + 8, len);
            memcpy(seg + off + 4, &crc, 4);
            off += 8 + len;
        }
    clean();
    mkdir(qdir, 0755);
    char p[200];
    snprintf(p, sizeof p, "%s/q-00000001.seg", qdir);
    FILE *f = fopen(p, "wb");
    if (!f) abort();
    fwrite(seg, 1, n, f);
    fclose(f);
    free(seg);
    char err[256];
    tm_queue *q = queue_open(qdir, 1 << 20, err, sizeof err);
    if (!q) abort();
    tm_queue_stats st;
    queue_stats(q, &st);
    tm_batch b;
    batch_init(&b);
    size_t got = 0;
    for (int rounds = 0; rounds < 10000; rounds++) {
        batch_reset(&b);
        size_t k = queue_read(q, &b, 64, 0);
        if (!k) break;
        if (k != b.n) abort();
        for (size_t i = 0; i < b.n; i++) {
            const tm_sample *s = &b.s[i];
            if (!s->key_len || s->key_len > TM_KEY_MAX || s->type > TM_LOCATION) abort();
            if (s->type == TM_STRING && s->str_len > TM_STR_MAX) abort();
        }
        got += k;
        queue_ack(q, 0);
    }
    if (got > st.samples) abort();
    batch_free(&b);
    queue_close(q);
    return 0;
}
