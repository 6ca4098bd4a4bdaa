/*
 * drivers/nvme/nvme_power.c - what the controller's power management is set
 * to, and turning Autonomous Power State Transitions off on request.
 *
 * Implements [NVMe Base 2.0 §5.27.1.2 Power Management (Feature 02h): the
 * current power state], [§5.27.1.9 Autonomous Power State Transition
 * (Feature 0Ch): APSTE in CDW11 bit 0 and a 256-byte table of 32 entries,
 * one per power state: ITPS (bits 7:3, the state to move to) and ITPT
 * (bits 31:8, idle milliseconds before moving)] and reads Identify
 * Controller NPSS and APSTA [§5.17.2.1].
 *
 * Firmware often leaves APST enabled (acidanthera/bugtracker #830), and some
 * drives never wake from their deepest state (xcp-ng/xcp #430, NixOS/nixpkgs
 * #257159: Linux's nvme_core.default_ps_max_latency_us=0 is the usual
 * workaround). nvos does not program APST itself: it reports what it finds,
 * and nvme.apst=off (c->apst_off) disables it with Set Features 0Ch APSTE=0,
 * again after every controller reset. Nothing here fails initialization.
 */
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_spec_id.h"
#include "kernel/kernel.h"
#include "lib/errno.h"

static void decode_table(struct nvme_power_info *p)
{
    p->apst_entries = 0;
    p->apst_deepest = 0;
    for (unsigned i = 0; i < NVME_APST_ENTRIES; i++) {
        uint64_t e;
        memcpy(&e, p->table + i * 8, 8);
        uint32_t itpt = (uint32_t)NVME_GET(e, APST_ITPT);
        uint8_t itps = (uint8_t)NVME_GET(e, APST_ITPS);
        if (itpt == 0)
            continue;
        p->apst_entries++;
        if (itps > p->apst_deepest)
            p->apst_deepest = itps;
    }
}

int nvme_power_setup(struct nvme_ctrlr *c)
{
    struct nvme_power_info *p = &c->power;
    bool first = c->state != NVME_STATE_RESETTING;
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    if (first) {
        memset(p, 0, sizeof(*p));
        p->npss = c->id->npss;
        p->apst_supported = (c->id->apsta & 1) != 0;
    }
    nvme_cmd_get_features(&cmd, NVME_FEAT_POWER_MGMT, NVME_FEAT_SEL_CURRENT, 0, 0);
    if (nvme_admin_sync(c, &cmd, NULL, 0, &cpl) == 0) {
        p->ps = (uint8_t)NVME_GET(cpl.cqe.dw0, PM_PS);
        p->read = true;
    } else if (first) {
        nvme_admin_failed(c, "Get Features (Power Management)", &cpl);
    }
    const char *apst = "not supported";
    if (p->apst_supported) {
        nvme_phys_t phys;
        uint8_t *buf = nvme_env_dma_alloc(NVME_APST_TABLE_SIZE, &phys);
        if (buf == NULL)
            return -ENOMEM;
        nvme_cmd_get_features(&cmd, NVME_FEAT_AUTO_PST, NVME_FEAT_SEL_CURRENT, 0, 0);
        if (nvme_admin_sync(c, &cmd, buf, NVME_APST_TABLE_SIZE, &cpl) != 0) {
            nvme_admin_failed(c, "Get Features (Autonomous Power State Transition)", &cpl);
            apst = "unreadable";
        } else {
            memcpy(p->table, buf, sizeof(p->table));
            p->apst_enabled = (cpl.cqe.dw0 & NVME_APST_CDW11_APSTE) != 0;
            if (first)
                p->apst_was_enabled = p->apst_enabled;
            decode_table(p);
            apst = p->apst_enabled ? "enabled" : "disabled";
            if (c->apst_off && p->apst_enabled) {
                /* The table goes back as read; only APSTE changes. */
                nvme_cmd_set_features(&cmd, NVME_FEAT_AUTO_PST, false, 0, 0);
                if (nvme_admin_sync(c, &cmd, buf, NVME_APST_TABLE_SIZE, &cpl) != 0) {
                    nvme_admin_failed(c, "Set Features (APST off)", &cpl);
                } else {
                    p->apst_enabled = false;
                    p->apst_disabled = true;
                    apst = "disabled by nvme.apst=off";
                }
            }
        }
        nvme_env_dma_free(buf, NVME_APST_TABLE_SIZE);
    }
    if (first)
        kprintf("%s: power: state %u of %u%s; APST %s%s (%u transitions, deepest PS%u)\n",
                c->name, p->ps, p->npss + 1u, p->read ? "" : " (unknown)", apst,
                p->apst_was_enabled ? ", enabled by firmware" : "", p->apst_entries,
                p->apst_deepest);
    return 0;
}

const struct nvme_power_info *nvme_ctrlr_get_power_info(const struct nvme_ctrlr *c)
{
    return &c->power;
}
