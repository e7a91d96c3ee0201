/* options.c — the agent's command line: its flags, checked, into
 * agent_opts, then the run. Shared by `tidemark agent` and the small
 * `tidemark-agent` binary. */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/config.h"
#include "../util/flagval.h"
#include "../util/log.h"

#define DEFAULT_PLUGINS "cpu,memory,diskspace,diskio,network,load,uptime,machine_info"

static const tm_flag AGENT_FLAGS[] = {
    {"config", NULL, "JSON file whose keys are these flags' long names", FLAG_STR},
    {"server", "http://127.0.0.1:8080", "tidemark's HTTP address", FLAG_STR},
    {"token", NULL, "API token (X-AUTH-TOKEN)", FLAG_STR},
    {"host", NULL, "the host tag of every series (default: this machine's name)", FLAG_STR},
    {"interval", "10s", "how often plugins are collected and sent", FLAG_STR},
    {"plugins", DEFAULT_PLUGINS, "comma-separated: cpu, cpu_live, cpu_peak, memory, diskspace, diskio, network, "
                                 "load, uptime, machine_info, external_ip, sine, ssh_tunnel, exec:PATH[:INTERVAL]",
     FLAG_STR},
    {"per-cpu", "false", "cpu: a series set per core too", FLAG_BOOL},
    {"cpu-peak", "70", "cpu_peak: the busy percentage that makes an event", FLAG_STR},
    {"external-ip-url", NULL, "external_ip: a URL answering this machine's address as text", FLAG_STR},
    {"spool-dir", "./tidemark-spool", "where batches wait while the server is unreachable", FLAG_STR},
    {"spool-max", "100MiB", "the spool's bound; past it the oldest batches are dropped", FLAG_STR},
    {"relay", NULL, "HOST:PORT of a server's relay port: answer its polls instead of pushing", FLAG_STR},
    {"ssh-relay", NULL, "ssh_tunnel: USER@HOST to keep `ssh -R` to", FLAG_STR},
    {"ssh-port", NULL, "ssh_tunnel: the port on the relay host forwarded to this machine's 22", FLAG_STR},
    {"ssh-command", "ssh", "ssh_tunnel: the ssh program", FLAG_STR},
    {"proc-root", "/proc", "where /proc is (a container's host /proc, or fixtures)", FLAG_STR},
    {"etc-root", "/etc", "where os-release is read from", FLAG_STR},
    {"once", "false", "collect once, print `name value` lines and exit", FLAG_BOOL},
    {"log-level", "info", "debug, info, warn or error", FLAG_STR},
};
#define NAGENT (sizeof AGENT_FLAGS / sizeof *AGENT_FLAGS)

void agent_usage(FILE *f) { config_usage(f, "agent", NULL, AGENT_FLAGS, NAGENT); }

/* Flags into opts; 0, or -1 with the reason in err. */
static int agent_opts_from(const tm_config *c, agent_opts *o, char *host, size_t hcap, char *err, size_t n) {
    memset(o, 0, sizeof *o);
    int lvl;
    if (flag_duration(c, "interval", 100, 0, &o->env.interval_ms, err, n) ||
        flag_number(c, "cpu-peak", 0, 100, &o->env.cpu_peak, err, n) ||
        flag_size(c, "spool-max", 64u << 10, 0, &o->spool_max, err, n) || flag_log_level(c, &lvl, err, n))
        return -1;
    const char *h = config_get(c, "host");
    if (!h) {
        if (gethostname(host, hcap - 1)) snprintf(host, hcap, "localhost");
        host[hcap - 1] = 0;
        h = host;
    }
    log_level = lvl;
    o->env.host = h;
    o->env.proc_root = config_get(c, "proc-root");
    o->env.etc_root = config_get(c, "etc-root");
    o->env.per_cpu = config_bool(c, "per-cpu");
    o->env.ip_url = config_get(c, "external-ip-url");
    o->env.ssh_command = config_get(c, "ssh-command");
    o->env.ssh_relay = config_get(c, "ssh-relay");
    o->env.ssh_port = config_get(c, "ssh-port");
    o->server = config_get(c, "server");
    o->token = config_get(c, "token");
    o->plugins = config_get(c, "plugins");
    o->spool_dir = config_get(c, "spool-dir");
    o->relay = config_get(c, "relay");
    o->once = config_bool(c, "once");
    return 0;
}

int agent_main(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            agent_usage(stdout);
            return 0;
        }
    tm_config c;
    char err[512], host[256];
    agent_opts o;
    if (config_parse(&c, AGENT_FLAGS, NAGENT, argc, argv, err, sizeof err) ||
        agent_opts_from(&c, &o, host, sizeof host, err, sizeof err) ||
        (c.npos && snprintf(err, sizeof err, "unexpected argument \"%s\"", c.pos[0]))) {
        fprintf(stderr, "tidemark agent: %s\n", err);
        config_free(&c);
        return 2;
    }
    int rc = agent_run(&o);
    config_free(&c);
    return rc;
}
