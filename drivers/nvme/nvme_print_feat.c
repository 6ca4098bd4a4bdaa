/*
 * drivers/nvme/nvme_print_feat.c - Get Features results in nvme-cli 2.3's
 * layout: the "get-feature:" line, nvme-cli's feature names, the Supported
 * Capabilities bits (SEL=3) and, with -H, the fields of each feature.
 *
 * Feature identifiers and fields: NVMe Base 2.0 §5.27.1 (Figure 317 and the
 * per-feature figures that follow); SEL: §5.15 (Get Features, Figure 224).
 */
#include "drivers/nvme/nvme_print.h"

#include "kernel/kernel.h"

/* nvme-cli's names, which differ from the spec's in places ("Async Event
 * Configuration", "Read Recovery Level", "Sanitize"...). */
const char *nvme_print_feature_name(uint8_t fid)
{
    switch (fid) {
    case 0x01: return "Arbitration";
    case 0x02: return "Power Management";
    case 0x03: return "LBA Range Type";
    case 0x04: return "Temperature Threshold";
    case 0x05: return "Error Recovery";
    case 0x06: return "Volatile Write Cache";
    case 0x07: return "Number of Queues";
    case 0x08: return "Interrupt Coalescing";
    case 0x09: return "Interrupt Vector Configuration";
    case 0x0a: return "Write Atomicity Normal";
    case 0x0b: return "Async Event Configuration";
    case 0x0c: return "Autonomous Power State Transition";
    case 0x0d: return "Host Memory Buffer";
    case 0x0e: return "Timestamp";
    case 0x0f: return "Keep Alive Timer";
    case 0x10: return "Host Controlled Thermal Management";
    case 0x11: return "Non-Operational Power State Config";
    case 0x12: return "Read Recovery Level";
    case 0x13: return "Predictable Latency Mode Config";
    case 0x14: return "Predictable Latency Mode Window";
    case 0x15: return "LBA Status Interval";
    case 0x16: return "Host Behavior";
    case 0x17: return "Sanitize";
    case 0x18: return "Endurance Event Group Configuration";
    case 0x19: return "I/O Command Set Profile";
    case 0x1a: return "Spinup Control";
    case 0x1d: return "Flexible Direct Placement";
    case 0x1e: return "Flexible Direct Placement Events";
    case 0x7d: return "Enhanced Controller Metadata";
    case 0x7e: return "Controller Metadata";
    case 0x7f: return "Namespace Metadata";
    case 0x80: return "Software Progress";
    case 0x81: return "Host Identifier";
    case 0x82: return "Reservation Notification Mask";
    case 0x83: return "Reservation Persistence";
    case 0x84: return "Namespace Write Protect";
    default: return "Unknown";
    }
}

uint32_t nvme_print_feature_data_len(uint8_t fid)
{
    switch (fid) {
    case 0x03: return 4096; /* 64 LBA Range Type entries of 64 bytes */
    case 0x0c: return 256;  /* 32 APST entries of 8 bytes */
    case 0x0d: return 4096; /* Host Memory Buffer attributes */
    case 0x0e: return 8;    /* Timestamp */
    case 0x13: return 512;  /* Predictable Latency Mode Config */
    case 0x16: return 512;  /* Host Behavior Support */
    case 0x81: return 8;    /* Host Identifier (64-bit form) */
    case 0x7d: case 0x7e: case 0x7f: return 4096; /* metadata */
    default: return 0;
    }
}

static const char *select_name(uint8_t sel)
{
    switch (sel) {
    case 0: return "Current";
    case 1: return "Default";
    case 2: return "Saved";
    case 3: return "Supported capabilities";
    case 8: return "Changed";
    default: return "Reserved";
    }
}

static const char *on_off(uint32_t bit, const char *on, const char *off)
{
    return bit ? on : off;
}

static const char *async(uint32_t bit)
{
    return bit ? "Send async event" : "Do not send async event";
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Timestamp feature data [Base 2.0 Figure 333]: 48-bit ms since the epoch,
 * then the attributes byte. nvme-cli prints the local time with "%c %Z"; nvos
 * has no time zone and prints UTC. */
static void print_timestamp(const uint8_t *d)
{
    uint64_t ms = 0;
    for (int i = 5; i >= 0; i--)
        ms = (ms << 8) | d[i];
    uint64_t s = ms / 1000;
    int y;
    unsigned mo, day;
    civil_from_days((int64_t)(s / 86400), &y, &mo, &day);
    static const char *const wd[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
    static const char *const mn[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    unsigned sod = (unsigned)(s % 86400);
    kprintf("\tThe timestamp is : %llu (%s %s %2u %02u:%02u:%02u %d UTC)\n",
            (unsigned long long)ms, wd[(s / 86400) % 7], mn[mo - 1], day, sod / 3600,
            sod / 60 % 60, sod % 60, y);
    kprintf("\t%s\n", (d[6] & 2) ? "The Timestamp field was initialized with a Timestamp value "
                                   "using a Set Features command."
                                 : "The Timestamp field was initialized to \xe2\x80\x98" "0"
                                   "\xe2\x80\x99 by a Controller Level Reset.");
    kprintf("\t%s\n", (d[6] & 1) ? "The controller may have stopped counting during vendor "
                                   "specific intervals after the Timestamp value was initialized"
                                 : "The controller counted time in milliseconds continuously "
                                   "since the Timestamp value was initialized.");
}

static void print_fields(uint8_t fid, uint32_t r, const uint8_t *data, uint32_t len)
{
    static const char *const temp_sel[] = {
        "Composite Temperature", "Temperature Sensor 1", "Temperature Sensor 2",
        "Temperature Sensor 3", "Temperature Sensor 4", "Temperature Sensor 5",
        "Temperature Sensor 6", "Temperature Sensor 7", "Temperature Sensor 8",
    };
    static const char *const hints[] = { "No Workload",
                                         "Extended Idle Period with a Burst of Random Writes",
                                         "Heavy Sequential Writes" };
    unsigned f;
    switch (fid) {
    case 0x01:
        kprintf("\tHigh Priority Weight   (HPW): %u\n", (r >> 24) + 1);
        kprintf("\tMedium Priority Weight (MPW): %u\n", ((r >> 16) & 0xff) + 1);
        kprintf("\tLow Priority Weight    (LPW): %u\n", ((r >> 8) & 0xff) + 1);
        if ((r & 7) == 7)
            kprintf("\tArbitration Burst       (AB): No limit\n");
        else
            kprintf("\tArbitration Burst       (AB): %u\n", 1u << (r & 7));
        break;
    case 0x02:
        f = (r >> 5) & 7;
        kprintf("\tWorkload Hint (WH): %u - %s\n", f, f < 3 ? hints[f] : "Reserved");
        kprintf("\tPower State   (PS): %u\n", r & 0x1f);
        break;
    case 0x03:
        kprintf("\tNumber of LBA Ranges (NUM): %u\n", (r & 0x3f) + 1);
        if (data)
            nvme_print_hexdump(data, len);
        break;
    case 0x04:
        f = (r >> 20) & 3;
        kprintf("\tThreshold Type Select         (THSEL): %u - %s\n", f,
                f == 0 ? "Over Temperature Threshold"
                       : f == 1 ? "Under Temperature Threshold" : "Reserved");
        f = (r >> 16) & 0xf;
        kprintf("\tThreshold Temperature Select (TMPSEL): %u - %s\n", f,
                f < 9 ? temp_sel[f] : "Reserved");
        kprintf("\tTemperature Threshold         (TMPTH): %ld\xc2\xb0" "C (%u Kelvin)\n",
                (long)(r & 0xffff) - 273, r & 0xffff);
        break;
    case 0x05:
        kprintf("\tDeallocated or Unwritten Logical Block Error Enable (DULBE): %s\n",
                on_off(r & 0x10000, "Enabled", "Disabled"));
        kprintf("\tTime Limited Error Recovery                          (TLER): %u ms\n",
                (r & 0xffff) * 100);
        break;
    case 0x06:
        kprintf("\tVolatile Write Cache Enable (WCE): %s\n", on_off(r & 1, "Enabled", "Disabled"));
        break;
    case 0x07:
        kprintf("\tNumber of IO Completion Queues Allocated (NCQA): %u\n", (r >> 16) + 1);
        kprintf("\tNumber of IO Submission Queues Allocated (NSQA): %u\n", (r & 0xffff) + 1);
        break;
    case 0x08:
        kprintf("\tAggregation Time     (TIME): %u usec\n", ((r >> 8) & 0xff) * 100);
        kprintf("\tAggregation Threshold (THR): %u\n", (r & 0xff) + 1);
        break;
    case 0x09:
        kprintf("\tCoalescing Disable (CD): %s\n", on_off(r & 0x10000, "True", "False"));
        kprintf("\tInterrupt Vector   (IV): %u\n", r & 0xffff);
        break;
    case 0x0a:
        kprintf("\tDisable Normal (DN): %s\n", on_off(r & 1, "True", "False"));
        break;
    case 0x0b: {
        static const struct {
            const char *name;
            uint32_t mask;
        } aen[] = {
            { "Discovery Log Page Change Notices", 0x80000000u },
            { "Endurance Group Event Aggregate Log Change Notices", 0x4000 },
            { "LBA Status Information Notices", 0x2000 },
            { "Predictable Latency Event Aggregate Log Change Notices", 0x1000 },
            { "Asymmetric Namespace Access Change Notices", 0x800 },
            { "Telemetry Log Notices", 0x400 },
            { "Firmware Activation Notices", 0x200 },
            { "Namespace Attribute Notices", 0x100 },
            { "SMART / Health Critical Warnings", 0xff },
        };
        for (unsigned i = 0; i < ARRAY_SIZE(aen); i++)
            kprintf("\t%-58s: %s\n", aen[i].name, async(r & aen[i].mask));
        break;
    }
    case 0x0c:
        kprintf("\tAutonomous Power State Transition Enable (APSTE): %s\n",
                on_off(r & 1, "Enabled", "Disabled"));
        if (data)
            nvme_print_hexdump(data, len);
        break;
    case 0x0d:
        kprintf("\tEnable Host Memory (EHM): %s\n", on_off(r & 1, "Enabled", "Disabled"));
        if (data)
            nvme_print_hexdump(data, len);
        break;
    case 0x0e:
        if (data && len >= 8)
            print_timestamp(data);
        break;
    case 0x0f:
        kprintf("\tKeep Alive Timeout (KATO) in milliseconds: %u\n", r);
        break;
    case 0x10:
        kprintf("\tThermal Management Temperature 1 (TMT1) : %u Kelvin (%ld\xc2\xb0" "C)\n",
                r >> 16, (long)(r >> 16) - 273);
        kprintf("\tThermal Management Temperature 2 (TMT2) : %u Kelvin (%ld\xc2\xb0" "C)\n",
                r & 0xffff, (long)(r & 0xffff) - 273);
        break;
    case 0x11:
        kprintf("\tNon-Operational Power State Permissive Mode Enable (NOPPME): %s\n",
                on_off(r & 1, "True", "False"));
        break;
    case 0x12:
        kprintf("\tRead Recovery Level (RRL): %u\n", r & 0xf);
        break;
    case 0x13:
        kprintf("\tPredictable Latency Window Enabled: %s\n", on_off(r & 1, "True", "False"));
        if (data)
            nvme_print_hexdump(data, len);
        break;
    case 0x14:
        kprintf("\tWindow Select: %s", (r & 7) == 1 ? "Deterministic Window (DTWIN)"
                                       : (r & 7) == 2 ? "Non-deterministic Window (NDWIN)"
                                                      : "Reserved");
        break;
    case 0x15:
        kprintf("\tLBA Status Information Poll Interval (LSIPI)  : %u\n", r >> 16);
        kprintf("\tLBA Status Information Report Interval (LSIRI): %u\n", r & 0xffff);
        break;
    case 0x16:
        if (data)
            kprintf("\tHost Behavior Support: %s\n", on_off(data[0] & 1, "True", "False"));
        break;
    case 0x17:
        kprintf("\tNo-Deallocate Response Mode (NODRM) : %u\n", r & 1);
        break;
    case 0x18:
        kprintf("\tEndurance Group Identifier (ENDGID): %u\n", r & 0xffff);
        kprintf("\tEndurance Group Critical Warnings  : %u\n", (r >> 16) & 0xff);
        break;
    case 0x19:
        kprintf("\tI/O Command Set Profile: %s\n", on_off(r & 1, "True", "False"));
        break;
    case 0x1a:
        kprintf("\tSpinup control feature Enabled: %s\n", on_off(r & 1, "True", "False"));
        break;
    case 0x1d:
        kprintf("\tFlexible Direct Placement Enable (FDPE)       : %s\n",
                on_off(r & 1, "Yes", "No"));
        kprintf("\tFlexible Direct Placement Configuration Index : %u\n", (r >> 8) & 0xf);
        break;
    case 0x7d: case 0x7e: case 0x7f:
        if (data)
            nvme_print_hexdump(data, len);
        break;
    case 0x80:
        kprintf("\tPre-boot Software Load Count (PBSLC): %u\n", r & 0xff);
        break;
    case 0x81:
        if (data && len >= 8) {
            uint64_t id = 0;
            for (int i = 7; i >= 0; i--)
                id = (id << 8) | data[i];
            kprintf("\tHost Identifier (HOSTID):  %llu\n", (unsigned long long)id);
        }
        break;
    case 0x82:
        kprintf("\tMask Reservation Preempted Notification  (RESPRE): %s\n",
                on_off(r & 8, "True", "False"));
        kprintf("\tMask Reservation Released Notification   (RESREL): %s\n",
                on_off(r & 4, "True", "False"));
        kprintf("\tMask Registration Preempted Notification (REGPRE): %s\n",
                on_off(r & 2, "True", "False"));
        break;
    case 0x83:
        kprintf("\tPersist Through Power Loss (PTPL): %s\n", on_off(r & 1, "True", "False"));
        break;
    case 0x84: {
        static const char *const wp[] = { "No Write Protect", "Write Protect",
                                          "Write Protect Until Power Cycle",
                                          "Permanent Write Protect" };
        kprintf("\tNamespace Write Protect: %s\n", r < 4 ? wp[r] : "Reserved");
        break;
    }
    default:
        break;
    }
}

void nvme_print_feature(uint8_t fid, uint8_t sel, uint32_t result, const uint8_t *data,
                        uint32_t len, unsigned flags)
{
    /* nvme-cli prints "%#0*x" with width 10 for a non-zero value and 8 for
     * zero, which '#' leaves without "0x": 0x003f003f, but 00000000. */
    kprintf("get-feature:%#0*x (%s), %s value:%#0*x\n", fid ? 4 : 2, fid,
            nvme_print_feature_name(fid), select_name(sel), result ? 10 : 8, result);
    if (sel == 3) {
        if (result & 1)
            kprintf("  Feature is saveable\n");
        if (result & 2)
            kprintf("  Feature is per-namespace\n");
        if (result & 4)
            kprintf("  Feature is changeable\n");
    } else if (flags & NVME_PRINT_HUMAN) {
        print_fields(fid, result, data, len);
    } else if (data) {
        nvme_print_hexdump(data, len);
    }
}
