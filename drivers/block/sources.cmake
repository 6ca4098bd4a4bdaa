# drivers/block/sources.cmake - the block layer and partitions (tools/cmake/modules.cmake).
nvos_module(
    HOST
        block.c # the host tests supply block_wait (tests/host/block_host.c)
    KERNEL
        block_wait.c block_shell.c block_selftest.c partition.c
)
