/*
 * drivers/nvme/nvme_mmio.c - register accessors (see nvme_mmio.h).
 */
#include "drivers/nvme/nvme_mmio.h"

#include "drivers/nvme/nvme_capture.h"
#include "drivers/nvme/nvme_internal.h"
#include "kernel/time/clock.h"

static uint32_t mmio_read(struct nvme_ctrlr *c, uint32_t off)
{
    return mmio_read32(c->regs + off);
}

static void mmio_write(struct nvme_ctrlr *c, uint32_t off, uint32_t v)
{
    mmio_write32(c->regs + off, v);
}

const struct nvme_reg_ops nvme_mmio_ops = { mmio_read, mmio_write };

uint32_t nvme_rd32(struct nvme_ctrlr *c, uint32_t off)
{
    uint32_t v = c->ops->read32(c, off);
    if (c->trace)
        nvme_trace_reg(c, false, off, v, false);
    if (c->capture)
        nvme_capture_reg(c, false, off, v);
    return v;
}

uint32_t nvme_csts_wait_present(struct nvme_ctrlr *c)
{
    uint64_t grace = c->ready_timeout_ns < NVME_GONE_GRACE_NS ? c->ready_timeout_ns
                                                               : NVME_GONE_GRACE_NS;
    struct deadline d = deadline_in_ns(grace);
    uint32_t csts;
    while ((csts = c->ops->read32(c, NVME_REG_CSTS)) == NVME_CSTS_GONE && !deadline_passed(d))
        nvme_env_relax(c);
    return csts;
}

uint32_t nvme_rd32_quiet(struct nvme_ctrlr *c, uint32_t off)
{
    return c->ops->read32(c, off);
}

void nvme_wr32(struct nvme_ctrlr *c, uint32_t off, uint32_t v)
{
    if (c->trace)
        nvme_trace_reg(c, true, off, v, false);
    if (c->capture)
        nvme_capture_reg(c, true, off, v);
    c->ops->write32(c, off, v);
}

uint64_t nvme_rd64(struct nvme_ctrlr *c, uint32_t off)
{
    /* Captured one half at a time, each as it is read: a replay answers
     * each read with the capture's next line. */
    uint32_t lo = c->ops->read32(c, off);
    if (c->capture)
        nvme_capture_reg(c, false, off, lo);
    uint32_t hi = c->ops->read32(c, off + 4);
    if (c->capture)
        nvme_capture_reg(c, false, off + 4, hi);
    uint64_t v = ((uint64_t)hi << 32) | lo;
    if (c->trace)
        nvme_trace_reg(c, false, off, v, true);
    return v;
}

void nvme_wr64(struct nvme_ctrlr *c, uint32_t off, uint64_t v)
{
    if (c->trace)
        nvme_trace_reg(c, true, off, v, true);
    if (c->capture) {
        nvme_capture_reg(c, true, off, (uint32_t)v);
        nvme_capture_reg(c, true, off + 4, (uint32_t)(v >> 32));
    }
    c->ops->write32(c, off, (uint32_t)v); /* low half first */
    c->ops->write32(c, off + 4, (uint32_t)(v >> 32));
}
