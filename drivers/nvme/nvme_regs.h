/*
 * drivers/nvme/nvme_regs.h - the NVMe specification as C: controller
 * registers, the submission/completion queue entry formats, command dword
 * fields and every status value; the data structures the controller returns
 * (Identify, log pages) are its other half, nvme_spec_id.h. The spec only:
 * no kernel headers, no code beyond field accessors, host-compilable.
 *
 * Which documents the citations mean:
 *   [NVMe Base 2.0 §x]   NVM Express Base Specification, Revision 2.0
 *   [NVM CS 1.0 §x]      NVM Express NVM Command Set Specification, Rev. 1.0
 *   [PCIe Transport 1.0 §x]  NVM Express NVMe over PCIe Transport Spec., Rev. 1.0
 *   [ZNS 1.1]            NVM Express Zoned Namespace Command Set Spec., Rev. 1.1
 * (the list docs/spec-refs.md is meant to hold). Where only a figure is named,
 * the section number was not checked against the document.
 *
 * Rules:
 *   - Register fields are _SHIFT/_MASK pairs named as the spec names them, the
 *     mask applied after the shift: NVME_GET(cc, CC_IOSQES), NVME_SET(CC_EN, 1).
 *     No C bitfields: their layout is the compiler's, not the spec's.
 *   - Masks of 64-bit registers are 64-bit constants, so NVME_SET on them never
 *     shifts a 32-bit value past its width.
 *   - Command dword fields follow the same scheme, named
 *     NVME_<COMMAND>_CDW<n>_<FIELD>.
 *   - "0's based" spec fields (QSIZE, NLB, NUMD, NSQR, NR...) hold count-1; the
 *     builders in nvme_cmd.c take counts and do the -1 in one place.
 *   - Data structures are little-endian, as the device writes them; this header
 *     assumes a little-endian host (x86-64) and says so with an assertion.
 *   - Every struct has _Static_asserts on its size and on the offsets of the
 *     fields a driver reads, so a wrong layout cannot compile (SeaBIOS's
 *     829b0f1a shipped an LBA format struct with one member too many).
 */
#ifndef NVOS_DRIVERS_NVME_NVME_REGS_H
#define NVOS_DRIVERS_NVME_NVME_REGS_H

#include <stddef.h>
#include <stdint.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "NVMe structures are little-endian; this header maps them directly");

/* Field accessors: value >> SHIFT & MASK, and the inverse. */
#define NVME_GET(value, field) (((value) >> NVME_##field##_SHIFT) & NVME_##field##_MASK)
#define NVME_SET(field, v) (((v) & NVME_##field##_MASK) << NVME_##field##_SHIFT)

/* ------------------------------------------------------------------------ */
/* [NVMe Base 2.0 §3.1.3] Controller Properties (BAR0 on PCIe), offsets     */
/* ------------------------------------------------------------------------ */
enum nvme_reg {
    NVME_REG_CAP = 0x00,     /* Controller Capabilities, 64-bit */
    NVME_REG_VS = 0x08,      /* Version */
    NVME_REG_INTMS = 0x0C,   /* Interrupt Mask Set (not with MSI-X) */
    NVME_REG_INTMC = 0x10,   /* Interrupt Mask Clear (not with MSI-X) */
    NVME_REG_CC = 0x14,      /* Controller Configuration */
    NVME_REG_CSTS = 0x1C,    /* Controller Status */
    NVME_REG_NSSR = 0x20,    /* NVM Subsystem Reset (optional) */
    NVME_REG_AQA = 0x24,     /* Admin Queue Attributes */
    NVME_REG_ASQ = 0x28,     /* Admin Submission Queue Base Address, 64-bit */
    NVME_REG_ACQ = 0x30,     /* Admin Completion Queue Base Address, 64-bit */
    NVME_REG_CMBLOC = 0x38,  /* Controller Memory Buffer Location */
    NVME_REG_CMBSZ = 0x3C,   /* Controller Memory Buffer Size */
    NVME_REG_BPINFO = 0x40,  /* Boot Partition Information */
    NVME_REG_BPRSEL = 0x44,  /* Boot Partition Read Select */
    NVME_REG_BPMBL = 0x48,   /* Boot Partition Memory Buffer Location, 64-bit */
    NVME_REG_CMBMSC = 0x50,  /* CMB Memory Space Control, 64-bit */
    NVME_REG_CMBSTS = 0x58,  /* CMB Status */
    NVME_REG_CMBEBS = 0x5C,  /* CMB Elasticity Buffer Size */
    NVME_REG_CMBSWTP = 0x60, /* CMB Sustained Write Throughput */
    NVME_REG_NSSD = 0x64,    /* NVM Subsystem Shutdown */
    NVME_REG_CRTO = 0x68,    /* Controller Ready Timeouts */
    NVME_REG_PMRCAP = 0xE00, /* Persistent Memory Region Capabilities */
    NVME_REG_PMRCTL = 0xE04, /* PMR Control */
    NVME_REG_PMRSTS = 0xE08, /* PMR Status */
    NVME_REG_PMREBS = 0xE0C, /* PMR Elasticity Buffer Size */
    NVME_REG_PMRSWTP = 0xE10, /* PMR Sustained Write Throughput */
    NVME_REG_PMRMSCL = 0xE14, /* PMR Memory Space Control Lower */
    NVME_REG_PMRMSCU = 0xE18, /* PMR Memory Space Control Upper */
    NVME_REG_DBS = 0x1000,   /* first doorbell, below */
};

/*
 * [PCIe Transport 1.0 §3.1.2] Doorbells: the SQ y Tail doorbell (SQyTDBL) is
 * at 1000h + (2y) * (4 << CAP.DSTRD) and the CQ y Head doorbell (CQyHDBL) at
 * 1000h + (2y + 1) * (4 << CAP.DSTRD). 64-bit arithmetic: with y up to 65535
 * and DSTRD up to 15 the offset exceeds 32 bits.
 */
#define NVME_REG_SQTDBL(y, dstrd) \
    ((uint64_t)NVME_REG_DBS + (2ull * (uint64_t)(y)) * (4ull << (dstrd)))
#define NVME_REG_CQHDBL(y, dstrd) \
    ((uint64_t)NVME_REG_DBS + (2ull * (uint64_t)(y) + 1ull) * (4ull << (dstrd)))

/* [NVMe Base 2.0 §3.1.3.1] Offset 00h: CAP - Controller Capabilities */
#define NVME_CAP_MQES_SHIFT 0      /* Maximum Queue Entries Supported, 0's based */
#define NVME_CAP_MQES_MASK 0xFFFFull
#define NVME_CAP_CQR_SHIFT 16      /* Contiguous Queues Required */
#define NVME_CAP_CQR_MASK 0x1ull
#define NVME_CAP_AMS_SHIFT 17      /* Arbitration Mechanism Supported (bit set per AMS) */
#define NVME_CAP_AMS_MASK 0x3ull
#define NVME_CAP_TO_SHIFT 24       /* Timeout, worst case CSTS.RDY change, 500 ms units */
#define NVME_CAP_TO_MASK 0xFFull
#define NVME_CAP_DSTRD_SHIFT 32    /* Doorbell Stride, 2^(2+DSTRD) bytes */
#define NVME_CAP_DSTRD_MASK 0xFull
#define NVME_CAP_NSSRS_SHIFT 36    /* NVM Subsystem Reset Supported */
#define NVME_CAP_NSSRS_MASK 0x1ull
#define NVME_CAP_CSS_SHIFT 37      /* Command Sets Supported (bitmap, below) */
#define NVME_CAP_CSS_MASK 0xFFull
#define NVME_CAP_BPS_SHIFT 45      /* Boot Partition Support */
#define NVME_CAP_BPS_MASK 0x1ull
#define NVME_CAP_CPS_SHIFT 46      /* Controller Power Scope */
#define NVME_CAP_CPS_MASK 0x3ull
#define NVME_CAP_MPSMIN_SHIFT 48   /* Memory Page Size Minimum, 2^(12+MPSMIN) */
#define NVME_CAP_MPSMIN_MASK 0xFull
#define NVME_CAP_MPSMAX_SHIFT 52   /* Memory Page Size Maximum, 2^(12+MPSMAX) */
#define NVME_CAP_MPSMAX_MASK 0xFull
#define NVME_CAP_PMRS_SHIFT 56     /* Persistent Memory Region Supported */
#define NVME_CAP_PMRS_MASK 0x1ull
#define NVME_CAP_CMBS_SHIFT 57     /* Controller Memory Buffer Supported */
#define NVME_CAP_CMBS_MASK 0x1ull
#define NVME_CAP_NSSS_SHIFT 58     /* NVM Subsystem Shutdown Supported */
#define NVME_CAP_NSSS_MASK 0x1ull
#define NVME_CAP_CRMS_SHIFT 59     /* Controller Ready Modes Supported (below) */
#define NVME_CAP_CRMS_MASK 0x3ull

#define NVME_CAP_AMS_WRRUPC (1u << 0) /* Weighted Round Robin with Urgent Priority Class */
#define NVME_CAP_AMS_VS (1u << 1)     /* Vendor Specific */
#define NVME_CAP_CSS_NVM (1u << 0)    /* NVM Command Set */
#define NVME_CAP_CSS_IOCSS (1u << 6)  /* one or more I/O Command Sets */
#define NVME_CAP_CSS_NOIOCSS (1u << 7) /* no I/O Command Set (Admin only) */
#define NVME_CAP_CRMS_CRWMS (1u << 0) /* Controller Ready With Media Support */
#define NVME_CAP_CRMS_CRIMS (1u << 1) /* Controller Ready Independent of Media Support */

/* [NVMe Base 2.0 §3.1.3.2] Offset 08h: VS - Version */
#define NVME_VS_TER_SHIFT 0 /* Tertiary Version Number */
#define NVME_VS_TER_MASK 0xFFu
#define NVME_VS_MNR_SHIFT 8 /* Minor Version Number */
#define NVME_VS_MNR_MASK 0xFFu
#define NVME_VS_MJR_SHIFT 16 /* Major Version Number */
#define NVME_VS_MJR_MASK 0xFFFFu
#define NVME_VS(mjr, mnr, ter) \
    (NVME_SET(VS_MJR, (uint32_t)(mjr)) | NVME_SET(VS_MNR, (uint32_t)(mnr)) | \
     NVME_SET(VS_TER, (uint32_t)(ter)))

/* [NVMe Base 2.0 §3.1.3.5] Offset 14h: CC - Controller Configuration */
#define NVME_CC_EN_SHIFT 0      /* Enable */
#define NVME_CC_EN_MASK 0x1u
#define NVME_CC_CSS_SHIFT 4     /* I/O Command Set Selected */
#define NVME_CC_CSS_MASK 0x7u
#define NVME_CC_MPS_SHIFT 7     /* Memory Page Size, 2^(12+MPS) */
#define NVME_CC_MPS_MASK 0xFu
#define NVME_CC_AMS_SHIFT 11    /* Arbitration Mechanism Selected */
#define NVME_CC_AMS_MASK 0x7u
#define NVME_CC_SHN_SHIFT 14    /* Shutdown Notification */
#define NVME_CC_SHN_MASK 0x3u
#define NVME_CC_IOSQES_SHIFT 16 /* I/O Submission Queue Entry Size, 2^n bytes */
#define NVME_CC_IOSQES_MASK 0xFu
#define NVME_CC_IOCQES_SHIFT 20 /* I/O Completion Queue Entry Size, 2^n bytes */
#define NVME_CC_IOCQES_MASK 0xFu
#define NVME_CC_CRIME_SHIFT 24  /* Controller Ready Independent of Media Enable */
#define NVME_CC_CRIME_MASK 0x1u

#define NVME_CC_CSS_NVM 0u      /* NVM Command Set */
#define NVME_CC_CSS_ALL 6u      /* All Supported I/O Command Sets */
#define NVME_CC_CSS_ADMIN 7u    /* Admin Command Set only */
#define NVME_CC_AMS_RR 0u       /* Round Robin */
#define NVME_CC_AMS_WRRUPC 1u   /* Weighted Round Robin with Urgent Priority Class */
#define NVME_CC_AMS_VS 7u       /* Vendor Specific */
#define NVME_CC_SHN_NONE 0u
#define NVME_CC_SHN_NORMAL 1u
#define NVME_CC_SHN_ABRUPT 2u
#define NVME_CC_IOSQES_64 6u    /* 64-byte SQE, the only size the NVM Command Set uses */
#define NVME_CC_IOCQES_16 4u    /* 16-byte CQE */

/* [NVMe Base 2.0 §3.1.3.6] Offset 1Ch: CSTS - Controller Status */
#define NVME_CSTS_RDY_SHIFT 0   /* Ready */
#define NVME_CSTS_RDY_MASK 0x1u
#define NVME_CSTS_CFS_SHIFT 1   /* Controller Fatal Status */
#define NVME_CSTS_CFS_MASK 0x1u
#define NVME_CSTS_SHST_SHIFT 2  /* Shutdown Status */
#define NVME_CSTS_SHST_MASK 0x3u
#define NVME_CSTS_NSSRO_SHIFT 4 /* NVM Subsystem Reset Occurred (RW1C) */
#define NVME_CSTS_NSSRO_MASK 0x1u
#define NVME_CSTS_PP_SHIFT 5    /* Processing Paused */
#define NVME_CSTS_PP_MASK 0x1u
#define NVME_CSTS_ST_SHIFT 6    /* Shutdown Type (0: controller, 1: NVM subsystem) */
#define NVME_CSTS_ST_MASK 0x1u

#define NVME_CSTS_SHST_NORMAL 0u    /* normal operation, no shutdown requested */
#define NVME_CSTS_SHST_OCCURRING 1u /* shutdown processing occurring */
#define NVME_CSTS_SHST_COMPLETE 2u  /* shutdown processing complete */
/* A read of all ones means the device is gone (surprise removal, dead link). */
#define NVME_CSTS_GONE 0xFFFFFFFFu

/* [NVMe Base 2.0 §3.1.3.7] Offset 20h: NSSR - writing this value resets the subsystem */
#define NVME_NSSR_NSSRC_RESET 0x4E564D65u /* "NVMe" */

/* [NVMe Base 2.0 §3.1.3.8] Offset 24h: AQA - Admin Queue Attributes (0's based sizes) */
#define NVME_AQA_ASQS_SHIFT 0  /* Admin Submission Queue Size */
#define NVME_AQA_ASQS_MASK 0xFFFu
#define NVME_AQA_ACQS_SHIFT 16 /* Admin Completion Queue Size */
#define NVME_AQA_ACQS_MASK 0xFFFu

/* [NVMe Base 2.0 §3.1.3.9, §3.1.3.10] Offsets 28h/30h: ASQ/ACQ base, bits 63:12 */
#define NVME_ASQ_ASQB_SHIFT 12
#define NVME_ASQ_ASQB_MASK 0xFFFFFFFFFFFFFull
#define NVME_ACQ_ACQB_SHIFT 12
#define NVME_ACQ_ACQB_MASK 0xFFFFFFFFFFFFFull

/* [NVMe Base 2.0 §3.1.3.11] Offset 38h: CMBLOC - Controller Memory Buffer Location */
#define NVME_CMBLOC_BIR_SHIFT 0     /* Base Indicator Register */
#define NVME_CMBLOC_BIR_MASK 0x7u
#define NVME_CMBLOC_CQMMS_SHIFT 3   /* CMB Queue Mixed Memory Support */
#define NVME_CMBLOC_CQMMS_MASK 0x1u
#define NVME_CMBLOC_CQPDS_SHIFT 4   /* CMB Queue Physically Discontiguous Support */
#define NVME_CMBLOC_CQPDS_MASK 0x1u
#define NVME_CMBLOC_CDPMLS_SHIFT 5  /* CMB Data Pointer Mixed Locations Support */
#define NVME_CMBLOC_CDPMLS_MASK 0x1u
#define NVME_CMBLOC_CDPCILS_SHIFT 6 /* CMB Data Pointer and Command Independent Locations */
#define NVME_CMBLOC_CDPCILS_MASK 0x1u
#define NVME_CMBLOC_CDMMMS_SHIFT 7  /* CMB Data Metadata Mixed Memory Support */
#define NVME_CMBLOC_CDMMMS_MASK 0x1u
#define NVME_CMBLOC_CQDA_SHIFT 8    /* CMB Queue Dword Alignment */
#define NVME_CMBLOC_CQDA_MASK 0x1u
#define NVME_CMBLOC_OFST_SHIFT 12   /* Offset, in CMBSZ.SZU units */
#define NVME_CMBLOC_OFST_MASK 0xFFFFFu

/* [NVMe Base 2.0 §3.1.3.12] Offset 3Ch: CMBSZ - Controller Memory Buffer Size */
#define NVME_CMBSZ_SQS_SHIFT 0   /* Submission Queue Support */
#define NVME_CMBSZ_SQS_MASK 0x1u
#define NVME_CMBSZ_CQS_SHIFT 1   /* Completion Queue Support */
#define NVME_CMBSZ_CQS_MASK 0x1u
#define NVME_CMBSZ_LISTS_SHIFT 2 /* PRP SGL List Support */
#define NVME_CMBSZ_LISTS_MASK 0x1u
#define NVME_CMBSZ_RDS_SHIFT 3   /* Read Data Support */
#define NVME_CMBSZ_RDS_MASK 0x1u
#define NVME_CMBSZ_WDS_SHIFT 4   /* Write Data Support */
#define NVME_CMBSZ_WDS_MASK 0x1u
#define NVME_CMBSZ_SZU_SHIFT 8   /* Size Units: 4 KiB << (4 * SZU) */
#define NVME_CMBSZ_SZU_MASK 0xFu
#define NVME_CMBSZ_SZ_SHIFT 12   /* Size, in SZU units */
#define NVME_CMBSZ_SZ_MASK 0xFFFFFu

/* [NVMe Base 2.0 §3.1.3.13] Offset 40h: BPINFO - Boot Partition Information */
#define NVME_BPINFO_BPSZ_SHIFT 0   /* Boot Partition Size, 128 KiB units */
#define NVME_BPINFO_BPSZ_MASK 0x7FFFu
#define NVME_BPINFO_BRS_SHIFT 24   /* Boot Read Status */
#define NVME_BPINFO_BRS_MASK 0x3u
#define NVME_BPINFO_ABPID_SHIFT 31 /* Active Boot Partition ID */
#define NVME_BPINFO_ABPID_MASK 0x1u

/* [NVMe Base 2.0 §3.1.3.21] Offset 68h: CRTO - Controller Ready Timeouts, 500 ms units */
#define NVME_CRTO_CRWMT_SHIFT 0  /* Controller Ready With Media Timeout */
#define NVME_CRTO_CRWMT_MASK 0xFFFFu
#define NVME_CRTO_CRIMT_SHIFT 16 /* Controller Ready Independent of Media Timeout */
#define NVME_CRTO_CRIMT_MASK 0xFFFFu

/* ------------------------------------------------------------------------ */
/* [NVMe Base 2.0 §3.3.3.1] Common Command Format: the Submission Queue Entry */
/* ------------------------------------------------------------------------ */

/* Data Pointer: two PRP entries, or one SGL descriptor (PSDT != 0). */
union nvme_dptr {
    struct {
        uint64_t prp1; /* PRP Entry 1: first data page, may carry a dword offset */
        uint64_t prp2; /* PRP Entry 2: second page or PRP List pointer; see nvme_prp.h */
    };
    uint8_t sgl1[16];  /* SGL Entry 1 (unused: this driver builds PRPs only) */
};

struct nvme_sqe {
    uint8_t opc;        /* CDW0 7:0   Opcode */
    uint8_t flags;      /* CDW0 15:8  FUSE (1:0) and PSDT (7:6), fields below */
    uint16_t cid;       /* CDW0 31:16 Command Identifier, set by the queue layer */
    uint32_t nsid;      /* CDW1       Namespace Identifier */
    uint32_t cdw2;      /* command specific */
    uint32_t cdw3;      /* command specific */
    uint64_t mptr;      /* CDW4-5     Metadata Pointer */
    union nvme_dptr dptr; /* CDW6-9   Data Pointer, set after the builder */
    uint32_t cdw10;
    uint32_t cdw11;
    uint32_t cdw12;
    uint32_t cdw13;
    uint32_t cdw14;
    uint32_t cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "SQE is 64 bytes (CC.IOSQES=6)");
_Static_assert(offsetof(struct nvme_sqe, cid) == 2, "CDW0 31:16");
_Static_assert(offsetof(struct nvme_sqe, nsid) == 4, "CDW1");
_Static_assert(offsetof(struct nvme_sqe, mptr) == 16, "CDW4");
_Static_assert(offsetof(struct nvme_sqe, dptr.prp1) == 24, "CDW6");
_Static_assert(offsetof(struct nvme_sqe, dptr.prp2) == 32, "CDW8");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "CDW10");
_Static_assert(offsetof(struct nvme_sqe, cdw15) == 60, "CDW15");

/* Fields of nvme_sqe.flags (CDW0 bits 15:8). */
#define NVME_SQE_FUSE_SHIFT 0 /* Fused Operation */
#define NVME_SQE_FUSE_MASK 0x3u
#define NVME_SQE_PSDT_SHIFT 6 /* PRP or SGL for Data Transfer */
#define NVME_SQE_PSDT_MASK 0x3u
#define NVME_SQE_FUSE_NONE 0u
#define NVME_SQE_FUSE_FIRST 1u
#define NVME_SQE_FUSE_SECOND 2u
#define NVME_SQE_PSDT_PRP 0u

#define NVME_NSID_NONE 0u          /* commands that take no namespace */
#define NVME_NSID_ALL 0xFFFFFFFFu  /* broadcast: all namespaces */

/* ------------------------------------------------------------------------ */
/* [NVMe Base 2.0 §3.3.3.2] Common Completion Queue Entry                    */
/* ------------------------------------------------------------------------ */
struct nvme_cqe {
    uint32_t dw0;    /* command specific result */
    uint32_t dw1;    /* command specific result */
    uint16_t sqhd;   /* DW2 15:0  SQ Head Pointer: entries the controller consumed */
    uint16_t sqid;   /* DW2 31:16 SQ Identifier the command came from */
    uint16_t cid;    /* DW3 15:0  Command Identifier */
    uint16_t status; /* DW3 31:16 Phase Tag (bit 0) and Status Field (15:1), below */
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQE is 16 bytes (CC.IOCQES=4)");
_Static_assert(offsetof(struct nvme_cqe, sqhd) == 8, "DW2");
_Static_assert(offsetof(struct nvme_cqe, cid) == 12, "DW3");
_Static_assert(offsetof(struct nvme_cqe, status) == 14, "DW3 31:16");

/*
 * [NVMe Base 2.0 §3.3.3.2.1] The 16-bit status half of DW3, as nvme_cqe.status.
 * STATUS_CODE is SCT and SC together (bits 11:1), the key the NVME_SC_*
 * values below use: (SCT << 8) | SC.
 */
#define NVME_STATUS_P_SHIFT 0    /* Phase Tag: flips on each pass through the CQ */
#define NVME_STATUS_P_MASK 0x1u
#define NVME_STATUS_SC_SHIFT 1   /* Status Code */
#define NVME_STATUS_SC_MASK 0xFFu
#define NVME_STATUS_SCT_SHIFT 9  /* Status Code Type */
#define NVME_STATUS_SCT_MASK 0x7u
#define NVME_STATUS_CRD_SHIFT 12 /* Command Retry Delay: index of Identify CRDT1..3 */
#define NVME_STATUS_CRD_MASK 0x3u
#define NVME_STATUS_M_SHIFT 14   /* More: details in the Error Information log */
#define NVME_STATUS_M_MASK 0x1u
#define NVME_STATUS_DNR_SHIFT 15 /* Do Not Retry */
#define NVME_STATUS_DNR_MASK 0x1u
#define NVME_STATUS_CODE_SHIFT 1 /* SCT:SC, 11 bits */
#define NVME_STATUS_CODE_MASK 0x7FFu

/* Status Code Type values */
#define NVME_SCT_GENERIC 0x0u          /* Generic Command Status */
#define NVME_SCT_COMMAND_SPECIFIC 0x1u /* Command Specific Status */
#define NVME_SCT_MEDIA 0x2u            /* Media and Data Integrity Errors */
#define NVME_SCT_PATH 0x3u             /* Path Related Status */
#define NVME_SCT_VENDOR 0x7u           /* Vendor Specific */

#define NVME_SCT_SC(sct, sc) ((uint16_t)(((sct) << 8) | (sc)))

/*
 * Status values, as NVME_SCT_SC(SCT, SC). SC 00h-7Fh of each type is the
 * Base spec's [NVMe Base 2.0 §3.3.3.2.1]; SC 80h-BFh is I/O Command Set
 * specific, and the values here are the NVM Command Set's [NVM CS 1.0] (its
 * "Status Code" figures), plus the Zoned Namespace values Linux maps
 * ([ZNS 1.1]). C0h-FFh is vendor specific.
 */
enum nvme_status_code {
    /* Generic Command Status (SCT 0) */
    NVME_SC_SUCCESS = 0x000,                /* Successful Completion */
    NVME_SC_INVALID_OPCODE = 0x001,         /* Invalid Command Opcode */
    NVME_SC_INVALID_FIELD = 0x002,          /* Invalid Field in Command */
    NVME_SC_CID_CONFLICT = 0x003,           /* Command ID Conflict */
    NVME_SC_DATA_TRANSFER_ERROR = 0x004,    /* Data Transfer Error */
    NVME_SC_POWER_LOSS_ABORT = 0x005,       /* Commands Aborted due to Power Loss Notification */
    NVME_SC_INTERNAL_ERROR = 0x006,         /* Internal Error */
    NVME_SC_ABORT_REQUESTED = 0x007,        /* Command Abort Requested */
    NVME_SC_ABORT_SQ_DELETED = 0x008,       /* Command Aborted due to SQ Deletion */
    NVME_SC_ABORT_FAILED_FUSED = 0x009,     /* Command Aborted due to Failed Fused Command */
    NVME_SC_ABORT_MISSING_FUSED = 0x00A,    /* Command Aborted due to Missing Fused Command */
    NVME_SC_INVALID_NS = 0x00B,             /* Invalid Namespace or Format */
    NVME_SC_CMD_SEQUENCE_ERROR = 0x00C,     /* Command Sequence Error */
    NVME_SC_SGL_INVALID_SEGMENT = 0x00D,    /* Invalid SGL Segment Descriptor */
    NVME_SC_SGL_INVALID_COUNT = 0x00E,      /* Invalid Number of SGL Descriptors */
    NVME_SC_SGL_INVALID_DATA_LEN = 0x00F,   /* Data SGL Length Invalid */
    NVME_SC_SGL_INVALID_MD_LEN = 0x010,     /* Metadata SGL Length Invalid */
    NVME_SC_SGL_INVALID_TYPE = 0x011,       /* SGL Descriptor Type Invalid */
    NVME_SC_CMB_INVALID_USE = 0x012,        /* Invalid Use of Controller Memory Buffer */
    NVME_SC_PRP_OFFSET_INVALID = 0x013,     /* PRP Offset Invalid */
    NVME_SC_ATOMIC_WU_EXCEEDED = 0x014,     /* Atomic Write Unit Exceeded */
    NVME_SC_OPERATION_DENIED = 0x015,       /* Operation Denied */
    NVME_SC_SGL_INVALID_OFFSET = 0x016,     /* SGL Offset Invalid */
    NVME_SC_HOSTID_INCONSISTENT = 0x018,    /* Host Identifier Inconsistent Format */
    NVME_SC_KA_EXPIRED = 0x019,             /* Keep Alive Timer Expired */
    NVME_SC_KA_INVALID = 0x01A,             /* Keep Alive Timeout Invalid */
    NVME_SC_PREEMPT_ABORT = 0x01B,          /* Command Aborted due to Preempt and Abort */
    NVME_SC_SANITIZE_FAILED = 0x01C,        /* Sanitize Failed */
    NVME_SC_SANITIZE_IN_PROGRESS = 0x01D,   /* Sanitize In Progress */
    NVME_SC_SGL_INVALID_GRANULARITY = 0x01E, /* SGL Data Block Granularity Invalid */
    NVME_SC_CMD_NOT_SUP_CMB_QUEUE = 0x01F,  /* Command Not Supported for Queue in CMB */
    NVME_SC_NS_WRITE_PROTECTED = 0x020,     /* Namespace is Write Protected */
    NVME_SC_CMD_INTERRUPTED = 0x021,        /* Command Interrupted */
    NVME_SC_TRANSIENT_TRANSPORT = 0x022,    /* Transient Transport Error */
    NVME_SC_PROHIBITED_BY_LOCKDOWN = 0x023, /* Command Prohibited by Command and Feature Lockdown */
    NVME_SC_ADMIN_MEDIA_NOT_READY = 0x024,  /* Admin Command Media Not Ready */
    /* Generic, NVM Command Set specific (SCT 0, SC 80h-) */
    NVME_SC_LBA_RANGE = 0x080,              /* LBA Out of Range */
    NVME_SC_CAP_EXCEEDED = 0x081,           /* Capacity Exceeded */
    NVME_SC_NS_NOT_READY = 0x082,           /* Namespace Not Ready */
    NVME_SC_RESERVATION_CONFLICT = 0x083,   /* Reservation Conflict */
    NVME_SC_FORMAT_IN_PROGRESS = 0x084,     /* Format In Progress */

    /* Command Specific Status (SCT 1) */
    NVME_SC_CQ_INVALID = 0x100,             /* Completion Queue Invalid */
    NVME_SC_QID_INVALID = 0x101,            /* Invalid Queue Identifier */
    NVME_SC_QUEUE_SIZE_INVALID = 0x102,     /* Invalid Queue Size */
    NVME_SC_ABORT_LIMIT = 0x103,            /* Abort Command Limit Exceeded */
    NVME_SC_AER_LIMIT = 0x105,              /* Asynchronous Event Request Limit Exceeded */
    NVME_SC_FW_SLOT_INVALID = 0x106,        /* Invalid Firmware Slot */
    NVME_SC_FW_IMAGE_INVALID = 0x107,       /* Invalid Firmware Image */
    NVME_SC_IV_INVALID = 0x108,             /* Invalid Interrupt Vector */
    NVME_SC_LOG_PAGE_INVALID = 0x109,       /* Invalid Log Page */
    NVME_SC_FORMAT_INVALID = 0x10A,         /* Invalid Format */
    NVME_SC_FW_NEEDS_CONV_RESET = 0x10B,    /* Firmware Activation Requires Conventional Reset */
    NVME_SC_QUEUE_DELETION_INVALID = 0x10C, /* Invalid Queue Deletion */
    NVME_SC_FID_NOT_SAVEABLE = 0x10D,       /* Feature Identifier Not Saveable */
    NVME_SC_FEATURE_NOT_CHANGEABLE = 0x10E, /* Feature Not Changeable */
    NVME_SC_FEATURE_NOT_NS_SPECIFIC = 0x10F, /* Feature Not Namespace Specific */
    NVME_SC_FW_NEEDS_SUBSYS_RESET = 0x110,  /* Firmware Activation Requires NVM Subsystem Reset */
    NVME_SC_FW_NEEDS_CTRL_RESET = 0x111,  /* Firmware Activation Requires Controller Level Reset */
    NVME_SC_FW_NEEDS_MAX_TIME = 0x112,    /* Firmware Activation Requires Maximum Time Violation */
    NVME_SC_FW_ACTIVATION_PROHIBITED = 0x113, /* Firmware Activation Prohibited */
    NVME_SC_OVERLAPPING_RANGE = 0x114,      /* Overlapping Range */
    NVME_SC_NS_INSUFFICIENT_CAP = 0x115,    /* Namespace Insufficient Capacity */
    NVME_SC_NSID_UNAVAILABLE = 0x116,       /* Namespace Identifier Unavailable */
    NVME_SC_NS_ALREADY_ATTACHED = 0x118,    /* Namespace Already Attached */
    NVME_SC_NS_IS_PRIVATE = 0x119,          /* Namespace Is Private */
    NVME_SC_NS_NOT_ATTACHED = 0x11A,        /* Namespace Not Attached */
    NVME_SC_THIN_PROV_NOT_SUPP = 0x11B,     /* Thin Provisioning Not Supported */
    NVME_SC_CTRL_LIST_INVALID = 0x11C,      /* Controller List Invalid */
    NVME_SC_SELF_TEST_IN_PROGRESS = 0x11D,  /* Device Self-test In Progress */
    NVME_SC_BP_WRITE_PROHIBITED = 0x11E,    /* Boot Partition Write Prohibited */
    NVME_SC_CTRL_ID_INVALID = 0x11F,        /* Invalid Controller Identifier */
    NVME_SC_SEC_CTRL_STATE_INVALID = 0x120, /* Invalid Secondary Controller State */
    NVME_SC_CTRL_RES_NUM_INVALID = 0x121,   /* Invalid Number of Controller Resources */
    NVME_SC_RES_ID_INVALID = 0x122,         /* Invalid Resource Identifier */
    NVME_SC_PMR_SANITIZE_PROHIBITED = 0x123, /* Sanitize Prohibited While PMR is Enabled */
    NVME_SC_ANA_GROUP_ID_INVALID = 0x124,   /* ANA Group Identifier Invalid */
    NVME_SC_ANA_ATTACH_FAILED = 0x125,      /* ANA Attach Failed */
    NVME_SC_INSUFFICIENT_CAPACITY = 0x126,  /* Insufficient Capacity */
    NVME_SC_NS_ATTACH_LIMIT = 0x127,        /* Namespace Attachment Limit Exceeded */
    NVME_SC_PROHIBIT_CMD_EXEC_NOT_SUPP = 0x128, /* Prohibition of Command Execution Not Supported */
    NVME_SC_IOCS_NOT_SUPPORTED = 0x129,     /* I/O Command Set Not Supported */
    NVME_SC_IOCS_NOT_ENABLED = 0x12A,       /* I/O Command Set Not Enabled */
    NVME_SC_IOCS_COMBINATION_REJECTED = 0x12B, /* I/O Command Set Combination Rejected */
    NVME_SC_IOCS_INVALID = 0x12C,           /* Invalid I/O Command Set */
    NVME_SC_ID_UNAVAILABLE = 0x12D,         /* Identifier Unavailable */
    /* Command Specific, NVM Command Set (SCT 1, SC 80h-) */
    NVME_SC_BAD_ATTRIBUTES = 0x180,         /* Conflicting Attributes */
    NVME_SC_INVALID_PI = 0x181,             /* Invalid Protection Information */
    NVME_SC_READ_ONLY = 0x182,              /* Attempted Write to Read Only Range */
    NVME_SC_CMD_SIZE_LIMIT = 0x183,         /* Command Size Limit Exceeded */
    /* Command Specific, Zoned Namespace Command Set (SCT 1, SC B8h-BFh) [ZNS 1.1] */
    NVME_SC_ZONE_BOUNDARY_ERROR = 0x1B8,    /* Zoned Boundary Error */
    NVME_SC_ZONE_FULL = 0x1B9,              /* Zone Is Full */
    NVME_SC_ZONE_READ_ONLY = 0x1BA,         /* Zone Is Read Only */
    NVME_SC_ZONE_OFFLINE = 0x1BB,           /* Zone Is Offline */
    NVME_SC_ZONE_INVALID_WRITE = 0x1BC,     /* Zone Invalid Write */
    NVME_SC_ZONE_TOO_MANY_ACTIVE = 0x1BD,   /* Too Many Active Zones */
    NVME_SC_ZONE_TOO_MANY_OPEN = 0x1BE,     /* Too Many Open Zones */
    NVME_SC_ZONE_INVALID_TRANSITION = 0x1BF, /* Invalid Zone State Transition */

    /* Media and Data Integrity Errors (SCT 2), NVM Command Set */
    NVME_SC_WRITE_FAULT = 0x280,            /* Write Fault */
    NVME_SC_READ_ERROR = 0x281,             /* Unrecovered Read Error */
    NVME_SC_GUARD_CHECK = 0x282,            /* End-to-end Guard Check Error */
    NVME_SC_APPTAG_CHECK = 0x283,           /* End-to-end Application Tag Check Error */
    NVME_SC_REFTAG_CHECK = 0x284,           /* End-to-end Reference Tag Check Error */
    NVME_SC_COMPARE_FAILED = 0x285,         /* Compare Failure */
    NVME_SC_ACCESS_DENIED = 0x286,          /* Access Denied */
    NVME_SC_UNWRITTEN_BLOCK = 0x287,        /* Deallocated or Unwritten Logical Block */
    NVME_SC_STORAGE_TAG_CHECK = 0x288,      /* End-to-End Storage Tag Check Error */

    /* Path Related Status (SCT 3) */
    NVME_SC_INTERNAL_PATH_ERROR = 0x300,    /* Internal Path Error */
    NVME_SC_ANA_PERSISTENT_LOSS = 0x301,    /* Asymmetric Access Persistent Loss */
    NVME_SC_ANA_INACCESSIBLE = 0x302,       /* Asymmetric Access Inaccessible */
    NVME_SC_ANA_TRANSITION = 0x303,         /* Asymmetric Access Transition */
    NVME_SC_CTRL_PATH_ERROR = 0x360,        /* Controller Pathing Error */
    NVME_SC_HOST_PATH_ERROR = 0x370,        /* Host Pathing Error */
    NVME_SC_HOST_ABORTED_CMD = 0x371,       /* Command Aborted By Host */
};

/* ------------------------------------------------------------------------ */
/* Opcodes                                                                  */
/* ------------------------------------------------------------------------ */

/* [NVMe Base 2.0 §5] Admin Command Set opcodes ("Opcodes for Admin Commands") */
enum nvme_admin_opc {
    NVME_ADMIN_DELETE_SQ = 0x00,        /* §5.7 Delete I/O Submission Queue */
    NVME_ADMIN_CREATE_SQ = 0x01,        /* §5.5 Create I/O Submission Queue */
    NVME_ADMIN_GET_LOG_PAGE = 0x02,     /* §5.16 */
    NVME_ADMIN_DELETE_CQ = 0x04,        /* §5.6 Delete I/O Completion Queue */
    NVME_ADMIN_CREATE_CQ = 0x05,        /* §5.4 Create I/O Completion Queue */
    NVME_ADMIN_IDENTIFY = 0x06,         /* §5.17 */
    NVME_ADMIN_ABORT = 0x08,            /* §5.1 */
    NVME_ADMIN_SET_FEATURES = 0x09,     /* §5.27 */
    NVME_ADMIN_GET_FEATURES = 0x0A,     /* §5.15 */
    NVME_ADMIN_ASYNC_EVENT = 0x0C,      /* §5.2 Asynchronous Event Request */
    NVME_ADMIN_NS_MGMT = 0x0D,          /* Namespace Management */
    NVME_ADMIN_FW_COMMIT = 0x10,        /* Firmware Commit */
    NVME_ADMIN_FW_DOWNLOAD = 0x11,      /* Firmware Image Download */
    NVME_ADMIN_SELF_TEST = 0x14,        /* Device Self-test */
    NVME_ADMIN_NS_ATTACH = 0x15,        /* Namespace Attachment */
    NVME_ADMIN_KEEP_ALIVE = 0x18,       /* Keep Alive */
    NVME_ADMIN_DIRECTIVE_SEND = 0x19,   /* Directive Send */
    NVME_ADMIN_DIRECTIVE_RECV = 0x1A,   /* Directive Receive */
    NVME_ADMIN_VIRT_MGMT = 0x1C,        /* Virtualization Management */
    NVME_ADMIN_MI_SEND = 0x1D,          /* NVMe-MI Send */
    NVME_ADMIN_MI_RECV = 0x1E,          /* NVMe-MI Receive */
    NVME_ADMIN_CAPACITY_MGMT = 0x20,    /* Capacity Management */
    NVME_ADMIN_LOCKDOWN = 0x24,         /* Lockdown */
    NVME_ADMIN_DBBUF_CONFIG = 0x7C,     /* Doorbell Buffer Config */
    NVME_ADMIN_FABRICS = 0x7F,          /* Fabrics Commands */
    NVME_ADMIN_FORMAT_NVM = 0x80,       /* Format NVM */
    NVME_ADMIN_SECURITY_SEND = 0x81,    /* Security Send */
    NVME_ADMIN_SECURITY_RECV = 0x82,    /* Security Receive */
    NVME_ADMIN_SANITIZE = 0x84,         /* Sanitize */
    NVME_ADMIN_GET_LBA_STATUS = 0x86,   /* Get LBA Status (NVM Command Set) */
};

/* [NVM CS 1.0 §3] Opcodes for the NVM Command Set; Flush is [NVMe Base 2.0 §7.1] */
enum nvme_io_opc {
    NVME_IO_FLUSH = 0x00,
    NVME_IO_WRITE = 0x01,               /* [NVM CS 1.0 §3.2.6] */
    NVME_IO_READ = 0x02,                /* [NVM CS 1.0 §3.2.4] */
    NVME_IO_WRITE_UNCORRECTABLE = 0x04, /* [NVM CS 1.0 §3.2.7] */
    NVME_IO_COMPARE = 0x05,             /* [NVM CS 1.0 §3.2.1] */
    NVME_IO_WRITE_ZEROES = 0x08,        /* [NVM CS 1.0 §3.2.8] */
    NVME_IO_DSM = 0x09,                 /* [NVM CS 1.0 §3.2.3] Dataset Management */
    NVME_IO_VERIFY = 0x0C,              /* [NVM CS 1.0 §3.2.5] */
    NVME_IO_RESV_REGISTER = 0x0D,       /* Reservation Register [NVMe Base 2.0 §7] */
    NVME_IO_RESV_REPORT = 0x0E,         /* Reservation Report */
    NVME_IO_RESV_ACQUIRE = 0x11,        /* Reservation Acquire */
    NVME_IO_RESV_RELEASE = 0x15,        /* Reservation Release */
    NVME_IO_COPY = 0x19,                /* [NVM CS 1.0 §3.2.2] */
};

/* ------------------------------------------------------------------------ */
/* Admin command dwords                                                     */
/* ------------------------------------------------------------------------ */

/* [NVMe Base 2.0 §5.4] Create I/O Completion Queue; PRP1 is the queue base */
#define NVME_CREATE_CQ_CDW10_QID_SHIFT 0    /* Queue Identifier */
#define NVME_CREATE_CQ_CDW10_QID_MASK 0xFFFFu
#define NVME_CREATE_CQ_CDW10_QSIZE_SHIFT 16 /* Queue Size, 0's based */
#define NVME_CREATE_CQ_CDW10_QSIZE_MASK 0xFFFFu
#define NVME_CREATE_CQ_CDW11_PC_SHIFT 0     /* Physically Contiguous */
#define NVME_CREATE_CQ_CDW11_PC_MASK 0x1u
#define NVME_CREATE_CQ_CDW11_IEN_SHIFT 1    /* Interrupts Enabled */
#define NVME_CREATE_CQ_CDW11_IEN_MASK 0x1u
#define NVME_CREATE_CQ_CDW11_IV_SHIFT 16    /* Interrupt Vector (MSI-X table index) */
#define NVME_CREATE_CQ_CDW11_IV_MASK 0xFFFFu

/* [NVMe Base 2.0 §5.5] Create I/O Submission Queue; PRP1 is the queue base */
#define NVME_CREATE_SQ_CDW10_QID_SHIFT 0
#define NVME_CREATE_SQ_CDW10_QID_MASK 0xFFFFu
#define NVME_CREATE_SQ_CDW10_QSIZE_SHIFT 16 /* Queue Size, 0's based */
#define NVME_CREATE_SQ_CDW10_QSIZE_MASK 0xFFFFu
#define NVME_CREATE_SQ_CDW11_PC_SHIFT 0     /* Physically Contiguous */
#define NVME_CREATE_SQ_CDW11_PC_MASK 0x1u
#define NVME_CREATE_SQ_CDW11_QPRIO_SHIFT 1  /* Queue Priority (WRR arbitration only) */
#define NVME_CREATE_SQ_CDW11_QPRIO_MASK 0x3u
#define NVME_CREATE_SQ_CDW11_CQID_SHIFT 16  /* Completion Queue Identifier */
#define NVME_CREATE_SQ_CDW11_CQID_MASK 0xFFFFu
#define NVME_CREATE_SQ_CDW12_NVMSETID_SHIFT 0 /* NVM Set Identifier */
#define NVME_CREATE_SQ_CDW12_NVMSETID_MASK 0xFFFFu
#define NVME_QPRIO_URGENT 0u
#define NVME_QPRIO_HIGH 1u
#define NVME_QPRIO_MEDIUM 2u
#define NVME_QPRIO_LOW 3u

/* [NVMe Base 2.0 §5.6, §5.7] Delete I/O Completion / Submission Queue */
#define NVME_DELETE_Q_CDW10_QID_SHIFT 0
#define NVME_DELETE_Q_CDW10_QID_MASK 0xFFFFu

/* [NVMe Base 2.0 §5.1] Abort */
#define NVME_ABORT_CDW10_SQID_SHIFT 0 /* Submission Queue Identifier */
#define NVME_ABORT_CDW10_SQID_MASK 0xFFFFu
#define NVME_ABORT_CDW10_CID_SHIFT 16 /* Command Identifier to abort */
#define NVME_ABORT_CDW10_CID_MASK 0xFFFFu
/* Completion DW0 bit 0 set: the command was NOT aborted (QEMU always says so). */
#define NVME_ABORT_DW0_NOT_ABORTED 0x1u

/* [NVMe Base 2.0 §5.2] Asynchronous Event Request: completion DW0 */
#define NVME_AER_DW0_TYPE_SHIFT 0  /* Asynchronous Event Type */
#define NVME_AER_DW0_TYPE_MASK 0x7u
#define NVME_AER_DW0_INFO_SHIFT 8  /* Asynchronous Event Information */
#define NVME_AER_DW0_INFO_MASK 0xFFu
#define NVME_AER_DW0_LID_SHIFT 16  /* Log Page Identifier to read (RAE=0 re-arms) */
#define NVME_AER_DW0_LID_MASK 0xFFu
#define NVME_AER_TYPE_ERROR 0u
#define NVME_AER_TYPE_SMART 1u
#define NVME_AER_TYPE_NOTICE 2u
#define NVME_AER_TYPE_IMMEDIATE 3u
#define NVME_AER_TYPE_IO_CMD_SET 6u
#define NVME_AER_TYPE_VENDOR 7u

/* [NVMe Base 2.0 §5.17] Identify */
#define NVME_IDENTIFY_CDW10_CNS_SHIFT 0    /* Controller or Namespace Structure */
#define NVME_IDENTIFY_CDW10_CNS_MASK 0xFFu
#define NVME_IDENTIFY_CDW10_CNTID_SHIFT 16 /* Controller Identifier */
#define NVME_IDENTIFY_CDW10_CNTID_MASK 0xFFFFu
#define NVME_IDENTIFY_CDW11_CNSSID_SHIFT 0 /* CNS Specific Identifier */
#define NVME_IDENTIFY_CDW11_CNSSID_MASK 0xFFFFu
#define NVME_IDENTIFY_CDW11_CSI_SHIFT 24   /* Command Set Identifier */
#define NVME_IDENTIFY_CDW11_CSI_MASK 0xFFu
#define NVME_IDENTIFY_DATA_SIZE 4096u      /* every CNS returns one 4 KiB structure */

/* [NVMe Base 2.0 §5.17, Figure 273] CNS values */
enum nvme_cns {
    NVME_CNS_NS = 0x00,                 /* Identify Namespace (NVM CS layout), for NSID */
    NVME_CNS_CTRL = 0x01,               /* Identify Controller */
    NVME_CNS_NS_ACTIVE_LIST = 0x02,     /* active NSIDs above NSID, up to 1024 */
    NVME_CNS_NS_DESC_LIST = 0x03,       /* Namespace Identification Descriptor list */
    NVME_CNS_NVMSET_LIST = 0x04,        /* NVM Set List */
    NVME_CNS_CS_NS = 0x05,              /* I/O Command Set specific Identify Namespace */
    NVME_CNS_CS_CTRL = 0x06,            /* I/O Command Set specific Identify Controller */
    NVME_CNS_CS_NS_ACTIVE_LIST = 0x07,  /* active NSIDs of one I/O Command Set */
    NVME_CNS_NS_CSI_INDEPENDENT = 0x08, /* I/O Command Set Independent Identify Namespace */
    NVME_CNS_NS_ALLOC_LIST = 0x10,      /* Allocated Namespace ID list */
    NVME_CNS_NS_ALLOC = 0x11,           /* Identify Namespace, allocated NSID */
    NVME_CNS_NS_CTRL_LIST = 0x12,       /* controllers attached to NSID */
    NVME_CNS_CTRL_LIST = 0x13,          /* controllers in the subsystem */
    NVME_CNS_PRIMARY_CTRL_CAP = 0x14,   /* Primary Controller Capabilities */
    NVME_CNS_SECONDARY_CTRL_LIST = 0x15, /* Secondary Controller list */
    NVME_CNS_NS_GRANULARITY = 0x16,     /* Namespace Granularity List */
    NVME_CNS_UUID_LIST = 0x17,          /* UUID List */
    NVME_CNS_DOMAIN_LIST = 0x18,        /* Domain List */
    NVME_CNS_ENDGRP_LIST = 0x19,        /* Endurance Group List */
    NVME_CNS_CS_NS_ALLOC_LIST = 0x1A,   /* allocated NSIDs of one I/O Command Set */
    NVME_CNS_CS_NS_ALLOC = 0x1B,        /* I/O Command Set specific, allocated NSID */
    NVME_CNS_IOCS = 0x1C,               /* Identify I/O Command Set data structure */
};

/* Command Set Identifiers (CSI) */
#define NVME_CSI_NVM 0x00u
#define NVME_CSI_KV 0x01u
#define NVME_CSI_ZNS 0x02u

/* [NVMe Base 2.0 §5.16] Get Log Page */
#define NVME_GET_LOG_CDW10_LID_SHIFT 0    /* Log Page Identifier */
#define NVME_GET_LOG_CDW10_LID_MASK 0xFFu
#define NVME_GET_LOG_CDW10_LSP_SHIFT 8    /* Log Specific Field */
#define NVME_GET_LOG_CDW10_LSP_MASK 0x7Fu
#define NVME_GET_LOG_CDW10_RAE_SHIFT 15   /* Retain Asynchronous Event */
#define NVME_GET_LOG_CDW10_RAE_MASK 0x1u
#define NVME_GET_LOG_CDW10_NUMDL_SHIFT 16 /* Number of Dwords, lower 16 bits, 0's based */
#define NVME_GET_LOG_CDW10_NUMDL_MASK 0xFFFFu
#define NVME_GET_LOG_CDW11_NUMDU_SHIFT 0  /* Number of Dwords, upper 16 bits */
#define NVME_GET_LOG_CDW11_NUMDU_MASK 0xFFFFu
#define NVME_GET_LOG_CDW11_LSI_SHIFT 16   /* Log Specific Identifier */
#define NVME_GET_LOG_CDW11_LSI_MASK 0xFFFFu
/* CDW12 is LPOL and CDW13 is LPOU: Log Page Offset in bytes, lower/upper dword */
#define NVME_GET_LOG_CDW14_UUIDX_SHIFT 0  /* UUID Index */
#define NVME_GET_LOG_CDW14_UUIDX_MASK 0x7Fu
#define NVME_GET_LOG_CDW14_OT_SHIFT 23    /* Offset Type: 1 = LPO is an entry index */
#define NVME_GET_LOG_CDW14_OT_MASK 0x1u
#define NVME_GET_LOG_CDW14_CSI_SHIFT 24   /* Command Set Identifier */
#define NVME_GET_LOG_CDW14_CSI_MASK 0xFFu

/* [NVMe Base 2.0 §5.16.1] Log Page Identifiers */
enum nvme_log_page {
    NVME_LOG_SUPPORTED = 0x00,          /* Supported Log Pages */
    NVME_LOG_ERROR = 0x01,              /* Error Information */
    NVME_LOG_SMART = 0x02,              /* SMART / Health Information */
    NVME_LOG_FW_SLOT = 0x03,            /* Firmware Slot Information */
    NVME_LOG_CHANGED_NS = 0x04,         /* Changed Namespace List */
    NVME_LOG_CMD_EFFECTS = 0x05,        /* Commands Supported and Effects */
    NVME_LOG_SELF_TEST = 0x06,          /* Device Self-test */
    NVME_LOG_TELEMETRY_HOST = 0x07,     /* Telemetry Host-Initiated */
    NVME_LOG_TELEMETRY_CTRL = 0x08,     /* Telemetry Controller-Initiated */
    NVME_LOG_ENDGRP = 0x09,             /* Endurance Group Information */
    NVME_LOG_ANA = 0x0C,                /* Asymmetric Namespace Access */
    NVME_LOG_PERSISTENT_EVENT = 0x0D,   /* Persistent Event Log */
    NVME_LOG_RESV_NOTIFICATION = 0x80,  /* Reservation Notification */
    NVME_LOG_SANITIZE = 0x81,           /* Sanitize Status */
};

/* [NVMe Base 2.0 §5.15] Get Features, [NVMe Base 2.0 §5.27] Set Features */
#define NVME_FEAT_CDW10_FID_SHIFT 0  /* Feature Identifier */
#define NVME_FEAT_CDW10_FID_MASK 0xFFu
#define NVME_FEAT_CDW10_SEL_SHIFT 8  /* Get Features: Select */
#define NVME_FEAT_CDW10_SEL_MASK 0x7u
#define NVME_FEAT_CDW10_SV_SHIFT 31  /* Set Features: Save */
#define NVME_FEAT_CDW10_SV_MASK 0x1u
#define NVME_FEAT_SEL_CURRENT 0u
#define NVME_FEAT_SEL_DEFAULT 1u
#define NVME_FEAT_SEL_SAVED 2u
#define NVME_FEAT_SEL_SUPPORTED 3u   /* capabilities: saveable, NS specific, changeable */

/* [NVMe Base 2.0 §5.27.1] Feature Identifiers */
enum nvme_feature {
    NVME_FEAT_ARBITRATION = 0x01,
    NVME_FEAT_POWER_MGMT = 0x02,        /* Power Management */
    NVME_FEAT_LBA_RANGE = 0x03,         /* LBA Range Type (NVM Command Set) */
    NVME_FEAT_TEMP_THRESH = 0x04,       /* Temperature Threshold */
    NVME_FEAT_ERR_RECOVERY = 0x05,      /* Error Recovery */
    NVME_FEAT_VOLATILE_WC = 0x06,       /* Volatile Write Cache */
    NVME_FEAT_NUM_QUEUES = 0x07,        /* Number of Queues */
    NVME_FEAT_IRQ_COALESCE = 0x08,      /* Interrupt Coalescing */
    NVME_FEAT_IRQ_CONFIG = 0x09,        /* Interrupt Vector Configuration */
    NVME_FEAT_WRITE_ATOMIC = 0x0A,      /* Write Atomicity Normal */
    NVME_FEAT_ASYNC_EVENT = 0x0B,       /* Asynchronous Event Configuration */
    NVME_FEAT_AUTO_PST = 0x0C,          /* Autonomous Power State Transition */
    NVME_FEAT_HOST_MEM_BUF = 0x0D,      /* Host Memory Buffer */
    NVME_FEAT_TIMESTAMP = 0x0E,
    NVME_FEAT_KATO = 0x0F,              /* Keep Alive Timer */
    NVME_FEAT_HCTM = 0x10,              /* Host Controlled Thermal Management */
    NVME_FEAT_NOPSC = 0x11,             /* Non-Operational Power State Config */
    NVME_FEAT_RRL = 0x12,               /* Read Recovery Level Config */
    NVME_FEAT_PLM_CONFIG = 0x13,        /* Predictable Latency Mode Config */
    NVME_FEAT_PLM_WINDOW = 0x14,        /* Predictable Latency Mode Window */
    NVME_FEAT_HOST_BEHAVIOR = 0x16,     /* Host Behavior Support */
    NVME_FEAT_SANITIZE = 0x17,          /* Sanitize Config */
    NVME_FEAT_ENDGRP_EVENT = 0x18,      /* Endurance Group Event Configuration */
    NVME_FEAT_IOCS_PROFILE = 0x19,      /* I/O Command Set Profile */
    NVME_FEAT_SPINUP_CONTROL = 0x1A,    /* Spinup Control */
    NVME_FEAT_SW_PROGRESS = 0x80,       /* Software Progress Marker */
    NVME_FEAT_HOST_ID = 0x81,           /* Host Identifier */
    NVME_FEAT_RESV_MASK = 0x82,         /* Reservation Notification Mask */
    NVME_FEAT_RESV_PERSIST = 0x83,      /* Reservation Persistence */
    NVME_FEAT_WRITE_PROTECT = 0x84,     /* Namespace Write Protection Config */
};

/*
 * [NVMe Base 2.0 §5.27.1.5] Number of Queues: CDW11 of Set Features asks for
 * NSQR/NCQR I/O queues, completion DW0 grants NSQA/NCQA; all four are 0's
 * based (0 means one queue) and 65535 is invalid.
 */
#define NVME_FEAT_NUMQ_NSQ_SHIFT 0  /* NSQR (CDW11) / NSQA (DW0) */
#define NVME_FEAT_NUMQ_NSQ_MASK 0xFFFFu
#define NVME_FEAT_NUMQ_NCQ_SHIFT 16 /* NCQR (CDW11) / NCQA (DW0) */
#define NVME_FEAT_NUMQ_NCQ_MASK 0xFFFFu

/* Volatile Write Cache (06h), CDW11 */
#define NVME_FEAT_VWC_WCE_SHIFT 0   /* Volatile Write Cache Enable */
#define NVME_FEAT_VWC_WCE_MASK 0x1u
/* Arbitration (01h), CDW11 */
#define NVME_FEAT_ARB_AB_SHIFT 0    /* Arbitration Burst, log2; 7 = no limit */
#define NVME_FEAT_ARB_AB_MASK 0x7u
#define NVME_FEAT_ARB_LPW_SHIFT 8   /* Low Priority Weight, 0's based */
#define NVME_FEAT_ARB_LPW_MASK 0xFFu
#define NVME_FEAT_ARB_MPW_SHIFT 16  /* Medium Priority Weight */
#define NVME_FEAT_ARB_MPW_MASK 0xFFu
#define NVME_FEAT_ARB_HPW_SHIFT 24  /* High Priority Weight */
#define NVME_FEAT_ARB_HPW_MASK 0xFFu
/* Power Management (02h), CDW11 */
#define NVME_FEAT_PM_PS_SHIFT 0     /* Power State */
#define NVME_FEAT_PM_PS_MASK 0x1Fu
#define NVME_FEAT_PM_WH_SHIFT 5     /* Workload Hint */
#define NVME_FEAT_PM_WH_MASK 0x7u
/* Temperature Threshold (04h), CDW11 */
#define NVME_FEAT_TT_TMPTH_SHIFT 0  /* Temperature Threshold, kelvin */
#define NVME_FEAT_TT_TMPTH_MASK 0xFFFFu
#define NVME_FEAT_TT_TMPSEL_SHIFT 16 /* Threshold Temperature Select (0 = composite) */
#define NVME_FEAT_TT_TMPSEL_MASK 0xFu
#define NVME_FEAT_TT_THSEL_SHIFT 20 /* Threshold Type Select: 0 over, 1 under */
#define NVME_FEAT_TT_THSEL_MASK 0x3u
/* Error Recovery (05h), CDW11 */
#define NVME_FEAT_ER_TLER_SHIFT 0   /* Time Limited Error Recovery, 100 ms units */
#define NVME_FEAT_ER_TLER_MASK 0xFFFFu
#define NVME_FEAT_ER_DULBE_SHIFT 16 /* Deallocated or Unwritten Logical Block Error Enable */
#define NVME_FEAT_ER_DULBE_MASK 0x1u
/* Interrupt Coalescing (08h), CDW11 */
#define NVME_FEAT_IRQC_THR_SHIFT 0  /* Aggregation Threshold, 0's based */
#define NVME_FEAT_IRQC_THR_MASK 0xFFu
#define NVME_FEAT_IRQC_TIME_SHIFT 8 /* Aggregation Time, 100 us units */
#define NVME_FEAT_IRQC_TIME_MASK 0xFFu
/* Interrupt Vector Configuration (09h), CDW11 */
#define NVME_FEAT_IVC_IV_SHIFT 0    /* Interrupt Vector */
#define NVME_FEAT_IVC_IV_MASK 0xFFFFu
#define NVME_FEAT_IVC_CD_SHIFT 16   /* Coalescing Disable */
#define NVME_FEAT_IVC_CD_MASK 0x1u
/* Write Atomicity Normal (0Ah), CDW11 */
#define NVME_FEAT_WA_DN_SHIFT 0     /* Disable Normal */
#define NVME_FEAT_WA_DN_MASK 0x1u
/* Asynchronous Event Configuration (0Bh), CDW11 */
#define NVME_FEAT_AEC_SMART_SHIFT 0 /* SMART / Health Critical Warnings to report */
#define NVME_FEAT_AEC_SMART_MASK 0xFFu
#define NVME_FEAT_AEC_NAN_SHIFT 8   /* Namespace Attribute Notices */
#define NVME_FEAT_AEC_NAN_MASK 0x1u
#define NVME_FEAT_AEC_FAN_SHIFT 9   /* Firmware Activation Notices */
#define NVME_FEAT_AEC_FAN_MASK 0x1u
#define NVME_FEAT_AEC_TLN_SHIFT 10  /* Telemetry Log Notices */
#define NVME_FEAT_AEC_TLN_MASK 0x1u
#define NVME_FEAT_AEC_ANACN_SHIFT 11 /* ANA Change Notices */
#define NVME_FEAT_AEC_ANACN_MASK 0x1u
/* Host Behavior Support (16h): 512-byte data structure; byte 0 bit 0 is ACRE
 * (Advanced Command Retry Enable), which makes the controller use CQE.CRD. */
#define NVME_HOST_BEHAVIOR_ACRE 0x01u

/* ------------------------------------------------------------------------ */
/* NVM Command Set I/O command dwords                                       */
/* ------------------------------------------------------------------------ */

/*
 * [NVM CS 1.0 §3.2.4, §3.2.6] Read / Write (also Compare, Verify, Write
 * Uncorrectable, Write Zeroes): CDW10-11 Starting LBA, CDW12 below.
 */
#define NVME_RW_CDW12_NLB_SHIFT 0     /* Number of Logical Blocks, 0's based */
#define NVME_RW_CDW12_NLB_MASK 0xFFFFu
#define NVME_RW_CDW12_DTYPE_SHIFT 20  /* Directive Type (Write) */
#define NVME_RW_CDW12_DTYPE_MASK 0xFu
#define NVME_RW_CDW12_STC_SHIFT 24    /* Storage Tag Check */
#define NVME_RW_CDW12_STC_MASK 0x1u
#define NVME_RW_CDW12_DEAC_SHIFT 25   /* Write Zeroes only: Deallocate */
#define NVME_RW_CDW12_DEAC_MASK 0x1u
#define NVME_RW_CDW12_PRINFO_SHIFT 26 /* Protection Information Field */
#define NVME_RW_CDW12_PRINFO_MASK 0xFu
#define NVME_RW_CDW12_FUA_SHIFT 30    /* Force Unit Access */
#define NVME_RW_CDW12_FUA_MASK 0x1u
#define NVME_RW_CDW12_LR_SHIFT 31     /* Limited Retry */
#define NVME_RW_CDW12_LR_MASK 0x1u
#define NVME_RW_MAX_BLOCKS 65536u     /* NLB is 16 bits, 0's based */

/* PRINFO bits (within the 4-bit field) */
#define NVME_PRINFO_PRCHK_REF 0x1u    /* check the Reference Tag */
#define NVME_PRINFO_PRCHK_APP 0x2u    /* check the Application Tag */
#define NVME_PRINFO_PRCHK_GUARD 0x4u  /* check the Guard */
#define NVME_PRINFO_PRACT 0x8u        /* Protection Information Action */

/* Ready-positioned CDW12 flags for nvme_cmd_rw() */
#define NVME_RW_FUA NVME_SET(RW_CDW12_FUA, 1u)
#define NVME_RW_LR NVME_SET(RW_CDW12_LR, 1u)
#define NVME_RW_PRINFO(p) NVME_SET(RW_CDW12_PRINFO, (uint32_t)(p))

/* CDW13: Dataset Management hints (7:0), Directive Specific (31:16, Write) */
#define NVME_RW_CDW13_DSM_SHIFT 0
#define NVME_RW_CDW13_DSM_MASK 0xFFu
#define NVME_RW_CDW13_DSPEC_SHIFT 16
#define NVME_RW_CDW13_DSPEC_MASK 0xFFFFu
#define NVME_RW_DSM_AF_SHIFT 0        /* Access Frequency */
#define NVME_RW_DSM_AF_MASK 0xFu
#define NVME_RW_DSM_AL_SHIFT 4        /* Access Latency */
#define NVME_RW_DSM_AL_MASK 0x3u
#define NVME_RW_DSM_SEQREQ_SHIFT 6    /* Sequential Request */
#define NVME_RW_DSM_SEQREQ_MASK 0x1u
#define NVME_RW_DSM_INCOMPRESSIBLE_SHIFT 7
#define NVME_RW_DSM_INCOMPRESSIBLE_MASK 0x1u
/* CDW14: (Expected) Initial Logical Block Reference Tag; CDW15: LBAT 15:0, LBATM 31:16 */

/* [NVM CS 1.0 §3.2.3] Dataset Management: CDW10 NR (0's based), CDW11 attributes */
#define NVME_DSM_CDW10_NR_SHIFT 0     /* Number of Ranges, 0's based: 1..256 ranges */
#define NVME_DSM_CDW10_NR_MASK 0xFFu
#define NVME_DSM_IDR (1u << 0)        /* Integral Dataset for Read */
#define NVME_DSM_IDW (1u << 1)        /* Integral Dataset for Write */
#define NVME_DSM_AD (1u << 2)         /* Attribute - Deallocate */
#define NVME_DSM_MAX_RANGES 256u

/*
 * One range of the DSM data buffer (16 bytes, up to 256 per command). NLB
 * here is a count, NOT 0's based, unlike the Read/Write field.
 */
struct nvme_dsm_range {
    uint32_t cattr; /* Context Attributes, below */
    uint32_t nlb;   /* Length in logical blocks */
    uint64_t slba;  /* Starting LBA */
};
_Static_assert(sizeof(struct nvme_dsm_range) == 16, "DSM range is 16 bytes");
_Static_assert(offsetof(struct nvme_dsm_range, slba) == 8, "DSM SLBA");
#define NVME_DSM_CATTR_AF_SHIFT 0     /* Access Frequency */
#define NVME_DSM_CATTR_AF_MASK 0xFu
#define NVME_DSM_CATTR_AL_SHIFT 4     /* Access Latency */
#define NVME_DSM_CATTR_AL_MASK 0x3u
#define NVME_DSM_CATTR_SR_SHIFT 8     /* Sequential Read Range */
#define NVME_DSM_CATTR_SR_MASK 0x1u
#define NVME_DSM_CATTR_SW_SHIFT 9     /* Sequential Write Range */
#define NVME_DSM_CATTR_SW_MASK 0x1u
#define NVME_DSM_CATTR_WP_SHIFT 10    /* Write Prepare */
#define NVME_DSM_CATTR_WP_MASK 0x1u
#define NVME_DSM_CATTR_CAS_SHIFT 24   /* Command Access Size, in logical blocks */
#define NVME_DSM_CATTR_CAS_MASK 0xFFu

#endif
