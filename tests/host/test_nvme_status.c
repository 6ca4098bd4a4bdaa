/*
 * Host test: drivers/nvme/nvme_status.c - status names, the status word
 * layout, the Linux errno mapping row by row (and every other SCT:SC falling
 * to -EIO), and the retry rule over all 2048 codes with and without DNR.
 */
#include <stdint.h>

#include "drivers/nvme/nvme_regs.h"
#include "drivers/nvme/nvme_status.h"
#include "lib/errno.h"
#include "tests/host/check.h"

/* A CQE status half: SCT:SC code plus DNR/M/CRD/phase bits. */
static uint16_t st(unsigned code, unsigned dnr, unsigned more, unsigned crd, unsigned p)
{
    return (uint16_t)(code << 1 | dnr << 15 | more << 14 | crd << 12 | p);
}

/* Names the lead's shell and the spec agree on, and every other defined one. */
static const struct {
    uint16_t code;
    const char *name;
} names[] = {
    { 0x000, "Successful Completion" },
    { 0x001, "Invalid Command Opcode" },
    { 0x002, "Invalid Field in Command" },
    { 0x003, "Command ID Conflict" },
    { 0x004, "Data Transfer Error" },
    { 0x005, "Commands Aborted due to Power Loss Notification" },
    { 0x006, "Internal Error" },
    { 0x007, "Command Abort Requested" },
    { 0x008, "Command Aborted due to SQ Deletion" },
    { 0x009, "Command Aborted due to Failed Fused Command" },
    { 0x00A, "Command Aborted due to Missing Fused Command" },
    { 0x00B, "Invalid Namespace or Format" },
    { 0x00C, "Command Sequence Error" },
    { 0x00D, "Invalid SGL Segment Descriptor" },
    { 0x00E, "Invalid Number of SGL Descriptors" },
    { 0x00F, "Data SGL Length Invalid" },
    { 0x010, "Metadata SGL Length Invalid" },
    { 0x011, "SGL Descriptor Type Invalid" },
    { 0x012, "Invalid Use of Controller Memory Buffer" },
    { 0x013, "PRP Offset Invalid" },
    { 0x014, "Atomic Write Unit Exceeded" },
    { 0x015, "Operation Denied" },
    { 0x016, "SGL Offset Invalid" },
    { 0x018, "Host Identifier Inconsistent Format" },
    { 0x019, "Keep Alive Timer Expired" },
    { 0x01A, "Keep Alive Timeout Invalid" },
    { 0x01B, "Command Aborted due to Preempt and Abort" },
    { 0x01C, "Sanitize Failed" },
    { 0x01D, "Sanitize In Progress" },
    { 0x01E, "SGL Data Block Granularity Invalid" },
    { 0x01F, "Command Not Supported for Queue in CMB" },
    { 0x020, "Namespace is Write Protected" },
    { 0x021, "Command Interrupted" },
    { 0x022, "Transient Transport Error" },
    { 0x023, "Command Prohibited by Command and Feature Lockdown" },
    { 0x024, "Admin Command Media Not Ready" },
    { 0x080, "LBA Out of Range" },
    { 0x081, "Capacity Exceeded" },
    { 0x082, "Namespace Not Ready" },
    { 0x083, "Reservation Conflict" },
    { 0x084, "Format In Progress" },
    { 0x100, "Completion Queue Invalid" },
    { 0x101, "Invalid Queue Identifier" },
    { 0x102, "Invalid Queue Size" },
    { 0x103, "Abort Command Limit Exceeded" },
    { 0x105, "Asynchronous Event Request Limit Exceeded" },
    { 0x106, "Invalid Firmware Slot" },
    { 0x107, "Invalid Firmware Image" },
    { 0x108, "Invalid Interrupt Vector" },
    { 0x109, "Invalid Log Page" },
    { 0x10A, "Invalid Format" },
    { 0x10B, "Firmware Activation Requires Conventional Reset" },
    { 0x10C, "Invalid Queue Deletion" },
    { 0x10D, "Feature Identifier Not Saveable" },
    { 0x10E, "Feature Not Changeable" },
    { 0x10F, "Feature Not Namespace Specific" },
    { 0x110, "Firmware Activation Requires NVM Subsystem Reset" },
    { 0x111, "Firmware Activation Requires Controller Level Reset" },
    { 0x112, "Firmware Activation Requires Maximum Time Violation" },
    { 0x113, "Firmware Activation Prohibited" },
    { 0x114, "Overlapping Range" },
    { 0x115, "Namespace Insufficient Capacity" },
    { 0x116, "Namespace Identifier Unavailable" },
    { 0x118, "Namespace Already Attached" },
    { 0x119, "Namespace Is Private" },
    { 0x11A, "Namespace Not Attached" },
    { 0x11B, "Thin Provisioning Not Supported" },
    { 0x11C, "Controller List Invalid" },
    { 0x11D, "Device Self-test In Progress" },
    { 0x11E, "Boot Partition Write Prohibited" },
    { 0x11F, "Invalid Controller Identifier" },
    { 0x120, "Invalid Secondary Controller State" },
    { 0x121, "Invalid Number of Controller Resources" },
    { 0x122, "Invalid Resource Identifier" },
    { 0x123, "Sanitize Prohibited While Persistent Memory Region is Enabled" },
    { 0x124, "ANA Group Identifier Invalid" },
    { 0x125, "ANA Attach Failed" },
    { 0x126, "Insufficient Capacity" },
    { 0x127, "Namespace Attachment Limit Exceeded" },
    { 0x128, "Prohibition of Command Execution Not Supported" },
    { 0x129, "I/O Command Set Not Supported" },
    { 0x12A, "I/O Command Set Not Enabled" },
    { 0x12B, "I/O Command Set Combination Rejected" },
    { 0x12C, "Invalid I/O Command Set" },
    { 0x12D, "Identifier Unavailable" },
    { 0x180, "Conflicting Attributes" },
    { 0x181, "Invalid Protection Information" },
    { 0x182, "Attempted Write to Read Only Range" },
    { 0x183, "Command Size Limit Exceeded" },
    { 0x1B8, "Zoned Boundary Error" },
    { 0x1B9, "Zone Is Full" },
    { 0x1BA, "Zone Is Read Only" },
    { 0x1BB, "Zone Is Offline" },
    { 0x1BC, "Zone Invalid Write" },
    { 0x1BD, "Too Many Active Zones" },
    { 0x1BE, "Too Many Open Zones" },
    { 0x1BF, "Invalid Zone State Transition" },
    { 0x280, "Write Fault" },
    { 0x281, "Unrecovered Read Error" },
    { 0x282, "End-to-end Guard Check Error" },
    { 0x283, "End-to-end Application Tag Check Error" },
    { 0x284, "End-to-end Reference Tag Check Error" },
    { 0x285, "Compare Failure" },
    { 0x286, "Access Denied" },
    { 0x287, "Deallocated or Unwritten Logical Block" },
    { 0x288, "End-to-End Storage Tag Check Error" },
    { 0x300, "Internal Path Error" },
    { 0x301, "Asymmetric Access Persistent Loss" },
    { 0x302, "Asymmetric Access Inaccessible" },
    { 0x303, "Asymmetric Access Transition" },
    { 0x360, "Controller Pathing Error" },
    { 0x370, "Host Pathing Error" },
    { 0x371, "Command Aborted By Host" },
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static const char *expected_name(unsigned code)
{
    for (size_t i = 0; i < NNAMES; i++)
        if (names[i].code == code)
            return names[i].name;
    return NULL;
}

static void test_names(void)
{
    unsigned known = 0;

    for (unsigned code = 0; code < 0x800; code++) {
        const char *want = expected_name(code);
        const char *got = nvme_status_name(code >> 8, code & 0xFF);
        if (want) {
            known++;
            CHECK(got != NULL);
            if (got)
                CHECK_STR_EQ(got, want);
        } else if (got) {
            fprintf(stderr, "code 0x%03x has a name it should not: %s\n", code, got);
            CHECK(0);
        }
    }
    CHECK_EQ(known, NNAMES);
    /* reserved and vendor values */
    CHECK(nvme_status_name(0, 0x17) == NULL);
    CHECK(nvme_status_name(0, 0x25) == NULL);
    CHECK(nvme_status_name(1, 0x04) == NULL);
    CHECK(nvme_status_name(2, 0x00) == NULL);
    CHECK(nvme_status_name(7, 0xC0) == NULL);
    CHECK(nvme_status_name(8, 0x00) == NULL);
    CHECK(nvme_status_name(0, 0x100) == NULL);
    /* the enum and the table use the same key */
    CHECK_STR_EQ(nvme_status_name(NVME_SCT_MEDIA, 0x81), "Unrecovered Read Error");
    CHECK_EQ(NVME_SC_READ_ERROR, NVME_SCT_SC(NVME_SCT_MEDIA, 0x81));
    CHECK_EQ(NVME_SC_PRP_OFFSET_INVALID, 0x13);
    CHECK_EQ(NVME_SC_HOST_PATH_ERROR, 0x370);
}

static void test_decode(void)
{
    struct nvme_status d;
    char buf[128];

    /* every field in its own place: DNR 15, M 14, CRD 13:12, SCT 11:9, SC 8:1, P 0 */
    d = nvme_status_decode(st(NVME_SC_READ_ERROR, 1, 1, 2, 1));
    CHECK_EQ(d.sct, 2);
    CHECK_EQ(d.sc, 0x81);
    CHECK_EQ(d.crd, 2);
    CHECK(d.more);
    CHECK(d.dnr);
    CHECK(d.known);
    CHECK_STR_EQ(d.name, "Unrecovered Read Error");
    CHECK_EQ(st(NVME_SC_READ_ERROR, 1, 1, 2, 1), 0xE503);

    d = nvme_status_decode(0x0001); /* success, phase 1 */
    CHECK_EQ(d.sct, 0);
    CHECK_EQ(d.sc, 0);
    CHECK(!d.dnr && !d.more && d.crd == 0);
    CHECK_STR_EQ(d.name, "Successful Completion");
    CHECK(!nvme_status_is_error(0x0001));
    CHECK(!nvme_status_is_error(0x0000));
    CHECK(nvme_status_is_error(st(NVME_SC_INVALID_FIELD, 1, 0, 0, 0)));
    /* DNR/M/CRD alone do not make a failure */
    CHECK(!nvme_status_is_error(st(0, 1, 1, 3, 1)));

    d = nvme_status_decode(st(0x412, 0, 0, 0, 0)); /* SCT 4 is reserved */
    CHECK(!d.known);
    CHECK_STR_EQ(d.name, "Unknown");

    /* the QEMU statuses from the model notes, as the shell will print them */
    CHECK_EQ(nvme_status_format(st(NVME_SC_READ_ERROR, 0, 0, 0, 1), buf, sizeof(buf)),
             (int)strlen("Unrecovered Read Error (sct=0x2 sc=0x81 dnr=0)"));
    CHECK_STR_EQ(buf, "Unrecovered Read Error (sct=0x2 sc=0x81 dnr=0)");
    nvme_status_format(0x4002 << 1, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Invalid Field in Command (sct=0x0 sc=0x02 dnr=1)");
    nvme_status_format(0x4080 << 1, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "LBA Out of Range (sct=0x0 sc=0x80 dnr=1)");
    nvme_status_format(0x4013 << 1, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "PRP Offset Invalid (sct=0x0 sc=0x13 dnr=1)");
    nvme_status_format(0x0280 << 1, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Write Fault (sct=0x2 sc=0x80 dnr=0)");
    nvme_status_format(0x4082 << 1, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Namespace Not Ready (sct=0x0 sc=0x82 dnr=1)");
    nvme_status_format(0x010c << 1, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Invalid Queue Deletion (sct=0x1 sc=0x0c dnr=0)");
    nvme_status_format(st(0x412, 0, 0, 0, 0), buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Unknown (sct=0x4 sc=0x12 dnr=0)");
    nvme_status_format(st(0x7C0, 1, 0, 0, 0), buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Unknown (sct=0x7 sc=0xc0 dnr=1)");
    /* truncation: snprintf rules */
    CHECK_EQ(nvme_status_format(0x0281 << 1, buf, 6), 46);
    CHECK_STR_EQ(buf, "Unrec");
}

/* Linux nvme_error_status() + blk_status_to_errno(), one row per case label. */
static const struct {
    uint16_t code;
    enum blk_status sts;
    int err;
    const char *errname;
} linux_rows[] = {
    { NVME_SC_SUCCESS, BLK_STS_OK, 0, NULL },
    { NVME_SC_CAP_EXCEEDED, BLK_STS_NOSPC, -ENOSPC, "ENOSPC" },
    { NVME_SC_LBA_RANGE, BLK_STS_TARGET, -EREMOTEIO, "EREMOTEIO" },
    { NVME_SC_CMD_INTERRUPTED, BLK_STS_TARGET, -EREMOTEIO, "EREMOTEIO" },
    { NVME_SC_NS_NOT_READY, BLK_STS_TARGET, -EREMOTEIO, "EREMOTEIO" },
    { NVME_SC_BAD_ATTRIBUTES, BLK_STS_NOTSUPP, -EOPNOTSUPP, "EOPNOTSUPP" },
    { NVME_SC_INVALID_OPCODE, BLK_STS_NOTSUPP, -EOPNOTSUPP, "EOPNOTSUPP" },
    { NVME_SC_INVALID_FIELD, BLK_STS_NOTSUPP, -EOPNOTSUPP, "EOPNOTSUPP" },
    { NVME_SC_INVALID_NS, BLK_STS_NOTSUPP, -EOPNOTSUPP, "EOPNOTSUPP" },
    { NVME_SC_WRITE_FAULT, BLK_STS_MEDIUM, -ENODATA, "ENODATA" },
    { NVME_SC_READ_ERROR, BLK_STS_MEDIUM, -ENODATA, "ENODATA" },
    { NVME_SC_UNWRITTEN_BLOCK, BLK_STS_MEDIUM, -ENODATA, "ENODATA" },
    { NVME_SC_ACCESS_DENIED, BLK_STS_MEDIUM, -ENODATA, "ENODATA" },
    { NVME_SC_READ_ONLY, BLK_STS_MEDIUM, -ENODATA, "ENODATA" },
    { NVME_SC_COMPARE_FAILED, BLK_STS_MEDIUM, -ENODATA, "ENODATA" },
    { NVME_SC_GUARD_CHECK, BLK_STS_PROTECTION, -EILSEQ, "EILSEQ" },
    { NVME_SC_APPTAG_CHECK, BLK_STS_PROTECTION, -EILSEQ, "EILSEQ" },
    { NVME_SC_REFTAG_CHECK, BLK_STS_PROTECTION, -EILSEQ, "EILSEQ" },
    { NVME_SC_INVALID_PI, BLK_STS_PROTECTION, -EILSEQ, "EILSEQ" },
    { NVME_SC_RESERVATION_CONFLICT, BLK_STS_RESV_CONFLICT, -EBADE, "EBADE" },
    { NVME_SC_HOST_PATH_ERROR, BLK_STS_TRANSPORT, -ENOLINK, "ENOLINK" },
    { NVME_SC_ZONE_TOO_MANY_ACTIVE, BLK_STS_ZONE_ACTIVE_RESOURCE, -EOVERFLOW, "EOVERFLOW" },
    { NVME_SC_ZONE_TOO_MANY_OPEN, BLK_STS_ZONE_OPEN_RESOURCE, -ETOOMANYREFS, "ETOOMANYREFS" },
};
#define NROWS (sizeof(linux_rows) / sizeof(linux_rows[0]))

static void test_linux_mapping(void)
{
    unsigned mapped = 0;

    /* each row, under every combination of DNR, M, CRD and phase: those bits are ignored */
    for (size_t i = 0; i < NROWS; i++) {
        for (unsigned bits = 0; bits < 32; bits++) {
            uint16_t s = st(linux_rows[i].code, bits & 1, (bits >> 1) & 1, (bits >> 2) & 3,
                            (bits >> 4) & 1);
            CHECK_EQ(nvme_status_to_blk(s), linux_rows[i].sts);
            CHECK_EQ(nvme_status_to_errno(s), linux_rows[i].err);
        }
        if (linux_rows[i].errname)
            CHECK_STR_EQ(errno_name(nvme_status_to_errno(st(linux_rows[i].code, 0, 0, 0, 0))),
                         linux_rows[i].errname);
    }
    /* everything else is "default: return BLK_STS_IOERR" -> -EIO */
    for (unsigned code = 0; code < 0x800; code++) {
        bool listed = false;
        for (size_t i = 0; i < NROWS; i++)
            listed |= linux_rows[i].code == code;
        if (listed) {
            mapped++;
            continue;
        }
        CHECK_EQ(nvme_status_to_blk(st(code, 0, 0, 0, 1)), BLK_STS_IOERR);
        CHECK_EQ(nvme_status_to_errno(st(code, 1, 0, 0, 0)), -EIO);
    }
    CHECK_EQ(mapped, NROWS);
    /* rows people expect but Linux does not have */
    CHECK_EQ(nvme_status_to_errno(st(NVME_SC_CMD_SIZE_LIMIT, 1, 0, 0, 0)), -EIO); /* 6.16 */
    CHECK_EQ(nvme_status_to_errno(st(NVME_SC_PRP_OFFSET_INVALID, 1, 0, 0, 0)), -EIO);
    CHECK_EQ(nvme_status_to_errno(st(NVME_SC_INTERNAL_ERROR, 0, 0, 0, 0)), -EIO);
    CHECK_EQ(nvme_status_to_errno(st(NVME_SC_NS_WRITE_PROTECTED, 1, 0, 0, 0)), -EIO);
    CHECK_EQ(nvme_status_to_errno(st(NVME_SC_ANA_TRANSITION, 0, 0, 0, 0)), -EIO);
    CHECK_EQ(nvme_status_to_errno(st(NVME_SC_STORAGE_TAG_CHECK, 0, 0, 0, 0)), -EIO);
}

static void test_blk_status(void)
{
    static const struct {
        enum blk_status sts;
        int err;
        const char *name, *desc;
    } rows[] = {
        { BLK_STS_OK, 0, "BLK_STS_OK", "" },
        { BLK_STS_NOTSUPP, -EOPNOTSUPP, "BLK_STS_NOTSUPP", "operation not supported" },
        { BLK_STS_TIMEOUT, -ETIMEDOUT, "BLK_STS_TIMEOUT", "timeout" },
        { BLK_STS_NOSPC, -ENOSPC, "BLK_STS_NOSPC", "critical space allocation" },
        { BLK_STS_TRANSPORT, -ENOLINK, "BLK_STS_TRANSPORT", "recoverable transport" },
        { BLK_STS_TARGET, -EREMOTEIO, "BLK_STS_TARGET", "critical target" },
        { BLK_STS_RESV_CONFLICT, -EBADE, "BLK_STS_RESV_CONFLICT", "reservation conflict" },
        { BLK_STS_MEDIUM, -ENODATA, "BLK_STS_MEDIUM", "critical medium" },
        { BLK_STS_PROTECTION, -EILSEQ, "BLK_STS_PROTECTION", "protection" },
        { BLK_STS_RESOURCE, -ENOMEM, "BLK_STS_RESOURCE", "kernel resource" },
        { BLK_STS_DEV_RESOURCE, -EBUSY, "BLK_STS_DEV_RESOURCE", "device resource" },
        { BLK_STS_AGAIN, -EAGAIN, "BLK_STS_AGAIN", "nonblocking retry" },
        { BLK_STS_OFFLINE, -ENODEV, "BLK_STS_OFFLINE", "device offline" },
        { BLK_STS_ZONE_OPEN_RESOURCE, -ETOOMANYREFS, "BLK_STS_ZONE_OPEN_RESOURCE",
          "open zones exceeded" },
        { BLK_STS_ZONE_ACTIVE_RESOURCE, -EOVERFLOW, "BLK_STS_ZONE_ACTIVE_RESOURCE",
          "active zones exceeded" },
        { BLK_STS_DURATION_LIMIT, -ETIME, "BLK_STS_DURATION_LIMIT", "duration limit exceeded" },
        { BLK_STS_INVAL, -EINVAL, "BLK_STS_INVAL", "invalid" },
        { BLK_STS_IOERR, -EIO, "BLK_STS_IOERR", "I/O" },
    };

    CHECK_EQ(sizeof(rows) / sizeof(rows[0]), BLK_STS_COUNT);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        CHECK_EQ(blk_status_to_errno(rows[i].sts), rows[i].err);
        CHECK_STR_EQ(blk_status_name(rows[i].sts), rows[i].name);
        CHECK_STR_EQ(blk_status_desc(rows[i].sts), rows[i].desc);
    }
    CHECK_EQ(blk_status_to_errno(BLK_STS_COUNT), -EIO);
    CHECK_EQ(blk_status_to_errno((enum blk_status)-1), -EIO);
    CHECK_STR_EQ(blk_status_name(BLK_STS_COUNT), "BLK_STS_?");
    CHECK_STR_EQ(blk_status_desc((enum blk_status)99), "I/O");
}

static void test_retry(void)
{
    static const uint16_t retryable[] = {
        NVME_SC_INTERNAL_ERROR,  NVME_SC_ABORT_REQUESTED,     NVME_SC_ABORT_SQ_DELETED,
        NVME_SC_CMD_INTERRUPTED, NVME_SC_TRANSIENT_TRANSPORT, NVME_SC_NS_NOT_READY,
        NVME_SC_WRITE_FAULT,     NVME_SC_READ_ERROR,          NVME_SC_INTERNAL_PATH_ERROR,
        NVME_SC_ANA_TRANSITION,
    };
    unsigned yes = 0;

    for (unsigned code = 0; code < 0x800; code++) {
        bool listed = false;
        for (size_t i = 0; i < sizeof(retryable) / sizeof(retryable[0]); i++)
            listed |= retryable[i] == code;
        for (unsigned bits = 0; bits < 16; bits++) { /* M, CRD, phase never matter */
            unsigned more = bits & 1, crd = (bits >> 1) & 3, p = bits >> 3;
            CHECK_EQ(nvme_status_is_retryable(st(code, 0, more, crd, p)), listed);
            CHECK_EQ(nvme_status_is_retryable(st(code, 1, more, crd, p)), 0); /* DNR: never */
        }
        yes += listed;
    }
    CHECK_EQ(yes, sizeof(retryable) / sizeof(retryable[0]));
    /* what QEMU 7.2 returns, per the model notes */
    CHECK(nvme_status_is_retryable(0x0281 << 1));  /* backend read error, no DNR */
    CHECK(nvme_status_is_retryable(0x0280 << 1));  /* backend write/flush error */
    CHECK(nvme_status_is_retryable(0x0006 << 1));  /* backend DSM/Verify error */
    CHECK(!nvme_status_is_retryable(0x4080 << 1)); /* LBA out of range, DNR */
    CHECK(!nvme_status_is_retryable(0x4013 << 1)); /* PRP offset invalid, DNR */
    CHECK(!nvme_status_is_retryable(0x010c << 1)); /* queue deletion order: our bug, no DNR */
    CHECK(!nvme_status_is_retryable(0x0105 << 1)); /* AER limit, no DNR */
    CHECK(!nvme_status_is_retryable(0x0000));      /* success is not retried */
}

int main(void)
{
    test_names();
    test_decode();
    test_linux_mapping();
    test_blk_status();
    test_retry();
    return check_exit();
}
