#include "tzone.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define ZONEINFO "/usr/share/zoneinfo"

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static char tz_current[sizeof ((tm_tz *)0)->file + 2]; /* the TZ last set */

/* one path component of dir, matched in any case (an exact match first) */
static int component(char *path, size_t cap, const char *part, size_t n) {
    size_t len = strlen(path);
    if (len + n + 2 > cap) return 0;
    snprintf(path + len, cap - len, "/%.*s", (int)n, part);
    struct stat st;
    if (!stat(path, &st)) return 1;
    path[len] = 0;
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)))
        if (strlen(e->d_name) == n && !strncasecmp(e->d_name, part, n)) {
            snprintf(path + len, cap - len, "/%s", e->d_name);
            found = 1;
        }
    closedir(d);
    return found;
}

static int is_tzif(const char *path) {
    char magic[4];
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t k = fread(magic, 1, 4, f);
    fclose(f);
    return k == 4 && !memcmp(magic, "TZif", 4);
}

int tz_find(const char *name, tm_tz *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "UTC");
    if (!name || !strcasecmp(name, "UTC")) return name != NULL;
    char want[128]; /* pytz's _unmunge_zone: "_plus_" is '+', "_minus_" is '-' */
    size_t k = 0;
    for (const char *p = name; *p && k < sizeof want - 1;) {
        if ((unsigned char)*p >= 0x80 || *p == '\\') return 0;
        if (!strncmp(p, "_plus_", 6)) want[k++] = '+', p += 6;
        else if (!strncmp(p, "_minus_", 7)) want[k++] = '-', p += 7;
        else want[k++] = *p++;
    }
    want[k] = 0;
    char path[sizeof out->file] = ZONEINFO;
    const char *p = want;
    for (int depth = 0; *p; depth++) {
        const char *q = strchr(p, '/');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (!n || (n == 1 && *p == '.') || (n == 2 && !strncmp(p, "..", 2))) return 0;
        if (!depth && ((n == 5 && !strncasecmp(p, "posix", 5)) || (n == 5 && !strncasecmp(p, "right", 5)))) return 0;
        if (!component(path, sizeof path, p, n)) return 0;
        p = q ? q + 1 : p + n;
        if (q && !*p) return 0;
    }
    const char *canon = path + strlen(ZONEINFO) + 1;
    struct stat st;
    if (!*want || stat(path, &st) || !S_ISREG(st.st_mode) || !is_tzif(path)) return 0;
    if (!strcmp(canon, "Factory") || !strcmp(canon, "localtime") || !strcmp(canon, "posixrules")) return 0;
    snprintf(out->file, sizeof out->file, "%s", path);
    snprintf(out->name, sizeof out->name, "%.127s", canon);
    return 1;
}

int32_t tz_offset(const tm_tz *z, int64_t t, int *isdst) {
    if (isdst) *isdst = 0;
    if (!z || !z->file[0]) return 0;
    /* pytz reads the zone file's 32-bit table: after its last change (2037)
     * the offset stays; and it rounds offsets to whole minutes (LMT's) */
    time_t tt = (time_t)(t > INT32_MAX ? INT32_MAX : t);
    struct tm tm;
    pthread_mutex_lock(&tz_lock);
    if (strcmp(tz_current + 1, z->file)) { /* the C library reads the zone from TZ */
        snprintf(tz_current, sizeof tz_current, ":%s", z->file);
        setenv("TZ", tz_current, 1);
        tzset();
    }
    int ok = localtime_r(&tt, &tm) != NULL;
    pthread_mutex_unlock(&tz_lock);
    if (!ok) return 0;
    if (isdst) *isdst = tm.tm_isdst > 0;
    long off = tm.tm_gmtoff + 30;
    return (int32_t)((off >= 0 ? off / 60 : -((-off + 59) / 60)) * 60);
}

static int64_t localize(const tm_tz *z, int64_t wall, int depth) {
    int64_t cand[2];
    size_t nc = 0;
    for (int d = -1; d <= 1; d += 2) { /* the offsets a day either side, as pytz tries them */
        int64_t t = wall - tz_offset(z, wall + d * 86400LL, NULL);
        if (t + tz_offset(z, t, NULL) == wall && !(nc && cand[0] == t)) cand[nc++] = t;
    }
    if (nc == 1) return cand[0];
    if (!nc) /* skipped over: pytz reads it 6 hours earlier and adds them back */
        return depth < 4 ? localize(z, wall - 6 * 3600, depth + 1) + 6 * 3600 : wall - tz_offset(z, wall, NULL);
    int dst0, dst1;
    tz_offset(z, cand[0], &dst0);
    tz_offset(z, cand[1], &dst1);
    if (!dst0 != !dst1) return dst0 ? cand[1] : cand[0];
    return cand[0] > cand[1] ? cand[0] : cand[1]; /* pytz: the later one */
}

int64_t tz_localize(const tm_tz *z, int64_t wall) {
    if (!z || !z->file[0]) return wall;
    return localize(z, wall, 0);
}
