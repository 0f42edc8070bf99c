/* The language reference, docs/language.md, built into the kernel so that
 * help("language") shows it wherever the kernel runs (kernel/language_doc.c
 * is generated from the file by am/kernel.am). */
#ifndef MASKCLEAN_LANGUAGE_DOC_H
#define MASKCLEAN_LANGUAGE_DOC_H

/* The Markdown text, NUL-terminated. */
extern const char mc_language_doc[];

#endif
