/*
 * drivers/nvme/nvme_rawloop.h - the floor the device (or emulator) sets, for
 * comparison with the benchmark (bench/): a driver self-test behind the
 * "nvme rawloop" shell command.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_RAWLOOP_H
#define NVOS_DRIVERS_NVME_NVME_RAWLOOP_H

#include <stdint.h>

struct nvme_ns;

/*
 * 4 KiB random reads at queue depth qd for ms milliseconds on a polled queue
 * pair of its own, with SQEs written straight into the ring, one CQ and one
 * SQ doorbell per batch of completions, and none of the driver's bookkeeping
 * (no trackers, timeouts, retries, callbacks). *iops gets the rate. Reads
 * only. -ETIMEDOUT if the device stops completing (the pair and its buffers
 * are then left allocated).
 */
int nvme_bench_rawloop(struct nvme_ns *ns, unsigned qd, uint64_t ms, uint64_t *iops);

#endif
