/* gparse.h — Graphite render targets as graphite-web 1.1's grammar reads
 * them: a path expression (globs, {a,b} groups, backslash escapes), a call
 * name(args, kw=args) with numbers (int, float, 1e3), quoted strings,
 * true/false, None and inf as literals, and the pipe form
 * "a.b | sumSeries() | alias('x')" (each call takes the left side as its
 * first argument). Bounded: at most GP_MAX_DEPTH nested calls and
 * GP_MAX_LEN bytes; errors name the offset. */
#ifndef TM_GPARSE_H
#define TM_GPARSE_H
#include <stddef.h>

#define GP_MAX_DEPTH 64
#define GP_MAX_LEN 65536
#define GP_MAX_ARGS 256

enum { GN_PATH, GN_CALL, GN_NUM, GN_STR, GN_BOOL, GN_NONE };

typedef struct gnode {
    int kind;
    char *s;       /* path, function name or string (unescaped) */
    double num;    /* GN_NUM, GN_BOOL (0/1) */
    int is_int;    /* GN_NUM written without a fraction or exponent */
    struct gnode **args;
    char **kw;     /* per arg: its keyword, or NULL for a positional one */
    size_t nargs;
    size_t pos;    /* offset in the target */
    char *raw;     /* GN_CALL: the call's own text (for names such as sumSeries(...)) */
} gnode;

/* NULL with a message in err when the target is not an expression. */
gnode *gparse(const char *target, size_t n, char *err, size_t errlen);
void gnode_free(gnode *g);
#endif
