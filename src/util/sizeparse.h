/* sizeparse.h — byte sizes as users write them in flags: "100MiB", "1GiB",
 * "512KiB", "64k", "10MB", "2G", or a bare number of bytes. K/M/G/T (with
 * or without "iB" or "B", any case) are powers of 1024, as for --wal-max:
 * nobody sizing a disk queue means 10^6 by "MB". Fractions are allowed
 * ("1.5GiB"). */
#ifndef TM_SIZEPARSE_H
#define TM_SIZEPARSE_H
#include <stdint.h>

/* 1 ok; 0 for anything else (empty, negative, an unknown unit, overflow). */
int parse_size(const char *s, uint64_t *bytes);
#endif
