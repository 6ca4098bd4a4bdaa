/*
 * drivers/nvme/nvme_capture_pci.c - when captures are taken in the kernel
 * (docs/capture.md): at attach with the boot option nvme.capture=1 (the
 * whole initialization, or its failure), and from the shell with
 * "nvme capture on [DEV]" (a controller reset). Both end with the short I/O
 * sequence of nvme_capture.c and the end line; the lines go to the console.
 */
#include "drivers/nvme/nvme_capture.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/pci/pci.h"
#include "kernel/cmdline.h"
#include "kernel/kernel.h"
#include "lib/errno.h"

/* "pci 00:02.0 1b36:0010 sub 1af4:1100 class 010802 rev 02" */
static void device_text(struct nvme_ctrlr *c, char *buf, size_t size)
{
    struct pci_device *pd = c->platform;
    char name[16];
    ksnprintf(buf, size, "pci %s %04x:%04x sub %04x:%04x class %02x%02x%02x rev %02x",
              pci_name(pd, name, sizeof(name)), pd->vendor_id, pd->device_id,
              pd->subsys_vendor_id, pd->subsys_id, pd->class_code, pd->subclass, pd->prog_if,
              pd->revision);
}

void nvme_capture_boot_begin(struct nvme_ctrlr *c)
{
    char dev[96];
    if (!cmdline_get_bool("nvme.capture", false))
        return;
    device_text(c, dev, sizeof(dev));
    nvme_capture_start(c, "init", dev);
}

void nvme_capture_boot_finish(struct nvme_ctrlr *c, int init_err)
{
    if (!c->capture)
        return;
    if (init_err == 0)
        nvme_capture_io_sequence(c);
    nvme_capture_end(c);
}

int nvme_capture_shell_reset(struct nvme_ctrlr *c)
{
    char dev[96];
    device_text(c, dev, sizeof(dev));
    nvme_capture_start(c, "reset", dev);
    int err = nvme_ctrlr_reset(c);
    if (err == 0)
        err = nvme_capture_io_sequence(c);
    nvme_capture_end(c);
    return err;
}
