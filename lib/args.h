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
 *
 * args_flags then tells a command's one-letter flags (-l -a, or -la) from its
 * operands.
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

/* The bit args_flags sets for flag letter c ('a'..'z'). */
#define ARGS_FLAG(c) (1u << ((c) - 'a'))

/*
 * Sorts argv[1..argc) (argv[0] is the command) into flags and operands. A
 * word of '-' and one or more letters, every one of them in allowed (a
 * string of 'a'..'z', e.g. "la"), is a flag word: "-l", "-a", "-la" and "-al"
 * all count, anywhere on the line. Every other word is an operand, including
 * "-", "-x" when x is not in allowed, and "-" followed by a digit. Sets
 * *flags to the ARGS_FLAG bits of the letters given and stores the operands,
 * in order, in operands[0..max). Returns the operand count, or -E2BIG when
 * there are more than max.
 */
int args_flags(int argc, char **argv, const char *allowed, unsigned *flags, char **operands,
               int max);

#endif
