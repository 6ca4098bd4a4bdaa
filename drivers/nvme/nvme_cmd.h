/*
 * drivers/nvme/nvme_cmd.h - command builders and the decoders behind the
 * teaching trace. Pure: no device access, no allocation.
 *
 * Builders (FreeBSD's nvme_ns_cmd/nvme_ctrlr_cmd idea, SeaBIOS's size):
 *   - each one zeroes the whole SQE and fills the fields of one command, every
 *     field through the named constants of nvme_regs.h;
 *   - they take counts, not the spec's 0's based values (qsize = entries,
 *     nlb = blocks, numd_bytes = bytes) and do the "- 1" themselves;
 *   - they never touch CID or the data pointer: the data pointer (PRP1/PRP2,
 *     nvme_prp.h) is filled after the builder, and the CID by the queue layer
 *     at submission, from the tracker slot, never from the SQ tail. The queue
 *     base addresses of Create I/O CQ/SQ are the exception: the spec puts the
 *     queue's base in PRP1, so those builders take it.
 *   - builders that can be handed an impossible count return -EINVAL and
 *     leave the SQE zeroed; the others cannot fail and return void.
 *
 * Decoders: one line of text per SQE, CQE and register value, for the
 * nvme.trace=1 console output and its walkthrough document.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_CMD_H
#define NVOS_DRIVERS_NVME_NVME_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/nvme_regs.h"
#include "lib/errno.h"

/* ---- Admin commands [NVMe Base 2.0 §5] ---- */

/* [NVMe Base 2.0 §5.17] Identify: cns (NVME_CNS_*), controller id (CNS 12h/13h...), nsid. */
void nvme_cmd_identify(struct nvme_sqe *sqe, uint8_t cns, uint16_t cntid, uint32_t nsid);

/*
 * [NVMe Base 2.0 §5.4] Create I/O Completion Queue qid with qsize entries (2..65536) at the
 * physically contiguous prp1 (PC=1), interrupting vector iv when ien.
 */
int nvme_cmd_create_io_cq(struct nvme_sqe *sqe, uint16_t qid, uint32_t qsize, uint64_t prp1,
                          uint16_t iv, bool ien);

/* [NVMe Base 2.0 §5.5] Create I/O Submission Queue qid: qsize entries at prp1 (PC=1),
 * completing into cqid, priority qprio (NVME_QPRIO_*, used only with WRR). */
int nvme_cmd_create_io_sq(struct nvme_sqe *sqe, uint16_t qid, uint32_t qsize, uint64_t prp1,
                          uint16_t cqid, uint8_t qprio);

/* [NVMe Base 2.0 §5.7] Delete I/O Submission Queue, [§5.6] Delete I/O Completion Queue.
 * Delete the SQs before their CQ: QEMU answers 010Ch Invalid Queue Deletion otherwise. */
void nvme_cmd_delete_io_sq(struct nvme_sqe *sqe, uint16_t qid);
void nvme_cmd_delete_io_cq(struct nvme_sqe *sqe, uint16_t qid);

/*
 * [NVMe Base 2.0 §5.27] Set Features fid with CDW11 value cdw11; save sets SV. nsid is 0
 * for controller-wide features, or the namespace for namespace features.
 */
void nvme_cmd_set_features(struct nvme_sqe *sqe, uint8_t fid, bool save, uint32_t cdw11,
                           uint32_t nsid);

/* [NVMe Base 2.0 §5.15] Get Features fid; sel = NVME_FEAT_SEL_* (current, default, saved,
 * supported capabilities). */
void nvme_cmd_get_features(struct nvme_sqe *sqe, uint8_t fid, uint8_t sel, uint32_t cdw11,
                           uint32_t nsid);

/*
 * [NVMe Base 2.0 §5.27.1.5] Set Features, Number of Queues: asks for nsq I/O submission and
 * ncq I/O completion queues (1..65535 each; the spec's NSQR/NCQR are 0's based).
 */
int nvme_cmd_set_num_queues(struct nvme_sqe *sqe, uint32_t nsq, uint32_t ncq);

/* Reads the granted counts (NSQA+1, NCQA+1) from a Number of Queues completion DW0. */
void nvme_num_queues_result(uint32_t dw0, uint32_t *nsq, uint32_t *ncq);

/*
 * [NVMe Base 2.0 §5.16] Get Log Page lid for nsid: numd_bytes bytes (a multiple of 4, at
 * least 4) from byte offset (a multiple of 4); rae keeps the event that
 * pointed here latched (RAE=1), rae=false re-arms it.
 */
int nvme_cmd_get_log_page(struct nvme_sqe *sqe, uint32_t nsid, uint8_t lid, uint64_t numd_bytes,
                          uint64_t offset, bool rae);

/* [NVMe Base 2.0 §5.1] Abort command cid on submission queue sqid. */
void nvme_cmd_abort(struct nvme_sqe *sqe, uint16_t sqid, uint16_t cid);

/* [NVMe Base 2.0 §5.2] Asynchronous Event Request: completes when the controller has news. */
void nvme_cmd_async_event_request(struct nvme_sqe *sqe);

/* [NVMe Base 1.3 §5.7, 1.4 §5.8] Doorbell Buffer Config: PRP1 the Shadow
 * Doorbell page, PRP2 the EventIdx page (both memory-page aligned). */
void nvme_cmd_dbbuf_config(struct nvme_sqe *sqe, uint64_t shadow_phys, uint64_t eventidx_phys);

/* ---- NVM I/O commands [NVM CS 1.0 §3.2], Flush [NVMe Base 2.0 §7.1] ---- */

/*
 * Every builder starts from an all-zero SQE (reserved fields must be zero)
 * with its opcode and NSID. Field by field rather than memset: the kernel is
 * -ffreestanding, so memset is a call (and a struct literal a rep stos) on
 * the per-I/O path; inline, these are plain stores, and the ones a builder
 * or its caller overwrite (CID, PRP1/PRP2) the compiler drops.
 */
static inline __attribute__((always_inline)) void nvme_sqe_init(struct nvme_sqe *sqe, uint8_t opc,
                                                                uint32_t nsid)
{
    sqe->opc = opc;
    sqe->flags = 0;
    sqe->cid = 0;
    sqe->nsid = nsid;
    sqe->cdw2 = 0;
    sqe->cdw3 = 0;
    sqe->mptr = 0;
    sqe->dptr.prp1 = 0;
    sqe->dptr.prp2 = 0;
    sqe->cdw10 = 0;
    sqe->cdw11 = 0;
    sqe->cdw12 = 0;
    sqe->cdw13 = 0;
    sqe->cdw14 = 0;
    sqe->cdw15 = 0;
}

/* The CDW12 bits nvme_cmd_rw() passes through from its flags. */
#define NVME_RW_FLAGS_MASK (NVME_RW_FUA | NVME_RW_LR | NVME_RW_PRINFO(NVME_RW_CDW12_PRINFO_MASK))

/*
 * [NVM CS 1.0 §3.2.4 Read, §3.2.6 Write, §3.2.1 Compare, §3.2.9 Verify] of
 * nlb blocks (1..65536) from slba (CDW10-11, low dword first); flags are
 * CDW12 bits: NVME_RW_FUA, NVME_RW_LR, NVME_RW_PRINFO(p). Other flag bits
 * are dropped. The one place a Read/Write SQE is filled: the I/O fast path,
 * the split children of large requests and the raw loop all call it, so it
 * is inline.
 */
static inline __attribute__((always_inline)) int nvme_cmd_rw(struct nvme_sqe *sqe, uint8_t opc,
                                                             uint32_t nsid, uint64_t slba,
                                                             uint32_t nlb, uint32_t flags)
{
    int err = 0;
    if (__builtin_expect(nlb - 1u >= NVME_RW_MAX_BLOCKS, 0)) { /* nlb == 0 wraps too */
        slba = 0; /* and the SQE is left zeroed but for opc and nsid */
        nlb = 1;
        flags = 0;
        err = -EINVAL;
    }
    nvme_sqe_init(sqe, opc, nsid);
    sqe->cdw10 = (uint32_t)slba;
    sqe->cdw11 = (uint32_t)(slba >> 32);
    sqe->cdw12 = NVME_SET(RW_CDW12_NLB, nlb - 1u) | (flags & NVME_RW_FLAGS_MASK);
    return err;
}

/* Flush the Volatile Write Cache of nsid (NVME_NSID_ALL if VWC allows it). */
void nvme_cmd_flush(struct nvme_sqe *sqe, uint32_t nsid);

/* [NVM CS 1.0 §3.2.8] Write Zeroes nlb blocks (1..65536) from slba; deac also deallocates them. */
int nvme_cmd_write_zeroes(struct nvme_sqe *sqe, uint32_t nsid, uint64_t slba, uint32_t nlb,
                          bool deac);

/*
 * [NVM CS 1.0 §3.2.3] Dataset Management of nr_ranges ranges (1..256) in the buffer the
 * data pointer will point at; attrs = NVME_DSM_AD (deallocate) | IDR | IDW.
 */
int nvme_cmd_dsm(struct nvme_sqe *sqe, uint32_t nsid, uint32_t nr_ranges, uint32_t attrs);

/* Fills one DSM range: nlb blocks (a count, not 0's based) from slba. */
void nvme_dsm_range_set(struct nvme_dsm_range *range, uint64_t slba, uint32_t nlb,
                        uint32_t cattr);

/* ---- Decoders for the trace ---- */

/*
 * One line for an SQE, e.g. "Identify CNS=01h (controller) NSID=0 CID=3
 * PRP1=0x1234000"; admin selects the opcode table. Returns what ksnprintf
 * returns (the untruncated length).
 */
int nvme_sqe_describe(const struct nvme_sqe *sqe, bool admin, char *buf, size_t size);

/* "CID=3 SQID=0 SQHD=4 P=1 status=0x0000 Successful Completion DW0=0x0". */
int nvme_cqe_describe(const struct nvme_cqe *cqe, char *buf, size_t size);

/* Register values as "FIELD=value" lists (CC: "EN=1 CSS=0 MPS=0 AMS=0 SHN=0 IOSQES=6 IOCQES=4"). */
int nvme_decode_cap(uint64_t cap, char *buf, size_t size);
int nvme_decode_cc(uint32_t cc, char *buf, size_t size);
int nvme_decode_csts(uint32_t csts, char *buf, size_t size);
int nvme_decode_aqa(uint32_t aqa, char *buf, size_t size);
int nvme_decode_crto(uint32_t crto, char *buf, size_t size);
/* "1.4.0" */
int nvme_decode_vs(uint32_t vs, char *buf, size_t size);

/* The spec's names; NULL when the value is not one the spec defines. */
const char *nvme_admin_opc_name(uint8_t opc);   /* "Identify" */
const char *nvme_io_opc_name(uint8_t opc);      /* "Read" */
const char *nvme_feature_name(uint8_t fid);     /* "Number of Queues" */
const char *nvme_log_page_name(uint8_t lid);    /* "SMART / Health Information" */
const char *nvme_cns_name(uint8_t cns);         /* "controller" */

#endif
