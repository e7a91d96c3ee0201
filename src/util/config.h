/* config.h — command-line flags and their JSON config file.
 *
 * Each command declares a table of flags. Values come from the defaults,
 * then a --config FILE (a JSON object keyed by long flag names: strings or
 * numbers, booleans for switches, arrays for repeatable flags), then the
 * command line, each overriding the one before. "--flag value" and
 * "--flag=value" both work; a switch takes true/false (1/0, yes/no, on/off)
 * or nothing; anything not starting with "--" is positional, and so is
 * everything after a lone "--". A word with one dash and a letter
 * ("-memory") is refused: it is a mistyped flag, not a value. */
#ifndef TM_CONFIG_H
#define TM_CONFIG_H
#include <stddef.h>
#include <stdio.h>

enum { FLAG_STR, FLAG_BOOL, FLAG_LIST };

typedef struct {
    const char *name, *def, *help;
    int kind;
} tm_flag;

typedef struct {
    const tm_flag *flags;
    size_t nflags;
    char ***vals;   /* per flag: NULL-terminated values given (NULL: default) */
    char **pos;     /* positional arguments */
    size_t npos;
} tm_config;

/* 0 ok; -1 with a message in err (unknown flag, missing value, bad file). */
int config_parse(tm_config *c, const tm_flag *flags, size_t n, int argc, char **argv, char *err, size_t errlen);
void config_free(tm_config *c);
const char *config_get(const tm_config *c, const char *name); /* last value, else default, else NULL */
int config_bool(const tm_config *c, const char *name);
size_t config_list(const tm_config *c, const char *name, char ***out);
/* --help or -h among the flags (before a lone "--") */
int config_help(int argc, char **argv);
void config_usage(FILE *f, const char *cmd, const char *args, const tm_flag *flags, size_t n);
#endif
