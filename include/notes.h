/* notes.h - conformance notes: tolerated deviations recorded with a report */
#ifndef TR_NOTES_H
#define TR_NOTES_H

#include <stddef.h>

#define TR_NOTES_MAX 64		/* further notes are counted, not kept */

struct tr_notes {
	char *v[TR_NOTES_MAX];
	size_t n;
	size_t dropped;
};

/* tr_notes_add - append a formatted note; identical notes are kept once.
 * Returns 0, or -1 when out of memory. */
int tr_notes_add(struct tr_notes *notes, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* tr_notes_append - copy every note of src onto dst */
int tr_notes_append(struct tr_notes *dst, const struct tr_notes *src);

/* tr_notes_free - release the notes and reset to empty */
void tr_notes_free(struct tr_notes *notes);

#endif
