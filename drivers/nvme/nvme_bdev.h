/*
 * drivers/nvme/nvme_bdev.h - the block adapter (nvme_bdev.c): NVMe
 * namespaces published as block devices ("nvme0n1"). The driver core knows
 * the block layer only through these two calls.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_BDEV_H
#define NVOS_DRIVERS_NVME_NVME_BDEV_H

struct block_device;
struct nvme_ctrlr;
struct nvme_ns;

/*
 * Registers every usable namespace of c as a block device, served by the
 * controller's block queue pairs, and scans each for partitions. The last
 * step of controller initialization (nvme_ctrlr.c); the host tests link a
 * stand-in. 0, or the -errno of the registration that failed.
 */
int nvme_bdev_publish(struct nvme_ctrlr *c);

enum nvme_ns_change { NVME_NS_ADDED, NVME_NS_REMOVED, NVME_NS_RESIZED };

/*
 * A rescan (nvme_ns.c) found ns added, removed or changed in size or format:
 * publish it, make its block device fail with ENODEV, or update its
 * geometry. Runs in thread context; the host tests link a stand-in.
 */
void nvme_bdev_ns_changed(struct nvme_ctrlr *c, struct nvme_ns *ns, enum nvme_ns_change what);

/* The namespace behind a block device ("nvme0n1"), or NULL if it is not one. */
struct nvme_ns *nvme_ns_from_block(struct block_device *dev);

#endif
