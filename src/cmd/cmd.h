/* cmd.h — the subcommands; each takes the arguments after its name. */
#ifndef TM_CMD_H
#define TM_CMD_H
#include <stdio.h>

#include "../api/api.h"
int cmd_serve(int argc, char **argv);
void serve_usage(FILE *f); /* plain `tidemark` is serve, so its --help shows these too */
int cmd_send(int argc, char **argv);
int cmd_routes(int argc, char **argv);
/* every HTTP route `serve` answers; `routes` prints them */
void serve_routes(tm_http *h, tm_api *api, struct event_base *base);
int cmd_query(int argc, char **argv);
int cmd_agent(int argc, char **argv); /* the agent, with libcurl for https:// */
int cmd_glance(int argc, char **argv);
#endif
