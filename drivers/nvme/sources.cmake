# drivers/nvme/sources.cmake - the NVMe driver (tools/cmake/modules.cmake).
# HOST is the driver core, which the host tests run against the in-memory
# controller (tests/host/nvme_model.c) through the nvme_env_* seam.
nvos_module(
    HOST
        nvme_cmd.c nvme_status.c nvme_prp.c nvme_mmio.c nvme_qpair.c nvme_ctrlr.c nvme_recovery.c
        nvme_admin.c nvme_percpu.c
        nvme_ns.c nvme_ns_cmd.c nvme_trace.c nvme_quirks.c nvme_limits.c nvme_dbbuf.c nvme_hmb.c nvme_power.c
        nvme_capture.c nvme_fault.c
    KERNEL
        nvme_pci.c nvme_bdev.c nvme_shell.c nvme_selftest.c nvme_rawloop.c
        nvme_print.c nvme_print_feat.c nvme_print_ctrl.c nvme_print_json.c nvme_doctor.c
        nvme_capture_pci.c
)
