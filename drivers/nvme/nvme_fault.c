/*
 * drivers/nvme/nvme_fault.c - seeded fault schedules (see nvme_fault.h; the
 * grammar is documented in docs/reliability.md, "Fault plans").
 *
 * Three parts: the parser and the scheduler (pure: the host tests and the
 * host controller model use them as they are), and the driver side, which
 * arms a plan on a controller and is called from the completion seam
 * (nvme_qpair.c's reap and interrupt entry, only while qp->fault is set)
 * and from the register seam (c->ops swapped for fault_ops while a plan
 * with an all-ones rule is armed). Statuses follow [NVMe Base 2.0 §4.6.1].
 */
#include "drivers/nvme/nvme_fault.h"

#include <stdarg.h>
#include <string.h>

#include "drivers/nvme/nvme_internal.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "lib/parse.h"
#include "lib/printf.h"

#define PPM 1000000u
#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define MAX_LOGGED 16 /* injections logged one line each, per arming */

static const char *const kind_names[] = { "drop", "delay", "status", "fail", "allones",
                                          "maskirq" };

const char *nvme_fault_kind_name(unsigned kind)
{
    return kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

static bool is_completion_kind(unsigned kind)
{
    return kind <= NVME_FAULT_FAIL;
}

/* I/O opcodes by name [NVM Command Set 1.0 §3]; "admin", "io", "any" are classes. */
static const struct {
    const char *name;
    uint8_t opc;
} op_names[] = {
    { "flush", NVME_IO_FLUSH }, { "write", NVME_IO_WRITE }, { "read", NVME_IO_READ },
    { "write-zeroes", NVME_IO_WRITE_ZEROES }, { "dsm", NVME_IO_DSM },
};

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */
/* ------------------------------------------------------------------------ */

struct span {
    const char *p;
    size_t n;
};

static struct span trim(struct span s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

static bool span_is(struct span s, const char *word)
{
    size_t n = strlen(word);
    return s.n == n && memcmp(s.p, word, n) == 0;
}

/* The next piece of *rest up to sep (or its end); *rest moves past sep. */
static struct span next_piece(struct span *rest, char sep)
{
    struct span piece = { rest->p, 0 };
    while (piece.n < rest->n && rest->p[piece.n] != sep)
        piece.n++;
    size_t used = piece.n < rest->n ? piece.n + 1 : piece.n;
    rest->p += used;
    rest->n -= used;
    return piece;
}

/* A value as a NUL-terminated string, for lib/parse. */
static int value_copy(struct span v, char *buf, size_t size)
{
    if (v.n == 0 || v.n >= size)
        return -EINVAL;
    memcpy(buf, v.p, v.n);
    buf[v.n] = '\0';
    return 0;
}

static int parse_num(struct span v, uint64_t max, uint64_t *out)
{
    char buf[24];
    if (value_copy(v, buf, sizeof(buf)) || parse_u64(buf, out) || *out > max)
        return -EINVAL;
    return 0;
}

/* N, Nus, Nms or Ns (no unit: ms), at most an hour. */
static int parse_duration(struct span v, uint64_t *ns)
{
    uint64_t unit = NS_PER_MS, n;
    size_t digits = 0;
    while (digits < v.n && v.p[digits] >= '0' && v.p[digits] <= '9')
        digits++;
    struct span u = { v.p + digits, v.n - digits };
    if (span_is(u, "us"))
        unit = NS_PER_US;
    else if (span_is(u, "s"))
        unit = 1000 * NS_PER_MS;
    else if (u.n && !span_is(u, "ms"))
        return -EINVAL;
    struct span num = { v.p, digits };
    if (parse_num(num, NVME_FAULT_MAX_TIME_NS / unit, &n))
        return -EINVAL;
    *ns = n * unit;
    return 0;
}

/* A probability: 0, 1, or 0.d with up to 6 decimals; parts per million. */
static int parse_prob(struct span v, uint32_t *ppm)
{
    if (v.n == 0 || v.n > 8)
        return -EINVAL;
    uint32_t whole = 0, frac = 0, scale = PPM;
    size_t i = 0;
    if (v.p[0] != '0' && v.p[0] != '1')
        return -EINVAL;
    whole = (uint32_t)(v.p[i++] - '0');
    if (i < v.n) {
        if (v.p[i++] != '.' || i == v.n)
            return -EINVAL;
        for (; i < v.n; i++) {
            if (v.p[i] < '0' || v.p[i] > '9')
                return -EINVAL;
            scale /= 10;
            frac += (uint32_t)(v.p[i] - '0') * scale;
        }
    }
    if (whole == 1 && frac != 0)
        return -EINVAL;
    *ppm = whole * PPM + frac;
    return 0;
}

static int parse_op(struct span v, struct nvme_fault_rule *r)
{
    if (span_is(v, "any") || span_is(v, "admin") || span_is(v, "io")) {
        r->queue = span_is(v, "admin") ? NVME_FAULT_Q_ADMIN
                   : span_is(v, "io")  ? NVME_FAULT_Q_IO
                                       : NVME_FAULT_Q_ANY;
        r->opc = -1;
        return 0;
    }
    for (unsigned i = 0; i < ARRAY_SIZE(op_names); i++)
        if (span_is(v, op_names[i].name)) {
            r->queue = NVME_FAULT_Q_IO;
            r->opc = op_names[i].opc;
            return 0;
        }
    uint64_t n;
    if (parse_num(v, 0xFF, &n))
        return -EINVAL;
    if (r->queue == NVME_FAULT_Q_ANY)
        r->queue = NVME_FAULT_Q_IO; /* a bare opcode is an I/O one unless q=admin */
    r->opc = (int16_t)n;
    return 0;
}

/* Which keys each kind takes. */
#define K_FILTER 0x01 /* op, q */
#define K_EVENT 0x02  /* nth, count, p */
#define K_WINDOW 0x04 /* after, for */
#define K_DELAY 0x08  /* ms */
#define K_STATUS 0x10 /* sc, sct, dnr, crd */
static const uint8_t kind_keys[] = {
    [NVME_FAULT_DROP] = K_FILTER | K_EVENT | K_WINDOW,
    [NVME_FAULT_DELAY] = K_FILTER | K_EVENT | K_WINDOW | K_DELAY,
    [NVME_FAULT_STATUS] = K_FILTER | K_EVENT | K_WINDOW | K_STATUS,
    [NVME_FAULT_FAIL] = K_FILTER | K_EVENT | K_WINDOW,
    [NVME_FAULT_ALLONES] = K_WINDOW,
    [NVME_FAULT_MASKIRQ] = K_EVENT | K_WINDOW,
};

static int parse_arg(struct nvme_fault_rule *r, struct span arg, bool *has_sc, const char **why)
{
    uint8_t keys = kind_keys[r->kind];
    if (span_is(arg, "cqe")) {
        /* The completion entry: the target of completion rules (the only one). */
        *why = "'cqe' applies to completion rules only";
        return is_completion_kind(r->kind) ? 0 : -EINVAL;
    }
    struct span rest = arg;
    struct span key = trim(next_piece(&rest, '='));
    struct span v = trim(rest);
    if (key.n == arg.n) {
        *why = "expected key=value";
        return -EINVAL;
    }
    uint64_t n = 0;
    int err = -EINVAL;
    uint8_t need = 0;
    *why = "bad value";
    if (span_is(key, "op")) {
        need = K_FILTER;
        err = parse_op(v, r);
    } else if (span_is(key, "q")) {
        need = K_FILTER;
        err = 0;
        if (span_is(v, "admin"))
            r->queue = NVME_FAULT_Q_ADMIN;
        else if (span_is(v, "io"))
            r->queue = NVME_FAULT_Q_IO;
        else if (span_is(v, "any"))
            r->queue = NVME_FAULT_Q_ANY;
        else
            err = -EINVAL;
    } else if (span_is(key, "nth") || span_is(key, "count")) {
        need = K_EVENT;
        bool nth = key.p[0] == 'n';
        err = parse_num(v, UINT32_MAX, &n);
        if (!err && n == 0 && nth)
            err = -EINVAL; /* the first event is nth=1 */
        if (!err) {
            *(nth ? &r->nth : &r->count) = (uint32_t)n;
            r->set |= nth ? NVME_FAULT_SET_NTH : NVME_FAULT_SET_COUNT;
        }
    } else if (span_is(key, "p")) {
        need = K_EVENT;
        err = parse_prob(v, &r->p_ppm);
        r->set |= NVME_FAULT_SET_P;
    } else if (span_is(key, "after") || span_is(key, "for")) {
        need = K_WINDOW;
        bool after = key.p[0] == 'a';
        err = parse_duration(v, after ? &r->after_ns : &r->for_ns);
        if (!err && !after && r->for_ns == 0)
            err = -EINVAL;
        r->set |= after ? NVME_FAULT_SET_AFTER : NVME_FAULT_SET_FOR;
    } else if (span_is(key, "ms")) {
        need = K_DELAY;
        err = parse_num(v, NVME_FAULT_MAX_TIME_NS / NS_PER_MS, &n);
        r->delay_ns = n * NS_PER_MS;
        if (!err && n == 0)
            err = -EINVAL;
    } else if (span_is(key, "sc") || span_is(key, "sct") || span_is(key, "dnr") ||
               span_is(key, "crd")) {
        need = K_STATUS;
        unsigned shift = key.n == 2 ? 0 : key.p[1] == 'c' ? 8 : key.p[0] == 'd' ? 14 : 11;
        uint64_t max = shift == 0 ? 0xFF : shift == 8 ? 7 : shift == 14 ? 1 : 3;
        err = parse_num(v, max, &n);
        uint16_t mask = (uint16_t)(max << shift);
        r->status15 = (uint16_t)((r->status15 & ~mask) | (n << shift));
        *has_sc |= shift == 0;
    } else {
        *why = "unknown key";
        return -EINVAL;
    }
    if (!(keys & need)) {
        *why = "key not taken by this action";
        return -EINVAL;
    }
    return err;
}

static int parse_rule(struct span text, struct nvme_fault_rule *r, const char **why)
{
    struct span rest = text;
    struct span action = trim(next_piece(&rest, ':'));
    if (action.n < text.n && trim(rest).n == 0 && memchr(text.p, ':', text.n)) {
        *why = "nothing after ':'";
        return -EINVAL;
    }
    unsigned k = 0;
    while (k < ARRAY_SIZE(kind_names) && !span_is(action, kind_names[k]))
        k++;
    if (k == ARRAY_SIZE(kind_names)) {
        *why = "unknown action (drop, delay, status, fail, allones, maskirq)";
        return -EINVAL;
    }
    memset(r, 0, sizeof(*r));
    r->kind = (uint8_t)k;
    r->opc = -1;
    r->nth = 1;
    r->p_ppm = PPM;
    bool has_sc = false;
    while (rest.n) {
        struct span arg = trim(next_piece(&rest, ','));
        if (arg.n == 0 || (rest.n == 0 && rest.p[-1] == ',')) {
            *why = "empty argument";
            return -EINVAL;
        }
        if (parse_arg(r, arg, &has_sc, why))
            return -EINVAL;
    }
    if (k == NVME_FAULT_DELAY && r->delay_ns == 0) {
        *why = "delay needs ms=N";
        return -EINVAL;
    }
    if (k == NVME_FAULT_STATUS && !has_sc) {
        *why = "status needs sc=N";
        return -EINVAL;
    }
    if (k == NVME_FAULT_FAIL)
        r->status15 = NVME_SC_INTERNAL_ERROR | (1u << 14); /* Internal Error, DNR */
    /* Default count: one injection for a one-shot rule (nth, or no p and no
     * window end); unlimited for a probability or a window. */
    if (!(r->set & NVME_FAULT_SET_COUNT))
        r->count = (r->set & NVME_FAULT_SET_NTH) ||
                           !(r->set & (NVME_FAULT_SET_P | NVME_FAULT_SET_FOR))
                       ? 1
                       : 0;
    if (k == NVME_FAULT_ALLONES)
        r->count = 0; /* a window of reads, every read in it */
    return 0;
}

int nvme_fault_parse(const char *text, size_t len, struct nvme_fault_plan *plan, char *err,
                     size_t err_size)
{
    memset(plan, 0, sizeof(*plan));
    if (err_size)
        err[0] = '\0';
    if (len > NVME_FAULT_MAX_TEXT) {
        ksnprintf(err, err_size, "plan longer than %u bytes", NVME_FAULT_MAX_TEXT);
        return -E2BIG;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 && text[i] != '\t') {
            ksnprintf(err, err_size, "control character in the plan at byte %zu", i);
            return -EINVAL;
        }
    struct span rest = { text, len };
    unsigned index = 0;
    while (rest.n) {
        struct span piece = trim(next_piece(&rest, ';'));
        index++;
        if (piece.n == 0)
            continue;
        if (plan->nrules == NVME_FAULT_MAX_RULES) {
            ksnprintf(err, err_size, "more than %u rules", NVME_FAULT_MAX_RULES);
            return -E2BIG;
        }
        const char *why = "";
        if (parse_rule(piece, &plan->rule[plan->nrules], &why)) {
            ksnprintf(err, err_size, "rule %u '%.*s': %s", index,
                      (int)(piece.n > 48 ? 48 : piece.n), piece.p, why);
            memset(plan, 0, sizeof(*plan));
            return -EINVAL;
        }
        plan->nrules++;
    }
    if (plan->nrules == 0) {
        ksnprintf(err, err_size, "empty plan");
        return -EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Printing a plan back                                                     */
/* ------------------------------------------------------------------------ */

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (o->len < o->size) {
        int n = kvsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
        if (n > 0)
            o->len += (size_t)n;
        if (o->len >= o->size)
            o->len = o->size - 1;
    }
    va_end(ap);
}

static void put_duration(struct out *o, const char *key, uint64_t ns)
{
    if (ns % NS_PER_MS == 0)
        put(o, ",%s=%llums", key, (unsigned long long)(ns / NS_PER_MS));
    else
        put(o, ",%s=%lluus", key, (unsigned long long)(ns / NS_PER_US));
}

void nvme_fault_format_rule(const struct nvme_fault_rule *r, char *buf, size_t size)
{
    struct out o = { buf, size, 0 };
    if (size == 0)
        return;
    buf[0] = '\0';
    put(&o, "%s", nvme_fault_kind_name(r->kind));
    size_t head = o.len;
    if (is_completion_kind(r->kind)) {
        const char *name = NULL;
        for (unsigned i = 0; i < ARRAY_SIZE(op_names); i++)
            if (r->queue == NVME_FAULT_Q_IO && op_names[i].opc == r->opc)
                name = op_names[i].name;
        if (name)
            put(&o, ",op=%s", name);
        else if (r->opc >= 0)
            put(&o, ",op=%#x,q=%s", (unsigned)r->opc,
                r->queue == NVME_FAULT_Q_ADMIN ? "admin" : "io");
        else if (r->queue != NVME_FAULT_Q_ANY)
            put(&o, ",op=%s", r->queue == NVME_FAULT_Q_ADMIN ? "admin" : "io");
    }
    if (r->set & NVME_FAULT_SET_NTH)
        put(&o, ",nth=%u", r->nth);
    if (r->set & NVME_FAULT_SET_COUNT)
        put(&o, ",count=%u", r->count);
    if (r->set & NVME_FAULT_SET_P) {
        if (r->p_ppm == PPM || r->p_ppm == 0)
            put(&o, ",p=%u", r->p_ppm / PPM);
        else {
            char frac[8];
            ksnprintf(frac, sizeof(frac), "%06u", r->p_ppm);
            size_t n = strlen(frac);
            while (n > 1 && frac[n - 1] == '0')
                frac[--n] = '\0';
            put(&o, ",p=0.%s", frac);
        }
    }
    if (r->set & NVME_FAULT_SET_AFTER)
        put_duration(&o, "after", r->after_ns);
    if (r->set & NVME_FAULT_SET_FOR)
        put_duration(&o, "for", r->for_ns);
    if (r->kind == NVME_FAULT_DELAY)
        put(&o, ",ms=%llu", (unsigned long long)(r->delay_ns / NS_PER_MS));
    if (r->kind == NVME_FAULT_STATUS) {
        put(&o, ",sc=%#x", r->status15 & 0xFFu);
        if ((r->status15 >> 8) & 7)
            put(&o, ",sct=%u", (r->status15 >> 8) & 7u);
        if ((r->status15 >> 11) & 3)
            put(&o, ",crd=%u", (r->status15 >> 11) & 3u);
        put(&o, ",dnr=%u", (r->status15 >> 14) & 1u);
    }
    if (o.len > head)
        buf[head] = ':'; /* the first separator is the colon */
}

void nvme_fault_format(const struct nvme_fault_plan *plan, char *buf, size_t size)
{
    struct out o = { buf, size, 0 };
    if (size == 0)
        return;
    buf[0] = '\0';
    for (unsigned i = 0; i < plan->nrules; i++) {
        char rule[128];
        nvme_fault_format_rule(&plan->rule[i], rule, sizeof(rule));
        put(&o, "%s%s", i ? "; " : "", rule);
    }
}

/* ------------------------------------------------------------------------ */
/* The scheduler                                                            */
/* ------------------------------------------------------------------------ */

/* splitmix64 (Steele, Lea, Flood 2014): every seed gives a full-period stream. */
static uint64_t next_random(struct nvme_fault_sched *s)
{
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void nvme_fault_sched_start(struct nvme_fault_sched *s, const struct nvme_fault_plan *plan,
                            uint64_t seed, uint64_t now_ns)
{
    memset(s, 0, sizeof(*s));
    s->plan = *plan;
    for (unsigned i = 0; i < s->plan.nrules; i++)
        s->plan.rule[i].matched = s->plan.rule[i].injected = 0;
    s->seed = seed;
    s->rng = seed;
    s->t0_ns = now_ns;
}

static bool in_window(const struct nvme_fault_sched *s, const struct nvme_fault_rule *r,
                      uint64_t now_ns)
{
    uint64_t since = now_ns > s->t0_ns ? now_ns - s->t0_ns : 0;
    return since >= r->after_ns && (r->for_ns == 0 || since - r->after_ns < r->for_ns);
}

/* A matching event: counted, and fires when its turn (nth), its budget
 * (count) and its draw (p) allow. The PRNG is drawn only for a rule that
 * could fire, so the draws depend on the events alone. */
static bool fires(struct nvme_fault_sched *s, struct nvme_fault_rule *r)
{
    r->matched++;
    if (r->matched < r->nth || (r->count && r->injected >= r->count))
        return false;
    if (r->p_ppm < PPM && next_random(s) % PPM >= r->p_ppm)
        return false;
    r->injected++;
    return true;
}

enum nvme_fault_action nvme_fault_sched_cqe(struct nvme_fault_sched *s, bool admin, int opc,
                                            uint64_t now_ns, uint16_t *status15,
                                            uint64_t *delay_ns)
{
    enum nvme_fault_action act = NVME_FAULT_PASS;
    for (unsigned i = 0; i < s->plan.nrules; i++) {
        struct nvme_fault_rule *r = &s->plan.rule[i];
        if (!is_completion_kind(r->kind) ||
            (r->queue == NVME_FAULT_Q_ADMIN && !admin) || (r->queue == NVME_FAULT_Q_IO && admin) ||
            (r->opc >= 0 && r->opc != opc) || !in_window(s, r, now_ns))
            continue;
        if (act != NVME_FAULT_PASS) {
            r->matched++; /* decided by an earlier rule: counted, not fired */
            continue;
        }
        if (!fires(s, r))
            continue;
        s->last = i;
        switch (r->kind) {
        case NVME_FAULT_DROP:
            act = NVME_FAULT_DO_DROP;
            break;
        case NVME_FAULT_DELAY:
            act = NVME_FAULT_DO_DELAY;
            *delay_ns = r->delay_ns;
            break;
        default:
            act = NVME_FAULT_DO_STATUS;
            *status15 = r->status15;
            break;
        }
    }
    return act;
}

bool nvme_fault_sched_irq(struct nvme_fault_sched *s, uint64_t now_ns)
{
    bool swallow = false;
    for (unsigned i = 0; i < s->plan.nrules; i++) {
        struct nvme_fault_rule *r = &s->plan.rule[i];
        if (r->kind != NVME_FAULT_MASKIRQ || !in_window(s, r, now_ns))
            continue;
        if (swallow)
            r->matched++;
        else if (fires(s, r))
            swallow = true, s->last = i;
    }
    return swallow;
}

bool nvme_fault_sched_allones(struct nvme_fault_sched *s, uint64_t now_ns)
{
    for (unsigned i = 0; i < s->plan.nrules; i++) {
        struct nvme_fault_rule *r = &s->plan.rule[i];
        if (r->kind == NVME_FAULT_ALLONES && in_window(s, r, now_ns)) {
            r->matched++;
            r->injected++;
            return true;
        }
    }
    return false;
}

bool nvme_fault_plan_has(const struct nvme_fault_plan *plan, unsigned kind)
{
    for (unsigned i = 0; i < plan->nrules; i++)
        if (plan->rule[i].kind == kind)
            return true;
    return false;
}

/* ------------------------------------------------------------------------ */
/* The driver side                                                          */
/* ------------------------------------------------------------------------ */

/* The register seam: the real read first (its side effects stay), then all
 * ones inside an all-ones window. Writes go through. */
static uint32_t fault_read32(struct nvme_ctrlr *c, uint32_t off)
{
    struct nvme_fault *f = c->fault;
    uint32_t v = f->real_ops->read32(c, off);
    return nvme_fault_sched_allones(&f->sched, clock_ns()) ? 0xFFFFFFFFu : v;
}

static void fault_write32(struct nvme_ctrlr *c, uint32_t off, uint32_t v)
{
    c->fault->real_ops->write32(c, off, v);
}

static const struct nvme_reg_ops fault_ops = { fault_read32, fault_write32 };

static void set_qpairs(struct nvme_ctrlr *c, struct nvme_fault *f)
{
    c->admin.fault = f;
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        qp->fault = f;
}

int nvme_fault_arm(struct nvme_ctrlr *c, const struct nvme_fault_plan *plan, uint64_t seed)
{
    nvme_fault_disarm(c);
    struct nvme_fault *f = kzalloc(sizeof(*f));
    if (f == NULL)
        return -ENOMEM;
    nvme_fault_sched_start(&f->sched, plan, seed, clock_ns());
    f->real_ops = c->ops;
    bool irq_was_on = nvme_env_irq_save();
    c->fault = f;
    if (nvme_fault_plan_has(plan, NVME_FAULT_ALLONES))
        c->ops = &fault_ops;
    set_qpairs(c, f);
    nvme_env_irq_restore(irq_was_on);
    char text[NVME_FAULT_MAX_TEXT + 64];
    nvme_fault_format(plan, text, sizeof(text));
    kprintf("%s: fault plan armed: nvme fault %s plan=\"%s\" seed=%#llx\n", c->name, c->name,
            text, (unsigned long long)seed);
    return 0;
}

void nvme_fault_disarm(struct nvme_ctrlr *c)
{
    struct nvme_fault *f = c->fault;
    if (f == NULL)
        return;
    bool irq_was_on = nvme_env_irq_save();
    if (c->ops == &fault_ops)
        c->ops = f->real_ops;
    c->fault = NULL;
    set_qpairs(c, NULL);
    nvme_env_irq_restore(irq_was_on);
    uint64_t injected = 0;
    for (unsigned i = 0; i < f->sched.plan.nrules; i++)
        injected += f->sched.plan.rule[i].injected;
    unsigned held = f->nheld;
    /* Held completions are handed over now, oldest first: their commands
     * are still waiting for them. */
    for (unsigned i = 0; i < f->nheld; i++)
        nvme_qpair_handle_cqe_now(f->held[i].qp, &f->held[i].cqe);
    kprintf("%s: fault plan off (seed %#llx): %llu injected; %u held completions handed over\n",
            c->name, (unsigned long long)f->sched.seed, (unsigned long long)injected, held);
    kfree(f);
}

void nvme_fault_print_status(struct nvme_ctrlr *c)
{
    struct nvme_fault *f = c->fault;
    if (f == NULL) {
        kprintf("%s: no fault plan armed\n", c->name);
        return;
    }
    char text[NVME_FAULT_MAX_TEXT + 64];
    nvme_fault_format(&f->sched.plan, text, sizeof(text));
    kprintf("%s: fault plan armed %llu ms ago: plan=\"%s\" seed=%#llx\n", c->name,
            (unsigned long long)((clock_ns() - f->sched.t0_ns) / NS_PER_MS), text,
            (unsigned long long)f->sched.seed);
    for (unsigned i = 0; i < f->sched.plan.nrules; i++) {
        const struct nvme_fault_rule *r = &f->sched.plan.rule[i];
        char rule[128];
        nvme_fault_format_rule(r, rule, sizeof(rule));
        kprintf("  rule %u %s: matched %llu, injected %llu\n", i + 1, rule,
                (unsigned long long)r->matched, (unsigned long long)r->injected);
    }
    kprintf("  held completions: %u; delays not done (no slot): %llu\n", f->nheld,
            (unsigned long long)f->held_overflow);
}

static void log_injection(struct nvme_qpair *qp, const char *what, const struct nvme_cqe *cqe)
{
    struct nvme_fault *f = qp->fault;
    uint64_t total = 0;
    for (unsigned i = 0; i < f->sched.plan.nrules; i++)
        total += f->sched.plan.rule[i].injected;
    if (total <= MAX_LOGGED)
        kprintf("%s: fault rule %u: %s on queue %u (CID %#x)\n", qp->ctrlr->name,
                f->sched.last + 1, what, qp->id, cqe ? cqe->cid : 0);
}

bool nvme_fault_on_cqe(struct nvme_qpair *qp, struct nvme_cqe *cqe)
{
    struct nvme_fault *f = qp->fault;
    unsigned index = cqe->cid & NVME_CID_INDEX_MASK;
    int opc = -1;
    if (cqe->sqid == qp->id && index < qp->ntrackers && qp->trackers[index].active)
        opc = qp->trackers[index].sqe.opc;
    uint16_t status15 = 0;
    uint64_t delay = 0, now = clock_ns();
    switch (nvme_fault_sched_cqe(&f->sched, qp->id == 0, opc, now, &status15, &delay)) {
    case NVME_FAULT_PASS:
        return false;
    case NVME_FAULT_DO_DROP:
        log_injection(qp, "completion dropped", cqe);
        return true;
    case NVME_FAULT_DO_STATUS:
        cqe->status = (uint16_t)((cqe->status & NVME_STATUS_P_MASK) | (status15 << 1));
        log_injection(qp, "status changed", cqe);
        return false;
    case NVME_FAULT_DO_DELAY:
        if (f->nheld == NVME_FAULT_MAX_HELD) {
            f->held_overflow++;
            return false;
        }
        f->held[f->nheld].qp = qp;
        f->held[f->nheld].due_ns = now + delay;
        f->held[f->nheld].cqe = *cqe;
        f->nheld++;
        log_injection(qp, "completion delayed", cqe);
        return true;
    }
    return false;
}

static void remove_held(struct nvme_fault *f, unsigned i)
{
    memmove(&f->held[i], &f->held[i + 1], (f->nheld - i - 1) * sizeof(f->held[0]));
    f->nheld--;
}

bool nvme_fault_take_due(struct nvme_qpair *qp, struct nvme_cqe *cqe)
{
    struct nvme_fault *f = qp->fault;
    if (f->nheld == 0)
        return false;
    uint64_t now = clock_ns();
    for (unsigned i = 0; i < f->nheld; i++)
        if (f->held[i].qp == qp && f->held[i].due_ns <= now) {
            *cqe = f->held[i].cqe;
            remove_held(f, i);
            return true;
        }
    return false;
}

bool nvme_fault_on_irq(struct nvme_qpair *qp)
{
    if (!nvme_fault_sched_irq(&qp->fault->sched, clock_ns()))
        return false;
    log_injection(qp, "interrupt swallowed", NULL);
    return true;
}

void nvme_fault_forget_qpair(struct nvme_qpair *qp)
{
    struct nvme_fault *f = qp->fault;
    for (unsigned i = f->nheld; i-- > 0;)
        if (f->held[i].qp == qp)
            remove_held(f, i);
}
