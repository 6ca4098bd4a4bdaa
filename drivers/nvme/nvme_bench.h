/*
 * drivers/nvme/nvme_bench.h - the benchmark's direct NVMe target
 * ("bench target=nvme"): I/O straight through the driver API on queue pairs
 * of the benchmark's own, bypassing the block layer, so that comparing it
 * with target=block shows what each layer costs.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_BENCH_H
#define NVOS_DRIVERS_NVME_NVME_BENCH_H

#include "drivers/block/block.h"
#include "lib/bench/bench.h"

/*
 * Describes namespace dev ("nvme0n1"; not a partition) as a target. Queue
 * pairs are created when the job starts, one per queue= with iodepth + 1
 * entries, interrupt-driven for mode=irq, and deleted when it stops.
 * 0, -ENODEV (not an NVMe namespace) or -EOPNOTSUPP (a partition, or a
 * format with metadata). Undo with nvme_bench_target_fini.
 */
int nvme_bench_target_init(struct bench_target *t, struct block_device *dev);
void nvme_bench_target_fini(struct bench_target *t);

#endif
