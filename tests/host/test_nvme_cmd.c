/*
 * Host test: drivers/nvme/nvme_cmd.c - every builder's dwords against values
 * worked out by hand from the spec's figures (written as plain hex here, the
 * independent oracle), that builders clear everything else, the 0's based
 * conversions and their limits, and the trace lines of nvme_sqe_describe()
 * and nvme_cqe_describe().
 */
#include <stdint.h>
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_regs.h"
#include "lib/errno.h"
#include "tests/host/check.h"

/* Fills the SQE with junk first, so a field a builder forgets to clear shows. */
static struct nvme_sqe junk(void)
{
    struct nvme_sqe s;
    memset(&s, 0xFF, sizeof(s));
    return s;
}

/* Compares all 16 dwords with an expected SQE. */
#define CHECK_SQE(got, want)                                                           \
    do {                                                                               \
        const uint32_t *g_ = (const uint32_t *)(const void *)(got);                    \
        const uint32_t *w_ = (const uint32_t *)(const void *)(want);                   \
        for (int d_ = 0; d_ < 16; d_++) {                                              \
            if (g_[d_] != w_[d_])                                                      \
                fprintf(stderr, "  dword %d: got 0x%08x want 0x%08x\n", d_, g_[d_], w_[d_]); \
            CHECK_EQ(g_[d_], w_[d_]);                                                  \
        }                                                                              \
    } while (0)

static const struct nvme_sqe zero;

static void test_admin_builders(void)
{
    struct nvme_sqe s, w;

    /* Identify controller: opcode 06h, CDW10 CNS=01h */
    s = junk();
    nvme_cmd_identify(&s, NVME_CNS_CTRL, 0, 0);
    w = zero;
    w.opc = 0x06;
    w.cdw10 = 0x00000001;
    CHECK_SQE(&s, &w);

    /* Identify with CNTID in CDW10 31:16 and an NSID */
    s = junk();
    nvme_cmd_identify(&s, NVME_CNS_NS_ACTIVE_LIST, 0x1234, 5);
    w = zero;
    w.opc = 0x06;
    w.nsid = 5;
    w.cdw10 = 0x12340002;
    CHECK_SQE(&s, &w);

    /* Create I/O CQ 1, 256 entries (QSIZE 0FFh), PC=1, IEN=1, IV=1 */
    s = junk();
    CHECK_EQ(nvme_cmd_create_io_cq(&s, 1, 256, 0x1234000, 1, true), 0);
    w = zero;
    w.opc = 0x05;
    w.dptr.prp1 = 0x1234000;
    w.cdw10 = 0x00FF0001;
    w.cdw11 = 0x00010003;
    CHECK_SQE(&s, &w);
    /* polled: IEN=0, vector 0 */
    CHECK_EQ(nvme_cmd_create_io_cq(&s, 2, 2, 0x5000, 0, false), 0);
    CHECK_EQ(s.cdw10, 0x00010002);
    CHECK_EQ(s.cdw11, 0x00000001);
    /* the limits of QSIZE: 2..65536 entries */
    CHECK_EQ(nvme_cmd_create_io_cq(&s, 1, 65536, 0x5000, 0, true), 0);
    CHECK_EQ(s.cdw10, 0xFFFF0001);
    s = junk();
    CHECK_EQ(nvme_cmd_create_io_cq(&s, 1, 1, 0x5000, 0, true), -EINVAL);
    CHECK_SQE(&s, &(struct nvme_sqe){ .opc = 0x05 }); /* cleared even on failure */
    CHECK_EQ(nvme_cmd_create_io_cq(&s, 1, 0, 0x5000, 0, true), -EINVAL);
    CHECK_EQ(nvme_cmd_create_io_cq(&s, 1, 65537, 0x5000, 0, true), -EINVAL);

    /* Create I/O SQ 1 on CQ 1, 256 entries, PC=1, QPRIO=medium (2): CDW11 = 1 | 2 << 1 | 1 << 16 */
    s = junk();
    CHECK_EQ(nvme_cmd_create_io_sq(&s, 1, 256, 0x1235000, 1, NVME_QPRIO_MEDIUM), 0);
    w = zero;
    w.opc = 0x01;
    w.dptr.prp1 = 0x1235000;
    w.cdw10 = 0x00FF0001;
    w.cdw11 = 0x00010005;
    CHECK_SQE(&s, &w);
    CHECK_EQ(nvme_cmd_create_io_sq(&s, 7, 64, 0x1235000, 3, 0), 0);
    CHECK_EQ(s.cdw10, 0x003F0007);
    CHECK_EQ(s.cdw11, 0x00030001);
    CHECK_EQ(nvme_cmd_create_io_sq(&s, 1, 1, 0x1235000, 1, 0), -EINVAL);

    /* Delete I/O SQ (00h) and CQ (04h): QID in CDW10 */
    s = junk();
    nvme_cmd_delete_io_sq(&s, 3);
    w = zero;
    w.opc = 0x00;
    w.cdw10 = 3;
    CHECK_SQE(&s, &w);
    s = junk();
    nvme_cmd_delete_io_cq(&s, 0xFFFF);
    w.opc = 0x04;
    w.cdw10 = 0xFFFF;
    CHECK_SQE(&s, &w);

    /* Set Features Volatile Write Cache = 1; SV is CDW10 bit 31 */
    s = junk();
    nvme_cmd_set_features(&s, NVME_FEAT_VOLATILE_WC, false, 1, 0);
    w = zero;
    w.opc = 0x09;
    w.cdw10 = 0x06;
    w.cdw11 = 1;
    CHECK_SQE(&s, &w);
    nvme_cmd_set_features(&s, NVME_FEAT_ERR_RECOVERY, true, 0x10000, 1);
    CHECK_EQ(s.cdw10, 0x80000005);
    CHECK_EQ(s.cdw11, 0x10000);
    CHECK_EQ(s.nsid, 1);

    /* Get Features: SEL is CDW10 10:8 */
    s = junk();
    nvme_cmd_get_features(&s, NVME_FEAT_NUM_QUEUES, NVME_FEAT_SEL_SUPPORTED, 0, 0);
    w = zero;
    w.opc = 0x0A;
    w.cdw10 = 0x00000307;
    CHECK_SQE(&s, &w);
    nvme_cmd_get_features(&s, NVME_FEAT_ARBITRATION, NVME_FEAT_SEL_CURRENT, 0, 0);
    CHECK_EQ(s.cdw10, 0x00000001);

    /* Number of Queues: 4 SQs and 4 CQs are NSQR = NCQR = 3 */
    s = junk();
    CHECK_EQ(nvme_cmd_set_num_queues(&s, 4, 4), 0);
    w = zero;
    w.opc = 0x09;
    w.cdw10 = 0x07;
    w.cdw11 = 0x00030003;
    CHECK_SQE(&s, &w);
    CHECK_EQ(nvme_cmd_set_num_queues(&s, 1, 1), 0);
    CHECK_EQ(s.cdw11, 0);
    CHECK_EQ(nvme_cmd_set_num_queues(&s, 65535, 2), 0);
    CHECK_EQ(s.cdw11, 0x0001FFFE);
    CHECK_EQ(nvme_cmd_set_num_queues(&s, 65536, 1), -EINVAL); /* NSQR 65535 is invalid */
    CHECK_EQ(nvme_cmd_set_num_queues(&s, 0, 1), -EINVAL);
    CHECK_EQ(nvme_cmd_set_num_queues(&s, 1, 0), -EINVAL);
    {
        uint32_t nsq, ncq;
        nvme_num_queues_result(0x00030001, &nsq, &ncq);
        CHECK_EQ(nsq, 2);
        CHECK_EQ(ncq, 4);
        nvme_num_queues_result(0x003F003F, &nsq, &ncq); /* QEMU, max_ioqpairs=64 */
        CHECK_EQ(nsq, 64);
        CHECK_EQ(ncq, 64);
        nvme_num_queues_result(0xFFFEFFFE, &nsq, &ncq);
        CHECK_EQ(nsq, 65535);
    }

    /* Get Log Page SMART, 512 bytes = 128 dwords: NUMDL 127 in CDW10 31:16, LID 02h */
    s = junk();
    CHECK_EQ(nvme_cmd_get_log_page(&s, NVME_NSID_ALL, NVME_LOG_SMART, 512, 0, false), 0);
    w = zero;
    w.opc = 0x02;
    w.nsid = 0xFFFFFFFF;
    w.cdw10 = 0x007F0002;
    CHECK_SQE(&s, &w);
    /* RAE is CDW10 bit 15; 17 pages = 17408 dwords: NUMD 43FFh */
    CHECK_EQ(nvme_cmd_get_log_page(&s, 0, NVME_LOG_ERROR, 17 * 4096, 0, true), 0);
    CHECK_EQ(s.cdw10, 0x43FF8001);
    CHECK_EQ(s.cdw11, 0);
    /* NUMD above 16 bits goes to NUMDU (CDW11 15:0); the offset to LPOL/LPOU */
    CHECK_EQ(nvme_cmd_get_log_page(&s, 1, NVME_LOG_CHANGED_NS, 4ull * 0x12345, 0x100000008ull,
                                   false), 0);
    CHECK_EQ(s.cdw10, 0x23440004);
    CHECK_EQ(s.cdw11, 0x00000001);
    CHECK_EQ(s.cdw12, 0x00000008);
    CHECK_EQ(s.cdw13, 0x00000001);
    /* the largest: 2^32 dwords */
    CHECK_EQ(nvme_cmd_get_log_page(&s, 0, NVME_LOG_ERROR, 4ull << 32, 0, false), 0);
    CHECK_EQ(s.cdw10, 0xFFFF0001);
    CHECK_EQ(s.cdw11, 0x0000FFFF);
    CHECK_EQ(nvme_cmd_get_log_page(&s, 0, NVME_LOG_ERROR, (4ull << 32) + 4, 0, false), -EINVAL);
    CHECK_EQ(nvme_cmd_get_log_page(&s, 0, NVME_LOG_ERROR, 0, 0, false), -EINVAL);
    CHECK_EQ(nvme_cmd_get_log_page(&s, 0, NVME_LOG_ERROR, 6, 0, false), -EINVAL);
    CHECK_EQ(nvme_cmd_get_log_page(&s, 0, NVME_LOG_ERROR, 64, 2, false), -EINVAL);
    CHECK_EQ(nvme_cmd_get_log_page(&s, 0, NVME_LOG_ERROR, 4, 4, false), 0);
    CHECK_EQ(s.cdw10, 0x00000001);

    /* Abort: SQID 15:0, CID 31:16 of CDW10 */
    s = junk();
    nvme_cmd_abort(&s, 1, 7);
    w = zero;
    w.opc = 0x08;
    w.cdw10 = 0x00070001;
    CHECK_SQE(&s, &w);

    /* Asynchronous Event Request: just the opcode */
    s = junk();
    nvme_cmd_async_event_request(&s);
    w = zero;
    w.opc = 0x0C;
    CHECK_SQE(&s, &w);
}

static void test_io_builders(void)
{
    struct nvme_sqe s, w;
    struct nvme_dsm_range r;

    /* Read 8 blocks at LBA 12_3456_789Ah of NSID 1: SLBA in CDW10/11, NLB 7 */
    s = junk();
    CHECK_EQ(nvme_cmd_rw(&s, NVME_IO_READ, 1, 0x123456789Aull, 8, 0), 0);
    w = zero;
    w.opc = 0x02;
    w.nsid = 1;
    w.cdw10 = 0x3456789A;
    w.cdw11 = 0x00000012;
    w.cdw12 = 0x00000007;
    CHECK_SQE(&s, &w);
    /* Write with FUA (CDW12 bit 30) */
    s = junk();
    CHECK_EQ(nvme_cmd_rw(&s, NVME_IO_WRITE, 2, 0, 1, NVME_RW_FUA), 0);
    w = zero;
    w.opc = 0x01;
    w.nsid = 2;
    w.cdw12 = 0x40000000;
    CHECK_SQE(&s, &w);
    /* LR is bit 31, PRINFO 29:26 (PRACT bit 29); other flag bits are dropped */
    CHECK_EQ(nvme_cmd_rw(&s, NVME_IO_READ, 1, 0, 1, NVME_RW_LR), 0);
    CHECK_EQ(s.cdw12, 0x80000000);
    CHECK_EQ(nvme_cmd_rw(&s, NVME_IO_READ, 1, 0, 1, NVME_RW_PRINFO(NVME_PRINFO_PRACT)), 0);
    CHECK_EQ(s.cdw12, 0x20000000);
    CHECK_EQ(nvme_cmd_rw(&s, NVME_IO_READ, 1, 0, 1, NVME_RW_PRINFO(0xF)), 0);
    CHECK_EQ(s.cdw12, 0x3C000000);
    CHECK_EQ(nvme_cmd_rw(&s, NVME_IO_READ, 1, 0, 1, 0x02FFFFFF), 0);
    CHECK_EQ(s.cdw12, 0x00000000);
    /* NLB limits: 1..65536 */
    CHECK_EQ(nvme_cmd_rw(&s, NVME_IO_READ, 1, 0, 65536, 0), 0);
    CHECK_EQ(s.cdw12, 0x0000FFFF);
    CHECK_EQ(nvme_cmd_rw(&s, NVME_IO_READ, 1, 0, 65537, 0), -EINVAL);
    CHECK_EQ(nvme_cmd_rw(&s, NVME_IO_READ, 1, 0, 0, 0), -EINVAL);
    CHECK_EQ(nvme_cmd_rw(&s, NVME_IO_COMPARE, 1, 0xFFFFFFFFFFFFFFFFull, 2, 0), 0);
    CHECK_EQ(s.opc, 0x05);
    CHECK_EQ(s.cdw10, 0xFFFFFFFF);
    CHECK_EQ(s.cdw11, 0xFFFFFFFF);

    /* Flush: opcode 00h, the NSID and nothing else */
    s = junk();
    nvme_cmd_flush(&s, NVME_NSID_ALL);
    w = zero;
    w.nsid = 0xFFFFFFFF;
    CHECK_SQE(&s, &w);

    /* Write Zeroes 8 blocks at 16 with DEAC (CDW12 bit 25) */
    s = junk();
    CHECK_EQ(nvme_cmd_write_zeroes(&s, 1, 16, 8, true), 0);
    w = zero;
    w.opc = 0x08;
    w.nsid = 1;
    w.cdw10 = 16;
    w.cdw12 = 0x02000007;
    CHECK_SQE(&s, &w);
    CHECK_EQ(nvme_cmd_write_zeroes(&s, 1, 16, 8, false), 0);
    CHECK_EQ(s.cdw12, 0x00000007);
    CHECK_EQ(nvme_cmd_write_zeroes(&s, 1, 16, 0, false), -EINVAL);

    /* DSM: NR 0's based in CDW10 7:0, AD is CDW11 bit 2 */
    s = junk();
    CHECK_EQ(nvme_cmd_dsm(&s, 1, 3, NVME_DSM_AD), 0);
    w = zero;
    w.opc = 0x09;
    w.nsid = 1;
    w.cdw10 = 2;
    w.cdw11 = 4;
    CHECK_SQE(&s, &w);
    CHECK_EQ(nvme_cmd_dsm(&s, 1, 256, NVME_DSM_IDR | NVME_DSM_IDW | 0xF0), 0);
    CHECK_EQ(s.cdw10, 0xFF);
    CHECK_EQ(s.cdw11, 3);
    CHECK_EQ(nvme_cmd_dsm(&s, 1, 257, NVME_DSM_AD), -EINVAL);
    CHECK_EQ(nvme_cmd_dsm(&s, 1, 0, NVME_DSM_AD), -EINVAL);

    /* a DSM range in memory: CATTR, NLB (a count), SLBA, little-endian */
    nvme_dsm_range_set(&r, 0x0102030405060708ull, 8, 0);
    {
        static const uint8_t want[16] = { 0, 0, 0, 0, 8, 0, 0, 0,
                                          8, 7, 6, 5, 4, 3, 2, 1 };
        CHECK(memcmp(&r, want, 16) == 0);
    }
}

static void test_describe(void)
{
    struct nvme_sqe s;
    struct nvme_cqe c;
    char buf[256];

    nvme_cmd_identify(&s, NVME_CNS_CTRL, 0, 0);
    s.cid = 3;
    s.dptr.prp1 = 0x1234000;
    CHECK_EQ(nvme_sqe_describe(&s, true, buf, sizeof(buf)), (int)strlen(buf));
    CHECK_STR_EQ(buf, "Identify CNS=01h (controller) NSID=0 CID=3 PRP1=0x1234000");

    nvme_cmd_identify(&s, NVME_CNS_NS, 0, 1);
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Identify CNS=00h (namespace) NSID=1 CID=0");
    nvme_cmd_identify(&s, 0x1F, 7, 0);
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Identify CNS=1Fh CNTID=7 NSID=0 CID=0");

    nvme_cmd_create_io_cq(&s, 1, 256, 0x7F000, 1, true);
    s.cid = 4;
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Create I/O CQ QID=1 QSIZE=256 (0-based 255) PC=1 IEN=1 IV=1 CID=4 "
                      "PRP1=0x7f000");
    nvme_cmd_create_io_sq(&s, 1, 256, 0x80000, 1, 0);
    s.cid = 5;
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Create I/O SQ QID=1 QSIZE=256 (0-based 255) PC=1 QPRIO=0 CQID=1 CID=5 "
                      "PRP1=0x80000");
    nvme_cmd_delete_io_sq(&s, 1);
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Delete I/O SQ QID=1 CID=0");
    nvme_cmd_delete_io_cq(&s, 1);
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Delete I/O CQ QID=1 CID=0");

    nvme_cmd_set_num_queues(&s, 1, 1);
    s.cid = 6;
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Set Features FID=07h (Number of Queues) SV=0 CDW11=0x0 NSQR=0 NCQR=0 "
                      "(0-based) CID=6");
    nvme_cmd_get_features(&s, NVME_FEAT_VOLATILE_WC, NVME_FEAT_SEL_CURRENT, 0, 0);
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Get Features FID=06h (Volatile Write Cache) SEL=0 (current) CDW11=0x0 "
                      "CID=0");
    nvme_cmd_set_features(&s, NVME_FEAT_HOST_BEHAVIOR, true, 0, 0);
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Set Features FID=16h (Host Behavior Support) SV=1 CDW11=0x0 CID=0");

    nvme_cmd_get_log_page(&s, NVME_NSID_ALL, NVME_LOG_SMART, 512, 0, false);
    s.dptr.prp1 = 0x9000;
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Get Log Page LID=02h (SMART / Health Information) NSID=0xffffffff "
                      "NUMD=128 (0-based 127, 512 bytes) LPO=0x0 RAE=0 CID=0 PRP1=0x9000");

    nvme_cmd_abort(&s, 1, 7);
    s.cid = 9;
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Abort SQID=1 target-CID=7 CID=9");
    nvme_cmd_async_event_request(&s);
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Asynchronous Event Request CID=0");

    /* an admin opcode without its own decoder, and one the spec does not define */
    memset(&s, 0, sizeof(s));
    s.opc = NVME_ADMIN_FORMAT_NVM;
    s.nsid = 1;
    s.cdw10 = 0x4;
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Format NVM NSID=1 CDW10=0x4 CDW11=0x0 CID=0");
    s.opc = 0xC5;
    nvme_sqe_describe(&s, true, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Admin opcode C5h NSID=1 CDW10=0x4 CDW11=0x0 CID=0");

    /* I/O */
    nvme_cmd_rw(&s, NVME_IO_READ, 1, 0, 8, 0);
    s.cid = 12;
    s.dptr.prp1 = 0x2000;
    s.dptr.prp2 = 0x3000;
    nvme_sqe_describe(&s, false, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Read NSID=1 SLBA=0x0 NLB=8 (0-based 7) CID=12 PRP1=0x2000 PRP2=0x3000");
    nvme_cmd_rw(&s, NVME_IO_WRITE, 1, 0x1000000000ull, 1, NVME_RW_FUA | NVME_RW_LR);
    nvme_sqe_describe(&s, false, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Write NSID=1 SLBA=0x1000000000 NLB=1 (0-based 0) FUA LR CID=0");
    nvme_cmd_write_zeroes(&s, 1, 8, 16, true);
    nvme_sqe_describe(&s, false, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Write Zeroes NSID=1 SLBA=0x8 NLB=16 (0-based 15) DEAC CID=0");
    nvme_cmd_flush(&s, 1);
    nvme_sqe_describe(&s, false, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Flush NSID=1 CID=0");
    nvme_cmd_dsm(&s, 1, 3, NVME_DSM_AD);
    s.dptr.prp1 = 0x4000;
    nvme_sqe_describe(&s, false, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Dataset Management NSID=1 NR=3 (0-based 2) AD=1 IDW=0 IDR=0 CID=0 "
                      "PRP1=0x4000");
    memset(&s, 0, sizeof(s));
    s.opc = 0x7D;
    s.nsid = 2;
    nvme_sqe_describe(&s, false, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "I/O opcode 7Dh NSID=2 CDW10=0x0 CDW11=0x0 CDW12=0x0 CID=0");
    /* the same opcode byte means different things on the two queue kinds */
    memset(&s, 0, sizeof(s));
    s.opc = 0x01;
    nvme_sqe_describe(&s, false, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Write NSID=0 SLBA=0x0 NLB=1 (0-based 0) CID=0");
    /* fused / SGL bits are shown when set */
    s.flags = (uint8_t)(NVME_SET(SQE_FUSE, NVME_SQE_FUSE_FIRST) | NVME_SET(SQE_PSDT, 1u));
    nvme_sqe_describe(&s, false, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "Write NSID=0 SLBA=0x0 NLB=1 (0-based 0) FUSE=1 PSDT=1 CID=0");

    /* truncation follows snprintf: full length back, the prefix in the buffer */
    nvme_cmd_identify(&s, NVME_CNS_CTRL, 0, 0);
    {
        const int full = (int)strlen("Identify CNS=01h (controller) NSID=0 CID=0");
        CHECK_EQ(nvme_sqe_describe(&s, true, buf, 9), full);
        CHECK_STR_EQ(buf, "Identify");
        CHECK_EQ(nvme_sqe_describe(&s, true, NULL, 0), full);
        c = (struct nvme_cqe){ .status = 1 };
        CHECK_EQ(nvme_cqe_describe(&c, buf, 4), 67);
        CHECK_STR_EQ(buf, "CID");
    }

    /* completions */
    memset(&c, 0, sizeof(c));
    c.cid = 3;
    c.sqhd = 4;
    c.status = 0x0001;
    CHECK_EQ(nvme_cqe_describe(&c, buf, sizeof(buf)), (int)strlen(buf));
    CHECK_STR_EQ(buf, "CID=3 SQID=0 SQHD=4 P=1 status=0x0000 Successful Completion DW0=0x0");
    c.dw0 = 0x003F003F;
    c.status = 0x0000;
    nvme_cqe_describe(&c, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "CID=3 SQID=0 SQHD=4 P=0 status=0x0000 Successful Completion "
                      "DW0=0x3f003f");
    c.dw0 = 0;
    c.sqid = 1;
    c.status = 0x4002 << 1 | 1;
    nvme_cqe_describe(&c, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "CID=3 SQID=1 SQHD=4 P=1 status=0x4002 Invalid Field in Command "
                      "(sct=0x0 sc=0x02 dnr=1) DW0=0x0");
    c.status = (uint16_t)(0x0281 << 1 | 1u << 12 | 1); /* CRD=1: wait CRDT1 */
    c.dw1 = 0x55;
    nvme_cqe_describe(&c, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "CID=3 SQID=1 SQHD=4 P=1 status=0x0a81 Unrecovered Read Error "
                      "(sct=0x2 sc=0x81 dnr=0) CRD=1 DW0=0x0 DW1=0x55");
    c.status = 0x6000 << 1 | 0x412 << 1;
    c.dw1 = 0;
    nvme_cqe_describe(&c, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "CID=3 SQID=1 SQHD=4 P=0 status=0x6412 Unknown (sct=0x4 sc=0x12 dnr=1) "
                      "M=1 DW0=0x0");
}

static void test_names(void)
{
    CHECK_STR_EQ(nvme_admin_opc_name(0x06), "Identify");
    CHECK_STR_EQ(nvme_admin_opc_name(0x05), "Create I/O Completion Queue");
    CHECK_STR_EQ(nvme_admin_opc_name(0x7C), "Doorbell Buffer Config");
    CHECK(nvme_admin_opc_name(0x03) == NULL);
    CHECK(nvme_admin_opc_name(0xFF) == NULL);
    CHECK_STR_EQ(nvme_io_opc_name(0x02), "Read");
    CHECK_STR_EQ(nvme_io_opc_name(0x09), "Dataset Management");
    CHECK_STR_EQ(nvme_io_opc_name(0x19), "Copy");
    CHECK(nvme_io_opc_name(0x03) == NULL);
    CHECK_STR_EQ(nvme_feature_name(0x01), "Arbitration");
    CHECK_STR_EQ(nvme_feature_name(0x02), "Power Management");
    CHECK_STR_EQ(nvme_feature_name(0x03), "LBA Range Type");
    CHECK_STR_EQ(nvme_feature_name(0x04), "Temperature Threshold");
    CHECK_STR_EQ(nvme_feature_name(0x05), "Error Recovery");
    CHECK_STR_EQ(nvme_feature_name(0x06), "Volatile Write Cache");
    CHECK_STR_EQ(nvme_feature_name(0x07), "Number of Queues");
    CHECK_STR_EQ(nvme_feature_name(0x08), "Interrupt Coalescing");
    CHECK_STR_EQ(nvme_feature_name(0x09), "Interrupt Vector Configuration");
    CHECK_STR_EQ(nvme_feature_name(0x0A), "Write Atomicity Normal");
    CHECK_STR_EQ(nvme_feature_name(0x0B), "Asynchronous Event Configuration");
    CHECK_STR_EQ(nvme_feature_name(0x0E), "Timestamp");
    CHECK_STR_EQ(nvme_feature_name(0x16), "Host Behavior Support");
    CHECK(nvme_feature_name(0x00) == NULL);
    CHECK(nvme_feature_name(0x15) == NULL);
    CHECK_STR_EQ(nvme_log_page_name(0x01), "Error Information");
    CHECK_STR_EQ(nvme_log_page_name(0x02), "SMART / Health Information");
    CHECK_STR_EQ(nvme_log_page_name(0x03), "Firmware Slot Information");
    CHECK_STR_EQ(nvme_log_page_name(0x04), "Changed Namespace List");
    CHECK_STR_EQ(nvme_log_page_name(0x05), "Commands Supported and Effects");
    CHECK(nvme_log_page_name(0x0E) == NULL);
    CHECK_STR_EQ(nvme_cns_name(0x00), "namespace");
    CHECK_STR_EQ(nvme_cns_name(0x01), "controller");
    CHECK_STR_EQ(nvme_cns_name(0x02), "active namespace list");
    CHECK_STR_EQ(nvme_cns_name(0x1C), "I/O command set");
    CHECK(nvme_cns_name(0x09) == NULL);
    CHECK(nvme_cns_name(0x1D) == NULL);
}

int main(void)
{
    test_admin_builders();
    test_io_builders();
    test_describe();
    test_names();
    return check_exit();
}
