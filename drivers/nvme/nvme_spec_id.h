/*
 * drivers/nvme/nvme_spec_id.h - the NVMe data structures the controller
 * returns, as C: Identify Controller [NVMe Base 2.0 §5.17.2.1], Identify
 * Namespace [NVM CS 1.0 §4.1.5.1] and the log pages nvos reads [NVMe Base
 * 2.0 §5.16.1]. The other half of the spec header (nvme_regs.h: properties,
 * queue entries, command dwords, status codes); the same rules: spec names,
 * packed layouts, _Static_assert on sizes and on every offset the driver
 * reads. Host-compilable, no kernel includes.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_SPEC_ID_H
#define NVOS_DRIVERS_NVME_NVME_SPEC_ID_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/nvme_regs.h"

/* ------------------------------------------------------------------------ */
/* [NVMe Base 2.0 §5.17.2.1] Identify Controller data structure (CNS 01h)   */
/* ------------------------------------------------------------------------ */

/* Power State Descriptor, 32 bytes (Figure 276) */
struct nvme_psd {
    uint16_t mp;     /* Maximum Power, centiwatts (or 0.0001 W if MXPS) */
    uint8_t rsvd2;
    uint8_t flags;   /* bit 0 MXPS (Max Power Scale), bit 1 NOPS (Non-Operational) */
    uint32_t enlat;  /* Entry Latency, us */
    uint32_t exlat;  /* Exit Latency, us */
    uint8_t rrt;     /* Relative Read Throughput (4:0) */
    uint8_t rrl;     /* Relative Read Latency (4:0) */
    uint8_t rwt;     /* Relative Write Throughput (4:0) */
    uint8_t rwl;     /* Relative Write Latency (4:0) */
    uint16_t idlp;   /* Idle Power */
    uint8_t ips;     /* Idle Power Scale (7:6) */
    uint8_t rsvd19;
    uint16_t actp;   /* Active Power */
    uint8_t apw_aps; /* Active Power Workload (2:0), Active Power Scale (7:6) */
    uint8_t rsvd23[9];
};
_Static_assert(sizeof(struct nvme_psd) == 32, "power state descriptor is 32 bytes");
_Static_assert(offsetof(struct nvme_psd, enlat) == 4, "PSD ENLAT");
_Static_assert(offsetof(struct nvme_psd, actp) == 20, "PSD ACTP");
#define NVME_PSD_FLAGS_MXPS 0x1u
#define NVME_PSD_FLAGS_NOPS 0x2u

struct nvme_id_ctrl {
    /* Controller Capabilities and Features */
    uint16_t vid;           /* PCI Vendor ID */
    uint16_t ssvid;         /* PCI Subsystem Vendor ID */
    char sn[20];            /* Serial Number, ASCII, space padded */
    char mn[40];            /* Model Number, ASCII, space padded */
    char fr[8];             /* Firmware Revision, ASCII, space padded */
    uint8_t rab;            /* Recommended Arbitration Burst */
    uint8_t ieee[3];        /* IEEE OUI Identifier */
    uint8_t cmic;           /* Controller Multi-Path I/O and Namespace Sharing */
    uint8_t mdts;           /* Maximum Data Transfer Size: 2^n * CAP.MPSMIN pages, 0 = none */
    uint16_t cntlid;        /* Controller ID */
    uint32_t ver;           /* Version, as the VS register */
    uint32_t rtd3r;         /* RTD3 Resume Latency, us */
    uint32_t rtd3e;         /* RTD3 Entry Latency, us: shutdown wait hint */
    uint32_t oaes;          /* Optional Asynchronous Events Supported */
    uint32_t ctratt;        /* Controller Attributes */
    uint16_t rrls;          /* Read Recovery Levels Supported */
    uint8_t rsvd102[9];
    uint8_t cntrltype;      /* Controller Type: 1 I/O, 2 Discovery, 3 Administrative */
    uint8_t fguid[16];      /* FRU Globally Unique Identifier */
    uint16_t crdt1;         /* Command Retry Delay Time 1, 100 ms units */
    uint16_t crdt2;         /* Command Retry Delay Time 2 */
    uint16_t crdt3;         /* Command Retry Delay Time 3 */
    uint8_t rsvd134[119];
    uint8_t nvmsr;          /* NVM Subsystem Report (NVMe-MI) */
    uint8_t vwci;           /* VPD Write Cycle Information (NVMe-MI) */
    uint8_t mec;            /* Management Endpoint Capabilities (NVMe-MI) */
    /* Admin Command Set Attributes & Optional Controller Capabilities */
    uint16_t oacs;          /* Optional Admin Command Support, below */
    uint8_t acl;            /* Abort Command Limit, 0's based */
    uint8_t aerl;           /* Asynchronous Event Request Limit, 0's based */
    uint8_t frmw;           /* Firmware Updates */
    uint8_t lpa;            /* Log Page Attributes */
    uint8_t elpe;           /* Error Log Page Entries, 0's based */
    uint8_t npss;           /* Number of Power States Support, 0's based */
    uint8_t avscc;          /* Admin Vendor Specific Command Configuration */
    uint8_t apsta;          /* Autonomous Power State Transition Attributes */
    uint16_t wctemp;        /* Warning Composite Temperature Threshold, kelvin */
    uint16_t cctemp;        /* Critical Composite Temperature Threshold, kelvin */
    uint16_t mtfa;          /* Maximum Time for Firmware Activation, 100 ms units */
    uint32_t hmpre;         /* Host Memory Buffer Preferred Size, 4 KiB units */
    uint32_t hmmin;         /* Host Memory Buffer Minimum Size */
    uint8_t tnvmcap[16];    /* Total NVM Capacity, bytes (128-bit) */
    uint8_t unvmcap[16];    /* Unallocated NVM Capacity, bytes (128-bit) */
    uint32_t rpmbs;         /* Replay Protected Memory Block Support */
    uint16_t edstt;         /* Extended Device Self-test Time, minutes */
    uint8_t dsto;           /* Device Self-test Options */
    uint8_t fwug;           /* Firmware Update Granularity, 4 KiB units */
    uint16_t kas;           /* Keep Alive Support, 100 ms units */
    uint16_t hctma;         /* Host Controlled Thermal Management Attributes */
    uint16_t mntmt;         /* Minimum Thermal Management Temperature */
    uint16_t mxtmt;         /* Maximum Thermal Management Temperature */
    uint32_t sanicap;       /* Sanitize Capabilities */
    uint32_t hmminds;       /* Host Memory Buffer Minimum Descriptor Entry Size */
    uint16_t hmmaxd;        /* Host Memory Maximum Descriptors Entries */
    uint16_t nsetidmax;     /* NVM Set Identifier Maximum */
    uint16_t endgidmax;     /* Endurance Group Identifier Maximum */
    uint8_t anatt;          /* ANA Transition Time, seconds */
    uint8_t anacap;         /* Asymmetric Namespace Access Capabilities */
    uint32_t anagrpmax;     /* ANA Group Identifier Maximum */
    uint32_t nanagrpid;     /* Number of ANA Group Identifiers */
    uint32_t pels;          /* Persistent Event Log Size, 64 KiB units */
    uint16_t domainid;      /* Domain Identifier */
    uint8_t rsvd358[10];
    uint8_t megcap[16];     /* Max Endurance Group Capacity, bytes (128-bit) */
    uint8_t rsvd384[128];
    /* NVM Command Set Attributes */
    uint8_t sqes;           /* SQ Entry Size: 3:0 required, 7:4 maximum, log2 bytes */
    uint8_t cqes;           /* CQ Entry Size: 3:0 required, 7:4 maximum, log2 bytes */
    uint16_t maxcmd;        /* Maximum Outstanding Commands (fabrics) */
    uint32_t nn;            /* Number of Namespaces: the highest NSID, not a count */
    uint16_t oncs;          /* Optional NVM Command Support, below */
    uint16_t fuses;         /* Fused Operation Support */
    uint8_t fna;            /* Format NVM Attributes */
    uint8_t vwc;            /* Volatile Write Cache: bit 0 present, 2:1 broadcast Flush */
    uint16_t awun;          /* Atomic Write Unit Normal, 0's based blocks */
    uint16_t awupf;         /* Atomic Write Unit Power Fail, 0's based blocks */
    uint8_t icsvscc;        /* I/O Command Set Vendor Specific Command Configuration */
    uint8_t nwpc;           /* Namespace Write Protection Capabilities */
    uint16_t acwu;          /* Atomic Compare & Write Unit */
    uint16_t cdfs;          /* Copy Descriptor Formats Supported */
    uint32_t sgls;          /* SGL Support */
    uint32_t mnan;          /* Maximum Number of Allowed Namespaces */
    uint8_t maxdna[16];     /* Maximum Domain Namespace Attachments (128-bit) */
    uint32_t maxcna;        /* Maximum I/O Controller Namespace Attachments */
    uint8_t rsvd564[204];
    char subnqn[256];       /* NVM Subsystem NVMe Qualified Name, NUL terminated */
    uint8_t rsvd1024[768];
    uint8_t fabrics[256];   /* NVMe over Fabrics attributes (IOCCSZ...) */
    struct nvme_psd psd[32]; /* Power State Descriptors 0..31 */
    uint8_t vs[1024];       /* Vendor Specific */
};
_Static_assert(sizeof(struct nvme_id_ctrl) == 4096, "Identify Controller is 4 KiB");
_Static_assert(offsetof(struct nvme_id_ctrl, sn) == 4, "SN");
_Static_assert(offsetof(struct nvme_id_ctrl, mn) == 24, "MN");
_Static_assert(offsetof(struct nvme_id_ctrl, fr) == 64, "FR");
_Static_assert(offsetof(struct nvme_id_ctrl, rab) == 72, "RAB");
_Static_assert(offsetof(struct nvme_id_ctrl, cmic) == 76, "CMIC");
_Static_assert(offsetof(struct nvme_id_ctrl, mdts) == 77, "MDTS");
_Static_assert(offsetof(struct nvme_id_ctrl, cntlid) == 78, "CNTLID");
_Static_assert(offsetof(struct nvme_id_ctrl, ver) == 80, "VER");
_Static_assert(offsetof(struct nvme_id_ctrl, rtd3e) == 88, "RTD3E");
_Static_assert(offsetof(struct nvme_id_ctrl, oaes) == 92, "OAES");
_Static_assert(offsetof(struct nvme_id_ctrl, ctratt) == 96, "CTRATT");
_Static_assert(offsetof(struct nvme_id_ctrl, cntrltype) == 111, "CNTRLTYPE");
_Static_assert(offsetof(struct nvme_id_ctrl, crdt1) == 128, "CRDT1");
_Static_assert(offsetof(struct nvme_id_ctrl, mec) == 255, "MEC");
_Static_assert(offsetof(struct nvme_id_ctrl, oacs) == 256, "OACS");
_Static_assert(offsetof(struct nvme_id_ctrl, acl) == 258, "ACL");
_Static_assert(offsetof(struct nvme_id_ctrl, aerl) == 259, "AERL");
_Static_assert(offsetof(struct nvme_id_ctrl, frmw) == 260, "FRMW");
_Static_assert(offsetof(struct nvme_id_ctrl, lpa) == 261, "LPA");
_Static_assert(offsetof(struct nvme_id_ctrl, elpe) == 262, "ELPE");
_Static_assert(offsetof(struct nvme_id_ctrl, npss) == 263, "NPSS");
_Static_assert(offsetof(struct nvme_id_ctrl, wctemp) == 266, "WCTEMP");
_Static_assert(offsetof(struct nvme_id_ctrl, cctemp) == 268, "CCTEMP");
_Static_assert(offsetof(struct nvme_id_ctrl, tnvmcap) == 280, "TNVMCAP");
_Static_assert(offsetof(struct nvme_id_ctrl, kas) == 320, "KAS");
_Static_assert(offsetof(struct nvme_id_ctrl, pels) == 352, "PELS");
_Static_assert(offsetof(struct nvme_id_ctrl, megcap) == 368, "MEGCAP");
_Static_assert(offsetof(struct nvme_id_ctrl, sqes) == 512, "SQES");
_Static_assert(offsetof(struct nvme_id_ctrl, cqes) == 513, "CQES");
_Static_assert(offsetof(struct nvme_id_ctrl, maxcmd) == 514, "MAXCMD");
_Static_assert(offsetof(struct nvme_id_ctrl, nn) == 516, "NN");
_Static_assert(offsetof(struct nvme_id_ctrl, oncs) == 520, "ONCS");
_Static_assert(offsetof(struct nvme_id_ctrl, fuses) == 522, "FUSES");
_Static_assert(offsetof(struct nvme_id_ctrl, fna) == 524, "FNA");
_Static_assert(offsetof(struct nvme_id_ctrl, vwc) == 525, "VWC");
_Static_assert(offsetof(struct nvme_id_ctrl, awun) == 526, "AWUN");
_Static_assert(offsetof(struct nvme_id_ctrl, awupf) == 528, "AWUPF");
_Static_assert(offsetof(struct nvme_id_ctrl, sgls) == 536, "SGLS");
_Static_assert(offsetof(struct nvme_id_ctrl, maxcna) == 560, "MAXCNA");
_Static_assert(offsetof(struct nvme_id_ctrl, subnqn) == 768, "SUBNQN");
_Static_assert(offsetof(struct nvme_id_ctrl, fabrics) == 1792, "fabrics attributes");
_Static_assert(offsetof(struct nvme_id_ctrl, psd) == 2048, "PSD0");
_Static_assert(offsetof(struct nvme_id_ctrl, vs) == 3072, "vendor specific");

/* SQES / CQES nibbles */
#define NVME_ID_QES_REQUIRED_SHIFT 0
#define NVME_ID_QES_REQUIRED_MASK 0xFu
#define NVME_ID_QES_MAX_SHIFT 4
#define NVME_ID_QES_MAX_MASK 0xFu

/* CMIC */
#define NVME_CMIC_MULTI_PORT (1u << 0)
#define NVME_CMIC_MULTI_CTRL (1u << 1)
#define NVME_CMIC_SRIOV (1u << 2)
#define NVME_CMIC_ANA (1u << 3)
/* OACS: Optional Admin Command Support */
#define NVME_OACS_SECURITY (1u << 0)
#define NVME_OACS_FORMAT (1u << 1)
#define NVME_OACS_FW_DOWNLOAD (1u << 2)
#define NVME_OACS_NS_MGMT (1u << 3)
#define NVME_OACS_SELF_TEST (1u << 4)
#define NVME_OACS_DIRECTIVES (1u << 5)
#define NVME_OACS_MI (1u << 6)
#define NVME_OACS_VIRT_MGMT (1u << 7)
#define NVME_OACS_DBBUF_CONFIG (1u << 8)
#define NVME_OACS_GET_LBA_STATUS (1u << 9)
#define NVME_OACS_LOCKDOWN (1u << 10)
/* ONCS: Optional NVM Command Support */
#define NVME_ONCS_COMPARE (1u << 0)
#define NVME_ONCS_WRITE_UNCORRECTABLE (1u << 1)
#define NVME_ONCS_DSM (1u << 2)
#define NVME_ONCS_WRITE_ZEROES (1u << 3)
#define NVME_ONCS_SAVE_FEATURES (1u << 4)
#define NVME_ONCS_RESERVATIONS (1u << 5)
#define NVME_ONCS_TIMESTAMP (1u << 6)
#define NVME_ONCS_VERIFY (1u << 7)
#define NVME_ONCS_COPY (1u << 8)
/* LPA: Log Page Attributes */
#define NVME_LPA_SMART_PER_NS (1u << 0)
#define NVME_LPA_CMD_EFFECTS (1u << 1)
#define NVME_LPA_EXTENDED (1u << 2)   /* NUMDU, LPOL/LPOU honoured */
#define NVME_LPA_TELEMETRY (1u << 3)
#define NVME_LPA_PERSISTENT_EVENT (1u << 4)
/* VWC: Volatile Write Cache */
#define NVME_VWC_PRESENT (1u << 0)
#define NVME_VWC_FLUSH_BCAST_SHIFT 1  /* Flush with NSID FFFFFFFFh: 10b no, 11b yes */
#define NVME_VWC_FLUSH_BCAST_MASK 0x3u
/* FRMW */
#define NVME_FRMW_SLOT1_RO (1u << 0)
#define NVME_FRMW_NSLOTS_SHIFT 1
#define NVME_FRMW_NSLOTS_MASK 0x7u
/* CNTRLTYPE */
#define NVME_CNTRLTYPE_IO 1u
#define NVME_CNTRLTYPE_DISCOVERY 2u
#define NVME_CNTRLTYPE_ADMIN 3u

/* ------------------------------------------------------------------------ */
/* [NVM CS 1.0 §4.1.5.1] Identify Namespace data structure (CNS 00h)         */
/* ------------------------------------------------------------------------ */

/* LBA Format, 4 bytes: MS (15:0), LBADS (23:16), RP (25:24) */
struct nvme_lbaf {
    uint16_t ms;    /* Metadata Size, bytes per logical block */
    uint8_t lbads;  /* LBA Data Size, log2 bytes; 0 = format not available */
    uint8_t rp;     /* Relative Performance (1:0): 0 best .. 3 degraded */
};
_Static_assert(sizeof(struct nvme_lbaf) == 4, "LBA format is one dword");
_Static_assert(offsetof(struct nvme_lbaf, lbads) == 2, "LBADS is bits 23:16");
#define NVME_LBAF_RP_MASK 0x3u

struct nvme_id_ns {
    uint64_t nsze;          /* Namespace Size, logical blocks */
    uint64_t ncap;          /* Namespace Capacity, logical blocks */
    uint64_t nuse;          /* Namespace Utilization, logical blocks */
    uint8_t nsfeat;         /* Namespace Features */
    uint8_t nlbaf;          /* Number of LBA Formats, 0's based */
    uint8_t flbas;          /* Formatted LBA Size: see nvme_flbas_index() */
    uint8_t mc;             /* Metadata Capabilities */
    uint8_t dpc;            /* End-to-end Data Protection Capabilities */
    uint8_t dps;            /* End-to-end Data Protection Type Settings */
    uint8_t nmic;           /* Namespace Multi-path I/O and Namespace Sharing */
    uint8_t rescap;         /* Reservation Capabilities */
    uint8_t fpi;            /* Format Progress Indicator */
    uint8_t dlfeat;         /* Deallocate Logical Block Features */
    uint16_t nawun;         /* Namespace Atomic Write Unit Normal */
    uint16_t nawupf;        /* Namespace Atomic Write Unit Power Fail */
    uint16_t nacwu;         /* Namespace Atomic Compare & Write Unit */
    uint16_t nabsn;         /* Namespace Atomic Boundary Size Normal */
    uint16_t nabo;          /* Namespace Atomic Boundary Offset */
    uint16_t nabspf;        /* Namespace Atomic Boundary Size Power Fail */
    uint16_t noiob;         /* Namespace Optimal I/O Boundary */
    uint8_t nvmcap[16];     /* NVM Capacity, bytes (128-bit) */
    uint16_t npwg;          /* Namespace Preferred Write Granularity, 0's based */
    uint16_t npwa;          /* Namespace Preferred Write Alignment, 0's based */
    uint16_t npdg;          /* Namespace Preferred Deallocate Granularity, 0's based */
    uint16_t npda;          /* Namespace Preferred Deallocate Alignment, 0's based */
    uint16_t nows;          /* Namespace Optimal Write Size, 0's based */
    uint16_t mssrl;         /* Maximum Single Source Range Length (Copy) */
    uint32_t mcl;           /* Maximum Copy Length */
    uint8_t msrc;           /* Maximum Source Range Count, 0's based */
    uint8_t rsvd81[11];
    uint32_t anagrpid;      /* ANA Group Identifier */
    uint8_t rsvd96[3];
    uint8_t nsattr;         /* Namespace Attributes: bit 0 write protected */
    uint16_t nvmsetid;      /* NVM Set Identifier */
    uint16_t endgid;        /* Endurance Group Identifier */
    uint8_t nguid[16];      /* Namespace Globally Unique Identifier */
    uint8_t eui64[8];       /* IEEE Extended Unique Identifier */
    struct nvme_lbaf lbaf[64]; /* LBA Formats 0..63 */
    uint8_t vs[3712];       /* Vendor Specific */
};
_Static_assert(sizeof(struct nvme_id_ns) == 4096, "Identify Namespace is 4 KiB");
_Static_assert(offsetof(struct nvme_id_ns, ncap) == 8, "NCAP");
_Static_assert(offsetof(struct nvme_id_ns, nuse) == 16, "NUSE");
_Static_assert(offsetof(struct nvme_id_ns, nsfeat) == 24, "NSFEAT");
_Static_assert(offsetof(struct nvme_id_ns, nlbaf) == 25, "NLBAF");
_Static_assert(offsetof(struct nvme_id_ns, flbas) == 26, "FLBAS");
_Static_assert(offsetof(struct nvme_id_ns, mc) == 27, "MC");
_Static_assert(offsetof(struct nvme_id_ns, dpc) == 28, "DPC");
_Static_assert(offsetof(struct nvme_id_ns, dps) == 29, "DPS");
_Static_assert(offsetof(struct nvme_id_ns, nmic) == 30, "NMIC");
_Static_assert(offsetof(struct nvme_id_ns, dlfeat) == 33, "DLFEAT");
_Static_assert(offsetof(struct nvme_id_ns, nvmcap) == 48, "NVMCAP");
_Static_assert(offsetof(struct nvme_id_ns, npwg) == 64, "NPWG");
_Static_assert(offsetof(struct nvme_id_ns, nows) == 72, "NOWS");
_Static_assert(offsetof(struct nvme_id_ns, mcl) == 76, "MCL");
_Static_assert(offsetof(struct nvme_id_ns, anagrpid) == 92, "ANAGRPID");
_Static_assert(offsetof(struct nvme_id_ns, nsattr) == 99, "NSATTR");
_Static_assert(offsetof(struct nvme_id_ns, nguid) == 104, "NGUID");
_Static_assert(offsetof(struct nvme_id_ns, eui64) == 120, "EUI64");
_Static_assert(offsetof(struct nvme_id_ns, lbaf) == 128, "LBAF0");
_Static_assert(offsetof(struct nvme_id_ns, lbaf[16]) == 192, "LBAF16");
_Static_assert(offsetof(struct nvme_id_ns, vs) == 384, "vendor specific");

/* NSFEAT */
#define NVME_NSFEAT_THINP (1u << 0)    /* thin provisioning: NCAP may be < NSZE */
#define NVME_NSFEAT_NSABP (1u << 1)    /* NAWUN/NAWUPF/NACWU valid */
#define NVME_NSFEAT_DAE (1u << 2)      /* Deallocated or Unwritten Logical Block error */
#define NVME_NSFEAT_UIDREUSE (1u << 3)
#define NVME_NSFEAT_OPTPERF (1u << 4)  /* NPWG..NOWS valid */
/*
 * FLBAS: the format index is bits 3:0, extended by bits 6:5 (as index bits
 * 5:4) when the namespace has more than 16 formats. Bit 4 set: metadata is
 * interleaved with the data ("extended LBA").
 */
#define NVME_FLBAS_LBAF_LO_SHIFT 0
#define NVME_FLBAS_LBAF_LO_MASK 0xFu
#define NVME_FLBAS_EXTENDED_SHIFT 4
#define NVME_FLBAS_EXTENDED_MASK 0x1u
#define NVME_FLBAS_LBAF_HI_SHIFT 5
#define NVME_FLBAS_LBAF_HI_MASK 0x3u
/* MC: Metadata Capabilities */
#define NVME_MC_EXTENDED (1u << 0)     /* metadata interleaved with data supported */
#define NVME_MC_SEPARATE (1u << 1)     /* metadata in a separate buffer (MPTR) supported */
/* DPS: End-to-end Data Protection Type Settings */
#define NVME_DPS_PIT_SHIFT 0           /* Protection Information Type: 0 none, 1..3 */
#define NVME_DPS_PIT_MASK 0x7u
#define NVME_DPS_PIP_SHIFT 3           /* PI in the first bytes of the metadata */
#define NVME_DPS_PIP_MASK 0x1u
/* NMIC */
#define NVME_NMIC_SHARED (1u << 0)

/*
 * The LBA format a namespace is formatted with. Bits 6:5 count only when
 * there are more than 16 formats, i.e. NLBAF (0's based) >= 16. The NVM
 * Command Set 1.0 text says the host should ignore them "if the NLBAF field
 * is less than or equal to 16"; read literally, with NLBAF 0's based, format
 * 16 of a 17-format namespace could not be named, so this reads it as a count.
 * The caller must still check the result against NLBAF.
 */
static inline unsigned nvme_flbas_index(uint8_t flbas, uint8_t nlbaf)
{
    unsigned lo = NVME_GET((unsigned)flbas, FLBAS_LBAF_LO);
    unsigned hi = NVME_GET((unsigned)flbas, FLBAS_LBAF_HI);
    return nlbaf >= 16 ? (hi << 4) | lo : lo;
}

/* ------------------------------------------------------------------------ */
/* [NVMe Base 2.0 §5.16.1] Log pages                                        */
/* ------------------------------------------------------------------------ */

/* Error Information log entry (LID 01h), 64 bytes each, newest first */
struct nvme_error_log_entry {
    uint64_t error_count;   /* unique, increasing; 0 = invalid entry */
    uint16_t sqid;          /* Submission Queue ID (FFFFh: none) */
    uint16_t cid;           /* Command ID (FFFFh: none) */
    uint16_t status;        /* Phase Tag (bit 0) and Status Field (15:1), as in a CQE */
    uint16_t pel;           /* Parameter Error Location: byte 7:0, bit 10:8 */
    uint64_t lba;           /* first LBA that hit the error */
    uint32_t nsid;          /* Namespace */
    uint8_t vsia;           /* Vendor Specific Information Available: log page ID */
    uint8_t trtype;         /* Transport Type */
    uint8_t rsvd30[2];
    uint64_t csi;           /* Command Specific Information */
    uint16_t ttsi;          /* Transport Type Specific Information */
    uint8_t rsvd42[22];
};
_Static_assert(sizeof(struct nvme_error_log_entry) == 64, "error log entry is 64 bytes");
_Static_assert(offsetof(struct nvme_error_log_entry, status) == 12, "Status Field");
_Static_assert(offsetof(struct nvme_error_log_entry, lba) == 16, "LBA");
_Static_assert(offsetof(struct nvme_error_log_entry, nsid) == 24, "Namespace");
_Static_assert(offsetof(struct nvme_error_log_entry, csi) == 32, "Command Specific Information");

/*
 * SMART / Health Information log (LID 02h), 512 bytes. Counters are 128-bit
 * little-endian byte arrays; Data Units are thousands of 512-byte units.
 * Byte 1 makes Composite Temperature unaligned, hence the packing.
 */
struct __attribute__((packed)) nvme_smart_log {
    uint8_t critical_warning;   /* bits below */
    uint16_t temperature;       /* Composite Temperature, kelvin */
    uint8_t avail_spare;        /* Available Spare, percent */
    uint8_t avail_spare_thresh; /* Available Spare Threshold, percent */
    uint8_t percent_used;       /* Percentage Used (may exceed 100) */
    uint8_t endgrp_crit_warning; /* Endurance Group Critical Warning Summary */
    uint8_t rsvd7[25];
    uint8_t data_units_read[16];
    uint8_t data_units_written[16];
    uint8_t host_reads[16];     /* Host Read Commands */
    uint8_t host_writes[16];    /* Host Write Commands */
    uint8_t ctrl_busy_time[16]; /* Controller Busy Time, minutes */
    uint8_t power_cycles[16];
    uint8_t power_on_hours[16];
    uint8_t unsafe_shutdowns[16];
    uint8_t media_errors[16];   /* Media and Data Integrity Errors */
    uint8_t num_err_log_entries[16]; /* Number of Error Information Log Entries */
    uint32_t warning_temp_time; /* Warning Composite Temperature Time, minutes */
    uint32_t critical_temp_time; /* Critical Composite Temperature Time, minutes */
    uint16_t temp_sensor[8];    /* Temperature Sensor 1..8, kelvin */
    uint32_t thm_temp1_trans_count; /* Thermal Management Temperature 1 Transition Count */
    uint32_t thm_temp2_trans_count;
    uint32_t thm_temp1_total_time;  /* Total Time For Thermal Management Temperature 1, s */
    uint32_t thm_temp2_total_time;
    uint8_t rsvd232[280];
};
_Static_assert(sizeof(struct nvme_smart_log) == 512, "SMART log is 512 bytes");
_Static_assert(offsetof(struct nvme_smart_log, temperature) == 1, "Composite Temperature");
_Static_assert(offsetof(struct nvme_smart_log, percent_used) == 5, "Percentage Used");
_Static_assert(offsetof(struct nvme_smart_log, data_units_read) == 32, "Data Units Read");
_Static_assert(offsetof(struct nvme_smart_log, power_on_hours) == 128, "Power On Hours");
_Static_assert(offsetof(struct nvme_smart_log, unsafe_shutdowns) == 144, "Unsafe Shutdowns");
_Static_assert(offsetof(struct nvme_smart_log, media_errors) == 160, "Media Errors");
_Static_assert(offsetof(struct nvme_smart_log, warning_temp_time) == 192, "WCTT");
_Static_assert(offsetof(struct nvme_smart_log, temp_sensor) == 200, "Temperature Sensor 1");
_Static_assert(offsetof(struct nvme_smart_log, thm_temp1_trans_count) == 216, "TMT1TC");
_Static_assert(offsetof(struct nvme_smart_log, rsvd232) == 232, "reserved tail");

/* SMART Critical Warning bits */
#define NVME_SMART_CW_SPARE (1u << 0)        /* available spare below threshold */
#define NVME_SMART_CW_TEMPERATURE (1u << 1)  /* temperature out of range */
#define NVME_SMART_CW_RELIABILITY (1u << 2)  /* NVM subsystem reliability degraded */
#define NVME_SMART_CW_READ_ONLY (1u << 3)    /* media placed in read-only mode */
#define NVME_SMART_CW_VOLATILE_BACKUP (1u << 4) /* Volatile Memory Backup device failed */
#define NVME_SMART_CW_PMR_READ_ONLY (1u << 5)

/* ------------------------------------------------------------------------ */
/* [NVMe Base 2.0 §5.27.1.10] Host Memory Buffer (Feature 0Dh)              */
/* ------------------------------------------------------------------------ */

/* Set Features CDW11; CDW12 = HSIZE (CC.MPS pages), CDW13/14 = the
 * descriptor list's address (HMDLLA, 16-byte aligned; HMDLUA), CDW15 =
 * HMDLEC (entries). */
#define NVME_HMB_CDW11_EHM (1u << 0) /* Enable Host Memory */
#define NVME_HMB_CDW11_MR (1u << 1)  /* Memory Return: the same memory, contents intact */

/* Host Memory Buffer Descriptor Entry */
struct nvme_hmb_desc {
    uint64_t badd;  /* Buffer Address, CC.MPS aligned */
    uint32_t bsize; /* Buffer Size, in CC.MPS pages */
    uint32_t rsvd;
} __attribute__((packed));
_Static_assert(sizeof(struct nvme_hmb_desc) == 16, "HMB descriptor entry is 16 bytes");
_Static_assert(offsetof(struct nvme_hmb_desc, bsize) == 8, "BSIZE");

/* ------------------------------------------------------------------------ */
/* [NVMe Base 2.0 §5.27.1.9] Autonomous Power State Transition (Feature 0Ch) */
/* ------------------------------------------------------------------------ */

#define NVME_APST_CDW11_APSTE (1u << 0)
#define NVME_APST_ENTRIES 32
#define NVME_APST_TABLE_SIZE (NVME_APST_ENTRIES * 8) /* the data structure: 256 bytes */
/* One 64-bit entry per power state: bits 7:3 ITPS (Idle Transition Power
 * State), 31:8 ITPT (Idle Time Prior to Transition, ms). */
#define NVME_APST_ITPS_SHIFT 3
#define NVME_APST_ITPS_MASK 0x1Fu
#define NVME_APST_ITPT_SHIFT 8
#define NVME_APST_ITPT_MASK 0xFFFFFFu

/* [§5.27.1.2] Power Management (Feature 02h) dword 0 */
#define NVME_PM_PS_SHIFT 0 /* Power State */
#define NVME_PM_PS_MASK 0x1Fu

#endif
