/*
 * kernel/cmdline.c - the boot options (see cmdline.h).
 */
#include "kernel/cmdline.h"

#include <string.h>

#include "boot/boot_info.h"
#include "kernel/kernel.h"
#include "lib/args.h"
#include "lib/errno.h"
#include "lib/parse.h"

#define MAX_OPTIONS 64

static char storage[BOOT_CMDLINE_MAX];
static char *words[MAX_OPTIONS];
static int word_count;

int cmdline_init(const char *cmdline)
{
    size_t n = strnlen(cmdline, sizeof(storage) - 1);
    memcpy(storage, cmdline, n);
    storage[n] = '\0';
    int count = args_tokenize(storage, words, MAX_OPTIONS);
    if (count < 0) {
        word_count = 0;
        return count;
    }
    word_count = count;
    return 0;
}

const char *cmdline_get(const char *key)
{
    size_t klen = strlen(key);
    const char *found = NULL;
    for (int i = 0; i < word_count; i++) {
        if (strncmp(words[i], key, klen) != 0)
            continue;
        if (words[i][klen] == '=')
            found = words[i] + klen + 1;
        else if (words[i][klen] == '\0')
            found = "";
    }
    return found;
}

bool cmdline_get_bool(const char *key, bool fallback)
{
    const char *v = cmdline_get(key);
    bool b;
    if (v == NULL)
        return fallback;
    if (*v == '\0')
        return true;
    if (parse_bool(v, &b) != 0) {
        kprintf("cmdline: %s=%s is not a boolean; using %d\n", key, v, fallback);
        return fallback;
    }
    return b;
}

uint64_t cmdline_get_u64(const char *key, uint64_t fallback)
{
    const char *v = cmdline_get(key);
    uint64_t n;
    if (v == NULL)
        return fallback;
    if (parse_u64(v, &n) != 0) {
        kprintf("cmdline: %s=%s is not a number; using %llu\n", key, v,
                (unsigned long long)fallback);
        return fallback;
    }
    return n;
}
