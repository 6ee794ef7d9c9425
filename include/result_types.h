/* result_types.h - what each RFC 8460 result-type means and its usual fix */
#ifndef TR_RESULT_TYPES_H
#define TR_RESULT_TYPES_H

struct tr_result_type {
	const char *name;	/* the result-type, or "" for the fallback */
	const char *meaning;	/* one plain sentence */
	const char *fix;	/* the usual fix, one sentence */
};

/*
 * tr_result_type_explain - the explanation of result_type: every type of
 * the RFC 8460 section 6.6 registry has its own; anything else (a sender's
 * own name, NULL) gets the "unknown type" fallback. Never NULL.
 */
const struct tr_result_type *tr_result_type_explain(const char *result_type);

#endif
