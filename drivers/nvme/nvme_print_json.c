/*
 * drivers/nvme/nvme_print_json.c - Identify Controller, Identify Namespace,
 * SMART / Health and Error Information as nvme-cli 2.3 prints them with
 * "-o json": the same keys in the same order, the same value types (numbers
 * as numbers, 128-bit counters as decimal strings, sn/mn/fr untrimmed) and
 * json-c's layout (lib/json.h, JSON_JSONC).
 *
 * Structures: see nvme_print.c.
 */
#include "drivers/nvme/nvme_print.h"

#include <string.h>

#include "kernel/kernel.h"
#include "lib/json.h"

static void console_sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    kprintf("%.*s", (int)n, s);
}

void nvme_print_json_begin(struct json_writer *w)
{
    json_init(w, JSON_JSONC, console_sink, NULL);
}

static void u128(struct json_writer *w, const char *key, const uint8_t le[16])
{
    char dec[40];
    json_u128_le_to_dec(le, dec);
    json_str(w, key, dec);
}

static void hex_bytes(struct json_writer *w, const char *key, const uint8_t *b, size_t n)
{
    char buf[2 * 16 + 1];
    for (size_t i = 0; i < n && i < 16; i++)
        ksnprintf(buf + 2 * i, 3, "%02x", b[i]);
    buf[2 * (n < 16 ? n : 16)] = '\0';
    json_str(w, key, buf);
}

void nvme_print_id_ctrl_json(const struct nvme_id_ctrl *id)
{
    struct json_writer w;
    char uuid[37];
    size_t k = 0;
    for (unsigned i = 0; i < 16; i++)
        k += (size_t)ksnprintf(uuid + k, sizeof(uuid) - k, "%s%02x",
                               (i == 4 || i == 6 || i == 8 || i == 10) ? "-" : "", id->fguid[i]);
    uint32_t ioccsz, iorcsz;
    uint16_t icdoff, ofcs;
    memcpy(&ioccsz, id->fabrics + 0, 4);
    memcpy(&iorcsz, id->fabrics + 4, 4);
    memcpy(&icdoff, id->fabrics + 8, 2);
    memcpy(&ofcs, id->fabrics + 12, 2);

    nvme_print_json_begin(&w);
    json_object_begin(&w, NULL);
    json_u64(&w, "vid", id->vid);
    json_u64(&w, "ssvid", id->ssvid);
    json_strn(&w, "sn", id->sn, sizeof(id->sn));
    json_strn(&w, "mn", id->mn, sizeof(id->mn));
    json_strn(&w, "fr", id->fr, sizeof(id->fr));
    json_u64(&w, "rab", id->rab);
    json_u64(&w, "ieee", (uint32_t)id->ieee[2] << 16 | (uint32_t)id->ieee[1] << 8 | id->ieee[0]);
    json_u64(&w, "cmic", id->cmic);
    json_u64(&w, "mdts", id->mdts);
    json_u64(&w, "cntlid", id->cntlid);
    json_u64(&w, "ver", id->ver);
    json_u64(&w, "rtd3r", id->rtd3r);
    json_u64(&w, "rtd3e", id->rtd3e);
    json_u64(&w, "oaes", id->oaes);
    json_u64(&w, "ctratt", id->ctratt);
    json_u64(&w, "rrls", id->rrls);
    json_u64(&w, "cntrltype", id->cntrltype);
    json_str(&w, "fguid", uuid);
    json_u64(&w, "crdt1", id->crdt1);
    json_u64(&w, "crdt2", id->crdt2);
    json_u64(&w, "crdt3", id->crdt3);
    json_u64(&w, "nvmsr", id->nvmsr);
    json_u64(&w, "vwci", id->vwci);
    json_u64(&w, "mec", id->mec);
    json_u64(&w, "oacs", id->oacs);
    json_u64(&w, "acl", id->acl);
    json_u64(&w, "aerl", id->aerl);
    json_u64(&w, "frmw", id->frmw);
    json_u64(&w, "lpa", id->lpa);
    json_u64(&w, "elpe", id->elpe);
    json_u64(&w, "npss", id->npss);
    json_u64(&w, "avscc", id->avscc);
    json_u64(&w, "apsta", id->apsta);
    json_u64(&w, "wctemp", id->wctemp);
    json_u64(&w, "cctemp", id->cctemp);
    json_u64(&w, "mtfa", id->mtfa);
    json_u64(&w, "hmpre", id->hmpre);
    json_u64(&w, "hmmin", id->hmmin);
    u128(&w, "tnvmcap", id->tnvmcap);
    u128(&w, "unvmcap", id->unvmcap);
    json_u64(&w, "rpmbs", id->rpmbs);
    json_u64(&w, "edstt", id->edstt);
    json_u64(&w, "dsto", id->dsto);
    json_u64(&w, "fwug", id->fwug);
    json_u64(&w, "kas", id->kas);
    json_u64(&w, "hctma", id->hctma);
    json_u64(&w, "mntmt", id->mntmt);
    json_u64(&w, "mxtmt", id->mxtmt);
    json_u64(&w, "sanicap", id->sanicap);
    json_u64(&w, "hmminds", id->hmminds);
    json_u64(&w, "hmmaxd", id->hmmaxd);
    json_u64(&w, "nsetidmax", id->nsetidmax);
    json_u64(&w, "endgidmax", id->endgidmax);
    json_u64(&w, "anatt", id->anatt);
    json_u64(&w, "anacap", id->anacap);
    json_u64(&w, "anagrpmax", id->anagrpmax);
    json_u64(&w, "nanagrpid", id->nanagrpid);
    json_u64(&w, "pels", id->pels);
    json_u64(&w, "domainid", id->domainid);
    u128(&w, "megcap", id->megcap);
    json_u64(&w, "sqes", id->sqes);
    json_u64(&w, "cqes", id->cqes);
    json_u64(&w, "maxcmd", id->maxcmd);
    json_u64(&w, "nn", id->nn);
    json_u64(&w, "oncs", id->oncs);
    json_u64(&w, "fuses", id->fuses);
    json_u64(&w, "fna", id->fna);
    json_u64(&w, "vwc", id->vwc);
    json_u64(&w, "awun", id->awun);
    json_u64(&w, "awupf", id->awupf);
    json_u64(&w, "icsvscc", id->icsvscc);
    json_u64(&w, "nwpc", id->nwpc);
    json_u64(&w, "acwu", id->acwu);
    json_u64(&w, "ocfs", id->cdfs);
    json_u64(&w, "sgls", id->sgls);
    json_u64(&w, "mnan", id->mnan);
    u128(&w, "maxdna", id->maxdna);
    json_u64(&w, "maxcna", id->maxcna);
    if (id->subnqn[0] != '\0') /* nvme-cli leaves an empty NQN out */
        json_strn(&w, "subnqn", id->subnqn, sizeof(id->subnqn));
    json_u64(&w, "ioccsz", ioccsz);
    json_u64(&w, "iorcsz", iorcsz);
    json_u64(&w, "icdoff", icdoff);
    json_u64(&w, "fcatt", id->fabrics[10]);
    json_u64(&w, "msdbd", id->fabrics[11]);
    json_u64(&w, "ofcs", ofcs);
    json_array_begin(&w, "psds");
    for (unsigned i = 0; i <= id->npss && i < 32; i++) {
        const struct nvme_psd *p = &id->psd[i];
        json_object_begin(&w, NULL);
        json_u64(&w, "max_power", p->mp);
        json_u64(&w, "flags", p->flags);
        json_u64(&w, "entry_lat", p->enlat);
        json_u64(&w, "exit_lat", p->exlat);
        json_u64(&w, "read_tput", p->rrt);
        json_u64(&w, "read_lat", p->rrl);
        json_u64(&w, "write_tput", p->rwt);
        json_u64(&w, "write_lat", p->rwl);
        json_u64(&w, "idle_power", p->idlp);
        json_u64(&w, "idle_scale", p->ips >> 6);
        json_u64(&w, "active_power", p->actp);
        json_u64(&w, "active_power_work", p->apw_aps & 0x7);
        json_u64(&w, "active_scale", p->apw_aps >> 6);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_object_end(&w);
    kprintf("\n");
}

void nvme_print_id_ns_json(const struct nvme_id_ns *id)
{
    struct json_writer w;
    nvme_print_json_begin(&w);
    json_object_begin(&w, NULL);
    json_u64(&w, "nsze", id->nsze);
    json_u64(&w, "ncap", id->ncap);
    json_u64(&w, "nuse", id->nuse);
    json_u64(&w, "nsfeat", id->nsfeat);
    json_u64(&w, "nlbaf", id->nlbaf);
    json_u64(&w, "flbas", id->flbas);
    json_u64(&w, "mc", id->mc);
    json_u64(&w, "dpc", id->dpc);
    json_u64(&w, "dps", id->dps);
    json_u64(&w, "nmic", id->nmic);
    json_u64(&w, "rescap", id->rescap);
    json_u64(&w, "fpi", id->fpi);
    json_u64(&w, "dlfeat", id->dlfeat);
    json_u64(&w, "nawun", id->nawun);
    json_u64(&w, "nawupf", id->nawupf);
    json_u64(&w, "nacwu", id->nacwu);
    json_u64(&w, "nabsn", id->nabsn);
    json_u64(&w, "nabo", id->nabo);
    json_u64(&w, "nabspf", id->nabspf);
    json_u64(&w, "noiob", id->noiob);
    u128(&w, "nvmcap", id->nvmcap);
    json_u64(&w, "nsattr", id->nsattr);
    json_u64(&w, "nvmsetid", id->nvmsetid);
    if (id->nsfeat & 0x10) {
        json_u64(&w, "npwg", id->npwg);
        json_u64(&w, "npwa", id->npwa);
        json_u64(&w, "npdg", id->npdg);
        json_u64(&w, "npda", id->npda);
        json_u64(&w, "nows", id->nows);
    }
    json_u64(&w, "mssrl", id->mssrl);
    json_u64(&w, "mcl", id->mcl);
    json_u64(&w, "msrc", id->msrc);
    json_u64(&w, "nulbaf", nvme_print_id_ns_nulbaf(id));
    json_u64(&w, "anagrpid", id->anagrpid);
    json_u64(&w, "endgid", id->endgid);
    hex_bytes(&w, "eui64", id->eui64, sizeof(id->eui64));
    hex_bytes(&w, "nguid", id->nguid, sizeof(id->nguid));
    json_array_begin(&w, "lbafs");
    for (unsigned i = 0; i <= id->nlbaf && i < 64; i++) {
        json_object_begin(&w, NULL);
        json_u64(&w, "ms", id->lbaf[i].ms);
        json_u64(&w, "ds", id->lbaf[i].lbads);
        json_u64(&w, "rp", id->lbaf[i].rp);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_object_end(&w);
    kprintf("\n");
}

void nvme_print_smart_log_json(const struct nvme_smart_log *s, unsigned flags)
{
    struct json_writer w;
    nvme_print_json_begin(&w);
    json_object_begin(&w, NULL);
    unsigned cw = s->critical_warning;
    if (flags & NVME_PRINT_HUMAN) {
        json_object_begin(&w, "critical_warning");
        json_u64(&w, "value", cw);
        json_u64(&w, "available_spare", cw & 1);
        json_u64(&w, "temp_threshold", (cw >> 1) & 1);
        json_u64(&w, "reliability_degraded", (cw >> 2) & 1);
        json_u64(&w, "ro", (cw >> 3) & 1);
        json_u64(&w, "vmbu_failed", (cw >> 4) & 1);
        json_u64(&w, "pmr_ro", (cw >> 5) & 1);
        json_object_end(&w);
    } else {
        json_u64(&w, "critical_warning", cw);
    }
    json_u64(&w, "temperature", s->temperature);
    json_u64(&w, "avail_spare", s->avail_spare);
    json_u64(&w, "spare_thresh", s->avail_spare_thresh);
    json_u64(&w, "percent_used", s->percent_used);
    json_u64(&w, "endurance_grp_critical_warning_summary", s->endgrp_crit_warning);
    u128(&w, "data_units_read", s->data_units_read);
    u128(&w, "data_units_written", s->data_units_written);
    u128(&w, "host_read_commands", s->host_reads);
    u128(&w, "host_write_commands", s->host_writes);
    u128(&w, "controller_busy_time", s->ctrl_busy_time);
    u128(&w, "power_cycles", s->power_cycles);
    u128(&w, "power_on_hours", s->power_on_hours);
    u128(&w, "unsafe_shutdowns", s->unsafe_shutdowns);
    u128(&w, "media_errors", s->media_errors);
    u128(&w, "num_err_log_entries", s->num_err_log_entries);
    json_u64(&w, "warning_temp_time", s->warning_temp_time);
    json_u64(&w, "critical_comp_time", s->critical_temp_time);
    for (unsigned i = 0; i < 8; i++) {
        char key[24];
        if (s->temp_sensor[i] == 0) /* not implemented */
            continue;
        ksnprintf(key, sizeof(key), "temperature_sensor_%u", i + 1);
        json_u64(&w, key, s->temp_sensor[i]);
    }
    json_u64(&w, "thm_temp1_trans_count", s->thm_temp1_trans_count);
    json_u64(&w, "thm_temp2_trans_count", s->thm_temp2_trans_count);
    json_u64(&w, "thm_temp1_total_time", s->thm_temp1_total_time);
    json_u64(&w, "thm_temp2_total_time", s->thm_temp2_total_time);
    json_object_end(&w);
    kprintf("\n");
}

void nvme_print_error_log_json(const struct nvme_error_log_entry *e, unsigned entries)
{
    struct json_writer w;
    nvme_print_json_begin(&w);
    json_object_begin(&w, NULL);
    json_array_begin(&w, "errors");
    for (unsigned i = 0; i < entries; i++) {
        json_object_begin(&w, NULL);
        json_u64(&w, "error_count", e[i].error_count);
        json_u64(&w, "sqid", e[i].sqid);
        json_u64(&w, "cmdid", e[i].cid);
        json_u64(&w, "status_field", e[i].status >> 1);
        json_u64(&w, "phase_tag", e[i].status & 1);
        json_u64(&w, "parm_error_location", e[i].pel);
        json_u64(&w, "lba", e[i].lba);
        json_u64(&w, "nsid", e[i].nsid);
        json_u64(&w, "vs", e[i].vsia);
        json_u64(&w, "trtype", e[i].trtype);
        json_u64(&w, "cs", e[i].csi);
        json_u64(&w, "trtype_spec_info", e[i].ttsi);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_object_end(&w);
    kprintf("\n");
}
