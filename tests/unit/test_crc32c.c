/* Unit tests: CRC-32C against its published check value, and the CPU path
 * equal to the table path at every length, alignment and continuation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/crc32c.h"

static void test_check_values(void **st) {
    (void)st;
    assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283u); /* RFC 3720's check value */
    assert_int_equal(crc32c_portable(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(crc32c(0, "", 0), 0);
    uint8_t zeros[32] = {0};
    assert_int_equal(crc32c(0, zeros, 32), 0x8a9136aau); /* RFC 3720 B.4: 32 bytes of zeros */
}

static void test_paths_agree(void **st) {
    (void)st;
    uint8_t buf[300];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n + off <= sizeof buf; n += 7) {
            uint32_t want = crc32c_portable(0, buf + off, n);
            assert_int_equal(crc32c(0, buf + off, n), want);
            size_t half = n / 3; /* continued from a prefix */
            assert_int_equal(crc32c(crc32c(0, buf + off, half), buf + off + half, n - half), want);
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_values),
        cmocka_unit_test(test_paths_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
