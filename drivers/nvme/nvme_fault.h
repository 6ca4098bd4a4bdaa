/*
 * drivers/nvme/nvme_fault.h - seeded fault schedules ("nvme fault CTRL
 * plan=... seed=N"): a plan of rules, parsed from text, run by a
 * deterministic scheduler at the driver's two seams - the register-access
 * ops (nvme_mmio.h: fake all-ones reads) and the completion queue (drop,
 * delay or change a completion; swallow an interrupt). The grammar and the
 * rules' meaning are in docs/reliability.md ("Fault plans").
 *
 * The parser and the scheduler are pure (no clock, no allocation: the
 * caller passes the time), so the host controller model runs the same plan
 * on the device side (tests/host/nvme_model.c) and the host tests check
 * them directly. Completion statuses are "15-bit" here: the CQE's status
 * field without its phase bit (SC 7:0, SCT 10:8, CRD 12:11, M 13, DNR 14)
 * [NVMe Base 2.0 §4.6.1, Figure 93].
 *
 * Off costs one predictable branch per reap and per completion entry
 * (qp->fault == NULL) and nothing at all on register reads (the ops pointer
 * is swapped only while a plan with an all-ones rule is armed).
 */
#ifndef NVOS_DRIVERS_NVME_NVME_FAULT_H
#define NVOS_DRIVERS_NVME_NVME_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/nvme_regs.h"

#define NVME_FAULT_MAX_RULES 8
#define NVME_FAULT_MAX_TEXT 512   /* longest plan text accepted */
#define NVME_FAULT_MAX_HELD 16    /* delayed completions held at once */
#define NVME_FAULT_MAX_TIME_NS (3600ull * 1000000000ull)

enum nvme_fault_kind {
    NVME_FAULT_DROP,    /* the completion entry is consumed and forgotten */
    NVME_FAULT_DELAY,   /* held back for delay_ns, then handled */
    NVME_FAULT_STATUS,  /* its status replaced by status15 */
    NVME_FAULT_FAIL,    /* its status replaced by Internal Error, DNR set */
    NVME_FAULT_ALLONES, /* register reads return all ones inside the window */
    NVME_FAULT_MASKIRQ, /* an interrupt is swallowed (its completions wait for a poll) */
};

/* Which queue a rule's opcode filter means. */
enum nvme_fault_queue { NVME_FAULT_Q_ANY, NVME_FAULT_Q_ADMIN, NVME_FAULT_Q_IO };

struct nvme_fault_rule {
    uint8_t kind;          /* enum nvme_fault_kind */
    uint8_t queue;         /* enum nvme_fault_queue */
    int16_t opc;           /* opcode to match, or -1: any */
    uint32_t nth;          /* first matching event that may fire (1-based) */
    uint32_t count;        /* injections at most; 0: no limit */
    uint32_t p_ppm;        /* probability per matching event, parts per million;
                            * 1000000 (the default): always */
    uint64_t after_ns;     /* window start, from arming */
    uint64_t for_ns;       /* window length; 0: no end */
    uint64_t delay_ns;     /* DELAY */
    uint16_t status15;     /* STATUS, FAIL */
    uint8_t set;           /* NVME_FAULT_SET_*: keys given (for printing the plan back) */
    /* Counters, kept by the scheduler */
    uint64_t matched;      /* events inside the window that matched the filter */
    uint64_t injected;
};

#define NVME_FAULT_SET_NTH 0x01
#define NVME_FAULT_SET_COUNT 0x02
#define NVME_FAULT_SET_P 0x04
#define NVME_FAULT_SET_AFTER 0x08
#define NVME_FAULT_SET_FOR 0x10

struct nvme_fault_plan {
    struct nvme_fault_rule rule[NVME_FAULT_MAX_RULES];
    unsigned nrules;
};

/*
 * Parses plan text (len bytes, need not be NUL-terminated). 0, or -EINVAL
 * with a one-line reason in err ("rule 2: unknown key 'foo'"), -E2BIG for
 * too many rules or too long a text. Never reads past len.
 */
int nvme_fault_parse(const char *text, size_t len, struct nvme_fault_plan *plan, char *err,
                     size_t err_size);

/* The plan in canonical text (what the parser takes back to the same plan). */
void nvme_fault_format(const struct nvme_fault_plan *plan, char *buf, size_t size);
/* One rule, canonical. */
void nvme_fault_format_rule(const struct nvme_fault_rule *r, char *buf, size_t size);
const char *nvme_fault_kind_name(unsigned kind);

/* The scheduler: a plan, its PRNG and the time it was armed. */
struct nvme_fault_sched {
    struct nvme_fault_plan plan;
    uint64_t seed;
    uint64_t rng;      /* splitmix64 state */
    uint64_t t0_ns;    /* armed at */
    unsigned last;     /* index of the rule that fired last */
};

void nvme_fault_sched_start(struct nvme_fault_sched *s, const struct nvme_fault_plan *plan,
                            uint64_t seed, uint64_t now_ns);

enum nvme_fault_action { NVME_FAULT_PASS, NVME_FAULT_DO_DROP, NVME_FAULT_DO_DELAY,
                         NVME_FAULT_DO_STATUS };

/*
 * A completion of opcode opc (-1: not known, e.g. a CID that names no
 * command) on an admin (or I/O) queue, now. Every rule
 * that matches counts it; the first that fires decides: drop, delay
 * (*delay_ns) or a new status (*status15). Same plan, same seed, same
 * sequence of events (and times inside the same windows): same decisions.
 */
enum nvme_fault_action nvme_fault_sched_cqe(struct nvme_fault_sched *s, bool admin, int opc,
                                            uint64_t now_ns, uint16_t *status15,
                                            uint64_t *delay_ns);
/* An interrupt: true to swallow it. */
bool nvme_fault_sched_irq(struct nvme_fault_sched *s, uint64_t now_ns);
/* A register read: true to return all ones. */
bool nvme_fault_sched_allones(struct nvme_fault_sched *s, uint64_t now_ns);
/* Whether the plan has a rule of this kind (the ops swap needs one). */
bool nvme_fault_plan_has(const struct nvme_fault_plan *plan, unsigned kind);

/* ---- the driver side (nvme_fault.c): one armed plan per controller ---- */

struct nvme_ctrlr;
struct nvme_qpair;
struct nvme_reg_ops;

struct nvme_fault_held {
    struct nvme_qpair *qp;
    uint64_t due_ns;
    struct nvme_cqe cqe;
};

struct nvme_fault {
    struct nvme_fault_sched sched;
    const struct nvme_reg_ops *real_ops; /* swapped out while all-ones can fire */
    struct nvme_fault_held held[NVME_FAULT_MAX_HELD];
    unsigned nheld;
    uint64_t held_overflow;              /* delays not done: no slot free */
};

/*
 * Arms plan on c with seed (replacing an armed one): every queue pair, and
 * every pair created later, runs it; echoes one line that repeats the run
 * ("nvme0: fault plan armed: nvme fault nvme0 plan=\"...\" seed=0x..").
 * 0 or -ENOMEM.
 */
int nvme_fault_arm(struct nvme_ctrlr *c, const struct nvme_fault_plan *plan, uint64_t seed);
/* Disarms: held completions are handed over now, the ops restored. */
void nvme_fault_disarm(struct nvme_ctrlr *c);
/* Prints the armed plan, each rule's counters and the held completions. */
void nvme_fault_print_status(struct nvme_ctrlr *c);

/* Completion seam (nvme_qpair.c's reap, only when qp->fault): true when the
 * entry was dropped or held; false: handle *cqe (its status maybe changed). */
bool nvme_fault_on_cqe(struct nvme_qpair *qp, struct nvme_cqe *cqe);
/* A held completion of qp whose time has come, into *cqe; false: none. */
bool nvme_fault_take_due(struct nvme_qpair *qp, struct nvme_cqe *cqe);
/* Interrupt seam: true to swallow this interrupt. */
bool nvme_fault_on_irq(struct nvme_qpair *qp);
/* Before a queue pair's memory goes: its held completions are forgotten. */
void nvme_fault_forget_qpair(struct nvme_qpair *qp);

#endif
