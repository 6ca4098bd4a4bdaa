/*
 * drivers/nvme/nvme_doctor.h - "nvme doctor" (nvme_doctor.c): one
 * pass/warn/fail line per check of a controller and what sits in front of
 * it, then a summary line; the format is in docs/shell.md.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_DOCTOR_H
#define NVOS_DRIVERS_NVME_NVME_DOCTOR_H

#include <stddef.h>

struct nvme_ctrlr;

/* Runs every check on c and prints its lines; adds the pass/warn/fail
 * counts to counts[0..2] (may be NULL). 0, or -EIO when a check failed. */
int nvme_doctor(struct nvme_ctrlr *c, unsigned counts[3]);

#endif
