#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "../util/buf.h"
#include "../util/spin.h"

typedef struct job {
    struct job *next;
    tm_task fn;
    void *arg;
} job;

struct tm_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head, *tail;
    int stop, n;
    int queued; /* jobs in the list, read without the lock by a worker polling for one */
    pthread_t *thr;
    void *(*init)(void *);
    void (*fini)(void *);
    void *arg;
};

/* After a job, a moment awake before the condition variable (util/spin.h):
 * the next query's first task is often on its way. */
static void poll_for_job(tm_pool *p) {
    int64_t until = mono_ns() + SPIN_NS;
    while (!__atomic_load_n(&p->queued, __ATOMIC_ACQUIRE) && mono_ns() < until) spin_pause();
}

static void *worker(void *arg) {
    tm_pool *p = arg;
    void *ctx = p->init ? p->init(p->arg) : NULL;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (!p->head && !p->stop) {
            pthread_mutex_unlock(&p->mu);
            poll_for_job(p);
            pthread_mutex_lock(&p->mu);
        }
        while (!p->head && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
        job *j = p->head;
        if (!j) break; /* stopping and drained */
        __atomic_sub_fetch(&p->queued, 1, __ATOMIC_RELEASE);
        p->head = j->next;
        if (!p->head) p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        j->fn(ctx, j->arg);
        free(j);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    if (p->fini) p->fini(ctx);
    return NULL;
}

tm_pool *pool_new(int n, void *(*init)(void *arg), void (*fini)(void *ctx), void *arg) {
    tm_pool *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->n = n < 1 ? 1 : n;
    p->init = init;
    p->fini = fini;
    p->arg = arg;
    p->thr = xcalloc((size_t)p->n, sizeof *p->thr);
    for (int i = 0; i < p->n; i++) pthread_create(&p->thr[i], NULL, worker, p);
    return p;
}

void pool_free(tm_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n; i++) pthread_join(p->thr[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->thr);
    free(p);
}

int pool_size(const tm_pool *p) { return p->n; }

void pool_push(tm_pool *p, tm_task fn, void *arg) {
    job *j = xmalloc(sizeof *j);
    *j = (job){NULL, fn, arg};
    pthread_mutex_lock(&p->mu);
    if (p->tail) p->tail->next = j;
    else p->head = j;
    p->tail = j;
    __atomic_add_fetch(&p->queued, 1, __ATOMIC_RELEASE);
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* One pool_each: items are claimed by an atomic counter; the group lives
 * until its last helper lets go (a helper may start after the caller left). */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t n, next, done;
    int refs;
    void (*body)(void *, size_t, void *);
    void *arg;
} group;

static void group_release(group *g) {
    pthread_mutex_lock(&g->mu);
    int last = --g->refs == 0;
    pthread_mutex_unlock(&g->mu);
    if (!last) return;
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}

static void run_items(group *g, void *ctx) {
    for (;;) {
        size_t i = __atomic_fetch_add(&g->next, 1, __ATOMIC_RELAXED);
        if (i >= g->n) break;
        g->body(ctx, i, g->arg);
        /* only the last item wakes the caller: no lock per item */
        if (__atomic_add_fetch(&g->done, 1, __ATOMIC_ACQ_REL) < g->n) continue;
        pthread_mutex_lock(&g->mu);
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
    }
}

static void helper(void *ctx, void *arg) {
    group *g = arg;
    run_items(g, ctx);
    group_release(g);
}

void pool_each(tm_pool *p, void *my_ctx, size_t n, void (*body)(void *ctx, size_t i, void *arg), void *arg) {
    if (!n) return;
    group *g = xcalloc(1, sizeof *g);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->n = n;
    g->body = body;
    g->arg = arg;
    int helpers = p->n - 1 < (int)n - 1 ? p->n - 1 : (int)n - 1;
    g->refs = 1 + helpers;
    for (int i = 0; i < helpers; i++) pool_push(p, helper, g);
    run_items(g, my_ctx);
    pthread_mutex_lock(&g->mu);
    while (__atomic_load_n(&g->done, __ATOMIC_ACQUIRE) < g->n) pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    group_release(g);
}
