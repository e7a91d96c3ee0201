/* fuzz_alert_rule.c — arbitrary bodies into rule_parse (POST /alerts) and
 * silence_parse (POST /alerts/silences).
 *
 * Invariants: a refused body names a field, and its message begins with
 * that field; an accepted rule's canonical JSON reads back as a rule whose
 * canonical JSON is the same bytes, and evaluating it on any value does not
 * break the state machine (a level it reports is one of the rule's). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert/event.h"
#include "alert/rule.h"
#include "alert/silence.h"
#include "alert/state.h"

static void check_rule(const alert_rule *r) {
    char *j1 = rule_json(r), field[64], err[400];
    alert_rule b;
    if (rule_parse(j1, strlen(j1), 0, &b, field, sizeof field, err, sizeof err)) abort();
    char *j2 = rule_json(&b);
    if (strcmp(j1, j2)) abort();
    free(j1);
    free(j2);
    alert_state st = {0};
    double vals[] = {-1e300, -1, 0, 0.5, 70, 1e300, NAN};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        alert_obs o = {1, vals[i], "open", 4, (int)(i & 1)};
        state_step(&b, &st, &o, (int64_t)i * 1000);
        if (state_visible(&st) >= LVL_N || st.phase > PH_FIRING) abort();
        alert_event e = {&b, "a.b;host=x", 10, st.phase == PH_FIRING, st.level ? st.level : b.level, vals[i],
                         NULL, 0, 0, 0, 0, 0};
        tm_buf out = {0};
        event_json(&out, &e);
        buf_free(&out);
    }
    rule_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char field[64], err[400];
    alert_rule r;
    if (rule_parse((const char *)data, size, 0, &r, field, sizeof field, err, sizeof err)) {
        if (!field[0] || strncmp(err, field, strlen(field))) abort();
    } else {
        check_rule(&r);
        rule_free(&r);
    }
    alert_silence s;
    if (silence_parse((const char *)data, size, 1000, &s, field, sizeof field, err, sizeof err)) {
        if (!field[0] || strncmp(err, field, strlen(field))) abort();
    } else {
        if (s.until <= 1000 || !s.n) abort();
        free(silence_json(&s, 1000));
        silence_free(&s);
    }
    return 0;
}
