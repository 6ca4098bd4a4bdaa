/*
 * tests/host/nvme_testlib.h - what the model-driven NVMe tests of issue 9
 * share (nvme_fixes, nvme_quirks, nvme_mps): bringing a controller up on a
 * model and down again, callbacks that record a completion, running the
 * model until they ran, and checked data transfers.
 */
#ifndef NVOS_TESTS_NVME_TESTLIB_H
#define NVOS_TESTS_NVME_TESTLIB_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme/nvme_internal.h"
#include "tests/host/nvme_model.h"

struct done {
    int calls;
    int err;
    struct nvme_cpl cpl;
    bool bme;               /* the model's PCI Command.BME when the callback ran */
    struct nvme_model *model;
};

void tl_done_cb(void *arg, const struct nvme_cpl *cpl);
/* Steps the model and reaps qp until every callback in ds has run (10 s at most). */
bool tl_run_until(struct nvme_model *m, struct nvme_qpair *qp, struct done *ds, int n);
/* One controller (static) on m, initialized; its init result in *err. */
struct nvme_ctrlr *tl_bring_up(struct nvme_model *m, int *err);
/* Frees everything the driver still holds, then the model; checks no leak. */
void tl_tear_down(struct nvme_model *m, struct nvme_ctrlr *c);
struct nvme_qpair *tl_polled_qpair(struct nvme_ctrlr *c, unsigned size);
/* Page-aligned host buffer (free with free()). */
uint8_t *tl_pages(size_t bytes);
uint64_t tl_rnd(void);
/* Writes count blocks at lba from a buffer at offset off (random data),
 * reads them back to another offset and compares with the model's media.
 * Returns 0 or the first error. */
int tl_write_read_check(struct nvme_model *m, struct nvme_ctrlr *c, struct nvme_qpair *qp,
                        uint32_t nsid, uint64_t lba, uint32_t count, uint32_t off);

#endif
