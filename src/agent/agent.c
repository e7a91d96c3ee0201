/* agent.c — the agent's plugins, its push loop and --once. */
#include "agent.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/buf.h"
#include "../util/jsonw.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "send.h"

static volatile int stop_flag;
static void on_stop(int sig) {
    (void)sig;
    stop_flag = 1;
}

int plugins_start(agent_plugins *ap, const agent_opts *o, char *err, size_t errlen) {
    memset(ap, 0, sizeof *ap);
    batch_init(&ap->batch);
    pthread_mutex_init(&ap->mu, NULL);
    tm_emit out = {&ap->batch, &ap->mu, o->env.host, 0};
    char *list = xstrndup(o->plugins, strlen(o->plugins));
    int rc = 0;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        if (!*tok) continue;
        tm_plugin *p = plugin_new(tok, &o->env, &out, err, errlen);
        if (!p) {
            rc = -1;
            break;
        }
        ap->p = xrealloc(ap->p, (ap->n + 1) * sizeof *ap->p);
        ap->p[ap->n++] = p;
    }
    free(list);
    if (!rc && !ap->n) snprintf(err, errlen, "--plugins names none (plugins: %s)", plugin_names), rc = -1;
    if (rc) plugins_stop(ap);
    return rc;
}

void plugins_stop_threads(agent_plugins *ap) {
    for (size_t i = 0; i < ap->n; i++)
        if (ap->p[i] && !ap->p[i]->collect) plugin_free(ap->p[i]), ap->p[i] = NULL;
}

void plugins_stop(agent_plugins *ap) {
    for (size_t i = 0; i < ap->n; i++) plugin_free(ap->p[i]);
    free(ap->p);
    ap->p = NULL;
    ap->n = 0;
    batch_free(&ap->batch);
    pthread_mutex_destroy(&ap->mu);
}

int64_t plugins_collect(agent_plugins *ap, const agent_env *env, int64_t now, int force) {
    int64_t next = now + 60000;
    for (size_t i = 0; i < ap->n; i++) {
        tm_plugin *p = ap->p[i];
        if (!p || !p->collect) continue; /* runs on its own thread */
        if (force || now >= p->due_ms) {
            p->e.ts = now;
            p->collect(p, env); /* a failure is logged by the plugin; it is tried again next time */
            /* stay on the interval's grid, but never run twice to catch up */
            p->due_ms = p->due_ms && now - p->due_ms < p->every_ms ? p->due_ms + p->every_ms : now + p->every_ms;
        }
        if (p->due_ms < next) next = p->due_ms;
    }
    return next;
}

void plugins_take(agent_plugins *ap, tm_batch *out) {
    batch_reset(out);
    pthread_mutex_lock(&ap->mu);
    tm_batch t = *out;
    *out = ap->batch;
    ap->batch = t;
    pthread_mutex_unlock(&ap->mu);
}

static void sleep_until(int64_t t) {
    int64_t d = t - now_ms();
    if (d <= 0) return;
    if (d > 200) d = 200; /* wake often enough to notice a signal promptly */
    struct timespec ts = {(time_t)(d / 1000), (long)(d % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Print the batch as "key value" lines, one per series (its last value),
 * numbers in their shortest exact form. */
static void print_once(const tm_batch *b) {
    tm_buf num = {0};
    for (size_t i = 0; i < b->n; i++) {
        const tm_sample *x = &b->s[i];
        int later = 0;
        for (size_t j = i + 1; j < b->n && !later; j++)
            later = b->s[j].key_len == x->key_len && !memcmp(batch_key(b, &b->s[j]), batch_key(b, x), x->key_len);
        if (later) continue;
        if (x->type == TM_STRING) printf("%.*s %.*s\n", (int)x->key_len, batch_key(b, x), (int)x->str_len, batch_str(b, x));
        else if (x->type == TM_LOCATION) printf("%.*s %.6f,%.6f\n", (int)x->key_len, batch_key(b, x), x->v, x->v2);
        else {
            num.n = 0;
            json_put_number(&num, x->v);
            printf("%.*s %.*s\n", (int)x->key_len, batch_key(b, x), (int)num.n, (const char *)num.p);
        }
    }
    buf_free(&num);
}

/* Two rounds a second apart (rates need two readings), then print. */
static int run_once(agent_plugins *ap, const agent_opts *o) {
    plugins_collect(ap, &o->env, now_ms(), 1);
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL);
    plugins_collect(ap, &o->env, now_ms(), 1);
    tm_batch b;
    batch_init(&b);
    plugins_take(ap, &b);
    print_once(&b);
    batch_free(&b);
    return 0;
}

/* Send the batch (or spool it); an empty one only drains the spool. */
static void flush(tm_sender *s, agent_plugins *ap, tm_batch *b, tm_buf *body, int64_t now) {
    plugins_take(ap, b);
    if (!b->n) {
        sender_drain(s, now, 1000);
        return;
    }
    body->n = 0;
    batch_json(b, body);
    sender_deliver(s, body->p, body->n, now, 1000);
}

static int run_push(agent_plugins *ap, const agent_opts *o) {
    char err[512];
    tm_spool *sp = spool_open(o->spool_dir, o->spool_max, err, sizeof err);
    if (!sp) {
        fprintf(stderr, "tidemark agent: %s\n", err);
        return 1;
    }
    tm_sender s;
    if (sender_init(&s, o->server, o->token, sp, err, sizeof err)) {
        fprintf(stderr, "tidemark agent: %s\n", err);
        spool_close(sp);
        return 2;
    }
    int64_t every = o->env.interval_ms;
    for (size_t i = 0; i < ap->n; i++)
        if (ap->p[i]->every_ms < every) every = ap->p[i]->every_ms < 1000 ? 1000 : ap->p[i]->every_ms;
    log_info("agent: %zu plugin(s), sending to %s every %lld ms as host %s", ap->n, o->server, (long long)every,
             o->env.host);
    tm_batch b;
    batch_init(&b);
    tm_buf body = {0};
    int64_t next_send = now_ms() + every;
    while (!stop_flag) {
        int64_t now = now_ms();
        int64_t due = plugins_collect(ap, &o->env, now, 0);
        if (now >= next_send) {
            flush(&s, ap, &b, &body, now);
            next_send = next_send + every > now ? next_send + every : now + every;
        }
        sleep_until(due < next_send ? due : next_send);
    }
    plugins_stop_threads(ap); /* so nothing is emitted after the last send */
    flush(&s, ap, &b, &body, now_ms()); /* what was collected since the last send */
    log_info("agent: stopping (%llu batch(es) sent, %llu spooled, %llu bytes still in the spool)",
             (unsigned long long)s.sent, (unsigned long long)s.spooled, (unsigned long long)spool_bytes(sp));
    batch_free(&b);
    buf_free(&body);
    sender_free(&s);
    spool_close(sp);
    return 0;
}

int agent_run(const agent_opts *o) {
    agent_plugins ap;
    char err[512];
    if (plugins_start(&ap, o, err, sizeof err)) {
        fprintf(stderr, "tidemark agent: %s\n", err);
        return 2;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = o->once ? run_once(&ap, o) : o->relay ? agent_relay(o, &ap, &stop_flag) : run_push(&ap, o);
    plugins_stop(&ap);
    return rc;
}
