/*
 * lib/args.c - command-line splitting (rules in args.h).
 */
#include "lib/args.h"

#include <stdbool.h>
#include <string.h>

#include "lib/errno.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int args_tokenize(char *line, char **argv, int max)
{
    char *in = line, *out = line;
    int argc = 0;

    for (;;) {
        while (is_space(*in))
            in++;
        if (*in == '\0')
            return argc;
        if (argc == max)
            return -E2BIG;
        argv[argc++] = out;
        /* Copy one word, removing quotes and escapes (out never passes in). */
        while (*in && !is_space(*in)) {
            if (*in == '"') {
                in++;
                while (*in && *in != '"') {
                    if (*in == '\\' && (in[1] == '"' || in[1] == '\\'))
                        in++;
                    *out++ = *in++;
                }
                if (*in != '"')
                    return -EINVAL;
                in++;
            } else if (*in == '\'') {
                in++;
                while (*in && *in != '\'')
                    *out++ = *in++;
                if (*in != '\'')
                    return -EINVAL;
                in++;
            } else if (*in == '\\') {
                if (in[1] == '\0')
                    return -EINVAL;
                in++;
                *out++ = *in++;
            } else {
                *out++ = *in++;
            }
        }
        if (*in)
            in++; /* the separator; out may now overwrite it */
        *out++ = '\0';
    }
}

size_t args_next_command(const char *s, const char **next)
{
    char quote = 0;
    size_t i;

    for (i = 0; s[i]; i++) {
        char c = s[i];
        if (quote) {
            if (c == '\\' && quote == '"' && (s[i + 1] == '"' || s[i + 1] == '\\'))
                i++;
            else if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '\\' && s[i + 1]) {
            i++;
        } else if (c == ';') {
            *next = s + i + 1;
            return i;
        }
    }
    *next = NULL;
    return i;
}

/* Is w a flag word: '-' and then only letters from allowed? */
static bool is_flag_word(const char *w, const char *allowed)
{
    if (w[0] != '-' || w[1] == '\0')
        return false;
    for (const char *c = w + 1; *c; c++)
        if (*c < 'a' || *c > 'z' || strchr(allowed, *c) == NULL)
            return false;
    return true;
}

int args_flags(int argc, char **argv, const char *allowed, unsigned *flags, char **operands,
               int max)
{
    int n = 0;
    *flags = 0;
    for (int i = 1; i < argc; i++) {
        if (is_flag_word(argv[i], allowed)) {
            for (const char *c = argv[i] + 1; *c; c++)
                *flags |= ARGS_FLAG(*c);
        } else if (n == max) {
            return -E2BIG;
        } else {
            operands[n++] = argv[i];
        }
    }
    return n;
}
