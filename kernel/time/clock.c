/*
 * kernel/time/clock.c - TSC calibration and conversions.
 *
 * The TSC is read by one instruction and, on current CPUs, runs at a fixed
 * rate ("invariant TSC", CPUID 80000007h EDX[8]); only its rate is unknown.
 * Sources, in order of preference:
 *   1. CPUID 15h with a nonzero crystal frequency [Intel SDM Vol. 3B §18.7.3];
 *   2. the HPET main counter, whose period the hardware states
 *      [IA-PC HPET 1.0a §2.3.7.1];
 *   3. PIT channel 2 counting down from a known value at 1.193182 MHz with
 *      its gate on port 61h, as the Linux kernel's pit_calibrate_tsc() does
 *      [Intel 8254 data sheet, mode 0].
 * Each measurement spans CALIBRATE_MS; the median of three is kept. Every
 * loop is bounded, so a missing timer falls through to the next source.
 * Conversions use a 32.32 fixed-point multiplier: no division on the hot path.
 */
#include "kernel/time/clock.h"

#include "kernel/acpi/acpi.h"
#include "kernel/arch/mmio.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"

#define CALIBRATE_MS 20
#define PIT_HZ 1193182ull
#define FALLBACK_TSC_HZ 2000000000ull

static uint64_t tsc_hz;
static uint64_t tsc_boot;
static uint64_t ns_per_tick_q32;  /* ns per TSC tick, 32.32 fixed point */
static uint64_t ticks_per_ns_q32; /* TSC ticks per ns, 32.32 fixed point */
static const char *source = "none";

static uint64_t mul_q32(uint64_t a, uint64_t q32)
{
    return (uint64_t)(((unsigned __int128)a * q32) >> 32);
}

/* One PIT measurement: TSC ticks over CALIBRATE_MS, or 0 if the PIT never fires. */
static uint64_t measure_pit(void)
{
    uint16_t count = (uint16_t)(PIT_HZ * CALIBRATE_MS / 1000);
    /* Gate channel 2 on, speaker off; mode 0, binary, lobyte/hibyte. */
    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
    outb(0x43, 0xB0);
    outb(0x42, (uint8_t)count);
    outb(0x42, (uint8_t)(count >> 8));
    uint64_t t0 = rdtsc();
    for (uint32_t spins = 0; spins < 50000000; spins++) {
        if (inb(0x61) & 0x20) /* OUT2 went high: the count reached 0 */
            return rdtsc() - t0;
    }
    return 0;
}

struct hpet {
    uint8_t *regs;
    uint64_t period_fs; /* femtoseconds per tick */
};

static bool hpet_open(struct hpet *h)
{
    const struct acpi_info *a = acpi_get();
    if (a == NULL || a->hpet_phys == 0)
        return false;
    h->regs = vmm_map_mmio(a->hpet_phys, 1024);
    if (h->regs == NULL)
        return false;
    uint32_t cap_hi = mmio_read32(h->regs + 0x04); /* COUNTER_CLK_PERIOD */
    if (cap_hi == 0 || cap_hi > 100000000u)        /* spec: at most 100 ns */
        return false;
    h->period_fs = cap_hi;
    uint32_t cfg = mmio_read32(h->regs + 0x10);
    mmio_write32(h->regs + 0x10, cfg | 1); /* ENABLE_CNF: the main counter runs */
    return true;
}

static uint64_t hpet_counter(const struct hpet *h)
{
    /* Read the 64-bit counter as two halves, consistent when hi is unchanged. */
    for (;;) {
        uint32_t hi = mmio_read32(h->regs + 0xF4);
        uint32_t lo = mmio_read32(h->regs + 0xF0);
        if (mmio_read32(h->regs + 0xF4) == hi)
            return ((uint64_t)hi << 32) | lo;
    }
}

static uint64_t measure_hpet(const struct hpet *h)
{
    uint64_t ticks = (uint64_t)CALIBRATE_MS * 1000000000000ull / h->period_fs;
    uint64_t c0 = hpet_counter(h);
    uint64_t t0 = rdtsc();
    uint64_t c;
    for (uint32_t spins = 0;; spins++) {
        c = hpet_counter(h);
        if (c - c0 >= ticks)
            break;
        if (spins > 50000000)
            return 0;
    }
    uint64_t t1 = rdtsc();
    /* Scale to exactly CALIBRATE_MS from the HPET ticks that elapsed (no
     * 128-bit division: the kernel has no libgcc; both factors are < 2^32). */
    if (t1 - t0 > UINT32_MAX || ticks > UINT32_MAX)
        return 0;
    return (t1 - t0) * ticks / (c - c0);
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
    if (a > b) {
        uint64_t t = a;
        a = b;
        b = t;
    }
    if (b > c)
        b = c;
    return a > b ? a : b;
}

static uint64_t calibrate_cpuid(void)
{
    if (cpuid(0, 0).eax < 0x15)
        return 0;
    struct cpuid_regs r = cpuid(0x15, 0);
    if (r.eax == 0 || r.ebx == 0 || r.ecx == 0)
        return 0;
    return (uint64_t)r.ecx * r.ebx / r.eax;
}

void clock_init(void)
{
    struct hpet h;
    uint64_t hz = calibrate_cpuid();
    if (hz) {
        source = "CPUID 15h";
    } else if (hpet_open(&h)) {
        uint64_t m[3];
        for (int i = 0; i < 3; i++)
            m[i] = measure_hpet(&h);
        uint64_t med = median3(m[0], m[1], m[2]);
        if (med) {
            hz = med * (1000 / CALIBRATE_MS);
            source = "HPET";
        }
    }
    if (!hz) {
        uint64_t m[3];
        for (int i = 0; i < 3; i++)
            m[i] = measure_pit();
        uint64_t med = median3(m[0], m[1], m[2]);
        if (med) {
            hz = med * (1000 / CALIBRATE_MS);
            source = "PIT";
        }
    }
    if (!hz) {
        hz = FALLBACK_TSC_HZ;
        source = "nothing (assumed 2 GHz)";
    }
    tsc_hz = hz;
    ns_per_tick_q32 = (NSEC_PER_SEC << 32) / hz;
    ticks_per_ns_q32 = ((hz / NSEC_PER_SEC) << 32) + (((hz % NSEC_PER_SEC) << 32) / NSEC_PER_SEC);
    tsc_boot = boot_tsc ? boot_tsc : rdtsc();
}

uint64_t clock_tsc_hz(void)
{
    return tsc_hz;
}

const char *clock_source_name(void)
{
    return source;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
    return mul_q32(ticks, ns_per_tick_q32);
}

uint64_t ns_to_tsc(uint64_t ns)
{
    return mul_q32(ns, ticks_per_ns_q32);
}

uint64_t clock_ns(void)
{
    return tsc_to_ns(rdtsc() - tsc_boot);
}

void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + ns_to_tsc(us * NSEC_PER_USEC);
    while (rdtsc() < end)
        cpu_pause();
}

struct deadline deadline_in_ns(uint64_t ns)
{
    struct deadline d = { rdtsc() + ns_to_tsc(ns) };
    return d;
}
