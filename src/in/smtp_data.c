/* smtp_data.c - the message of SMTP DATA: dot-unstuffing into a buffer
 * bounded by max_message and the memory budget */
#include <stdlib.h>
#include <string.h>

#include "smtp_data.h"

#define DATA_START	(16 * 1024)	/* first message buffer */
#define DATA_KEEP	(64 * 1024)	/* kept between messages, at most */

/* tr_smtp_data_free - the message buffer goes, and its bytes back to the
 * budget */
void
tr_smtp_data_free(struct tr_smtp_data *d)
{
	free(d->data);
	d->data = NULL;
	if (d->cap > 0 && d->set->shrink != NULL)
		d->set->shrink(d->cap, d->set->mem_arg);
	d->cap = 0;
}

/* data_add - append message bytes, within max_message; past it only the
 * count goes on, so that the client can still be answered at the end */
static void
data_add(struct tr_smtp_data *d, const void *p, size_t n)
{
	size_t cap;
	unsigned char *nb;

	d->received += n;
	if (d->too_big || d->nomem)
		return;
	if (d->received > d->set->max_message) {
		d->too_big = 1;
		return;
	}
	if (d->len + n > d->cap) {
		cap = d->cap > 0 ? d->cap : DATA_START;
		while (cap < d->len + n)
			cap *= 2;
		if (cap > d->set->max_message)
			cap = d->set->max_message;
		if (d->set->grow != NULL &&
		    !d->set->grow(cap - d->cap, d->set->mem_arg)) {
			/* the message is lost: its share goes back now,
			 * not when its client gets to the dot */
			d->nomem = 1;
			tr_smtp_data_free(d);
			return;
		}
		if ((nb = realloc(d->data, cap)) == NULL) {
			if (d->set->shrink != NULL)
				d->set->shrink(cap - d->cap, d->set->mem_arg);
			d->nomem = 1;
			return;
		}
		d->data = nb;
		d->cap = cap;
	}
	memcpy(d->data + d->len, p, n);
	d->len += n;
}

/* tr_smtp_data_feed - message bytes up to the final dot; returns bytes
 * consumed */
size_t
tr_smtp_data_feed(struct tr_smtp_data *d, const unsigned char *p,
    size_t len, int *done)
{
	const unsigned char *cr;
	size_t i = 0, n;

	*done = 0;
	while (i < len) {
		switch (d->dstate) {
		case TR_SMTP_D_TEXT:
			/* the fast path: everything up to the next CR */
			cr = memchr(p + i, '\r', len - i);
			n = cr != NULL ? (size_t)(cr - (p + i)) : len - i;
			data_add(d, p + i, n);
			i += n;
			if (cr != NULL) {
				data_add(d, "\r", 1);
				d->dstate = TR_SMTP_D_CR;
				i++;
			}
			break;
		case TR_SMTP_D_CR:
			if (p[i] == '\n') {
				data_add(d, "\n", 1);
				d->dstate = TR_SMTP_D_BOL;
			} else if (p[i] != '\r') {
				data_add(d, p + i, 1);
				d->dstate = TR_SMTP_D_TEXT;
			} else
				data_add(d, "\r", 1);
			i++;
			break;
		case TR_SMTP_D_BOL:
			if (p[i] == '.') {
				d->dstate = TR_SMTP_D_DOT;
				i++;
			} else
				d->dstate = TR_SMTP_D_TEXT;
			break;
		case TR_SMTP_D_DOT:
			if (p[i] == '\r') {
				d->dstate = TR_SMTP_D_DOTCR;
				i++;
			} else
				/* a stuffed dot: it goes, the rest stays */
				d->dstate = TR_SMTP_D_TEXT;
			break;
		case TR_SMTP_D_DOTCR:
			if (p[i] == '\n') {
				*done = 1;
				return i + 1;
			}
			/* "." CR and something else: the dot was stuffed */
			data_add(d, "\r", 1);
			d->dstate = TR_SMTP_D_CR;
			break;
		}
	}
	return i;
}

/* tr_smtp_data_start - an empty message at the beginning of a line */
void
tr_smtp_data_start(struct tr_smtp_data *d)
{
	d->dstate = TR_SMTP_D_BOL;
	d->len = d->received = 0;
}

/* tr_smtp_data_reset - forget the message */
void
tr_smtp_data_reset(struct tr_smtp_data *d)
{
	d->len = d->received = 0;
	d->too_big = d->nomem = 0;
	/* with a budget, an idle session holds none of it */
	if (d->cap > DATA_KEEP || d->set->shrink != NULL)
		tr_smtp_data_free(d);
}
