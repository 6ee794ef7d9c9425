/* result_types.h - the RFC 8460 result-type registry: names, meaning, fix */
#ifndef TR_RESULT_TYPES_H
#define TR_RESULT_TYPES_H

/* The RFC 8460 section 6.6 registry of result-types, in its order. */
#define TR_RESULT_TYPES	11

struct tr_result_type {
	const char *name;	/* the result-type, or "" for the fallback */
	int known;		/* 1 for a type of the registry, 0 for the
				 * fallback */
	const char *meaning;	/* one plain sentence */
	const char *fix;	/* the usual fix, one sentence */
};

/*
 * tr_result_type_explain - the explanation of result_type: every type of
 * the RFC 8460 section 6.6 registry has its own; anything else (a sender's
 * own name, NULL) gets the "unknown type" fallback. Never NULL.
 */
const struct tr_result_type *tr_result_type_explain(const char *result_type);

/* tr_result_type_known - true for a result-type in the RFC 8460 registry
 * (compared exactly: case and blanks count) */
int tr_result_type_known(const char *result_type);

/* tr_result_type_index - a result-type's place in the registry, or -1 */
int tr_result_type_index(const char *result_type);

/* tr_result_type_name - the registry's result-type i (0 <= i <
 * TR_RESULT_TYPES), NULL outside; the registry's own copy */
const char *tr_result_type_name(int i);

#endif
