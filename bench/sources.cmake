# bench/sources.cmake - the storage benchmark (tools/cmake/modules.cmake).
# HOST: the engine (bench/engine, which includes only lib/) and the block
# target, which the host tests run against fake block devices.
nvos_module(
    HOST
        engine/bench_math.c engine/bench_hist.c engine/bench_verify.c engine/bench_opts.c
        engine/bench_engine.c engine/bench_report.c engine/bench_cmd.c
        engine/bench_group.c
        bench_target_block.c
    KERNEL
        bench_target_nvme.c bench_shell.c fsbench.c write_guard.c
)
