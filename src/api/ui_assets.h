/* ui_assets.h — the web UI's files (src/web/ and uPlot from npm), embedded
 * into the binary at build time by scripts/web_embed.py as ui_assets[]:
 * each with its content type, a strong ETag and, when smaller, a gzip copy.
 * The table is generated into the build tree, never committed. */
#ifndef TM_UI_ASSETS_H
#define TM_UI_ASSETS_H
#include <stddef.h>

typedef struct {
    const char *name;  /* base name, as the page asks for it under assets/ */
    const char *ctype;
    const char *etag;  /* quoted */
    const unsigned char *data;
    size_t len;
    const unsigned char *gz; /* NULL when gzip would not be smaller */
    size_t gzlen;
} tm_asset;

extern const tm_asset ui_assets[];
extern const size_t ui_nassets;
#endif
