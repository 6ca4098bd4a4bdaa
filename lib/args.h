/*
 * lib/args.h - splitting command lines into commands and words.
 *
 * The quoting rules are a small, predictable subset of the POSIX shell's, the
 * same for the serial shell and the boot command line:
 *   - spaces and tabs separate words;
 *   - "..." groups; inside it \" and \\ stand for " and \ (any other
 *     backslash is kept as is);
 *   - '...' groups with no escapes at all;
 *   - outside quotes, \x stands for x (so "a\ b" is one word);
 *   - an unquoted ';' ends a command (args_next_command).
 * Quotes may appear in the middle of a word: run="a b" is the word "run=a b".
 */
#ifndef NVOS_LIB_ARGS_H
#define NVOS_LIB_ARGS_H

#include <stddef.h>

/*
 * Splits line (modified in place) into at most max words. Returns the word
 * count, -E2BIG when there are more than max words, or -EINVAL for an
 * unterminated quote or a trailing backslash.
 */
int args_tokenize(char *line, char **argv, int max);

/*
 * Returns the length of the first command in s: the bytes up to the first
 * ';' outside quotes (or the whole string). *next is set to the start of the
 * following command, or NULL if this was the last.
 */
size_t args_next_command(const char *s, const char **next);

#endif
