/* state.h — one series' alert state and the machine that moves it:
 * ok → pending (the condition holds, "for" not yet served) → firing → ok.
 *
 * Pure: given the rule, the state and what this evaluation saw, state_step
 * moves the state; no I/O, no clock of its own, so it is tested on values.
 * Escalating levels: a firing alert moves to the highest level whose
 * threshold is crossed. Hysteresis: once at a level, it stays there until
 * the value comes back past that level's recover threshold (when it has
 * one). keep_firing_for: a firing alert stays firing that long after the
 * condition last held. A window without samples changes nothing (a sender
 * slower than the window must not flap); silence is what nodata is for. */
#ifndef TM_ALERT_STATE_H
#define TM_ALERT_STATE_H
#include <stdint.h>

#include "rule.h"

enum { PH_OK, PH_PENDING, PH_FIRING };
extern const char *const phase_names[3]; /* "ok", "pending", "firing" */

typedef struct {
    uint8_t phase;
    uint8_t level;    /* firing (or pending) at this level; LVL_NONE when ok */
    uint8_t notified; /* the level last notified (LVL_NONE: ok, or never) */
    int64_t since;         /* when the phase or level last changed */
    int64_t pending_since; /* when the condition began to hold */
    int64_t last_true;     /* last evaluation at which it held */
    int64_t active_at;     /* when it began firing */
    double value;          /* the last value seen (NaN: none) */
} alert_state;

typedef struct {
    int has;           /* a value was computed this round */
    double v;          /* number rules */
    const char *s;     /* string rules: the last string (NULL: none) */
    unsigned long slen;
    int nodata;        /* the series has been silent for the rule's nodata */
} alert_obs;

/* The level this observation calls for, with hysteresis from cur. */
int state_level(const alert_rule *r, const alert_obs *o, int cur);
/* One evaluation at now. Returns 1 when the visible state changed: firing
 * began, ended, or changed level (pending comes and goes silently). */
int state_step(const alert_rule *r, alert_state *st, const alert_obs *o, int64_t now);
/* Is it firing, and at which level; what a notification would say now. */
static inline int state_visible(const alert_state *st) { return st->phase == PH_FIRING ? st->level : LVL_NONE; }
#endif
