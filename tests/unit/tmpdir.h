/* tmpdir.h — a fresh directory under /tmp for a test group, removed after
 * it: TMPDIR_FIXTURE(prefix) defines `dir`, `setup` and `teardown` for
 * cmocka_run_group_tests. */
#ifndef TM_TEST_TMPDIR_H
#define TM_TEST_TMPDIR_H
#include <stdio.h>
#include <stdlib.h>

#define TMPDIR_FIXTURE(prefix)                                   \
    static char dir[256];                                        \
    static int setup(void **st) {                                \
        (void)st;                                                \
        snprintf(dir, sizeof dir, "/tmp/" prefix "-XXXXXX");     \
        return mkdtemp(dir) ? 0 : -1;                            \
    }                                                            \
    static int teardown(void **st) {                             \
        (void)st;                                                \
        char cmd[300];                                           \
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);             \
        return system(cmd);                                      \
    }
#endif
