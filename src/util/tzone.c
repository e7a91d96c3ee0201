#include "tzone.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define ZONEINFO "/usr/share/zoneinfo"

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

/* the zone file at path into z (files of tzdata are a few KiB) */
static int load_file(const char *path, tm_tz *z) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    static const size_t CAP = 1 << 20;
    uint8_t *buf = malloc(CAP);
    size_t k = buf ? fread(buf, 1, CAP, f) : 0;
    fclose(f);
    int ok = buf && tz_load(buf, k, z);
    free(buf);
    return ok;
}

int tz_find(const char *name, tm_tz *out) {
    out->file[0] = 0, out->n = 0, out->fixed_off = 0;
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
    if (!*want || stat(path, &st) || !S_ISREG(st.st_mode)) return 0;
    if (!strcmp(canon, "Factory") || !strcmp(canon, "localtime") || !strcmp(canon, "posixrules")) return 0;
    if (!load_file(path, out)) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    snprintf(out->file, sizeof out->file, "%s", path);
    snprintf(out->name, sizeof out->name, "%.127s", canon);
    return 1;
}

static int32_t be32(const uint8_t *p) {
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static int32_t to_minute(int64_t s) { /* Python's int((s + 30) // 60) * 60 */
    int64_t x = s + 30;
    return (int32_t)((x >= 0 ? x / 60 : -((-x + 59) / 60)) * 60);
}

/* pytz's dst of change i (offset i is summer time): its offset less the
 * standard one before it, or after it when that makes no sense */
static int32_t dst_of(const int32_t *uo, const uint8_t *isd, const uint8_t *ix, size_t n, size_t i) {
    if (!isd[ix[i]]) return 0;
    size_t j = i;
    while (j > 0 && isd[ix[j - 1]]) j--;
    int64_t d = (int64_t)uo[ix[i]] - uo[ix[j ? j - 1 : 0]];
    if (d <= 0 || d > 3 * 3600)
        for (size_t k = i + 1; k < n; k++)
            if (!isd[ix[k]] && (d = (int64_t)uo[ix[i]] - uo[ix[k]]) > 0) break;
    return to_minute(d);
}

/* a zone abbreviation's length: to its NUL or the table's end */
static size_t name_len(const uint8_t *chars, size_t cc, size_t at) {
    size_t k = at;
    while (k < cc && chars[k]) k++;
    return k > at ? k - at : 0;
}

int tz_load(const uint8_t *p, size_t len, tm_tz *z) {
    z->n = 0, z->fixed_off = 0;
    if (len < 44 || memcmp(p, "TZif", 4)) return 0;
    int32_t cnt[6];
    for (int i = 0; i < 6; i++) cnt[i] = be32(p + 20 + 4 * i);
    int32_t timecnt = cnt[3], typecnt = cnt[4], charcnt = cnt[5];
    if (timecnt < 0 || timecnt > TZ_MAX_CHANGES || typecnt < 1 || typecnt > 256 || charcnt < 0) return 0;
    size_t need = 44 + (size_t)timecnt * 5 + (size_t)typecnt * 6 + (size_t)charcnt;
    if (need > len) return 0;
    const uint8_t *times = p + 44, *idx = times + timecnt * 4, *types = idx + timecnt;
    int32_t uo[256];
    uint8_t isd[256], ix[TZ_MAX_CHANGES + 1], name_at[256];
    for (int32_t i = 0; i < typecnt; i++) {
        uo[i] = be32(types + 6 * i), isd[i] = types[6 * i + 4] != 0, name_at[i] = types[6 * i + 5];
    }
    if (typecnt == 1 || !timecnt) { /* pytz's StaticTzInfo: the first offset, as it is */
        z->fixed_off = uo[0];
        return 1;
    }
    int64_t at[TZ_MAX_CHANGES + 1];
    for (int32_t i = 0; i < timecnt; i++) {
        at[i + 1] = be32(times + 4 * i), ix[i + 1] = idx[i];
        if (idx[i] >= typecnt) return 0;
    }
    int32_t first_std = 0; /* times before the first change: the first standard time */
    while (first_std < typecnt && isd[first_std]) first_std++;
    if (first_std == typecnt) return 0;
    size_t n = (size_t)timecnt + 1, from = 0;
    const uint8_t *chars = types + typecnt * 6;
    size_t la = name_len(chars, (size_t)charcnt, name_at[first_std]), lb = name_len(chars, (size_t)charcnt, name_at[ix[1]]);
    int same = uo[first_std] == uo[ix[1]] && isd[first_std] == isd[ix[1]] && la == lb &&
               !memcmp(chars + name_at[first_std], chars + name_at[ix[1]], la);
    if (same) from = 1; /* the first change becomes the beginning of time */
    else ix[0] = (uint8_t)first_std;
    n -= from;
    for (size_t i = 0; i < n; i++) {
        z->at[i] = i ? at[i + from] : INT64_MIN;
        z->off[i] = to_minute(uo[ix[i + from]]);
        z->dst[i] = dst_of(uo, isd, ix + from, n, i) != 0;
    }
    z->n = n;
    return 1;
}

static size_t change_at(const tm_tz *z, int64_t t) { /* bisect_right - 1 */
    size_t lo = 0, hi = z->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t) lo = mid;
        else hi = mid;
    }
    return lo;
}

int32_t tz_offset(const tm_tz *z, int64_t t, int *isdst) {
    if (isdst) *isdst = 0;
    if (!z || !z->n) return z ? z->fixed_off : 0;
    size_t i = change_at(z, t);
    if (isdst) *isdst = z->dst[i];
    return z->off[i];
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
    if (!z || !z->n) return wall - (z ? z->fixed_off : 0); /* a fixed offset has nothing to pick */
    return localize(z, wall, 0);
}
