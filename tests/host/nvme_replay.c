/*
 * tests/host/nvme_replay.c - replays an NVMe capture (docs/capture.md)
 * against the driver's own code, on the host.
 *
 *   nvme_replay [-v] [--poke OFF:MASK=VALUE] [--expect-divergence] FILE
 *
 * FILE is a capture, or a whole console log: only "NVCAP " lines count.
 * Each section runs what the kernel ran when it was taken - "init":
 * nvme_ctrlr_init on a fresh controller, "reset": nvme_ctrlr_reset - then
 * the capture's I/O sequence (nvme_capture_io_sequence), with capture on.
 * The driver reaches its "device" through the register-access seam
 * (c->ops): a register read returns the value the capture holds next for
 * that register, and when the driver waits, the next completion in the
 * capture is posted in its completion queue, with the captured data in the
 * command's buffer. Every line the driver's capture code writes is compared
 * with the capture's next line; ASQ/ACQ write values (host addresses) are
 * not. The first difference is reported - capture line number, section,
 * init step, expected and actual line, decoded - and the rest of the run is
 * cut short (registers then read all ones).
 *
 * --poke changes the value of the first read of register OFF as if the
 * capture had been edited: (value & ~MASK) | (VALUE & MASK).
 * --expect-divergence inverts the exit status: 0 when a divergence was
 * found (and reported), 1 when the capture was reproduced.
 *
 * Exit: 0 reproduced, 1 a divergence (or a damaged capture), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_capture.h"
#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "kernel/time/clock.h"
#include "lib/crc32.h"
#include "tests/host/nvme_model.h"

struct line {
    unsigned lineno; /* in the file */
    char text[NVME_CAPTURE_LINE_MAX];
};

static struct line *lines;
static unsigned nlines, cursor;

static struct nvme_model model;
static struct nvme_ctrlr ctrlr;
static uint32_t regs[0x1000 / 4]; /* last value seen per register */

/* The first divergence. */
static bool diverged;
static char report[1024];
static const char *section_mode = "";
static char step[NVME_CAPTURE_LINE_MAX] = "(before the first step)";
static unsigned posted_at = ~0u;      /* the cursor whose completion is posted */
static uint64_t progress_ns;          /* when the cursor last moved */

static bool is(const char *text, char kind)
{
    return text[0] == kind && text[1] == ' ';
}

/* "what the line means", for the report. */
static void describe(const char *text, char *out, size_t size)
{
    unsigned q, cid, opc, off, v;
    uint32_t d[7];
    out[0] = '\0';
    if ((is(text, 'r') || is(text, 'w')) && sscanf(text + 2, "%x %x", &off, &v) == 2) {
        snprintf(out, size, "%s %s (%#x) %s 0x%08x", text[0] == 'r' ? "read" : "write",
                 nvme_reg_name(off), off, text[0] == 'r' ? "=" : "<-", v);
    } else if (is(text, 's') && sscanf(text + 2, "%u %x %x %x %x %x %x %x %x %x", &q, &cid, &opc,
                                       &d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &d[6]) == 10) {
        struct nvme_sqe s;
        memset(&s, 0, sizeof(s));
        s.opc = (uint8_t)opc;
        s.cid = (uint16_t)cid;
        s.nsid = d[0];
        s.cdw10 = d[1], s.cdw11 = d[2], s.cdw12 = d[3], s.cdw13 = d[4], s.cdw14 = d[5];
        s.cdw15 = d[6];
        char what[200];
        nvme_sqe_describe(&s, q == 0, what, sizeof(what));
        snprintf(out, size, "command on SQ %u: %s", q, what);
    } else if (is(text, 'c')) {
        snprintf(out, size, "completion entry");
    } else if (is(text, 'd')) {
        snprintf(out, size, "data returned");
    }
}

static void diverge(const char *got, const char *why)
{
    if (diverged)
        return;
    diverged = true;
    const char *want = cursor < nlines ? lines[cursor].text : "(end of capture)";
    char dw[256], dg[256];
    describe(want, dw, sizeof(dw));
    describe(got ? got : "", dg, sizeof(dg));
    snprintf(report, sizeof(report),
             "replay: first divergence at capture line %u (section \"%s\", %s)\n"
             "  capture: %s%s%s%s\n"
             "  driver:  %s%s%s%s\n"
             "  %s\n",
             cursor < nlines ? lines[cursor].lineno : 0, section_mode, step, want,
             dw[0] ? "   [" : "", dw, dw[0] ? "]" : "", got ? got : "(nothing)",
             dg[0] ? "   [" : "", dg, dg[0] ? "]" : "", why);
}

static void advance(void)
{
    cursor++;
    progress_ns = clock_ns();
}

/* ---- the driver's capture lines, compared ---- */

static bool addr_write(const char *text)
{
    unsigned off;
    return is(text, 'w') && sscanf(text + 2, "%x", &off) == 1 && off >= NVME_REG_ASQ &&
           off < NVME_REG_ACQ + 8;
}

static void sink(struct nvme_ctrlr *c, const char *got)
{
    (void)c;
    if (diverged)
        return;
    if (cursor >= nlines) {
        diverge(got, "the driver goes on where the capture has ended");
        return;
    }
    const char *want = lines[cursor].text;
    bool same;
    if (addr_write(got) && addr_write(want))
        same = strncmp(got, want, 5) == 0; /* ASQ/ACQ: host addresses differ */
    else if (strncmp(got, "end ", 4) == 0)
        same = strncmp(want, "end ", 4) == 0 && strtoul(want + 4, NULL, 10) ==
                                                    strtoul(got + 4, NULL, 10);
    else
        same = strcmp(got, want) == 0;
    if (!same) {
        diverge(got, "the driver's transcript differs here");
        return;
    }
    if (strncmp(got, "step ", 5) == 0)
        snprintf(step, sizeof(step), "%s", got);
    unsigned off, v;
    if ((is(got, 'r') || is(got, 'w')) && sscanf(got + 2, "%x %x", &off, &v) == 2 &&
        off < sizeof(regs) && !addr_write(got))
        regs[off / 4] = v;
    advance();
}

/* ---- the device side: registers ---- */

static uint32_t replay_read(struct nvme_ctrlr *c, uint32_t off)
{
    (void)c;
    if (diverged)
        return 0xFFFFFFFFu;
    unsigned o, v;
    if (cursor < nlines && is(lines[cursor].text, 'r') &&
        sscanf(lines[cursor].text + 2, "%x %x", &o, &v) == 2 && o == off)
        return v;
    /* Not a read the capture has next: an uncaptured one (the watchdog's
     * CSTS look) gets the last value; a captured one diverges in sink. */
    return off < sizeof(regs) ? regs[off / 4] : 0;
}

static void replay_write(struct nvme_ctrlr *c, uint32_t off, uint32_t v)
{
    (void)c;
    if (off < sizeof(regs))
        regs[off / 4] = v;
}

static const struct nvme_reg_ops replay_ops = { replay_read, replay_write };

/* ---- the device side: completions ---- */

static struct nvme_qpair *qpair(unsigned qid)
{
    if (qid == 0)
        return &ctrlr.admin;
    for (struct nvme_qpair *qp = ctrlr.io_qpairs; qp; qp = qp->next)
        if (qp->id == qid)
            return qp;
    return NULL;
}

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* The captured data lines after line i into the command's PRP1/PRP2 pages. */
static bool put_data(unsigned i, const struct nvme_tracker *tr, uint32_t len)
{
    uint8_t *data = calloc(1, len ? len : 1);
    for (unsigned k = i + 1; k < nlines && is(lines[k].text, 'd'); k++) {
        unsigned off;
        char hex[80];
        if (sscanf(lines[k].text + 2, "%x %79s", &off, hex) != 2 || strlen(hex) % 2 ||
            off + strlen(hex) / 2 > len) {
            free(data);
            return false;
        }
        for (size_t b = 0; b < strlen(hex) / 2; b++) {
            int hi = hexval(hex[2 * b]), lo = hexval(hex[2 * b + 1]);
            if (hi < 0 || lo < 0) {
                free(data);
                return false;
            }
            data[off + b] = (uint8_t)(hi << 4 | lo);
        }
    }
    uint64_t prp1 = tr->sqe.dptr.prp1, prp2 = tr->sqe.dptr.prp2;
    uint32_t first = (uint32_t)(ctrlr.page_size - (prp1 & (ctrlr.page_size - 1)));
    if (first > len)
        first = len;
    memcpy((void *)(uintptr_t)prp1, data, first);
    if (len > first)
        memcpy((void *)(uintptr_t)prp2, data + first, len - first);
    free(data);
    return len - first <= ctrlr.page_size;
}

static void post_next(void)
{
    unsigned q, cid, status, dw0, dw1, sqhd, len;
    const char *text = lines[cursor].text;
    if (sscanf(text + 2, "%u %x %x %x %x %x %u", &q, &cid, &status, &dw0, &dw1, &sqhd, &len) != 7) {
        diverge(NULL, "malformed completion line in the capture");
        return;
    }
    struct nvme_qpair *qp = qpair(q);
    const struct nvme_tracker *tr =
        qp && (cid & NVME_CID_INDEX_MASK) < qp->ntrackers ? &qp->trackers[cid & NVME_CID_INDEX_MASK]
                                                          : NULL;
    if (tr == NULL || !tr->active || tr->sqe.cid != cid) {
        diverge(NULL, "the capture completes a command the driver has not submitted");
        return;
    }
    if (len && !put_data(cursor, tr, len)) {
        diverge(NULL, "the capture's data does not fit the command's buffer");
        return;
    }
    struct nvme_cqe e;
    memset(&e, 0, sizeof(e));
    e.dw0 = dw0;
    e.dw1 = dw1;
    e.sqhd = (uint16_t)sqhd;
    e.sqid = (uint16_t)q;
    e.cid = (uint16_t)cid;
    struct nvme_cqe *slot = &qp->cq[qp->cq_head];
    uint16_t st = (uint16_t)((status & ~1u) | qp->phase);
    e.status = (uint16_t)(st ^ 1);
    memcpy(slot, &e, sizeof(e));
    __atomic_store_n(&slot->status, st, __ATOMIC_RELEASE); /* phase last, as a device */
    posted_at = cursor;
    if (qp->irq)
        nvme_qpair_interrupt(qp);
}

static void relax(struct nvme_model *m)
{
    (void)m;
    if (diverged)
        return;
    if (cursor < nlines && is(lines[cursor].text, 'c') && posted_at != cursor) {
        post_next();
        return;
    }
    if (clock_ns() - progress_ns > 2 * NSEC_PER_SEC)
        diverge(NULL, "the driver waits for something the capture does not give it next");
}

/* ---- sections ---- */


/* Checks each section's line count and CRC (an edited capture is replayed
 * all the same: the replay says what the edit changes). */
static bool check_sections(void)
{
    bool ok = true, in = false;
    uint32_t crc = 0, count = 0;
    unsigned begin = 0;
    for (unsigned i = 0; i < nlines; i++) {
        const char *t = lines[i].text;
        if (strncmp(t, "begin ", 6) == 0) {
            in = true;
            crc = 0;
            count = 0;
            begin = lines[i].lineno;
        }
        if (strncmp(t, "end ", 4) == 0) {
            unsigned n, want;
            if (!in || sscanf(t + 4, "%u crc32 %x", &n, &want) != 2) {
                fprintf(stderr, "replay: line %u: end without begin, or malformed\n",
                        lines[i].lineno);
                return false;
            }
            if (n != count || want != crc) {
                printf("replay: the section at line %u was edited or damaged: %u lines, CRC-32 "
                       "%08x; its end line says %u, %08x (replaying it anyway)\n",
                       begin, count, crc, n, want);
                ok = false;
            }
            in = false;
            continue;
        }
        if (in) {
            crc = crc32_ieee(crc, t, strlen(t));
            crc = crc32_ieee(crc, "\n", 1);
            count++;
        }
    }
    if (in)
        printf("replay: the last section (line %u) has no end line: the capture was cut short\n",
               begin);
    return ok && !in;
}

static void setup_interrupts(unsigned from)
{
    model.irq_vectors = 0;
    for (unsigned i = from; i < nlines; i++) {
        char kind[8];
        unsigned n;
        if (strncmp(lines[i].text, "irq ", 4) != 0 ||
            sscanf(lines[i].text + 4, "%7s %u", kind, &n) != 2)
            continue;
        model.irq_vectors = n;
        model.irq_kind = strcmp(kind, "msix") == 0  ? MODEL_IRQ_MSIX
                         : strcmp(kind, "msi") == 0 ? MODEL_IRQ_MSI
                                                    : MODEL_IRQ_INTX;
        if (strcmp(kind, "none") == 0)
            model.irq_vectors = 0;
        return;
    }
}

static void run_section(void)
{
    char mode[16], name[16], device[NVME_CAPTURE_LINE_MAX];
    unsigned v;
    const char *t = lines[cursor].text;
    int pos = 0;
    if (sscanf(t, "begin v%u %15s %15s %n", &v, mode, name, &pos) != 3 || pos == 0) {
        diverge(NULL, "expected a begin line");
        return;
    }
    snprintf(device, sizeof(device), "%s", t + pos);
    static char mode_keep[16];
    snprintf(mode_keep, sizeof(mode_keep), "%s", mode);
    section_mode = mode_keep;
    snprintf(step, sizeof(step), "(before the first step)");
    progress_ns = clock_ns();
    bool init = strcmp(mode, "init") == 0;
    if (init) {
        model_release_ctrlr(&ctrlr);
        model_free(&model);
        model_init(&model);
        setup_interrupts(cursor);
        model_attach(&model, &ctrlr);
        snprintf(ctrlr.name, sizeof(ctrlr.name), "%s", name);
        ctrlr.ops = &replay_ops;
        /* Longer than the stall detector's 2 s: a wait the capture cannot
         * end is reported as such, not as the driver's timeout handling. */
        ctrlr.admin_timeout_ns = ctrlr.io_timeout_ns = 30 * NSEC_PER_SEC;
        model.relax_hook = relax;
        memset(regs, 0, sizeof(regs));
    } else if (strcmp(mode, "reset") != 0 || ctrlr.ops != &replay_ops ||
               strcmp(name, ctrlr.name) != 0) {
        diverge(NULL, strcmp(mode, "reset") != 0 ? "unknown section mode"
                      : "a reset section needs its controller's init section just before it "
                        "(replay one controller's sections at a time)");
        return;
    }
    nvme_capture_start(&ctrlr, mode, device);
    int err = init ? nvme_ctrlr_init(&ctrlr) : nvme_ctrlr_reset(&ctrlr);
    if (err == 0 && !diverged)
        nvme_capture_io_sequence(&ctrlr);
    nvme_capture_end(&ctrlr);
    if (!diverged && cursor < nlines && strncmp(lines[cursor - 1].text, "end ", 4) != 0)
        diverge(NULL, "the driver stopped where the capture goes on");
}

static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    char buf[4096];
    unsigned lineno = 0, cap = 0;
    size_t plen = strlen(NVME_CAPTURE_PREFIX);
    while (fgets(buf, sizeof(buf), f)) {
        lineno++;
        buf[strcspn(buf, "\r\n")] = '\0';
        const char *p = strstr(buf, NVME_CAPTURE_PREFIX);
        if (p != buf)
            continue; /* the console's other lines */
        if (strlen(p + plen) >= NVME_CAPTURE_LINE_MAX) {
            fprintf(stderr, "%s:%u: line too long for a capture\n", path, lineno);
            fclose(f);
            return -1;
        }
        if (nlines == cap) {
            cap = cap ? 2 * cap : 256;
            lines = realloc(lines, cap * sizeof(*lines));
        }
        lines[nlines].lineno = lineno;
        memcpy(lines[nlines].text, p + plen, strlen(p + plen) + 1);
        nlines++;
    }
    fclose(f);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: nvme_replay [-v] [--poke OFF:MASK=VALUE] [--expect-divergence] FILE\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *path = NULL, *poke = NULL;
    bool expect = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0)
            model_quiet = false, setenv("NVOS_TEST_VERBOSE", "1", 1);
        else if (strcmp(argv[i], "--expect-divergence") == 0)
            expect = true;
        else if (strcmp(argv[i], "--poke") == 0 && i + 1 < argc)
            poke = argv[++i];
        else if (argv[i][0] != '-' && path == NULL)
            path = argv[i];
        else
            return usage();
    }
    if (path == NULL || load(path) != 0)
        return usage();
    if (nlines == 0) {
        fprintf(stderr, "replay: %s holds no NVCAP lines\n", path);
        return 2;
    }
    if (poke) {
        unsigned off, mask, value;
        if (sscanf(poke, "%x:%x=%x", &off, &mask, &value) != 3)
            return usage();
        unsigned i = 0, o, v;
        while (i < nlines && !(is(lines[i].text, 'r') && sscanf(lines[i].text + 2, "%x %x", &o, &v) == 2 && o == off))
            i++;
        if (i == nlines) {
            fprintf(stderr, "replay: no read of register %#x to poke\n", off);
            return 2;
        }
        char was[NVME_CAPTURE_LINE_MAX];
        snprintf(was, sizeof(was), "%s", lines[i].text);
        snprintf(lines[i].text, sizeof(lines[i].text), "r %03x %08x", off,
                 (v & ~mask) | (value & mask));
        printf("replay: edited line %u: \"%s\" -> \"%s\"\n", lines[i].lineno, was, lines[i].text);
    }
    bool intact = check_sections();
    nvme_capture_sink = sink;
    unsigned sections = 0;
    while (cursor < nlines && !diverged) {
        run_section();
        sections++;
    }
    model_release_ctrlr(&ctrlr);
    model_free(&model);
    if (diverged) {
        fputs(report, stdout);
        return expect ? 0 : 1;
    }
    printf("replay: %s: %u section(s), %u lines reproduced by the driver%s\n", path, sections,
           nlines, intact ? "" : " (but the capture's checksums do not match)");
    if (expect) {
        printf("replay: expected a divergence, found none\n");
        return 1;
    }
    return intact ? 0 : 1;
}
