/* fuzz_flags.c — the command line (util/config.h), retention specs with
 * their reasons, sizes, and numbers printed for people.
 *
 * The input is split at newlines into at most 24 words, parsed as a
 * command line against a table of every flag kind (no --config: the fuzzer
 * must not open files it names). Invariants: an accepted line leaves only
 * words that are not flags as positionals, and a switch reads as 0 or 1;
 * a refused one says why. Each word is also a retention spec (accepted:
 * well-ordered; refused: a reason naming the archive), a size, and a number
 * that human_number prints so that strtod reads it back, exactly when the
 * value's shortest form has 10 significant digits or fewer. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"
#include "util/humannum.h"
#include "util/sizeparse.h"
#include "util/timeparse.h"

static const tm_flag FLAGS[] = {
    {"data-dir", "./d", "a string", FLAG_STR},
    {"memory", "false", "a switch", FLAG_BOOL},
    {"tag", NULL, "repeatable", FLAG_LIST},
    {"retention", "10s:7d", "a spec", FLAG_STR},
};

static void check_word(const char *w) {
    int64_t step[8], keep[8];
    char why[256] = "";
    size_t k = parse_retention_why(w, step, keep, 8, why, sizeof why);
    if (!k && strncmp(why, "archive ", 8) && strncmp(why, "more than", 9)) abort();
    for (size_t i = 1; i < k; i++)
        if (step[i] <= step[i - 1] || step[i] % step[i - 1] || keep[i] <= keep[i - 1]) abort();
    uint64_t bytes;
    parse_size(w, &bytes);
    char *end;
    double v = strtod(w, &end);
    char out[64];
    human_number(v, out, sizeof out);
    if (!memchr(out, 0, sizeof out)) abort();
    if (isfinite(v) && strtod(out, NULL) != v) {
        char shortest[64];
        snprintf(shortest, sizeof shortest, "%.10g", v);
        if (strtod(shortest, NULL) == v && fabs(v) >= 1e-6 && fabs(v) < 1e15) abort(); /* a written value: exact */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *buf = malloc(size + 1), *argv[25];
    memcpy(buf, data, size);
    buf[size] = 0;
    int argc = 0;
    for (char *p = buf; argc < 24;) {
        argv[argc++] = p;
        char *nl = strchr(p, '\n');
        if (!nl) break;
        *nl = 0;
        p = nl + 1;
    }
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], "--config", 8)) argv[i][2] = 'x'; /* never a file */
    tm_config c;
    char err[512];
    if (!config_parse(&c, FLAGS, sizeof FLAGS / sizeof *FLAGS, argc, argv, err, sizeof err)) {
        int ended = 0; /* after a lone "--" a positional may look like a flag */
        for (int i = 0; i < argc; i++) ended |= !strcmp(argv[i], "--");
        for (size_t i = 0; i < c.npos && !ended; i++)
            if (!strncmp(c.pos[i], "--", 2)) abort();
        int b = config_bool(&c, "memory");
        if (b != 0 && b != 1) abort();
        char **l;
        config_list(&c, "tag", &l);
        if (!config_get(&c, "data-dir")) abort();
    } else if (!memchr(err, 0, sizeof err) || !*err) {
        abort();
    }
    config_free(&c);
    for (int i = 0; i < argc; i++) check_word(argv[i]);
    free(buf);
    return 0;
}
