/*
 * bench/bench_target_nvme.h - the benchmark's direct NVMe target
 * ("bench target=nvme"): I/O straight through the driver API on queue pairs
 * of the benchmark's own, bypassing the block layer, so that comparing it
 * with target=block shows what each layer costs.
 */
#ifndef NVOS_BENCH_BENCH_TARGET_NVME_H
#define NVOS_BENCH_BENCH_TARGET_NVME_H

#include "bench/engine/bench.h"
#include "drivers/block/block.h"

/*
 * Describes namespace dev ("nvme0n1"; not a partition) as a target. Queue
 * pairs are created when the job starts, one per queue= with iodepth + 1
 * entries, interrupt-driven for mode=irq, and deleted when it stops.
 * 0, -ENODEV (not an NVMe namespace) or -EOPNOTSUPP (a partition, or a
 * format with metadata). Undo with nvme_bench_target_fini.
 */
int nvme_bench_target_init(struct bench_target *t, struct block_device *dev);
void nvme_bench_target_fini(struct bench_target *t);

/*
 * The floor the device (or emulator) sets, for comparison with bench: 4 KiB
 * random reads at queue depth qd for ms milliseconds on a polled queue pair
 * of its own, with SQEs written straight into the ring, one CQ and one SQ
 * doorbell per batch of completions, and none of the driver's bookkeeping
 * (no trackers, timeouts, retries, callbacks). *iops gets the rate. Reads
 * only. -ETIMEDOUT if the device stops completing (the pair and its buffers
 * are then left allocated).
 */
struct nvme_ns;
int nvme_bench_rawloop(struct nvme_ns *ns, unsigned qd, uint64_t ms, uint64_t *iops);

#endif
