#include "reuse.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"

/* Under ASan a kept block is poisoned (its link word aside), so a use after
 * reuse_put is still caught as a use after free would be. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TM_ASAN 1
#endif
#ifdef TM_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

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
        UNPOISON((char *)b + sizeof *b, *cap - sizeof *b);
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
        POISON((char *)b + sizeof *b, cap - sizeof *b);
    }
    pthread_mutex_unlock(&mu);
    if (!keep) free(p);
}
