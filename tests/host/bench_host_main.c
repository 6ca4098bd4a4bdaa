/*
 * tests/host/bench_host_main.c - "bench_host": the kernel's bench command on
 * the host, against a fake block device kept in memory or in a file (lk's
 * disktest idea), for trying options, checking the output (human summary
 * and BENCH_JSON) and feeding tools/bench_plot.py.
 *
 *   bench_host [device options] [--] bench options...
 *
 * Device options:
 *   --file PATH          back the device with PATH (created or grown to size;
 *                        writes persist: a second run is a "later boot")
 *   --blocks N           logical blocks (default 262144)
 *   --block-size N       bytes per block (default 512)
 *   --queue-depth N      device queue depth (default 1024)
 *   --latency MODEL      const:T | uniform:T1:T2 | bimodal:T1:T2 | longtail:T1:T2
 *                        (T in ns, or with us/ms/s; default const:20us)
 *   --order ORDER        ready | fifo | shuffle (default ready)
 *   --costs S:P:C        fake ticks per submit, poll, completion (default 0:10:0)
 *   --irq                an interrupt-driven device (mode=irq)
 *   --real-clock         time from CLOCK_MONOTONIC, the device completes at
 *                        once: measures the engine and fake's own CPU cost
 *   --protect L:N:WHY    check_write_window refuses blocks L..L+N-1
 *   --fault KIND:LBA[:X] eio | reject | lost | misdirect:LBA:TO | torn
 *   --zero LBA           zero one block before running
 *   --garbage LBA        fill one block with non-stamp bytes before running
 * Exit status: 0 if bench returned 0, 1 otherwise, 2 for a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/host/bench_host_env.h"

static int usage(const char *msg)
{
    fprintf(stderr, "bench_host: %s\nusage: bench_host [--file PATH] [--blocks N] "
                    "[--block-size N] [--queue-depth N] [--latency MODEL] [--order ORDER] "
                    "[--costs S:P:C] [--irq] [--real-clock] [--protect L:N:WHY] "
                    "[--fault KIND:LBA[:X]] [--zero LBA] [--garbage LBA] [--] bench options\n",
            msg);
    return 2;
}

static int parse_ns(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return -1;
    uint64_t mult = 1;
    if (!strncmp(end, "us", 2))
        mult = 1000, end += 2;
    else if (!strncmp(end, "ms", 2))
        mult = 1000000, end += 2;
    else if (!strncmp(end, "ns", 2))
        end += 2;
    else if (*end == 's')
        mult = 1000000000, end++;
    if (*end != '\0' && *end != ':')
        return -1;
    *out = v * mult;
    return 0;
}

static int parse_latency(const char *s, struct fake_block_config *c)
{
    static const struct {
        const char *name;
        enum fake_latency model;
    } models[] = { { "const:", FAKE_LAT_CONST },
                   { "uniform:", FAKE_LAT_UNIFORM },
                   { "bimodal:", FAKE_LAT_BIMODAL },
                   { "longtail:", FAKE_LAT_LONGTAIL } };
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        size_t n = strlen(models[i].name);
        if (strncmp(s, models[i].name, n))
            continue;
        c->latency = models[i].model;
        const char *a = s + n, *b = strchr(a, ':');
        if (parse_ns(a, &c->lat_a))
            return -1;
        if (models[i].model == FAKE_LAT_CONST)
            return b ? -1 : 0;
        if (!b || parse_ns(b + 1, &c->lat_b))
            return -1;
        if (models[i].model == FAKE_LAT_UNIFORM) /* given as a range */
            c->lat_b = c->lat_b > c->lat_a ? c->lat_b - c->lat_a : 0;
        return 0;
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct fake_block_config c;
    memset(&c, 0, sizeof(c));
    c.name = "fake0";
    c.block_size = 512;
    c.block_count = 262144;
    c.queue_depth = 1024;
    c.latency = FAKE_LAT_CONST;
    c.lat_a = 20000;
    c.report_complete_tsc = true;
    c.seed = 1;
    const char *file = NULL;
    bool real_clock = false;
    struct host_env h;
    host_env_init(&h);
    h.echo = true;
    struct fake_fault faults[FAKE_MAX_FAULTS];
    unsigned nfaults = 0;
    uint64_t zero_lba[16], garbage_lba[16];
    unsigned nzero = 0, ngarbage = 0;

    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(opt, "--")) {
            i++;
            break;
        }
        if (!strcmp(opt, "--irq")) {
            c.interrupt_driven = true;
            continue;
        }
        if (!strcmp(opt, "--real-clock")) {
            real_clock = true;
            continue;
        }
        if (!val)
            return usage("missing value");
        i++;
        if (!strcmp(opt, "--file")) {
            file = val;
        } else if (!strcmp(opt, "--blocks")) {
            c.block_count = strtoull(val, NULL, 0);
        } else if (!strcmp(opt, "--block-size")) {
            c.block_size = (uint32_t)strtoul(val, NULL, 0);
        } else if (!strcmp(opt, "--queue-depth")) {
            c.queue_depth = (uint32_t)strtoul(val, NULL, 0);
        } else if (!strcmp(opt, "--latency")) {
            if (parse_latency(val, &c))
                return usage("bad --latency");
        } else if (!strcmp(opt, "--order")) {
            if (!strcmp(val, "ready"))
                c.order = FAKE_ORDER_READY;
            else if (!strcmp(val, "fifo"))
                c.order = FAKE_ORDER_FIFO;
            else if (!strcmp(val, "shuffle"))
                c.order = FAKE_ORDER_SHUFFLE;
            else
                return usage("bad --order");
        } else if (!strcmp(opt, "--costs")) {
            unsigned long long s, p, k;
            if (sscanf(val, "%llu:%llu:%llu", &s, &p, &k) != 3)
                return usage("bad --costs");
            c.submit_cost = s;
            c.poll_cost = p;
            c.complete_cost = k;
        } else if (!strcmp(opt, "--protect")) {
            unsigned long long lba, n;
            int off = 0;
            if (sscanf(val, "%llu:%llu:%n", &lba, &n, &off) != 2 || off == 0)
                return usage("bad --protect");
            host_env_protect(&h, c.name, lba, n, val + off);
        } else if (!strcmp(opt, "--fault")) {
            struct fake_fault f;
            memset(&f, 0, sizeof(f));
            char kind[16];
            unsigned long long lba, to = 0;
            int n = sscanf(val, "%15[a-z]:%llu:%llu", kind, &lba, &to);
            if (n < 2 || nfaults == FAKE_MAX_FAULTS)
                return usage("bad --fault");
            f.lba = lba;
            f.op = -1;
            if (!strcmp(kind, "eio")) {
                f.kind = FAKE_FAULT_STATUS;
                f.device_status = 0x281;
            } else if (!strcmp(kind, "reject")) {
                f.kind = FAKE_FAULT_REJECT;
            } else if (!strcmp(kind, "lost")) {
                f.kind = FAKE_FAULT_LOST_WRITE;
            } else if (!strcmp(kind, "torn")) {
                f.kind = FAKE_FAULT_TORN;
            } else if (!strcmp(kind, "misdirect") && n == 3) {
                f.kind = FAKE_FAULT_MISDIRECT;
                f.target_lba = to;
            } else {
                return usage("bad --fault kind");
            }
            faults[nfaults++] = f;
        } else if (!strcmp(opt, "--zero") && nzero < 16) {
            zero_lba[nzero++] = strtoull(val, NULL, 0);
        } else if (!strcmp(opt, "--garbage") && ngarbage < 16) {
            garbage_lba[ngarbage++] = strtoull(val, NULL, 0);
        } else {
            return usage("unknown option");
        }
    }
    if (c.block_size < 64 || c.block_count == 0 || c.queue_depth == 0)
        return usage("bad geometry");

    void *map = NULL;
    size_t bytes = (size_t)(c.block_count * c.block_size);
    if (file) {
        int fd = open(file, O_RDWR | O_CREAT, 0644);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            fprintf(stderr, "bench_host: %s: %s\n", file, strerror(errno));
            return 2;
        }
        if ((size_t)st.st_size < bytes && ftruncate(fd, (off_t)bytes) != 0) {
            fprintf(stderr, "bench_host: %s: %s\n", file, strerror(errno));
            return 2;
        }
        map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        if (map == MAP_FAILED) {
            fprintf(stderr, "bench_host: mmap %s: %s\n", file, strerror(errno));
            return 2;
        }
        c.backing = map;
    }
    if (real_clock) {
        c.latency = FAKE_LAT_CONST;
        c.lat_a = 0;
        c.poll_cost = 0;
        c.report_complete_tsc = false;
        h.real_clock = true;
    }
    struct fake_block *fb = fake_block_create(&c);
    if (!fb) {
        fprintf(stderr, "bench_host: cannot create the device\n");
        return 2;
    }
    if (real_clock)
        fb->cfg.lat_a = 0; /* create() replaced 0 by its default */
    for (unsigned k = 0; k < nfaults; k++)
        fake_block_add_fault(fb, &faults[k]);
    for (unsigned k = 0; k < nzero; k++)
        if (zero_lba[k] < c.block_count)
            memset(fake_block_data(fb, zero_lba[k]), 0, c.block_size);
    for (unsigned k = 0; k < ngarbage; k++)
        if (garbage_lba[k] < c.block_count)
            memset(fake_block_data(fb, garbage_lba[k]), 0x6b, c.block_size);
    host_env_add_device(&h, fb);
    fake_tsc = 1;

    int rc = bench_command(&h.env, argc - i, argv + i);
    fflush(stdout);
    host_env_fini(&h);
    fake_block_destroy(fb);
    if (map)
        munmap(map, bytes);
    return rc == 0 ? 0 : 1;
}
