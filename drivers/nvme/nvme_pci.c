/*
 * drivers/nvme/nvme_pci.c - NVMe over PCIe: finding controllers, mapping
 * BAR0, MSI-X / INTx, and the kernel services the driver core uses.
 *
 * [NVMe over PCIe Transport 1.0 §3.1 (BAR0 holds the registers), §3.3
 * (class code 01h/08h/02h); PCI Local Bus 3.0 §6.8.1 (MSI), §6.8.2 (MSI-X
 * table: address, data, vector control with the mask bit; function mask
 * and enable in the capability)].
 *
 * Interrupt modes, chosen with nvme.irq=msix|msi|intx|poll (default: the
 * first that works of MSI-X, MSI, INTx, else polling; a forced mode that
 * does not work falls back to polling, never to another mode):
 *   - MSI-X: entry 0 serves the admin CQ (the spec fixes it there); each
 *     interrupt-driven I/O CQ gets its own entry while there are enough
 *     (QEMU's msix_qsize), else shares one; an entry's message goes to the
 *     local APIC of the CPU its first CQ belongs to (struct nvme_qpair.cpu:
 *     the pairs per CPU of nvme_percpu.c), entry 0 to the boot CPU;
 *   - MSI: one message (some drives need a single vector: mbp-2016-linux#9;
 *     some have MSI and no MSI-X: pynvme#20); every CQ has IV 0;
 *   - INTx: the legacy line (Interrupt Line register, through the I/O APIC,
 *     level-triggered, shared with other devices); one handler reaps every
 *     interrupt-driven CQ; IV is 0;
 *   - poll: nothing is ever interrupt-driven.
 * The handlers read only queues that exist: an interrupt that arrives
 * before the admin CQ is set up, or after it is gone (a shared line, a
 * failed init), is ignored.
 * The device must never be written INTMS/INTMC while MSI-X is on (QEMU logs
 * it as undefined behaviour); nvos does not use them in any mode.
 */
#include <string.h>

#include "drivers/nvme/nvme_capture.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_quirks.h"
#include "drivers/pci/pci.h"
#include "drivers/pci/pci_regs.h"
#include "kernel/arch/x86.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/vmm.h"
#include "kernel/power.h"
#include "kernel/arch/cpu.h"
#include "kernel/smp/smp.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "lib/parse.h"

struct nvme_vector {
    struct nvme_ctrlr *c;
    unsigned index;  /* MSI-X table entry */
    int kernel_vector;
    unsigned users;  /* CQs routed here */
};

/* ---- environment for the driver core ---- */

void nvme_env_relax(struct nvme_ctrlr *c)
{
    (void)c;
    cpu_pause();
}

nvme_phys_t nvme_env_virt_to_phys(const void *p)
{
    /* Data buffers are almost always in the direct map: the subtraction
     * here saves the I/O path a second call (and, under TCG, its return). */
    uintptr_t va = (uintptr_t)p;
    if (likely(va - DIRECT_MAP_BASE < DIRECT_MAP_SIZE))
        return va - DIRECT_MAP_BASE;
    return virt_to_phys(p);
}

bool nvme_env_irq_save(void)
{
    return irq_save();
}

void nvme_env_irq_restore(bool was_enabled)
{
    irq_restore(was_enabled);
}

unsigned nvme_env_cpu_index(void)
{
    return this_cpu_index();
}

/* CPUs that may submit: the online ones are CPUs 0 .. online-1 unless one
 * failed to start, so every CPU index known is covered. */
unsigned nvme_env_cpu_count(void)
{
    unsigned n = smp_cpu_count();
    return n ? n : 1;
}

/*
 * Kicks every other online CPU with the call IPI and waits until each has
 * taken it (its "ipis" count moved). A CPU takes interrupts only outside
 * the driver's critical sections (they run with interrupts off), so after
 * this none is still in one it began before. 1 s per CPU at most: a CPU
 * that never answers is reported and not waited for.
 */
void nvme_env_sync_cpus(void)
{
    unsigned me = this_cpu_index(), n = smp_cpu_count();
    for (unsigned i = 0; i < n && i < SMP_MAX_CPUS; i++) {
        struct percpu *p = percpu_of(i);
        if (i == me || READ_ONCE(p->state) != CPU_ONLINE)
            continue;
        uint64_t seen = READ_ONCE(p->ipis);
        if (lapic_send_ipi(p->apic_id, IPI_FIXED, VEC_IPI_CALL) != 0)
            continue;
        struct deadline d = deadline_in_ns(NSEC_PER_SEC);
        while (READ_ONCE(p->ipis) == seen) {
            if (deadline_passed(d)) {
                kprintf("nvme: cpu %u took no interrupt in 1 s (interrupts off?); "
                        "resetting without it\n", i);
                break;
            }
            cpu_pause();
        }
    }
}

void nvme_env_spin_lock(struct spinlock *l)
{
    spin_lock(l);
}

void nvme_env_spin_unlock(struct spinlock *l)
{
    spin_unlock(l);
}

void *nvme_env_dma_alloc(size_t size, nvme_phys_t *phys)
{
    phys_addr_t p;
    void *v = dma_alloc(size, PAGE_SIZE, &p);
    *phys = p;
    return v;
}

void nvme_env_dma_free(void *p, size_t size)
{
    dma_free(p, size);
}

void *nvme_env_dma_alloc_aligned(size_t size, size_t align, nvme_phys_t *phys)
{
    phys_addr_t p;
    void *v = dma_alloc(size, align < PAGE_SIZE ? PAGE_SIZE : align, &p);
    *phys = p;
    return v;
}

void nvme_env_stop_dma(struct nvme_ctrlr *c)
{
    pci_command_update(c->platform, 0, PCI_COMMAND_BUS_MASTER);
}

/*
 * Fault injection for rigs and tests: nvme.fail_step=CTRL:N fails step N
 * (numbered as the boot log prints them) of CTRL's initialization with EIO,
 * so the unwind of every step before it runs on real hardware and in QEMU
 * (tests/qemu/test_pci.py: a controller that fails after joining a shared
 * interrupt line).
 */
int nvme_env_before_step(struct nvme_ctrlr *c, unsigned step)
{
    const char *want = cmdline_get("nvme.fail_step");
    if (want == NULL || c->state != NVME_STATE_INIT)
        return 0;
    size_t n = strlen(c->name);
    uint32_t at;
    if (strncmp(want, c->name, n) != 0 || want[n] != ':' || parse_u32(want + n + 1, &at) != 0 ||
        at != step + 1)
        return 0;
    kprintf("%s: failing step %u (nvme.fail_step)\n", c->name, at);
    return -EIO;
}

/* [PCIe Transport §3.1] Memory space for BAR0, bus mastering for DMA:
 * firmware may have left either off (coreboot; after an FLR), on the
 * function and on the bridges above it. */
int nvme_env_map_registers(struct nvme_ctrlr *c)
{
    struct pci_device *pd = c->platform;
    const struct pci_bar *bar0 = &pd->bars[0];
    char pciname[16];
    c->inherited_pci_command = pci_read16(pd, PCI_COMMAND); /* for "nvme doctor" */
    c->inherited_bridges_off =
        (uint8_t)pci_enable_upstream(pd, pci_name(pd, pciname, sizeof(pciname)));
    pci_enable_memory(pd);
    pci_enable_bus_master(pd);
    c->regs = vmm_map_mmio(bar0->base, bar0->size);
    if (c->regs == NULL)
        return -ENOMEM;
    c->regs_size = bar0->size;
    return 0;
}

/* Bus mastering off: a controller given up on cannot write to memory. The
 * window the BAR was mapped into is not reused (the MMIO window only grows). */
void nvme_env_unmap_registers(struct nvme_ctrlr *c)
{
    pci_command_update(c->platform, 0, PCI_COMMAND_BUS_MASTER);
    c->regs = NULL;
    c->regs_size = 0;
}

void nvme_env_before_reset(struct nvme_ctrlr *c)
{
    struct pci_device *pd = c->platform;
    pci_enable_upstream(pd, c->name);
    pci_enable_memory(pd);
    pci_enable_bus_master(pd);
}

/* ---- interrupts ---- */

static void reap_irq_qpairs(struct nvme_ctrlr *c, int msix_index)
{
    for (struct nvme_qpair *qp = __atomic_load_n(&c->io_qpairs, __ATOMIC_ACQUIRE); qp;
         qp = qp->next)
        if (qp->irq && (msix_index < 0 || qp->msix_index == (unsigned)msix_index))
            nvme_qpair_interrupt(qp);
}

static void msix_handler(void *ctx)
{
    struct nvme_vector *v = ctx;
    struct nvme_ctrlr *c = v->c;
    if (c->admin.cq == NULL)
        return;
    if (v->index == 0)
        nvme_qpair_interrupt(&c->admin);
    reap_irq_qpairs(c, (int)v->index);
}

/* INTx and MSI: one interrupt for every CQ. */
static void intx_handler(void *ctx)
{
    struct nvme_ctrlr *c = ctx;
    /* Not ours to read yet (or any more); on a shared line the interrupt
     * may be another device's. Level-triggered: the line drops once every
     * CQ head has caught up, which the reaping below does before the EOI. */
    if (c->admin.cq == NULL)
        return;
    nvme_qpair_interrupt(&c->admin);
    reap_irq_qpairs(c, -1);
}

/* Vector Control changes in bit 0 only: Kingston SSDs set reserved bits,
 * and writing them back as read keeps the entry what the device expects
 * (endlessm/linux PR #514, kernel bugzilla 204887). */
static void msix_entry_write(struct nvme_ctrlr *c, unsigned index, uint64_t addr, uint32_t data,
                             bool masked)
{
    uint8_t *e = c->msix_table + index * PCI_MSIX_ENTRY_SIZE;
    uint32_t vc = mmio_read32(e + PCI_MSIX_ENTRY_VECTOR_CONTROL);
    mmio_write32(e + PCI_MSIX_ENTRY_VECTOR_CONTROL, pci_msix_vector_control(vc, true));
    mmio_write32(e + PCI_MSIX_ENTRY_ADDR_LO, (uint32_t)addr);
    mmio_write32(e + PCI_MSIX_ENTRY_ADDR_HI, (uint32_t)(addr >> 32));
    mmio_write32(e + PCI_MSIX_ENTRY_DATA, data);
    if (!masked)
        mmio_write32(e + PCI_MSIX_ENTRY_VECTOR_CONTROL, pci_msix_vector_control(vc, false));
}

/* The MSI address that reaches CPU cpu's local APIC (this CPU's if it has none). */
static uint64_t msi_address_of_cpu(unsigned cpu)
{
    struct percpu *p = cpu < SMP_MAX_CPUS ? percpu_of(cpu) : NULL;
    if (p == NULL || p->state != CPU_ONLINE)
        return irq_msi_address();
    uint64_t a = irq_msi_address_apic(p->apic_id);
    return a ? a : irq_msi_address();
}

/* Gives MSI-X table entry "index" a kernel vector, aims it at CPU cpu and
 * unmasks it. An entry already active keeps its CPU. Kernel vectors are the
 * same on every CPU (one IDT), so the handler runs wherever it is aimed. */
static int msix_activate(struct nvme_ctrlr *c, unsigned index, unsigned cpu)
{
    struct nvme_vector *v = &c->vectors[index];
    if (v->kernel_vector > 0)
        return 0;
    v->c = c;
    v->index = index;
    int kv = irq_alloc_vector(msix_handler, v, c->name);
    if (kv < 0)
        return kv;
    v->kernel_vector = kv;
    msix_entry_write(c, index, msi_address_of_cpu(cpu), irq_msi_data(kv), false);
    return 0;
}

bool nvme_env_interrupt_private(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    if (!qp->irq)
        return true;
    return c->irq_mode == NVME_IRQ_MSIX && qp->msix_index != 0 &&
           c->vectors[qp->msix_index].users == 1;
}

void nvme_env_interrupt_route(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    if (c->irq_mode != NVME_IRQ_MSIX || qp->msix_index == 0)
        return;
    struct nvme_vector *v = &c->vectors[qp->msix_index];
    if (v->kernel_vector > 0 && v->users == 1)
        msix_entry_write(c, v->index, msi_address_of_cpu(qp->cpu), irq_msi_data(v->kernel_vector),
                         false);
}

static int setup_msix(struct nvme_ctrlr *c, struct pci_device *pd)
{
    struct pci_msix_info mi;
    if (!pci_msix_info(pd, &mi))
        return -ENODEV;
    const struct pci_bar *bar = &pd->bars[mi.table_bir];
    if (mi.table_bir > 5 || bar->size == 0 || bar->is_io ||
        mi.table_offset + (uint64_t)mi.table_size * PCI_MSIX_ENTRY_SIZE > bar->size) {
        kprintf("%s: MSI-X table outside its BAR; not using MSI-X\n", c->name);
        return -EINVAL;
    }
    c->msix_table = vmm_map_mmio(bar->base + mi.table_offset,
                                 (size_t)mi.table_size * PCI_MSIX_ENTRY_SIZE);
    c->vectors = kzalloc(sizeof(*c->vectors) * mi.table_size);
    if (c->msix_table == NULL || c->vectors == NULL)
        return -ENOMEM;
    c->msix_vectors = mi.table_size;
    /* Function-masked while the table is written; every entry masked. */
    pci_msix_control(pd, true, true);
    for (unsigned i = 0; i < mi.table_size; i++)
        msix_entry_write(c, i, 0, 0, true);
    pci_set_intx_disable(pd, true);
    int err = msix_activate(c, 0, 0); /* the admin CQ's, on the boot CPU */
    if (err)
        return err;
    pci_msix_control(pd, true, false);
    c->irq_mode = NVME_IRQ_MSIX;
    kprintf("%s: MSI-X with %u vectors (entry 0: admin, kernel vector %#x)\n", c->name,
            mi.table_size, c->vectors[0].kernel_vector);
    return 0;
}

/* [PCI 3.0 §6.8.1] One MSI message for every CQ; MSI-X and INTx off. */
static int setup_msi(struct nvme_ctrlr *c, struct pci_device *pd)
{
    if (pd->cap_msi == 0)
        return -ENODEV;
    struct pci_msi_info mi;
    pci_msi_decode(pd->cap_msi, pci_read16(pd, pd->cap_msi + PCI_MSI_CONTROL), &mi);
    uint64_t addr = irq_msi_address();
    if (addr == 0) {
        kprintf("%s: MSI cannot name this CPU's APIC ID; not using MSI\n", c->name);
        return -EINVAL;
    }
    int kv = irq_alloc_vector(intx_handler, c, c->name);
    if (kv < 0)
        return kv;
    if (pd->cap_msix)
        pci_msix_control(pd, false, false);
    int err = pci_msi_program(&pci_device_cfg_ops, pd, &mi, addr, (uint16_t)irq_msi_data(kv));
    if (err) {
        irq_free_vector(kv);
        return err;
    }
    pci_set_intx_disable(pd, true);
    c->msi_vector = kv;
    c->irq_mode = NVME_IRQ_MSI;
    kprintf("%s: MSI, 1 of %u vector(s) (%s-bit address%s), kernel vector %#x\n", c->name,
            mi.vectors, mi.is64 ? "64" : "32", mi.per_vector_mask ? ", per-vector mask" : "", kv);
    return 0;
}

static int setup_intx(struct nvme_ctrlr *c, struct pci_device *pd)
{
    if (pd->irq_pin == 0 || pd->irq_line == 0 || pd->irq_line == 0xFF) {
        kprintf("%s: no INTx line assigned by firmware\n", c->name);
        return -ENODEV;
    }
    enum irq_trigger trigger;
    enum irq_polarity polarity;
    uint32_t gsi = irq_isa_to_gsi(pd->irq_line, &trigger, &polarity);
    /* Without an override the line is a PCI one: level-triggered, active low. */
    if (gsi == pd->irq_line && trigger == IRQ_EDGE) {
        trigger = IRQ_LEVEL;
        polarity = IRQ_ACTIVE_LOW;
    }
    int v = irq_route_gsi(gsi, trigger, polarity, intx_handler, c, c->name);
    if (v < 0) {
        kprintf("%s: cannot route INTx (line %u, GSI %u): %s\n", c->name, pd->irq_line, gsi,
                errno_name(v));
        return v;
    }
    c->intx_vector = v;
    c->intx_gsi = gsi;
    if (pd->cap_msix)
        pci_msix_control(pd, false, false);
    if (pd->cap_msi) {
        struct pci_msi_info mi;
        pci_msi_decode(pd->cap_msi, pci_read16(pd, pd->cap_msi + PCI_MSI_CONTROL), &mi);
        pci_msi_disable(&pci_device_cfg_ops, pd, &mi);
    }
    pci_set_intx_disable(pd, false);
    c->irq_mode = NVME_IRQ_INTX;
    unsigned sharing = irq_gsi_handlers(gsi);
    /* The line is the Interrupt Line register's (what firmware routed for
     * PIC mode) mapped through the MADT's overrides, not ACPI _PRT
     * (docs/real-hardware.md, "Interrupts"). */
    kprintf("%s: INTx pin %c, line %u -> GSI %u (%s, %s), kernel vector %#x%s\n", c->name,
            'A' + pd->irq_pin - 1, pd->irq_line, gsi, trigger == IRQ_LEVEL ? "level" : "edge",
            polarity == IRQ_ACTIVE_LOW ? "active low" : "active high", v,
            sharing > 1 ? ", shared" : "");
    return 0;
}

int nvme_env_interrupts_setup(struct nvme_ctrlr *c)
{
    struct pci_device *pd = c->platform;
    if (c->msi_vector > 0)
        return 0; /* a reset keeps the MSI set up at init */
    const char *want = cmdline_get("nvme.irq");
    c->irq_mode = NVME_IRQ_NONE;
    if (want && strcmp(want, "poll") == 0) {
        pci_set_intx_disable(pd, true);
        kprintf("%s: interrupts off (nvme.irq=poll): every queue is polled\n", c->name);
        return 0;
    }
    if (want && strcmp(want, "msix") != 0 && strcmp(want, "msi") != 0 &&
        strcmp(want, "intx") != 0) {
        kprintf("%s: nvme.irq=%s is not msix, msi, intx or poll; choosing as if unset\n",
                c->name, want);
        want = NULL;
    }
    if ((want == NULL || strcmp(want, "msix") == 0) && pd->cap_msix && setup_msix(c, pd) == 0)
        return 0;
    if ((want == NULL || strcmp(want, "msi") == 0) && pd->cap_msi && setup_msi(c, pd) == 0)
        return 0;
    if ((want == NULL || strcmp(want, "intx") == 0) && setup_intx(c, pd) == 0)
        return 0;
    pci_set_intx_disable(pd, true);
    if (want)
        kprintf("%s: nvme.irq=%s is not usable on this device; every queue is polled\n",
                c->name, want);
    else
        kprintf("%s: no usable interrupt; every queue is polled\n", c->name);
    return 0;
}

void nvme_env_interrupts_teardown(struct nvme_ctrlr *c)
{
    struct pci_device *pd = c->platform;
    if (c->irq_mode == NVME_IRQ_MSIX || c->vectors) {
        pci_msix_control(pd, true, true); /* function-masked while entries go */
        for (unsigned i = 0; c->vectors && i < c->msix_vectors; i++) {
            if (c->vectors[i].kernel_vector > 0) {
                msix_entry_write(c, i, 0, 0, true);
                irq_free_vector(c->vectors[i].kernel_vector);
            }
        }
        pci_msix_control(pd, false, false);
        kfree(c->vectors);
        c->vectors = NULL;
        c->msix_vectors = 0;
    }
    if (c->msi_vector > 0) {
        struct pci_msi_info mi;
        pci_msi_decode(pd->cap_msi, pci_read16(pd, pd->cap_msi + PCI_MSI_CONTROL), &mi);
        pci_msi_disable(&pci_device_cfg_ops, pd, &mi);
        irq_free_vector(c->msi_vector);
        c->msi_vector = 0;
    }
    if (c->intx_vector > 0) {
        /* Only this controller's handler: the line may be shared, and the
         * last one off masks it. */
        irq_unroute_gsi(c->intx_gsi, intx_handler, c);
        c->intx_vector = 0;
    }
    pci_set_intx_disable(pd, true);
    c->irq_mode = NVME_IRQ_NONE;
}

int nvme_env_interrupt_bind(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    if (c->irq_mode == NVME_IRQ_INTX || c->irq_mode == NVME_IRQ_MSI) {
        qp->msix_index = 0; /* IV: 0 for INTx; with one MSI message, 0 too */
        return 0;
    }
    if (c->irq_mode != NVME_IRQ_MSIX)
        return -ENODEV;
    /* Own entry while the table has one for this QID, else share; one
     * entry for all on controllers where only vector 0 works (quirk). */
    unsigned index = qp->id < c->msix_vectors ? qp->id : qp->id % c->msix_vectors;
    if (c->quirks & NVME_QUIRK_SINGLE_VECTOR)
        index = 0;
    int err = msix_activate(c, index, qp->cpu);
    if (err) {
        index = 0; /* out of kernel vectors: share the admin entry */
    }
    c->vectors[index].users++;
    qp->msix_index = (uint16_t)index;
    return 0;
}

void nvme_env_interrupt_unbind(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    if (c->irq_mode != NVME_IRQ_MSIX)
        return;
    struct nvme_vector *v = &c->vectors[qp->msix_index];
    if (v->users)
        v->users--;
    if (v->users == 0 && v->index != 0 && v->kernel_vector > 0) {
        msix_entry_write(c, v->index, 0, 0, true);
        irq_free_vector(v->kernel_vector);
        v->kernel_vector = 0;
    }
}

/* ---- probing ---- */

static unsigned controller_count;

static void shutdown_hook(void *ctx)
{
    nvme_ctrlr_shutdown(ctx);
}

static int attach_one(struct pci_device *pd, struct nvme_ctrlr **out)
{
    char pciname[16];
    pci_name(pd, pciname, sizeof(pciname));
    const struct pci_bar *bar0 = &pd->bars[0];
    if (bar0->size == 0 || bar0->is_io || bar0->base == 0) {
        kprintf("nvme: %s: BAR0 is not an assigned memory BAR; skipped\n", pciname);
        return -ENODEV;
    }
    if (bar0->size < 0x2000) {
        kprintf("nvme: %s: BAR0 is only %llu bytes; skipped\n", pciname,
                (unsigned long long)bar0->size);
        return -ENODEV;
    }
    struct nvme_ctrlr *c = kzalloc(sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->index = controller_count;
    ksnprintf(c->name, sizeof(c->name), "nvme%u", c->index);
    c->platform = pd;
    c->ops = &nvme_mmio_ops;
    c->trace = cmdline_get_bool("nvme.trace", false);
    c->admin_timeout_ns = cmdline_get_u64("nvme.admin_timeout_ms", NVME_DEFAULT_ADMIN_TIMEOUT_MS) *
                          1000000ull;
    c->io_timeout_ns = cmdline_get_u64("nvme.io_timeout_ms", NVME_DEFAULT_IO_TIMEOUT_MS) *
                       1000000ull;
    c->max_retries = (unsigned)cmdline_get_u64("nvme.retries", NVME_DEFAULT_RETRIES);
    c->dbbuf_off = !cmdline_get_bool("nvme.dbbuf", true);
    c->pci_vendor = pd->vendor_id;
    c->pci_device = pd->device_id;
    c->pci_class = (uint32_t)pd->class_code << 16 | (uint32_t)pd->subclass << 8 | pd->prog_if;
    c->quirk_override = cmdline_get("nvme.quirks"); /* nvme_quirks.h */
    c->apst_off = !cmdline_get_bool("nvme.apst", true); /* nvme.apst=off: APSTE=0 */
    kprintf("%s: %s %04x:%04x, BAR0 %#llx (%llu KiB)\n", c->name, pciname, pd->vendor_id,
            pd->device_id, (unsigned long long)bar0->base,
            (unsigned long long)(bar0->size / 1024));
    controller_count++;
    pd->driver = "nvme";
    /* Initialization undoes its own steps when one fails (nvme_ctrlr.c);
     * the controller struct is ours. */
    nvme_capture_boot_begin(c);
    int err = nvme_ctrlr_init(c);
    nvme_capture_boot_finish(c, err);
    if (err) {
        kprintf("%s: not attached (%s)\n", c->name, errno_name(err));
        kfree(c);
        return err;
    }
    power_register_shutdown_hook(c->name, shutdown_hook, c);
    *out = c;
    return 0;
}

/*
 * Intel VMD / RST "RAID" mode (pci_storage_kind): the NVMe drives sit in a
 * PCI domain of their own behind an Intel RAID-class function and a class
 * scan finds none. nvos has no VMD driver: say so, and how to get the
 * drives back. Returns how many such functions were found.
 */
static unsigned report_hidden_behind_vmd(void)
{
    unsigned n = 0;
    for (struct pci_device *d = pci_devices(); d; d = d->next) {
        if (pci_storage_kind(d->vendor_id, d->device_id, d->class_code, d->subclass,
                             d->prog_if) != PCI_STORAGE_INTEL_RAID)
            continue;
        char name[16];
        kprintf("nvme: %s %04x:%04x is an Intel VMD / RST RAID controller: NVMe drives behind "
                "it are hidden from nvos (no VMD driver); set the firmware's storage mode to "
                "AHCI or NVMe (not RAID/RST/VMD) to use them\n",
                pci_name(d, name, sizeof(name)), d->vendor_id, d->device_id);
        n++;
    }
    return n;
}

/* Deferred controller work (a namespace rescan after a Namespace Attribute
 * Changed event) runs where the shell waits for input: thread context, CPU
 * 0, never inside an interrupt handler or an admin command's wait. */
static void nvme_events_poll(void *ctx)
{
    (void)ctx;
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c))
        nvme_ctrlr_process_events(c);
}

static struct console_input_source nvme_events = { .name = "nvme events (no input)",
                                                   .poll = nvme_events_poll };

int nvme_probe(void *ctx, nvme_probe_cb probe_cb, nvme_attach_cb attach_cb)
{
    static bool events_registered;
    if (!events_registered) {
        events_registered = true;
        console_register_input(&nvme_events);
    }
    int attached = 0, found = 0;
    for (struct pci_device *pd = pci_devices(); pd; pd = pd->next) {
        enum pci_storage_kind kind = pci_storage_kind(pd->vendor_id, pd->device_id,
                                                      pd->class_code, pd->subclass, pd->prog_if);
        if (kind != PCI_STORAGE_NVME && kind != PCI_STORAGE_APPLE_NVME)
            continue;
        found++;
        char pciname[16];
        struct nvme_probe_info info = { pci_name(pd, pciname, sizeof(pciname)), pd->vendor_id,
                                        pd->device_id };
        if (pd->driver || (probe_cb && !probe_cb(ctx, &info)))
            continue;
        if (kind == PCI_STORAGE_APPLE_NVME)
            kprintf("nvme: %s %04x:%04x is an Apple controller with class 01/80 (not 01/08); "
                    "driven as NVMe\n", pciname, pd->vendor_id, pd->device_id);
        struct nvme_ctrlr *c;
        if (attach_one(pd, &c) == 0) {
            attached++;
            if (attach_cb)
                attach_cb(ctx, &info, c);
        }
    }
    static bool vmd_reported;
    if (!vmd_reported) { /* once a boot, not at every probe */
        vmd_reported = true;
        if (report_hidden_behind_vmd() > 0 && found == 0)
            kprintf("nvme: no NVMe controller visible: the drive is likely behind the VMD "
                    "controller above (docs/real-hardware.md)\n");
    }
    return attached;
}
