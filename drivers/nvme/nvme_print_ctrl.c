/*
 * drivers/nvme/nvme_print_ctrl.c - "nvme id-ctrl -H": nvme-cli 2.3's decode
 * of the Identify Controller capability fields, bit by bit, in its words and
 * its column layout (which varies from field to field; scripts match it).
 *
 * Fields: NVMe Base 2.0 §5.17.2.1, Figure 275 (CMIC, OAES, CTRATT, CNTRLTYPE,
 * NVMSR/VWCI/MEC from NVMe-MI, OACS, FRMW, LPA, ELPE, NPSS, AVSCC, APSTA,
 * WCTEMP, CCTEMP, TNVMCAP, UNVMCAP, RPMBS, HCTMA, MNTMT, MXTMT, SANICAP,
 * ANACAP, SQES, CQES, ONCS, FUSES, FNA, VWC, ICSVSCC, NWPC, OCFS, SGLS) and
 * the Fabrics attributes FCATT and OFCS.
 */
#include "drivers/nvme/nvme_print.h"

#include <string.h>

#include "kernel/kernel.h"
#include "lib/json.h"

#define BIT(v, n) (((v) >> (n)) & 1u)

/* "<label> : 0x1\t<before>Supported" or "... : 0\t<before>Not Supported". */
static void sup(const char *label, unsigned v, const char *before)
{
    kprintf("%s : %#x\t%s%sSupported\n", label, v, before, v ? "" : "Not ");
}

static void line(const char *label, unsigned v, const char *text)
{
    kprintf("%s : %#x\t%s\n", label, v, text);
}

static void rsvd(const char *label, unsigned v)
{
    if (v)
        line(label, v, "Reserved");
}

/* Bits top..0 of v, one "Supported" line each, named by names[bit]. */
static void sup_bits(unsigned v, int top, const char *const *names)
{
    for (int b = top; b >= 0; b--) {
        char label[16];
        ksnprintf(label, sizeof(label), "  [%d:%d]", b, b);
        sup(label, BIT(v, b), names[b]);
    }
    kprintf("\n");
}

static void temp(uint16_t k, const char *what)
{
    kprintf(" [15:0] : %ld\xc2\xb0" "C (%u Kelvin)\t%s\n\n", (long)k - 273, k, what);
}

static void cap128(const uint8_t le[16], const char *what)
{
    char dec[40];
    json_u128_le_to_dec(le, dec);
    kprintf("[127:0] : %s\n\t%s\n\n", dec, what);
}

static void cmic(uint8_t c)
{
    rsvd("  [7:4]", c >> 4);
    kprintf("  [3:3] : %#x\tANA %ssupported\n", BIT(c, 3), BIT(c, 3) ? "" : "not ");
    line("  [2:2]", BIT(c, 2), BIT(c, 2) ? "SR-IOV" : "PCI");
    kprintf("  [1:1] : %#x\t%s Controller\n", BIT(c, 1), BIT(c, 1) ? "Multi" : "Single");
    kprintf("  [0:0] : %#x\t%s Port\n\n", BIT(c, 0), BIT(c, 0) ? "Multi" : "Single");
}

static void oaes(uint32_t o)
{
    sup("  [31:31]", BIT(o, 31), "Discovery Log Change Notice ");
    rsvd("  [30:28]", (o >> 28) & 7);
    sup("  [27:27]", BIT(o, 27), "Zone Descriptor Changed Notices ");
    rsvd("  [26:16]", (o >> 16) & 0x7ff);
    sup("  [15:15]", BIT(o, 15), "Normal NSS Shutdown Event ");
    sup("  [14:14]", BIT(o, 14), "Endurance Group Event Aggregate Log Page Change Notice ");
    sup("  [13:13]", BIT(o, 13), "LBA Status Information Notices ");
    sup("  [12:12]", BIT(o, 12), "Predictable Latency Event Aggregate Log Change Notices ");
    sup("  [11:11]", BIT(o, 11), "Asymmetric Namespace Access Change Notices ");
    rsvd("  [10:10]", BIT(o, 10));
    sup("  [9:9]", BIT(o, 9), "Firmware Activation Notices ");
    sup("  [8:8]", BIT(o, 8), "Namespace Attribute Changed Event ");
    rsvd("  [7:0]", o & 0xff);
    kprintf("\n");
}

static void ctratt(uint32_t c)
{
    static const char *const low[] = {
        "128-bit Host Identifier ", "Non-Operational Power State Permissive ", "NVM Sets ",
        "Read Recovery Levels ", "Endurance Groups ", "Predictable Latency Mode ",
        "Traffic Based Keep Alive ", "Namespace Granularity ", "SQ Associations ",
        "UUID List ", "Multi Domain Subsystem ", "Fixed Capacity Management ",
        "Variable Capacity Management ", "Delete Endurance Group ", "Delete NVM Set ",
        "Extended LBA Formats ",
    };
    if (c >> 20)
        kprintf(" [31:20] : %#x\tReserved\n", c >> 20);
    sup("  [19:19]", BIT(c, 19), "Flexible Data Placement ");
    rsvd("  [18:16]", (c >> 16) & 7);
    sup_bits(c, 15, low);
}

static void cntrltype(uint8_t t)
{
    static const char *const type[] = { "Controller type not reported", "I/O Controller",
                                        "Discovery Controller", "Administrative Controller" };
    kprintf("  [7:2] : %#x\tReserved\n", (t & 0xfc) >> 2);
    kprintf("  [1:0] : %#x\t%s\n", t, type[t & 3]); /* nvme-cli prints the whole byte */
}

static void nvmsr(uint8_t n)
{
    unsigned r = (n >> 2) & 0xfc; /* sic: nvme-cli's reserved mask */
    if (r)
        kprintf(" [7:2] : %#x\tReserved\n", r);
    kprintf("  [1:1] : %#x\tNVM subsystem %spart of an Enclosure\n", BIT(n, 1),
            BIT(n, 1) ? "" : "Not ");
    kprintf("  [0:0] : %#x\tNVM subsystem %spart of an Storage Device\n\n", BIT(n, 0),
            BIT(n, 0) ? "" : "Not ");
}

static void vwci(uint8_t v)
{
    kprintf("  [7:7] : %#x\tVPD Write Cycles Remaining field is %svalid.\n", BIT(v, 7),
            BIT(v, 7) ? "" : "Not ");
    kprintf("  [6:0] : %#x\tVPD Write Cycles Remaining \n\n", v & 0xfeu); /* sic: mask */
}

static void mec(uint8_t m)
{
    unsigned r = (m >> 2) & 0xfc;
    if (r)
        kprintf(" [7:2] : %#x\tReserved\n", r);
    kprintf("  [1:1] : %#x\tNVM subsystem %scontains a Management Endpoint on a PCIe port\n",
            BIT(m, 1), BIT(m, 1) ? "" : "Not ");
    kprintf("  [0:0] : %#x\tNVM subsystem %scontains a Management Endpoint on an SMBus/I2C "
            "port\n\n", BIT(m, 0), BIT(m, 0) ? "" : "Not ");
}

static void oacs(uint16_t o)
{
    static const char *const names[] = {
        "Security Send and Receive ", "Format NVM ", "FW Commit and Download ",
        "NS Management and Attachment ", "Device Self-test ", "Directives ",
        "NVMe-MI Send and Receive ", "Virtualization Management ", "Doorbell Buffer Config ",
        "Get LBA Status Capability ", "Lockdown Command and Feature ",
    };
    if (o >> 11)
        kprintf(" [15:11] : %#x\tReserved\n", o >> 11);
    sup_bits(o, 10, names);
}

static void frmw(uint8_t f)
{
    rsvd("  [7:6]", f >> 6);
    sup("  [5:5]", BIT(f, 5), "Multiple FW or Boot Update Detection ");
    sup("  [4:4]", BIT(f, 4), "Firmware Activate Without Reset ");
    line("  [3:1]", (f >> 1) & 7, "Number of Firmware Slots");
    kprintf("  [0:0] : %#x\tFirmware Slot 1 Read%s\n\n", BIT(f, 0), BIT(f, 0) ? "-Only" : "/Write");
}

static void lpa(uint8_t l)
{
    rsvd("  [7:7]", l >> 7);
    sup("  [6:6]", BIT(l, 6), "Telemetry Log Data Area 4 ");
    sup("  [5:5]", BIT(l, 5), "LID 0x0, Scope of each command in LID 0x5, 0x12, 0x13 ");
    sup("  [4:4]", BIT(l, 4), "Persistent Event log ");
    sup("  [3:3]", BIT(l, 3), "Telemetry host/controller initiated log page ");
    sup("  [2:2]", BIT(l, 2), "Extended data for Get Log Page ");
    sup("  [1:1]", BIT(l, 1), "Command Effects Log Page ");
    sup("  [0:0]", BIT(l, 0), "SMART/Health Log Page per NS ");
    kprintf("\n");
}

static void rpmbs(uint32_t r)
{
    kprintf(" [31:24]: %#x\tAccess Size\n", r >> 24);
    kprintf(" [23:16]: %#x\tTotal Size\n", (r >> 16) & 0xff);
    if ((r & 0xffc0) >> 6)
        kprintf(" [15:6] : %#x\tReserved\n", (r & 0xffc0) >> 6);
    line("  [5:3]", (r >> 3) & 7, "Authentication Method");
    line("  [2:0]", r & 7, "Number of RPMB Units");
    kprintf("\n");
}

static void sanicap(uint32_t s)
{
    static const char *const media[] = {
        "Additional media modification after sanitize operation completes successfully is not "
        "defined",
        "Media is not additionally modified after sanitize operation completes successfully",
        "Media is additionally modified after sanitize operation completes successfully",
        "Reserved",
    };
    kprintf("  [31:30] : %#x\t%s\n", s >> 30, media[s >> 30]);
    /* NDI set means the bit is NOT supported, as nvme-cli reads it */
    kprintf("  [29:29] : %#x\tNo-Deallocate After Sanitize bit in Sanitize command %sSupported\n",
            BIT(s, 29), BIT(s, 29) ? "Not " : "");
    rsvd("  [28:3]", (s & 0x1ffffff8) >> 3);
    sup("    [2:2]", BIT(s, 2), "Overwrite Sanitize Operation ");
    sup("    [1:1]", BIT(s, 1), "Block Erase Sanitize Operation ");
    sup("    [0:0]", BIT(s, 0), "Crypto Erase Sanitize Operation ");
    kprintf("\n");
}

static void anacap(uint8_t a)
{
    sup("  [7:7]", BIT(a, 7), "Non-zero group ID ");
    kprintf("  [6:6] : %#x\tGroup ID does %schange\n", BIT(a, 6), BIT(a, 6) ? "not " : "");
    if (BIT(a, 5))
        kprintf(" [5:5] : %#x\tReserved\n", 1u);
    sup("  [4:4]", BIT(a, 4), "ANA Change state ");
    sup("  [3:3]", BIT(a, 3), "ANA Persistent Loss state ");
    sup("  [2:2]", BIT(a, 2), "ANA Inaccessible state ");
    sup("  [1:1]", BIT(a, 1), "ANA Non-optimized state ");
    sup("  [0:0]", BIT(a, 0), "ANA Optimized state ");
    kprintf("\n");
}

static void entry_sizes(uint8_t v, const char *q)
{
    kprintf("  [7:4] : %#x\tMax %s Entry Size (%u)\n", v >> 4, q, 1u << (v >> 4));
    kprintf("  [3:0] : %#x\tMin %s Entry Size (%u)\n\n", v & 0xf, q, 1u << (v & 0xf));
}

static void oncs(uint16_t o)
{
    static const char *const names[] = {
        "Compare ", "Write Uncorrectable ", "Data Set Management ", "Write Zeroes ",
        "Save and Select ", "Reservations ", "Timestamp ", "Verify ", "Copy ",
    };
    if (o >> 9)
        kprintf(" [15:9] : %#x\tReserved\n", o >> 9);
    sup_bits(o, 8, names);
}

static void fuses(uint16_t f)
{
    if ((f & 0xfe) >> 1)
        kprintf(" [15:1] : %#x\tReserved\n", (f & 0xfe) >> 1);
    sup("  [0:0]", BIT(f, 0), "Fused Compare and Write ");
    kprintf("\n");
}

static void fna(uint8_t f)
{
    rsvd("  [7:4]", f >> 4);
    /* sic: nvme-cli says "Not" when the bit is set */
    kprintf("  [3:3] : %#x\tFormat NVM Broadcast NSID (FFFFFFFFh) %sSupported\n", BIT(f, 3),
            BIT(f, 3) ? "Not " : "");
    kprintf("  [2:2] : %#x\tCrypto Erase %sSupported as part of Secure Erase\n", BIT(f, 2),
            BIT(f, 2) ? "" : "Not ");
    kprintf("  [1:1] : %#x\tCrypto Erase Applies to %s Namespace(s)\n", BIT(f, 1),
            BIT(f, 1) ? "All" : "Single");
    kprintf("  [0:0] : %#x\tFormat Applies to %s Namespace(s)\n\n", BIT(f, 0),
            BIT(f, 0) ? "All" : "Single");
}

static void vwc(uint8_t v)
{
    static const char *const flush[] = {
        "Support for the NSID field set to FFFFFFFFh is not indicated", "Reserved",
        "The Flush command does not support NSID set to FFFFFFFFh",
        "The Flush command supports NSID set to FFFFFFFFh",
    };
    rsvd("  [7:3]", v >> 3);
    line("  [2:1]", (v >> 1) & 3, flush[(v >> 1) & 3]);
    kprintf("  [0:0] : %#x\tVolatile Write Cache %sPresent\n\n", BIT(v, 0),
            BIT(v, 0) ? "" : "Not ");
}

static void sgls(uint32_t s)
{
    static const struct {
        unsigned bit;
        const char *text;
    } flags[] = {
        { 21, "Transport SGL Data Block Descriptor " },
        { 20, "Address Offsets " },
        { 19, "Metadata Pointer Containing SGL Descriptor is " },
        { 18, "SGL Length Larger than Buffer " },
        { 17, "Byte-Aligned Contig. MD Buffer " },
        { 16, "SGL Bit-Bucket " },
    };
    unsigned sp = s & 3;
    if (s >> 22)
        kprintf(" [31:22]: %#x\tReserved\n", s >> 22);
    for (unsigned i = 0; i < ARRAY_SIZE(flags); i++) {
        unsigned v = BIT(s, flags[i].bit);
        if (sp || v)
            kprintf(" [%u:%u]: %#x\t%s%sSupported\n", flags[i].bit, flags[i].bit, v,
                    flags[i].text, v ? "" : "Not ");
    }
    kprintf(" [15:8] : %#x\tSGL Descriptor Threshold\n", (s >> 8) & 0xff);
    if ((s & 0xf8) >> 3)
        kprintf(" [7:3] : %#x\tReserved\n", (s & 0xf8) >> 3);
    if (sp || BIT(s, 2))
        sup("  [2:2]", BIT(s, 2), "Keyed SGL Data Block descriptor ");
    if (sp == 3)
        line("  [1:0]", sp, "Reserved");
    else if (sp == 2)
        line("  [1:0]", sp, "Scatter-Gather Lists Supported. Dword alignment required.");
    else if (sp == 1)
        line("  [1:0]", sp, "Scatter-Gather Lists Supported. No Dword alignment required.");
    else
        kprintf(" [1:0]  : %#x\tScatter-Gather Lists Not Supported\n", sp);
    kprintf("\n");
}

/* The decode nvme-cli prints after the line of field `name` (nothing for
 * the fields it does not decode). */
void nvme_print_id_ctrl_human(const struct nvme_id_ctrl *id, const char *name)
{
    const uint8_t *fabrics = id->fabrics;
#define IS(n) (strcmp(name, n) == 0)
    if (IS("cmic"))
        cmic(id->cmic);
    else if (IS("oaes"))
        oaes(id->oaes);
    else if (IS("ctratt"))
        ctratt(id->ctratt);
    else if (IS("cntrltype"))
        cntrltype(id->cntrltype);
    else if (IS("nvmsr"))
        nvmsr(id->nvmsr);
    else if (IS("vwci"))
        vwci(id->vwci);
    else if (IS("mec"))
        mec(id->mec);
    else if (IS("oacs"))
        oacs(id->oacs);
    else if (IS("frmw"))
        frmw(id->frmw);
    else if (IS("lpa"))
        lpa(id->lpa);
    else if (IS("elpe"))
        kprintf("  [7:0] : %u (0's based)\tError Log Page Entries (ELPE)\n\n", id->elpe);
    else if (IS("npss"))
        kprintf("  [7:0] : %u (0's based)\tNumber of Power States Support (NPSS)\n\n", id->npss);
    else if (IS("avscc") || IS("icsvscc")) {
        uint8_t v = IS("avscc") ? id->avscc : id->icsvscc;
        rsvd("  [7:1]", v >> 1);
        kprintf("  [0:0] : %#x\t%s Vendor Specific Commands uses %s Format\n\n", v & 1u,
                IS("avscc") ? "Admin" : "NVM", v & 1 ? "NVMe" : "Vendor Specific");
    } else if (IS("apsta")) {
        rsvd("  [7:1]", id->apsta >> 1);
        sup("  [0:0]", id->apsta & 1u, "Autonomous Power State Transitions ");
        kprintf("\n");
    } else if (IS("wctemp"))
        temp(id->wctemp, "Warning Composite Temperature Threshold (WCTEMP)");
    else if (IS("cctemp"))
        temp(id->cctemp, "Critical Composite Temperature Threshold (CCTEMP)");
    else if (IS("tnvmcap"))
        cap128(id->tnvmcap, "Total NVM Capacity (TNVMCAP)");
    else if (IS("unvmcap"))
        cap128(id->unvmcap, "Unallocated NVM Capacity (UNVMCAP)");
    else if (IS("rpmbs"))
        rpmbs(id->rpmbs);
    else if (IS("hctma")) {
        if (id->hctma >> 1)
            kprintf(" [15:1] : %#x\tReserved\n", id->hctma >> 1);
        sup("  [0:0]", id->hctma & 1u, "Host Controlled Thermal Management ");
        kprintf("\n");
    } else if (IS("mntmt"))
        temp(id->mntmt, "Minimum Thermal Management Temperature (MNTMT)");
    else if (IS("mxtmt"))
        temp(id->mxtmt, "Maximum Thermal Management Temperature (MXTMT)");
    else if (IS("sanicap"))
        sanicap(id->sanicap);
    else if (IS("anacap"))
        anacap(id->anacap);
    else if (IS("sqes"))
        entry_sizes(id->sqes, "SQ");
    else if (IS("cqes"))
        entry_sizes(id->cqes, "CQ");
    else if (IS("oncs"))
        oncs(id->oncs);
    else if (IS("fuses"))
        fuses(id->fuses);
    else if (IS("fna"))
        fna(id->fna);
    else if (IS("vwc"))
        vwc(id->vwc);
    else if (IS("nwpc")) {
        rsvd("  [7:3]", id->nwpc >> 3);
        sup("  [2:2]", BIT(id->nwpc, 2), "Permanent Write Protect ");
        sup("  [1:1]", BIT(id->nwpc, 1), "Write Protect Until Power Supply ");
        sup("  [0:0]", BIT(id->nwpc, 0), "No Write Protect and Write Protect Namespace ");
        kprintf("\n");
    } else if (IS("ocfs")) {
        if (id->cdfs >> 2)
            kprintf("  [15:2] : %#x\tReserved\n", id->cdfs >> 2);
        sup("  [1:1]", BIT(id->cdfs, 1), "Controller Copy Format 1h ");
        sup("  [0:0]", BIT(id->cdfs, 0), "Controller Copy Format 0h ");
        kprintf("\n");
    } else if (IS("sgls"))
        sgls(id->sgls);
    else if (IS("fcatt")) {
        rsvd("  [7:1]", fabrics[10] >> 1);
        kprintf("  [0:0] : %#x\t%s Controller Model\n\n", fabrics[10] & 1u,
                fabrics[10] & 1 ? "Static" : "Dynamic");
    } else if (IS("ofcs")) {
        unsigned o = fabrics[12] | (unsigned)fabrics[13] << 8;
        if (o >> 1)
            kprintf("  [15:1] : %#x\tReserved\n", o >> 1);
        /* sic: nvme-cli's spacing around "Not" */
        kprintf("  [0:0] : %#x\tDisconnect command %s Supported\n\n", o & 1, o & 1 ? "" : "Not");
    }
#undef IS
}
