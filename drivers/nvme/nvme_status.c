/*
 * drivers/nvme/nvme_status.c - status names, the Linux errno mapping and the
 * retry rule. The rules and their sources are in nvme_status.h.
 */
#include "drivers/nvme/nvme_status.h"

#include "drivers/nvme/nvme_regs.h"
#include "lib/errno.h"
#include "lib/printf.h"

/*
 * [NVMe Base 2.0 §3.3.3.2.1] and [NVM CS 1.0] status values and names,
 * sorted by SCT:SC for the binary search. The spec's own spelling, so a
 * name can be searched for in the PDF (0x13 is "PRP Offset Invalid").
 */
static const struct {
    uint16_t code;
    const char *name;
} status_names[] = {
    { NVME_SC_SUCCESS, "Successful Completion" },
    { NVME_SC_INVALID_OPCODE, "Invalid Command Opcode" },
    { NVME_SC_INVALID_FIELD, "Invalid Field in Command" },
    { NVME_SC_CID_CONFLICT, "Command ID Conflict" },
    { NVME_SC_DATA_TRANSFER_ERROR, "Data Transfer Error" },
    { NVME_SC_POWER_LOSS_ABORT, "Commands Aborted due to Power Loss Notification" },
    { NVME_SC_INTERNAL_ERROR, "Internal Error" },
    { NVME_SC_ABORT_REQUESTED, "Command Abort Requested" },
    { NVME_SC_ABORT_SQ_DELETED, "Command Aborted due to SQ Deletion" },
    { NVME_SC_ABORT_FAILED_FUSED, "Command Aborted due to Failed Fused Command" },
    { NVME_SC_ABORT_MISSING_FUSED, "Command Aborted due to Missing Fused Command" },
    { NVME_SC_INVALID_NS, "Invalid Namespace or Format" },
    { NVME_SC_CMD_SEQUENCE_ERROR, "Command Sequence Error" },
    { NVME_SC_SGL_INVALID_SEGMENT, "Invalid SGL Segment Descriptor" },
    { NVME_SC_SGL_INVALID_COUNT, "Invalid Number of SGL Descriptors" },
    { NVME_SC_SGL_INVALID_DATA_LEN, "Data SGL Length Invalid" },
    { NVME_SC_SGL_INVALID_MD_LEN, "Metadata SGL Length Invalid" },
    { NVME_SC_SGL_INVALID_TYPE, "SGL Descriptor Type Invalid" },
    { NVME_SC_CMB_INVALID_USE, "Invalid Use of Controller Memory Buffer" },
    { NVME_SC_PRP_OFFSET_INVALID, "PRP Offset Invalid" },
    { NVME_SC_ATOMIC_WU_EXCEEDED, "Atomic Write Unit Exceeded" },
    { NVME_SC_OPERATION_DENIED, "Operation Denied" },
    { NVME_SC_SGL_INVALID_OFFSET, "SGL Offset Invalid" },
    { NVME_SC_HOSTID_INCONSISTENT, "Host Identifier Inconsistent Format" },
    { NVME_SC_KA_EXPIRED, "Keep Alive Timer Expired" },
    { NVME_SC_KA_INVALID, "Keep Alive Timeout Invalid" },
    { NVME_SC_PREEMPT_ABORT, "Command Aborted due to Preempt and Abort" },
    { NVME_SC_SANITIZE_FAILED, "Sanitize Failed" },
    { NVME_SC_SANITIZE_IN_PROGRESS, "Sanitize In Progress" },
    { NVME_SC_SGL_INVALID_GRANULARITY, "SGL Data Block Granularity Invalid" },
    { NVME_SC_CMD_NOT_SUP_CMB_QUEUE, "Command Not Supported for Queue in CMB" },
    { NVME_SC_NS_WRITE_PROTECTED, "Namespace is Write Protected" },
    { NVME_SC_CMD_INTERRUPTED, "Command Interrupted" },
    { NVME_SC_TRANSIENT_TRANSPORT, "Transient Transport Error" },
    { NVME_SC_PROHIBITED_BY_LOCKDOWN, "Command Prohibited by Command and Feature Lockdown" },
    { NVME_SC_ADMIN_MEDIA_NOT_READY, "Admin Command Media Not Ready" },
    { NVME_SC_LBA_RANGE, "LBA Out of Range" },
    { NVME_SC_CAP_EXCEEDED, "Capacity Exceeded" },
    { NVME_SC_NS_NOT_READY, "Namespace Not Ready" },
    { NVME_SC_RESERVATION_CONFLICT, "Reservation Conflict" },
    { NVME_SC_FORMAT_IN_PROGRESS, "Format In Progress" },

    { NVME_SC_CQ_INVALID, "Completion Queue Invalid" },
    { NVME_SC_QID_INVALID, "Invalid Queue Identifier" },
    { NVME_SC_QUEUE_SIZE_INVALID, "Invalid Queue Size" },
    { NVME_SC_ABORT_LIMIT, "Abort Command Limit Exceeded" },
    { NVME_SC_AER_LIMIT, "Asynchronous Event Request Limit Exceeded" },
    { NVME_SC_FW_SLOT_INVALID, "Invalid Firmware Slot" },
    { NVME_SC_FW_IMAGE_INVALID, "Invalid Firmware Image" },
    { NVME_SC_IV_INVALID, "Invalid Interrupt Vector" },
    { NVME_SC_LOG_PAGE_INVALID, "Invalid Log Page" },
    { NVME_SC_FORMAT_INVALID, "Invalid Format" },
    { NVME_SC_FW_NEEDS_CONV_RESET, "Firmware Activation Requires Conventional Reset" },
    { NVME_SC_QUEUE_DELETION_INVALID, "Invalid Queue Deletion" },
    { NVME_SC_FID_NOT_SAVEABLE, "Feature Identifier Not Saveable" },
    { NVME_SC_FEATURE_NOT_CHANGEABLE, "Feature Not Changeable" },
    { NVME_SC_FEATURE_NOT_NS_SPECIFIC, "Feature Not Namespace Specific" },
    { NVME_SC_FW_NEEDS_SUBSYS_RESET, "Firmware Activation Requires NVM Subsystem Reset" },
    { NVME_SC_FW_NEEDS_CTRL_RESET, "Firmware Activation Requires Controller Level Reset" },
    { NVME_SC_FW_NEEDS_MAX_TIME, "Firmware Activation Requires Maximum Time Violation" },
    { NVME_SC_FW_ACTIVATION_PROHIBITED, "Firmware Activation Prohibited" },
    { NVME_SC_OVERLAPPING_RANGE, "Overlapping Range" },
    { NVME_SC_NS_INSUFFICIENT_CAP, "Namespace Insufficient Capacity" },
    { NVME_SC_NSID_UNAVAILABLE, "Namespace Identifier Unavailable" },
    { NVME_SC_NS_ALREADY_ATTACHED, "Namespace Already Attached" },
    { NVME_SC_NS_IS_PRIVATE, "Namespace Is Private" },
    { NVME_SC_NS_NOT_ATTACHED, "Namespace Not Attached" },
    { NVME_SC_THIN_PROV_NOT_SUPP, "Thin Provisioning Not Supported" },
    { NVME_SC_CTRL_LIST_INVALID, "Controller List Invalid" },
    { NVME_SC_SELF_TEST_IN_PROGRESS, "Device Self-test In Progress" },
    { NVME_SC_BP_WRITE_PROHIBITED, "Boot Partition Write Prohibited" },
    { NVME_SC_CTRL_ID_INVALID, "Invalid Controller Identifier" },
    { NVME_SC_SEC_CTRL_STATE_INVALID, "Invalid Secondary Controller State" },
    { NVME_SC_CTRL_RES_NUM_INVALID, "Invalid Number of Controller Resources" },
    { NVME_SC_RES_ID_INVALID, "Invalid Resource Identifier" },
    { NVME_SC_PMR_SANITIZE_PROHIBITED,
      "Sanitize Prohibited While Persistent Memory Region is Enabled" },
    { NVME_SC_ANA_GROUP_ID_INVALID, "ANA Group Identifier Invalid" },
    { NVME_SC_ANA_ATTACH_FAILED, "ANA Attach Failed" },
    { NVME_SC_INSUFFICIENT_CAPACITY, "Insufficient Capacity" },
    { NVME_SC_NS_ATTACH_LIMIT, "Namespace Attachment Limit Exceeded" },
    { NVME_SC_PROHIBIT_CMD_EXEC_NOT_SUPP, "Prohibition of Command Execution Not Supported" },
    { NVME_SC_IOCS_NOT_SUPPORTED, "I/O Command Set Not Supported" },
    { NVME_SC_IOCS_NOT_ENABLED, "I/O Command Set Not Enabled" },
    { NVME_SC_IOCS_COMBINATION_REJECTED, "I/O Command Set Combination Rejected" },
    { NVME_SC_IOCS_INVALID, "Invalid I/O Command Set" },
    { NVME_SC_ID_UNAVAILABLE, "Identifier Unavailable" },
    { NVME_SC_BAD_ATTRIBUTES, "Conflicting Attributes" },
    { NVME_SC_INVALID_PI, "Invalid Protection Information" },
    { NVME_SC_READ_ONLY, "Attempted Write to Read Only Range" },
    { NVME_SC_CMD_SIZE_LIMIT, "Command Size Limit Exceeded" },
    { NVME_SC_ZONE_BOUNDARY_ERROR, "Zoned Boundary Error" },
    { NVME_SC_ZONE_FULL, "Zone Is Full" },
    { NVME_SC_ZONE_READ_ONLY, "Zone Is Read Only" },
    { NVME_SC_ZONE_OFFLINE, "Zone Is Offline" },
    { NVME_SC_ZONE_INVALID_WRITE, "Zone Invalid Write" },
    { NVME_SC_ZONE_TOO_MANY_ACTIVE, "Too Many Active Zones" },
    { NVME_SC_ZONE_TOO_MANY_OPEN, "Too Many Open Zones" },
    { NVME_SC_ZONE_INVALID_TRANSITION, "Invalid Zone State Transition" },

    { NVME_SC_WRITE_FAULT, "Write Fault" },
    { NVME_SC_READ_ERROR, "Unrecovered Read Error" },
    { NVME_SC_GUARD_CHECK, "End-to-end Guard Check Error" },
    { NVME_SC_APPTAG_CHECK, "End-to-end Application Tag Check Error" },
    { NVME_SC_REFTAG_CHECK, "End-to-end Reference Tag Check Error" },
    { NVME_SC_COMPARE_FAILED, "Compare Failure" },
    { NVME_SC_ACCESS_DENIED, "Access Denied" },
    { NVME_SC_UNWRITTEN_BLOCK, "Deallocated or Unwritten Logical Block" },
    { NVME_SC_STORAGE_TAG_CHECK, "End-to-End Storage Tag Check Error" },

    { NVME_SC_INTERNAL_PATH_ERROR, "Internal Path Error" },
    { NVME_SC_ANA_PERSISTENT_LOSS, "Asymmetric Access Persistent Loss" },
    { NVME_SC_ANA_INACCESSIBLE, "Asymmetric Access Inaccessible" },
    { NVME_SC_ANA_TRANSITION, "Asymmetric Access Transition" },
    { NVME_SC_CTRL_PATH_ERROR, "Controller Pathing Error" },
    { NVME_SC_HOST_PATH_ERROR, "Host Pathing Error" },
    { NVME_SC_HOST_ABORTED_CMD, "Command Aborted By Host" },
};

const char *nvme_status_name(unsigned sct, unsigned sc)
{
    size_t lo = 0, hi = sizeof(status_names) / sizeof(status_names[0]);
    unsigned key;

    if (sct > NVME_STATUS_SCT_MASK || sc > NVME_STATUS_SC_MASK)
        return NULL;
    key = NVME_SCT_SC(sct, sc);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (status_names[mid].code == key)
            return status_names[mid].name;
        if (status_names[mid].code < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

struct nvme_status nvme_status_decode(uint16_t status)
{
    unsigned s = status;
    struct nvme_status d = {
        .sct = (uint8_t)NVME_GET(s, STATUS_SCT),
        .sc = (uint8_t)NVME_GET(s, STATUS_SC),
        .crd = (uint8_t)NVME_GET(s, STATUS_CRD),
        .more = NVME_GET(s, STATUS_M) != 0,
        .dnr = NVME_GET(s, STATUS_DNR) != 0,
    };
    d.name = nvme_status_name(d.sct, d.sc);
    d.known = d.name != NULL;
    if (!d.known)
        d.name = "Unknown";
    return d;
}

int nvme_status_format(uint16_t status, char *buf, size_t size)
{
    struct nvme_status d = nvme_status_decode(status);
    return ksnprintf(buf, size, "%s (sct=0x%x sc=0x%02x dnr=%u)", d.name, d.sct, d.sc,
                     (unsigned)d.dnr);
}

/*
 * Linux nvme_error_status() as a table: every SCT:SC it names and the block
 * status it returns. Anything else is BLK_STS_IOERR.
 */
static const struct {
    uint16_t code;
    uint8_t sts;
} linux_map[] = {
    { NVME_SC_SUCCESS, BLK_STS_OK },
    { NVME_SC_CAP_EXCEEDED, BLK_STS_NOSPC },
    { NVME_SC_LBA_RANGE, BLK_STS_TARGET },
    { NVME_SC_CMD_INTERRUPTED, BLK_STS_TARGET },
    { NVME_SC_NS_NOT_READY, BLK_STS_TARGET },
    { NVME_SC_BAD_ATTRIBUTES, BLK_STS_NOTSUPP },
    { NVME_SC_INVALID_OPCODE, BLK_STS_NOTSUPP },
    { NVME_SC_INVALID_FIELD, BLK_STS_NOTSUPP },
    { NVME_SC_INVALID_NS, BLK_STS_NOTSUPP },
    { NVME_SC_WRITE_FAULT, BLK_STS_MEDIUM },
    { NVME_SC_READ_ERROR, BLK_STS_MEDIUM },
    { NVME_SC_UNWRITTEN_BLOCK, BLK_STS_MEDIUM },
    { NVME_SC_ACCESS_DENIED, BLK_STS_MEDIUM },
    { NVME_SC_READ_ONLY, BLK_STS_MEDIUM },
    { NVME_SC_COMPARE_FAILED, BLK_STS_MEDIUM },
    { NVME_SC_GUARD_CHECK, BLK_STS_PROTECTION },
    { NVME_SC_APPTAG_CHECK, BLK_STS_PROTECTION },
    { NVME_SC_REFTAG_CHECK, BLK_STS_PROTECTION },
    { NVME_SC_INVALID_PI, BLK_STS_PROTECTION },
    { NVME_SC_RESERVATION_CONFLICT, BLK_STS_RESV_CONFLICT },
    { NVME_SC_HOST_PATH_ERROR, BLK_STS_TRANSPORT },
    { NVME_SC_ZONE_TOO_MANY_ACTIVE, BLK_STS_ZONE_ACTIVE_RESOURCE },
    { NVME_SC_ZONE_TOO_MANY_OPEN, BLK_STS_ZONE_OPEN_RESOURCE },
};

enum blk_status nvme_status_to_blk(uint16_t status)
{
    unsigned code = NVME_GET((unsigned)status, STATUS_CODE);
    size_t i;

    for (i = 0; i < sizeof(linux_map) / sizeof(linux_map[0]); i++)
        if (linux_map[i].code == code)
            return (enum blk_status)linux_map[i].sts;
    return BLK_STS_IOERR;
}

/* Linux block/blk-core.c blk_errors[]: errno and description per status. */
static const struct {
    int err;
    const char *name;
    const char *desc;
} blk_errors[BLK_STS_COUNT] = {
    [BLK_STS_OK] = { 0, "BLK_STS_OK", "" },
    [BLK_STS_NOTSUPP] = { -EOPNOTSUPP, "BLK_STS_NOTSUPP", "operation not supported" },
    [BLK_STS_TIMEOUT] = { -ETIMEDOUT, "BLK_STS_TIMEOUT", "timeout" },
    [BLK_STS_NOSPC] = { -ENOSPC, "BLK_STS_NOSPC", "critical space allocation" },
    [BLK_STS_TRANSPORT] = { -ENOLINK, "BLK_STS_TRANSPORT", "recoverable transport" },
    [BLK_STS_TARGET] = { -EREMOTEIO, "BLK_STS_TARGET", "critical target" },
    [BLK_STS_RESV_CONFLICT] = { -EBADE, "BLK_STS_RESV_CONFLICT", "reservation conflict" },
    [BLK_STS_MEDIUM] = { -ENODATA, "BLK_STS_MEDIUM", "critical medium" },
    [BLK_STS_PROTECTION] = { -EILSEQ, "BLK_STS_PROTECTION", "protection" },
    [BLK_STS_RESOURCE] = { -ENOMEM, "BLK_STS_RESOURCE", "kernel resource" },
    [BLK_STS_DEV_RESOURCE] = { -EBUSY, "BLK_STS_DEV_RESOURCE", "device resource" },
    [BLK_STS_AGAIN] = { -EAGAIN, "BLK_STS_AGAIN", "nonblocking retry" },
    [BLK_STS_OFFLINE] = { -ENODEV, "BLK_STS_OFFLINE", "device offline" },
    [BLK_STS_ZONE_OPEN_RESOURCE] = { -ETOOMANYREFS, "BLK_STS_ZONE_OPEN_RESOURCE",
                                     "open zones exceeded" },
    [BLK_STS_ZONE_ACTIVE_RESOURCE] = { -EOVERFLOW, "BLK_STS_ZONE_ACTIVE_RESOURCE",
                                       "active zones exceeded" },
    [BLK_STS_DURATION_LIMIT] = { -ETIME, "BLK_STS_DURATION_LIMIT", "duration limit exceeded" },
    [BLK_STS_INVAL] = { -EINVAL, "BLK_STS_INVAL", "invalid" },
    [BLK_STS_IOERR] = { -EIO, "BLK_STS_IOERR", "I/O" },
};

int blk_status_to_errno(enum blk_status sts)
{
    if ((unsigned)sts >= BLK_STS_COUNT)
        return -EIO;
    return blk_errors[sts].err;
}

const char *blk_status_name(enum blk_status sts)
{
    if ((unsigned)sts >= BLK_STS_COUNT)
        return "BLK_STS_?";
    return blk_errors[sts].name;
}

const char *blk_status_desc(enum blk_status sts)
{
    if ((unsigned)sts >= BLK_STS_COUNT)
        return "I/O";
    return blk_errors[sts].desc;
}

int nvme_status_to_errno(uint16_t status)
{
    return blk_status_to_errno(nvme_status_to_blk(status));
}

bool nvme_status_is_retryable(uint16_t status)
{
    unsigned s = status;

    if (NVME_GET(s, STATUS_DNR))
        return false;
    switch (NVME_GET(s, STATUS_CODE)) {
    case NVME_SC_INTERNAL_ERROR:
    case NVME_SC_ABORT_REQUESTED:
    case NVME_SC_ABORT_SQ_DELETED:
    case NVME_SC_CMD_INTERRUPTED:
    case NVME_SC_TRANSIENT_TRANSPORT:
    case NVME_SC_NS_NOT_READY:
    case NVME_SC_WRITE_FAULT:
    case NVME_SC_READ_ERROR:
    case NVME_SC_INTERNAL_PATH_ERROR:
    case NVME_SC_ANA_TRANSITION:
        return true;
    default:
        return false;
    }
}
