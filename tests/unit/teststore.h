/* teststore.h — a store for a unit test: in dir (or in memory), with this
 * fsync mode and retention; the test fails when it cannot be opened. */
#ifndef TM_TEST_TESTSTORE_H
#define TM_TEST_TESTSTORE_H
#include "core/store.h"
#include "util/timeparse.h"

static inline tm_store *test_store(const char *dir, int memory, int fsync, const char *retention) {
    tm_store_opts o = {0};
    o.memory = memory;
    o.data_dir = dir;
    o.fsync = fsync;
    o.narch = parse_retention(retention, o.step, o.keep, TM_MAX_ARCHIVES);
    char err[256];
    tm_store *s = store_open(&o, err, sizeof err);
    if (!s) fail_msg("store_open: %s", err);
    return s;
}
#endif
