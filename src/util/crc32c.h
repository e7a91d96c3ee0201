/* crc32c.h — CRC-32C (Castagnoli), the checksum of every write-ahead log
 * record, forward queue record, chunk and rollup block. crc32c(0, p, n) is
 * the CRC of p[0..n); pass a previous result as crc to continue it. Uses the
 * CPU's crc32 instruction where there is one (x86-64 with SSE4.2, checked at
 * run time), else tables; both give the same answer. */
#ifndef TM_CRC32C_H
#define TM_CRC32C_H
#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *p, size_t n);
/* The table path alone, so tests can compare the two. */
uint32_t crc32c_portable(uint32_t crc, const void *p, size_t n);
#endif
