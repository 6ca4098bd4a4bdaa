/*
 * tests/host/block_host.c - the host tests' block_wait (drivers/block/block.h):
 * the kernel's halts between interrupts (drivers/block/block_wait.c); here
 * there is nothing to halt for, so it spins on the device's poll. Everything
 * else of the block layer is the kernel's own drivers/block/block.c.
 */
#include "drivers/block/block.h"

void block_wait(struct block_device *dev, const bool *done)
{
    while (!__atomic_load_n(done, __ATOMIC_ACQUIRE))
        block_poll(dev, 1);
}
