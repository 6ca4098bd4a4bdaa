/*
 * drivers/nvme/nvme_limits.h - what the driver derives from the
 * controller's registers and Identify data and must keep within bounds:
 * the ready timeout (CAP.TO, CRTO), the memory page size (CC.MPS within
 * CAP.MPSMIN..MPSMAX), queue sizes (CAP.MQES, MAXCMD), the asynchronous
 * events it may enable, and the worst time a recovery can take.
 * [NVMe Base 2.0 §3.1.3.1 CAP, §3.1.3.5 CC, §3.1.3.21 CRTO, §5.17.2.1
 * Identify Controller (MAXCMD, OAES), §5.27.1.11 Asynchronous Event Configuration]
 */
#ifndef NVOS_DRIVERS_NVME_NVME_LIMITS_H
#define NVOS_DRIVERS_NVME_NVME_LIMITS_H

#include <stdint.h>

#include "kernel/time/clock.h"

struct nvme_ctrlr;

/*
 * The longest nvos waits for CSTS.RDY to change: 128 s. CAP.TO tops out at
 * FFh (127.5 s), and the spec has a controller that reports a longer
 * CRTO.CRWMT still put min(CRWMT, FFh) in CAP.TO - the time a host that
 * does not read CRTO waits. CRWMT (16 bits, 500 ms units) can say 9 hours;
 * waiting that long would outlast every caller (block_wait's deadline).
 */
#define NVME_READY_TIMEOUT_MAX_NS (128ull * NSEC_PER_SEC)
/* Largest CC.MPS nvos serves: 16 KiB. Each tracker keeps its PRP list pages
 * (one controller page each), so a 255-command pair costs 255 pages of
 * lists: 4 MiB at 16 KiB, 16 MiB at 64 KiB - more than the heap reserves
 * for a queue pair. */
#define NVME_MPS_SERVED_MAX 2u

/* From CAP (and CRTO): ready timeout, CC.MPS and page size, I/O queue size
 * limit; prints the choices. -EOPNOTSUPP (one line) for a page size nvos
 * cannot serve, -EINVAL for contradictory registers. */
int nvme_limits_from_cap(struct nvme_ctrlr *c, uint32_t crto);
/* The ready timeout for CAP (and CRTO when CAP.CRMS.CRWMS): capped, see above. */
uint64_t nvme_ready_timeout_ns(uint64_t cap, uint32_t crto, int *capped);
/* From Identify Controller: MAXCMD (0: not reported, the queue size rules). */
void nvme_limits_from_identify(struct nvme_ctrlr *c);
/* Commands a queue pair of size entries may have in flight (trackers). */
uint16_t nvme_qpair_tracker_count(const struct nvme_ctrlr *c, uint16_t id, uint16_t size);
/* CDW11 of Set Features 0Bh: only events the controller says exist, no reserved bits. */
uint32_t nvme_aec_events(const struct nvme_ctrlr *c);
/* The longest a request may take to complete or fail: its timeout, an
 * Abort, and a full reset (three ready waits, the quirk delay, the admin
 * commands it sends). The block layer's synchronous deadline is above it. */
uint64_t nvme_ctrlr_recovery_worst_ns(const struct nvme_ctrlr *c);
/* A reset granted granted (< the pairs in use) queue pairs: pairs beyond it
 * are orphaned (their commands fail with ENODEV, new ones are refused),
 * the block layer's polled pair falls back to its interrupt pair. */
void nvme_limits_fewer_queues(struct nvme_ctrlr *c, uint32_t granted);

#endif
