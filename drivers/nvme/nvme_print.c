/*
 * drivers/nvme/nvme_print.c - Identify Controller, Identify Namespace, the
 * SMART / Health and Error Information log pages and Get Features results,
 * printed in nvme-cli 2.3's text layout: its field names, order, widths and
 * number formats (hex where it prints hex, untrimmed space-padded strings,
 * the two-line power state descriptors), so scripts written against
 * nvme-cli read nvos's output unchanged.
 *
 * Data structures: NVMe Base 2.0 §5.17.2.1 (Identify Controller, Figure
 * 275), NVM Command Set 1.0 §4.1.5.1 (Identify Namespace), Base 2.0
 * §5.16.1.2 (Error Information, Figure 198) and §5.16.1.3 (SMART / Health
 * Information, Figure 199); Features: Base 2.0 §5.27.1.
 */
#include "drivers/nvme/nvme_print.h"

#include <string.h>

#include "drivers/nvme/nvme_status.h"
#include "kernel/kernel.h"
#include "lib/json.h"

/* Kelvin to degrees Celsius, as nvme-cli rounds it (273.15 -> 273). */
static long celsius(unsigned kelvin)
{
    return (long)kelvin - 273;
}

const char *nvme_print_si(uint64_t bytes, char *num, size_t size)
{
    static const char *const prefix[] = { "", "k", "M", "G", "T", "P", "E" };
    unsigned p = 0;
    uint64_t mag = 1;
    while (p < 6 && bytes / mag >= 1000) {
        mag *= 1000;
        p++;
    }
    uint64_t whole = bytes / mag, frac = bytes % mag, hundredths = 0;
    if (mag >= 100)
        hundredths = (frac + mag / 200) / (mag / 100); /* rounded half up */
    if (hundredths >= 100) {
        whole++;
        hundredths -= 100;
    }
    ksnprintf(num, size, "%llu.%02llu", (unsigned long long)whole,
              (unsigned long long)hundredths);
    return prefix[p];
}

void nvme_print_hexdump(const uint8_t *buf, size_t len)
{
    char ascii[17];
    kprintf("     ");
    for (unsigned i = 0; i < 16; i++)
        kprintf("%3x", i);
    size_t i;
    for (i = 0; i < len; i++) {
        if (i % 16 == 0)
            kprintf("\n%04zx:", i);
        kprintf(" %02x", buf[i]);
        ascii[i % 16] = (buf[i] >= '!' && buf[i] <= '~') ? (char)buf[i] : '.';
        if (i % 16 == 15) {
            ascii[16] = '\0';
            kprintf(" \"%s\"", ascii);
        }
    }
    if (i % 16 != 0) {
        unsigned missing = 16 - (unsigned)(i % 16);
        ascii[i % 16] = '\0';
        kprintf(" %*s \"%s\"", (int)(3 * missing), "", ascii);
    }
    kprintf("\n");
}

/* A 16-character UUID as 8-4-4-4-12 hex digits. */
static void print_uuid(const uint8_t u[16])
{
    for (unsigned i = 0; i < 16; i++)
        kprintf("%s%02x", (i == 4 || i == 6 || i == 8 || i == 10) ? "-" : "", u[i]);
}

static void print_u128(const uint8_t le[16])
{
    char dec[40];
    json_u128_le_to_dec(le, dec);
    kprintf("%s", dec);
}

/* Power in the units its scale field gives [Base 2.0 Figure 276]. */
static void print_power(uint16_t power, unsigned scale)
{
    switch (scale & 0x3) {
    case 0:
        kprintf("-"); /* not reported */
        break;
    case 1:
        kprintf("%u.%04uW", power / 10000, power % 10000); /* 0.0001 W */
        break;
    case 2:
        kprintf("%u.%02uW", power / 100, power % 100); /* 0.01 W */
        break;
    default:
        kprintf("reserved");
    }
}

static void print_power_states(const struct nvme_id_ctrl *id)
{
    for (unsigned i = 0; i <= id->npss && i < 32; i++) {
        const struct nvme_psd *p = &id->psd[i];
        kprintf("ps   %4u : mp:", i);
        if (p->flags & NVME_PSD_FLAGS_MXPS) /* Max Power Scale: 0.0001 W units */
            kprintf("%u.%04uW ", p->mp / 10000, p->mp % 10000);
        else
            kprintf("%u.%02uW ", p->mp / 100, p->mp % 100);
        if (p->flags & NVME_PSD_FLAGS_NOPS)
            kprintf("non-");
        kprintf("operational enlat:%u exlat:%u rrt:%u rrl:%u\n"
                "            rwt:%u rwl:%u idle_power:",
                p->enlat, p->exlat, p->rrt, p->rrl, p->rwt, p->rwl);
        print_power(p->idlp, p->ips >> 6);
        kprintf(" active_power:");
        print_power(p->actp, p->apw_aps >> 6);
        kprintf("\n            active_power_workload:");
        switch (p->apw_aps & 0x7) {
        case 0: kprintf("-"); break;
        case 1: kprintf("1MiB 32 RW, 30s idle"); break;
        case 2: kprintf("80K 128KiB SW"); break;
        default: kprintf("reserved");
        }
        kprintf("\n");
    }
}

/* The Fabrics attributes inside Identify Controller bytes 1792..2047. */
struct fabrics_attrs {
    uint32_t ioccsz, iorcsz;
    uint16_t icdoff;
    uint8_t fcatt, msdbd;
    uint16_t ofcs;
};

static struct fabrics_attrs fabrics(const struct nvme_id_ctrl *id)
{
    struct fabrics_attrs f;
    memcpy(&f.ioccsz, id->fabrics + 0, 4);
    memcpy(&f.iorcsz, id->fabrics + 4, 4);
    memcpy(&f.icdoff, id->fabrics + 8, 2);
    f.fcatt = id->fabrics[10];
    f.msdbd = id->fabrics[11];
    memcpy(&f.ofcs, id->fabrics + 12, 2);
    return f;
}

void nvme_print_id_ctrl(const struct nvme_id_ctrl *id, unsigned flags)
{
    struct fabrics_attrs f = fabrics(id);
#define H(name)                                                                            \
    do {                                                                                   \
        if (flags & NVME_PRINT_HUMAN)                                                      \
            nvme_print_id_ctrl_human(id, name);                                            \
    } while (0)
    kprintf("NVME Identify Controller:\n");
    kprintf("vid       : %#x\n", id->vid);
    kprintf("ssvid     : %#x\n", id->ssvid);
    kprintf("sn        : %-.*s\n", (int)sizeof(id->sn), id->sn);
    kprintf("mn        : %-.*s\n", (int)sizeof(id->mn), id->mn);
    kprintf("fr        : %-.*s\n", (int)sizeof(id->fr), id->fr);
    kprintf("rab       : %u\n", id->rab);
    kprintf("ieee      : %02x%02x%02x\n", id->ieee[2], id->ieee[1], id->ieee[0]);
    kprintf("cmic      : %#x\n", id->cmic);
    H("cmic");
    kprintf("mdts      : %u\n", id->mdts);
    kprintf("cntlid    : %#x\n", id->cntlid);
    kprintf("ver       : %#x\n", id->ver);
    kprintf("rtd3r     : %#x\n", id->rtd3r);
    kprintf("rtd3e     : %#x\n", id->rtd3e);
    kprintf("oaes      : %#x\n", id->oaes);
    H("oaes");
    kprintf("ctratt    : %#x\n", id->ctratt);
    H("ctratt");
    kprintf("rrls      : %#x\n", id->rrls);
    kprintf("cntrltype : %u\n", id->cntrltype);
    H("cntrltype");
    kprintf("fguid     : ");
    print_uuid(id->fguid);
    kprintf("\n");
    kprintf("crdt1     : %u\n", id->crdt1);
    kprintf("crdt2     : %u\n", id->crdt2);
    kprintf("crdt3     : %u\n", id->crdt3);
    kprintf("nvmsr     : %u\n", id->nvmsr);
    H("nvmsr");
    kprintf("vwci      : %u\n", id->vwci);
    H("vwci");
    kprintf("mec       : %u\n", id->mec);
    H("mec");
    kprintf("oacs      : %#x\n", id->oacs);
    H("oacs");
    kprintf("acl       : %u\n", id->acl);
    kprintf("aerl      : %u\n", id->aerl);
    kprintf("frmw      : %#x\n", id->frmw);
    H("frmw");
    kprintf("lpa       : %#x\n", id->lpa);
    H("lpa");
    kprintf("elpe      : %u\n", id->elpe);
    H("elpe");
    kprintf("npss      : %u\n", id->npss);
    H("npss");
    kprintf("avscc     : %#x\n", id->avscc);
    H("avscc");
    kprintf("apsta     : %#x\n", id->apsta);
    H("apsta");
    kprintf("wctemp    : %u\n", id->wctemp);
    H("wctemp");
    kprintf("cctemp    : %u\n", id->cctemp);
    H("cctemp");
    kprintf("mtfa      : %u\n", id->mtfa);
    kprintf("hmpre     : %u\n", id->hmpre);
    kprintf("hmmin     : %u\n", id->hmmin);
    kprintf("tnvmcap   : ");
    print_u128(id->tnvmcap);
    kprintf("\n");
    H("tnvmcap");
    kprintf("unvmcap   : ");
    print_u128(id->unvmcap);
    kprintf("\n");
    H("unvmcap");
    kprintf("rpmbs     : %#x\n", id->rpmbs);
    H("rpmbs");
    kprintf("edstt     : %u\n", id->edstt);
    kprintf("dsto      : %u\n", id->dsto);
    kprintf("fwug      : %u\n", id->fwug);
    kprintf("kas       : %u\n", id->kas);
    kprintf("hctma     : %#x\n", id->hctma);
    H("hctma");
    kprintf("mntmt     : %u\n", id->mntmt);
    H("mntmt");
    kprintf("mxtmt     : %u\n", id->mxtmt);
    H("mxtmt");
    kprintf("sanicap   : %#x\n", id->sanicap);
    H("sanicap");
    kprintf("hmminds   : %u\n", id->hmminds);
    kprintf("hmmaxd    : %u\n", id->hmmaxd);
    kprintf("nsetidmax : %u\n", id->nsetidmax);
    kprintf("endgidmax : %u\n", id->endgidmax);
    kprintf("anatt     : %u\n", id->anatt);
    kprintf("anacap    : %u\n", id->anacap);
    H("anacap");
    kprintf("anagrpmax : %u\n", id->anagrpmax);
    kprintf("nanagrpid : %u\n", id->nanagrpid);
    kprintf("pels      : %u\n", id->pels);
    kprintf("domainid  : %u\n", id->domainid);
    kprintf("megcap    : ");
    print_u128(id->megcap);
    kprintf("\n");
    kprintf("sqes      : %#x\n", id->sqes);
    H("sqes");
    kprintf("cqes      : %#x\n", id->cqes);
    H("cqes");
    kprintf("maxcmd    : %u\n", id->maxcmd);
    kprintf("nn        : %u\n", id->nn);
    kprintf("oncs      : %#x\n", id->oncs);
    H("oncs");
    kprintf("fuses     : %#x\n", id->fuses);
    H("fuses");
    kprintf("fna       : %#x\n", id->fna);
    H("fna");
    kprintf("vwc       : %#x\n", id->vwc);
    H("vwc");
    kprintf("awun      : %u\n", id->awun);
    kprintf("awupf     : %u\n", id->awupf);
    kprintf("icsvscc   : %u\n", id->icsvscc);
    H("icsvscc");
    kprintf("nwpc      : %u\n", id->nwpc);
    H("nwpc");
    kprintf("acwu      : %u\n", id->acwu);
    kprintf("ocfs      : %#x\n", id->cdfs); /* nvme-cli's name for bytes 534-535 */
    H("ocfs");
    kprintf("sgls      : %#x\n", id->sgls);
    H("sgls");
    kprintf("mnan      : %u\n", id->mnan);
    kprintf("maxdna    : ");
    print_u128(id->maxdna);
    kprintf("\n");
    kprintf("maxcna    : %u\n", id->maxcna);
    kprintf("subnqn    : %-.*s\n", (int)sizeof(id->subnqn), id->subnqn);
    kprintf("ioccsz    : %u\n", f.ioccsz);
    kprintf("iorcsz    : %u\n", f.iorcsz);
    kprintf("icdoff    : %u\n", f.icdoff);
    kprintf("fcatt     : %#x\n", f.fcatt);
    H("fcatt");
    kprintf("msdbd     : %u\n", f.msdbd);
    kprintf("ofcs      : %u\n", f.ofcs);
    H("ofcs");
    print_power_states(id);
    if (flags & NVME_PRINT_VS) {
        kprintf("vs[]:\n");
        nvme_print_hexdump((const uint8_t *)id + 3072, 1024);
    }
}

/* ---- -H: Identify Namespace fields bit by bit, in nvme-cli's words ---- */

static void bits(unsigned hi, unsigned lo, unsigned v, const char *text)
{
    kprintf("  [%u:%u] : %#x\t%s\n", hi, lo, v, text);
}

/* "<before>Supported" or "<before>Not Supported" (after: the last word). */
static void supported(unsigned hi, unsigned lo, unsigned v, const char *before, const char *after)
{
    kprintf("  [%u:%u] : %#x\t%s%s%s\n", hi, lo, v, before, v ? "" : "Not ", after);
}

static void reserved(unsigned hi, unsigned lo, unsigned v)
{
    if (v)
        bits(hi, lo, v, "Reserved");
}

static void human_nsfeat(uint8_t f)
{
    reserved(7, 5, f >> 5);
    supported(4, 4, (f >> 4) & 1, "NPWG, NPWA, NPDG, NPDA, and NOWS are ", "Supported");
    kprintf("  [3:3] : %#x\tNGUID and EUI64 fields if non-zero, %sReused\n", (f >> 3) & 1,
            (f >> 3) & 1 ? "Never " : "");
    supported(2, 2, (f >> 2) & 1, "Deallocated or Unwritten Logical Block error ", "Supported");
    bits(1, 1, (f >> 1) & 1, (f >> 1) & 1 ? "Namespace uses NAWUN, NAWUPF, and NACWU"
                                          : "Namespace uses AWUN, AWUPF, and ACWU");
    supported(0, 0, f & 1, "Thin Provisioning ", "Supported");
    kprintf("\n");
}

static void human_flbas(uint8_t f)
{
    reserved(7, 7, f >> 7);
    bits(6, 5, (f >> 5) & 3, "Most significant 2 bits of Current LBA Format Selected");
    bits(4, 4, (f >> 4) & 1, (f >> 4) & 1 ? "Metadata Transferred at End of Data LBA"
                                          : "Metadata Transferred in Separate Contiguous Buffer");
    bits(3, 0, f & 0xf, "Least significant 4 bits of Current LBA Format Selected");
    kprintf("\n");
}

static void human_mc(uint8_t m)
{
    reserved(7, 2, m >> 2);
    supported(1, 1, (m >> 1) & 1, "Metadata Pointer ", "Supported");
    supported(0, 0, m & 1, "Metadata as Part of Extended Data LBA ", "Supported");
    kprintf("\n");
}

static void human_dpc(uint8_t d)
{
    reserved(7, 5, d >> 5);
    supported(4, 4, (d >> 4) & 1, "Protection Information Transferred as Last 8 Bytes of "
                                  "Metadata ", "Supported");
    supported(3, 3, (d >> 3) & 1, "Protection Information Transferred as First 8 Bytes of "
                                  "Metadata ", "Supported");
    supported(2, 2, (d >> 2) & 1, "Protection Information Type 3 ", "Supported");
    supported(1, 1, (d >> 1) & 1, "Protection Information Type 2 ", "Supported");
    supported(0, 0, d & 1, "Protection Information Type 1 ", "Supported");
    kprintf("\n");
}

static void human_dps(uint8_t d)
{
    static const char *const pi[] = { "Disabled", "Type 1 Enabled", "Type 2 Enabled",
                                       "Type 3 Enabled" };
    reserved(7, 4, d >> 4);
    kprintf("  [3:3] : %#x\tProtection Information is Transferred as %s 8 Bytes of Metadata\n",
            (d >> 3) & 1, (d >> 3) & 1 ? "First" : "Last");
    kprintf("  [2:0] : %#x\tProtection Information %s\n", d & 7,
            (d & 7) < 4 ? pi[d & 7] : "Reserved Enabled");
    kprintf("\n");
}

static void human_nmic(uint8_t n)
{
    reserved(7, 1, n >> 1);
    kprintf("  [0:0] : %#x\tNamespace Multipath %sCapable\n", n & 1, n & 1 ? "" : "Not ");
    kprintf("\n");
}

static void human_rescap(uint8_t r)
{
    static const char *const names[] = {
        "Persist Through Power Loss ", "Write Exclusive ", "Exclusive Access ",
        "Write Exclusive - Registrants Only ", "Exclusive Access - Registrants Only ",
        "Write Exclusive - All Registrants ", "Exclusive Access - All Registrants ",
    };
    kprintf("  [7:7] : %#x\tIgnore Existing Key - Used as defined in revision %s\n", r >> 7,
            r >> 7 ? "1.3 or later" : "1.2.1 or earlier");
    for (int b = 6; b >= 0; b--)
        supported((unsigned)b, (unsigned)b, (r >> b) & 1, names[b], "Supported");
    kprintf("\n");
}

static void human_fpi(uint8_t f)
{
    supported(7, 7, f >> 7, "Format Progress Indicator ", "Supported");
    if (f & 0x7f || f >> 7)
        kprintf("  [6:0] : %#x\tFormat Progress Indicator (Remaining %u%%)\n", f & 0x7f,
                f & 0x7f);
    kprintf("\n");
}

static void human_dlfeat(uint8_t d)
{
    static const char *const val[] = { "Not Reported", "0x00", "0xFF" };
    reserved(7, 5, d >> 5);
    kprintf("  [4:4] : %#x\tGuard Field of Deallocated Logical Blocks is set to %s\n",
            (d >> 4) & 1, (d >> 4) & 1 ? "CRC of The Value Read" : "0xFFFF");
    supported(3, 3, (d >> 3) & 1, "Deallocate Bit in the Write Zeroes Command is ", "Supported");
    kprintf("  [2:0] : %#x\tBytes Read From a Deallocated Logical Block and its Metadata are %s\n",
            d & 7, (d & 7) < 3 ? val[d & 7] : "Reserved Value");
    kprintf("\n");
#undef H
}

void nvme_print_id_ns(const struct nvme_id_ns *id, uint32_t nsid, unsigned flags)
{
    bool human = flags & NVME_PRINT_HUMAN;
    kprintf("NVME Identify Namespace %u:\n", nsid);
    kprintf("nsze    : %#llx\n", (unsigned long long)id->nsze);
    kprintf("ncap    : %#llx\n", (unsigned long long)id->ncap);
    kprintf("nuse    : %#llx\n", (unsigned long long)id->nuse);
    kprintf("nsfeat  : %#x\n", id->nsfeat);
    if (human)
        human_nsfeat(id->nsfeat);
    kprintf("nlbaf   : %u\n", id->nlbaf);
    kprintf("flbas   : %#x\n", id->flbas);
    if (human)
        human_flbas(id->flbas);
    kprintf("mc      : %#x\n", id->mc);
    if (human)
        human_mc(id->mc);
    kprintf("dpc     : %#x\n", id->dpc);
    if (human)
        human_dpc(id->dpc);
    kprintf("dps     : %#x\n", id->dps);
    if (human)
        human_dps(id->dps);
    kprintf("nmic    : %#x\n", id->nmic);
    if (human)
        human_nmic(id->nmic);
    kprintf("rescap  : %#x\n", id->rescap);
    if (human)
        human_rescap(id->rescap);
    kprintf("fpi     : %#x\n", id->fpi);
    if (human)
        human_fpi(id->fpi);
    kprintf("dlfeat  : %u\n", id->dlfeat);
    if (human)
        human_dlfeat(id->dlfeat);
    kprintf("nawun   : %u\n", id->nawun);
    kprintf("nawupf  : %u\n", id->nawupf);
    kprintf("nacwu   : %u\n", id->nacwu);
    kprintf("nabsn   : %u\n", id->nabsn);
    kprintf("nabo    : %u\n", id->nabo);
    kprintf("nabspf  : %u\n", id->nabspf);
    kprintf("noiob   : %u\n", id->noiob);
    kprintf("nvmcap  : ");
    print_u128(id->nvmcap);
    kprintf("\n");
    if (id->nsfeat & 0x10) { /* OPTPERF: the preferred-granularity fields are valid */
        kprintf("npwg    : %u\n", id->npwg);
        kprintf("npwa    : %u\n", id->npwa);
        kprintf("npdg    : %u\n", id->npdg);
        kprintf("npda    : %u\n", id->npda);
        kprintf("nows    : %u\n", id->nows);
    }
    kprintf("mssrl   : %u\n", id->mssrl);
    kprintf("mcl     : %u\n", id->mcl);
    kprintf("msrc    : %u\n", id->msrc);
    kprintf("nulbaf  : %u\n", nvme_print_id_ns_nulbaf(id));
    kprintf("anagrpid: %u\n", id->anagrpid);
    kprintf("nsattr\t: %u\n", id->nsattr);
    kprintf("nvmsetid: %u\n", id->nvmsetid);
    kprintf("endgid  : %u\n", id->endgid);
    kprintf("nguid   : ");
    for (unsigned i = 0; i < 16; i++)
        kprintf("%02x", id->nguid[i]);
    kprintf("\neui64   : ");
    for (unsigned i = 0; i < 8; i++)
        kprintf("%02x", id->eui64[i]);
    kprintf("\n");
    /* FLBAS: format index bits 3:0, and 6:5 as its high bits when NLBAF > 16. */
    unsigned in_use = (id->flbas & 0xf) | (id->nlbaf > 16 ? ((id->flbas >> 5) & 0x3) << 4 : 0);
    unsigned n = (unsigned)id->nlbaf + nvme_print_id_ns_nulbaf(id);
    static const char *const perf[] = { "Best", "Better", "Good", "Degraded" };
    for (unsigned i = 0; i <= n && i < 64; i++) {
        const struct nvme_lbaf *l = &id->lbaf[i];
        const char *mark = i == in_use ? "(in use)" : "";
        if (flags & NVME_PRINT_HUMAN)
            kprintf("LBA Format %2u : Metadata Size: %-3u bytes - Data Size: %-2llu bytes - "
                    "Relative Performance: %#x %s %s\n",
                    i, l->ms, l->lbads < 64 ? 1ull << l->lbads : 0ull, l->rp,
                    perf[l->rp & 3], mark);
        else
            kprintf("lbaf %2u : ms:%-3u lbads:%-2u rp:%#x %s\n", i, l->ms, l->lbads, l->rp, mark);
    }
    if (flags & NVME_PRINT_VS) {
        kprintf("vs[]:\n");
        nvme_print_hexdump(id->vs, sizeof(id->vs));
    }
}

void nvme_print_smart_log(const struct nvme_smart_log *s, uint32_t nsid, const char *dev,
                          unsigned flags)
{
    char units[40], num[32];
    kprintf("Smart Log for NVME device:%s namespace-id:%x\n", dev, nsid);
    kprintf("critical_warning\t\t\t: %#x\n", s->critical_warning);
    if (flags & NVME_PRINT_HUMAN) {
        unsigned cw = s->critical_warning;
        kprintf("      Available Spare[0]             : %u\n", cw & 1);
        kprintf("      Temp. Threshold[1]             : %u\n", (cw >> 1) & 1);
        kprintf("      NVM subsystem Reliability[2]   : %u\n", (cw >> 2) & 1);
        kprintf("      Read-only[3]                   : %u\n", (cw >> 3) & 1);
        kprintf("      Volatile mem. backup failed[4] : %u\n", (cw >> 4) & 1);
        kprintf("      Persistent Mem. RO[5]          : %u\n", (cw >> 5) & 1);
    }
    uint16_t kelvin = s->temperature;
    kprintf("temperature\t\t\t\t: %ld\xc2\xb0" "C (%u Kelvin)\n", celsius(kelvin), kelvin);
    kprintf("available_spare\t\t\t\t: %u%%\n", s->avail_spare);
    kprintf("available_spare_threshold\t\t: %u%%\n", s->avail_spare_thresh);
    kprintf("percentage_used\t\t\t\t: %u%%\n", s->percent_used);
    kprintf("endurance group critical warning summary: %#x\n", s->endgrp_crit_warning);
    /* Data units are thousands of 512-byte blocks [Base 2.0 Figure 199]. */
    const uint8_t *du[2] = { s->data_units_read, s->data_units_written };
    const char *du_name[2] = { "Data Units Read\t\t\t\t", "Data Units Written\t\t\t" };
    for (unsigned i = 0; i < 2; i++) {
        uint64_t lo, hi;
        memcpy(&lo, du[i], 8);
        memcpy(&hi, du[i] + 8, 8);
        uint64_t bytes = (hi != 0 || lo > UINT64_MAX / 512000) ? UINT64_MAX : lo * 512000;
        const char *prefix = nvme_print_si(bytes, num, sizeof(num));
        json_u128_le_to_dec(du[i], units);
        kprintf("%s: %s (%s %sB)\n", du_name[i], units, num, prefix);
    }
    static const struct {
        const char *name;
        size_t off;
    } counters[] = {
        { "host_read_commands\t\t\t", offsetof(struct nvme_smart_log, host_reads) },
        { "host_write_commands\t\t\t", offsetof(struct nvme_smart_log, host_writes) },
        { "controller_busy_time\t\t\t", offsetof(struct nvme_smart_log, ctrl_busy_time) },
        { "power_cycles\t\t\t\t", offsetof(struct nvme_smart_log, power_cycles) },
        { "power_on_hours\t\t\t\t", offsetof(struct nvme_smart_log, power_on_hours) },
        { "unsafe_shutdowns\t\t\t", offsetof(struct nvme_smart_log, unsafe_shutdowns) },
        { "media_errors\t\t\t\t", offsetof(struct nvme_smart_log, media_errors) },
        { "num_err_log_entries\t\t\t", offsetof(struct nvme_smart_log, num_err_log_entries) },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(counters); i++) {
        json_u128_le_to_dec((const uint8_t *)s + counters[i].off, units);
        kprintf("%s: %s\n", counters[i].name, units);
    }
    kprintf("Warning Temperature Time\t\t: %u\n", s->warning_temp_time);
    kprintf("Critical Composite Temperature Time\t: %u\n", s->critical_temp_time);
    for (unsigned i = 0; i < 8; i++) {
        if (s->temp_sensor[i] == 0) /* not implemented */
            continue;
        kprintf("Temperature Sensor %u           : %ld\xc2\xb0" "C (%u Kelvin)\n", i + 1,
                celsius(s->temp_sensor[i]), s->temp_sensor[i]);
    }
    kprintf("Thermal Management T1 Trans Count\t: %u\n", s->thm_temp1_trans_count);
    kprintf("Thermal Management T2 Trans Count\t: %u\n", s->thm_temp2_trans_count);
    kprintf("Thermal Management T1 Total Time\t: %u\n", s->thm_temp1_total_time);
    kprintf("Thermal Management T2 Total Time\t: %u\n", s->thm_temp2_total_time);
}

/* nvme-cli's wording for the Transport Type field [Base 2.0 Figure 198]. */
static const char *trtype_text(uint8_t t)
{
    switch (t) {
    case 0: return "The transport type is not indicated or the error is not transport related.";
    case 1: return "RDMA Transport error.";
    case 2: return "Fibre Channel Transport error.";
    case 3: return "TCP Transport error.";
    case 254: return "Intra-host Transport error.";
    default: return "Reserved";
    }
}

void nvme_print_error_log(const struct nvme_error_log_entry *e, unsigned entries,
                          const char *dev)
{
    kprintf("Error Log Entries for device:%s entries:%u\n", dev, entries);
    kprintf(".................\n");
    for (unsigned i = 0; i < entries; i++) {
        /* Status Field without the phase tag: SC 7:0, SCT 10:8, CRD, M, DNR. */
        unsigned sf = e[i].status >> 1;
        const char *name = nvme_status_name((sf >> 8) & 0x7, sf & 0xff);
        kprintf(" Entry[%2u]   \n", i);
        kprintf(".................\n");
        kprintf("error_count\t: %llu\n", (unsigned long long)e[i].error_count);
        kprintf("sqid\t\t: %u\n", e[i].sqid);
        kprintf("cmdid\t\t: %#x\n", e[i].cid);
        kprintf("status_field\t: %#x(%s)\n", sf, name ? name : "Unknown");
        kprintf("phase_tag\t: %#x\n", e[i].status & 1);
        kprintf("parm_err_loc\t: %#x\n", e[i].pel);
        kprintf("lba\t\t: %#llx\n", (unsigned long long)e[i].lba);
        kprintf("nsid\t\t: %#x\n", e[i].nsid);
        kprintf("vs\t\t: %u\n", e[i].vsia);
        kprintf("trtype\t\t: %s\n", trtype_text(e[i].trtype));
        kprintf("cs\t\t: %#llx\n", (unsigned long long)e[i].csi);
        kprintf("trtype_spec_info: %#x\n", e[i].ttsi);
        kprintf(".................\n");
    }
}
