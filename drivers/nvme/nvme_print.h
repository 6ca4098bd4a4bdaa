/*
 * drivers/nvme/nvme_print.h - Identify, log page and feature data printed
 * the way nvme-cli 2.3 (Debian 12) prints them, in its text layout
 * (nvme_print.c) and its JSON (-o json, nvme_print_json.c). The shell
 * command (nvme_shell.c) fetches the data; these only format it.
 * docs/shell.md lists what matches nvme-cli and what does not.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_PRINT_H
#define NVOS_DRIVERS_NVME_NVME_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/nvme_regs.h"
#include "drivers/nvme/nvme_spec_id.h"

/* nvme-cli's option flags that change the output. */
#define NVME_PRINT_HUMAN 0x1u  /* -H, --human-readable */
#define NVME_PRINT_VS 0x2u     /* -v, --vendor-specific (id-ctrl, id-ns) */

/* NULBAF (Number of Unique Capability LBA Formats), Identify Namespace byte
 * 82 [NVM Command Set 1.0 Figure 97]: not in struct nvme_id_ns yet. */
static inline uint8_t nvme_print_id_ns_nulbaf(const struct nvme_id_ns *id)
{
    return ((const uint8_t *)id)[82];
}

/* nvme_print.c: text */
void nvme_print_id_ctrl(const struct nvme_id_ctrl *id, unsigned flags);
void nvme_print_id_ns(const struct nvme_id_ns *id, uint32_t nsid, unsigned flags);
/* nvme_print_ctrl.c: id-ctrl -H, the decode printed after field `name`. */
void nvme_print_id_ctrl_human(const struct nvme_id_ctrl *id, const char *name);
void nvme_print_smart_log(const struct nvme_smart_log *s, uint32_t nsid, const char *dev,
                          unsigned flags);
void nvme_print_error_log(const struct nvme_error_log_entry *e, unsigned entries,
                          const char *dev);
/* "get-feature:0x07 (Number of Queues), Current value:0x003f003f" and, with
 * NVME_PRINT_HUMAN, the decoded fields; data (len bytes, may be NULL) is
 * dumped or decoded for the features that return a buffer. */
void nvme_print_feature(uint8_t fid, uint8_t sel, uint32_t result, const uint8_t *data,
                        uint32_t len, unsigned flags);
/* nvme-cli's name of a feature ("Unknown" if it has none). */
const char *nvme_print_feature_name(uint8_t fid);
/* Bytes of data Get Features returns for fid (0: none), as nvme-cli asks. */
uint32_t nvme_print_feature_data_len(uint8_t fid);
/* nvme-cli's hex dump: a header of column numbers, 16 bytes a line with ASCII. */
void nvme_print_hexdump(const uint8_t *buf, size_t len);
/* "%.2f %s" of bytes in SI units (1000-based) as nvme-cli rounds them:
 * writes the number (e.g. "67.11") to num and returns the prefix ("M"). */
const char *nvme_print_si(uint64_t bytes, char *num, size_t size);

/* nvme_print_json.c: -o json */
void nvme_print_id_ctrl_json(const struct nvme_id_ctrl *id);
void nvme_print_id_ns_json(const struct nvme_id_ns *id);
void nvme_print_smart_log_json(const struct nvme_smart_log *s, unsigned flags);
void nvme_print_error_log_json(const struct nvme_error_log_entry *e, unsigned entries);

struct json_writer;
/* A writer in nvme-cli's (json-c's) layout on the console. */
void nvme_print_json_begin(struct json_writer *w);

#endif
