/*
 * tests/host/nvme_hotpath.c - the driver's I/O path, measured.
 *
 * Drives N polled 4 KiB reads through the real driver code against the
 * in-memory controller model, one at a time (QD 1) or in batches (QD 32).
 * Built at -O2 without sanitizers; tools/hotpath.py runs it under
 * callgrind with collection switched on only inside the driver's two
 * entry points - nvme_ns_cmd_read (submission: request, tracker, SQE, PRP,
 * doorbell), nvme_qpair_batch_end (the batched doorbell at QD > 1) and
 * nvme_qpair_process_completions (reaping, status, callback, CQ doorbell) -
 * so the model's work is excluded and what is left is the
 * driver's instructions per I/O, the same on every run.
 *
 * usage: nvme_hotpath [IOS [QD [mmio|shadow]]]   (mmio: a controller without
 * Doorbell Buffer Config, OACS bit 8 clear, every doorbell update an MMIO
 * write; shadow, the default: shadow doorbells and event indexes)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_internal.h"
#include "tests/host/nvme_model.h"

static unsigned completions;

static void done(void *arg, const struct nvme_cpl *cpl)
{
    (void)arg;
    if (cpl->err) {
        fprintf(stderr, "I/O failed: %d\n", cpl->err);
        exit(1);
    }
    completions++;
}

int main(int argc, char **argv)
{
    unsigned ios = argc > 1 ? (unsigned)atoi(argv[1]) : 100000;
    unsigned qd = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
    static struct nvme_model m;
    static struct nvme_ctrlr c;
    model_init(&m);
    m.no_dbbuf = argc > 3 && strcmp(argv[3], "mmio") == 0;
    model_attach(&m, &c);
    if (nvme_ctrlr_init(&c) != 0)
        return 1;
    struct nvme_io_qpair_opts o = { .io_queue_size = 256, .interrupts = false };
    struct nvme_qpair *qp = nvme_ctrlr_alloc_io_qpair(&c, &o);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(&c, 1);
    uint8_t *buf = aligned_alloc(4096, 4096 * 32);
    if (qp == NULL || ns == NULL || buf == NULL || qd == 0 || qd > 32)
        return 1;

    unsigned submitted = 0;
    uint64_t lba = 0;
    while (completions < ios) {
        /* Keep qd in flight: at QD 1 every read rings its own doorbell; deeper,
         * the refill is one batch (one doorbell). */
        if (qd > 1)
            nvme_qpair_batch_begin(qp);
        while (submitted - completions < qd && submitted < ios) {
            if (nvme_ns_cmd_read(ns, qp, buf + 4096 * (submitted % qd), lba, 8, done, NULL, 0))
                return 1;
            submitted++;
            lba = (lba + 8 * 7919) % (131072 - 8);
        }
        if (qd > 1)
            nvme_qpair_batch_end(qp);
        model_step(&m);
        nvme_qpair_process_completions(qp, 0);
    }
    printf("%u reads of 4 KiB at QD %u completed\n", completions, qd);
    return 0;
}
