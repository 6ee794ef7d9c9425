/* msgmeta.c - the header fields kept of a report message */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "msgmeta.h"

#define META_MAX	1000	/* bytes kept of one header value */

/* tr_msgmeta_keep - fill the slot of a top-level field, first one wins */
enum tr_err
tr_msgmeta_keep(struct tr_msgmeta *m, const struct tr_mimeh_field *f,
    struct tr_error *err)
{
	static const struct {
		const char *name;
		size_t off;
	} keep[] = {
		{ "Message-ID", offsetof(struct tr_msgmeta, message_id) },
		{ "From", offsetof(struct tr_msgmeta, from) },
		{ "Date", offsetof(struct tr_msgmeta, date) },
		{ "Subject", offsetof(struct tr_msgmeta, subject) },
		{ "TLS-Report-Domain",
		    offsetof(struct tr_msgmeta, report_domain) },
		{ "TLS-Report-Submitter",
		    offsetof(struct tr_msgmeta, report_submitter) },
	};
	char **slot;
	size_t i;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (!tr_mimeh_name_is(f, keep[i].name))
			continue;
		slot = (char **)((char *)m + keep[i].off);
		if (*slot != NULL)
			return TR_OK;
		if ((*slot = tr_mimeh_unfold(f->value, f->valuelen,
		    META_MAX)) == NULL)
			return tr_error_set(err, TR_ERR_NOMEM,
			    "out of memory");
		return TR_OK;
	}
	return TR_OK;
}

/* tr_msgmeta_free - release the strings of m and zero it */
void
tr_msgmeta_free(struct tr_msgmeta *m)
{
	free(m->message_id);
	free(m->from);
	free(m->date);
	free(m->subject);
	free(m->report_domain);
	free(m->report_submitter);
	memset(m, 0, sizeof(*m));
}
