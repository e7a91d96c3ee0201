/* test_forward_queue.c — the forward queue through its header: order,
 * acknowledged position across a reopen (inside a record too), resending at
 * most the unacknowledged batch, the disk bound dropping the oldest exactly
 * (and half of it telling a sender not to hold),
 * a damaged segment; and the encoders' names and lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward/encode.h"
#include "ingest/promwrite.h"
#include "forward/qrec.h"
#include "forward/queue.h"
#include "forward/target.h"
#include "tmpdir.h"

TMPDIR_FIXTURE("tm-test-fq")

static tm_queue *qopen(uint64_t max) {
    char err[256], d[300];
    snprintf(d, sizeof d, "%s/q", dir);
    tm_queue *q = queue_open(d, max, err, sizeof err);
    if (!q) fail_msg("queue_open: %s", err);
    return q;
}

/* n samples of series "s.<k % nser>" with ts = from + i, one record */
static void put(tm_queue *q, int from, int n, int nser) {
    tm_batch b;
    batch_init(&b);
    char key[64];
    for (int i = 0; i < n; i++) {
        int k = snprintf(key, sizeof key, "series.number.%d;host=h%d", (from + i) % nser, (from + i) % nser);
        batch_add_number(&b, key, (size_t)k, from + i, (from + i) * 0.5);
    }
    uint32_t ids[64];
    assert_true(n <= 64);
    tm_qbody body = {0};
    qbody_clear(&body);
    for (size_t i = 0; i < b.n; i++) {
        ids[i] = 1 + (uint32_t)((from + (int)i) % nser);
        qbody_add(&body, ids[i], &b, &b.s[i]);
    }
    queue_write(q, &b, ids, NULL, b.n, &body);
    buf_free(&body.ent);
    batch_free(&b);
}

static void expect(const tm_batch *b, size_t i, int ts, int nser) {
    char key[64];
    int k = snprintf(key, sizeof key, "series.number.%d;host=h%d", ts % nser, ts % nser);
    assert_int_equal(b->s[i].ts, ts);
    assert_int_equal(b->s[i].line, 1 + ts % nser); /* its series id (put's ids) */
    assert_true(b->s[i].v == ts * 0.5);
    assert_int_equal(b->s[i].key_len, k);
    assert_memory_equal(batch_key(b, &b->s[i]), key, (size_t)k);
}

static void test_order_ack_reopen(void **st) {
    (void)st;
    tm_queue *q = qopen(1 << 20);
    put(q, 0, 5, 3);
    put(q, 5, 5, 3);
    tm_batch b;
    batch_init(&b);
    assert_int_equal(queue_unread(q), 10);
    assert_int_equal(queue_read(q, &b, 7, 0), 7); /* stops inside the second record */
    for (int i = 0; i < 7; i++) expect(&b, (size_t)i, i, 3);
    assert_int_equal(queue_unread(q), 3); /* read, not yet acknowledged: no longer unread */
    queue_ack(q, 6);
    tm_queue_stats s;
    queue_stats(q, &s);
    assert_int_equal(s.samples, 3);
    assert_int_equal(queue_unread(q), 3);
    queue_close(q);

    q = qopen(1 << 20); /* resumes inside the record, with the keys of its segment */
    batch_reset(&b);
    assert_int_equal(queue_read(q, &b, 100, 0), 3);
    for (int i = 0; i < 3; i++) expect(&b, (size_t)i, 7 + i, 3);
    queue_close(q); /* not acknowledged: read again after a restart */

    q = qopen(1 << 20);
    put(q, 10, 4, 3);
    assert_int_equal(queue_unread(q), 7); /* the 3 left in the old segment and the 4 in the new one */
    batch_reset(&b);
    assert_int_equal(queue_read(q, &b, 100, 0), 7);
    for (int i = 0; i < 7; i++) expect(&b, (size_t)i, 7 + i, 3);
    queue_ack(q, 13);
    queue_stats(q, &s);
    assert_int_equal(s.samples, 0);
    assert_int_equal(s.bytes, 0);
    batch_reset(&b);
    assert_int_equal(queue_read(q, &b, 100, 10), 0);
    queue_close(q);
    batch_free(&b);
}

/* a record read a few samples at a time (decoded on from where the last
 * batch stopped), acknowledged inside it, reopened: every sample once, in order */
static void test_record_in_steps(void **st) {
    (void)st;
    tm_queue *q = qopen(1 << 20);
    put(q, 0, 50, 7);
    put(q, 50, 10, 7);
    tm_batch b;
    batch_init(&b);
    int next = 0;
    for (int round = 0; round < 5; round++) {
        batch_reset(&b);
        assert_int_equal(queue_read(q, &b, 7, 0), 7);
        for (size_t i = 0; i < b.n; i++) expect(&b, i, next++, 7);
    }
    queue_ack(q, next - 1);
    queue_close(q);
    q = qopen(1 << 20);
    for (size_t got; (batch_reset(&b), got = queue_read(q, &b, 7, 0));) {
        for (size_t i = 0; i < b.n; i++) expect(&b, i, next++, 7);
        queue_ack(q, next - 1);
    }
    assert_int_equal(next, 60);
    queue_close(q);
    batch_free(&b);

    /* in steps or at once, the same samples; a count the entries do not
     * reach is found at the record's end */
    tm_batch r1, r2;
    batch_init(&r1), batch_init(&r2), batch_init(&b);
    for (int i = 0; i < 9; i++) batch_add_number(&b, "a.b", 3, 100 + i, i);
    tm_qbody body = {0};
    qbody_clear(&body);
    for (size_t i = 0; i < b.n; i++) qbody_add(&body, 3, &b, &b.s[i]);
    tm_buf w = {0};
    qrec_head_put(&w, body.count, body.newest);
    qrec_def(&w, 3, TM_NUMBER, "a.b", 3);
    buf_put(&w, body.ent.p, body.ent.n);
    tm_qdict d = {0};
    assert_int_equal(qrec_decode(&d, w.p, w.n, 2, 5, &r1), 9);
    tm_qrpos at = {0};
    assert_int_equal(qrec_decode_step(&d, w.p, w.n, &at, 2, NULL), 9);
    for (int k = 0; k < 5; k++) assert_int_equal(qrec_decode_step(&d, w.p, w.n, &at, 1, &r2), 9);
    assert_int_equal(r1.n, 5);
    assert_int_equal(r2.n, 5);
    for (size_t i = 0; i < 5; i++) assert_true(r1.s[i].ts == r2.s[i].ts && r2.s[i].ts == 102 + (int)i);
    assert_int_equal(qrec_decode_step(&d, w.p, w.n, &at, 100, &r2), 9);
    assert_int_equal(at.pos, w.n);
    uint32_t more = 10;
    memcpy(w.p, &more, 4);
    at = (tm_qrpos){0};
    assert_int_equal(qrec_decode_step(&d, w.p, w.n, &at, 4, NULL), 10);
    assert_int_equal(qrec_decode_step(&d, w.p, w.n, &at, 100, NULL), -1);
    assert_int_equal(qrec_decode(&d, w.p, w.n, 0, 1, NULL), -1);
    qdict_free(&d);
    buf_free(&w);
    buf_free(&body.ent);
    batch_free(&b), batch_free(&r1), batch_free(&r2);
}

static void test_bound_drops_oldest(void **st) {
    (void)st;
    tm_queue *q = qopen(64 << 10);
    int total = 0;
    for (int r = 0; r < 400; r++, total += 50) put(q, total, 50, 500);
    tm_queue_stats s;
    queue_stats(q, &s);
    assert_true(s.dropped > 0);
    assert_true(s.bytes <= (64 << 10) + (64 << 10));
    assert_int_equal(s.appended, (uint64_t)total);
    assert_int_equal(s.samples + s.dropped, (uint64_t)total);
    tm_batch b;
    batch_init(&b);
    size_t got = 0, n;
    int64_t last = -1;
    while ((n = queue_read(q, &b, 1000, 0)) > 0) {
        assert_true(b.s[0].ts > last);
        for (size_t i = 1; i < b.n; i++) assert_int_equal(b.s[i].ts, b.s[i - 1].ts + 1); /* nothing lost in between */
        if (!got) assert_int_equal(b.s[0].ts, (int64_t)s.dropped); /* exactly the oldest went */
        last = b.s[b.n - 1].ts;
        got += n;
        queue_ack(q, last);
        batch_reset(&b);
    }
    assert_int_equal(got, s.samples);
    assert_int_equal(last, total - 1);
    batch_free(&b);
    queue_close(q);
}

/* A batch's body at once (the ingest path) is byte for byte the body of its
 * samples one by one: numbers, locations, strings, ids 0 left out. */
static void test_body_at_once(void **st) {
    (void)st;
    tm_batch b;
    batch_init(&b);
    uint32_t ids[300];
    for (int i = 0; i < 300; i++) {
        char key[32];
        int k = snprintf(key, sizeof key, "s.%d", i % 7);
        int64_t ts = 1700000000000LL + (i % 5 == 0 ? -i : i) * 1000LL; /* times that go back, too */
        if (i % 3 == 0) batch_add_number(&b, key, (size_t)k, ts, i * 0.25);
        else if (i % 3 == 1) batch_add_location(&b, key, (size_t)k, ts, 52.5, 13.25 + i);
        else batch_add_string(&b, key, (size_t)k, ts, "a string value", (size_t)(i % 15));
        ids[i] = i % 11 == 0 ? 0 : 1 + (uint32_t)(i % 7) * 100000u; /* some ids take 3 varint bytes */
    }
    tm_qbody one = {0}, all = {0};
    for (int round = 0; round < 2; round++) { /* the second goes on from the first's last time */
        if (!round) qbody_clear(&one), qbody_clear(&all);
        for (size_t i = 0; i < b.n; i++)
            if (ids[i]) qbody_add(&one, ids[i], &b, &b.s[i]);
        qbody_add_all(&all, &b, ids);
        assert_int_equal(all.count, one.count);
        assert_int_equal(all.newest, one.newest);
        assert_int_equal(all.last, one.last);
        assert_int_equal(all.ent.n, one.ent.n);
        assert_memory_equal(all.ent.p, one.ent.p, one.ent.n);
    }
    buf_free(&one.ent);
    buf_free(&all.ent);
    batch_free(&b);
}

/* Half the bound: what tells a sender to stop holding (yield.h); acked and
 * dropped segments no longer count. */
static void test_half_full(void **st) {
    (void)st;
    tm_queue *q = qopen(1 << 20);
    int total = 0;
    while (!queue_half_full(q)) {
        put(q, total, 50, 500);
        total += 50;
        assert_true(total < 100000);
    }
    tm_queue_stats s;
    queue_stats(q, &s);
    assert_true(s.bytes >= (1 << 19) && s.bytes < (1 << 19) + 4096);
    tm_batch b;
    batch_init(&b);
    while (queue_read(q, &b, 1000, 0) > 0) {
        queue_ack(q, b.s[b.n - 1].ts);
        batch_reset(&b);
    }
    assert_false(queue_half_full(q));
    batch_free(&b);
    queue_close(q);
}

/* Times go as differences ('n'); records written before, with the times
 * themselves ('N'), still read. */
static void test_record_times(void **st) {
    (void)st;
    tm_batch b, r;
    batch_init(&b);
    batch_init(&r);
    batch_add_number(&b, "a", 1, 1700000000000, 1);
    batch_add_number(&b, "a", 1, 1699999999000, 2); /* older: a negative difference */
    batch_add_number(&b, "a", 1, INT64_MAX, 3);     /* and one that wraps */
    batch_add_number(&b, "a", 1, -5, 4);
    tm_qbody body = {0};
    qbody_clear(&body);
    for (size_t i = 0; i < b.n; i++) qbody_add(&body, 7, &b, &b.s[i]);
    tm_buf w = {0};
    qrec_head_put(&w, body.count, body.newest);
    qrec_def(&w, 7, TM_NUMBER, "a", 1);
    buf_put(&w, body.ent.p, body.ent.n);
    uint8_t old[] = {'N', 7, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}; /* ts 64, value 1.0 */
    buf_put(&w, old, sizeof old);
    uint32_t n = body.count + 1;
    memcpy(w.p, &n, 4);
    tm_qdict d = {0};
    assert_int_equal(qrec_decode(&d, w.p, w.n, 0, 100, &r), 5);
    for (size_t i = 0; i < b.n; i++) assert_true(r.s[i].ts == b.s[i].ts && r.s[i].v == b.s[i].v);
    assert_true(r.s[4].ts == 64 && r.s[4].v == 1.0);
    qbody_clear(&body); /* a sample at the time of the one before: 11 bytes */
    qbody_add(&body, 7, &b, &b.s[0]);
    qbody_add(&body, 7, &b, &b.s[0]);
    assert_int_equal(body.ent.n, 16 + 11);
    qdict_free(&d);
    buf_free(&w);
    buf_free(&body.ent);
    batch_free(&b);
    batch_free(&r);
}

/* A batch being filled ends where the bound cut unread samples away, so a
 * batch is always contiguous; the next one goes on past the cut. */
static void test_batch_stops_at_cut(void **st) {
    (void)st;
    tm_queue *q = qopen(64 << 10);
    put(q, 0, 50, 500);
    tm_batch b;
    batch_init(&b);
    assert_int_equal(queue_read(q, &b, 30, 0), 30);
    int total = 50;
    for (int r = 0; r < 400; r++, total += 50) put(q, total, 50, 500); /* drops the first segments */
    tm_queue_stats s;
    queue_stats(q, &s);
    assert_true(s.dropped > 0);
    assert_int_equal(queue_read(q, &b, 1000, 0), 0); /* not a sample across the cut */
    assert_int_equal(b.n, 30);
    for (size_t i = 0; i < b.n; i++) assert_int_equal(b.s[i].ts, (int64_t)i);
    queue_ack(q, b.s[b.n - 1].ts);
    batch_reset(&b);
    assert_true(queue_read(q, &b, 1000, 0) > 0);
    assert_int_equal(b.s[0].ts, (int64_t)(s.dropped + 30)); /* right after what was dropped */
    for (size_t i = 1; i < b.n; i++) assert_int_equal(b.s[i].ts, b.s[i - 1].ts + 1);
    batch_free(&b);
    queue_close(q);
}

static void test_damaged_segment(void **st) {
    (void)st;
    tm_queue *q = qopen(1 << 20);
    put(q, 0, 5, 2);
    put(q, 5, 5, 2);
    queue_close(q);
    char p[400];
    snprintf(p, sizeof p, "%s/q/q-00000001.seg", dir);
    int fd = open(p, O_RDWR);
    assert_true(fd >= 0);
    off_t end = lseek(fd, 0, SEEK_END);
    assert_int_equal(pwrite(fd, "\xff", 1, end - 3), 1); /* the second record's payload */
    close(fd);
    q = qopen(1 << 20);
    tm_batch b;
    batch_init(&b);
    assert_int_equal(queue_read(q, &b, 100, 0), 5);
    tm_queue_stats s;
    queue_stats(q, &s);
    assert_int_equal(s.corrupt, 1);
    batch_free(&b);
    queue_close(q);
}

/* A torn cursor write leaves the position before it: resent, never lost. */
static void test_torn_cursor(void **st) {
    (void)st;
    tm_queue *q = qopen(1 << 20);
    put(q, 0, 10, 2);
    tm_batch b;
    batch_init(&b);
    assert_int_equal(queue_read(q, &b, 3, 0), 3);
    queue_ack(q, 2);
    batch_reset(&b);
    assert_int_equal(queue_read(q, &b, 3, 0), 3);
    queue_ack(q, 5); /* the second save: slot 0 */
    queue_close(q);
    char p[400];
    snprintf(p, sizeof p, "%s/q/cursor", dir);
    int fd = open(p, O_RDWR);
    assert_int_equal(pwrite(fd, "X", 1, 10), 1);
    close(fd);
    q = qopen(1 << 20);
    batch_reset(&b);
    assert_int_equal(queue_read(q, &b, 100, 0), 7);
    expect(&b, 0, 3, 2);
    batch_free(&b);
    queue_close(q);
}

/* What enc_prom writes, read back by the remote write parser of ingest. */
static void test_prom_roundtrip(void **st) {
    (void)st;
    tm_batch b, r;
    tm_buf o = {0};
    batch_init(&b);
    batch_init(&r);
    batch_add_number(&b, "host1.cpu;dc=eu;zone.a=1", 24, 1000, 1.5);
    batch_add_number(&b, "other;a.b=1;a_b=2", 17, 1000, 7);
    batch_add_number(&b, "host1.cpu;dc=eu;zone.a=1", 24, 2000, 2.5);
    batch_add_string(&b, "log.msg", 7, 1000, "x", 1);
    tm_prom_enc *pe = prom_enc_new();
    assert_int_equal(enc_prom(pe, &b, &o), 3);
    assert_int_equal(promwrite_parse(o.p, o.n, &r, NULL), 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.nerr, 0);
    const char *k0 = "host1_cpu;dc=eu;zone_a=1";
    assert_int_equal(r.s[0].key_len, strlen(k0));
    assert_memory_equal(batch_key(&r, &r.s[0]), k0, strlen(k0));
    assert_true(r.s[0].ts == 1000 && r.s[0].v == 1.5 && r.s[1].ts == 2000 && r.s[1].v == 2.5);
    assert_int_equal(r.s[2].key_len, strlen("other;a_b=1")); /* one of the two made-equal names */
    /* the same encoder batch after batch: labels from its cache, the cache
     * growing past its first size, every series' samples grouped in order */
    for (int round = 0; round < 2; round++) {
        batch_reset(&b);
        batch_reset(&r);
        char key[64];
        for (int p = 0; p < 2; p++)
            for (int i = 0; i < 5000; i++) {
                int k = snprintf(key, sizeof key, "h%d.cpu;Az=%d;dc=eu", i, i % 7);
                b.line = (size_t)i + 1; /* its series id, as the queue reader sets it */
                batch_add_number(&b, key, (size_t)k, 1000 * (round * 2 + p), i + p * 0.5);
            }
        assert_int_equal(enc_prom(pe, &b, &o), 10000);
        assert_int_equal(promwrite_parse(o.p, o.n, &r, NULL), 0);
        assert_int_equal(r.n, 10000);
        for (int i = 0; i < 5000; i += 997)
            for (int p = 0; p < 2; p++) {
                const tm_sample *x = &r.s[2 * i + p];
                int k = snprintf(key, sizeof key, "h%d_cpu;Az=%d;dc=eu", i, i % 7);
                assert_int_equal(x->key_len, k);
                assert_memory_equal(batch_key(&r, x), key, (size_t)k);
                assert_true(x->ts == 1000 * (round * 2 + p) && x->v == i + p * 0.5);
            }
    }
    /* an id only says where to look: one id for two keys (a damaged queue)
     * still sends each key's own labels, h1's samples in one series */
    batch_reset(&b);
    b.line = 2; /* h1's id above */
    batch_add_number(&b, "h1.cpu;Az=1;dc=eu", 17, 9000, 1);
    batch_add_number(&b, "x.y", 3, 9000, 2);
    batch_add_number(&b, "h1.cpu;Az=1;dc=eu", 17, 9001, 3);
    assert_int_equal(enc_prom(pe, &b, &o), 3);
    batch_reset(&r);
    assert_int_equal(promwrite_parse(o.p, o.n, &r, NULL), 0);
    assert_int_equal(r.n, 3);
    assert_memory_equal(batch_key(&r, &r.s[0]), "h1_cpu;Az=1;dc=eu", 17);
    assert_memory_equal(batch_key(&r, &r.s[1]), "h1_cpu;Az=1;dc=eu", 17);
    assert_true(r.s[0].ts == 9000 && r.s[1].ts == 9001 && r.s[1].v == 3);
    assert_int_equal(r.s[2].key_len, 3);
    assert_memory_equal(batch_key(&r, &r.s[2]), "x_y", 3);
    prom_enc_free(pe);
    batch_free(&b);
    batch_free(&r);
    buf_free(&o);
}

static void test_encoders(void **st) {
    (void)st;
    tm_batch b;
    tm_buf o = {0};
    batch_init(&b);
    batch_add_number(&b, "host1.cpu;dc=eu", 15, 1700000000123, 21.5);
    batch_add_string(&b, "app.deploy", 10, 1700000000000, "v1 \"x\"", 6);
    assert_int_equal(enc_graphite(&b, &o), 1);
    assert_memory_equal(o.p, "host1.cpu;dc=eu 21.5 1700000000\n", o.n);
    assert_int_equal(enc_influx(&b, &o), 2);
    buf_putc(&o, 0);
    assert_string_equal((char *)o.p, "host1,dc=eu cpu=21.5 1700000000123\napp deploy=\"v1 \\\"x\\\"\" 1700000000000\n");
    o.n = 0;
    prom_safe(&o, "1host-1.cpu:x", 13, 1);
    assert_memory_equal(o.p, "_1host_1_cpu:x", o.n);
    tm_prom_enc *pe = prom_enc_new();
    assert_true(enc_prom(pe, &b, &o) == 1 && o.n > 10);
    prom_enc_free(pe);
    tm_target_spec t;
    char err[256];
    assert_int_equal(target_parse(FWD_INFLUX, "http://u:p@h:8086/write?db=x match=host*.cpu tag=dc:e?", &t, err, sizeof err), 0);
    assert_string_equal(t.url, "http://u:p@h:8086/write?db=x&precision=ms");
    assert_string_equal(t.label, "http://u@h:8086/write?db=x&precision=ms");
    assert_true(target_wants(&t, "host1.cpu;dc=eu", 15, TM_NUMBER));
    assert_false(target_wants(&t, "host1.cpu;dc=us", 15, TM_NUMBER));
    assert_false(target_wants(&t, "web.cpu;dc=eu", 13, TM_NUMBER));
    /* tag values go out as they were sent (in the key they are escaped) */
    char key[64];
    tm_tag tv = {"path", 4, "/a b;c", 6};
    int kl = key_canon("m.x", 3, &tv, 1, key, sizeof key, NULL);
    assert_true(kl > 0);
    assert_true(target_wants(&t, key, (size_t)kl, TM_NUMBER) == 0);
    batch_reset(&b);
    batch_add_number(&b, key, (size_t)kl, 1700000000000, 1);
    assert_int_equal(enc_influx(&b, &o), 1);
    buf_putc(&o, 0);
    assert_string_equal((char *)o.p, "m,path=/a\\ b;c x=1 1700000000000\n");
    assert_int_equal(enc_graphite(&b, &o), 1);
    buf_putc(&o, 0);
    assert_string_equal((char *)o.p, "m.x;path=/a_b_c 1 1700000000\n"); /* what a Graphite line can carry */
    target_free(&t);
    assert_int_equal(target_parse(FWD_INFLUX, "http://h:8086/write?db=x tag=path:/a?b;c", &t, err, sizeof err), 0);
    assert_true(target_wants(&t, key, (size_t)kl, TM_NUMBER));
    target_free(&t);
    assert_int_equal(target_parse(FWD_PROM, "http://h/api/v1/write nope=1", &t, err, sizeof err), -1);
    target_free(&t);
    batch_free(&b);
    buf_free(&o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_ack_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_in_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_drops_oldest, setup, teardown),
        cmocka_unit_test(test_record_times),
        cmocka_unit_test_setup_teardown(test_batch_stops_at_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_full, setup, teardown),
        cmocka_unit_test(test_body_at_once),
        cmocka_unit_test_setup_teardown(test_damaged_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_cursor, setup, teardown),
        cmocka_unit_test(test_prom_roundtrip),
        cmocka_unit_test(test_encoders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
