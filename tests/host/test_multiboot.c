/*
 * Host test: boot/multiboot/multiboot.c - multiboot1 and multiboot2
 * information structures built in a fake physical memory, including the
 * malformed ones a loader could hand over.
 */
#include "boot/multiboot/multiboot.h"
#include "lib/errno.h"
#include "tests/host/check.h"

#define BASE 0x10000u
static uint8_t mem[0x4000];

static const void *map(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    if (phys < BASE || phys - BASE + len > sizeof(mem))
        return NULL;
    return mem + (phys - BASE);
}

static void put32(uint32_t off, uint32_t v)
{
    memcpy(mem + off, &v, 4);
}
static void put64(uint32_t off, uint64_t v)
{
    memcpy(mem + off, &v, 8);
}

static void test_mb1(void)
{
    struct boot_info bi;
    memset(mem, 0, sizeof(mem));
    /* info at 0, cmdline at 0x200, name at 0x300, mmap at 0x400 */
    put32(0, MB1_INFO_CMDLINE | MB1_INFO_MEM_MAP | MB1_INFO_BOOT_LOADER_NAME);
    put32(16, BASE + 0x200);
    put32(64, BASE + 0x300);
    strcpy((char *)mem + 0x200, "build/nvos.elf run=\"lspci\"");
    strcpy((char *)mem + 0x300, "qemu");
    uint32_t e = 0x400;
    uint64_t regions[3][3] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x7ee0000, 1 }, { 0xfffc0000, 0x40000, 2 } };
    for (int i = 0; i < 3; i++, e += 24) {
        put32(e, 20);
        put64(e + 4, regions[i][0]);
        put64(e + 12, regions[i][1]);
        put32(e + 20, (uint32_t)regions[i][2]);
    }
    put32(44, 72);
    put32(48, BASE + 0x400);
    CHECK_EQ(multiboot1_parse(BASE, map, NULL, &bi), 0);
    CHECK_EQ(bi.method, BOOT_METHOD_MULTIBOOT1);
    CHECK_STR_EQ(bi.cmdline, "build/nvos.elf run=\"lspci\"");
    CHECK_STR_EQ(bi.loader_name, "qemu");
    CHECK_EQ(bi.mem_count, 3);
    CHECK_EQ(bi.mem[1].base, 0x100000);
    CHECK_EQ(bi.mem[1].type, BOOT_MEM_USABLE);
    CHECK_EQ(bi.mem[2].type, BOOT_MEM_RESERVED);
    CHECK_EQ(bi.rsdp_size, 0);

    /* An entry whose size field is too small is malformed. */
    put32(0x400 + 24, 4);
    CHECK_EQ(multiboot1_parse(BASE, map, NULL, &bi), -EINVAL);

    /* A mmap that points outside memory, and a cmdline without NUL. */
    put32(48, 0xfff00000);
    CHECK_EQ(multiboot1_parse(BASE, map, NULL, &bi), -EINVAL);
    memset(mem + 0x200, 'x', sizeof(mem) - 0x200);
    put32(0, MB1_INFO_CMDLINE | MB1_INFO_MEMORY);
    put32(4, 639);
    put32(8, 130048);
    CHECK_EQ(multiboot1_parse(BASE, map, NULL, &bi), 0);
    CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    CHECK_EQ(bi.mem_count, 2);
    CHECK_EQ(bi.mem[1].length, 130048ull * 1024);

    CHECK_EQ(multiboot1_parse(0x1000, map, NULL, &bi), -EINVAL);
}

static uint32_t tag(uint32_t off, uint32_t type, uint32_t size)
{
    put32(off, type);
    put32(off + 4, size);
    return off + ((size + 7) & ~7u);
}

static void test_mb2(void)
{
    struct boot_info bi;
    memset(mem, 0, sizeof(mem));
    uint32_t off = 8;
    /* cmdline */
    strcpy((char *)mem + off + 8, "nvme.trace=1");
    off = tag(off, MB2_INFO_CMDLINE, 8 + 13);
    /* loader name */
    strcpy((char *)mem + off + 8, "GRUB 2.06");
    off = tag(off, MB2_INFO_BOOT_LOADER_NAME, 8 + 10);
    /* ACPI old then new RSDP copies: the new one wins */
    memcpy(mem + off + 8, "RSD PTR ", 8);
    mem[off + 8 + 15] = 0;
    uint32_t rsdp_old = off;
    off = tag(off, MB2_INFO_ACPI_OLD, 8 + 20);
    memcpy(mem + off + 8, "RSD PTR ", 8);
    mem[off + 8 + 15] = 2;
    off = tag(off, MB2_INFO_ACPI_NEW, 8 + 36);
    (void)rsdp_old;
    /* memory map: entry_size 24, 2 entries */
    put32(off + 8, 24);
    put32(off + 12, 0);
    put64(off + 16, 0);
    put64(off + 24, 0x9fc00);
    put32(off + 32, 1);
    put64(off + 40, 0x100000);
    put64(off + 48, 0x1000000);
    put32(off + 56, 3);
    off = tag(off, MB2_INFO_MMAP, 16 + 48);
    /* an EFI memory map too: ignored because the BIOS-style one exists */
    put32(off + 8, 48);
    put32(off + 12, 1);
    put32(off + 16, 7);
    put64(off + 24, 0x200000000ull);
    put64(off + 40, 16);
    off = tag(off, MB2_INFO_EFI_MMAP, 16 + 48);
    off = tag(off, MB2_INFO_END, 8);
    put32(0, off);
    CHECK_EQ(multiboot2_parse(BASE, map, NULL, &bi), 0);
    CHECK_STR_EQ(bi.cmdline, "nvme.trace=1");
    CHECK_STR_EQ(bi.loader_name, "GRUB 2.06");
    CHECK_EQ(bi.rsdp_size, 36);
    CHECK_EQ(bi.rsdp[15], 2);
    CHECK_EQ(bi.mem_count, 2);
    CHECK_EQ(bi.mem[1].type, BOOT_MEM_ACPI_RECLAIM);

    /* Without the BIOS-style map, the EFI map is used. */
    put32(rsdp_old + 0, MB2_INFO_ACPI_OLD);
    uint32_t mmap_tag = 8;
    while (mmap_tag < off) {
        uint32_t t, s;
        memcpy(&t, mem + mmap_tag, 4);
        memcpy(&s, mem + mmap_tag + 4, 4);
        if (t == MB2_INFO_MMAP) {
            put32(mmap_tag, 99); /* unknown tag: skipped */
            break;
        }
        mmap_tag += (s + 7) & ~7u;
    }
    CHECK_EQ(multiboot2_parse(BASE, map, NULL, &bi), 0);
    CHECK_EQ(bi.mem_count, 1);
    CHECK_EQ(bi.mem[0].base, 0x200000000ull);
    CHECK_EQ(bi.mem[0].length, 16 * 4096);
    CHECK_EQ(bi.mem[0].type, BOOT_MEM_USABLE);

    /* A tag whose size runs past total_size is malformed. */
    put32(8 + 4, 0x10000);
    CHECK_EQ(multiboot2_parse(BASE, map, NULL, &bi), -EINVAL);
    put32(0, 4);
    CHECK_EQ(multiboot2_parse(BASE, map, NULL, &bi), -EINVAL);
    put32(0, 0x100000);
    CHECK_EQ(multiboot2_parse(BASE, map, NULL, &bi), -EINVAL);
}

int main(void)
{
    test_mb1();
    test_mb2();
    return check_exit();
}
