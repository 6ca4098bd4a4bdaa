/*
 * drivers/block/block.h - the generic block layer: what the FAT reader, the
 * benchmark and the shell use to reach any disk (an NVMe namespace, a
 * partition of one, or a fake device in the host tests).
 *
 * The model is FreeBSD's and lk's: drivers implement two operations, submit
 * (asynchronous, never blocks) and poll (reap completions, run callbacks);
 * everything synchronous is written once, here, on top of them.
 *
 * Rules:
 *   - requests are owned by the caller, which keeps them alive until "done"
 *     runs: the block layer and drivers allocate nothing per I/O;
 *   - "done" runs exactly once per accepted request, from block_poll() or,
 *     on interrupt-driven devices, from the interrupt handler; it must not
 *     block, and it may submit new requests;
 *   - a request larger than the device's max_transfer is split by the driver
 *     and completes once, with the first error of its parts;
 *   - data buffers are kernel virtual addresses backed by RAM (direct map or
 *     kernel image), dword-aligned, and must stay valid until "done".
 */
#ifndef NVOS_DRIVERS_BLOCK_BLOCK_H
#define NVOS_DRIVERS_BLOCK_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum block_op {
    BLOCK_OP_READ,
    BLOCK_OP_WRITE,
    BLOCK_OP_FLUSH,        /* make completed writes durable; lba/count unused */
    BLOCK_OP_WRITE_ZEROES, /* buf unused */
    BLOCK_OP_DISCARD,      /* deallocate (trim); buf unused */
};

#define BLOCK_REQ_FUA (1u << 0) /* write: durable before completion */

struct block_request;
typedef void (*block_done_fn)(struct block_request *req);

struct block_request {
    /* Set by the caller. */
    enum block_op op;
    uint32_t flags;  /* BLOCK_REQ_* */
    uint64_t lba;    /* in the device's logical blocks */
    uint32_t count;  /* blocks */
    void *buf;
    block_done_fn done;
    void *ctx;       /* the caller's */

    /* Set before "done" runs. */
    int status;             /* 0 or -errno */
    uint32_t device_status; /* driver-specific detail (NVMe: SCT/SC/CRD/M/DNR), 0 if none */

    /* Private to the driver. */
    uintptr_t driver_priv[4];
    /* Private to the block layer: a partition's request is sent to the whole
     * device in place; the caller's view is saved here and restored before
     * "done" runs. */
    struct {
        block_done_fn done;
        void *ctx;
        uint64_t lba;
    } layer;
};

struct block_geometry {
    uint32_t block_size;        /* bytes per logical block */
    uint64_t block_count;
    uint32_t max_transfer;      /* blocks per request the device takes in one command */
    uint32_t queue_depth;       /* requests in flight before submit says -EAGAIN */
    bool write_cache;           /* volatile write cache present: flush matters */
    bool can_fua, can_write_zeroes, can_discard;
    bool read_only;
    uint64_t recovery_ns;       /* longest the driver may take to complete or fail a request
                                 * (its timeouts and a controller reset); 0: unknown */
};

struct block_device;

struct block_device_ops {
    /* Queue a request; 0, -EAGAIN when full (retry after polling), or another
     * -errno when the request is invalid (then "done" is never called). */
    int (*submit)(struct block_device *dev, struct block_request *req);
    /* Reap up to budget completions, running their callbacks; returns how many. */
    unsigned (*poll)(struct block_device *dev, unsigned budget);
    /* Human description of a device_status, e.g. "Unrecovered Read Error
     * (sct=0x2 sc=0x81 dnr=0)". May be NULL. */
    void (*describe_status)(struct block_device *dev, uint32_t device_status, char *buf,
                            size_t size);
    /* Does this device deliver completions by interrupt (so waiting may halt)? */
    bool (*interrupt_driven)(struct block_device *dev);
    /* Optional: switch between interrupt-driven and polled completion;
     * -EOPNOTSUPP when the device cannot, -EBUSY when it cannot with the
     * requests now in flight (NVMe can: they finish on the queue left). */
    int (*set_polled)(struct block_device *dev, bool polled);
};

#define BLOCK_NAME_MAX 32

struct part_table;

struct block_device {
    char name[BLOCK_NAME_MAX]; /* "nvme0n1", "nvme0n1p2" */
    struct block_geometry geo;
    const struct block_device_ops *ops;
    void *driver_data;
    /* Partitions: parent device and the window they cover. */
    struct block_device *parent;
    uint64_t start_lba;
    unsigned partition_number; /* 1-based; 0 for whole devices */
    struct part_table *partitions; /* whole devices: the table found, or NULL */
    struct block_device *next; /* registry */
};

/* ---- registry ---- */
int block_register(struct block_device *dev);
struct block_device *block_find(const char *name);
struct block_device *block_first(void);
struct block_device *block_next(struct block_device *dev);

/*
 * Reads dev's partition table (MBR or GPT, lib/part) and registers each
 * partition as a block device "<dev>p<N>" (N as the table numbers it).
 * Returns the number registered, or -errno; a disk without a table is 0.
 */
int block_scan_partitions(struct block_device *dev);
/* The partition numbered n of a whole device, or NULL. */
struct block_device *block_partition(struct block_device *dev, unsigned n);

/*
 * dev as the partition and FAT parsers' read seam (lib/blkread.h): whole
 * synchronous block_reads of at most one maximum transfer, dword-aligned
 * buffers. -EINVAL (and *seam unusable) for block sizes the parsers do not
 * read (outside 512..4096).
 */
struct blkread;
int block_blkread_init(struct blkread *seam, struct block_device *dev);

/* ---- asynchronous ---- */
/* Checks the request against the geometry, then hands it to the driver. */
int block_submit(struct block_device *dev, struct block_request *req);
unsigned block_poll(struct block_device *dev, unsigned budget);

/* ---- synchronous (submit, then wait for the callback) ---- */
int block_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf);
int block_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf);
int block_flush(struct block_device *dev);
int block_write_zeroes(struct block_device *dev, uint64_t lba, uint32_t count);
int block_discard(struct block_device *dev, uint64_t lba, uint32_t count);
/* Runs any prepared request synchronously; req->status and device_status hold the result. */
int block_execute(struct block_device *dev, struct block_request *req);

/*
 * Returns once *done is true (set by a callback), polling dev meanwhile: the
 * synchronous calls' one seam. The kernel's (block_wait.c) halts between
 * interrupts on interrupt-driven devices; host tests link one that spins.
 */
void block_wait(struct block_device *dev, const bool *done);

static inline const struct block_geometry *block_geometry(const struct block_device *dev)
{
    return &dev->geo;
}

/* Completion mode of a whole device (partitions follow their parent). */
bool block_is_polled(struct block_device *dev);
int block_set_polled(struct block_device *dev, bool polled);

/* "Unrecovered Read Error (sct=0x2 sc=0x81 dnr=0)" or "" for this request's result. */
void block_describe_status(struct block_device *dev, const struct block_request *req, char *buf,
                           size_t size);

#endif
