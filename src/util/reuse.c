#include "reuse.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"

#define CLASSES 40 /* 64 KiB << 39 is past any allocation */

typedef struct kept {
    struct kept *next;
} kept;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static kept *lists[CLASSES];
static size_t held; /* bytes waiting in lists */

static unsigned class_of(size_t n, size_t *cap) {
    unsigned k = 0;
    size_t c = REUSE_MIN;
    while (c < n && k + 1 < CLASSES) c <<= 1, k++;
    *cap = c;
    return k;
}

void *reuse_get(size_t n, size_t *cap) {
    unsigned k = class_of(n, cap);
    pthread_mutex_lock(&mu);
    kept *b = lists[k];
    if (b) {
        lists[k] = b->next;
        held -= *cap;
    }
    pthread_mutex_unlock(&mu);
    return b ? (void *)b : xmalloc(*cap);
}

size_t reuse_held(void) {
    pthread_mutex_lock(&mu);
    size_t n = held;
    pthread_mutex_unlock(&mu);
    return n;
}

void reuse_put(void *p, size_t cap) {
    if (!p) return;
    size_t c;
    unsigned k = class_of(cap, &c);
    pthread_mutex_lock(&mu);
    int keep = c == cap && held + cap <= REUSE_KEEP;
    if (keep) {
        kept *b = p;
        b->next = lists[k];
        lists[k] = b;
        held += cap;
    }
    pthread_mutex_unlock(&mu);
    if (!keep) free(p);
}
