/* udpload: bounded UDP load for bench/protocols.sh.
 *
 *   udpload statsd  PORT SECONDS   StatsD counters, ~90 lines a datagram; prints lines sent
 *   udpload garbage PORT SECONDS [RATE]   malformed datagrams, at most RATE a second (for the
 *                                          flood row); prints datagrams sent
 *
 * Sends to 127.0.0.1 only. Paces itself when the socket buffer is full so the
 * count is of datagrams that left this process. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: udpload statsd|garbage PORT SECONDS [RATE]\n");
        return 2;
    }
    int garbage = !strcmp(argv[1], "garbage");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    double secs = atof(argv[3]), rate = argc == 5 ? atof(argv[4]) : 0, t0 = now();
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) return perror("socket"), 1;
    char buf[1500];
    long long lines = 0, grams = 0;
    unsigned seq = 0;
    while (now() - t0 < secs) {
        if (rate > 0 && grams >= rate * (now() - t0)) { /* paced: a flood, not a CPU hog */
            usleep(100);
            continue;
        }
        size_t n = 0;
        int k = 0;
        if (garbage) {
            for (; n + 40 < 1400; k++) n += (size_t)snprintf(buf + n, sizeof buf - n, "\x01garbage;;=|x|@@%u \xff\n", seq++);
        } else {
            for (; n + 32 < 1400; k++) n += (size_t)snprintf(buf + n, sizeof buf - n, "bench.c%03u:1|c\n", seq++ % 500);
        }
        if (send(fd, buf, n, 0) < 0) {
            if (errno == ENOBUFS || errno == EAGAIN) usleep(50);
            continue;
        }
        grams++;
        lines += k;
    }
    printf("%lld %lld %.3f\n", lines, grams, now() - t0);
    return 0;
}
