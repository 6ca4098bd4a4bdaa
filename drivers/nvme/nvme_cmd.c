/*
 * drivers/nvme/nvme_cmd.c - command builders, SQE/CQE/register decoders and
 * the spec's names for opcodes, features, log pages and CNS values.
 *
 * Spec: [NVMe Base 2.0 §3.3.3] command and completion formats, §5 admin
 * commands, §7.1 Flush; [NVM CS 1.0 §3.2] NVM I/O commands. The contract of
 * every function is in nvme_cmd.h.
 */
#include "drivers/nvme/nvme_cmd.h"

#include <stdarg.h>

#include "drivers/nvme/nvme_regs.h"
#include "drivers/nvme/nvme_status.h"
#include "lib/errno.h"
#include "lib/printf.h"

/* ---- Admin commands ---- */

void nvme_cmd_identify(struct nvme_sqe *sqe, uint8_t cns, uint16_t cntid, uint32_t nsid)
{
    nvme_sqe_init(sqe, NVME_ADMIN_IDENTIFY, nsid);
    sqe->cdw10 = NVME_SET(IDENTIFY_CDW10_CNS, (uint32_t)cns) |
                 NVME_SET(IDENTIFY_CDW10_CNTID, (uint32_t)cntid);
}

/* [NVMe Base 2.0 §5.4, §5.5] QSIZE is 0's based; a queue has at least 2 entries. */
static bool queue_size_ok(uint32_t qsize)
{
    return qsize >= 2 && qsize <= NVME_CREATE_CQ_CDW10_QSIZE_MASK + 1u;
}

int nvme_cmd_create_io_cq(struct nvme_sqe *sqe, uint16_t qid, uint32_t qsize, uint64_t prp1,
                          uint16_t iv, bool ien)
{
    nvme_sqe_init(sqe, NVME_ADMIN_CREATE_CQ, NVME_NSID_NONE);
    if (!queue_size_ok(qsize))
        return -EINVAL;
    sqe->dptr.prp1 = prp1;
    sqe->cdw10 = NVME_SET(CREATE_CQ_CDW10_QID, (uint32_t)qid) |
                 NVME_SET(CREATE_CQ_CDW10_QSIZE, qsize - 1u);
    /* PC=1: the driver allocates queues physically contiguous (QEMU requires it: CAP.CQR=1) */
    sqe->cdw11 = NVME_SET(CREATE_CQ_CDW11_PC, 1u) | NVME_SET(CREATE_CQ_CDW11_IEN, (uint32_t)ien) |
                 NVME_SET(CREATE_CQ_CDW11_IV, (uint32_t)iv);
    return 0;
}

int nvme_cmd_create_io_sq(struct nvme_sqe *sqe, uint16_t qid, uint32_t qsize, uint64_t prp1,
                          uint16_t cqid, uint8_t qprio)
{
    nvme_sqe_init(sqe, NVME_ADMIN_CREATE_SQ, NVME_NSID_NONE);
    if (!queue_size_ok(qsize))
        return -EINVAL;
    sqe->dptr.prp1 = prp1;
    sqe->cdw10 = NVME_SET(CREATE_SQ_CDW10_QID, (uint32_t)qid) |
                 NVME_SET(CREATE_SQ_CDW10_QSIZE, qsize - 1u);
    sqe->cdw11 = NVME_SET(CREATE_SQ_CDW11_PC, 1u) |
                 NVME_SET(CREATE_SQ_CDW11_QPRIO, (uint32_t)qprio) |
                 NVME_SET(CREATE_SQ_CDW11_CQID, (uint32_t)cqid);
    return 0;
}

void nvme_cmd_delete_io_sq(struct nvme_sqe *sqe, uint16_t qid)
{
    nvme_sqe_init(sqe, NVME_ADMIN_DELETE_SQ, NVME_NSID_NONE);
    sqe->cdw10 = NVME_SET(DELETE_Q_CDW10_QID, (uint32_t)qid);
}

void nvme_cmd_delete_io_cq(struct nvme_sqe *sqe, uint16_t qid)
{
    nvme_sqe_init(sqe, NVME_ADMIN_DELETE_CQ, NVME_NSID_NONE);
    sqe->cdw10 = NVME_SET(DELETE_Q_CDW10_QID, (uint32_t)qid);
}

void nvme_cmd_set_features(struct nvme_sqe *sqe, uint8_t fid, bool save, uint32_t cdw11,
                           uint32_t nsid)
{
    nvme_sqe_init(sqe, NVME_ADMIN_SET_FEATURES, nsid);
    sqe->cdw10 = NVME_SET(FEAT_CDW10_FID, (uint32_t)fid) | NVME_SET(FEAT_CDW10_SV, (uint32_t)save);
    sqe->cdw11 = cdw11;
}

void nvme_cmd_get_features(struct nvme_sqe *sqe, uint8_t fid, uint8_t sel, uint32_t cdw11,
                           uint32_t nsid)
{
    nvme_sqe_init(sqe, NVME_ADMIN_GET_FEATURES, nsid);
    sqe->cdw10 = NVME_SET(FEAT_CDW10_FID, (uint32_t)fid) | NVME_SET(FEAT_CDW10_SEL, (uint32_t)sel);
    sqe->cdw11 = cdw11;
}

int nvme_cmd_set_num_queues(struct nvme_sqe *sqe, uint32_t nsq, uint32_t ncq)
{
    /* 0's based; NSQR/NCQR = 65535 is invalid, so at most 65535 queues of each. */
    const uint32_t max = NVME_FEAT_NUMQ_NSQ_MASK;

    nvme_sqe_init(sqe, NVME_ADMIN_SET_FEATURES, NVME_NSID_NONE);
    if (nsq - 1u >= max || ncq - 1u >= max)
        return -EINVAL;
    sqe->cdw10 = NVME_SET(FEAT_CDW10_FID, (uint32_t)NVME_FEAT_NUM_QUEUES);
    sqe->cdw11 = NVME_SET(FEAT_NUMQ_NSQ, nsq - 1u) | NVME_SET(FEAT_NUMQ_NCQ, ncq - 1u);
    return 0;
}

void nvme_num_queues_result(uint32_t dw0, uint32_t *nsq, uint32_t *ncq)
{
    *nsq = NVME_GET(dw0, FEAT_NUMQ_NSQ) + 1u;
    *ncq = NVME_GET(dw0, FEAT_NUMQ_NCQ) + 1u;
}

int nvme_cmd_get_log_page(struct nvme_sqe *sqe, uint32_t nsid, uint8_t lid, uint64_t numd_bytes,
                          uint64_t offset, bool rae)
{
    uint32_t numd; /* dwords, 0's based, split over NUMDL and NUMDU */

    nvme_sqe_init(sqe, NVME_ADMIN_GET_LOG_PAGE, nsid);
    if (numd_bytes < 4 || numd_bytes % 4 != 0 || numd_bytes / 4 > (1ull << 32) || offset % 4 != 0)
        return -EINVAL;
    numd = (uint32_t)(numd_bytes / 4 - 1);
    sqe->cdw10 = NVME_SET(GET_LOG_CDW10_LID, (uint32_t)lid) |
                 NVME_SET(GET_LOG_CDW10_RAE, (uint32_t)rae) |
                 NVME_SET(GET_LOG_CDW10_NUMDL, numd & NVME_GET_LOG_CDW10_NUMDL_MASK);
    sqe->cdw11 = NVME_SET(GET_LOG_CDW11_NUMDU, numd >> 16);
    sqe->cdw12 = (uint32_t)offset;         /* LPOL */
    sqe->cdw13 = (uint32_t)(offset >> 32); /* LPOU */
    return 0;
}

void nvme_cmd_abort(struct nvme_sqe *sqe, uint16_t sqid, uint16_t cid)
{
    nvme_sqe_init(sqe, NVME_ADMIN_ABORT, NVME_NSID_NONE);
    sqe->cdw10 = NVME_SET(ABORT_CDW10_SQID, (uint32_t)sqid) |
                 NVME_SET(ABORT_CDW10_CID, (uint32_t)cid);
}

void nvme_cmd_async_event_request(struct nvme_sqe *sqe)
{
    nvme_sqe_init(sqe, NVME_ADMIN_ASYNC_EVENT, NVME_NSID_NONE);
}

void nvme_cmd_dbbuf_config(struct nvme_sqe *sqe, uint64_t shadow_phys, uint64_t eventidx_phys)
{
    nvme_sqe_init(sqe, NVME_ADMIN_DBBUF_CONFIG, NVME_NSID_NONE);
    sqe->dptr.prp1 = shadow_phys;
    sqe->dptr.prp2 = eventidx_phys;
}

/* ---- NVM I/O commands ---- */

/* CDW10-11: the 64-bit Starting LBA, low dword first. */
static void set_slba(struct nvme_sqe *sqe, uint64_t slba)
{
    sqe->cdw10 = (uint32_t)slba;
    sqe->cdw11 = (uint32_t)(slba >> 32);
}

void nvme_cmd_flush(struct nvme_sqe *sqe, uint32_t nsid)
{
    nvme_sqe_init(sqe, NVME_IO_FLUSH, nsid);
}

int nvme_cmd_write_zeroes(struct nvme_sqe *sqe, uint32_t nsid, uint64_t slba, uint32_t nlb,
                          bool deac)
{
    nvme_sqe_init(sqe, NVME_IO_WRITE_ZEROES, nsid);
    if (nlb - 1u >= NVME_RW_MAX_BLOCKS)
        return -EINVAL;
    set_slba(sqe, slba);
    sqe->cdw12 = NVME_SET(RW_CDW12_NLB, nlb - 1u) | NVME_SET(RW_CDW12_DEAC, (uint32_t)deac);
    return 0;
}

int nvme_cmd_dsm(struct nvme_sqe *sqe, uint32_t nsid, uint32_t nr_ranges, uint32_t attrs)
{
    nvme_sqe_init(sqe, NVME_IO_DSM, nsid);
    if (nr_ranges - 1u >= NVME_DSM_MAX_RANGES)
        return -EINVAL;
    sqe->cdw10 = NVME_SET(DSM_CDW10_NR, nr_ranges - 1u);
    sqe->cdw11 = attrs & (NVME_DSM_IDR | NVME_DSM_IDW | NVME_DSM_AD);
    return 0;
}

void nvme_dsm_range_set(struct nvme_dsm_range *range, uint64_t slba, uint32_t nlb,
                        uint32_t cattr)
{
    range->cattr = cattr;
    range->nlb = nlb;
    range->slba = slba;
}

/* ---- Names ---- */

struct name8 {
    uint8_t value;
    const char *name;
};

static const char *lookup(const struct name8 *table, size_t n, unsigned value)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].value == value)
            return table[i].name;
    return NULL;
}
#define LOOKUP(table, value) lookup(table, sizeof(table) / sizeof(table[0]), value)

/* [NVMe Base 2.0 §5] "Opcodes for Admin Commands" */
static const struct name8 admin_opc_names[] = {
    { NVME_ADMIN_DELETE_SQ, "Delete I/O Submission Queue" },
    { NVME_ADMIN_CREATE_SQ, "Create I/O Submission Queue" },
    { NVME_ADMIN_GET_LOG_PAGE, "Get Log Page" },
    { NVME_ADMIN_DELETE_CQ, "Delete I/O Completion Queue" },
    { NVME_ADMIN_CREATE_CQ, "Create I/O Completion Queue" },
    { NVME_ADMIN_IDENTIFY, "Identify" },
    { NVME_ADMIN_ABORT, "Abort" },
    { NVME_ADMIN_SET_FEATURES, "Set Features" },
    { NVME_ADMIN_GET_FEATURES, "Get Features" },
    { NVME_ADMIN_ASYNC_EVENT, "Asynchronous Event Request" },
    { NVME_ADMIN_NS_MGMT, "Namespace Management" },
    { NVME_ADMIN_FW_COMMIT, "Firmware Commit" },
    { NVME_ADMIN_FW_DOWNLOAD, "Firmware Image Download" },
    { NVME_ADMIN_SELF_TEST, "Device Self-test" },
    { NVME_ADMIN_NS_ATTACH, "Namespace Attachment" },
    { NVME_ADMIN_KEEP_ALIVE, "Keep Alive" },
    { NVME_ADMIN_DIRECTIVE_SEND, "Directive Send" },
    { NVME_ADMIN_DIRECTIVE_RECV, "Directive Receive" },
    { NVME_ADMIN_VIRT_MGMT, "Virtualization Management" },
    { NVME_ADMIN_MI_SEND, "NVMe-MI Send" },
    { NVME_ADMIN_MI_RECV, "NVMe-MI Receive" },
    { NVME_ADMIN_CAPACITY_MGMT, "Capacity Management" },
    { NVME_ADMIN_LOCKDOWN, "Lockdown" },
    { NVME_ADMIN_DBBUF_CONFIG, "Doorbell Buffer Config" },
    { NVME_ADMIN_FABRICS, "Fabrics Commands" },
    { NVME_ADMIN_FORMAT_NVM, "Format NVM" },
    { NVME_ADMIN_SECURITY_SEND, "Security Send" },
    { NVME_ADMIN_SECURITY_RECV, "Security Receive" },
    { NVME_ADMIN_SANITIZE, "Sanitize" },
    { NVME_ADMIN_GET_LBA_STATUS, "Get LBA Status" },
};

/* [NVM CS 1.0 §3] "Opcodes for NVM Commands"; Flush and reservations from the Base spec */
static const struct name8 io_opc_names[] = {
    { NVME_IO_FLUSH, "Flush" },
    { NVME_IO_WRITE, "Write" },
    { NVME_IO_READ, "Read" },
    { NVME_IO_WRITE_UNCORRECTABLE, "Write Uncorrectable" },
    { NVME_IO_COMPARE, "Compare" },
    { NVME_IO_WRITE_ZEROES, "Write Zeroes" },
    { NVME_IO_DSM, "Dataset Management" },
    { NVME_IO_VERIFY, "Verify" },
    { NVME_IO_RESV_REGISTER, "Reservation Register" },
    { NVME_IO_RESV_REPORT, "Reservation Report" },
    { NVME_IO_RESV_ACQUIRE, "Reservation Acquire" },
    { NVME_IO_RESV_RELEASE, "Reservation Release" },
    { NVME_IO_COPY, "Copy" },
};

/* [NVMe Base 2.0 §5.27.1] "Feature Identifiers" */
static const struct name8 feature_names[] = {
    { NVME_FEAT_ARBITRATION, "Arbitration" },
    { NVME_FEAT_POWER_MGMT, "Power Management" },
    { NVME_FEAT_LBA_RANGE, "LBA Range Type" },
    { NVME_FEAT_TEMP_THRESH, "Temperature Threshold" },
    { NVME_FEAT_ERR_RECOVERY, "Error Recovery" },
    { NVME_FEAT_VOLATILE_WC, "Volatile Write Cache" },
    { NVME_FEAT_NUM_QUEUES, "Number of Queues" },
    { NVME_FEAT_IRQ_COALESCE, "Interrupt Coalescing" },
    { NVME_FEAT_IRQ_CONFIG, "Interrupt Vector Configuration" },
    { NVME_FEAT_WRITE_ATOMIC, "Write Atomicity Normal" },
    { NVME_FEAT_ASYNC_EVENT, "Asynchronous Event Configuration" },
    { NVME_FEAT_AUTO_PST, "Autonomous Power State Transition" },
    { NVME_FEAT_HOST_MEM_BUF, "Host Memory Buffer" },
    { NVME_FEAT_TIMESTAMP, "Timestamp" },
    { NVME_FEAT_KATO, "Keep Alive Timer" },
    { NVME_FEAT_HCTM, "Host Controlled Thermal Management" },
    { NVME_FEAT_NOPSC, "Non-Operational Power State Config" },
    { NVME_FEAT_RRL, "Read Recovery Level Config" },
    { NVME_FEAT_PLM_CONFIG, "Predictable Latency Mode Config" },
    { NVME_FEAT_PLM_WINDOW, "Predictable Latency Mode Window" },
    { NVME_FEAT_HOST_BEHAVIOR, "Host Behavior Support" },
    { NVME_FEAT_SANITIZE, "Sanitize Config" },
    { NVME_FEAT_ENDGRP_EVENT, "Endurance Group Event Configuration" },
    { NVME_FEAT_IOCS_PROFILE, "I/O Command Set Profile" },
    { NVME_FEAT_SPINUP_CONTROL, "Spinup Control" },
    { NVME_FEAT_SW_PROGRESS, "Software Progress Marker" },
    { NVME_FEAT_HOST_ID, "Host Identifier" },
    { NVME_FEAT_RESV_MASK, "Reservation Notification Mask" },
    { NVME_FEAT_RESV_PERSIST, "Reservation Persistence" },
    { NVME_FEAT_WRITE_PROTECT, "Namespace Write Protection Config" },
};

/* [NVMe Base 2.0 §5.16.1] "Log Page Identifiers" */
static const struct name8 log_page_names[] = {
    { NVME_LOG_SUPPORTED, "Supported Log Pages" },
    { NVME_LOG_ERROR, "Error Information" },
    { NVME_LOG_SMART, "SMART / Health Information" },
    { NVME_LOG_FW_SLOT, "Firmware Slot Information" },
    { NVME_LOG_CHANGED_NS, "Changed Namespace List" },
    { NVME_LOG_CMD_EFFECTS, "Commands Supported and Effects" },
    { NVME_LOG_SELF_TEST, "Device Self-test" },
    { NVME_LOG_TELEMETRY_HOST, "Telemetry Host-Initiated" },
    { NVME_LOG_TELEMETRY_CTRL, "Telemetry Controller-Initiated" },
    { NVME_LOG_ENDGRP, "Endurance Group Information" },
    { NVME_LOG_ANA, "Asymmetric Namespace Access" },
    { NVME_LOG_PERSISTENT_EVENT, "Persistent Event Log" },
    { NVME_LOG_RESV_NOTIFICATION, "Reservation Notification" },
    { NVME_LOG_SANITIZE, "Sanitize Status" },
};

/* [NVMe Base 2.0 §5.17, Figure 273] CNS values, as the data each returns */
static const struct name8 cns_names[] = {
    { NVME_CNS_NS, "namespace" },
    { NVME_CNS_CTRL, "controller" },
    { NVME_CNS_NS_ACTIVE_LIST, "active namespace list" },
    { NVME_CNS_NS_DESC_LIST, "namespace identification descriptors" },
    { NVME_CNS_NVMSET_LIST, "NVM set list" },
    { NVME_CNS_CS_NS, "I/O command set namespace" },
    { NVME_CNS_CS_CTRL, "I/O command set controller" },
    { NVME_CNS_CS_NS_ACTIVE_LIST, "I/O command set active namespace list" },
    { NVME_CNS_NS_CSI_INDEPENDENT, "I/O command set independent namespace" },
    { NVME_CNS_NS_ALLOC_LIST, "allocated namespace list" },
    { NVME_CNS_NS_ALLOC, "allocated namespace" },
    { NVME_CNS_NS_CTRL_LIST, "namespace controller list" },
    { NVME_CNS_CTRL_LIST, "controller list" },
    { NVME_CNS_PRIMARY_CTRL_CAP, "primary controller capabilities" },
    { NVME_CNS_SECONDARY_CTRL_LIST, "secondary controller list" },
    { NVME_CNS_NS_GRANULARITY, "namespace granularity list" },
    { NVME_CNS_UUID_LIST, "UUID list" },
    { NVME_CNS_DOMAIN_LIST, "domain list" },
    { NVME_CNS_ENDGRP_LIST, "endurance group list" },
    { NVME_CNS_CS_NS_ALLOC_LIST, "I/O command set allocated namespace list" },
    { NVME_CNS_CS_NS_ALLOC, "I/O command set allocated namespace" },
    { NVME_CNS_IOCS, "I/O command set" },
};

const char *nvme_admin_opc_name(uint8_t opc) { return LOOKUP(admin_opc_names, opc); }
const char *nvme_io_opc_name(uint8_t opc) { return LOOKUP(io_opc_names, opc); }
const char *nvme_feature_name(uint8_t fid) { return LOOKUP(feature_names, fid); }
const char *nvme_log_page_name(uint8_t lid) { return LOOKUP(log_page_names, lid); }
const char *nvme_cns_name(uint8_t cns) { return LOOKUP(cns_names, cns); }

static const char *const feat_sel_names[] = { "current", "default", "saved", "supported" };

/* ---- Decoders ---- */

/* A line assembled from pieces; len counts what did not fit, like snprintf. */
struct line {
    char *buf;
    size_t size;
    size_t len;
};

static void PRINTF_LIKE(2, 3) put(struct line *l, const char *fmt, ...)
{
    va_list ap;
    size_t room = l->len < l->size ? l->size - l->len : 0;
    int n;

    va_start(ap, fmt);
    n = kvsnprintf(room ? l->buf + l->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n;
}

static void put_nsid(struct line *l, uint32_t nsid)
{
    if (nsid == NVME_NSID_ALL)
        put(l, " NSID=0x%x", nsid);
    else
        put(l, " NSID=%u", nsid);
}

static void put_name(struct line *l, const char *name)
{
    if (name)
        put(l, " (%s)", name);
}

static void describe_admin(struct line *l, const struct nvme_sqe *sqe)
{
    uint32_t c10 = sqe->cdw10, c11 = sqe->cdw11;

    switch (sqe->opc) {
    case NVME_ADMIN_IDENTIFY: {
        uint8_t cns = (uint8_t)NVME_GET(c10, IDENTIFY_CDW10_CNS);
        put(l, "Identify CNS=%02Xh", cns);
        put_name(l, nvme_cns_name(cns));
        if (NVME_GET(c10, IDENTIFY_CDW10_CNTID))
            put(l, " CNTID=%u", NVME_GET(c10, IDENTIFY_CDW10_CNTID));
        if (NVME_GET(c11, IDENTIFY_CDW11_CSI))
            put(l, " CSI=%u", NVME_GET(c11, IDENTIFY_CDW11_CSI));
        put_nsid(l, sqe->nsid);
        return;
    }
    case NVME_ADMIN_CREATE_CQ: {
        uint32_t qsize = NVME_GET(c10, CREATE_CQ_CDW10_QSIZE);
        put(l, "Create I/O CQ QID=%u QSIZE=%u (0-based %u) PC=%u IEN=%u IV=%u",
            NVME_GET(c10, CREATE_CQ_CDW10_QID), qsize + 1u, qsize,
            NVME_GET(c11, CREATE_CQ_CDW11_PC), NVME_GET(c11, CREATE_CQ_CDW11_IEN),
            NVME_GET(c11, CREATE_CQ_CDW11_IV));
        return;
    }
    case NVME_ADMIN_CREATE_SQ: {
        uint32_t qsize = NVME_GET(c10, CREATE_SQ_CDW10_QSIZE);
        put(l, "Create I/O SQ QID=%u QSIZE=%u (0-based %u) PC=%u QPRIO=%u CQID=%u",
            NVME_GET(c10, CREATE_SQ_CDW10_QID), qsize + 1u, qsize,
            NVME_GET(c11, CREATE_SQ_CDW11_PC), NVME_GET(c11, CREATE_SQ_CDW11_QPRIO),
            NVME_GET(c11, CREATE_SQ_CDW11_CQID));
        return;
    }
    case NVME_ADMIN_DELETE_SQ:
        put(l, "Delete I/O SQ QID=%u", NVME_GET(c10, DELETE_Q_CDW10_QID));
        return;
    case NVME_ADMIN_DELETE_CQ:
        put(l, "Delete I/O CQ QID=%u", NVME_GET(c10, DELETE_Q_CDW10_QID));
        return;
    case NVME_ADMIN_GET_LOG_PAGE: {
        uint8_t lid = (uint8_t)NVME_GET(c10, GET_LOG_CDW10_LID);
        uint32_t numd = NVME_GET(c10, GET_LOG_CDW10_NUMDL) |
                        NVME_GET(c11, GET_LOG_CDW11_NUMDU) << 16;
        uint64_t lpo = (uint64_t)sqe->cdw13 << 32 | sqe->cdw12;
        put(l, "Get Log Page LID=%02Xh", lid);
        put_name(l, nvme_log_page_name(lid));
        put_nsid(l, sqe->nsid);
        put(l, " NUMD=%llu (0-based %u, %llu bytes) LPO=0x%llx RAE=%u",
            (unsigned long long)numd + 1, numd, ((unsigned long long)numd + 1) * 4,
            (unsigned long long)lpo, NVME_GET(c10, GET_LOG_CDW10_RAE));
        if (NVME_GET(c10, GET_LOG_CDW10_LSP))
            put(l, " LSP=%u", NVME_GET(c10, GET_LOG_CDW10_LSP));
        return;
    }
    case NVME_ADMIN_SET_FEATURES:
    case NVME_ADMIN_GET_FEATURES: {
        uint8_t fid = (uint8_t)NVME_GET(c10, FEAT_CDW10_FID);
        bool set = sqe->opc == NVME_ADMIN_SET_FEATURES;
        put(l, "%s Features FID=%02Xh", set ? "Set" : "Get", fid);
        put_name(l, nvme_feature_name(fid));
        if (set) {
            put(l, " SV=%u", NVME_GET(c10, FEAT_CDW10_SV));
        } else {
            uint32_t sel = NVME_GET(c10, FEAT_CDW10_SEL);
            put(l, " SEL=%u", sel);
            if (sel < sizeof(feat_sel_names) / sizeof(feat_sel_names[0]))
                put(l, " (%s)", feat_sel_names[sel]);
        }
        put(l, " CDW11=0x%x", c11);
        if (set && fid == NVME_FEAT_NUM_QUEUES)
            put(l, " NSQR=%u NCQR=%u (0-based)", NVME_GET(c11, FEAT_NUMQ_NSQ),
                NVME_GET(c11, FEAT_NUMQ_NCQ));
        if (sqe->nsid)
            put_nsid(l, sqe->nsid);
        return;
    }
    case NVME_ADMIN_ABORT:
        put(l, "Abort SQID=%u target-CID=%u", NVME_GET(c10, ABORT_CDW10_SQID),
            NVME_GET(c10, ABORT_CDW10_CID));
        return;
    case NVME_ADMIN_ASYNC_EVENT:
        put(l, "Asynchronous Event Request");
        return;
    default: {
        const char *name = nvme_admin_opc_name(sqe->opc);
        if (name)
            put(l, "%s", name);
        else
            put(l, "Admin opcode %02Xh", sqe->opc);
        put_nsid(l, sqe->nsid);
        put(l, " CDW10=0x%x CDW11=0x%x", c10, c11);
        return;
    }
    }
}

static void describe_io(struct line *l, const struct nvme_sqe *sqe)
{
    uint32_t c12 = sqe->cdw12;
    const char *name = nvme_io_opc_name(sqe->opc);

    switch (sqe->opc) {
    case NVME_IO_READ:
    case NVME_IO_WRITE:
    case NVME_IO_COMPARE:
    case NVME_IO_VERIFY:
    case NVME_IO_WRITE_UNCORRECTABLE:
    case NVME_IO_WRITE_ZEROES: {
        uint64_t slba = (uint64_t)sqe->cdw11 << 32 | sqe->cdw10;
        uint32_t nlb = NVME_GET(c12, RW_CDW12_NLB);
        put(l, "%s", name);
        put_nsid(l, sqe->nsid);
        put(l, " SLBA=0x%llx NLB=%u (0-based %u)", (unsigned long long)slba, nlb + 1u, nlb);
        if (NVME_GET(c12, RW_CDW12_FUA))
            put(l, " FUA");
        if (NVME_GET(c12, RW_CDW12_LR))
            put(l, " LR");
        if (sqe->opc == NVME_IO_WRITE_ZEROES && NVME_GET(c12, RW_CDW12_DEAC))
            put(l, " DEAC");
        if (NVME_GET(c12, RW_CDW12_PRINFO))
            put(l, " PRINFO=0x%x", NVME_GET(c12, RW_CDW12_PRINFO));
        return;
    }
    case NVME_IO_FLUSH:
        put(l, "Flush");
        put_nsid(l, sqe->nsid);
        return;
    case NVME_IO_DSM: {
        uint32_t nr = NVME_GET(sqe->cdw10, DSM_CDW10_NR);
        put(l, "Dataset Management");
        put_nsid(l, sqe->nsid);
        put(l, " NR=%u (0-based %u) AD=%u IDW=%u IDR=%u", nr + 1u, nr,
            (unsigned)((sqe->cdw11 & NVME_DSM_AD) != 0),
            (unsigned)((sqe->cdw11 & NVME_DSM_IDW) != 0),
            (unsigned)((sqe->cdw11 & NVME_DSM_IDR) != 0));
        return;
    }
    default:
        if (name)
            put(l, "%s", name);
        else
            put(l, "I/O opcode %02Xh", sqe->opc);
        put_nsid(l, sqe->nsid);
        put(l, " CDW10=0x%x CDW11=0x%x CDW12=0x%x", sqe->cdw10, sqe->cdw11, c12);
        return;
    }
}

int nvme_sqe_describe(const struct nvme_sqe *sqe, bool admin, char *buf, size_t size)
{
    struct line l = { buf, size, 0 };

    if (size > 0)
        buf[0] = '\0';
    if (admin)
        describe_admin(&l, sqe);
    else
        describe_io(&l, sqe);
    if (sqe->flags)
        put(&l, " FUSE=%u PSDT=%u", NVME_GET((unsigned)sqe->flags, SQE_FUSE),
            NVME_GET((unsigned)sqe->flags, SQE_PSDT));
    put(&l, " CID=%u", sqe->cid);
    if (sqe->mptr)
        put(&l, " MPTR=0x%llx", (unsigned long long)sqe->mptr);
    if (sqe->dptr.prp1)
        put(&l, " PRP1=0x%llx", (unsigned long long)sqe->dptr.prp1);
    if (sqe->dptr.prp2)
        put(&l, " PRP2=0x%llx", (unsigned long long)sqe->dptr.prp2);
    return (int)l.len;
}

int nvme_cqe_describe(const struct nvme_cqe *cqe, char *buf, size_t size)
{
    struct line l = { buf, size, 0 };
    unsigned st = cqe->status;
    struct nvme_status d = nvme_status_decode(cqe->status);

    if (size > 0)
        buf[0] = '\0';
    put(&l, "CID=%u SQID=%u SQHD=%u P=%u status=0x%04x", cqe->cid, cqe->sqid, cqe->sqhd,
        NVME_GET(st, STATUS_P), st >> 1);
    if (nvme_status_is_error(cqe->status)) {
        char sbuf[96];
        nvme_status_format(cqe->status, sbuf, sizeof(sbuf));
        put(&l, " %s", sbuf);
        if (d.crd)
            put(&l, " CRD=%u", d.crd);
        if (d.more)
            put(&l, " M=1");
    } else {
        put(&l, " %s", d.name);
    }
    put(&l, " DW0=0x%x", cqe->dw0);
    if (cqe->dw1)
        put(&l, " DW1=0x%x", cqe->dw1);
    return (int)l.len;
}

int nvme_decode_cap(uint64_t cap, char *buf, size_t size)
{
    unsigned mqes = (unsigned)NVME_GET(cap, CAP_MQES);
    unsigned to = (unsigned)NVME_GET(cap, CAP_TO);
    unsigned mpsmin = (unsigned)NVME_GET(cap, CAP_MPSMIN);
    unsigned mpsmax = (unsigned)NVME_GET(cap, CAP_MPSMAX);

    return ksnprintf(buf, size,
                     "MQES=%u (%u entries) CQR=%u AMS=0x%x TO=%u (%u ms) DSTRD=%u NSSRS=%u "
                     "CSS=0x%02x BPS=%u CPS=%u MPSMIN=%u (%u KiB) MPSMAX=%u (%u KiB) PMRS=%u "
                     "CMBS=%u NSSS=%u CRMS=0x%x",
                     mqes, mqes + 1u, (unsigned)NVME_GET(cap, CAP_CQR),
                     (unsigned)NVME_GET(cap, CAP_AMS), to, to * 500u,
                     (unsigned)NVME_GET(cap, CAP_DSTRD), (unsigned)NVME_GET(cap, CAP_NSSRS),
                     (unsigned)NVME_GET(cap, CAP_CSS), (unsigned)NVME_GET(cap, CAP_BPS),
                     (unsigned)NVME_GET(cap, CAP_CPS), mpsmin, 4u << mpsmin, mpsmax,
                     4u << mpsmax, (unsigned)NVME_GET(cap, CAP_PMRS),
                     (unsigned)NVME_GET(cap, CAP_CMBS), (unsigned)NVME_GET(cap, CAP_NSSS),
                     (unsigned)NVME_GET(cap, CAP_CRMS));
}

int nvme_decode_cc(uint32_t cc, char *buf, size_t size)
{
    /* CRIME (NVMe 2.0) only when set, so a 1.x-style CC reads as it always did */
    return ksnprintf(buf, size, "EN=%u CSS=%u MPS=%u AMS=%u SHN=%u IOSQES=%u IOCQES=%u%s",
                     NVME_GET(cc, CC_EN), NVME_GET(cc, CC_CSS), NVME_GET(cc, CC_MPS),
                     NVME_GET(cc, CC_AMS), NVME_GET(cc, CC_SHN), NVME_GET(cc, CC_IOSQES),
                     NVME_GET(cc, CC_IOCQES), NVME_GET(cc, CC_CRIME) ? " CRIME=1" : "");
}

int nvme_decode_csts(uint32_t csts, char *buf, size_t size)
{
    if (csts == NVME_CSTS_GONE)
        return ksnprintf(buf, size, "all ones: device not responding");
    return ksnprintf(buf, size, "RDY=%u CFS=%u SHST=%u NSSRO=%u PP=%u%s", NVME_GET(csts, CSTS_RDY),
                     NVME_GET(csts, CSTS_CFS), NVME_GET(csts, CSTS_SHST),
                     NVME_GET(csts, CSTS_NSSRO), NVME_GET(csts, CSTS_PP),
                     NVME_GET(csts, CSTS_ST) ? " ST=1" : "");
}

int nvme_decode_aqa(uint32_t aqa, char *buf, size_t size)
{
    unsigned asqs = NVME_GET(aqa, AQA_ASQS), acqs = NVME_GET(aqa, AQA_ACQS);
    return ksnprintf(buf, size, "ASQS=%u (%u entries) ACQS=%u (%u entries)", asqs, asqs + 1u,
                     acqs, acqs + 1u);
}

int nvme_decode_crto(uint32_t crto, char *buf, size_t size)
{
    unsigned crwmt = NVME_GET(crto, CRTO_CRWMT), crimt = NVME_GET(crto, CRTO_CRIMT);
    return ksnprintf(buf, size, "CRWMT=%u (%u ms) CRIMT=%u (%u ms)", crwmt, crwmt * 500u, crimt,
                     crimt * 500u);
}

int nvme_decode_vs(uint32_t vs, char *buf, size_t size)
{
    return ksnprintf(buf, size, "%u.%u.%u", NVME_GET(vs, VS_MJR), NVME_GET(vs, VS_MNR),
                     NVME_GET(vs, VS_TER));
}
