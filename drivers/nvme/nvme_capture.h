/*
 * drivers/nvme/nvme_capture.h - capture of what a controller told the driver
 * (issue 9, item 9; the format is docs/capture.md).
 *
 * With c->capture set, every register value the driver reads and every
 * register it writes (nvme_mmio.c, and the CSTS polls of nvme_ctrlr.c),
 * every command it submits and every completion entry it reaps (the trace
 * hooks of nvme_qpair.c), the data of admin commands (Identify, log pages,
 * features) and the init steps are written as "NVCAP ..." lines, through
 * nvme_capture_sink (the console in the kernel; the replayer's comparison on
 * the host). Off, it costs nothing on the I/O path: the queue pairs' trace
 * flag, tested there already, is what turns it on.
 *
 * tests/host/nvme_replay.c runs the driver against a capture: it answers
 * register reads and completions from it and compares the lines the driver
 * writes with the captured ones.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_CAPTURE_H
#define NVOS_DRIVERS_NVME_NVME_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme/nvme_regs.h"

struct nvme_ctrlr;
struct nvme_qpair;

#define NVME_CAPTURE_VERSION 1
#define NVME_CAPTURE_PREFIX "NVCAP "
#define NVME_CAPTURE_LINE_MAX 160

/* Where each line goes (without the prefix or a newline). The kernel's
 * prints "NVCAP <line>" on the console; the replayer installs its own. */
extern void (*nvme_capture_sink)(struct nvme_ctrlr *c, const char *line);

/* Starts a section: "begin" line naming the version, the mode ("init" at
 * attach, "reset" from the shell) and the device ("1b36:0010 ..."). */
void nvme_capture_start(struct nvme_ctrlr *c, const char *mode, const char *device);
/* Ends it: the interrupt mode, then "end N crc32 X" over the section's lines. */
void nvme_capture_end(struct nvme_ctrlr *c);

/* The short I/O sequence every capture ends with (and the replay repeats):
 * Get Log Page SMART, reads of block 0 and of 8 blocks at 8, Flush, on the
 * block layer's polled pair and the first usable namespace. */
int nvme_capture_io_sequence(struct nvme_ctrlr *c);

/* The kernel's (nvme_capture_pci.c): around attach with nvme.capture=1, and
 * "nvme capture on": a reset and the I/O sequence, captured. */
void nvme_capture_boot_begin(struct nvme_ctrlr *c);
void nvme_capture_boot_finish(struct nvme_ctrlr *c, int init_err);
int nvme_capture_shell_reset(struct nvme_ctrlr *c);

/* Hooks (called only with c->capture set). */
void nvme_capture_reg(struct nvme_ctrlr *c, bool write, uint32_t off, uint32_t value);
void nvme_capture_sqe(struct nvme_qpair *qp, const struct nvme_sqe *sqe);
void nvme_capture_cqe(struct nvme_qpair *qp, const struct nvme_cqe *cqe);
void nvme_capture_step(struct nvme_ctrlr *c, unsigned n, unsigned total, const char *what);
/* Stops recording for a while (the block layer's partition reads depend on
 * the disk, not on the device); returns what resume must restore. */
bool nvme_capture_pause(struct nvme_ctrlr *c);
void nvme_capture_resume(struct nvme_ctrlr *c, bool was_on);

#endif
