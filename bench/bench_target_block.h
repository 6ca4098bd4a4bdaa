/*
 * bench/bench_target_block.h - the benchmark target that issues I/O through the
 * generic block layer (drivers/block/block.h): block_submit, block_poll and
 * block_describe_status, with a struct block_request per I/O slot.
 *
 * The block API has one submission point per device, so this target offers
 * one queue; a block request is submitted (and its doorbell rung) by
 * block_submit itself, so it has no commit. Its default mode is the
 * device's current one (block_is_polled); when the device can switch
 * (set_polled), both modes are offered: the job switches the device with
 * block_set_polled at its start and puts it back at its end.
 */
#ifndef NVOS_BENCH_BENCH_TARGET_BLOCK_H
#define NVOS_BENCH_BENCH_TARGET_BLOCK_H

#include "bench/engine/bench.h"
#include "drivers/block/block.h"

/* Describes dev as a target (t->kind "block"); nothing to undo afterwards. */
void bench_block_target_init(struct bench_target *t, struct block_device *dev);

#endif
