/*
 * drivers/nvme/nvme_ns_cmd.c - namespace commands and raw passthrough.
 *
 * [NVM Command Set 1.0 §3.2.4 Read, §3.2.6 Write, §3.2.8 Write Zeroes,
 * §3.2.3 Dataset Management; NVMe Base 2.0 §7.1 Flush].
 *
 * Each call turns into one nvme_request; requests larger than the transfer
 * limit (MDTS, or 65536 blocks, the 16-bit NLB) are cut into commands by
 * nvme_qpair.c and complete once. Buffers must be dword aligned (the PRP
 * rule for PRP1) and stay valid until the callback; for DSM the range
 * array is the data buffer and follows the same rule.
 */
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_quirks.h"
#include "lib/errno.h"

/* Checks the arguments, then takes the one LBA entry (nvme_internal.h);
 * inlined into each public call, so that the payload kind folds away. */
static NVME_ALWAYS_INLINE int
ns_submit(struct nvme_ns *ns, struct nvme_qpair *qp, uint8_t opc, void *buf, uint64_t lba,
          uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
          const struct nvme_lba_payload *x)
{
    /* A plain buffer: the rest is checked on the way (nvme_qpair_submit_lba). */
    if (x == NULL && buf == NULL)
        return -EINVAL;
    if (x && x->kind == NVME_PAYLOAD_CONTIG && (buf == NULL || ((uintptr_t)buf & 3)))
        return -EINVAL;
    if (x && x->kind == NVME_PAYLOAD_SGL && (x->reset_sgl == NULL || x->next_sge == NULL))
        return -EINVAL;
    if (x && x->md_buf && ((uintptr_t)x->md_buf & 3))
        return -EINVAL;
    return nvme_qpair_submit_lba(qp, ns, opc, buf, lba, lba_count, io_flags, cb, cb_arg, x);
}

int nvme_ns_cmd_read(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf, uint64_t lba,
                     uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags)
{
    return ns_submit(ns, qp, NVME_IO_READ, buf, lba, lba_count, cb, cb_arg, io_flags, NULL);
}

int nvme_ns_cmd_write(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf, uint64_t lba,
                      uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags)
{
    return ns_submit(ns, qp, NVME_IO_WRITE, buf, lba, lba_count, cb, cb_arg, io_flags, NULL);
}

int nvme_ns_cmd_readv(struct nvme_ns *ns, struct nvme_qpair *qp, uint64_t lba, uint32_t lba_count,
                      nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
                      nvme_req_reset_sgl_cb reset_sgl, nvme_req_next_sge_cb next_sge)
{
    struct nvme_lba_payload x = { NVME_PAYLOAD_SGL, NULL, reset_sgl, next_sge };
    return ns_submit(ns, qp, NVME_IO_READ, NULL, lba, lba_count, cb, cb_arg, io_flags, &x);
}

int nvme_ns_cmd_writev(struct nvme_ns *ns, struct nvme_qpair *qp, uint64_t lba,
                       uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
                       nvme_req_reset_sgl_cb reset_sgl, nvme_req_next_sge_cb next_sge)
{
    struct nvme_lba_payload x = { NVME_PAYLOAD_SGL, NULL, reset_sgl, next_sge };
    return ns_submit(ns, qp, NVME_IO_WRITE, NULL, lba, lba_count, cb, cb_arg, io_flags, &x);
}

int nvme_ns_cmd_read_with_md(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf, void *md_buf,
                             uint64_t lba, uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg,
                             uint32_t io_flags)
{
    if (md_buf && (ns->md_size == 0 || ns->extended_lba))
        return -EINVAL; /* no separate metadata in this format */
    struct nvme_lba_payload x = { NVME_PAYLOAD_CONTIG, md_buf, NULL, NULL };
    return ns_submit(ns, qp, NVME_IO_READ, buf, lba, lba_count, cb, cb_arg, io_flags,
                     md_buf ? &x : NULL);
}

int nvme_ns_cmd_write_with_md(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf,
                              void *md_buf, uint64_t lba, uint32_t lba_count, nvme_cmd_cb cb,
                              void *cb_arg, uint32_t io_flags)
{
    if (md_buf && (ns->md_size == 0 || ns->extended_lba))
        return -EINVAL;
    struct nvme_lba_payload x = { NVME_PAYLOAD_CONTIG, md_buf, NULL, NULL };
    return ns_submit(ns, qp, NVME_IO_WRITE, buf, lba, lba_count, cb, cb_arg, io_flags,
                     md_buf ? &x : NULL);
}

int nvme_ns_cmd_write_zeroes(struct nvme_ns *ns, struct nvme_qpair *qp, uint64_t lba,
                             uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags)
{
    struct nvme_lba_payload x = { NVME_PAYLOAD_NONE, NULL, NULL, NULL };
    if (ns->ctrlr->quirks & NVME_QUIRK_DISABLE_WRITE_ZEROES)
        return -EOPNOTSUPP; /* broken on this device (nvme_quirks.c) */
    return ns_submit(ns, qp, NVME_IO_WRITE_ZEROES, NULL, lba, lba_count, cb, cb_arg, io_flags,
                     &x);
}

int nvme_ns_cmd_dataset_management(struct nvme_ns *ns, struct nvme_qpair *qp, uint32_t type,
                                   const struct nvme_dsm_range *ranges, uint16_t num_ranges,
                                   nvme_cmd_cb cb, void *cb_arg)
{
    struct nvme_sqe cmd;
    if (num_ranges == 0 || num_ranges > NVME_DSM_MAX_RANGES || ranges == NULL)
        return -EINVAL;
    int err = nvme_cmd_dsm(&cmd, ns->nsid, num_ranges, type);
    if (err)
        return err;
    return nvme_qpair_submit_cmd(qp, &cmd, (void *)ranges, num_ranges * (uint32_t)sizeof(*ranges),
                                 false, cb, cb_arg);
}

int nvme_ns_cmd_flush(struct nvme_ns *ns, struct nvme_qpair *qp, nvme_cmd_cb cb, void *cb_arg)
{
    struct nvme_sqe cmd;
    nvme_cmd_flush(&cmd, ns->nsid);
    return nvme_qpair_submit_cmd(qp, &cmd, NULL, 0, false, cb, cb_arg);
}

int nvme_ctrlr_cmd_io_raw(struct nvme_ctrlr *c, struct nvme_qpair *qp, const struct nvme_sqe *cmd,
                          void *buf, uint32_t len, nvme_cmd_cb cb, void *cb_arg)
{
    if (qp->ctrlr != c || qp->id == 0)
        return -EINVAL;
    return nvme_qpair_submit_cmd(qp, cmd, buf, len, false, cb, cb_arg);
}
