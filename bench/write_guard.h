/*
 * bench/write_guard.h - the benchmark's write policy: may it overwrite these
 * blocks without losing a file system, a partition table or other data?
 */
#ifndef NVOS_BENCH_WRITE_GUARD_H
#define NVOS_BENCH_WRITE_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/block/block.h"

/*
 * May blocks [lba, lba + count) of dev be overwritten? 0 if so; else -EPERM
 * (or a read error) and one line in why saying what is there
 * (bench/write_guard.c has the rules). Reads the disk; for set-up paths, not
 * per I/O.
 */
int bench_write_guard(struct block_device *dev, uint64_t lba, uint64_t count, char *why,
                      size_t size);

#endif
