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
#include "lib/errno.h"

/* Inlined into each public call, so that the payload kind folds away. */
static inline __attribute__((always_inline)) int
ns_submit(struct nvme_ns *ns, struct nvme_qpair *qp, uint8_t opc, void *buf, void *md_buf,
          uint64_t lba, uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
          enum nvme_payload payload, nvme_req_reset_sgl_cb reset_sgl, nvme_req_next_sge_cb next_sge)
{
    if (lba_count == 0)
        return -EINVAL;
    if (payload == NVME_PAYLOAD_CONTIG && (buf == NULL || ((uintptr_t)buf & 3)))
        return -EINVAL;
    if (payload == NVME_PAYLOAD_SGL && (reset_sgl == NULL || next_sge == NULL))
        return -EINVAL;
    if (md_buf && ((uintptr_t)md_buf & 3))
        return -EINVAL;
    if (lba_count > ns->max_request_blocks)
        return -E2BIG;
    uint32_t cdw12 = io_flags & ~(uint32_t)NVME_SET(RW_CDW12_NLB, NVME_RW_CDW12_NLB_MASK);
    if (payload == NVME_PAYLOAD_CONTIG && md_buf == NULL) {
        /* One command, PRP1/PRP2 only: inline (nvme_internal.h). */
        bool flags = nvme_qpair_lock(qp);
        bool done = nvme_qpair_submit_one(qp, ns, opc, buf, lba, lba_count, cdw12, cb, cb_arg);
        nvme_qpair_unlock(qp, flags);
        if (likely(done))
            return 0;
    }
    if (payload != NVME_PAYLOAD_SGL)
        return nvme_qpair_submit_lba(qp, ns, opc, buf, md_buf, lba, lba_count, cdw12, cb, cb_arg);

    bool flags = nvme_qpair_lock(qp);
    struct nvme_request *req = nvme_request_alloc(qp, cb, cb_arg);
    int err = -EAGAIN;
    if (req) {
        /* Each command's SQE is built from these at submission. */
        req->opc = opc;
        req->nsid = ns->nsid;
        req->cdw12_flags = cdw12;
        req->ns = ns;
        req->split = true;
        req->payload = payload;
        req->buf = buf;
        req->md_buf = md_buf;
        if (payload == NVME_PAYLOAD_SGL) {
            req->reset_sgl = reset_sgl;
            req->next_sge = next_sge;
        }
        req->next_lba = lba;
        req->blocks_left = lba_count;
        err = nvme_request_submit(qp, req);
    }
    nvme_qpair_unlock(qp, flags);
    return err;
}

int nvme_ns_cmd_read(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf, uint64_t lba,
                     uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags)
{
    return ns_submit(ns, qp, NVME_IO_READ, buf, NULL, lba, lba_count, cb, cb_arg, io_flags,
                     NVME_PAYLOAD_CONTIG, NULL, NULL);
}

int nvme_ns_cmd_write(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf, uint64_t lba,
                      uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags)
{
    return ns_submit(ns, qp, NVME_IO_WRITE, buf, NULL, lba, lba_count, cb, cb_arg, io_flags,
                     NVME_PAYLOAD_CONTIG, NULL, NULL);
}

int nvme_ns_cmd_readv(struct nvme_ns *ns, struct nvme_qpair *qp, uint64_t lba, uint32_t lba_count,
                      nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
                      nvme_req_reset_sgl_cb reset_sgl, nvme_req_next_sge_cb next_sge)
{
    return ns_submit(ns, qp, NVME_IO_READ, NULL, NULL, lba, lba_count, cb, cb_arg, io_flags,
                     NVME_PAYLOAD_SGL, reset_sgl, next_sge);
}

int nvme_ns_cmd_writev(struct nvme_ns *ns, struct nvme_qpair *qp, uint64_t lba,
                       uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
                       nvme_req_reset_sgl_cb reset_sgl, nvme_req_next_sge_cb next_sge)
{
    return ns_submit(ns, qp, NVME_IO_WRITE, NULL, NULL, lba, lba_count, cb, cb_arg, io_flags,
                     NVME_PAYLOAD_SGL, reset_sgl, next_sge);
}

int nvme_ns_cmd_read_with_md(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf, void *md_buf,
                             uint64_t lba, uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg,
                             uint32_t io_flags)
{
    if (md_buf && (ns->md_size == 0 || ns->extended_lba))
        return -EINVAL; /* no separate metadata in this format */
    return ns_submit(ns, qp, NVME_IO_READ, buf, md_buf, lba, lba_count, cb, cb_arg, io_flags,
                     NVME_PAYLOAD_CONTIG, NULL, NULL);
}

int nvme_ns_cmd_write_with_md(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf,
                              void *md_buf, uint64_t lba, uint32_t lba_count, nvme_cmd_cb cb,
                              void *cb_arg, uint32_t io_flags)
{
    if (md_buf && (ns->md_size == 0 || ns->extended_lba))
        return -EINVAL;
    return ns_submit(ns, qp, NVME_IO_WRITE, buf, md_buf, lba, lba_count, cb, cb_arg, io_flags,
                     NVME_PAYLOAD_CONTIG, NULL, NULL);
}

int nvme_ns_cmd_write_zeroes(struct nvme_ns *ns, struct nvme_qpair *qp, uint64_t lba,
                             uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags)
{
    return ns_submit(ns, qp, NVME_IO_WRITE_ZEROES, NULL, NULL, lba, lba_count, cb, cb_arg,
                     io_flags, NVME_PAYLOAD_NONE, NULL, NULL);
}

/* A non-LBA command (flush, DSM, raw passthrough): one command, as given. */
static int submit_single(struct nvme_qpair *qp, const struct nvme_sqe *cmd, void *buf,
                         uint32_t len, nvme_cmd_cb cb, void *cb_arg)
{
    if (buf && ((uintptr_t)buf & 3))
        return -EINVAL;
    bool flags = nvme_qpair_lock(qp);
    struct nvme_request *req = nvme_request_alloc(qp, cb, cb_arg);
    int err = -EAGAIN;
    if (req) {
        req->cmd = *cmd;
        req->payload = (buf && len) ? NVME_PAYLOAD_CONTIG : NVME_PAYLOAD_NONE;
        req->buf = buf;
        req->len = len;
        err = nvme_request_submit(qp, req);
    }
    nvme_qpair_unlock(qp, flags);
    return err;
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
    return submit_single(qp, &cmd, (void *)ranges, num_ranges * (uint32_t)sizeof(*ranges), cb,
                         cb_arg);
}

int nvme_ns_cmd_flush(struct nvme_ns *ns, struct nvme_qpair *qp, nvme_cmd_cb cb, void *cb_arg)
{
    struct nvme_sqe cmd;
    nvme_cmd_flush(&cmd, ns->nsid);
    return submit_single(qp, &cmd, NULL, 0, cb, cb_arg);
}

int nvme_ctrlr_cmd_io_raw(struct nvme_ctrlr *c, struct nvme_qpair *qp, const struct nvme_sqe *cmd,
                          void *buf, uint32_t len, nvme_cmd_cb cb, void *cb_arg)
{
    if (qp->ctrlr != c || qp->id == 0)
        return -EINVAL;
    return submit_single(qp, cmd, buf, len, cb, cb_arg);
}
