/* Unit tests: the PromQL parser. The table holds queries with the tree they
 * parse to (pq_format's text, every binary expression parenthesised) or the
 * error; each error and each accept/reject was checked against Prometheus
 * 2.42's own answer to the same query (its /api/v1/query). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "query/promql.h"

static const struct {
    const char *q, *tree, *err;
} cases[] = {
    {"foo{a=\"b\"} offset 5m @ 100", "foo{a=\"b\"} offset 5m @ 100.000", NULL},
    {"sum(rate(foo[5m])) by (job) > 0.5", "(sum by(job)(rate(foo[5m])) > 0.5)", NULL},
    {"a + b * c ^ d ^ e - f", "((a + (b * (c ^ (d ^ e)))) - f)", NULL},
    {"a or b and c", "(a or (b and c))", NULL},
    {"-2 ^ 2", "-(2 ^ 2)", NULL},
    {"--1", "1", NULL},
    {"+foo", "foo", NULL},
    {"foo unless bar", "(foo unless bar)", NULL},
    {"1 atan2 2", "(1 atan2 2)", NULL},
    {"foo atan2 bar", "(foo atan2 bar)", NULL},
    {"foo > bool on(a) bar", "(foo > bool on(a) bar)", NULL},
    {"foo / ignoring(a, b) group_right(c) bar", "(foo / ignoring(a, b) group_right(c) bar)", NULL},
    {"quantile(0.9, foo)", "quantile(0.9, foo)", NULL},
    {"count_values(\"x\", foo)", "count_values(\"x\", foo)", NULL},
    {"sum without(a) (foo)", "sum without(a)(foo)", NULL},
    {"sum by() (foo)", "sum by()(foo)", NULL},
    {"group(foo)", "group(foo)", NULL},
    {"stddev by (a) (foo)", "stddev by(a)(foo)", NULL},
    {"min_over_time(rate(foo[5m])[30m:1m])", "min_over_time(rate(foo[5m])[30m:1m])", NULL},
    {"max_over_time(foo[1h:])", "max_over_time(foo[1h:])", NULL},
    {"foo[1h30m]", "foo[1h30m]", NULL},
    {"foo[1w]", "foo[1w]", NULL},
    {"foo[1y2w]", "foo[1y2w]", NULL},
    {"foo[1m1h]", NULL, "1:5: parse error: not a valid duration string: \"1m1h\""},
    {"foo[100ms]", "foo[100ms]", NULL},
    {"0x1F + 010 + 1e3 + .5 + 5. + Inf + -NaN + inf", "(((((((31 + 8) + 1000) + 0.5) + 5) + +Inf) + NaN) + +Inf)", NULL},
    {"\"a\\\"b\" ", "\"a\\\"b\"", NULL},
    {"'a\\'b'", "\"a'b\"", NULL},
    {"`a\\b`", "\"a\\\\b\"", NULL},
    {"\"\\x41\\101\\u0041\\U00000041\"", "\"AAAA\"", NULL},
    {"\"\\z\"", NULL, "1:1: parse error: unknown escape sequence U+007A 'z'"},
    {"label_replace(foo, \"a\", \"$1\", \"b\", \"(.*)\")", "label_replace(foo, \"a\", \"$1\", \"b\", \"(.*)\")", NULL},
    {"label_join(foo, \"a\", \",\", \"b\", \"c\", \"d\")", "label_join(foo, \"a\", \",\", \"b\", \"c\", \"d\")", NULL},
    {"days_in_month()", "days_in_month()", NULL},
    {"day_of_week(foo)", "day_of_week(foo)", NULL},
    {"round(foo)", "round(foo)", NULL},
    {"round(foo, 10)", "round(foo, 10)", NULL},
    {"absent(nonexistent{job=\"x\"})", "absent(nonexistent{job=\"x\"})", NULL},
    {"time() - 5", "(time() - 5)", NULL},
    {"vector(1) + on() group_left scalar(foo)", "(vector(1) + scalar(foo))", NULL},
    {"sum by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))", "sum by(instance)(rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))", NULL},
    {"100 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m])) * 100", "(100 - (avg by(instance)(rate(node_cpu_seconds_total{mode=\"idle\"}[5m])) * 100))", NULL},
    {"histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))", "histogram_quantile(0.99, sum by(le)(rate(h_bucket[5m])))", NULL},
    {"topk(10, sum by (job)(rate(x[5m])))", "topk(10, sum by(job)(rate(x[5m])))", NULL},
    {"foo @ 1.2345", "foo @ 1.235", NULL},
    {"foo[5m] @ end()", "foo[5m] @ end()", NULL},
    {"sum(foo) @ 100", NULL, "1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery"},
    {"rate(foo[5m] @ 100)", "rate(foo[5m] @ 100.000)", NULL},
    {"foo{job=~\"a.*\",inst!=\"b\",x!~\"y\"}", "foo{job=~\"a.*\", inst!=\"b\", x!~\"y\"}", NULL},
    {"foo{job=\"a\",}", "foo{job=\"a\"}", NULL},
    {"foo and on() bar", "(foo and on() bar)", NULL},
    {"{job=\"x\"}[5m]", "{job=\"x\"}[5m]", NULL},
    {"{__name__=\"foo\"} offset 1d", "foo offset 1d", NULL},
    {"foo offset 1h30m", "foo offset 1h30m", NULL},
    {"a == b == c", "((a == b) == c)", NULL},
    {"a < b > c", "((a < b) > c)", NULL},
    {"foo == bool 1", "(foo == bool 1)", NULL},
    {"1 + 2 * 3", "(1 + (2 * 3))", NULL},
    {"1 - 2 - 3", "((1 - 2) - 3)", NULL},
    {"2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))", NULL},
    {"step", "step", NULL},
    {"start", "start", NULL},
    {"end", "end", NULL},
    {"by", "by", NULL},
    {"offset", "offset", NULL},
    {"foo offset -5m", "foo offset -5m", NULL},
    {"1+1", "(1 + 1)", NULL},
    {"1+", NULL, "1:3: parse error: unexpected end of input"},
    {"sum(foo", NULL, "1:8: parse error: unclosed left parenthesis"},
    {"foo{", NULL, "1:5: parse error: unexpected end of input inside braces"},
    {"foo{a=\"b\"", NULL, "1:10: parse error: unexpected end of input inside braces"},
    {"foo{a=\"b\",}", "foo{a=\"b\"}", NULL},
    {"foo{a}", NULL, "1:6: parse error: unexpected \"}\" in label matching, expected label matching operator"},
    {"foo{a=}", NULL, "1:7: parse error: unexpected \"}\" in label matching, expected string"},
    {"{}", NULL, "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {"{a=\"\"}", NULL, "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {"{a=~\".*\"}", NULL, "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {"{a=~\".+\"}", "{a=~\".+\"}", NULL},
    {"foo{__name__=\"bar\"}", NULL, "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\""},
    {"rate(foo)", NULL, "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector"},
    {"rate(foo[5m], 1)", NULL, "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 2"},
    {"round(foo, 1, 2)", NULL, "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3"},
    {"label_join(foo, \"a\")", NULL, "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 2"},
    {"sum(foo[5m])", NULL, "1:5: parse error: expected type instant vector in aggregation expression, got range vector"},
    {"topk(foo)", NULL, "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1"},
    {"topk(\"a\", foo)", NULL, "1:6: parse error: expected type scalar in aggregation parameter, got string"},
    {"count_values(1, foo)", NULL, "1:14: parse error: expected type string in aggregation parameter, got scalar"},
    {"sum()", NULL, "1:1: parse error: no arguments for aggregate expression provided"},
    {"unknownfn(foo)", NULL, "1:1: parse error: unknown function with name \"unknownfn\""},
    {"1 > 2", NULL, "1:3: parse error: comparisons between scalars must use BOOL modifier"},
    {"1 > bool 2", "(1 > bool 2)", NULL},
    {"foo + bool bar", NULL, "1:5: parse error: bool modifier can only be used on comparison operators"},
    {"foo and 1", NULL, "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
    {"1 and foo", NULL, "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
    {"foo and on(a) group_left bar", NULL, "1:1: parse error: no grouping allowed for \"and\" operation"},
    {"foo + on(a) group_left(a) bar", NULL, "1:5: parse error: label \"a\" must not occur in ON and GROUP clause at once"},
    {"1 + on(a) foo", NULL, "1:1: parse error: vector matching only allowed between instant vectors"},
    {"foo[5m] + 1", NULL, "1:1: parse error: binary expression must contain only scalar and instant vector types"},
    {"foo offset 5m [5m]", NULL, "1:15: parse error: no offset modifiers allowed before range"},
    {"(foo) offset 5m", NULL, "1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery"},
    {"(foo)[5m]", NULL, "1:6: parse error: ranges only allowed for vector selectors"},
    {"rate(foo[5m])[10m:1m]", "rate(foo[5m])[10m:1m]", NULL},
    {"1[5m:1m]", NULL, "1:1: parse error: subquery is only allowed on instant vector, got scalar instead"},
    {"foo[5m:]", "foo[5m:]", NULL},
    {"foo[0s]", NULL, "1:5: parse error: duration must be greater than 0"},
    {"foo[5x]", NULL, "1:5: parse error: bad duration syntax: \"5\""},
    {"foo @ start()", "foo @ start()", NULL},
    {"foo @ 100 @ 200", NULL, "1:1: parse error: @ <timestamp> may not be set multiple times"},
    {"foo offset 1m offset 2m", NULL, "1:1: parse error: offset may not be set multiple times"},
    {"-\"a\"", NULL, "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"string\""},
    {"-foo[5m]", NULL, "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\""},
    {"\"a\" + 1", NULL, "1:1: parse error: binary expression must contain only scalar and instant vector types"},
    {"foo # comment", "foo", NULL},
    {"sum by (a) (foo) by (b)", NULL, "1:18: parse error: unexpected <by>"},
    {"sum without (a,) (foo)", "sum without(a)(foo)", NULL},
    {"sum by (a:b) (foo)", NULL, "1:9: parse error: unexpected metric identifier \"a:b\" in grouping opts, expected label"},
    {"foo == = bar", NULL, "1:8: parse error: unexpected \"=\""},
    {"foo !~ bar", NULL, "1:5: parse error: unexpected character after '!': '~'"},
    {"foo =~ bar", NULL, "1:5: parse error: unexpected character after '=': '~'"},
    {"]", NULL, "1:1: parse error: unexpected right bracket ']'"},
    {"foo]", NULL, "1:4: parse error: unexpected right bracket ']'"},
    {"foo[5m", NULL, "1:7: parse error: unclosed left bracket"},
    {"foo ! bar", NULL, "1:5: parse error: unexpected character after '!': ' '"},
    {"0x1g", NULL, "1:1: parse error: bad number or duration syntax: \"0x1\""},
    {"1e", NULL, "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e\": invalid syntax"},
    {"'abc\\q'", NULL, "1:1: parse error: unknown escape sequence U+0071 'q'"},
    {"\"abc", NULL, "1:1: parse error: unterminated quoted string"},
    {"sum by foo", NULL, "1:8: parse error: unexpected identifier \"foo\" in grouping opts, expected \"(\""},
    {"sum(foo) by", NULL, "1:12: parse error: unexpected end of input in grouping opts, expected \"(\""},
    {"foo offset", NULL, "1:11: parse error: unexpected end of input in offset, expected duration"},
    {"foo offset bar", NULL, "1:12: parse error: unexpected identifier \"bar\" in offset, expected duration"},
    {"foo @ bar", NULL, "1:7: parse error: unexpected identifier \"bar\" in @, expected timestamp"},
    {"rate(foo[5m],)", NULL, "1:13: parse error: trailing commas not allowed in function call args"},
    {"time(", NULL, "1:6: parse error: unclosed left parenthesis"},
    {"histogram_quantile(0.9, foo[5m])", NULL, "1:25: parse error: expected type instant vector in call to function \"histogram_quantile\", got range vector"},
    {"abs(\"a\")", NULL, "1:5: parse error: expected type instant vector in call to function \"abs\", got string"},
    {"vector(\"x\")", NULL, "1:8: parse error: expected type scalar in call to function \"vector\", got string"},
    {"scalar(foo[1m])", NULL, "1:8: parse error: expected type instant vector in call to function \"scalar\", got range vector"},
    {"predict_linear(foo[5m])", NULL, "1:1: parse error: expected 2 argument(s) in call to \"predict_linear\", got 1"},
    {"quantile_over_time(foo[5m], 0.5)", NULL, "1:20: parse error: expected type scalar in call to function \"quantile_over_time\", got range vector"},
    {"foo and bar or baz unless qux", "((foo and bar) or (baz unless qux))", NULL},
    {"1 == bool 1", "(1 == bool 1)", NULL},
    {"{__name__=~\"a|b\"}", "{__name__=~\"a|b\"}", NULL},
    {"{__name__!=\"\"}", "{__name__!=\"\"}", NULL},
    {"on", NULL, "1:1: parse error: unexpected <on>"},
    {"bool", NULL, "1:1: parse error: unexpected <bool>"},
    {"sum", "sum", NULL},
    {"avg(foo) + sum", "(avg(foo) + sum)", NULL},
    {"foo{a=\"b\"}{c=\"d\"}", NULL, "1:11: parse error: unexpected \"{\""},
    {"foo{a!~\"x\"}", "foo{a!~\"x\"}", NULL},
    {"foo[5m] offset -1m @ 10.5", "foo[5m] offset -1m @ 10.500", NULL},
    {"foo @ -10", "foo @ -10.000", NULL},
    {"foo @ end() offset 5m", "foo offset 5m @ end()", NULL},
    {"sum(\n  foo\n", NULL, "3:1: parse error: unclosed left parenthesis"},
    {"foo +\n  bar{a=}", NULL, "2:9: parse error: unexpected \"}\" in label matching, expected string"},
    {"-(2 ^ 2)", "-(2 ^ 2)", NULL},
    {"(foo + bar) * 2", "((foo + bar) * 2)", NULL},
};

static void test_table(void **st) {
    (void)st;
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512] = "", out[1024] = "";
        pq_expr *a;
        pq_node *e = pq_parse(cases[i].q, strlen(cases[i].q), &a, err, sizeof err);
        if (e) pq_format(e, out, sizeof out);
        pq_free(e ? a : NULL);
        if (cases[i].tree ? !e || strcmp(out, cases[i].tree) : e || strcmp(err, cases[i].err)) {
            print_error("%s\n  want %s\n  got  %s\n", cases[i].q, cases[i].tree ? cases[i].tree : cases[i].err,
                        e ? out : err);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static pq_node *parse(const char *q, pq_expr **a) {
    char err[256];
    pq_node *e = pq_parse(q, strlen(q), a, err, sizeof err);
    if (!e) fail_msg("%s: %s", q, err);
    return e;
}

static void test_numbers(void **st) {
    (void)st;
    const struct {
        const char *q;
        double v;
    } n[] = {{"0x1F", 31}, {"010", 8}, {"09", 9}, {"1e3", 1000}, {".5", 0.5}, {"5.", 5}, {"-2.5e-1", -0.25},
             {"0xffffffffffffffff", 18446744073709551615.0}, {"1.7976931348623157e308", 1.7976931348623157e308}};
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
        pq_expr *a;
        pq_node *e = parse(n[i].q, &a);
        assert_int_equal(e->kind, PQ_NUM);
        if (e->num != n[i].v) fail_msg("%s -> %.17g", n[i].q, e->num);
        pq_free(a);
    }
    pq_expr *a;
    pq_node *e = parse("-Inf", &a);
    assert_true(isinf(e->num) && e->num < 0);
    pq_free(a);
    e = parse("nAn", &a);
    assert_true(isnan(e->num));
    pq_free(a);
}

static void test_tree_fields(void **st) {
    (void)st;
    pq_expr *a;
    pq_node *e = parse("rate(http_requests_total{job=~\"api|web\", code!=\"500\"}[5m] offset -1m @ 1700000000.5)", &a);
    assert_int_equal(e->kind, PQ_CALL);
    assert_int_equal(e->fn->id, PQ_F_RATE);
    pq_node *s = e->args[0];
    assert_int_equal(s->type, PQ_T_MATRIX);
    assert_string_equal(s->metric, "http_requests_total");
    assert_int_equal(s->nm, 3); /* the name comes first, as a matcher */
    assert_string_equal(s->m[0].name, "__name__");
    assert_int_equal(s->range, 300000);
    assert_int_equal(s->offset, -60000);
    assert_int_equal(s->at, PQ_AT_TIME);
    assert_int_equal(s->at_ms, 1700000000500LL);
    /* regexes are anchored: "api|web" is not "rapid" */
    assert_true(pq_matcher_match(&s->m[1], "api", 3));
    assert_true(pq_matcher_match(&s->m[1], "web", 3));
    assert_false(pq_matcher_match(&s->m[1], "rapid", 5));
    assert_false(pq_matcher_match(&s->m[1], "api\n", 4));
    assert_true(pq_matcher_match(&s->m[2], "", 0)); /* absent label != "500" */
    pq_free(a);

    e = parse("max_over_time(deriv(x[1m])[1h:30s])", &a);
    pq_node *q = e->args[0];
    assert_int_equal(q->kind, PQ_SUBQUERY);
    assert_int_equal(q->range, 3600000);
    assert_int_equal(q->step, 30000);
    pq_free(a);

    e = parse("a / on(x, y) group_left(z) b", &a);
    assert_int_equal(e->card, PQ_MANY_TO_ONE);
    assert_true(e->on);
    assert_int_equal(e->match.n, 2);
    assert_string_equal(e->include.v[0], "z");
    pq_free(a);

    e = parse("a and b", &a); /* set operators are many-to-many */
    assert_int_equal(e->card, PQ_MANY_TO_MANY);
    pq_free(a);

    e = parse("topk(3, x) without (instance)", &a);
    assert_int_equal(e->op, PQ_TOPK);
    assert_true(e->without);
    assert_int_equal(e->args[0]->num, 3);
    pq_free(a);

    e = parse("sum(x)", &a); /* no parameter: slot 0 empty */
    assert_null(e->args[0]);
    assert_int_equal(e->args[1]->kind, PQ_SEL);
    pq_free(a);
}

static void test_strings(void **st) {
    (void)st;
    pq_expr *a;
    pq_node *e = parse("\"\\x41\\101\\u00e9\\U0001F600\\n\\t\\\\\\\"\"", &a);
    assert_string_equal(e->str, "AA\xc3\xa9\xf0\x9f\x98\x80\n\t\\\"");
    pq_free(a);
    e = parse("`raw\\n\"`", &a);
    assert_string_equal(e->str, "raw\\n\"");
    pq_free(a);
    char err[128];
    assert_null(pq_parse("\"\\ud800\"", 8, &a, err, sizeof err));
}

static void test_funcs_sorted(void **st) {
    (void)st;
    for (size_t i = 1; i < pq_nfuncs; i++) assert_true(strcmp(pq_funcs[i - 1].name, pq_funcs[i].name) < 0);
    for (size_t i = 0; i < pq_nfuncs; i++) {
        assert_ptr_equal(pq_func_find(pq_funcs[i].name, strlen(pq_funcs[i].name)), &pq_funcs[i]);
        assert_int_equal(pq_funcs[i].id, (int)i);
    }
    assert_null(pq_func_find("rat", 3));
}

int main(void) {
    const struct CMUnitTest t[] = {cmocka_unit_test(test_table), cmocka_unit_test(test_numbers),
                                   cmocka_unit_test(test_tree_fields), cmocka_unit_test(test_strings),
                                   cmocka_unit_test(test_funcs_sorted)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
