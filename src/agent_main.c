/* agent_main.c — the small `tidemark-agent` binary: the agent alone, with
 * no store, no server and no libcurl, so it stays smaller than collectd
 * (docs/agent.md). Plain http:// only; `tidemark agent` speaks https://. */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "agent")) argc--, argv++; /* `tidemark-agent agent ...` reads as well */
    return agent_main(argc - 1, argv + 1);
}
