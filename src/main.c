/* main.c — subcommand dispatch only. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: tidemark [COMMAND] [flags]\n\n"
            "commands:\n"
            "  serve    the server: listeners, storage, API (the default)\n"
            "  send     send one sample: tidemark send NAME VALUE [TIME] [--tag k=v]...\n"
            "  query    print a series: tidemark query NAME [--from -1h] [--step 1m] [--agg avg] [--json]\n"
            "  agent    collect this machine's stats and send them: tidemark agent --server URL\n"
            "  glance   watch an access log on the console: tidemark glance -f access.log\n"
            "  routes   print the HTTP routes of serve: methods, path, who may call them\n\n"
            "`tidemark --version` prints the version.\n"
            "`tidemark COMMAND --help` lists each command's flags with their defaults.\n\n");
    serve_usage(f);
}

int main(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
        printf("tidemark %s\n", TM_VERSION);
        return 0;
    }
    if (argc < 2 || argv[1][0] == '-') return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "serve")) return cmd_serve(argc - 2, argv + 2);
    if (!strcmp(argv[1], "send")) return cmd_send(argc - 2, argv + 2);
    if (!strcmp(argv[1], "query")) return cmd_query(argc - 2, argv + 2);
    if (!strcmp(argv[1], "routes")) return cmd_routes(argc - 2, argv + 2);
    if (!strcmp(argv[1], "agent")) return cmd_agent(argc - 2, argv + 2);
    if (!strcmp(argv[1], "glance")) return cmd_glance(argc - 2, argv + 2);
    fprintf(stderr, "tidemark: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
