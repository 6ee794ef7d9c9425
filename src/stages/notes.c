/* notes.c - conformance notes */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notes.h"

/* tr_notes_add - append a formatted note, keeping identical notes once */
int
tr_notes_add(struct tr_notes *notes, const char *fmt, ...)
{
	va_list ap;
	char *s;
	size_t i;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	for (i = 0; i < notes->n; i++) {
		if (strcmp(notes->v[i], s) == 0) {
			free(s);
			return 0;
		}
	}
	if (notes->n == TR_NOTES_MAX) {
		notes->dropped++;
		free(s);
		return 0;
	}
	notes->v[notes->n++] = s;
	return 0;
}

/* tr_notes_append - copy every note of src onto dst */
int
tr_notes_append(struct tr_notes *dst, const struct tr_notes *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		if (tr_notes_add(dst, "%s", src->v[i]) == -1)
			return -1;
	dst->dropped += src->dropped;
	return 0;
}

/* tr_notes_free - release the notes and reset to empty */
void
tr_notes_free(struct tr_notes *notes)
{
	size_t i;

	for (i = 0; i < notes->n; i++)
		free(notes->v[i]);
	memset(notes, 0, sizeof(*notes));
}
