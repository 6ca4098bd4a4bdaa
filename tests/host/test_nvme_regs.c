/*
 * Host test: drivers/nvme/nvme_regs.h - register offsets, every register
 * field's place (no two fields of a register overlap, each lies inside the
 * register), field values read from register values QEMU 7.2 really shows,
 * doorbell offsets, FLBAS decoding, structure layouts read from raw bytes,
 * and the register decoders of nvme_cmd.c that the trace prints.
 * (Sizes and key offsets are also _Static_asserts in the header.)
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_regs.h"
#include "drivers/nvme/nvme_spec_id.h"
#include "tests/host/check.h"

struct field {
    const char *name;
    unsigned shift;
    uint64_t mask;
};
#define F(reg, name) { #reg "." #name, NVME_##reg##_##name##_SHIFT, NVME_##reg##_##name##_MASK }

/* Fields of one register must be disjoint and fit in `bits`; returns the union. */
static uint64_t check_layout(const char *reg, const struct field *f, size_t n, unsigned bits)
{
    uint64_t all = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t m = f[i].mask << f[i].shift;
        if (f[i].mask == 0 || (f[i].mask & (f[i].mask + 1)) != 0) {
            fprintf(stderr, "%s: %s mask is not contiguous from bit 0\n", reg, f[i].name);
            CHECK(0);
        }
        if (bits < 64 && (m >> bits) != 0) {
            fprintf(stderr, "%s: %s does not fit in %u bits\n", reg, f[i].name, bits);
            CHECK(0);
        }
        if ((m >> f[i].shift) != f[i].mask) {
            fprintf(stderr, "%s: %s shifted out of 64 bits\n", reg, f[i].name);
            CHECK(0);
        }
        if (all & m) {
            fprintf(stderr, "%s: %s overlaps another field\n", reg, f[i].name);
            CHECK(0);
        }
        all |= m;
    }
    return all;
}
#define LAYOUT(reg, arr, bits) check_layout(reg, arr, sizeof(arr) / sizeof(arr[0]), bits)

static void test_offsets(void)
{
    CHECK_EQ(NVME_REG_CAP, 0x00);
    CHECK_EQ(NVME_REG_VS, 0x08);
    CHECK_EQ(NVME_REG_INTMS, 0x0C);
    CHECK_EQ(NVME_REG_INTMC, 0x10);
    CHECK_EQ(NVME_REG_CC, 0x14);
    CHECK_EQ(NVME_REG_CSTS, 0x1C);
    CHECK_EQ(NVME_REG_NSSR, 0x20);
    CHECK_EQ(NVME_REG_AQA, 0x24);
    CHECK_EQ(NVME_REG_ASQ, 0x28);
    CHECK_EQ(NVME_REG_ACQ, 0x30);
    CHECK_EQ(NVME_REG_CMBLOC, 0x38);
    CHECK_EQ(NVME_REG_CMBSZ, 0x3C);
    CHECK_EQ(NVME_REG_BPINFO, 0x40);
    CHECK_EQ(NVME_REG_BPRSEL, 0x44);
    CHECK_EQ(NVME_REG_BPMBL, 0x48);
    CHECK_EQ(NVME_REG_CMBMSC, 0x50);
    CHECK_EQ(NVME_REG_CMBSTS, 0x58);
    CHECK_EQ(NVME_REG_CRTO, 0x68);
    CHECK_EQ(NVME_REG_PMRCAP, 0xE00);

    /* doorbells: stride 4 << DSTRD, SQ y tail at 2y, CQ y head at 2y + 1 */
    CHECK_EQ(NVME_REG_SQTDBL(0, 0), 0x1000);
    CHECK_EQ(NVME_REG_CQHDBL(0, 0), 0x1004);
    CHECK_EQ(NVME_REG_SQTDBL(1, 0), 0x1008);
    CHECK_EQ(NVME_REG_CQHDBL(1, 0), 0x100C);
    CHECK_EQ(NVME_REG_SQTDBL(1, 1), 0x1010);
    CHECK_EQ(NVME_REG_CQHDBL(1, 1), 0x1018);
    CHECK_EQ(NVME_REG_CQHDBL(3, 2), 0x1000 + 7 * 16);
    CHECK(NVME_REG_CQHDBL(65535, 15) == 0x1000ull + 131071ull * 131072ull); /* no 32-bit wrap */
}

static void test_fields(void)
{
    static const struct field cap[] = {
        F(CAP, MQES),   F(CAP, CQR),    F(CAP, AMS),  F(CAP, TO),   F(CAP, DSTRD),
        F(CAP, NSSRS),  F(CAP, CSS),    F(CAP, BPS),  F(CAP, CPS),  F(CAP, MPSMIN),
        F(CAP, MPSMAX), F(CAP, PMRS),   F(CAP, CMBS), F(CAP, NSSS), F(CAP, CRMS),
    };
    static const struct field vs[] = { F(VS, TER), F(VS, MNR), F(VS, MJR) };
    static const struct field cc[] = {
        F(CC, EN),     F(CC, CSS),    F(CC, MPS),   F(CC, AMS),
        F(CC, SHN),    F(CC, IOSQES), F(CC, IOCQES), F(CC, CRIME),
    };
    static const struct field csts[] = {
        F(CSTS, RDY), F(CSTS, CFS), F(CSTS, SHST), F(CSTS, NSSRO), F(CSTS, PP), F(CSTS, ST),
    };
    static const struct field aqa[] = { F(AQA, ASQS), F(AQA, ACQS) };
    static const struct field crto[] = { F(CRTO, CRWMT), F(CRTO, CRIMT) };
    static const struct field cmbsz[] = {
        F(CMBSZ, SQS), F(CMBSZ, CQS), F(CMBSZ, LISTS), F(CMBSZ, RDS),
        F(CMBSZ, WDS), F(CMBSZ, SZU), F(CMBSZ, SZ),
    };
    static const struct field status[] = {
        F(STATUS, P), F(STATUS, SC), F(STATUS, SCT), F(STATUS, CRD), F(STATUS, M), F(STATUS, DNR),
    };
    static const struct field rw12[] = {
        F(RW_CDW12, NLB),  F(RW_CDW12, DTYPE), F(RW_CDW12, STC),
        F(RW_CDW12, DEAC), F(RW_CDW12, PRINFO), F(RW_CDW12, FUA), F(RW_CDW12, LR),
    };
    static const struct field getlog10[] = {
        F(GET_LOG_CDW10, LID), F(GET_LOG_CDW10, LSP), F(GET_LOG_CDW10, RAE),
        F(GET_LOG_CDW10, NUMDL),
    };

    /* union of fields: every defined bit, and nothing in the reserved ones */
    CHECK(LAYOUT("CAP", cap, 64) == 0x1FFFFFFFFF07FFFFull);
    CHECK_EQ(LAYOUT("VS", vs, 32), 0xFFFFFFFF);
    CHECK_EQ(LAYOUT("CC", cc, 32), 0x01FFFFF1);
    CHECK_EQ(LAYOUT("CSTS", csts, 32), 0x7F);
    CHECK_EQ(LAYOUT("AQA", aqa, 32), 0x0FFF0FFF);
    CHECK_EQ(LAYOUT("CRTO", crto, 32), 0xFFFFFFFF);
    CHECK_EQ(LAYOUT("CMBSZ", cmbsz, 32), 0xFFFFFF1F);
    CHECK_EQ(LAYOUT("status", status, 16), 0xFFFF);
    CHECK_EQ(LAYOUT("RW CDW12", rw12, 32), 0xFFF0FFFF);
    CHECK_EQ(LAYOUT("Get Log Page CDW10", getlog10, 32), 0xFFFFFFFF);

    /* NVME_SET on a 64-bit register field does not truncate */
    CHECK(NVME_SET(CAP_CRMS, 3) == 3ull << 59);
    CHECK(NVME_SET(CAP_MPSMAX, 0xF) == 0xFull << 52);
    CHECK(NVME_SET(CAP_CSS, 0xFF) == 0xFFull << 37);
    CHECK(NVME_SET(CAP_DSTRD, 0x1F) == 0xFull << 32); /* the value is masked first */
}

static void test_qemu_values(void)
{
    /* CAP, CC, AQA, VS, CSTS as QEMU 7.2 and SeaBIOS leave them (model notes §1.4, §5) */
    const uint64_t cap = 0x004018200F0107FFull;

    CHECK_EQ(NVME_GET(cap, CAP_MQES), 0x7FF);
    CHECK_EQ(NVME_GET(cap, CAP_CQR), 1);
    CHECK_EQ(NVME_GET(cap, CAP_AMS), 0);
    CHECK_EQ(NVME_GET(cap, CAP_TO), 15);
    CHECK_EQ(NVME_GET(cap, CAP_DSTRD), 0);
    CHECK_EQ(NVME_GET(cap, CAP_NSSRS), 0);
    CHECK_EQ(NVME_GET(cap, CAP_CSS), 0xC1);
    CHECK(NVME_GET(cap, CAP_CSS) & NVME_CAP_CSS_NVM);
    CHECK(NVME_GET(cap, CAP_CSS) & NVME_CAP_CSS_IOCSS);
    CHECK(NVME_GET(cap, CAP_CSS) & NVME_CAP_CSS_NOIOCSS);
    CHECK_EQ(NVME_GET(cap, CAP_BPS), 0);
    CHECK_EQ(NVME_GET(cap, CAP_MPSMIN), 0);
    CHECK_EQ(NVME_GET(cap, CAP_MPSMAX), 4);
    CHECK_EQ(NVME_GET(cap, CAP_PMRS), 0);
    CHECK_EQ(NVME_GET(cap, CAP_CMBS), 0);
    CHECK_EQ(NVME_GET(cap, CAP_CRMS), 0);

    /* the CC every driver writes: EN=1, IOSQES=6, IOCQES=4 */
    CHECK_EQ(NVME_SET(CC_EN, 1u) | NVME_SET(CC_IOSQES, NVME_CC_IOSQES_64) |
                 NVME_SET(CC_IOCQES, NVME_CC_IOCQES_16),
             0x00460001);
    CHECK_EQ(NVME_SET(CC_SHN, NVME_CC_SHN_NORMAL), 0x4000);
    CHECK_EQ(NVME_SET(CC_MPS, 4u), 0x200);
    CHECK_EQ(NVME_SET(CC_CSS, NVME_CC_CSS_ALL), 0x60);
    CHECK_EQ(NVME_SET(CC_AMS, NVME_CC_AMS_WRRUPC), 0x800);
    CHECK_EQ(NVME_SET(CC_CRIME, 1u), 0x01000000);

    CHECK_EQ(NVME_GET(0x00FF003Fu, AQA_ASQS), 63);
    CHECK_EQ(NVME_GET(0x00FF003Fu, AQA_ACQS), 255);
    CHECK_EQ(NVME_GET(0x00010400u, VS_MJR), 1);
    CHECK_EQ(NVME_GET(0x00010400u, VS_MNR), 4);
    CHECK_EQ(NVME_VS(2, 0, 0), 0x00020000);
    CHECK_EQ(NVME_VS(1, 4, 0), 0x00010400);
    CHECK_EQ(NVME_GET(0x2u, CSTS_CFS), 1); /* a failed enable: CFS=1, RDY=0 */
    CHECK_EQ(NVME_GET(0x2u, CSTS_RDY), 0);
    CHECK_EQ(NVME_GET(0x9u, CSTS_SHST), NVME_CSTS_SHST_COMPLETE);
    CHECK_EQ(NVME_NSSR_NSSRC_RESET, 0x4E564D65);
    CHECK(memcmp(&(uint32_t){ NVME_NSSR_NSSRC_RESET }, "eMVN", 4) == 0); /* "NVMe" as a big-endian dword */
}

static void test_flbas(void)
{
    /* QEMU namespaces: 8 LBA formats; ms=8 mset=1 is FLBAS 11h (extended, format 1) */
    CHECK_EQ(nvme_flbas_index(0x11, 7), 1);
    CHECK_EQ(NVME_GET(0x11u, FLBAS_EXTENDED), 1);
    CHECK_EQ(nvme_flbas_index(0x01, 7), 1);
    CHECK_EQ(nvme_flbas_index(0x04, 7), 4);
    /* up to 16 formats bits 6:5 are ignored */
    CHECK_EQ(nvme_flbas_index(0x6F, 15), 15);
    CHECK_EQ(nvme_flbas_index(0x20, 15), 0);
    /* 17 or more formats: bits 6:5 are index bits 5:4 */
    CHECK_EQ(nvme_flbas_index(0x20, 16), 16);
    CHECK_EQ(nvme_flbas_index(0x6F, 63), 63);
    CHECK_EQ(nvme_flbas_index(0x55, 63), 0x25); /* hi 10b, extended, lo 5 */
}

static void test_structs(void)
{
    uint8_t raw[4096];
    struct nvme_id_ctrl ctrl;
    struct nvme_id_ns ns;
    struct nvme_smart_log smart;
    struct nvme_error_log_entry err;
    struct nvme_cqe cqe;

    CHECK_EQ(sizeof(struct nvme_sqe), 64);
    CHECK_EQ(sizeof(struct nvme_cqe), 16);
    CHECK_EQ(sizeof(struct nvme_id_ctrl), 4096);
    CHECK_EQ(sizeof(struct nvme_id_ns), 4096);
    CHECK_EQ(sizeof(struct nvme_smart_log), 512);
    CHECK_EQ(sizeof(struct nvme_error_log_entry), 64);
    CHECK_EQ(sizeof(struct nvme_dsm_range), 16);
    CHECK_EQ(sizeof(struct nvme_lbaf), 4);
    CHECK_EQ(sizeof(struct nvme_psd), 32);

    /* Identify Controller fields from raw bytes, as QEMU 7.2 fills them */
    memset(raw, 0, sizeof(raw));
    raw[0] = 0x36, raw[1] = 0x1B;          /* VID 1b36 */
    memcpy(raw + 24, "QEMU NVMe Ctrl", 14); /* MN */
    raw[77] = 7;                           /* MDTS */
    raw[80] = 0x00, raw[81] = 0x04, raw[82] = 0x01; /* VER 1.4.0 */
    raw[256] = 0x0A, raw[257] = 0x01;      /* OACS 10Ah */
    raw[259] = 3;                          /* AERL */
    raw[266] = 0x57, raw[267] = 0x01;      /* WCTEMP 343 K */
    raw[512] = 0x66, raw[513] = 0x44;      /* SQES, CQES */
    raw[516] = 0x00, raw[517] = 0x01;      /* NN 256 */
    raw[520] = 0x5D, raw[521] = 0x01;      /* ONCS 15Dh */
    raw[525] = 0x07;                       /* VWC */
    raw[2048] = 0xC4, raw[2049] = 0x09;    /* PSD0 MP 2500 */
    raw[2052] = 16;                        /* PSD0 ENLAT */
    raw[2056] = 4;                         /* PSD0 EXLAT */
    memcpy(&ctrl, raw, sizeof(ctrl));
    CHECK_EQ(ctrl.vid, 0x1B36);
    CHECK(memcmp(ctrl.mn, "QEMU NVMe Ctrl", 14) == 0);
    CHECK_EQ(ctrl.mdts, 7);
    CHECK_EQ(ctrl.ver, 0x00010400);
    CHECK_EQ(ctrl.oacs, 0x10A);
    CHECK(ctrl.oacs & NVME_OACS_DBBUF_CONFIG);
    CHECK(ctrl.oacs & NVME_OACS_NS_MGMT);
    CHECK(!(ctrl.oacs & NVME_OACS_FW_DOWNLOAD));
    CHECK_EQ(ctrl.aerl, 3);
    CHECK_EQ(ctrl.wctemp, 343);
    CHECK_EQ(NVME_GET((unsigned)ctrl.sqes, ID_QES_REQUIRED), 6);
    CHECK_EQ(NVME_GET((unsigned)ctrl.cqes, ID_QES_MAX), 4);
    CHECK_EQ(ctrl.nn, 256);
    CHECK(ctrl.oncs & NVME_ONCS_WRITE_ZEROES);
    CHECK(ctrl.oncs & NVME_ONCS_COPY);
    CHECK(!(ctrl.oncs & NVME_ONCS_VERIFY)); /* QEMU does not advertise Verify */
    CHECK(ctrl.vwc & NVME_VWC_PRESENT);
    CHECK_EQ(NVME_GET((unsigned)ctrl.vwc, VWC_FLUSH_BCAST), 3);
    CHECK_EQ(ctrl.psd[0].mp, 2500);
    CHECK_EQ(ctrl.psd[0].enlat, 16);
    CHECK_EQ(ctrl.psd[0].exlat, 4);

    /* Identify Namespace: QEMU's 512-byte namespace, LBAF 4 = 4096 bytes, ms 0 */
    memset(raw, 0, sizeof(raw));
    raw[0] = 0x00, raw[1] = 0x00, raw[2] = 0x02;     /* NSZE 20000h */
    raw[25] = 7;                                     /* NLBAF: 8 formats */
    raw[26] = 0x04;                                  /* FLBAS: format 4 */
    raw[27] = 0x03;                                  /* MC */
    raw[128 + 1 * 4 + 0] = 8, raw[128 + 1 * 4 + 2] = 9; /* LBAF1: ms 8, 512 B */
    raw[128 + 4 * 4 + 2] = 12;                       /* LBAF4: 4096 B */
    raw[128 + 4 * 4 + 3] = 0x02;                     /* RP good */
    raw[128 + 63 * 4 + 2] = 16;                      /* LBAF63: 64 KiB */
    raw[120] = 0x52, raw[127] = 0x01;                /* EUI64 52..01 */
    memcpy(&ns, raw, sizeof(ns));
    CHECK_EQ(ns.nsze, 0x20000);
    CHECK_EQ(ns.nlbaf, 7);
    CHECK_EQ(ns.mc, NVME_MC_EXTENDED | NVME_MC_SEPARATE);
    CHECK_EQ(nvme_flbas_index(ns.flbas, ns.nlbaf), 4);
    CHECK_EQ(ns.lbaf[nvme_flbas_index(ns.flbas, ns.nlbaf)].lbads, 12);
    CHECK_EQ(ns.lbaf[4].rp & NVME_LBAF_RP_MASK, 2);
    CHECK_EQ(ns.lbaf[1].ms, 8);
    CHECK_EQ(ns.lbaf[1].lbads, 9);
    CHECK_EQ(ns.lbaf[63].lbads, 16);
    CHECK_EQ(ns.eui64[0], 0x52);
    CHECK_EQ(ns.eui64[7], 0x01);

    /* SMART: Composite Temperature straddles bytes 1-2; QEMU reports 323 K */
    memset(raw, 0, 512);
    raw[0] = NVME_SMART_CW_TEMPERATURE;
    raw[1] = 0x43, raw[2] = 0x01;
    raw[3] = 100;
    raw[144] = 7;                 /* Unsafe Shutdowns, low byte */
    raw[192] = 0x10;              /* Warning Composite Temperature Time */
    raw[200] = 0x44, raw[201] = 0x01; /* Temperature Sensor 1: 324 K */
    memcpy(&smart, raw, sizeof(smart));
    CHECK_EQ(smart.critical_warning, NVME_SMART_CW_TEMPERATURE);
    CHECK_EQ(smart.temperature, 323);
    CHECK_EQ(smart.avail_spare, 100);
    CHECK_EQ(smart.unsafe_shutdowns[0], 7);
    CHECK_EQ(smart.warning_temp_time, 0x10);
    CHECK_EQ(smart.temp_sensor[0], 324);

    /* Error log entry: its Status Field has the CQE's layout, phase bit included */
    memset(raw, 0, 64);
    raw[0] = 1;                   /* Error Count */
    raw[8] = 1;                   /* SQID */
    raw[10] = 0x2A;               /* CID */
    raw[12] = 0x05, raw[13] = 0x81; /* status: 0x4082 << 1 | 1 */
    raw[16] = 0x10;               /* LBA */
    raw[24] = 1;                  /* NSID */
    memcpy(&err, raw, sizeof(err));
    CHECK_EQ(err.error_count, 1);
    CHECK_EQ(err.sqid, 1);
    CHECK_EQ(err.cid, 0x2A);
    CHECK_EQ(NVME_GET((unsigned)err.status, STATUS_CODE), NVME_SC_NS_NOT_READY);
    CHECK_EQ(NVME_GET((unsigned)err.status, STATUS_DNR), 1);
    CHECK_EQ(err.lba, 0x10);
    CHECK_EQ(err.nsid, 1);

    /* a CQE from raw bytes: DW3 = status:cid */
    memset(raw, 0, 16);
    raw[8] = 4;                   /* SQHD */
    raw[12] = 3;                  /* CID */
    raw[14] = 0x05, raw[15] = 0x80; /* status 0x4002 << 1 | 1 */
    memcpy(&cqe, raw, sizeof(cqe));
    CHECK_EQ(cqe.sqhd, 4);
    CHECK_EQ(cqe.cid, 3);
    CHECK_EQ(NVME_GET((unsigned)cqe.status, STATUS_P), 1);
    CHECK_EQ(NVME_GET((unsigned)cqe.status, STATUS_SC), 0x02);
    CHECK_EQ(NVME_GET((unsigned)cqe.status, STATUS_SCT), 0);
    CHECK_EQ(NVME_GET((unsigned)cqe.status, STATUS_DNR), 1);

    /* an SQE's first dword: opcode, FUSE/PSDT, CID */
    {
        struct nvme_sqe s;
        uint32_t cdw0;
        memset(&s, 0, sizeof(s));
        s.opc = 0x02;
        s.flags = (uint8_t)NVME_SET(SQE_PSDT, 1u);
        s.cid = 0xBEEF;
        memcpy(&cdw0, &s, 4);
        CHECK_EQ(cdw0, 0xBEEF4002);
    }

    /* runtime copies of a few asserted offsets, as documentation */
    CHECK_EQ(offsetof(struct nvme_id_ctrl, vwc), 525);
    CHECK_EQ(offsetof(struct nvme_id_ctrl, psd), 2048);
    CHECK_EQ(offsetof(struct nvme_id_ns, lbaf), 128);
    CHECK_EQ(offsetof(struct nvme_sqe, dptr.prp2), 32);
}

static void test_decoders(void)
{
    char buf[320];

    nvme_decode_cap(0x004018200F0107FFull, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "MQES=2047 (2048 entries) CQR=1 AMS=0x0 TO=15 (7500 ms) DSTRD=0 NSSRS=0 "
                      "CSS=0xc1 BPS=0 CPS=0 MPSMIN=0 (4 KiB) MPSMAX=4 (64 KiB) PMRS=0 CMBS=0 "
                      "NSSS=0 CRMS=0x0");
    nvme_decode_cap(~0ull, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "MQES=65535 (65536 entries) CQR=1 AMS=0x3 TO=255 (127500 ms) DSTRD=15 "
                      "NSSRS=1 CSS=0xff BPS=1 CPS=3 MPSMIN=15 (131072 KiB) MPSMAX=15 (131072 KiB) "
                      "PMRS=1 CMBS=1 NSSS=1 CRMS=0x3");

    CHECK_EQ(nvme_decode_cc(0x00460001, buf, sizeof(buf)), (int)strlen(buf));
    CHECK_STR_EQ(buf, "EN=1 CSS=0 MPS=0 AMS=0 SHN=0 IOSQES=6 IOCQES=4");
    nvme_decode_cc(0x01464001 | 0x60 | 0x200, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "EN=1 CSS=6 MPS=4 AMS=0 SHN=1 IOSQES=6 IOCQES=4 CRIME=1");

    nvme_decode_csts(0x1, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "RDY=1 CFS=0 SHST=0 NSSRO=0 PP=0");
    nvme_decode_csts(0x2, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "RDY=0 CFS=1 SHST=0 NSSRO=0 PP=0");
    nvme_decode_csts(0x79, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "RDY=1 CFS=0 SHST=2 NSSRO=1 PP=1 ST=1");
    nvme_decode_csts(0xFFFFFFFF, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "all ones: device not responding");

    nvme_decode_aqa(0x00FF003F, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "ASQS=63 (64 entries) ACQS=255 (256 entries)");
    nvme_decode_aqa(0x00010001, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "ASQS=1 (2 entries) ACQS=1 (2 entries)");

    nvme_decode_crto(0x001E000F, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "CRWMT=15 (7500 ms) CRIMT=30 (15000 ms)");

    nvme_decode_vs(0x00010400, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "1.4.0");
    nvme_decode_vs(0x00020000, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "2.0.0");
    nvme_decode_vs(0x00010201, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "1.2.1");

    /* truncation: the full length comes back, the buffer stays terminated */
    CHECK_EQ(nvme_decode_vs(0x00010400, buf, 2), 5);
    CHECK_STR_EQ(buf, "1");
}

int main(void)
{
    test_offsets();
    test_fields();
    test_qemu_values();
    test_flbas();
    test_structs();
    test_decoders();
    return check_exit();
}
