/*
 * drivers/nvme/nvme_mmio.h - every access to the controller's registers.
 *
 * Registers are reached through a two-function ops table (32-bit read and
 * write at an offset), the seam that lets the host tests put an in-memory
 * controller model where the hardware would be, as Linux's nvme_ctrl_ops
 * does. 64-bit registers are two ordered 32-bit accesses, low half first
 * [NVMe PCIe Transport 1.0 §3.1.2: "host software shall access ... as
 * either 32-bit or 64-bit"; some hosts and devices get 64-bit accesses
 * wrong (U-Boot 71fd11b9013, CrabEFI #116), so 32-bit it is].
 *
 * Doorbells are written directly (one 32-bit store, no indirection): they
 * are on the I/O path. In the host tests the "BAR" is ordinary memory and
 * the model reads the doorbells from it.
 *
 * With tracing on (nvme.trace=1 or "nvme trace on"), each access is printed
 * with the register's name and its decoded fields. These accessors are the
 * only way to the registers: c->ops is used nowhere but nvme_mmio.c.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_MMIO_H
#define NVOS_DRIVERS_NVME_NVME_MMIO_H

#include <stdint.h>

#include "drivers/nvme/nvme_regs.h"
#include "kernel/arch/mmio.h"

struct nvme_ctrlr;

struct nvme_reg_ops {
    uint32_t (*read32)(struct nvme_ctrlr *c, uint32_t off);
    void (*write32)(struct nvme_ctrlr *c, uint32_t off, uint32_t v);
};

/* The hardware: one mov to the mapped BAR. */
extern const struct nvme_reg_ops nvme_mmio_ops;

uint32_t nvme_rd32(struct nvme_ctrlr *c, uint32_t off);
/* The same read, never traced: for polls, whose reads the caller reports
 * as one line (nvme_trace_poll), and for the watchdog's periodic CSTS look. */
uint32_t nvme_rd32_quiet(struct nvme_ctrlr *c, uint32_t off);
void nvme_wr32(struct nvme_ctrlr *c, uint32_t off, uint32_t v);
/*
 * After CSTS read all ones: gone, or away for a moment (right after CC.EN=0
 * on some devices, issue 9; a fault plan's window). Reads CSTS again, quietly,
 * for up to NVME_GONE_GRACE_NS (the ready timeout if shorter) and returns
 * the first other value, or all ones: then the device is gone.
 */
#define NVME_GONE_GRACE_NS (1000 * 1000000ull)
uint32_t nvme_csts_wait_present(struct nvme_ctrlr *c);
uint64_t nvme_rd64(struct nvme_ctrlr *c, uint32_t off);
void nvme_wr64(struct nvme_ctrlr *c, uint32_t off, uint64_t v);

/* Doorbell write: the hot path. "db" points into the BAR's doorbell area. */
static inline void nvme_ring_doorbell(uint32_t *db, uint32_t value)
{
    mmio_write32(db, value);
}

/*
 * Publishes queue entries before the doorbell that hands them to the
 * device. On x86 stores are not reordered with other stores and the
 * doorbell goes to uncached memory, so a compiler barrier is all that is
 * needed (Linux: wmb() before writel on x86 is a compiler barrier too).
 */
#define nvme_publish_before_doorbell() __asm__ volatile("" : : : "memory")

/*
 * Orders the read of a completion entry's phase bit before the reads of the
 * rest of the entry (Linux's dma_rmb()): x86 does not reorder loads with
 * loads, so again the compiler is the only thing to stop.
 */
#define nvme_read_barrier() __asm__ volatile("" : : : "memory")

#endif
