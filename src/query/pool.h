/* pool.h — a few worker threads taking tasks from one queue.
 *
 * Each worker owns a context made by init when it starts (the engine's: a
 * store reader) and passes it to every task it runs. pool_each spreads a
 * loop over the workers and the calling worker, which takes its share too,
 * so it never waits for an item nobody has claimed: nesting cannot
 * deadlock even when every worker is inside a pool_each. */
#ifndef TM_POOL_H
#define TM_POOL_H
#include <stddef.h>

typedef struct tm_pool tm_pool;
typedef void (*tm_task)(void *ctx, void *arg);

/* n workers; init(arg) runs on each worker first and returns its context. */
tm_pool *pool_new(int n, void *(*init)(void *arg), void (*fini)(void *ctx), void *arg);
/* Finish queued tasks, stop the workers. */
void pool_free(tm_pool *p);
void pool_push(tm_pool *p, tm_task fn, void *arg);
int pool_size(const tm_pool *p);
/* body(ctx, i, arg) for every i in [0, n); ctx is the running worker's
 * context (the caller's own is my_ctx). Returns once every call returned. */
void pool_each(tm_pool *p, void *my_ctx, size_t n, void (*body)(void *ctx, size_t i, void *arg), void *arg);
#endif
