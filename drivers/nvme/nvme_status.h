/*
 * drivers/nvme/nvme_status.h - what a completion's status means: its name in
 * the spec, the errno the rest of the kernel sees, and whether to retry.
 * Pure: no device access, no allocation; host-tested row by row.
 *
 * Spec: [NVMe Base 2.0 §3.3.3.2.1] Status Field, and the status values of
 * the NVM Command Set [NVM CS 1.0] (see nvme_regs.h).
 *
 * Every function here takes the 16-bit status half of CQE DW3 exactly as the
 * device wrote it (nvme_cqe.status): bit 0 is the phase tag and is ignored.
 *
 * The errno mapping is Linux's, so that an errno means the same here as
 * there: nvme_error_status() in drivers/nvme/host/core.c turns SCT:SC (DNR,
 * More and CRD ignored) into a block status, and blk_status_to_errno() in
 * block/blk-core.c turns that into an errno. This follows Linux 6.16
 * (commit 10f4a7cd724e dropped the 183h -> NOTSUPP row; it is -EIO now).
 */
#ifndef NVOS_DRIVERS_NVME_NVME_STATUS_H
#define NVOS_DRIVERS_NVME_NVME_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/nvme_regs.h"

/* A decoded status field. */
struct nvme_status {
    uint8_t sct;      /* Status Code Type (NVME_SCT_*) */
    uint8_t sc;       /* Status Code */
    uint8_t crd;      /* Command Retry Delay: 0, or which Identify CRDTn to wait */
    bool more;        /* M: the Error Information log has more */
    bool dnr;         /* Do Not Retry */
    bool known;       /* sct/sc is a value this file knows */
    const char *name; /* the spec's name, or "Unknown"; static storage */
};

/* Splits a CQE status; never fails. */
struct nvme_status nvme_status_decode(uint16_t status);

/* The spec's name of SCT/SC ("Invalid Field in Command"), or NULL if undefined. */
const char *nvme_status_name(unsigned sct, unsigned sc);

/* True if the command failed (SCT or SC non-zero). */
static inline bool nvme_status_is_error(uint16_t status)
{
    return NVME_GET((unsigned)status, STATUS_CODE) != 0;
}

/*
 * Formats "<Name> (sct=0x%x sc=0x%02x dnr=%u)", the middle of the shell's
 * "error: <what>: <status> <errno name>" lines; an undefined code prints as
 * "Unknown (sct=0x4 sc=0x12 dnr=0)". Returns what ksnprintf returns.
 */
int nvme_status_format(uint16_t status, char *buf, size_t size);

/*
 * Linux's block status codes, by Linux's names; the numbering is ours.
 * BLK_STS_DM_REQUEUE (device-mapper internal, "should not leak out") is
 * left out: no NVMe status produces it.
 */
enum blk_status {
    BLK_STS_OK,
    BLK_STS_NOTSUPP,
    BLK_STS_TIMEOUT,
    BLK_STS_NOSPC,
    BLK_STS_TRANSPORT,
    BLK_STS_TARGET,
    BLK_STS_RESV_CONFLICT,
    BLK_STS_MEDIUM,
    BLK_STS_PROTECTION,
    BLK_STS_RESOURCE,
    BLK_STS_DEV_RESOURCE,
    BLK_STS_AGAIN,
    BLK_STS_OFFLINE,
    BLK_STS_ZONE_OPEN_RESOURCE,
    BLK_STS_ZONE_ACTIVE_RESOURCE,
    BLK_STS_DURATION_LIMIT,
    BLK_STS_INVAL,
    BLK_STS_IOERR,
    BLK_STS_COUNT
};

/* Linux nvme_error_status(): SCT:SC -> block status; unlisted codes -> BLK_STS_IOERR. */
enum blk_status nvme_status_to_blk(uint16_t status);

/* Linux blk_status_to_errno(): 0 or a negative errno; out of range -> -EIO. */
int blk_status_to_errno(enum blk_status sts);

/* "BLK_STS_MEDIUM"; "BLK_STS_?" out of range. */
const char *blk_status_name(enum blk_status sts);

/* Linux's description ("critical medium"); "I/O" out of range, as Linux. */
const char *blk_status_desc(enum blk_status sts);

/* nvme_status_to_blk() then blk_status_to_errno(): 0 on success. */
int nvme_status_to_errno(uint16_t status);

/*
 * Whether resubmitting the same command may succeed: DNR clear AND the code
 * is one of these transient conditions:
 *
 *   00h/06h Internal Error                    QEMU: backend error on DSM/Verify/Copy
 *   00h/07h Command Abort Requested           our own Abort after a timeout (FreeBSD)
 *   00h/08h Command Aborted due to SQ Deletion  the command never ran
 *   00h/21h Command Interrupted               the spec's "retry me" code (with ACRE)
 *   00h/22h Transient Transport Error
 *   00h/82h Namespace Not Ready               (FreeBSD, Zephyr)
 *   02h/80h Write Fault                       QEMU: any backend write/flush error
 *   02h/81h Unrecovered Read Error            QEMU: any backend read error
 *   03h/00h Internal Path Error               (FreeBSD)
 *   03h/03h Asymmetric Access Transition
 *
 * The rules others use, as facts: FreeBSD nvme_completion_is_retry() (and
 * Zephyr's copy) retries only ABORTED_BY_REQUEST and NAMESPACE_NOT_READY
 * (generic) and INTERNAL_PATH_ERROR (path), each only with DNR clear, up to
 * 4 times (Zephyr 2). Linux nvme_decide_disposition() retries EVERY failed
 * command whose DNR is clear (and not REQ_FAILFAST), up to nvme_max_retries
 * = 5, after a delay of CRDT[CRD-1] * 100 ms. Our list is FreeBSD's plus the
 * codes QEMU 7.2 returns for transient backend errors without DNR, plus the
 * codes the spec defines as transient; errors that retrying cannot fix
 * (invalid field, LBA range, PI checks...) are never retried even without DNR.
 *
 * The retry count bound and the CRD delay (Identify CRDT1..3, 100 ms units,
 * used once Host Behavior Support ACRE is set) are the caller's.
 */
bool nvme_status_is_retryable(uint16_t status);

#endif
