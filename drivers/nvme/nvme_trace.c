/*
 * drivers/nvme/nvme_trace.c - the teaching trace (nvme.trace=1, "nvme trace on").
 *
 * One line per event, prefixed with the controller name:
 *   W CC 0x014 <- 0x00460001 (EN=1 CSS=0 MPS=0 AMS=0 SHN=0 IOSQES=6 IOCQES=4)
 *   R CSTS 0x01c x37 until RDY=1, 2.100 ms: 0x00000001 (RDY=1 CFS=0 SHST=0 ...)
 *   SQ0[5] <- OPC=0x06 CID=0x0005 Identify CNS=01h (controller) NSID=0 CID=5 PRP1=0x...
 *   DB SQ0 tail 0x1000 <- 6
 *   CQ0[5] -> CID=0x0005 SQID=0 SQHD=6 P=1 status=0x0000 Successful Completion DW0=0x0
 *   DB CQ0 head 0x1004 <- 6
 * With shadow doorbells (nvme_dbbuf.h) an I/O queue's update that needs no
 * MMIO write is "shadow DB SQ1 tail <- 7 (event index 5: ...)", and one
 * that does says "(and its shadow slot)" after the DB line.
 * Register names and field names are the specification's. Polling loops are
 * one line. docs/nvme-init-walkthrough.md explains a whole trace, and the
 * QEMU test "nvme.trace-matches-device" checks these lines against QEMU's own
 * record of what the device received.
 */
#include "drivers/nvme/nvme_capture.h"
#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "kernel/kernel.h"

const char *nvme_reg_name(uint32_t off)
{
    switch (off) {
    case NVME_REG_CAP:
        return "CAP";
    case NVME_REG_CAP + 4:
        return "CAP.hi";
    case NVME_REG_VS:
        return "VS";
    case NVME_REG_INTMS:
        return "INTMS";
    case NVME_REG_INTMC:
        return "INTMC";
    case NVME_REG_CC:
        return "CC";
    case NVME_REG_CSTS:
        return "CSTS";
    case NVME_REG_NSSR:
        return "NSSR";
    case NVME_REG_AQA:
        return "AQA";
    case NVME_REG_ASQ:
        return "ASQ";
    case NVME_REG_ASQ + 4:
        return "ASQ.hi";
    case NVME_REG_ACQ:
        return "ACQ";
    case NVME_REG_ACQ + 4:
        return "ACQ.hi";
    case NVME_REG_CMBLOC:
        return "CMBLOC";
    case NVME_REG_CMBSZ:
        return "CMBSZ";
    case NVME_REG_CRTO:
        return "CRTO";
    default:
        return "reg";
    }
}

static void decode(uint32_t off, uint64_t v, char *buf, size_t size)
{
    buf[0] = '\0';
    switch (off) {
    case NVME_REG_CAP:
        nvme_decode_cap(v, buf, size);
        break;
    case NVME_REG_VS:
        nvme_decode_vs((uint32_t)v, buf, size);
        break;
    case NVME_REG_CC:
        nvme_decode_cc((uint32_t)v, buf, size);
        break;
    case NVME_REG_CSTS:
        nvme_decode_csts((uint32_t)v, buf, size);
        break;
    case NVME_REG_AQA:
        nvme_decode_aqa((uint32_t)v, buf, size);
        break;
    case NVME_REG_CRTO:
        nvme_decode_crto((uint32_t)v, buf, size);
        break;
    case NVME_REG_ASQ:
    case NVME_REG_ACQ:
        ksnprintf(buf, size, "base %#llx", (unsigned long long)(v & ~0xFFFull));
        break;
    default:
        break;
    }
}

void nvme_trace_reg(struct nvme_ctrlr *c, bool write, uint32_t off, uint64_t value, bool wide)
{
    char fields[200];
    decode(off, value, fields, sizeof(fields));
    kprintf("%s: %c %s 0x%03x %s 0x%0*llx%s%s%s\n", c->name, write ? 'W' : 'R', nvme_reg_name(off),
            off, write ? "<-" : "->", wide ? 16 : 8, (unsigned long long)value,
            fields[0] ? " (" : "", fields, fields[0] ? ")" : "");
}

void nvme_trace_poll(struct nvme_ctrlr *c, uint32_t off, uint32_t value, unsigned reads,
                     uint64_t ns, const char *until)
{
    char fields[200];
    decode(off, value, fields, sizeof(fields));
    kprintf("%s: R %s 0x%03x x%u until %s, %llu.%03llu ms: 0x%08x (%s)\n", c->name,
            nvme_reg_name(off), off, reads, until, (unsigned long long)(ns / 1000000),
            (unsigned long long)(ns / 1000 % 1000), value, fields);
}

/* The queue pairs' trace flag means "trace or capture" (nvme_capture.h). */
void nvme_trace_sqe(struct nvme_qpair *qp, const struct nvme_sqe *sqe)
{
    if (qp->ctrlr->capture)
        nvme_capture_sqe(qp, sqe);
    if (!qp->ctrlr->trace)
        return;
    char text[256];
    nvme_sqe_describe(sqe, qp->id == 0, text, sizeof(text));
    uint16_t slot = (uint16_t)(qp->sq_tail == 0 ? qp->size - 1 : qp->sq_tail - 1);
    kprintf("%s: SQ%u[%u] <- OPC=0x%02x CID=0x%04x %s\n", qp->ctrlr->name, qp->id, slot, sqe->opc,
            sqe->cid, text);
}

void nvme_trace_cqe(struct nvme_qpair *qp, const struct nvme_cqe *cqe)
{
    if (qp->ctrlr->capture)
        nvme_capture_cqe(qp, cqe);
    if (!qp->ctrlr->trace)
        return;
    char text[256];
    nvme_cqe_describe(cqe, text, sizeof(text));
    uint16_t slot = (uint16_t)(qp->cq_head == 0 ? qp->size - 1 : qp->cq_head - 1);
    kprintf("%s: CQ%u[%u] -> %s\n", qp->ctrlr->name, qp->id, slot, text);
}

void nvme_trace_doorbell(struct nvme_qpair *qp, bool sq, uint32_t value)
{
    struct nvme_ctrlr *c = qp->ctrlr;
    if (!c->trace)
        return;
    uint64_t off = sq ? NVME_REG_SQTDBL(qp->id, c->dstrd) : NVME_REG_CQHDBL(qp->id, c->dstrd);
    const struct nvme_doorbell *db = sq ? &qp->sq_db : &qp->cq_db;
    /* Called right after each update: a change in the count is this one. */
    bool mmio = qp->stats.doorbells_saved == qp->trace_saved;
    qp->trace_saved = qp->stats.doorbells_saved;
    if (!mmio) {
        kprintf("%s: shadow DB %s%u %s <- %u (event index %u: no MMIO write needed)\n",
                c->name, sq ? "SQ" : "CQ", qp->id, sq ? "tail" : "head", value,
                db->eventidx ? *db->eventidx : 0);
        return;
    }
    kprintf("%s: DB %s%u %s %#llx <- %u%s\n", c->name, sq ? "SQ" : "CQ", qp->id,
            sq ? "tail" : "head", (unsigned long long)off, value,
            db->shadow ? " (and its shadow slot)" : "");
}
