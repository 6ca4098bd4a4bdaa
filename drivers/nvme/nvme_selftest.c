/*
 * drivers/nvme/nvme_selftest.c - the NVMe driver's checks for the "selftest"
 * command (kernel/selftest.h): every controller reports ready and not failed
 * ([NVMe Base 2.0 §3.1.3.6] CSTS.RDY=1, CSTS.CFS=0), and answers a fresh
 * Identify Controller ([NVMe Base 2.0 §5.17.2.1], CNS 01h) that agrees with
 * what initialisation read (VID, serial and model number).
 * No controller at all is a skip, not a failure.
 */
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_mmio.h"
#include "kernel/selftest.h"
#include "lib/errno.h"

static int check_ready(void)
{
    unsigned n = 0;
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c != NULL; c = nvme_ctrlr_next(c)) {
        uint32_t csts = nvme_rd32(c, NVME_REG_CSTS);
        if (csts == 0xFFFFFFFFu) {
            selftest_diag("%s: CSTS reads all ones: the device is gone", c->name);
            return -ENODEV;
        }
        if (!NVME_GET(csts, CSTS_RDY) || NVME_GET(csts, CSTS_CFS)) {
            selftest_diag("%s: CSTS=%#x: RDY=%u CFS=%u", c->name, csts, NVME_GET(csts, CSTS_RDY),
                          NVME_GET(csts, CSTS_CFS));
            return -EIO;
        }
        selftest_diag("%s: CSTS=%#x (ready)", c->name, csts);
        n++;
    }
    if (n == 0) {
        selftest_diag("no NVMe controller");
        return SELFTEST_SKIP;
    }
    return 0;
}
SELFTEST(30_nvme_ready, "nvme_controller_ready", check_ready);

static int check_identify(void)
{
    unsigned n = 0;
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c != NULL; c = nvme_ctrlr_next(c)) {
        nvme_phys_t phys;
        struct nvme_id_ctrl *fresh = nvme_env_dma_alloc(sizeof(*fresh), &phys);
        if (fresh == NULL) {
            selftest_diag("%s: no memory for the Identify data", c->name);
            return -ENOMEM;
        }
        struct nvme_sqe cmd;
        struct nvme_cpl cpl;
        nvme_cmd_identify(&cmd, NVME_CNS_CTRL, 0, 0);
        int err = nvme_admin_sync(c, &cmd, fresh, sizeof(*fresh), &cpl);
        const struct nvme_id_ctrl *init = nvme_ctrlr_get_data(c);
        if (err) {
            selftest_diag("%s: Identify Controller failed: %s", c->name, errno_name(err));
        } else if (fresh->vid != init->vid || memcmp(fresh->sn, init->sn, sizeof(fresh->sn)) ||
                   memcmp(fresh->mn, init->mn, sizeof(fresh->mn))) {
            selftest_diag("%s: Identify Controller now says vid %#06x sn '%.20s' mn '%.40s', "
                          "at init vid %#06x sn '%.20s' mn '%.40s'", c->name, fresh->vid,
                          fresh->sn, fresh->mn, init->vid, init->sn, init->mn);
            err = -EIO;
        } else {
            selftest_diag("%s: Identify Controller: vid %#06x, sn '%.20s' as at init", c->name,
                          fresh->vid, fresh->sn);
        }
        nvme_env_dma_free(fresh, sizeof(*fresh));
        if (err)
            return err;
        n++;
    }
    if (n == 0) {
        selftest_diag("no NVMe controller");
        return SELFTEST_SKIP;
    }
    return 0;
}
SELFTEST(31_nvme_identify, "nvme_identify_controller", check_identify);
