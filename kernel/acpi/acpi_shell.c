/*
 * kernel/acpi/acpi_shell.c - "acpi": the tables found, and what was parsed
 * from them; "acpi dump [SIG]" prints raw table bytes, which is how the
 * captured tables in tests/host/data/acpi/ were made (tools/capture_acpi.py).
 */
#include <string.h>

#include "kernel/acpi/acpi.h"
#include "kernel/kernel.h"
#include "kernel/shell/shell.h"
#include "lib/errno.h"

static void dump_bytes(const char *sig, uint64_t phys, const uint8_t *p, size_t len)
{
    kprintf("ACPI-DUMP %s %#llx %zu\n", sig, (unsigned long long)phys, len);
    for (size_t off = 0; off < len; off += 32) {
        char line[80];
        size_t n = 0;
        for (size_t i = off; i < len && i < off + 32; i++)
            n += (size_t)ksnprintf(line + n, sizeof(line) - n, "%02x", p[i]);
        kprintf("ACPI-HEX %s\n", line);
    }
}

static int cmd_acpi(int argc, char **argv)
{
    const struct acpi_info *a = acpi_get();
    if (a == NULL)
        return shell_error(-ENODEV, "acpi: no ACPI tables were found");
    if (argc == 1) {
        kprintf("RSDP revision %u, OEM \"%s\", root %s at %#llx\n", a->rsdp_revision, a->oem_id,
                a->root_is_xsdt ? "XSDT" : "RSDT", (unsigned long long)a->root_phys);
        for (unsigned i = 0; i < a->table_count; i++)
            kprintf("  %s rev %u at %#llx, %u bytes%s\n", a->tables[i].signature,
                    a->tables[i].revision, (unsigned long long)a->tables[i].phys,
                    a->tables[i].length, a->tables[i].checksum_ok ? "" : " (bad checksum)");
        kprintf("MADT: local APIC %#llx, %u CPU(s), %u I/O APIC(s), %u override(s)%s\n",
                (unsigned long long)a->lapic_phys, a->cpu_count, a->ioapic_count,
                a->override_count, a->pcat_compat ? ", 8259 PICs present" : "");
        for (unsigned i = 0; i < a->cpu_count; i++)
            kprintf("  CPU APIC id %u%s%s%s\n", a->cpu_apic_ids[i],
                    (a->cpu_flags[i] & ACPI_MADT_ENABLED) ? " enabled" : "",
                    (a->cpu_flags[i] & ACPI_MADT_ONLINE_CAPABLE) ? " online-capable" : "",
                    a->cpu_x2apic_entry[i] ? " (x2APIC entry)" : "");
        for (unsigned i = 0; i < a->override_count; i++)
            kprintf("  ISA IRQ %u -> GSI %u flags %#x\n", a->overrides[i].bus_irq,
                    a->overrides[i].gsi, a->overrides[i].flags);
        for (unsigned i = 0; i < a->mcfg_count; i++)
            kprintf("MCFG: ECAM %#llx segment %u buses %u-%u\n",
                    (unsigned long long)a->mcfg[i].base, a->mcfg[i].segment,
                    a->mcfg[i].bus_start, a->mcfg[i].bus_end);
        if (a->have_fadt)
            kprintf("FADT: SCI IRQ %u, PM1a_CNT %#x, reset %s, \\_S5 %s (SLP_TYP %u/%u)\n",
                    a->sci_irq, a->pm1a_cnt_port, a->reset_supported ? "register" : "none",
                    a->s5_valid ? "found" : "not found", a->slp_typa, a->slp_typb);
        if (a->hpet_phys)
            kprintf("HPET: %#llx\n", (unsigned long long)a->hpet_phys);
        if (a->have_spcr)
            kprintf("SPCR: interface %#x, %s %#llx, %u baud\n", a->spcr_interface,
                    a->spcr_base.space_id == 1 ? "I/O port" : "memory",
                    (unsigned long long)a->spcr_base.address, a->spcr_baud);
        return 0;
    }
    if (strcmp(argv[1], "dump") != 0 || argc > 3)
        return shell_usage("acpi");
    const char *want = argc == 3 ? argv[2] : NULL;
    bool found = false;
    for (unsigned i = 0; i < a->table_count; i++) {
        const struct acpi_table_ref *t = &a->tables[i];
        if (want && strcmp(want, t->signature) != 0)
            continue;
        const uint8_t *p = acpi_map_table(t->phys, t->length);
        if (p == NULL)
            return shell_error(-ENOMEM, "acpi: cannot map %s", t->signature);
        dump_bytes(t->signature, t->phys, p, t->length);
        found = true;
    }
    const uint8_t *rsdp;
    uint64_t rsdp_phys;
    size_t rsdp_len = acpi_rsdp(&rsdp, &rsdp_phys);
    if ((want == NULL || strcmp(want, "RSDP") == 0) && rsdp_len) {
        dump_bytes("RSDP", rsdp_phys, rsdp, rsdp_len);
        found = true;
    }
    if (want && !found)
        return shell_error(-ENOENT, "acpi: no table %s", want);
    return 0;
}
SHELL_COMMAND(acpi, "acpi", "[dump [SIGNATURE]]", "ACPI tables and what nvos read from them",
              cmd_acpi);
