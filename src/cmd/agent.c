/* agent.c — `tidemark agent`: the agent of src/agent, with libcurl as its
 * client for https:// servers (the small tidemark-agent binary has none). */
#include "../agent/agent.h"
#include "../agent/http.h"
#include "../util/httpc.h"
#include "cmd.h"

static void *tls_open(long timeout_s) { return httpc_new(timeout_s); }
static long tls_request(void *h, const char *method, const char *url, const char *token, const char *ctype,
                        const void *body, size_t n, tm_buf *resp, char *err, size_t errlen) {
    return httpc_do(h, method, url, token, ctype, body, n, resp, err, errlen);
}
static void tls_close(void *h) { httpc_free(h); }
static const agent_tls_client CURL_TLS = {tls_open, tls_request, tls_close};

int cmd_agent(int argc, char **argv) {
    agent_tls = &CURL_TLS;
    return agent_main(argc, argv);
}
