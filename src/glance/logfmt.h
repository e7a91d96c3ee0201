/* logfmt.h — access-log lines into records (pure: no files, no clock).
 *
 * A format is compiled once from its name or its text:
 *   "common", "combined"  Apache/nginx CLF and Combined (either reads both:
 *                         what follows the byte count is ignored)
 *   "json"                one JSON object a line: Caddy's (ts, request.
 *                         {remote_ip,method,uri,host}, status, size,
 *                         duration s) and Traefik's (StartUTC, ClientHost,
 *                         RequestMethod, RequestPath, DownstreamStatus,
 *                         DownstreamContentSize, Duration ns) field names
 *   "auto"                json for a line that starts with '{', else common
 *   any other text        an nginx log_format ($remote_addr, $remote_user,
 *                         $time_local, $time_iso8601, $msec, $request,
 *                         $request_method, $request_uri, $uri, $status,
 *                         $body_bytes_sent, $bytes_sent, $request_time,
 *                         $upstream_response_time, $host; any other $name
 *                         is read and ignored) or Apache LogFormat (%h %l
 *                         %u %t %r %m %U %>s %s %b %B %D %T %{...}i)
 * A field runs up to the literal text that follows it in the format (the
 * last one up to a blank or the end of the line). A line that does not fit
 * is refused with 0, never half read. */
#ifndef TM_LOGFMT_H
#define TM_LOGFMT_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t ts_ms;         /* the request's time; INT64_MIN when the format has none */
    const char *host;      /* client address (points into the line, or the format's scratch for JSON) */
    const char *method;
    const char *path;      /* without the query string */
    size_t host_len, method_len, path_len;
    int status;            /* 0 when absent */
    int64_t bytes;         /* -1 when absent or "-" */
    double latency_ms;     /* NaN when the format has none */
} log_rec;

typedef struct log_format log_format;

/* NULL with a reason in err for a format that cannot be read (an unknown
 * %directive, two fields with no text between them...). */
log_format *logfmt_compile(const char *spec, char *err, size_t errlen);
void logfmt_free(log_format *f);
/* 1 and *r filled, or 0 when the line is malformed. The line has no '\n'
 * (a trailing '\r' is ignored). Strings in r stay valid until the next
 * call with the same format. */
int logfmt_parse(log_format *f, const char *line, size_t n, log_rec *r);

/* The section of a path: "/pages" of "/pages/create?x=1", "/" of "/". */
size_t log_section(const char *path, size_t n);

/* The second a time in ms falls in (rounding down, before 1970 too). */
static inline int64_t log_second(int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

/* "10/Oct/2000:13:55:36 -0700" into ms since the epoch; 1, or 0 when malformed. */
int parse_clf_time(const char *p, size_t n, int64_t *ms);
#endif
