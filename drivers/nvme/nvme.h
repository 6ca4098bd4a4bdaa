/*
 * drivers/nvme/nvme.h - the NVMe driver's public API, shaped like SPDK's
 * (spdk/nvme.h) so that its users feel at home: probe with an attach
 * callback, opaque controller / namespace / queue-pair handles, namespace
 * commands that take a completion callback, and a call that processes the
 * completions of a queue pair. Nothing here blocks except the explicitly
 * synchronous helpers at the end.
 *
 * Differences from SPDK, by design: buffers are kernel virtual addresses
 * (the driver translates them), queue pairs can be interrupt-driven (their
 * callbacks then run in the interrupt handler) or polled, and every command
 * carries a deadline after which the driver aborts it and, if need be,
 * resets the controller: a callback always comes.
 *
 * Concurrency: every queue pair has its own lock, and calls on an
 * interrupt-driven one also disable interrupts on this CPU around their
 * critical sections; a polled queue pair must only be used from thread
 * context. A pair created by a CPU for itself (opts.cpu the caller's, the
 * default) with an interrupt of its own is that CPU's alone and takes no
 * lock: only that CPU may use it. Other pairs may be used from any CPU, but
 * their completion callbacks run on the CPU that reaps them (the
 * interrupt's, or the poller). The block layer's pairs are per CPU
 * (nvme_percpu.c). Admin commands may come from any CPU.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_H
#define NVOS_DRIVERS_NVME_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/nvme_regs.h"
#include "drivers/nvme/nvme_spec_id.h"
#include "drivers/nvme/nvme_status.h" /* status decoding: nvme_status_format, _to_errno */

struct nvme_ctrlr;
struct nvme_ns;
struct nvme_qpair;

/* A completion, as the device posted it (or as the driver made it up when a
 * command could not complete: reset, timeout). */
struct nvme_cpl {
    struct nvme_cqe cqe;
    int err; /* 0, or the -errno the status maps to (nvme_status_to_errno) */
};

typedef void (*nvme_cmd_cb)(void *cb_arg, const struct nvme_cpl *cpl);

/* ---- probe and attach ---- */
struct nvme_probe_info {
    const char *pci_name; /* "00:02.0" */
    uint16_t vendor_id, device_id;
};
/* Return true to attach the controller. */
typedef bool (*nvme_probe_cb)(void *ctx, const struct nvme_probe_info *info);
typedef void (*nvme_attach_cb)(void *ctx, const struct nvme_probe_info *info,
                               struct nvme_ctrlr *ctrlr);
/* Finds NVMe controllers (PCI class 01/08/02), initialises the ones probe_cb
 * accepts and calls attach_cb for each. Returns how many attached. */
int nvme_probe(void *ctx, nvme_probe_cb probe_cb, nvme_attach_cb attach_cb);

/* ---- controller ---- */
const struct nvme_id_ctrl *nvme_ctrlr_get_data(const struct nvme_ctrlr *c);
const char *nvme_ctrlr_get_name(const struct nvme_ctrlr *c); /* "nvme0" */
uint64_t nvme_ctrlr_get_cap(const struct nvme_ctrlr *c);
uint32_t nvme_ctrlr_get_num_ns(const struct nvme_ctrlr *c); /* NN: highest NSID */
/* Active namespaces in NSID order: first, then next after prev (0 = none). */
uint32_t nvme_ctrlr_get_first_active_ns(const struct nvme_ctrlr *c);
uint32_t nvme_ctrlr_get_next_active_ns(const struct nvme_ctrlr *c, uint32_t prev);
struct nvme_ns *nvme_ctrlr_get_ns(struct nvme_ctrlr *c, uint32_t nsid);
/* Largest data transfer per command, bytes (MDTS, capped by the driver). */
uint32_t nvme_ctrlr_get_max_xfer_size(const struct nvme_ctrlr *c);
/* I/O queue pairs the controller granted (Set Features Number of Queues),
 * and how many of them nvme_ctrlr_alloc_io_qpair can still create. */
uint32_t nvme_ctrlr_get_max_io_qpairs(const struct nvme_ctrlr *c);
uint32_t nvme_ctrlr_get_free_io_qpairs(const struct nvme_ctrlr *c);
/* Entries per I/O queue the controller allows (CAP.MQES + 1, clamped). */
uint32_t nvme_ctrlr_get_max_io_queue_size(const struct nvme_ctrlr *c);
struct nvme_ctrlr *nvme_ctrlr_by_name(const char *name);
struct nvme_ctrlr *nvme_ctrlr_first(void);
struct nvme_ctrlr *nvme_ctrlr_next(struct nvme_ctrlr *c);

/* Full controller reset and re-initialisation; outstanding commands are
 * resubmitted (or failed once out of retries). Synchronous. */
int nvme_ctrlr_reset(struct nvme_ctrlr *c);

/* Raw admin command (cmd.cid and the data pointer are the driver's). */
int nvme_ctrlr_cmd_admin_raw(struct nvme_ctrlr *c, const struct nvme_sqe *cmd, void *buf,
                             uint32_t len, nvme_cmd_cb cb, void *cb_arg);
int32_t nvme_ctrlr_process_admin_completions(struct nvme_ctrlr *c);
/* Work that waits for thread context: a namespace rescan after a Namespace
 * Attribute Changed event. Also run by process_admin_completions. */
void nvme_ctrlr_process_events(struct nvme_ctrlr *c);

/* Host Memory Buffer [NVMe Base 2.0 §5.27.1.10]: what the controller asked
 * for (Identify HMPRE/HMMIN/HMMINDS/HMMAXD) and what nvos gave it. */
struct nvme_hmb_info {
    uint64_t preferred;   /* bytes (HMPRE); 0: the controller asks for none */
    uint64_t minimum;     /* bytes (HMMIN) */
    uint64_t min_chunk;   /* bytes (HMMINDS; 0: no limit) */
    uint32_t max_entries; /* HMMAXD (0: no limit) */
    uint64_t given;       /* bytes handed over (0: none) */
    uint32_t chunk;       /* bytes per descriptor entry */
    uint32_t entries;     /* descriptor entries */
    bool enabled;         /* the controller accepted EHM=1 and uses it now */
    const char *state;    /* "not requested", "enabled", "allocation failed", ... */
};
const struct nvme_hmb_info *nvme_ctrlr_get_hmb_info(const struct nvme_ctrlr *c);

/* Autonomous Power State Transition [§5.27.1.9] and Power Management
 * [§5.27.1.2], as read (and set) at initialization. */
struct nvme_power_info {
    bool read;            /* Get Features answered */
    uint8_t npss;         /* power states - 1 (Identify NPSS) */
    uint8_t ps;           /* current power state (FID 02h) */
    bool apst_supported;  /* Identify APSTA bit 0 */
    bool apst_enabled;    /* APSTE now */
    bool apst_was_enabled;/* APSTE as found (firmware's choice) */
    bool apst_disabled;   /* nvos turned it off (nvme.apst=off) */
    uint8_t apst_entries; /* table entries with a transition (ITPT != 0) */
    uint8_t apst_deepest; /* deepest ITPS in the table */
    uint8_t table[256];   /* the APST data structure as read */
};
const struct nvme_power_info *nvme_ctrlr_get_power_info(const struct nvme_ctrlr *c);

/* ---- I/O queue pairs ---- */
struct nvme_io_qpair_opts {
    uint32_t io_queue_size; /* entries; 0 = driver default; clamped to CAP.MQES+1 */
    bool interrupts;        /* completions by interrupt (MSI-X/INTx) or polled (IEN=0) */
    unsigned cpu;           /* the CPU (index) its MSI-X entry is routed to; default: the caller */
};
void nvme_ctrlr_get_default_io_qpair_opts(const struct nvme_ctrlr *c,
                                          struct nvme_io_qpair_opts *opts);
/* Creates an I/O CQ/SQ pair on the device. NULL when out of queues or memory
 * (the reason is printed). */
struct nvme_qpair *nvme_ctrlr_alloc_io_qpair(struct nvme_ctrlr *c,
                                             const struct nvme_io_qpair_opts *opts);
/* Deletes the pair on the device; it must have nothing outstanding. */
int nvme_ctrlr_free_io_qpair(struct nvme_qpair *qp);
/* Reaps up to max completions (0 = all there are), running callbacks;
 * returns how many, -ENODEV if the controller has failed, -EPERM on a CPU
 * other than the one a pair belongs to (one created by a CPU for itself). */
int32_t nvme_qpair_process_completions(struct nvme_qpair *qp, uint32_t max);
/* Commands submitted between begin and end share one SQ doorbell write
 * (SPDK's delayed doorbell). Completion callbacks that submit are batched
 * this way automatically: in_batch is true while they run, as between
 * begin and end, so a caller can tell whether to open a batch of its own. */
void nvme_qpair_batch_begin(struct nvme_qpair *qp);
void nvme_qpair_batch_end(struct nvme_qpair *qp);
bool nvme_qpair_in_batch(const struct nvme_qpair *qp);
uint32_t nvme_qpair_outstanding(const struct nvme_qpair *qp);
bool nvme_qpair_is_interrupt_driven(const struct nvme_qpair *qp);
uint16_t nvme_qpair_id(const struct nvme_qpair *qp);
/* The caller promises that interrupts are off whenever it calls into this
 * interrupt-driven pair from thread context (a benchmark's main loop that
 * waits for interrupts with them masked): the pair then skips masking them
 * itself around each call. Off by default. */
void nvme_qpair_set_caller_masks_irq(struct nvme_qpair *qp, bool on);
/* Benchmark accounting, off by default: with clocks on the pair reads the
 * TSC around each of its doorbell writes and around its interrupt handling
 * (callbacks included), and get_clocks returns the cumulative ticks. Off,
 * nothing on the pair's I/O path reads the clock. */
void nvme_qpair_set_clocks(struct nvme_qpair *qp, bool on);
void nvme_qpair_get_clocks(const struct nvme_qpair *qp, uint64_t *irq_tsc, uint64_t *doorbell_tsc);
/* Raw I/O command on a queue pair. */
int nvme_ctrlr_cmd_io_raw(struct nvme_ctrlr *c, struct nvme_qpair *qp, const struct nvme_sqe *cmd,
                          void *buf, uint32_t len, nvme_cmd_cb cb, void *cb_arg);

/* ---- namespaces ---- */
uint32_t nvme_ns_get_id(const struct nvme_ns *ns);
struct nvme_ctrlr *nvme_ns_get_ctrlr(const struct nvme_ns *ns);
uint32_t nvme_ns_get_sector_size(const struct nvme_ns *ns); /* data bytes per block */
uint32_t nvme_ns_get_md_size(const struct nvme_ns *ns);     /* metadata bytes per block */
bool nvme_ns_supports_extended_lba(const struct nvme_ns *ns); /* metadata interleaved */
uint64_t nvme_ns_get_num_sectors(const struct nvme_ns *ns);  /* NSZE */
uint32_t nvme_ns_get_max_io_xfer_size(const struct nvme_ns *ns);
const struct nvme_id_ns *nvme_ns_get_data(const struct nvme_ns *ns);

#define NVME_IO_FLAGS_FUA NVME_RW_FUA /* Force Unit Access (writes) */

/* Scatter-gather callbacks for readv/writev (SPDK's reset_sgl/next_sge):
 * reset_sgl positions the caller's list at a byte offset; next_sge returns
 * the next contiguous virtual segment. */
typedef void (*nvme_req_reset_sgl_cb)(void *cb_arg, uint32_t offset);
typedef int (*nvme_req_next_sge_cb)(void *cb_arg, void **address, uint32_t *length);

int nvme_ns_cmd_read(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf, uint64_t lba,
                     uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags);
int nvme_ns_cmd_write(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf, uint64_t lba,
                      uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags);
int nvme_ns_cmd_readv(struct nvme_ns *ns, struct nvme_qpair *qp, uint64_t lba, uint32_t lba_count,
                      nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
                      nvme_req_reset_sgl_cb reset_sgl, nvme_req_next_sge_cb next_sge);
int nvme_ns_cmd_writev(struct nvme_ns *ns, struct nvme_qpair *qp, uint64_t lba,
                       uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
                       nvme_req_reset_sgl_cb reset_sgl, nvme_req_next_sge_cb next_sge);
/* Separate metadata buffer (namespaces formatted with metadata, FLBAS bit 4 clear). */
int nvme_ns_cmd_read_with_md(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf, void *md_buf,
                             uint64_t lba, uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg,
                             uint32_t io_flags);
int nvme_ns_cmd_write_with_md(struct nvme_ns *ns, struct nvme_qpair *qp, void *buf,
                              void *md_buf, uint64_t lba, uint32_t lba_count, nvme_cmd_cb cb,
                              void *cb_arg, uint32_t io_flags);
int nvme_ns_cmd_write_zeroes(struct nvme_ns *ns, struct nvme_qpair *qp, uint64_t lba,
                             uint32_t lba_count, nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags);
/* Dataset Management; type is NVME_DSM_* attributes (NVME_DSM_AD: deallocate). */
int nvme_ns_cmd_dataset_management(struct nvme_ns *ns, struct nvme_qpair *qp, uint32_t type,
                                   const struct nvme_dsm_range *ranges, uint16_t num_ranges,
                                   nvme_cmd_cb cb, void *cb_arg);
int nvme_ns_cmd_flush(struct nvme_ns *ns, struct nvme_qpair *qp, nvme_cmd_cb cb, void *cb_arg);

/*
 * A driver self-test, the device's floor: 4 KiB random reads at queue depth
 * qd (1 .. the largest queue - 1) for ms milliseconds on a polled queue pair
 * of its own, SQEs written straight into the ring, one CQ and one SQ
 * doorbell per batch, none of the driver's bookkeeping (no trackers,
 * timeouts, retries, callbacks). *iops gets the rate. -EOPNOTSUPP for
 * formats with metadata or blocks over 4 KiB; -ETIMEDOUT if the device stops
 * completing (the pair and its buffers are then left allocated).
 */
int nvme_ns_rawloop(struct nvme_ns *ns, unsigned qd, uint64_t ms, uint64_t *iops);

/* ---- synchronous helpers (submit, then wait for the callback) ---- */
int nvme_admin_sync(struct nvme_ctrlr *c, struct nvme_sqe *cmd, void *buf, uint32_t len,
                    struct nvme_cpl *cpl);
int nvme_get_log_page(struct nvme_ctrlr *c, uint32_t nsid, uint8_t lid, void *buf, uint32_t len,
                      struct nvme_cpl *cpl);
int nvme_get_feature(struct nvme_ctrlr *c, uint8_t fid, uint8_t sel, uint32_t cdw11,
                     uint32_t nsid, void *buf, uint32_t len, struct nvme_cpl *cpl);

#endif
